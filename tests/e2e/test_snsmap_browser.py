"""The SNS map in Chromium: keyboard focus walks the districts, Enter opens one, axe-core is clean."""

import re

import pytest

from tests.snsmap.factories import public_question, questions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server, seeded):
    questions("11230", 11)  # 강남구: coloured (12 with the one below)
    questions("11140", 3)  # 마포구: "< 5", and no list on its page (issue 26)
    public_question("11230", text="역삼동 가로등이 꺼졌어요. 연락처 010-1234-5678", author_name="김철용")
    return live_server.url


def _focused(page):
    return page.evaluate("() => { const e = document.activeElement; return [e.tagName.toLowerCase(),"
                         " e.getAttribute('data-code'), e.getAttribute('aria-label')]; }")


def test_keyboard_moves_between_districts_and_opens_one(page, site, shot, axe_check):
    from playwright.sync_api import expect

    page.goto(site + "/map/")
    expect(page.get_by_role("heading", level=1)).to_have_text("서울시 SNS 지도")
    districts = page.locator("svg.city-map a.district")
    expect(districts).to_have_count(25)
    codes = [districts.nth(i).get_attribute("data-code") for i in range(25)]

    districts.first.focus()
    tag, code, label = _focused(page)
    assert (tag, code) == ("a", codes[0]) and label.startswith("강남구: 공개 질문 12건")
    seen = [code]
    for _ in range(24):
        page.keyboard.press("Tab")
        seen.append(_focused(page)[1])
    assert seen == codes  # Tab visits every district once, in order
    page.keyboard.press("Shift+Tab")
    assert _focused(page)[1] == codes[-2]
    # The focused district is visibly outlined (stroke from the stylesheet, not the browser default).
    stroke = page.evaluate("() => getComputedStyle(document.activeElement.querySelector('path')).strokeWidth")
    assert stroke == "4px"
    shot("snsmap")
    axe_check("SNS map")

    page.get_by_text("지도 대신 표로 보기").click()
    expect(page.locator("details.district-table table tbody tr")).to_have_count(25)
    mapo_row = page.locator("details.district-table tr", has_text="마포구")
    expect(mapo_row.locator("td").last).to_have_text("< 5")
    axe_check("SNS map with the table open")

    districts.nth(codes.index("11230")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/map/district/11230/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("강남구")
    expect(page.locator(".item .text").first).to_contain_text("010-****-****")
    expect(page.get_by_text("010-1234-5678")).to_have_count(0)
    shot("snsmap-district")
    axe_check("district page")


def test_filters_and_english(page, site, axe_check):
    from playwright.sync_api import expect

    page.goto(site + "/map/")
    page.get_by_label("분야", exact=True).select_option("district")
    page.get_by_label("자치구", exact=True).select_option("11140")
    page.get_by_role("button", name="찾기").click()
    page.wait_for_url(re.compile(r"field=district"))
    expect(page.locator(".accounts-by-field .map-account")).to_have_count(2)

    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/map/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("SNS map of Seoul")
    expect(page.locator('svg.city-map a.district[data-code="11230"]')).to_have_attribute(
        "aria-label", "Gangnam-gu: 12 public questions")
    axe_check("SNS map in English")
