"""Issue 26 in Chromium, as a new citizen: sign up with consent → ask → land on the question → the
desk answers (staff API) → an e-mail arrives and the counter shows it → rate → download my data →
delete my account; axe-core on every portal page the citizen sees, in Korean and English."""

import json
import re

import pytest
import requests
from django.core import mail

from api import keys
from messages_app.models import Message
from portal.models import ConsentRecord, Rating
from tests.factories import staff

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-새시민-2026-가입"


@pytest.fixture
def portal(live_server, seeded, settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0
    settings.SMC_SITE_URL = live_server.url
    return live_server.url


def _both_languages(page, base, axe_check, paths, what):
    """axe on each page in Korean, then in English, back to Korean."""
    from playwright.sync_api import expect

    for language in ("ko", "en"):
        page.goto(base + "/")
        page.get_by_role("button", name="English" if language == "en" else "한국어").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        for path in paths:
            page.goto(base + path)
            axe_check(f"{what} {path} ({language})")
    page.goto(base + "/")
    page.get_by_role("button", name="한국어").click()


def test_a_new_citizen_asks_is_told_rates_downloads_and_leaves(page, portal, shot, axe_check, tmp_path):
    from playwright.sync_api import expect

    base = portal
    email = "new.citizen@example.org"

    # Sign up: two separate unticked boxes; without the required one nothing is stored.
    page.goto(base + "/auth/signup/")
    axe_check("signup")
    required, optional = page.locator('input[name="signup_required"]'), page.locator('input[name="signup_optional"]')
    expect(required).not_to_be_checked()
    expect(optional).not_to_be_checked()
    expect(page.locator(".consent")).to_contain_text("보유 기간")
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.locator('input[name="nickname"]').fill("한강산책러")
    page.get_by_role("button", name="가입하기").click()
    expect(page.locator(".consent .errors")).to_contain_text("필수 항목에 동의해야")
    assert not ConsentRecord.objects.exists()
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.locator('input[name="signup_required"]').check()
    page.get_by_role("button", name="가입하기").click()
    expect(page.get_by_role("button", name="로그아웃")).to_be_visible()
    shot("citizen-signed-up")

    # Ask: the consent again; the citizen lands on their question with its number and what follows.
    page.goto(base + "/ask/")
    axe_check("ask")
    page.get_by_label("질문 내용").fill("한강공원 자전거도로 포장이 깨져서 넘어질 뻔했어요")
    page.locator('input[name="ask_required"]').check()
    page.get_by_role("button", name="보내기").click(no_wait_after=True)
    # The first question of a fresh process loads the classifier: slow on a shared machine.
    page.wait_for_url(re.compile(r"/me/q/\d+/$"), timeout=180_000)
    pk = int(re.search(r"/me/q/(\d+)/", page.url).group(1))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{pk}")
    expect(page.get_by_role("heading", name="앞으로 이렇게 처리됩니다")).to_be_visible()
    axe_check("my question")
    shot("citizen-question")

    # The desk answers through the staff API; the citizen is told by e-mail and by the counter.
    message = Message.objects.get(pk=pk)
    assert message.division is not None
    worker = staff("answering_worker", message.division.code)
    token = keys.issue_token(worker, "e2e")[1]
    mail.outbox.clear()
    response = requests.post(f"{base}/api/v1/staff/messages/{pk}/answer/", timeout=30,
                             headers={"Authorization": f"Token {token}"},
                             json={"text": "한강사업본부입니다. 이번 주 안에 포장을 고치겠습니다."})
    assert response.status_code in (200, 201), response.text
    notices = [m for m in mail.outbox if m.to == [email]]
    assert len(notices) == 1 and f"#{pk}" in notices[0].subject and "List-Unsubscribe" in notices[0].extra_headers
    page.goto(base + "/")
    expect(page.locator(".site-nav .unread-count")).to_have_text("1")
    page.goto(base + "/me/")
    axe_check("my questions")
    page.get_by_role("link", name=f"#{pk}").click()
    expect(page.locator(".answer")).to_contain_text("포장을 고치겠습니다")
    expect(page.locator(".site-nav .unread-count")).to_have_count(0)

    # Rate the answer.
    page.get_by_label("4", exact=True).check()
    page.get_by_label("의견 (선택)").fill("빠른 답변 고맙습니다")
    page.get_by_role("button", name="평가하기").click()
    expect(page.locator(".rated")).to_contain_text("4점")
    assert Rating.objects.get(message_id=pk).score == 4
    axe_check("rated question")

    # Every page the citizen saw, and the rest of the portal, in both languages.
    _both_languages(page, base, axe_check,
                    ["/", "/support/", "/search/?q=자전거도로", "/accounts/", f"/m/{pk}/", "/ask/", "/me/",
                     f"/me/q/{pk}/", "/me/delete/"], "portal")

    # Download my data.
    page.goto(base + "/me/")
    with page.expect_download() as download:
        page.get_by_role("link", name="내 정보 내려받기 (JSON)").click()
    target = tmp_path / "data.json"
    download.value.save_as(target)
    data = json.loads(target.read_text())
    assert data["profile"]["email"] == email and [q["id"] for q in data["questions"]] == [pk]
    assert [r["score"] for r in data["ratings"]] == [4]
    assert {c["item"] for c in data["consents"]} >= {"signup_required", "ask_required"}

    # Leave: personal data gone, the question and its answer stay as 탈퇴한 시민's.
    page.goto(base + "/me/delete/")
    page.get_by_label("위 내용을 확인했고 탈퇴합니다.").check()
    page.get_by_role("button", name="탈퇴하기").click()
    expect(page.get_by_role("link", name="로그인")).to_be_visible()
    page.goto(f"{base}/m/{pk}/")
    expect(page.locator(".message h1")).to_contain_text("탈퇴한 시민")
    expect(page.locator(".answer")).to_contain_text("포장을 고치겠습니다")
    axe_check("message of a citizen who left")
    shot("citizen-left")
    page.goto(base + "/auth/login/")
    page.locator('input[name="login"]').fill(email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="로그인").last.click()
    expect(page.get_by_role("button", name="로그아웃")).to_have_count(0)
