"""The models moved here from messages_app, on their existing tables (state only: no row is copied).

The dependency on messages_app is of the migration graph only: the tables were created there.
"""

from django.db import migrations, models


def move_content_types(apps, schema_editor, old="messages_app", new="classification", names=("classifiermodel",)):
    """Carry the content types over, so the permissions already given to groups (and the admin's
    log entries) follow the models instead of being created anew under classification."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in names:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="classification", new="messages_app")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('messages_app', '0005_message_public_feed_index'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ClassifierModel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.CharField(max_length=40, unique=True, verbose_name='버전')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='학습 시각')),
                        ('trained_on', models.PositiveIntegerField(default=0, verbose_name='학습 데이터 수')),
                        ('metrics', models.JSONField(blank=True, default=dict, verbose_name='교차검증 지표')),
                        ('payload', models.BinaryField(verbose_name='모델')),
                        ('is_active', models.BooleanField(default=True, verbose_name='사용 중')),
                    ],
                    options={
                        'verbose_name': '분류 모델',
                        'verbose_name_plural': '분류 모델',
                        'db_table': 'messages_app_classifiermodel',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
