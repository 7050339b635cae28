"""Property-based fuzzing of every operation in /api/schema/ with schemathesis' own engine (what
`schemathesis run URL` does) against the project on pytest-django's live server: every phase (the
schema's examples, coverage of its boundaries, fuzzing with valid and with invalid data, stateful
sequences along the schema's links) and every check (no 500; responses, statuses, headers and
content types as documented; valid data accepted, invalid data rejected; authentication not ignored; unsupported methods
refused; no resource used after deletion). Staff operations get a division member's token.

Examples per operation: SMC_FUZZ_EXAMPLES (10 in the suite; 50 for the thorough run by hand:
`SMC_FUZZ_EXAMPLES=50 pytest tests/api/test_schemathesis.py -s` prints the cases and failures).
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.db import connection
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from api import keys
from api.throttles import AnonThrottle, TokenThrottle
from tests import factories
from tests.waiting import wait_until

# The live server answers from its own thread and database connection: the data must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
EXAMPLES = int(os.environ.get("SMC_FUZZ_EXAMPLES", "10"))


@pytest.fixture
def staff_token(seeded, monkeypatch):
    # The fuzzer sends thousands of requests: the throttles are tested elsewhere.
    rates = {"api_anon": "1000000/m", "api_token": "1000000/m"}
    monkeypatch.setattr(AnonThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(TokenThrottle, "THROTTLE_RATES", rates)
    for i in range(3):
        factories.public_message(f"지하철 엘리베이터 고장 {i}", answer="고쳤습니다" if i else None)
        factories.routed("bus-policy")
    return keys.issue_token(factories.staff("fuzz", "bus-policy"), "fuzz")[1]


def run_schemathesis(base_url: str, token: str, examples: int) -> tuple[Counter, list[str]]:
    """Every phase and every check of schemathesis; returns (cases per phase, failure reports)."""
    generation = {"mode": "all", "max-examples": examples, "deterministic": True}
    config = SchemathesisConfig.from_dict({
        "headers": {"Authorization": f"Token {token}"},
        "generation": generation,
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
                   "fuzzing": {"enabled": True}, "stateful": {"enabled": True}},
        "checks": {"enabled": True},
    })
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema/?format=json", config=config)
    cases, failures = Counter(), []
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases[event.phase.value] += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(f"{event.recorder.label} [{check.name}] {failure.title}: "
                                        f"{failure.message}\n{check.failure_info.code_sample}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"{getattr(event, 'label', '')}: {event.info.message if hasattr(event, 'info') else event}")
    return cases, failures


def _requests_in_flight() -> int:
    # A request the fuzzer stopped waiting for may still run in the live server: the test's teardown
    # (TRUNCATE) would deadlock with it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')")
        return cursor.fetchone()[0]


def test_every_operation_answers_by_its_schema(live_server, staff_token):
    cases, failures = run_schemathesis(live_server.url, staff_token, EXAMPLES)
    wait_until(lambda: _requests_in_flight() == 0, "the live server's last requests")
    unique = sorted(set(failures))
    print(f"schemathesis: {sum(cases.values())} cases {dict(cases)}, {len(unique)} failures")
    assert not unique, "\n\n".join(unique)
    # Every phase ran: the stateful one follows the schema's links from a list to its items.
    assert {"examples", "coverage", "fuzzing", "stateful"} <= set(cases), cases
    assert cases["fuzzing"] >= 5 * EXAMPLES, cases
