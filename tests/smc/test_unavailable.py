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


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_503_page_speaks_the_chosen_language(seeded, client, settings, database_gone, language):
    """Korean by default, English for whoever chose it with the switcher (its cookie): the page's every
    sentence comes from the locale, none is left in Korean on the English page."""
    from django.utils import translation

    from smc.errors import RETRY_AFTER_SECONDS

    settings.DEBUG = False
    client.raise_request_exception = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    gone, _ = database_gone
    gone()
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 503 and f'lang="{language}"' in body
    sentences = ["잠시 이용할 수 없습니다",
                 "서비스를 점검하거나 복구하는 중입니다. 보내신 내용과 접수된 민원은 그대로 보관되어 있습니다.",
                 "긴급한 상황이면 120 다산콜센터 또는 119·112로 연락해 주세요."]
    with translation.override(language):
        expected = [translation.gettext(s) for s in sentences]
        expected.append(translation.gettext("%(seconds)s초쯤 뒤에 다시 시도해 주세요.")
                        % {"seconds": RETRY_AFTER_SECONDS})
    for text in expected:
        assert text in body
    if language == "en":
        assert all(translated != korean for translated, korean in zip(expected, sentences, strict=False))
        assert not any("\uac00" <= ch <= "\ud7a3" for ch in body.split("<body>", 1)[1])  # no Hangul left
