from django.conf import settings
from django.db import migrations, models

SENT = ["sending", "sent"]


def linearise_branches(apps, schema_editor):
    """Chains branched before this constraint (an Update or Cancel started from an older page) become
    one line in the order they were sent: each later successor now follows the one sent before it."""
    Broadcast = apps.get_model("broadcast", "Broadcast")
    branched = (Broadcast.objects.filter(state__in=SENT, references__isnull=False).values("references")
                .annotate(n=models.Count("pk")).filter(n__gt=1).values_list("references", flat=True))
    for reference_id in list(branched):
        successors = list(Broadcast.objects.filter(references_id=reference_id, state__in=SENT)
                          .order_by("approved_at", "pk"))
        for previous, later in zip(successors, successors[1:]):
            # The previous one's own successors (if any) were sent after it too: follow to its newest.
            head = previous
            while (nxt := Broadcast.objects.filter(references_id=head.pk, state__in=SENT)
                   .exclude(pk=later.pk).order_by("-approved_at").first()) is not None:
                head = nxt
            Broadcast.objects.filter(pk=later.pk).update(references_id=head.pk)


class Migration(migrations.Migration):

    dependencies = [
        ('broadcast', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(linearise_branches, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='broadcast',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['sending', 'sent'])), fields=('references',), name='broadcast_one_successor'),
        ),
    ]
