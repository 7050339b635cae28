"""Consent (PIPA Art. 15) at sign-up and on /ask/; the nickname chosen at sign-up."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from messages_app.models import Message
from portal import consent
from portal.models import ConsentRecord
from tests.factories import citizen

User = get_user_model()


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def _signup(client, **extra):
    data = {"email": "new@example.org", "password1": "pw-시민-가입-1234", "password2": "pw-시민-가입-1234",
            "nickname": "한강산책러", **extra}
    return client.post(reverse("account_signup"), data)


def _checkboxes(page: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in re.finditer(r'<input type="checkbox" name="(\w+)"[^>]*>', page)}


@pytest.mark.parametrize("url_name, notices", [("account_signup", consent.SIGNUP), ("ask", consent.ASK)])
def test_each_notice_is_a_separate_unticked_checkbox_with_purpose_items_retention_refusal(
        client, seeded, url_name, notices):
    if url_name == "ask":
        client.force_login(citizen())
    page = client.get(reverse(url_name)).content.decode()
    boxes = _checkboxes(page)
    assert set(boxes) == {n.key for n in notices}
    for n in notices:
        assert "checked" not in boxes[n.key]
        assert ("required" in boxes[n.key]) == n.required
        for text in (n.title, n.purpose, n.items, n.retention, n.refusal):
            assert str(text) in page
    assert "목적" in page and "보유 기간" in page and "거부할 권리" in page


def test_signup_without_the_required_consent_stores_nothing(client, seeded):
    response = _signup(client, signup_optional="on")
    assert response.status_code == 200 and response.context["form"].has_error("signup_required", code="required")
    assert not User.objects.filter(email="new@example.org").exists()
    assert not ConsentRecord.objects.exists()


def test_signup_stores_the_nickname_and_each_answer_with_the_text_version_and_time(client, seeded):
    response = _signup(client, signup_required="on")
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.nickname == "한강산책러"
    records = {r.key: r for r in ConsentRecord.objects.filter(user=user)}
    assert set(records) == {"signup_required", "signup_optional"}
    assert records["signup_required"].agreed and not records["signup_optional"].agreed
    assert {r.version for r in records.values()} == {consent.VERSION}
    assert all(r.created_at is not None for r in records.values())


def test_ask_without_the_required_consent_stores_no_question(client, seeded):
    user = citizen()
    client.force_login(user)
    response = client.post(reverse("ask"), {"text": "한강 자전거도로 포장이 깨졌어요", "client_token": "a1",
                                            "ask_optional": "on"})
    assert response.status_code == 200 and response.context["form"].has_error("ask_required", code="required")
    assert not Message.objects.filter(citizen=user).exists()
    assert not ConsentRecord.objects.filter(user=user).exists()


def test_ask_records_consent_with_the_question_once_and_lands_on_its_page(client, seeded):
    user = citizen()
    client.force_login(user)
    data = {"text": "한강 자전거도로 포장이 깨졌어요", "client_token": "a2", "ask_required": "on"}
    response = client.post(reverse("ask"), data)
    message = Message.objects.get(citizen=user)
    assert response.status_code == 302 and response["Location"] == reverse("my_question", args=[message.pk])
    client.post(reverse("ask"), data)  # a double submit: one question, one set of consents
    records = ConsentRecord.objects.filter(user=user, message=message)
    assert sorted(records.values_list("key", "agreed")) == [("ask_optional", False), ("ask_required", True)]
    page = client.get(response["Location"]).content.decode()
    assert f"#{message.pk}" in page and "앞으로 이렇게 처리됩니다" in page and "한강 자전거도로" in page


@pytest.mark.parametrize("nickname, why", [
    ("010-1234-5678", "개인정보"), ("kim@example.org", "개인정보"), ("시민 010 1234 5678", "개인정보"),
    ("씨 발놈", "쓸 수 없는 말"), ("Fuck123", "쓸 수 없는 말"), ("a", "2자에서 20자"),
])
def test_nickname_with_personal_data_or_a_slur_is_refused(client, seeded, nickname, why):
    response = _signup(client, signup_required="on", nickname=nickname)
    assert response.status_code == 200 and why in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_nickname_is_unique_regardless_of_case(client, seeded):
    citizen(nickname="RiverWalker")
    response = _signup(client, signup_required="on", nickname="riverwalker")
    assert "이미 쓰이는 별명" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_the_consent_text_has_its_english_version(client, seeded):
    client.force_login(citizen())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("ask")).content.decode()
    assert "[Required] Consent to collect and use personal data to handle your question" in page
    assert "Right to refuse" in page and "Retention" in page
