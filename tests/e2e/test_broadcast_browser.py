"""The whole broadcast flow in Chromium: a drafter drafts from a template (choosing 실제 상황 and the
districts on the map by keyboard) and submits; another person finds it by the header's pending count,
confirms on the confirmation step by typing the area, and the progress and heading follow to
"발신 완료 35/38 · 수동 게시 필요 3" without a reload (Instagram and YouTube cannot take the text by API:
their rows show it, ready to post by hand); axe-core clean."""

import re

import pytest

from broadcast.models import Broadcast
from broadcast.services import sending
from outbound import services as outbound
from tests.broadcast.factories import MANUAL, POSTED, TOTAL, FakePlatform
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


def test_draft_submit_confirm_and_watch_the_progress(page, browser, staff, shot, axe_check):
    from playwright.sync_api import expect

    base, drafter, approver, queued = staff
    approver.email = "approver@seoul.example"
    approver.save(update_fields=["email"])
    login(page, base, "drafter")
    axe_check("broadcast list")
    page.get_by_role("link", name="폭설·제설").click()
    expect(page.locator("#id_headline_ko")).to_have_value(re.compile("대설특보"))
    page.locator("#id_headline_ko").fill("대설경보: 오늘 밤 최대 20cm, 제설 작업 중")
    # No default between 실제 상황, 훈련 and 시험: saving without a choice is refused.
    for label in ("실제 상황", "훈련", "시험"):
        expect(page.get_by_label(label, exact=True)).not_to_be_checked()
    # The district picker: Gangnam by keyboard on the map, Jongno by its checkbox.
    gangnam_map = page.locator('path.bc-district[aria-label="강남구"]')
    gangnam_map.focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("강남구 (Gangnam-gu)")).to_be_checked()
    expect(gangnam_map).to_have_attribute("aria-checked", "true")
    page.get_by_label("종로구 (Jongno-gu)").check()
    expect(page.locator('path.bc-district[aria-label="종로구"]')).to_have_attribute("aria-checked", "true")
    page.locator('path.bc-district[aria-label="마포구"]').click()
    page.locator('path.bc-district[aria-label="마포구"]').click()  # twice: off again
    expect(page.get_by_label("마포구 (Mapo-gu)")).not_to_be_checked()
    axe_check("draft form with the district map")
    shot("broadcast-draft-form")
    page.get_by_role("button", name="초안 저장").click()
    expect(page.locator(".errornote")).to_be_visible()
    page.get_by_label("실제 상황", exact=True).check()
    page.get_by_role("button", name="초안 저장").click()
    page.wait_for_url(re.compile(r"/admin/broadcast/broadcast/\d+/change/$"))
    expect(page.locator(".bc-preview pre").first).to_contain_text("[긴급] 강남구·종로구 대설경보: 오늘 밤 최대 20cm")
    expect(page.locator(".bc-preview")).to_contain_text("/280자")
    axe_check("draft with preview")
    shot("broadcast-draft")
    page.get_by_role("button", name="승인 요청").click()
    expect(page.locator(".bc-state")).to_have_text("승인 대기")
    expect(page.get_by_text("본인이 작성한 긴급메시지는 본인이 승인할 수 없습니다")).to_be_visible()
    expect(page.get_by_role("link", name="발신 전 확인")).to_have_count(0)
    url = page.url

    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    other = context.new_page()
    other.set_default_timeout(20_000)
    login(other, base, "approver")
    # The pending count in the header leads to the waiting broadcast.
    other.get_by_role("link", name="승인 대기 긴급메시지 1건").click()
    other.get_by_role("link", name=re.compile("강남구·종로구 대설경보")).click()
    assert other.url.split("?")[0] == url
    other.get_by_role("link", name="발신 전 확인").click()
    # The confirmation: kind, area, accounts and reach, exact texts, in large type.
    expect(other.locator("#bc-kind")).to_have_text("실제 상황")
    assert float(other.locator("#bc-kind").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
    expect(other.locator("#bc-area")).to_have_text("강남구, 종로구")
    expect(other.locator("#bc-reach")).to_contain_text(f"{TOTAL}개 계정")
    expect(other.locator("#bc-manual")).to_contain_text(f"그중 {MANUAL}개 계정(인스타그램, 유튜브)")
    broadcast = Broadcast.objects.get(drafted_by=drafter)
    expect(other.locator("#bc-x")).to_have_text(broadcast.x_text)
    expect(other.locator("#bc-facebook")).to_have_text(broadcast.facebook_text)
    other.screenshot(path=str(ARTIFACTS / "broadcast-confirm.png"), full_page=True)
    check_axe(other, "confirmation step")
    send = other.get_by_role("button", name=f"승인하고 {TOTAL}개 계정으로 발신")
    other.get_by_label(re.compile("발신하려면 대상 지역을 그대로 입력하세요")).fill("서울 전역")
    send.click()
    expect(other.locator(".errorlist, .messagelist")).to_contain_text("확인 문구가 다릅니다")
    assert not queued and Broadcast.objects.get(pk=broadcast.pk).state == "submitted"
    other.get_by_label(re.compile("발신하려면 대상 지역을 그대로 입력하세요")).fill("강남구 종로구")
    other.get_by_role("button", name=f"승인하고 {TOTAL}개 계정으로 발신").click()
    expect(other.locator(".bc-state")).to_have_text(f"발신 중 0/{TOTAL}")
    expect(other.locator("#bc-counts")).to_contain_text(f"대기 {TOTAL}")
    assert sorted(queued) == sorted(broadcast.deliveries.values_list("posting_id", flat=True))

    for pk in queued[:17]:
        outbound.post_once(pk)
    expect(other.locator("#bc-counts")).to_contain_text("발신 17")  # no reload: the script polls
    expect(other.locator("#bc-bar")).to_have_attribute("value", "17")
    expect(other.locator(".bc-state")).to_have_text(f"발신 중 17/{TOTAL}")
    for pk in queued[17:]:
        outbound.post_once(pk)
    expect(other.locator("#bc-counts")).to_contain_text(f"{TOTAL}개 계정 중 {POSTED}개 발신, 약")
    expect(other.locator("#bc-counts")).to_contain_text(f"수동 게시 필요 {MANUAL}개")
    expect(other.locator(".bc-state")).to_have_text(f"발신 완료 {POSTED}/{TOTAL} · 수동 게시 필요 {MANUAL}")
    expect(other.locator("#bc-rows tr")).to_have_count(TOTAL)
    expect(other.locator("#bc-rows td.bc-d-posted")).to_have_count(POSTED)
    expect(other.locator("#bc-rows td.bc-d-manual")).to_have_count(MANUAL)
    # Each manual row holds the text, ready to post by hand (drawn by the progress script).
    other.locator("#bc-rows details.bc-manual summary").first.click()
    expect(other.locator("#bc-rows details.bc-manual pre").first).to_have_text(broadcast.facebook_text)
    other.screenshot(path=str(ARTIFACTS / "broadcast-progress.png"), full_page=True)
    check_axe(other, "progress")
    expect(other.get_by_role("button", name="정정(Update) 초안 만들기")).to_have_count(0)  # approvers do not draft
    context.close()

    # The public side: the alert page and the banner name the area.
    page.goto(base + f"/alerts/{broadcast.identifier}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("강남구·종로구 대설경보: 오늘 밤 최대 20cm, 제설 작업 중")
    expect(page.locator(".alert-banner")).to_contain_text("강남구·종로구 대설경보")
    axe_check("alert page with banner")


def test_an_exercise_is_confirmed_by_typing_hullyeon(page, browser, staff):
    from playwright.sync_api import expect

    from tests.broadcast.factories import submitted

    base, drafter, approver, queued = staff
    exercise = submitted(drafter, code="exercise")
    login(page, base, "approver")
    page.goto(base + f"/admin/broadcast/broadcast/{exercise.pk}/confirm/")
    expect(page.locator("#bc-kind")).to_have_text("훈련")
    expect(page.locator("#bc-area")).to_have_text("서울특별시 전역")
    page.get_by_label("발신하려면 “훈련”을 입력하세요").fill("훈련")
    page.get_by_role("button", name=re.compile("승인하고 \\d+개 계정으로 발신")).click()
    expect(page.locator(".bc-state")).to_have_text(re.compile("발신 중"))
    assert len(queued) == exercise.deliveries.count() > 0


def check_axe(page, where):
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    bad = [v for v in result.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, (where, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in bad])
