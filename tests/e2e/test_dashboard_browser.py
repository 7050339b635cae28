"""The mayor's office logs in through the staff login page, lands on the dashboard overview, reads
the cards, a chart and its table, filters, opens a bar's messages (drill-down) and comes back to the
chart with its filters; on a phone the filters sit behind one button. Every page is axe-core clean."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.dashboard.factories import answer, known_messages

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dashboard(live_server, make_staff):
    from users import roles

    messages = known_messages()
    for m in [m for m in messages if m.type == "complaint"][:5]:
        # Answered as they arrived (received now): today whatever the hour. Five hours later crossed
        # midnight in Seoul for a run after 19:00 there, and the 'answered today' card read 0.
        answer(m, hours=0)
    user = make_staff("mayor", roles.MAYORS_OFFICE)
    user.set_password("pw-시장실-12345")
    user.save()
    return live_server.url


def login(page, url):
    page.goto(url + "/admin/login/")
    page.get_by_label("사용자 이름").fill("mayor")
    page.get_by_label("비밀번호").fill("pw-시장실-12345")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(url + "/dashboard/")


def test_mayors_office_overview(page, dashboard, shot, axe_check):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, dashboard)
    expect(page.locator("#card-d7")).to_have_text("1,000")
    expect(page.locator("#card-answered")).to_have_text("5")
    types = page.locator("#table-types")
    expect(types.locator("tbody tr").first).to_contain_text("76.3%")
    expect(page.locator("#block-types svg .legend")).to_contain_text("2012년 시장 계정 (기준)")
    shot("dashboard-overview")
    axe_check("dashboard overview")

    page.get_by_label("유형", exact=True).select_option("complaint")
    page.get_by_role("button", name="적용").click()
    expect(page.locator("#card-d7")).to_have_text("24")
    axe_check("dashboard filtered")

    page.get_by_role("link", name="부서", exact=True).click()
    expect(page.locator("#table-divisions tbody tr").first).to_be_visible()
    axe_check("dashboard divisions")


def test_a_bar_opens_its_messages_and_back_returns_to_the_chart(page, dashboard, axe_check):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, dashboard)
    page.goto(dashboard + "/dashboard/?period=30&type=support")
    day = (timezone.localdate() - timedelta(days=3)).strftime("%Y-%m-%d")
    bar = page.locator(f'#block-daily svg a.pt[aria-label="{day}: 763"]')
    bar.focus()  # the value shows on keyboard focus, not only on hover
    expect(bar.locator("text.val")).to_be_visible()
    bar.press("Enter")
    page.wait_for_url("**/dashboard/messages/**")
    expect(page.locator("#table-messages tbody tr")).to_have_count(50)
    expect(page.locator("#table-messages")).to_contain_text("격려·응원")
    axe_check("drill-down list")
    page.locator("#next").click()
    expect(page.locator("#table-messages tbody tr")).to_have_count(50)
    page.go_back()
    page.locator("#back").click()
    page.wait_for_url("**/dashboard/?period=30&type=support#block-daily")
    expect(page.get_by_label("유형", exact=True)).to_have_value("support")
    expect(page.locator("#card-d7")).to_have_text("763")


def test_on_a_phone_the_filters_fold_behind_one_button(page, dashboard, axe_check):
    from playwright.sync_api import expect

    login(page, dashboard)  # the default viewport is a 390 px phone
    expect(page.get_by_label("기간", exact=True)).to_be_hidden()
    button = page.locator("label.filters-button")
    expect(button).to_be_visible()
    assert page.locator("#card-d7").bounding_box()["y"] < 844  # the figures are on the first screen
    button.click()
    expect(page.get_by_label("기간", exact=True)).to_be_visible()
    bullets = page.eval_on_selector(".dash-nav li", "li => getComputedStyle(li).listStyleType")
    assert bullets == "none"
    axe_check("dashboard on a phone")
