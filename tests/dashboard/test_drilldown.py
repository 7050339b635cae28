"""Drill-down: every bar, cell, word and division opens the list of the messages it counts, with the
page's filters; the list pages by keyset to the end without losing or repeating one; it is masked as
on the portal, links to the staff screen for who may read there, and leads back to the chart."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from dashboard import drilldown, selectors
from dashboard.filters import parse
from departments.models import Division
from messages_app import selectors as inbox
from messages_app.models import Message
from users import roles

from .factories import answer, known_messages, transfer


@pytest.fixture
def known(seeded):
    messages = known_messages()
    for m in messages[:7]:
        answer(m)
    transfer(messages[1], Division.objects.get(code="bus-policy"))
    Message.objects.filter(pk__in=[m.pk for m in messages[10:14]]).update(is_overdue=True)
    return messages


@pytest.fixture
def mayor(client, make_staff):
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    return client


def links(content: bytes, block: str | None = None) -> list[str]:
    text = content.decode()
    if block:
        text = text.split(f'id="block-{block}"', 1)[1].split("</section>", 1)[0]
    return [html.unescape(h) for h in re.findall(r'href="(/dashboard/messages/\?[^"]+)"', text)]


def every_row(client, url: str) -> list[str]:
    """Follow the "next" links to the end; the ids of every row, in order."""
    ids = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        ids += re.findall(r'/admin/messages_app/message/(\d+)/change/', page)
        more = re.search(r'id="next" href="([^"]+)"', page)
        url = "/dashboard/messages/" + html.unescape(more.group(1)) if more else None
    return ids


def test_a_day_bar_opens_exactly_its_messages_page_by_page(known, mayor):
    page = mayor.get("/dashboard/")
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    bar = next(u for u in links(page.content, "daily") if f"day={day}" in u)
    ids = every_row(mayor, bar)
    assert len(ids) == len(set(ids)) == 1000  # 20 pages of 50: none lost, none twice
    assert [int(i) for i in ids] == sorted((m.pk for m in known), reverse=True)
    empty = next(u for u in links(page.content, "daily") if f"day={timezone.localdate().isoformat()}" in u)
    assert every_row(mayor, empty) == []


def test_the_division_cells_open_what_they_count(known, mayor):
    page = mayor.get("/dashboard/divisions/?period=30")
    housing = Division.objects.get(code="housing-policy")
    table = page.content.decode().split('id="table-divisions"', 1)[1]
    row = next(r for r in table.split("<tr>") if "주택정책과" in r)
    row_links = [html.unescape(h) for h in re.findall(r'href="(/dashboard/messages/\?[^"]+)"', row)]
    received, *cells = row_links
    assert parse_qs(urlsplit(received).query)["division"] == [str(housing.pk)]
    expected = {"answered": Message.objects.filter(division=housing, answer__isnull=False).count(),
                "open": Message.objects.filter(division=housing, status__in=["received", "assigned",
                                                                             "in_progress"]).count(),
                "overdue": Message.objects.filter(division=housing, is_overdue=True).count()}
    seen = {parse_qs(urlsplit(u).query)["state"][0]: len(every_row(mayor, u)) for u in cells}
    assert seen == expected and expected["overdue"] > 0
    assert len(every_row(mayor, received)) == Message.objects.filter(division=housing).count()


def test_the_filters_go_along_and_back_returns_to_the_chart(known, mayor):
    page = mayor.get("/dashboard/?period=7&type=support")
    bar = next(u for u in links(page.content, "topics") if "topic=transport" in u)
    query = parse_qs(urlsplit(bar).query)
    assert query["type"] == ["support"] and query["period"] == ["7"]
    ids = every_row(mayor, bar)
    assert len(ids) == Message.objects.filter(type="support", topic="transport").count() > 0
    listing = mayor.get(bar).content.decode()
    back = html.unescape(re.search(r'id="back" href="([^"]+)"', listing).group(1))
    assert back.startswith("/dashboard/?") and back.endswith("#block-topics")
    assert parse_qs(urlsplit(back).query) == {"period": ["7"], "type": ["support"]}


def test_words_and_platform_multiples_open_their_messages(known, mayor):
    from django.contrib.postgres.search import SearchVector

    Message.objects.filter(pk__in=[m.pk for m in known[:30]]).update(text="지하철 연착 문의")
    Message.objects.filter(pk__in=[m.pk for m in known[:30]]).update(
        search_vector=SearchVector("text", config="simple"))
    posted = timezone.localdate() - timedelta(days=3)
    words = mayor.get(f"/dashboard/words/?period=custom&start={posted - timedelta(days=20)}&end={posted}")
    word = next(u for u in links(words.content, "rising_words") if "term=" in u and "%EC%97%B0%EC%B0%A9" in u)
    assert len(every_row(mayor, word)) == 30
    overview = mayor.get("/dashboard/")
    multiple = [u for u in links(overview.content, "platform_daily") if "platform=" in u]
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    x = next(u for u in multiple if f"day={day}" in u and "platform=x" in u)
    assert len(every_row(mayor, x)) == 500


def test_the_list_is_masked_as_on_the_portal(known, mayor):
    m = known[-1]
    Message.objects.filter(pk=m.pk).update(text="김철용입니다 010-1234-5678 로 연락 주세요", author_name="김철용")
    Message.objects.filter(pk=known[-2].pk).update(is_private=True, text="비밀 내용 주민번호")
    page = mayor.get(f"/dashboard/messages/?period=30&day={timezone.localdate() - timedelta(days=3)}").content.decode()
    assert "010-1234-5678" not in page and "김철용" not in page and "김*용" in page
    assert "비밀 내용" not in page and "비공개 메시지입니다" in page
    assert f"/admin/messages_app/message/{m.pk}/change/" in page


def test_a_division_head_sees_only_their_division(known, client, make_staff):
    head = make_staff("head", roles.DIVISION_HEAD, "housing-policy")
    client.force_login(head)
    housing = Division.objects.get(code="housing-policy")
    other = Division.objects.get(code="transport-policy")
    assert client.get(f"/dashboard/messages/?division={other.pk}").status_code == 403
    ids = every_row(client, "/dashboard/messages/?period=30")
    assert len(ids) == Message.objects.filter(division=housing).count()


@pytest.mark.parametrize("query", ["day=2026-13-01", "state=nope", "term=DROP%20TABLE", "after=x_y",
                                   "kind=bogus", "hour=yesterday", "state=open&after=idzz"])
def test_bad_drill_parameters_are_refused_plainly(known, mayor, query):
    response = mayor.get(f"/dashboard/messages/?{query}")
    assert response.status_code == 400 and response.content


def test_keyset_cursor_survives_equal_times(seeded):
    """1,000 messages with one posting time: the id breaks the tie, pages neither skip nor repeat."""
    known_messages()
    Message.objects.update(posted_at=timezone.now() - timedelta(days=1))
    f = parse({})
    seen, after = [], ""
    while True:
        rows, after = drilldown.page(f, drilldown.Slice(), None, after)
        seen += [r.pk for r in rows]
        if not after:
            break
    assert len(seen) == len(set(seen)) == 1000



def test_the_overdue_list_pages_through_marked_and_unmarked_alike(known, mayor):
    """Overdue is marked by the beat or just past the deadline (not yet marked): the list holds both,
    newest first, page after page, none lost or repeated, as many as the divisions table counts."""
    housing = Division.objects.get(code="housing-policy")
    ours = list(Message.objects.filter(division=housing, status="assigned").order_by("pk")
                .values_list("pk", flat=True)[:130])
    Message.objects.filter(pk__in=ours[::2]).update(is_overdue=True)
    Message.objects.filter(pk__in=ours[1::2]).update(is_overdue=False, due_at=timezone.now() - timedelta(minutes=2))
    url = f"/dashboard/messages/?period=30&division={housing.pk}&state=overdue"
    ids = [int(i) for i in every_row(mayor, url)]
    expected = Message.objects.filter(inbox.overdue_q(timezone.now()), division=housing)
    assert ids == sorted(expected.values_list("pk", flat=True), reverse=True)
    assert set(ours) <= set(ids) and len(ids) > drilldown.PAGE_SIZE * 2
    assert selectors.open_now(parse({}))[housing.pk][1] == len(ids)


def test_the_mayor_pages_links_open_the_mayors_accounts_messages_only(known, mayor):
    from accounts.models import Account

    other = Account.objects.filter(is_mayor=False, platform="x").first()
    Message.objects.filter(pk__in=[m.pk for m in known[:300]]).update(account=other)  # now not the mayor's
    page = mayor.get("/dashboard/mayor/?period=7")
    bar = next(u for u in links(page.content, "topics") if "topic=transport" in u)
    mayors = Account.objects.filter(is_mayor=True)
    assert sorted(parse_qs(urlsplit(bar).query)["account"][0].split(",")) == sorted(str(a.pk) for a in mayors)
    expected = Message.objects.filter(topic="transport", account__in=mayors)
    assert len(every_row(mayor, bar)) == expected.count() < Message.objects.filter(topic="transport").count()
    # The page's own filter form still shows "every account" (the scope is the page's, not a choice).
    account_select = page.content.decode().split('name="account"', 1)[1].split("</select>", 1)[0]
    assert "selected" not in account_select
    assert mayor.get("/dashboard/messages/?period=7&account=" + ",".join(["1"] * 51)).status_code == 400
