"""The triggers that keep the rollups exact (dashboard/sql.py). Today's functions need tables that
come later (0009: the ratings, OpenNow, AnswerDay), so the last migration that changes them installs
them and counts from scratch; this one only removes them when migrating back."""

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
        migrations.RunSQL(migrations.RunSQL.noop, sql.DROP),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
