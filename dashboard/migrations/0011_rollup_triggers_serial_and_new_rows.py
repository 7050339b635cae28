"""The rollup functions again (dashboard/sql.py): each takes the rollups' transaction lock first (two
transactions counting in two statements each deadlocked), and new messages are counted from the
INSERT's own rows. CREATE OR REPLACE only: the triggers and the counts stay as they are."""

from django.db import migrations

from dashboard import sql


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0010_dailystat_account_cover"),
    ]

    operations = [
        migrations.RunSQL(sql.REFRESH_FUNCTION + sql.TRIGGER_FUNCTIONS, migrations.RunSQL.noop),
    ]
