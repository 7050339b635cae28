"""The columns that moved to the posting go, and every delivery has its posting (a migration of its
own: PostgreSQL does not alter a table whose rows the previous one just wrote in the same transaction)."""

import django.db.models.deletion
from django.db import migrations, models

OLD_FIELDS = ["state", "reply_to", "external_id", "attempts", "outcome_unknown", "needs_reauth", "retry_at",
              "last_attempt_at", "delivered_at", "last_error"]


class Migration(migrations.Migration):

    dependencies = [
        ("broadcast", "0004_delivery_to_outbound_posting"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="delivery", name="broadcast_delivery_state"),
        *[migrations.RemoveField(model_name="delivery", name=name) for name in OLD_FIELDS],
        migrations.AlterField(
            model_name="delivery", name="posting",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                       related_name="broadcast_delivery", to="outbound.posting",
                                       verbose_name="게시"),
        ),
    ]
