"""Generated from the URL configuration: every /api/, /open311/ and /kakao/ pattern, whatever is added later,
is requested anonymously and with the token of a staff member of another division, by GET and POST,
on a private message of the bus division. Staff URLs must refuse both (401 / 403 with an audit entry
allowed=False); nothing may answer 500 or show the message's personal data or private text."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from api import keys
from messages_app.models import AuditEntry, Message
from tests import factories

from .conftest import PII_TEXT, assert_no_pii

pytestmark = pytest.mark.django_db
PREFIXES = ("api/", "open311/", "kakao/")  # kakao/: the chatbot's skill and a chat's status link
# A value for every URL parameter name the API uses; a new name must be added here (the test fails).
SAMPLES = {"pk": "{message}", "request_id": "{message}", "fmt": "json", "code": "transport",
           "token_id": "{token}", "rest": "anything.json", "format": "json",
           "identifier": "SMC-20260101-DEADBEEF", "account_id": "{message}", "token": "{token}"}


def _patterns(resolvers=None, prefix=""):
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + _route(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith(PREFIXES):
            yield route


def _route(pattern) -> str:
    text = str(pattern)
    return text[1:] if text.startswith("^") else text


def _url(route: str, values: dict) -> str:
    def sample(name):
        assert name in SAMPLES, f"URL parameter {name!r} of {route!r}: add a sample value to SAMPLES"
        return SAMPLES[name].format(**values)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: sample(m.group(1)), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: sample(m.group(1)), path)
    return "/" + path.replace("\\.", ".").rstrip("$").replace(".*", "")


def test_every_api_url_refuses_strangers(api, seeded):
    private = factories.routed("bus-policy", text=PII_TEXT, author_name="김철용", is_private=True)
    stranger = factories.staff("stranger", "road-management")
    token = keys.issue_token(stranger, "stranger")[1]
    open311_token = "0" * 32
    routes = sorted(set(_patterns()))
    assert any("staff" in r for r in routes) and any(r.startswith("open311/") for r in routes)
    checked = 0
    for route in routes:
        url = _url(route, {"message": private.pk, "token": open311_token})
        for who, headers in (("anonymous", {}), ("another division", {"HTTP_AUTHORIZATION": f"Token {token}"})):
            for method in ("get", "post"):
                before = AuditEntry.objects.filter(actor=stranger, message=private, allowed=False).count()
                response = getattr(api, method)(url, {}, format="json", **headers)
                label = f"{method.upper()} {url} as {who}"
                assert response.status_code < 500, label
                if "schema" not in url and "docs" not in url and "redoc" not in url:
                    assert_no_pii(response.content)
                    assert PII_TEXT[10:30] not in response.content.decode(), label
                if route.startswith("api/v1/staff/"):
                    if who == "anonymous":
                        assert response.status_code in (401, 405), label
                    elif "<int:pk>" in route:
                        assert response.status_code in (403, 405), label
                        if response.status_code == 403:
                            after = AuditEntry.objects.filter(actor=stranger, message=private, allowed=False).count()
                            assert after == before + 1, f"{label}: refusal not audited"
                    else:  # the stranger's own queue: without the bus division's message
                        assert private.pk not in [m["id"] for m in response.json().get("results", [])], label
                checked += 1
    assert checked >= 4 * 20
    private.refresh_from_db()
    assert private.status == "assigned" and Message.objects.count() == 1
