"""만족도 beside the answer times: per division (divisions page) and per account (accounts and mayor
pages), in their CSV/XLSX exports and the monthly report's summary; the same selector as the portal's
(messages_app.selectors.satisfaction), of the messages posted in the period under the page's filters."""

import csv
import io

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from dashboard import reports, selectors
from dashboard.filters import parse
from departments.models import Division
from portal import selectors as portal_selectors
from portal.models import Rating
from users import roles

from .factories import answer, known_messages


@pytest.fixture
def rated(seeded):
    messages = known_messages()
    transport = Division.objects.get(code="transport-policy")
    housing = Division.objects.get(code="housing-policy")
    scores = {transport.pk: [5, 4, 2], housing.pk: [1, 3]}
    for division_id, values in scores.items():
        ours = [m for m in messages if m.division_id == division_id]
        for m, score in zip(ours, values, strict=False):
            answer(m)
            Rating.objects.create(message=m, score=score)
    return {"transport": transport, "housing": housing, "messages": messages}


def _table(page, key, params=None):
    tables = selectors.PAGES[page](parse(params or {}))["tables"]
    table = next(t for t in tables if t.key == key)
    keys = [c.key for c in table.columns]
    return table, keys


def test_per_division_beside_the_answer_times(rated):
    table, keys = _table("divisions", "divisions")
    assert keys.index("satisfaction") == keys.index("p90_days") + 1
    by_name = {r[0]: r for r in table.rows}
    transport = by_name[rated["transport"].name_ko]
    housing = by_name[rated["housing"].name_ko]
    pick = [keys.index(k) for k in ("satisfaction", "satisfied_share", "ratings")]
    assert [transport[i] for i in pick] == [3.67, 66.7, 3]
    assert [housing[i] for i in pick] == [2.0, 0.0, 2]
    # The portal's figure is the same selector's.
    portal = {r["id"]: r for r in portal_selectors.satisfaction("division")}
    assert portal[rated["transport"].pk]["average"] == transport[pick[0]]
    assert portal[rated["transport"].pk]["count"] == transport[pick[2]]


def test_the_page_filters_apply(rated):
    # Messages posted three days ago: a period that ends before then has no ratings.
    past = {"period": "custom", "start": "2020-01-01", "end": "2020-01-31"}
    assert selectors.satisfaction(parse(past), "division") == {}
    housing_only = selectors.satisfaction(parse({"division": str(rated["housing"].pk)}), "division")
    assert housing_only == {rated["housing"].pk: (2.0, 0.0, 2)}


def test_per_account_on_the_accounts_page(rated):
    table, keys = _table("accounts", "accounts")
    assert keys.index("satisfaction") == keys.index("answered") + 1
    counted = sum(r[keys.index("ratings")] for r in table.rows)
    assert counted == 5
    per_account = {r["id"]: r for r in portal_selectors.satisfaction("account")}
    assert sum(r["count"] for r in per_account.values()) == 5


def test_exported_as_the_other_tables(rated, client, make_staff):
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    response = client.get("/dashboard/divisions/export/divisions.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert "만족도 평균 (1~5)" in header and "만족 % (4·5점)" in header and "만족도 평가 수" in header
    line = next(r for r in rows if r[0] == rated["transport"].name_ko)
    assert line[header.index("만족도 평균 (1~5)")] == "3.67" and line[header.index("만족도 평가 수")] == "3"
    book = load_workbook(io.BytesIO(client.get("/dashboard/accounts/export/accounts.xlsx").content))
    sheet = book["accounts"]
    assert "만족도 평균 (1~5)" in [c.value for c in sheet[2]]
    # English through the language switch, the exports' headers too.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/dashboard/divisions/export/divisions.csv").content.decode("utf-8-sig")
    assert "Satisfaction" in english.splitlines()[0] and "만족도" not in english.splitlines()[0]


def test_in_the_monthly_summary(rated, make_staff):
    mayor = make_staff("mayor", roles.MAYORS_OFFICE)
    mayor.email = "mayor@seoul.example"
    mayor.save()
    # The period of the known messages (three days ago) as the report's own.
    posted = rated["messages"][0].posted_at
    day = timezone.localdate(posted)
    assert reports.send_report(mayor, "monthly", day.replace(day=1), day)
    body = mail.outbox[0].body
    assert "만족도: 평균 3.00점 (5점 만점), 4·5점 40.0%, 평가 5건" in body
    assert f"낮은 부서: {rated['housing'].name_ko} 2.00점(2건), {rated['transport'].name_ko} 3.67점(3건)" in body
