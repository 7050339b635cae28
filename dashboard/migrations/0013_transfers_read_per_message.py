"""The rollup functions again (dashboard/sql.py): a statement's status changes recount the transfers of
their messages from those messages' rows, looked up one message at a time, not from a scan of the whole
timeline table. CREATE OR REPLACE only: the triggers and the counts stay as they are."""

from django.db import migrations

from dashboard import sql


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0012_term_counts_summed_apart"),
    ]

    operations = [
        migrations.RunSQL(sql.TRIGGER_FUNCTIONS, migrations.RunSQL.noop),
    ]
