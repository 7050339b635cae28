import re

import pytest

from portal.services import add_comment
from tests.factories import citizen, public_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portal(live_server, seeded, settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0
    m = public_message("지하철역에서 엘리베이터가 고장났어요. 연락처 010-1234-5678", author_name="김철용",
                       answer="교통정책과입니다. 엘리베이터를 고쳤습니다.")
    public_message("버스 정류장 의자가 부서졌어요")
    add_comment(citizen(display_name="이영희"), m, "저도 불편했어요")
    return live_server.url, m


def test_browse_search_open_login_like_comment_report_switch_language(page, portal, shot, axe_check):
    from playwright.sync_api import expect

    base, m = portal
    user = citizen(password="pw-시민-12345")

    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("시민의 질문과 서울시의 답변")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    shot("feed")
    axe_check("feed")

    page.get_by_label("검색어").fill("지하철")
    page.get_by_label("검색어").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator(".item")).to_have_count(1)
    expect(page.locator(".result-count")).to_contain_text("검색 결과 1건")
    shot("search")
    axe_check("search results")

    page.locator(".item-title a").first.click()
    page.wait_for_url(re.compile(rf"/m/{m.pk}/$"))
    expect(page.locator(".message .text")).to_contain_text("010-****-****")
    expect(page.get_by_text("010-1234-5678")).to_have_count(0)
    expect(page.get_by_role("heading", name="처리 과정")).to_be_visible()
    shot("message")
    axe_check("message page")

    page.get_by_role("link", name="로그인하고 추천하기").click()
    page.wait_for_url(re.compile(r"/auth/login/"))
    axe_check("login")
    shot("login")
    page.get_by_label("이메일").fill(user.email)
    page.get_by_label("비밀번호").fill("pw-시민-12345")
    page.get_by_role("button", name="로그인").last.click()
    page.wait_for_url(re.compile(rf"/m/{m.pk}/$"))

    like = page.locator(".message button.like")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(page.locator(".message button.like")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".message .like-count")).to_have_text("1")

    page.get_by_label("댓글 쓰기").fill("<script>alert(1)</script> 빨리 고쳐 주세요")
    page.get_by_role("button", name="등록").click()
    expect(page.locator(".comment").last).to_contain_text("<script>alert(1)</script> 빨리 고쳐 주세요")

    page.locator(".comment").first.get_by_role("button", name=re.compile("신고")).click()
    expect(page.locator(".flash")).to_contain_text("신고를 접수했습니다")
    shot("after-actions")
    axe_check("message page, logged in")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Processing timeline")).to_be_visible()
    shot("message-en")
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Questions from citizens and the city's answers")
