"""Issue 25.2 and 25.5: every text names the alert's area (within X's limit), and the CAP area is small:
one polygon per district or the city's outline, KOSTAT geocodes, valid against the OASIS XSD."""

import pytest
from lxml import etree
from twitter_text import parse_tweet

from broadcast import areas, banner
from broadcast.services import workflow

from .factories import FakePlatform, approved, people
from .test_public import NS, XSD

GANGNAM, JONGNO, MAPO, JUNG = "11230", "11010", "11140", "11020"


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


def cap_doc(client, broadcast):
    body = client.get(f"/alerts/{broadcast.identifier}/cap.xml").content
    doc = etree.fromstring(body)
    XSD.assertValid(doc)
    return doc, len(body)


def test_three_districts_are_named_in_every_text_and_page(make_staff, platform, client):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver, districts=[MAPO, GANGNAM, JONGNO])
    area = "강남구·마포구·종로구"
    assert alert.x_text.startswith(f"[긴급] {area} 대설특보") and parse_tweet(alert.x_text).valid
    assert f"[긴급] {area} 대설특보" in alert.facebook_text
    assert "[ALERT] Gangnam-gu, Mapo-gu, Jongno-gu: Heavy snow" in alert.facebook_text
    assert "서울 전역" not in alert.x_text + alert.facebook_text
    doc, _ = cap_doc(client, alert)
    assert doc.findtext("cap:info/cap:headline", namespaces=NS).startswith(area)
    banner.invalidate()
    assert f"{area} 대설특보" in client.get("/").content.decode()
    page = client.get(f"/alerts/{alert.identifier}/").content.decode()
    assert f"<h1>{area} 대설특보" in page and "강남구, 마포구, 종로구" in page
    assert f"{area} 대설특보" in client.get("/alerts/").content.decode()
    client.cookies["django_language"] = "en"
    assert "Gangnam-gu, Mapo-gu, Jongno-gu: Heavy snow" in client.get(f"/alerts/{alert.identifier}/").content.decode()


def test_all_districts_but_one_fits_x_and_says_which_is_left_out(make_staff, platform):
    drafter, _ = people(make_staff)
    codes = [c for c in areas.districts() if c != JUNG]
    broadcast = workflow.submit(workflow.create_draft(
        drafter, template=None, cap_status="Actual", districts=codes, event_ko="대설", event_en="Snow",
        headline_ko="대설경보: 오늘 밤부터 내일 아침까지 최대 20cm, 출근길 대중교통 이용 " * 2,
        headline_en="Heavy snow", description_ko="눈이 많이 옵니다. " * 30, description_en="Snow"), drafter)
    parsed = parse_tweet(broadcast.x_text)
    assert parsed.valid and parsed.weightedLength <= 280
    assert broadcast.x_text.startswith("[긴급] 서울 전역(중구 제외) 대설경보")
    assert broadcast.x_text.endswith(workflow.preview(broadcast)["url"])


def test_a_dozen_districts_and_the_longest_headline_still_fit_x_with_the_area(make_staff, platform):
    drafter, _ = people(make_staff)
    codes = list(areas.districts())[:12]
    broadcast = workflow.submit(workflow.create_draft(
        drafter, template=None, cap_status="Actual", districts=codes, event_ko="대설", event_en="Snow",
        headline_ko="가" * 120, headline_en="Snow", description_ko="설명", description_en="Snow"), drafter)
    parsed = parse_tweet(broadcast.x_text)
    assert parsed.valid and parsed.weightedLength <= 280
    assert broadcast.x_text.startswith(f"[긴급] {areas.short(codes)} 가가") and "…" in broadcast.x_text


def test_city_wide_cap_is_one_outline_and_seouls_code_under_10_kb(make_staff, platform, client):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    doc, size = cap_doc(client, alert)
    assert size < 10_000, size
    for info in doc.findall("cap:info", NS):
        area = info.find("cap:area", NS)
        polygons = area.findall("cap:polygon", NS)
        assert len(polygons) == 1
        geocodes = [(g.findtext("cap:valueName", namespaces=NS), g.findtext("cap:value", namespaces=NS))
                    for g in area.findall("cap:geocode", NS)]
        assert geocodes == [("KOSTAT", "11")]
        outline = [tuple(map(float, pair.split(","))) for pair in polygons[0].text.split()]
        assert outline[0] == outline[-1] and 4 <= len(outline) < 200
        # The outline is the city's: a point inside each district lies inside it.
        for district in areas.districts().values():
            lat, lon = interior_point(district)
            assert inside((lat, lon), outline), district.name_ko


def test_chosen_districts_have_one_simplified_polygon_and_code_each(make_staff, platform, client):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver, districts=[GANGNAM, JONGNO])
    doc, size = cap_doc(client, alert)
    area = doc.find("cap:info/cap:area", NS)
    assert [g.findtext("cap:value", namespaces=NS) for g in area.findall("cap:geocode", NS)] == [GANGNAM, JONGNO]
    polygons = area.findall("cap:polygon", NS)
    assert len(polygons) == 2
    for polygon, code in zip(polygons, [GANGNAM, JONGNO], strict=True):
        points = polygon.text.split()
        assert points[0] == points[-1] and 4 <= len(points) < len(areas.districts()[code].ring)
    assert size < 6_000, size


def interior_point(district):
    """A point surely inside the district: the middle of a horizontal chord through its mean latitude."""
    ring = district.ring
    lat = sum(p[1] for p in ring) / len(ring)
    xs = sorted(a[0] + (lat - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
                for a, b in zip(ring, ring[1:], strict=False) if (a[1] <= lat) != (b[1] <= lat))
    widest = max(zip(xs[::2], xs[1::2], strict=True), key=lambda pair: pair[1] - pair[0])
    return lat, sum(widest) / 2


def inside(point, polygon) -> bool:
    lat, lon = point
    result = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, polygon[1:], strict=False):
        if (lat1 > lat) != (lat2 > lat) and lon < lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1):
            result = not result
    return result
