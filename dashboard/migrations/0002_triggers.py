"""The triggers that keep the rollups exact (dashboard/sql.py); the first count is in 0004."""

from django.db import migrations

from dashboard import sql


def fill(apps, schema_editor):
    """Formerly the first count; it reads today's rollup tables, some of which come later (0003), so
    the count from scratch now runs once at the end (0004)."""


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
