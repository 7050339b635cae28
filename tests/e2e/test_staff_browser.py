"""Division staff (`traffic`) work their queue in Chromium, as issue 30 describes: from the login page
the most urgent message is answered in three actions plus typing and the answer shows on the portal;
two staff on one message see each other and only one answer is posted; a transfer ends on the queue;
at 1366 px at least 12 rows show, at 390 px the queue is a list of cards; every staff page is
axe-core clean."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messages_app.models import Answer, Message
from tests.factories import PASSWORD, division, routed, staff
from users import roles

pytestmark = pytest.mark.django_db(transaction=True)

URGENT = "신호등이 사흘째 꺼져 있어 아이들이 길을 건너기 무서워요"


@pytest.fixture
def office(live_server, seeded):
    traffic = staff("traffic", "transport-policy")
    staff("traffic2", "transport-policy")
    staff("traffic_head", "transport-policy", role=roles.DIVISION_HEAD, head=True)
    now = timezone.now()
    for i in range(16):
        routed("transport-policy", text=f"버스 {100 + i}번 배차 간격이 너무 길어요. 출근 시간에 20분씩 기다립니다.",
               due_at=now + timedelta(days=2 + i % 5), posted_at=now - timedelta(hours=i + 1))
    urgent = routed("transport-policy", text=URGENT, due_at=now - timedelta(hours=3), is_overdue=True,
                    author_name="김시민", posted_at=now - timedelta(days=8))
    return {"url": live_server.url, "traffic": traffic, "urgent": urgent}


def login(page, url, username):
    page.goto(url + "/admin/login/")
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(url + "/admin/messages_app/message/")


def test_traffic_answers_the_most_urgent_message_in_three_actions(page, office, shot, axe_check):
    from playwright.sync_api import expect

    url = office["url"]
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, url, "traffic")
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_contain_text(URGENT[:20])
    expect(rows.first).to_contain_text("기한 초과")
    visible = page.evaluate("""() => [...document.querySelectorAll('#result_list tbody tr')]
        .filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length""")
    shot("staff-queue-1366")
    assert visible >= 12, visible
    axe_check("staff queue")

    page.keyboard.press("j")  # the first (most urgent) row, previewed beside the list
    preview = page.locator("#queue-preview")
    expect(preview).to_contain_text(URGENT)
    expect(preview).to_contain_text("기한 초과")
    shot("staff-queue-preview-1366")
    axe_check("staff queue with its preview")
    page.keyboard.press("Enter")  # action 1: open it
    page.wait_for_url(f"{url}/admin/messages_app/message/{office['urgent'].pk}/change/")
    axe_check("message page")
    page.keyboard.press("r")  # action 2: to the answer box
    page.keyboard.type("불편을 드려 죄송합니다. 오늘 오후 신호등 수리를 마쳤습니다.")
    page.get_by_role("button", name="답변 등록").click()  # action 3
    page.wait_for_url(url + "/admin/messages_app/message/")
    expect(page.locator(".messagelist")).to_contain_text("답변을 등록했습니다")
    assert Answer.objects.get(message=office["urgent"]).author == office["traffic"]

    public = page.context.new_page()
    public.goto(f"{url}/m/{office['urgent'].pk}/")
    expect(public.locator("body")).to_contain_text("오늘 오후 신호등 수리를 마쳤습니다")
    public.close()

    for path in ("/admin/messages_app/message/notifications/", "/admin/departments/processingrule/",
                 "/admin/messages_app/message/?view=all"):
        page.goto(url + path)
        axe_check(path)
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()


def test_two_staff_on_one_message_see_each_other_and_only_one_answer_is_posted(browser, office):
    from playwright.sync_api import expect

    url, message = office["url"], office["urgent"]
    pages = []
    for username in ("traffic", "traffic2"):
        context = browser.new_context(locale="ko-KR", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(40_000)
        login(page, url, username)
        page.goto(f"{url}/admin/messages_app/message/{message.pk}/change/")
        pages.append(page)
    first, second = pages
    expect(second.locator("#presence")).to_contain_text("traffic 님이 보는 중")
    second.locator("#id_text").fill("두 번째 담당자의 답변")
    # The first page learns of the second at its next heartbeat (one request per 15 s).
    # (the second page reports its writing at its own next heartbeat: up to two heartbeats in all)
    expect(first.locator("#presence")).to_contain_text("traffic2 님이 답변 작성 중", timeout=45_000)
    first.locator("#id_text").fill("첫 번째 담당자의 답변")
    first.get_by_role("button", name="답변 등록").click()
    first.wait_for_url(url + "/admin/messages_app/message/")
    second.get_by_role("button", name="답변 등록").click()
    expect(second.locator(".errornote")).to_contain_text("이미 다른 담당자가 답변을 등록했습니다")
    assert [a.text for a in Answer.objects.filter(message=message)] == ["첫 번째 담당자의 답변"]
    for page in pages:
        page.context.close()


def test_a_transfer_lands_on_the_queue(page, office, axe_check):
    from playwright.sync_api import expect

    url, message = office["url"], office["urgent"]
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, url, "traffic")
    page.goto(f"{url}/admin/messages_app/message/{message.pk}/change/")
    page.keyboard.press("t")
    page.get_by_label("이관할 부서").select_option(str(division("road-management").pk))
    page.get_by_label("이관 사유").fill("신호등 시설은 도로관리과 소관입니다")
    page.get_by_role("button", name="이관", exact=True).click()
    page.wait_for_url(url + "/admin/messages_app/message/")
    expect(page.locator(".messagelist")).to_contain_text("도로관리과(으)로 이관했습니다")
    assert Message.objects.get(pk=message.pk).division == division("road-management")


def test_the_queue_is_a_list_of_cards_on_a_phone(page, office, axe_check):
    from playwright.sync_api import expect

    login(page, office["url"], "traffic")  # the page fixture is 390 px wide
    expect(page.locator("#result_list thead")).to_be_hidden()
    first = page.locator("#result_list tbody tr").first
    expect(first.locator(".field-excerpt")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#result_list tbody tr')).display") == "grid"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    axe_check("staff queue on a phone")
    page.keyboard.press("j")  # a phone has no room for a preview: the cards stay, Enter opens
    expect(page.locator("#queue-preview")).to_be_hidden()


def test_the_preview_follows_j_and_k_and_closes_with_escape(page, office):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, office["url"], "traffic")
    preview = page.locator("#queue-preview")
    expect(preview).to_be_hidden()  # the list keeps the whole width until a row is chosen
    page.keyboard.press("j")
    expect(preview).to_contain_text(URGENT)
    page.keyboard.press("j")
    second = page.locator("#result_list tbody tr").nth(1).locator(".field-excerpt a").inner_text()
    expect(preview).to_contain_text(second[:20])
    expect(preview).not_to_contain_text(URGENT)
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    page.locator("#result_list tbody tr").first.locator(".field-received").click()  # a click on the row
    expect(preview).to_contain_text(URGENT)


def test_the_action_bar_shows_only_what_the_chosen_action_needs(page, office):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, office["url"], "traffic")
    bar = page.locator("#changelist-form .actions")
    expect(bar.locator("select[name=division]")).to_be_hidden()
    expect(bar.locator("select[name=type]")).to_be_hidden()
    bar.locator("select[name=action]").select_option("action_assign")
    expect(bar.locator("select[name=division]")).to_be_visible()
    expect(bar.locator("input[name=note]")).to_be_visible()
    expect(bar.locator("select[name=type]")).to_be_hidden()
    bar.locator("select[name=action]").select_option("action_set_labels")
    expect(bar.locator("select[name=type]")).to_be_visible()
    expect(bar.locator("select[name=division]")).to_be_hidden()
