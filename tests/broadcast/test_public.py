"""Public side: CAP 1.2 valid against the OASIS XSD, the Atom feed, the alert pages, and the banner on
every portal page, including a page served from the anonymous whole-page cache."""

import re
from pathlib import Path

import feedparser
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from lxml import etree

from broadcast import banner
from broadcast.models import Broadcast, CapStatus, MsgType
from broadcast.services import workflow
from users import roles

from .factories import FakePlatform, approve, approved, deliver_all, people

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "schema" / "CAP-v1.2.xsd")))
BANNER = 'class="alert-banner"'
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


@pytest.fixture
def chain(make_staff, platform):
    """A sent Alert for two districts, its Update and its Cancel."""
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver, districts=["11230", "11010"])
    deliver_all(alert)
    update = workflow.prepare_followup(alert, drafter, MsgType.UPDATE)
    approve(workflow.submit(update, drafter), approver)
    cancel = workflow.prepare_followup(update, drafter, MsgType.CANCEL)
    approve(workflow.submit(cancel, drafter), approver)
    return alert, Broadcast.objects.get(pk=update.pk), Broadcast.objects.get(pk=cancel.pk)


def cap_of(client, broadcast):
    response = client.get(f"/alerts/{broadcast.identifier}/cap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    doc = etree.fromstring(response.content)
    XSD.assertValid(doc)
    return doc


def test_cap_alert_update_cancel_are_valid_and_complete(client, chain):
    alert, update, cancel = chain
    for broadcast, msg_type in ((alert, "Alert"), (update, "Update"), (cancel, "Cancel")):
        doc = cap_of(client, broadcast)
        assert doc.findtext("cap:identifier", namespaces=NS) == broadcast.identifier
        assert doc.findtext("cap:msgType", namespaces=NS) == msg_type
        assert doc.findtext("cap:status", namespaces=NS) == "Actual"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", doc.findtext("cap:sent", namespaces=NS))
        infos = doc.findall("cap:info", NS)
        assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["ko-KR", "en-US"]
        ko, en = infos
        assert ko.findtext("cap:headline", namespaces=NS) == f"강남구·종로구 {broadcast.headline_ko}"
        assert en.findtext("cap:headline", namespaces=NS) == f"Gangnam-gu, Jongno-gu: {broadcast.headline_en}"
        assert ko.findtext("cap:area/cap:areaDesc", namespaces=NS) == "강남구, 종로구"
        assert en.findtext("cap:area/cap:areaDesc", namespaces=NS) == "Gangnam-gu, Jongno-gu"
        # CAP's senderName belongs to each info block: the city's name in that block's language.
        assert ko.findtext("cap:senderName", namespaces=NS) == "서울특별시 소셜미디어센터"
        assert en.findtext("cap:senderName", namespaces=NS) == "Seoul Metropolitan Government, Social Media Center"
        codes = [g.findtext("cap:value", namespaces=NS) for g in ko.findall("cap:area/cap:geocode", NS)]
        assert codes == ["11230", "11010"]
        polygons = [p.text.split() for p in ko.findall("cap:area/cap:polygon", NS)]
        assert len(polygons) == 2 and all(p[0] == p[-1] and len(p) >= 4 for p in polygons)
        lat, lon = map(float, polygons[0][0].split(","))
        assert 37.4 < lat < 37.7 and 126.8 < lon < 127.2  # lat,lon order, inside Seoul
    assert doc_references(client, alert) is None
    assert doc_references(client, update) == [f"smc@seoul.go.kr,{alert.identifier},"]
    assert doc_references(client, cancel) == [f"smc@seoul.go.kr,{alert.identifier},",
                                              f"smc@seoul.go.kr,{update.identifier},"]


def doc_references(client, broadcast):
    text = cap_of(client, broadcast).findtext("cap:references", namespaces=NS)
    if text is None:
        return None
    refs = [ref.rsplit(",", 1) for ref in text.split()]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", sent) for _, sent in refs)
    return [f"{head}," for head, _ in refs]


def test_cap_of_an_exercise_for_the_whole_city(client, make_staff, platform):
    drafter, approver = people(make_staff)
    exercise = approved(drafter, approver, code="exercise")
    doc = cap_of(client, exercise)
    assert doc.findtext("cap:status", namespaces=NS) == "Exercise"
    assert "훈련" in doc.findtext("cap:note", namespaces=NS)
    assert doc.find("cap:info/cap:headline", NS).text.startswith("[훈련]")
    area = doc.find("cap:info/cap:area", NS)
    assert area.findtext("cap:areaDesc", namespaces=NS) == "서울특별시 전역"
    assert len(area.findall("cap:geocode", NS)) == 1 and len(area.findall("cap:polygon", NS)) == 1  # the city's


def test_atom_feed_parses_and_links_each_cap_document(client, chain):
    response = client.get("/alerts/feed.atom")
    assert response.status_code == 200 and "atom" in response["Content-Type"]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 4 and "[훈련]" in feed.entries[3].title  # the seeded past exercise
    for entry, broadcast in zip(feed.entries[:3], reversed(chain), strict=True):
        cap_links = [link.href for link in entry.links if link.type == "application/cap+xml"]
        assert cap_links == [f"http://127.0.0.1:8000/alerts/{broadcast.identifier}/cap.xml"]
        assert broadcast.headline_ko in entry.title
        assert client.get(cap_links[0].replace("http://127.0.0.1:8000", "")).status_code == 200


def test_alert_pages_korean_first_english_by_the_switcher(client, chain):
    alert, update, _ = chain
    listing = client.get("/alerts/").content.decode()
    assert alert.headline_ko in listing and update.identifier in listing
    page = client.get(f"/alerts/{alert.identifier}/").content.decode()
    assert alert.headline_ko in page and "행동 요령" in page and "종로구" in page
    assert update.identifier in page  # the later messages are linked
    client.cookies["django_language"] = "en"
    page = client.get(f"/alerts/{alert.identifier}/").content.decode()
    assert alert.headline_en in page and "What to do" in page and "Jongno-gu" in page
    assert client.get("/alerts/SMC-NOPE/").status_code == 404


def test_drafts_and_submitted_broadcasts_are_not_public(client, make_staff):
    drafter, _ = people(make_staff)
    draft = workflow.create_draft(drafter, headline_ko="비공개 초안", headline_en="x", event_ko="x", event_en="x",
                                  description_ko="x", description_en="x")
    assert client.get(f"/alerts/{draft.identifier}/").status_code == 404
    assert client.get(f"/alerts/{draft.identifier}/cap.xml").status_code == 404
    assert "비공개 초안" not in client.get("/alerts/").content.decode()


def test_banner_reaches_a_cached_page_at_once_and_leaves_on_cancel_and_expiry(client, make_staff, platform,
                                                                              settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 300
    drafter, approver = people(make_staff)
    first = client.get("/")
    assert first.status_code == 200 and BANNER not in first.content.decode()
    assert cache.keys("portal:page:feed:*:anon:*"), "the feed is now cached for anonymous visitors"

    alert = approved(drafter, approver)
    banner.invalidate()  # what the approval's on_commit does (the test transaction never commits)
    cached_html = cache.get(cache.keys("portal:page:feed:*:anon:*")[0])[2].decode()  # (generations, token, page, facts)
    assert BANNER not in cached_html and banner.PLACEHOLDER in cached_html  # the cached copy is unchanged…
    page = client.get("/").content.decode()
    assert BANNER in page and alert.headline_ko in page  # …and the banner is there all the same
    assert f"/alerts/{alert.identifier}/" in page
    client.cookies["django_language"] = "en"
    assert alert.headline_en in client.get("/support/").content.decode()
    del client.cookies["django_language"]
    assert alert.headline_ko in client.get("/accounts/").content.decode()  # every portal page
    # Logged-in citizens share a "member" copy with their parts patched in: the banner reaches it too.
    citizen = make_staff("citizen", roles.CITIZEN)
    member = Client()
    member.force_login(citizen)
    assert alert.headline_ko in member.get("/").content.decode()  # rendered, and stored as the member copy
    member_copy = cache.get(cache.keys("portal:page:feed:*:member:*")[0])[2].decode()
    assert BANNER not in member_copy and banner.PLACEHOLDER in member_copy
    assert alert.headline_ko in member.get("/").content.decode()  # served from that copy

    # Expiry: the banner fragment is kept at most a few seconds.
    assert 0 < cache.ttl("broadcast:banner:ko") <= banner.BANNER_SECONDS
    Broadcast.objects.filter(pk=alert.pk).update(expires=timezone.now())
    banner.invalidate()  # = the few seconds have passed
    assert BANNER not in client.get("/").content.decode()

    Broadcast.objects.filter(pk=alert.pk).update(expires=timezone.now() + timezone.timedelta(hours=1))
    banner.invalidate()
    assert BANNER in client.get("/").content.decode()
    cancel = workflow.prepare_followup(alert, drafter, MsgType.CANCEL)
    approve(workflow.submit(cancel, drafter), approver)
    banner.invalidate()
    assert BANNER not in client.get("/").content.decode()


def test_approval_drops_the_banner_cache_when_it_commits(make_staff, platform, django_capture_on_commit_callbacks):
    drafter, approver = people(make_staff)
    assert banner.render("ko") == ""
    assert cache.get("broadcast:banner:ko") == ""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        broadcast = workflow.submit(workflow.create_draft(drafter, template=None, cap_status="Actual",
                                                          headline_ko="한파경보",
                                                          headline_en="Cold", event_ko="한파", event_en="Cold",
                                                          description_ko="추워요", description_en="Cold"), drafter)
        approve(broadcast, approver)
    banner_callbacks = [c for c in callbacks if getattr(c, "__module__", "") == "broadcast.banner"]
    assert banner_callbacks
    for callback in banner_callbacks:
        callback()
    assert cache.get("broadcast:banner:ko") is None
    assert "한파경보" in banner.render("ko")


def test_exercise_banner_is_marked(client, make_staff, platform):
    drafter, approver = people(make_staff)
    approved(drafter, approver, cap_status=CapStatus.EXERCISE)
    banner.invalidate()
    page = client.get("/").content.decode()
    assert "badge-exercise" in page and "훈련" in page


def test_cap_of_pasted_control_characters_is_valid(client, make_staff, platform):
    """A drafter's text with characters XML cannot hold still gives a valid CAP document."""
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver, headline_ko="한파\x0b 경보\u202e", description_ko="외출\x01 자제\ufeff")
    doc = cap_of(client, alert)
    assert doc.findtext("cap:info/cap:headline", namespaces=NS) == "서울 전역 한파 경보"
    assert doc.findtext("cap:info/cap:description", namespaces=NS) == "외출 자제"
