"""Connector errors carry a code and one language at a time: the platform's own words and statuses
are parameters, never concatenated, and never a token."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import translation

from accounts.connectors import facebook, kakao, x, youtube
from accounts.connectors.base import (
    Code,
    ConnectorError,
    PermanentError,
    PermissionMissing,
    RateLimited,
    TransientError,
)

HANGUL = re.compile("[가-힣]")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def errors() -> list[ConnectorError]:
    return [
        facebook.classify(4, None, "Application request limit reached"),
        facebook.classify(10, None, "(#10) Requires pages_read_engagement permission"),
        x.classify(401, {"title": "Unauthorized", "detail": "Unauthorized"}),
        x.classify(503, {"title": "Service Unavailable", "detail": "Service Unavailable"}),
        youtube.classify(403, {"error": {"errors": [{"reason": "quotaExceeded"}], "message": "quota"}}, now=NOW),
        kakao.classify(429, {"code": -10, "msg": "too many"}),
        RateLimited(NOW),
        PermissionMissing("dm.write"),
    ]


@pytest.mark.parametrize("error", errors(), ids=lambda e: f"{type(e).__name__}-{e.code}")
def test_each_error_reads_in_korean_or_in_english_never_both(error):
    korean, english = error.in_language("ko"), error.in_language("en")
    assert HANGUL.search(korean) and not HANGUL.search(english)
    assert korean != english
    with translation.override("ko"):  # the workers' language
        assert str(error) == korean


def test_the_platform_words_and_status_are_parameters_in_either_language():
    error = x.classify(503, {"title": "Service Unavailable", "detail": "try later"})
    assert isinstance(error, TransientError) and error.code == Code.TRANSIENT
    for language in ("ko", "en"):
        assert "503 Service Unavailable: try later" in error.in_language(language)
    with translation.override("en"):
        assert str(error) == "X temporary error: 503 Service Unavailable: try later"


def test_a_token_in_a_parameter_is_redacted_whatever_the_language():
    error = PermanentError(facebook.GRAPH_REFUSED, platform="Facebook", graph_code=100,
                           detail="https://graph.facebook.com/x?access_token=EAAGsecret123")
    for language in ("ko", "en"):
        assert "EAAGsecret123" not in error.in_language(language) and "access_token=***" in error.in_language(language)
    assert error.code == Code.REFUSED


def test_the_old_constructors_still_work():
    limited = RateLimited(NOW)
    assert limited.reset_at == NOW and limited.code == Code.RATE_LIMITED and NOW.isoformat() in str(limited)
    missing = PermissionMissing("MODERATE", "custom words")
    assert missing.name == "MODERATE" and str(missing) == "custom words" and missing.code == Code.PERMISSION_MISSING
    assert str(ConnectorError("plain")) == "plain" and ConnectorError().code == Code.ERROR
    assert repr(missing) == "PermissionMissing('permission_missing', 'custom words')"  # what the logs show
