"""The columns that moved to the posting go, and every outbox has its posting (a migration of its
own: PostgreSQL does not alter a table whose rows the previous one just wrote in the same transaction)."""

import django.db.models.deletion
from django.db import migrations, models

OLD_FIELDS = ["account", "to_external_id", "text", "state", "attempts", "last_attempt_at", "external_id",
              "posted_at", "last_error", "created_at"]


class Migration(migrations.Migration):

    dependencies = [
        ("messages_app", "0010_outbox_to_outbound_posting"),
    ]

    operations = [
        *[migrations.RemoveField(model_name="outbox", name=name) for name in OLD_FIELDS],
        migrations.AlterField(
            model_name="outbox", name="posting",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="answer_part",
                                       to="outbound.posting", verbose_name="게시"),
        ),
    ]
