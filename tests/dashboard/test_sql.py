"""The dashboard's SQL names statuses through messages_app's Status, never by hand-written literals."""

from dashboard import sql
from messages_app.models import OPEN_STATUSES, Status


def test_the_open_list_is_the_inbox_open_statuses_and_nothing_else():
    for status in Status:
        assert (f"'{status.value}'" in sql.OPEN) == (status in OPEN_STATUSES), status


def test_spam_is_the_status_value_wherever_the_rollups_test_it():
    assert sql.SPAM == f"'{Status.SPAM.value}'"
    assert f"m.status = {sql.SPAM}" in sql.CONTRIBUTION and f"r.status <> {sql.SPAM}" in sql._TERM_ROWS
    assert f"m.status IN {sql.OPEN}" in sql.CONTRIBUTION


def test_literals_are_quoted_for_sql():
    assert sql.literal("it's") == "'it''s'"
    assert sql.literal_list(["a", "b'c"]) == "('a', 'b''c')"
