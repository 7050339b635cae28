"""Figures on a small known data set, and every page's figures equal to the same figures computed
by GROUP BY over the raw message table (the benchmark's baseline) under every filter."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Account
from core import csvsafe
from dashboard import exports, selectors
from dashboard.filters import parse
from dashboard.selectors import Source
from dashboard.tables import Column, Table
from departments.models import Division
from messages_app.models import Message
from users import roles

from .factories import answer, known_messages, transfer


@pytest.fixture
def known(seeded):
    messages = known_messages()
    complaints = [m for m in messages if m.type == "complaint"]
    for m in complaints[:12]:
        answer(m, hours=5)  # same day: a fraction of a working day at most
    for m in complaints[12:15]:
        answer(m, hours=24 * 20)  # past the nine-day deadline
    transfer(messages[1], Division.objects.get(code="bus-policy"))
    Message.objects.filter(pk__in=[m.pk for m in complaints[20:]]).update(is_overdue=True)
    return messages


def table(page, key):
    return next(t for t in page["tables"] if t.key == key)


def test_the_2012_shares_come_out_exactly(known):
    page = selectors.overview(parse({}))
    types = {row[0]: row[2:] for row in table(page, "types").rows}
    assert types["격려·응원"] == [76.3, 76.3]
    assert types["민원·제안"] == [2.4, 2.4]
    assert types["단순의견"] == [21.3, 21.3]
    topics = {row[0]: row[2] for row in table(page, "topics").rows}
    assert (topics["교통"], topics["도시안전"], topics["주택"], topics["문화"]) == (32.4, 20.3, 11.4, 10.5)
    cards = page["cards"]
    assert cards["d7"]["value"] == 1000 and cards["today"]["value"] == 0
    # Open: every message still assigned (with or without a deadline), as the staff queues count.
    assert cards["open"] == 1000 - 15 and cards["overdue"] == 4
    platforms = {row[0]: row[1] for row in table(page, "platform").rows}
    assert sorted(platforms.values()) == [500, 500]


def test_divisions_table(known):
    table = selectors.divisions(parse({}))["tables"][0]
    rows = {r[0]: r for r in table.rows}
    housing, transport = rows["주택정책과"], rows["교통정책과"]
    assert housing[1] + transport[1] == 1000 - 1 + 0 and rows["버스정책과"][1] == 1
    answered = housing[2] + transport[2]
    assert answered == 15
    assert transport[[c.key for c in table.columns].index("transfers_out")] == 1  # one, to bus
    # 12 of 15 answers within the deadline, spread over the two divisions.
    assert sum(r[2] * (r[3] or 0) / 100 for r in (housing, transport)) == pytest.approx(12, abs=0.01)


FILTERS = [{}, {"period": "7"}, {"period": "365", "type": "complaint"}, {"topic": "transport"},
           {"platform": "x"}, {"division": "DIV"}, {"account": "ACC", "period": "90"},
           {"period": "custom", "start": "2021-01-01", "end": "2030-12-31"}]


@pytest.mark.parametrize("params", FILTERS)
@pytest.mark.parametrize("name", list(selectors.PAGES))
def test_every_page_equals_the_group_by_over_raw_messages(known, params, name):
    params = {k: (str(Division.objects.get(code="housing-policy").pk) if v == "DIV" else
                  str(Account.objects.filter(is_mayor=True).first().pk) if v == "ACC" else v)
              for k, v in params.items()}
    now = timezone.now()
    f = parse(params)
    kwargs = {"now": now} if name in ("overview", "mayor") else {}
    fast = selectors.PAGES[name](f, Source(), **kwargs)
    slow = selectors.PAGES[name](f, Source(raw=True), **kwargs)
    assert fast == slow
    assert any(t.rows for t in fast["tables"])


def test_words_rise_this_week_against_last(seeded):
    from messages_app.services import search

    now = timezone.now()
    messages = known_messages(now=now, days_ago=0)[:6] + known_messages(now=now, days_ago=7, prefix="last-week")[6:7]
    Message.objects.filter(pk__in=[m.pk for m in messages[:6]]).update(text="따릉이 대여소 고장 신고")
    search.index_messages([m.pk for m in messages])
    rows = selectors.words(parse({}))["tables"][0]
    terms = {r[0]: r[1:] for r in rows.rows}
    assert terms["따릉이"][0] >= 6 and terms["고장"][0] >= 6, terms
    assert {"term": "따릉이", "week": str(rows.drill[0]["week"])} in rows.drill  # opens its messages


def test_csv_and_xlsx_exports_match_the_page(client, make_staff, known):
    Account.objects.filter(is_mayor=True, platform="x").update(display_name="=HYPERLINK(\"x\")")
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    page = client.get("/dashboard/accounts/")
    html = page.content.decode()
    response = client.get("/dashboard/accounts/export/accounts.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = selectors.accounts(parse({}))["tables"][0]
    assert rows[0] == [c.label for c in expected.columns]
    assert len(rows) - 1 == len(expected.rows)
    mayor_row = next(r for r in rows if "HYPERLINK" in r[0])
    assert mayor_row[0].startswith("'=")  # neutralised: no formula in a spreadsheet
    assert int(mayor_row[2]) == 500
    for r in rows[1:]:
        assert r[0].replace("'", "") in html.replace("&#x27;", "'").replace("&quot;", '"')
    book = load_workbook(io.BytesIO(client.get("/dashboard/accounts/export/accounts.xlsx").content))
    sheet = book["accounts"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[1]) == [c.label for c in expected.columns]
    # The same rows, text cells through core.csvsafe (an empty text cell reads back as None).
    assert [list(v) for v in values[2:]] == [[csvsafe.escape_cell(c) if c != "" else None for c in row]
                                             for row in expected.rows]
    assert next(v for v in values[2:] if "HYPERLINK" in v[0])[2] == 500


def test_monthly_report_has_a_sheet_per_table(client, make_staff, known):
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    month = (timezone.localdate() - timedelta(days=3)).strftime("%Y-%m")
    response = client.get(f"/dashboard/report/?month={month}")
    book = load_workbook(io.BytesIO(response.content))
    keys = [t.key for name in selectors.PAGES for t in selectors.PAGES[name](parse({}))["tables"]]
    assert len(book.sheetnames) == len(keys)
    types = book["types"]
    rows = {r[0]: r for r in types.iter_rows(min_row=3, values_only=True)}
    assert rows["격려·응원"][1] == 763 and rows["격려·응원"][2] == 76.3
    assert client.get("/dashboard/report/?month=2026-13").status_code == 400


def test_xlsx_cells_are_neutralised_by_the_shared_rule():
    table = Table(key="t", title="=title", columns=[Column("name", "이름", numeric=False), Column("n", "건수")],
                  rows=[["=1+1", -2], ["+1", 3], ["@x", 0], ["'quoted", 1], ["ok", 5]])
    book = load_workbook(io.BytesIO(exports.to_xlsx([table], title="")))
    values = list(book["t"].iter_rows(values_only=True))
    assert values[0][0] == "'=title"
    assert [list(v) for v in values[2:]] == [["'=1+1", -2], ["'+1", 3], ["'@x", 0], ["''quoted", 1], ["ok", 5]]
    # The CSV export reads back to the page's values (core.csvsafe round trip).
    rows = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
    assert [[csvsafe.unescape_cell(c) for c in r] for r in rows[1:]] == [[str(c) for c in r] for r in table.rows]


def test_charts_carry_their_numbers_as_tables(client, make_staff, known):
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    html = client.get("/dashboard/").content.decode()
    for key in ("hourly", "daily", "platform", "channel", "types", "topics"):
        block = html[html.index(f'id="block-{key}"'):]
        block = block[:block.index("</section>")]
        assert "<svg" in block and 'role="group"' in block and "<caption>" in block
        # Each bar's tooltip number is in the table under it.
        tooltips = re.findall(r"<title>[^<]*?: ([\d,.]+)%?(?: \([^<]*\))?</title>", block)
        cells = set(re.findall(r'<td class="num">([\d,.]+)%?</td>', block))
        assert tooltips and set(tooltips) - {"0"} <= cells | {"0.0"}, key
    assert "style=" not in html.split('id="dashboard"')[1]  # the CSP forbids inline styles
