"""Issue 9 moved Like, Comment, CommentReport (to portal) and ClassifierModel (to classification)
out of messages_app. An existing database must keep its rows, and the permissions its groups hold,
through the migration: it renames nothing and copies nothing."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from classification.models import ClassifierModel
from messages_app.models import Message
from portal.models import Comment, CommentReport, Like
from users.models import User

BEFORE_MOVE = [("messages_app", "0005_message_public_feed_index"), ("portal", None), ("classification", None)]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.slow
def test_moved_models_keep_their_rows_and_permissions(transactional_db):
    executor = _migrate(BEFORE_MOVE)
    old_apps = executor.loader.project_state(BEFORE_MOVE[:1]).apps
    assert old_apps.get_model("messages_app", "Like")._meta.db_table == "messages_app_like"
    tables = connection.introspection.table_names()
    assert {"messages_app_like", "messages_app_comment", "messages_app_commentreport",
            "messages_app_classifiermodel"} <= set(tables)

    # The current schema, with data in it (Message and User did not move: their ORM is the same).
    author, reader = User.objects.create_user("author"), User.objects.create_user("reader")
    message = Message.objects.create(platform="x", external_id="m1", text="버스가 안 와요",
                                     posted_at=timezone.now())
    group = Group.objects.create(name="moved-perms")
    old_perm = Permission.objects.get(content_type__app_label="messages_app", codename="add_like")
    group.permissions.add(old_perm)
    with connection.cursor() as c:
        c.execute("INSERT INTO messages_app_comment (message_id, user_id, text, created_at, is_deleted, is_hidden,"
                  " report_count) VALUES (%s, %s, '좋은 의견', now(), false, false, 1) RETURNING id",
                  [message.pk, author.pk])
        comment_id = c.fetchone()[0]
        c.execute("INSERT INTO messages_app_commentreport (comment_id, user_id, reason, created_at)"
                  " VALUES (%s, %s, '욕설', now())", [comment_id, reader.pk])
        c.execute("INSERT INTO messages_app_like (user_id, message_id, created_at) VALUES (%s, %s, now())",
                  [reader.pk, message.pk])
        c.execute("INSERT INTO messages_app_classifiermodel (version, created_at, trained_on, metrics, payload,"
                  " is_active) VALUES ('2026.01.01-1', now(), 42, '{}', '\\x00', true)")

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    comment = Comment.objects.get(pk=comment_id)
    assert (comment.text, comment.message_id, comment.user_id, comment.report_count) == (
        "좋은 의견", message.pk, author.pk, 1)
    assert CommentReport.objects.get(comment=comment).user_id == reader.pk
    assert Like.objects.get().message_id == message.pk
    assert list(message.likes.values_list("user_id", flat=True)) == [reader.pk]
    assert ClassifierModel.objects.get().trained_on == 42
    # The same permission row, now under the portal app: the group kept it.
    assert group.permissions.get() == old_perm
    assert Permission.objects.get(pk=old_perm.pk).content_type.app_label == "portal"
    assert not Permission.objects.filter(content_type__app_label="messages_app", codename="add_like").exists()
