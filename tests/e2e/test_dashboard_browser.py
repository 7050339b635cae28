"""The mayor's office logs in through the staff login page, lands on the dashboard overview, reads
the cards, a chart and its table, filters, and the page is axe-core clean."""

import pytest

from tests.dashboard.factories import answer, known_messages

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dashboard(live_server, make_staff):
    from users import roles

    messages = known_messages()
    for m in [m for m in messages if m.type == "complaint"][:5]:
        answer(m, hours=5)
    user = make_staff("mayor", roles.MAYORS_OFFICE)
    user.set_password("pw-시장실-12345")
    user.save()
    return live_server.url


def test_mayors_office_overview(page, dashboard, shot, axe_check):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(dashboard + "/admin/login/")
    page.get_by_label("사용자 이름").fill("mayor")
    page.get_by_label("비밀번호").fill("pw-시장실-12345")
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(dashboard + "/dashboard/")
    expect(page.locator("#card-d7")).to_have_text("1,000")
    expect(page.locator("#card-answered")).to_have_text("5")
    types = page.locator("#table-types")
    expect(types.locator("tbody tr").first).to_contain_text("76.3%")
    expect(page.locator("#block-types svg[role=img]")).to_be_visible()
    shot("dashboard-overview")
    axe_check("dashboard overview")

    page.get_by_label("유형 (Type)").select_option("complaint")
    page.get_by_role("button", name="적용 (Apply)").click()
    expect(page.locator("#card-d7")).to_have_text("24")
    axe_check("dashboard filtered")

    page.get_by_role("link", name="부서 (Divisions)").click()
    expect(page.locator("#table-divisions tbody tr").first).to_be_visible()
    axe_check("dashboard divisions")
