from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_routed_topic(apps, schema_editor):
    # Requests stored before: the message's topic now is the best record of where the routing filed it.
    Open311Request = apps.get_model("api", "Open311Request")
    Message = apps.get_model("messages_app", "Message")
    Open311Request.objects.update(
        routed_topic=Subquery(Message.objects.filter(pk=OuterRef("message_id")).values("topic")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0002_secret_help_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="open311request",
            name="routed_topic",
            field=models.CharField(blank=True, help_text="접수 때 자동 분류·배정이 정한 주제 (the routing's topic at intake)",
                                   max_length=40, verbose_name="배정된 주제"),
        ),
        migrations.RunPython(fill_routed_topic, migrations.RunPython.noop),
    ]
