"""One search over every public stream, with chips; the API's q= finds the same messages."""

import re

import pytest
from django.urls import reverse

from messages_app.models import MessageType, Status
from tests.factories import public_message


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def _ids(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/m/(\d+)/"', page)}


@pytest.fixture
def bikes(seeded):
    return {
        "complaint": public_message("따릉이 대여소가 고장났어요", district="11140"),
        "opinion": public_message("따릉이 색이 예뻐요", type=MessageType.OPINION, district="11230",
                                  status=Status.IN_PROGRESS),
        "support": public_message("따릉이 덕분에 출근이 즐거워요", type=MessageType.SUPPORT, district="11140"),
        "private": public_message("따릉이 비밀 쪽지", kind="direct"),
    }


def test_search_finds_support_too_and_the_api_finds_the_same(client, bikes):
    page = client.get(reverse("search"), {"q": "따릉이"}).content.decode()
    expected = {bikes[k].pk for k in ("complaint", "opinion", "support")}
    assert _ids(page) == expected
    api = client.get("/api/v1/messages/", {"q": "따릉이"}).json()
    assert {m["id"] for m in api["results"]} == expected


@pytest.mark.parametrize("chip, value, keys", [
    ("type", "support", {"support"}),
    ("status", "in_progress", {"opinion"}),
    ("district", "11140", {"complaint", "support"}),
])
def test_chips_narrow_and_the_api_agrees(client, bikes, chip, value, keys):
    page = client.get(reverse("search"), {"q": "따릉이"}).content.decode()
    chip_url = re.search(rf'href="(\?[^"]*{chip}={value}[^"]*)"', page).group(1).replace("&amp;", "&")
    narrowed = client.get(reverse("search") + chip_url).content.decode()
    assert _ids(narrowed) == {bikes[k].pk for k in keys}
    assert re.search(rf'href="[^"]*{chip}={value}[^"]*" aria-current="true"', narrowed)
    api = client.get("/api/v1/messages/", {"q": "따릉이", chip: value}).json()
    assert {m["id"] for m in api["results"]} == {bikes[k].pk for k in keys}


def test_the_search_box_on_every_page_goes_to_the_one_search(client, bikes):
    for url in (reverse("home"), reverse("support")):
        assert f'action="{reverse("search")}"' in client.get(url).content.decode()
