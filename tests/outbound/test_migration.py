"""The answer outbox's and the broadcast deliveries' rows become postings (migration executor, real
PostgreSQL): states, attempts, ids, errors and retry times kept; an answer's parts chained; an
attempt that may have gone through still looked for before any retry."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from broadcast.models import Delivery
from messages_app.models import Outbox
from outbound.models import Posting

BEFORE = [("messages_app", "0009_staff_assignee_and_queue_indexes"),
          ("broadcast", "0003_korean_labels_and_kind_chosen_by_drafter")]
AFTER = [("messages_app", "0011_outbox_drop_moved_columns"), ("broadcast", "0005_delivery_drop_moved_columns")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_outbox_and_delivery_rows_become_postings():
    old = _migrate(BEFORE)
    try:
        now = timezone.now()
        bureau = old.get_model("departments", "Bureau").objects.create(code="b", name_ko="본부")
        division = old.get_model("departments", "Division").objects.create(bureau=bureau, code="d", name_ko="과")
        Account = old.get_model("accounts", "Account")
        x = Account.objects.create(platform="x", handle="seoulmania", display_name="서울시", owner_division=division,
                                   field="general")
        fb = Account.objects.create(platform="facebook", handle="seoul.city", display_name="서울시",
                                    owner_division=division, field="general")
        user = old.get_model("users", "User").objects.create(username="staff")
        other = old.get_model("users", "User").objects.create(username="approver")
        message = old.get_model("messages_app", "Message").objects.create(
            platform="x", external_id="m1", account=x, text="버스", posted_at=now)
        answer = old.get_model("messages_app", "Answer").objects.create(message=message, division=division,
                                                                         author=user, text="답변")
        OldOutbox = old.get_model("messages_app", "Outbox")
        first = OldOutbox.objects.create(answer=answer, account=x, to_external_id="m1", text="(1/2) 답변",
                                         state="posted", attempts=1, external_id="t-1", posted_at=now)
        second = OldOutbox.objects.create(answer=answer, account=x, to_external_id="m1", text="(2/2) 끝",
                                          state="posting", attempts=1, last_attempt_at=now)
        broadcast = old.get_model("broadcast", "Broadcast").objects.create(
            identifier="SMC-20260101-ABCDEF01", event_ko="대설", event_en="Snow", headline_ko="대설",
            headline_en="Snow",
            description_ko="눈", description_en="snow", expires=now + timedelta(hours=6), drafted_by=user,
            approved_by=other, submitted_at=now, approved_at=now, state="sending", x_text="[긴급] X 글",
            facebook_text="[긴급] 페이스북 글", cap_status="Exercise")
        OldDelivery = old.get_model("broadcast", "Delivery")
        reset = now + timedelta(minutes=15)
        on_x = OldDelivery.objects.create(broadcast=broadcast, account=x, followers=10, state="retrying",
                                          attempts=1, retry_at=reset, last_error="요청 한도 초과")
        on_fb = OldDelivery.objects.create(broadcast=broadcast, account=fb, followers=20, state="failed",
                                           attempts=1, needs_reauth=True, last_error="재인증")
    finally:
        # Leave the database as every other test expects it: every app at its newest migration.
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    parts = [Outbox.objects.get(pk=pk).posting for pk in (first.pk, second.pk)]
    assert [(p.kind, p.text, p.reply_to, p.state) for p in parts] == [
        ("answer", "(1/2) 답변", "m1", "posted"), ("answer", "(2/2) 끝", "m1", "posting")]
    assert parts[0].external_id == "t-1" and not parts[0].outcome_unknown and parts[0].retry_at is None
    # The second part was being posted: it may be there, so it is looked for first; the sweeper takes it.
    assert parts[1].outcome_unknown and parts[1].retry_at is not None and parts[1].attempts == 1
    assert parts[1].previous_part_id == parts[0].pk and parts[1].threaded  # on X it answers part one

    x_posting = Delivery.objects.get(pk=on_x.pk).posting
    assert (x_posting.kind, x_posting.text, x_posting.marker, x_posting.simulated) == (
        "broadcast", "[긴급] X 글", "SMC-20260101-ABCDEF01", True)
    assert x_posting.state == Posting.State.RETRYING and x_posting.retry_at == reset
    fb_delivery = Delivery.objects.get(pk=on_fb.pk)
    assert fb_delivery.posting.text == "[긴급] 페이스북 글" and fb_delivery.state == Posting.State.FAILED
    assert fb_delivery.needs_reauth and fb_delivery.followers == 20 and fb_delivery.last_error == "재인증"
