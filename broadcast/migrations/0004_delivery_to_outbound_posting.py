"""Each broadcast delivery becomes a link to an outbound posting (its state, attempts, ids, retry
time and errors move there); what it posts is frozen on the posting: the platform's text, on X the
reply under the original, the alert's identifier to look for, the simulator for an exercise."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

OPEN = {"pending", "posting", "retrying"}


def forwards(apps, schema_editor):
    Delivery = apps.get_model("broadcast", "Delivery")
    Posting = apps.get_model("outbound", "Posting")
    now = timezone.now()
    for row in Delivery.objects.select_related("account", "broadcast").order_by("pk").iterator():
        broadcast, platform = row.broadcast, row.account.platform
        failure = ""
        if row.state == "failed":
            failure = "reauth" if row.needs_reauth else "error"
        posting = Posting.objects.create(
            kind="broadcast", account_id=row.account_id,
            text=broadcast.x_text if platform == "x" else broadcast.facebook_text,
            reply_to=row.reply_to if platform == "x" else "", marker=broadcast.identifier,
            simulated=broadcast.cap_status != "Actual",
            state="posted" if row.state == "delivered" else row.state, attempts=row.attempts,
            outcome_unknown=row.outcome_unknown,
            retry_at=(row.retry_at or now) if row.state in OPEN else None,
            last_attempt_at=row.last_attempt_at, external_id=row.external_id, posted_at=row.delivered_at,
            failure=failure, last_error=row.last_error)
        Posting.objects.filter(pk=posting.pk).update(created_at=broadcast.approved_at or now)
        row.posting = posting
        row.save(update_fields=["posting"])


def backwards(apps, schema_editor):
    Delivery = apps.get_model("broadcast", "Delivery")
    for row in Delivery.objects.select_related("posting").iterator():
        p = row.posting
        row.state = {"posted": "delivered", "unknown": "failed"}.get(p.state, p.state)
        row.reply_to, row.external_id, row.attempts = p.reply_to, p.external_id, p.attempts
        row.outcome_unknown, row.needs_reauth = p.outcome_unknown, p.failure == "reauth"
        row.retry_at, row.last_attempt_at, row.delivered_at = p.retry_at, p.last_attempt_at, p.posted_at
        row.last_error = p.last_error
        row.save()


def forget_old_sweeper(apps, schema_editor):
    # Beat's database schedule keeps entries it no longer has in settings: outbound's sweeper replaces it.
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="broadcast.tasks.sweep_deliveries").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("broadcast", "0003_korean_labels_and_kind_chosen_by_drafter"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("outbound", "0001_posting"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery", name="posting",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="broadcast_delivery", to="outbound.posting",
                                       verbose_name="게시"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(forget_old_sweeper, migrations.RunPython.noop),
    ]
