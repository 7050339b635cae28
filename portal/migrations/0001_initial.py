"""The models moved here from messages_app, on their existing tables (state only: no row is copied).

The dependency on messages_app is of the migration graph only: the tables were created there.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor, old="messages_app", new="portal", names=("like", "comment", "commentreport")):
    """Carry the content types over, so the permissions already given to groups (and the admin's
    log entries) follow the models instead of being created anew under portal."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in names:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="portal", new="messages_app")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('messages_app', '0006_move_models_to_portal_and_classification'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Comment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('text', models.TextField(verbose_name='내용')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='작성 시각')),
                        ('edited_at', models.DateTimeField(blank=True, null=True, verbose_name='수정 시각')),
                        ('is_deleted', models.BooleanField(default=False, verbose_name='삭제됨')),
                        ('is_hidden', models.BooleanField(default=False, verbose_name='신고로 숨김')),
                        ('report_count', models.PositiveIntegerField(default=0, verbose_name='신고 수')),
                        ('moderated_at', models.DateTimeField(blank=True, null=True, verbose_name='검토 시각')),
                        ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='messages_app.message', verbose_name='메시지')),
                        ('moderated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='검토자')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to=settings.AUTH_USER_MODEL, verbose_name='작성자')),
                    ],
                    options={
                        'verbose_name': '댓글',
                        'verbose_name_plural': '댓글',
                        'db_table': 'messages_app_comment',
                        'ordering': ['created_at', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='CommentReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='사유')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('comment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='portal.comment')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '댓글 신고',
                        'verbose_name_plural': '댓글 신고',
                        'db_table': 'messages_app_commentreport',
                        'constraints': [models.UniqueConstraint(fields=('comment', 'user'), name='one_report_per_user')],
                    },
                ),
                migrations.CreateModel(
                    name='Like',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('answer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='likes', to='messages_app.answer')),
                        ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='likes', to='messages_app.message')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='likes', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': '추천',
                        'verbose_name_plural': '추천',
                        'db_table': 'messages_app_like',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('message__isnull', False)), fields=('user', 'message'), name='one_like_per_message'), models.UniqueConstraint(condition=models.Q(('answer__isnull', False)), fields=('user', 'answer'), name='one_like_per_answer'), models.CheckConstraint(condition=models.Q(models.Q(('answer__isnull', True), ('message__isnull', False)), models.Q(('answer__isnull', False), ('message__isnull', True)), _connector='OR'), name='like_one_target')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
