"""/map/: accounts by field with filters, the 25-district SVG, the choropleth, a district's page."""

import re

import pytest

from accounts.models import Account
from accounts.seed import TODAY_ACCOUNTS
from messages_app.models import Status
from snsmap import selectors
from textkit.places import DISTRICTS

from .factories import public_question, questions

GANGNAM, MAPO, JONGNO = "11230", "11140", "11010"


@pytest.fixture(autouse=True)
def _seeded(seeded):
    pass


def _html(client, url="/map/", **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _account_handles(html):
    return set(re.findall(r'<span class="handle">@([^<]+)</span>', html))


def test_every_public_account_is_on_the_map_grouped_by_field(client):
    html = _html(client)
    expected = set(Account.objects.exclude(platform__in=["phone", "web"]).values_list("handle", flat=True))
    assert _account_handles(html) == expected
    headings = re.findall(r'<h3 id="field-([a-z]+)"', html)
    assert headings[:2] == ["general", "transport"] and "district" in headings
    assert len(headings) == len(set(headings))  # one group per field
    # The 44 SMC accounts and those of today's platforms say SMC answers them; the district offices do not.
    assert html.count('<span class="smc">SMC 답변</span>') == 44 + len(TODAY_ACCOUNTS)
    office = re.search(r'<li class="map-account">(?:(?!</li>).)*@gangnamgu<(?:(?!</li>).)*</li>', html, re.S).group(0)
    assert "SMC 답변" not in office and "강남구청" in office and "팔로워 30,000" in office
    assert 'href="https://www.facebook.com/gangnamgu"' in office


def test_filters_by_field_platform_district_and_name(client):
    transport = _account_handles(_html(client, field="transport"))
    assert transport == set(Account.objects.filter(field="transport").values_list("handle", flat=True))
    x_only = _account_handles(_html(client, platform="x"))
    assert x_only == set(Account.objects.filter(platform="x").values_list("handle", flat=True))
    mapo = _account_handles(_html(client, district=MAPO))
    assert mapo == {"seoul_mapo", "mapogu"}
    assert _account_handles(_html(client, q="대기질")) == {"seoul_air"}
    assert _account_handles(_html(client, q="강남구청")) == {"gangnamgu"}  # the operator too
    combined = _account_handles(_html(client, field="district", platform="facebook", district=GANGNAM))
    assert combined == {"gangnamgu"}
    assert "조건에 맞는 계정이 없습니다" in _html(client, q="없는계정이름")
    # A stale or forged value is ignored, not an error.
    assert _account_handles(_html(client, field="nonsense", district="99999")) == _account_handles(_html(client))


def test_the_svg_has_25_districts_each_a_named_link(client):
    html = _html(client)
    svg = re.search(r"<svg class=\"city-map\".*?</svg>", html, re.S).group(0)
    links = re.findall(r'<a class="district tone-\d" href="([^"]+)" aria-label="([^"]+)" data-code="(\d+)">\s*'
                       r'<title>([^<]+)</title>\s*<path d="M[^"]+"></path>\s*</a>', svg)
    assert len(links) == 25
    assert {code for _, _, code, _ in links} == set(DISTRICTS)
    for href, label, code, title in links:
        assert href == f"/map/district/{code}/?days=30"
        assert label == title and label.startswith(DISTRICTS[code].name + ":")
    assert 'role="group"' in svg and 'aria-labelledby="map-title"' in svg
    assert "<table>" in html and html.count('<th scope="row">') == 25  # the table alternative


def test_the_map_speaks_english_after_the_language_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/map/"})
    html = _html(client)
    assert 'lang="en"' in html and 'aria-label="Gangnam-gu: ' in html
    assert "SNS map of Seoul" in html and "Transport" in html


def test_choropleth_counts_public_questions_in_the_period_and_suppresses_small_counts(client):
    questions(GANGNAM, 12)
    questions(MAPO, 4)  # below the threshold
    questions(JONGNO, 5)
    questions(JONGNO, 3, days_ago=20)  # inside 30 days, outside 7
    questions(GANGNAM, 2, status=Status.RECEIVED)  # not public yet: never counted
    questions(GANGNAM, 2, is_private=True)
    questions(MAPO, 9, days_ago=60)  # only in the 90-day view

    counts = selectors.question_counts(30)
    assert counts[GANGNAM].count == 12 and counts[JONGNO].count == 8 and counts[MAPO].count == 4
    assert counts[MAPO].shown == "< 5" and counts["11250"].shown == "< 5" and counts[GANGNAM].shown == "12"
    classes, legend = selectors.colour_classes(counts)
    assert classes[MAPO] == 0 == classes["11250"]  # a small count looks like zero
    assert classes[GANGNAM] == 4 and 1 <= classes[JONGNO] < 4
    assert legend[0][1] == 5 and legend[-1][2] == 12

    html = _html(client)
    assert 'aria-label="강남구: 공개 질문 12건"' in html
    assert 'aria-label="마포구: 공개 질문 &lt; 5건"' in html
    assert re.search(r'class="district tone-0" href="/map/district/11140/', html)
    assert "<td>4</td>" not in html  # the table hides it too
    week = _html(client, days=7)
    assert 'aria-label="종로구: 공개 질문 5건"' in week
    quarter = _html(client, days=90)
    assert 'aria-label="마포구: 공개 질문 13건"' in quarter
    assert 'value="90" selected' in quarter
    assert 'value="30" selected' in _html(client, days=12345)  # unknown period → default


def test_a_district_page_lists_its_accounts_and_recent_questions_masked(client):
    public_question(MAPO, text="합정역 앞 010-1234-5678 연락주세요 김철수 드림", author_name="김철수")
    questions(MAPO, 4)  # five in all: a district with fewer lists none (below)
    public_question(MAPO, text="비공개 질문", is_private=True)
    public_question(GANGNAM, text="강남 질문")
    html = _html(client, f"/map/district/{MAPO}/")
    assert "<h1>마포구</h1>" in html
    assert "@seoul_mapo" in html and "@mapogu" in html and "@gangnamgu" not in html
    # The number's parts, not four digits alone (a timestamp's microseconds may read 1234).
    assert "010-****-****" in html and "1234-5678" not in html and "010-1234" not in html
    assert "김*수" in html and "김철수" not in html
    assert "비공개 질문" not in html and "강남 질문" not in html
    assert client.get("/map/district/99999/").status_code == 404


def test_a_district_page_count_is_the_count_of_its_list(client):
    """Issue 26: a district page said "‹ 5건" above 3 questions, and listed questions older than its
    period. Now a small district shows neither a list nor an exact count; a larger one an exact count
    of the questions its list is taken from."""
    for i in range(3):
        public_question(MAPO, text=f"최근 질문 {i}", days_ago=1 + i)
    public_question(MAPO, text="오래된 질문", days_ago=60)
    small = _html(client, f"/map/district/{MAPO}/", days=30)
    assert "최근 30일 공개 질문 &lt; 5건" in small and 'class="item"' not in small and "목록을 보이지 않습니다" in small
    for i in range(3, 12):
        public_question(MAPO, text=f"최근 질문 {i}", days_ago=1 + i)
    larger = _html(client, f"/map/district/{MAPO}/", days=30)
    assert "최근 30일 공개 질문 12건" in larger and "(최근 10건 표시)" in larger
    assert larger.count('class="item"') == 10 and "오래된 질문" not in larger
    assert "최근 90일 공개 질문 13건" in _html(client, f"/map/district/{MAPO}/", days=90)
