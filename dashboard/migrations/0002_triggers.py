"""The triggers that keep the rollups exact (dashboard/sql.py), then a first count of what exists."""

from django.db import migrations

from dashboard import sql


def fill(apps, schema_editor):
    from dashboard.services import rebuild_stats

    rebuild_stats()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_rollups"),
        ("messages_app", "0005_message_public_feed_index"),
        ("departments", "0003_routing_regulation_calendar"),
    ]

    operations = [
        migrations.RunSQL(sql.INSTALL, sql.DROP),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
