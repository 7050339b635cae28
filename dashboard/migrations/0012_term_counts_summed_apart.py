"""The rollup functions again (dashboard/sql.py): the term counts of a statement are summed apart from
the upsert's ORDER BY, so PostgreSQL hashes the terms and sorts only their sums. CREATE OR REPLACE
only: the triggers and the counts stay as they are."""

from django.db import migrations

from dashboard import sql


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0011_rollup_triggers_serial_and_new_rows"),
    ]

    operations = [
        migrations.RunSQL(sql.TRIGGER_FUNCTIONS, migrations.RunSQL.noop),
    ]
