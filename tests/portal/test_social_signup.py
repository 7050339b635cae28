"""A citizen who signs up with a social login chooses a nickname and gives the required consent
before any account exists, as on the e-mail sign-up (SOCIALACCOUNT_AUTO_SIGNUP = False).

The whole OAuth round trip runs over HTTP through allauth's Kakao views; only Kakao's two endpoints
are replayed with `responses` at their real URLs, in the shape of Kakao's REST API reference
(developers.kakao.com, 카카오 로그인 REST API: "토큰 받기" and "사용자 정보 가져오기" response examples).
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from portal.models import ConsentRecord
from users.models import User

KAKAO_UID = 4117220531

TOKEN = {"token_type": "bearer", "access_token": "kakao-access-token-recorded", "expires_in": 21599,
         "refresh_token": "kakao-refresh-token-recorded", "refresh_token_expires_in": 5183999,
         "scope": "account_email profile_nickname"}
ME = {"id": KAKAO_UID, "connected_at": "2026-11-30T01:45:28Z",
      "properties": {"nickname": "홍길동"},
      "kakao_account": {"profile_nickname_needs_agreement": False, "profile": {"nickname": "홍길동"},
                        "email_needs_agreement": False, "is_email_valid": True, "is_email_verified": True,
                        "email": "hong@example.org"}}


@pytest.fixture(autouse=True)
def _kakao_app(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0
    settings.SOCIALACCOUNT_PROVIDERS = {"kakao": {"APPS": [{"client_id": "smc-test", "secret": "smc-test-secret"}]}}


@pytest.fixture
def kakao():
    with responses.RequestsMock() as replay:
        replay.post("https://kauth.kakao.com/oauth/token", json=TOKEN)
        replay.get("https://kapi.kakao.com/v2/user/me", json=ME)
        yield replay


def _log_in_with_kakao(client):
    """POST to start (as the login page's button does), come back from Kakao with a code and the state."""
    started = client.post(reverse("kakao_login"))
    assert started.status_code == 302 and started["Location"].startswith("https://kauth.kakao.com/oauth/authorize")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    return client.get(reverse("kakao_callback"), {"code": "kakao-auth-code", "state": state})


def _form(**extra):
    return {"email": "hong@example.org", "nickname": "한강산책러", **extra}


def test_a_first_kakao_login_asks_for_a_nickname_and_consent_before_any_account_exists(client, seeded, kakao):
    back = _log_in_with_kakao(client)
    assert back.status_code == 302 and back["Location"] == reverse("socialaccount_signup")
    assert not User.objects.filter(email="hong@example.org").exists()
    assert not SocialAccount.objects.exists()
    page = client.get(reverse("socialaccount_signup")).content.decode()
    assert 'name="nickname"' in page
    boxes = re.findall(r'<input type="checkbox" name="(\w+)"[^>]*>', page)
    assert set(boxes) >= {"signup_required", "signup_optional"}
    assert "checked" not in "".join(re.findall(r'<input type="checkbox"[^>]*>', page))
    # The nickname the provider knows (a real name here) is not taken as the nickname.
    assert 'value="홍길동"' not in page

    refused = client.post(reverse("socialaccount_signup"), _form(signup_optional="on"))
    assert refused.status_code == 200 and "signup_required" in refused.context["form"].errors
    no_nickname = client.post(reverse("socialaccount_signup"), _form(nickname="", signup_required="on"))
    assert no_nickname.status_code == 200 and "nickname" in no_nickname.context["form"].errors
    assert not User.objects.filter(email="hong@example.org").exists() and not ConsentRecord.objects.exists()

    done = client.post(reverse("socialaccount_signup"), _form(signup_required="on"))
    assert done.status_code == 302, done.context["form"].errors if done.context else done
    user = User.objects.get(email="hong@example.org")
    assert user.nickname == "한강산책러"
    assert SocialAccount.objects.get(user=user, provider="kakao").uid == str(KAKAO_UID)
    records = {r.key: r for r in ConsentRecord.objects.filter(user=user)}
    assert records["signup_required"].agreed and not records["signup_optional"].agreed
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_taken_or_personal_nickname_is_refused_on_the_social_form_too(client, seeded, kakao):
    from tests.factories import citizen

    citizen(nickname="한강산책러")
    _log_in_with_kakao(client)
    taken = client.post(reverse("socialaccount_signup"), _form(signup_required="on"))
    assert taken.status_code == 200 and "nickname" in taken.context["form"].errors
    phone = client.post(reverse("socialaccount_signup"), _form(nickname="010-1234-5678", signup_required="on"))
    assert phone.status_code == 200 and "nickname" in phone.context["form"].errors
    assert not SocialAccount.objects.exists()


def test_the_social_sign_up_page_in_english(client, seeded, kakao):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    _log_in_with_kakao(client)
    page = client.get(reverse("socialaccount_signup")).content.decode()
    assert "Sign up with Kakao" in page and "choose the nickname" in page
