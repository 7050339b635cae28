import pytest


@pytest.fixture(autouse=True)
def _calendar(db):
    """The working-day table is filled by the migration; a transactional test elsewhere flushes
    every table, so put it back when it is gone (the triggers read it)."""
    from dashboard.models import Workday
    from dashboard.services import refresh_calendar

    if not Workday.objects.exists():
        refresh_calendar()


@pytest.fixture(autouse=True)
def _korean():
    """Korean, as for every request without the English cookie (a request that chose English leaves
    its language active in the thread)."""
    from django.utils import translation

    with translation.override("ko"):
        yield
