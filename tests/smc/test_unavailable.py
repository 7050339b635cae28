"""PostgreSQL gone mid-request: the web answers a clear 503 page with Retry-After, no stack trace; the
API a JSON error; once the database is back, the next request is served again."""

import socket

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_gone():
    """The web process's connection points at a port where no PostgreSQL listens (as when the server is
    stopped: connections refused), and back afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    saved = {key: connection.settings_dict[key] for key in ("HOST", "PORT")}

    def gone():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(dead_port))

    def back():
        connection.close()
        connection.settings_dict.update(saved)

    yield gone, back
    back()


def test_portal_answers_a_503_page_while_the_database_is_gone(seeded, client, settings, database_gone):
    settings.DEBUG = False
    client.raise_request_exception = False
    gone, back = database_gone
    gone()
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"
    assert "잠시 이용할 수 없습니다" in body
    assert "Traceback" not in body and "OperationalError" not in body and "5432" not in body
    back()
    assert client.get("/").status_code == 200


def test_api_answers_a_json_503(seeded, client, settings, database_gone):
    settings.DEBUG = False
    client.raise_request_exception = False
    gone, _ = database_gone
    gone()
    response = client.get("/api/v1/messages/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"] == "30"


def test_any_other_failure_stays_a_500(rf):
    from smc.errors import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
