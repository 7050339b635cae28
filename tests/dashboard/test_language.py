"""One language at a time: Korean, English through the language switch (the cookie), never both side
by side: the pages, the charts and the exports' headers."""

import io
import re

import pytest
from django.conf import settings
from openpyxl import load_workbook

from users import roles

from .factories import known_messages

BOTH = ["개요 (Overview)", "처리 중 (Open)", "적용 (Apply)", "유입 (Received)", "(Share by type)"]


@pytest.fixture
def mayor(client, make_staff):
    known_messages()
    client.force_login(make_staff("mayor", roles.MAYORS_OFFICE))
    return client


def test_korean_by_default_without_english_beside_it(mayor):
    page = mayor.get("/dashboard/").content.decode()
    assert "개요" in page and "처리 중" in page and "적용" in page
    assert not any(label in page for label in BOTH)
    assert "Overview" not in page and "Apply" not in page and "Inflow per" not in page
    csv = mayor.get("/dashboard/overview/export/types.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("유형,유입,비율 %")


def test_english_through_the_switch(mayor):
    mayor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = mayor.get("/dashboard/").content.decode()
    assert "Overview" in page and "Apply" in page and "Inflow per day, last 90 days" in page
    assert ">개요<" not in page and ">적용<" not in page
    assert "The mayor's account in 2012 (baseline)" in page
    assert "Open: messages received, assigned or in progress now" in page  # the definitions too
    assert "Received: messages posted in the period" in page and "처리 중:" not in page
    csv = mayor.get("/dashboard/overview/export/types.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Type,Received,Share %")
    book = load_workbook(io.BytesIO(mayor.get("/dashboard/divisions/export/divisions.xlsx").content))
    listing = mayor.get("/dashboard/messages/?period=30&state=open").content.decode()
    assert "Back to the chart" in listing and "그래프로 돌아가기" not in listing
    headers = [c.value for c in book["divisions"][2]]
    assert headers[:2] == ["Division", "Received"]
    assert not [h for h in headers if re.search("[가-힣]", h)]  # every header in English
    book = load_workbook(io.BytesIO(mayor.get("/dashboard/report/?month=2026-11").content))
    for sheet in book.worksheets:
        assert not [c.value for c in sheet[2] if re.search("[가-힣]", str(c.value))], sheet.title


def test_tabs_have_no_bullets_and_filters_fold_on_a_phone():
    css = (settings.BASE_DIR / "static" / "dashboard" / "dashboard.css").read_text()
    assert ".dash-nav li { list-style: none;" in css
    assert "@media (max-width: 720px)" in css and ".filters-toggle { display: none; }" in css
    assert ".filters-toggle:checked ~ .dash-controls { display: block; }" in css
