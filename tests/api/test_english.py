"""The API in the language the client asks for (Accept-Language), with both names always given."""

import pytest

from accounts.models import Account
from tests import factories

pytestmark = pytest.mark.django_db


def _seoul(rows):
    return next(a for a in rows if a["handle"] == "seoulmania")


def test_account_names_follow_accept_language(api, seeded):
    korean = api.get("/api/v1/accounts/")
    english = api.get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert korean["Content-Language"] == "ko" and english["Content-Language"] == "en"
    assert "Accept-Language" in english["Vary"]
    ko, en = _seoul(korean.json()), _seoul(english.json())
    assert ko["name"] == "서울특별시" and en["name"] == "Seoul Metropolitan Government"
    # Both names are always there, as for divisions (name_ko / name_en).
    assert ko["display_name"] == en["display_name"] == "서울특별시"
    assert ko["name_en"] == en["name_en"] == "Seoul Metropolitan Government"
    assert (ko["field_label"], en["field_label"]) == ("시정 전반", "City government")
    assert ko["owner_division"]["name"] == ko["owner_division"]["name_ko"]
    assert en["owner_division"]["name"] == en["owner_division"]["name_en"] != ""


def test_a_message_names_its_account_and_division_in_the_asked_language(api, seeded):
    account = Account.objects.get(platform="x", handle="seoulmania")
    m = factories.public_message("버스 노선을 늘려 주세요", answer="검토하겠습니다", account=account)
    ko = api.get(f"/api/v1/messages/{m.pk}/").json()
    en = api.get(f"/api/v1/messages/{m.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert ko["account"]["name"] == "서울특별시" and en["account"]["name"] == "Seoul Metropolitan Government"
    assert ko["division"]["name"] == m.division.name_ko
    assert en["division"]["name"] == m.division.name_en != ""
    assert (ko["status_label"], en["status_label"]) == ("답변 완료", "Answered")
    listed = api.get("/api/v1/messages/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert next(r for r in listed if r["id"] == m.pk)["account"]["name"] == "Seoul Metropolitan Government"


def test_the_language_cookie_still_wins_over_the_header(api, seeded):
    api.cookies["django_language"] = "ko"
    row = _seoul(api.get("/api/v1/accounts/", HTTP_ACCEPT_LANGUAGE="en").json())
    assert row["name"] == "서울특별시"


def test_the_portal_still_ignores_an_english_browser(client, seeded):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "ko"
