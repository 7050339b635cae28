"""The whole broadcast flow in Chromium: a drafter drafts from a template and submits, another person
approves, and the progress bar fills without a reload while deliveries complete; axe-core clean."""

import re

import pytest

from broadcast.models import Broadcast
from broadcast.services import sending
from tests.broadcast.factories import FakePlatform
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD
from users import roles

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(live_server, make_staff, monkeypatch):
    FakePlatform().install(monkeypatch)
    queued = []
    monkeypatch.setattr(sending, "queue", lambda ids: queued.extend(ids))  # the test delivers them
    drafter = make_staff("drafter", roles.BROADCAST_DRAFTER)
    approver = make_staff("approver", roles.BROADCAST_APPROVER)
    return live_server.url, drafter, approver, queued


def login(page, base, username):
    page.goto(base + "/admin/login/?next=/admin/broadcast/broadcast/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    # Anchored on the path: the login page's own "?next=/admin/broadcast/broadcast/" must not match.
    page.wait_for_url(re.compile(r"^https?://[^/]+/admin/broadcast/broadcast/$"))


def test_draft_submit_approve_and_watch_the_progress(page, browser, staff, shot, axe_check):
    from playwright.sync_api import expect

    base, drafter, approver, queued = staff
    login(page, base, "drafter")
    axe_check("broadcast list")
    page.get_by_role("link", name="폭설·제설").click()
    expect(page.locator("#id_headline_ko")).to_have_value(re.compile("대설특보"))
    page.locator("#id_headline_ko").fill("대설경보: 오늘 밤 최대 20cm, 제설 작업 중")
    page.get_by_label("강남구 (Gangnam-gu)").check()
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/broadcast/broadcast/\d+/change/$"))
    expect(page.locator(".bc-preview pre").first).to_contain_text("[긴급] 대설경보: 오늘 밤 최대 20cm")
    expect(page.locator(".bc-preview")).to_contain_text("/280자")
    axe_check("draft with preview")
    shot("broadcast-draft")
    page.get_by_role("button", name="승인 요청").click()
    expect(page.locator(".bc-state")).to_have_text("승인 대기")
    expect(page.get_by_text("본인이 작성한 긴급메시지는 본인이 승인할 수 없습니다")).to_be_visible()
    expect(page.get_by_role("button", name="승인하고 모든 계정으로 발신")).to_have_count(0)
    url = page.url

    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    other = context.new_page()
    other.set_default_timeout(20_000)
    login(other, base, "approver")
    other.goto(url)
    other.get_by_role("button", name="승인하고 모든 계정으로 발신").click()
    expect(other.locator(".bc-state")).to_have_text("발신 중")
    expect(other.locator("#bc-counts")).to_contain_text("대기 34")
    broadcast = Broadcast.objects.get(approved_by=approver)
    assert sorted(queued) == sorted(broadcast.deliveries.values_list("pk", flat=True))

    for pk in queued[:17]:
        sending.deliver(pk)
    expect(other.locator("#bc-counts")).to_contain_text("발신 17")  # no reload: the script polls
    expect(other.locator("#bc-bar")).to_have_attribute("value", "17")
    for pk in queued[17:]:
        sending.deliver(pk)
    expect(other.locator("#bc-counts")).to_contain_text("34개 계정 중 34개 발신, 약")
    expect(other.locator("#bc-rows tr")).to_have_count(34)
    expect(other.locator("#bc-rows td.bc-d-delivered")).to_have_count(34)
    other.screenshot(path=str(ARTIFACTS / "broadcast-progress.png"), full_page=True)
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(other)
    bad = [v for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in bad]
    expect(other.get_by_role("button", name="정정(Update) 초안 만들기")).to_have_count(0)  # approvers do not draft
    context.close()

    # The public side: the alert page and the banner.
    page.goto(base + f"/alerts/{broadcast.identifier}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("대설경보: 오늘 밤 최대 20cm, 제설 작업 중")
    expect(page.locator(".alert-banner")).to_contain_text("대설경보")
    axe_check("alert page with banner")
