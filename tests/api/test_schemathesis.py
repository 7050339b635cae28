"""Property-based fuzzing of every operation in /api/schema/ (schemathesis, in-process WSGI), with valid
and with invalid input: no 500, every response (errors included) matches the schema, its status codes
and content types. Public
operations run anonymously, staff ones with a division member's token. Bounded: 20 examples each."""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from api import keys
from api.throttles import AnonThrottle, TokenThrottle
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
# Examples per operation and mode: small in the suite; SMC_FUZZ_EXAMPLES=50 for a thorough run by hand.
EXAMPLES = int(os.environ.get("SMC_FUZZ_EXAMPLES", "20"))


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, in the test's transaction: like Django's test client, keep
    the end of each request from closing the connection that holds the transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(seeded, monkeypatch, wsgi_app):
    # The fuzzer sends hundreds of requests: the throttles are tested elsewhere.
    rates = {"api_anon": "100000/m", "api_token": "100000/m"}
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(TokenThrottle, "THROTTLE_RATES", rates)
    for i in range(3):
        factories.public_message(f"지하철 엘리베이터 고장 {i}", answer="고쳤습니다" if i else None)
        factories.routed("bus-policy")
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)


@pytest.fixture
def staff_token(seeded):
    return keys.issue_token(factories.staff("fuzz", "bus-policy"), "fuzz")[1]


# No 500, and every response as documented. Not "positive data accepted": a schema cannot say that
# `since` must not follow `until`, and those requests are rightly a documented 400.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]


def test_every_operation_answers_by_its_schema(api_schema, staff_token):
    # Each operation driven by Hypothesis directly (schemathesis' pytest plugin predates pytest 9).
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    failures, calls = {}, Counter()
    for operation in operations:
        for mode in GenerationMode:  # valid input, then input the schema forbids (a 4xx, never a 500)
            try:
                _fuzz(operation, mode, staff_token, calls)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # an operation without input has no invalid input
            except Exception as exc:  # noqa: BLE001 - every operation is tried, all failures reported
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
    # Operations with parameters get their 20 examples (those without any have a single request).
    assert all(calls[op.label] >= 40 for op in operations if op.path.startswith("/api/v1/staff/messages/"))
    assert calls["GET /api/v1/messages/"] >= 20 and sum(calls.values()) >= 150, calls
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())


def _fuzz(operation, mode, staff_token, calls):
    headers = {"Authorization": f"Token {staff_token}"} if operation.path.startswith("/api/v1/staff/") else {}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    def run(case):
        calls[operation.label] += 1
        case.call_and_validate(headers=headers, checks=CHECKS if mode == GenerationMode.POSITIVE else [
            checks.not_a_server_error, checks.content_type_conformance, checks.response_schema_conformance])

    run()
