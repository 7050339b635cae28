"""Each answer part's outbox row becomes a link to an outbound posting: its state, attempts, ids and
errors move there (an attempt that may have gone through is looked for before any retry), the parts
of one answer chained so a later part waits for the one before it (on X it answers it)."""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

OPEN = {"pending", "posting", "retrying"}


def forwards(apps, schema_editor):
    Outbox = apps.get_model("messages_app", "Outbox")
    Posting = apps.get_model("outbound", "Posting")
    now = timezone.now()
    previous = {}  # answer id → the posting of its previous part
    for row in Outbox.objects.select_related("account").order_by("answer_id", "pk").iterator():
        before = previous.get(row.answer_id)
        posting = Posting.objects.create(
            kind="answer", account_id=row.account_id, text=row.text, reply_to=row.to_external_id,
            previous_part=before, threaded=before is not None and row.account.platform == "x",
            state=row.state, attempts=row.attempts, last_attempt_at=row.last_attempt_at,
            # The outbox inferred it from attempts: a tried row not known posted may have gone through.
            outcome_unknown=row.attempts > 0 and row.state != "posted",
            retry_at=now if row.state in OPEN else None,  # the sweeper queues the open ones at once
            external_id=row.external_id, posted_at=row.posted_at, last_error=row.last_error,
            failure="error" if row.state == "failed" else "")
        Posting.objects.filter(pk=posting.pk).update(created_at=row.created_at)
        row.posting = posting
        row.save(update_fields=["posting"])
        previous[row.answer_id] = posting


def backwards(apps, schema_editor):
    Outbox = apps.get_model("messages_app", "Outbox")
    for row in Outbox.objects.select_related("posting").iterator():
        p = row.posting
        row.account_id, row.to_external_id, row.text = p.account_id, p.reply_to, p.text
        row.state = p.state if p.state != "unknown" else "failed"
        row.attempts, row.last_attempt_at, row.external_id = p.attempts, p.last_attempt_at, p.external_id
        row.posted_at, row.last_error, row.created_at = p.posted_at, p.last_error, p.created_at
        row.save()


def forget_old_sweeper(apps, schema_editor):
    # Beat's database schedule keeps entries it no longer has in settings: outbound's sweeper replaces it.
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="messages_app.tasks.sweep_outbox").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("messages_app", "0009_staff_assignee_and_queue_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("outbound", "0001_posting"),
    ]

    operations = [
        migrations.AddField(
            model_name="outbox", name="posting",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="answer_part", to="outbound.posting", verbose_name="게시"),
        ),
        # The old columns may be filled again on the way back (reverse), so they are nullable/defaulted first.
        migrations.AlterField(model_name="outbox", name="account",
                              field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                                      related_name="outbox", to="accounts.account",
                                                      verbose_name="게시 계정")),
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(forget_old_sweeper, migrations.RunPython.noop),
    ]
