"""The page cache keeps one copy per page as it is read, not per query string: parameters a page does
not read, their order and their spelling make no new copy (and no new render), while the Host does,
since the page links to itself with it (issues 22.9, 22.10)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import public_message

TEXT = "따릉이 대여소 자전거가 모두 고장났어요"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 30
    settings.ALLOWED_HOSTS = ["testserver", "smc.seoul.example", "mirror.example"]


def _copies(name="*") -> list:
    return cache.keys(f"portal:page:{name}:*")


def test_unread_query_parameters_neither_render_nor_store_a_copy(seeded, django_assert_num_queries):
    message = public_message(TEXT)
    anonymous = Client()
    for url in ("/", reverse("message", args=[message.pk])):
        assert TEXT in anonymous.get(url).content.decode()
    stored = sorted(_copies())
    assert len(stored) == 2
    with django_assert_num_queries(0):
        for n in range(60):
            for url in (f"/?x={n}", f"/?utm_source=n{n}&page=1", f"/?page=0{n % 2 or ''}",
                        reverse("message", args=[message.pk]) + f"?x={n}&fbclid={n}"):
                response = anonymous.get(url)
                assert response.status_code == 200 and TEXT in response.content.decode(), url
    assert sorted(_copies()) == stored


def test_the_same_filters_in_any_order_or_spelling_share_one_copy(seeded, django_assert_num_queries):
    public_message(TEXT, topic="transport")
    anonymous = Client()
    assert TEXT in anonymous.get("/?topic=transport&answered=no").content.decode()
    assert len(_copies("feed")) == 1
    with django_assert_num_queries(0):
        for url in ("/?answered=no&topic=transport", "/?topic=transport&answered=no&x=1",
                    "/?topic=transport&answered=no&account=&division=&page=1"):
            assert TEXT in anonymous.get(url).content.decode(), url
    assert len(_copies("feed")) == 1


def test_the_page_links_carry_only_what_the_page_reads(seeded):
    for n in range(25):
        public_message(f"{TEXT} {n}", topic="transport")
    page = Client().get("/?topic=transport&evil=%3Cscript%3E&ref=spam").content.decode()
    assert "evil" not in page and "ref=spam" not in page
    assert "?topic=transport&amp;page=2" in page


def test_what_cannot_be_normalised_is_rendered_but_not_kept(seeded):
    public_message(TEXT)
    anonymous = Client()
    for n in range(20):
        assert anonymous.get(f"/?topic=bogus{n}").status_code == 200  # an invalid filter: shown with its error
        assert anonymous.get(f"/?page={1000 + n}").status_code == 200  # the last page, beyond the kept ones
    assert _copies() == []


def test_a_message_page_keeps_the_share_link_of_the_host_it_is_read_on(seeded):
    message = public_message(TEXT)
    url = reverse("message", args=[message.pk])
    first = Client().get(url, HTTP_HOST="mirror.example").content.decode()
    second = Client().get(url, HTTP_HOST="smc.seoul.example").content.decode()
    assert f"http://mirror.example{url}" in first
    assert f"http://smc.seoul.example{url}" in second and "mirror.example" not in second
    assert len(_copies("message")) == 2


def test_a_copy_rendered_under_other_masking_rules_is_not_served(seeded, monkeypatch):
    """A deploy that changes the masking must not serve copies that show what the new rules hide."""
    from portal import pagecache

    message = public_message(TEXT)
    url = reverse("message", args=[message.pk])
    Client().get(url)
    before = set(_copies())
    monkeypatch.setattr(pagecache, "masking_fingerprint", lambda: "other-rules")
    assert TEXT in Client().get(url).content.decode()
    assert len(set(_copies()) - before) == 1
