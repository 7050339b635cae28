"""What the inbox's platform tests share: the recorded responses (`responses`, every one expected to
be asked for) and a clean slate of poll locks and webhook marks, which Redis keeps across the
database's rollback."""

import pytest
import responses
from django.core.cache import cache


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _forget_marks():
    cache.delete_pattern("poll:*")
    cache.delete_pattern("webhook:*")


@pytest.fixture
def clean_platform_keys(seeded):
    _forget_marks()
    yield
    _forget_marks()
