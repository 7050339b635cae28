import io

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (page copies, rate-limit counters, counts). Only our
    prefixed keys go: Celery's broker keys in the same Redis are left alone."""
    from django.core.cache import cache

    cache.delete_pattern("*")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English (LocaleMiddleware) or an override
    left active would otherwise follow the test thread into the next test."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def seeded(db):
    """The org chart, the roles, the 44 accounts, the routing rules and the processing regulation,
    as `manage.py seed` leaves them."""
    call_command("seed", stdout=io.StringIO())


@pytest.fixture
def make_staff(seeded):
    """make_staff("bus", roles.DIVISION_STAFF, "bus-policy"): a staff user with a role and a division
    (tests.factories.staff, for tests that take fixtures)."""
    from tests.factories import staff

    def make(username, role, division_code=None):
        return staff(username, division_code, role=role)

    return make
