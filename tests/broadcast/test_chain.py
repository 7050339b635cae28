"""Issue 25.1: one chain per incident. Update → Update → Cancel, each started from a different page of
the chain (the staff page's buttons), always follows the chain's head; after every step the API's
`in_effect`, the portal banner, the Atom feed, CAP `references` and the alert pages agree."""

import re

import feedparser
import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from lxml import etree

from broadcast import banner, selectors
from broadcast.models import Broadcast, MsgType
from broadcast.services import workflow

from .factories import FakePlatform, approve, approved, deliver_all, people
from .test_public import NS, XSD

# Which earlier message of the chain each of the three follow-ups is started from (0 = the first Alert).
WALKS = {
    "always from the first alert": (0, 0, 0),
    "always from the newest": (0, 1, 2),
    "from the middle": (0, 0, 1),
}


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


def start_followup(client, start: Broadcast, msg_type: str) -> Broadcast:
    """The drafter presses 정정/취소 on `start`'s staff page; the new draft's page opens."""
    step = "update" if msg_type == MsgType.UPDATE else "cancel"
    response = client.post(f"/admin/broadcast/broadcast/{start.pk}/{step}/")
    assert response.status_code == 302
    pk = int(re.search(r"/broadcast/(\d+)/change/", response["Location"]).group(1))
    assert pk != start.pk, "the follow-up was refused"
    return Broadcast.objects.get(pk=pk)


def api_in_effect(client) -> list[str]:
    return [a["identifier"] for a in client.get("/api/v1/alerts/?in_effect=true").json()["results"]]


def cap_references(client, broadcast) -> list[str]:
    doc = etree.fromstring(client.get(f"/alerts/{broadcast.identifier}/cap.xml").content)
    XSD.assertValid(doc)
    text = doc.findtext("cap:references", namespaces=NS) or ""
    return [ref.split(",")[1] for ref in text.split()]


@pytest.mark.parametrize("walk", WALKS.values(), ids=WALKS.keys())
def test_update_update_cancel_from_any_page_keeps_one_chain(make_staff, platform, walk):
    drafter, approver = people(make_staff)
    staff, public = Client(), Client()
    staff.force_login(drafter)
    chain = [approved(drafter, approver, districts=["11230", "11010"])]
    deliver_all(chain[0])
    for number, (start, msg_type) in enumerate(zip(walk, [MsgType.UPDATE, MsgType.UPDATE, MsgType.CANCEL],
                                                   strict=True), start=1):
        followup = start_followup(staff, chain[start], msg_type)
        assert followup.references_id == chain[-1].pk, "follows the head, wherever it was started"
        if msg_type == MsgType.UPDATE:
            followup = workflow.edit_draft(followup, drafter, headline_ko=f"대설경보 정정 {number}",
                                           headline_en=f"Snow update {number}")
        approve(workflow.submit(followup, drafter), approver)
        deliver_all(followup)
        chain.append(Broadcast.objects.get(pk=followup.pk))
        head = chain[-1]
        banner.invalidate()  # what the approval's on_commit does

        # CAP: every earlier message of the chain, oldest first.
        assert cap_references(public, head) == [b.identifier for b in chain[:-1]]
        # API and banner: only the head, and nothing once cancelled.
        page = public.get("/").content.decode()
        if head.msg_type == MsgType.CANCEL:
            assert api_in_effect(public) == []
            assert 'class="alert-banner"' not in page
        else:
            assert api_in_effect(public) == [head.identifier]
            assert head.headline_ko in page
            for earlier in chain[:-1]:
                assert f"/alerts/{earlier.identifier}/" not in page
        # Atom: every message, the head first.
        feed = feedparser.parse(public.get("/alerts/feed.atom").content)
        assert not feed.bozo
        ids = [e.id.rsplit("/", 2)[-2] for e in feed.entries]
        assert ids[:len(chain)] == [b.identifier for b in reversed(chain)]
        # Every alert page shows the whole chain, in order.
        for message in chain:
            html = public.get(f"/alerts/{message.identifier}/").content.decode()
            listing = html.split('class="alert-chain"', 1)[1].split("</nav>", 1)[0]
            positions = [listing.index(f"/alerts/{b.identifier}/") for b in chain if b != message]
            assert positions == sorted(positions) and len(positions) == len(chain) - 1
            assert 'aria-current="page"' in listing
            superseded = "이 안내는 이후 안내로 바뀌었습니다" in html
            assert superseded == (message != head)
    assert [b.msg_type for b in chain] == ["Alert", "Update", "Update", "Cancel"]
    # Nothing further can start from any page of a cancelled chain.
    for message in chain:
        response = staff.post(f"/admin/broadcast/broadcast/{message.pk}/update/")
        assert response["Location"].endswith(f"/{message.pk}/change/")
    assert Broadcast.objects.count() == 4 + 1  # the seed's past exercise


def test_the_database_refuses_a_second_successor(make_staff, platform):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    first = approve(workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter),
                             approver)
    second = workflow.submit(workflow.prepare_followup(first, drafter, MsgType.UPDATE), drafter)
    with pytest.raises(IntegrityError, match="broadcast_one_successor"), transaction.atomic():
        Broadcast.objects.filter(pk=second.pk).update(references=alert, state=Broadcast.State.SENDING,
                                                      approved_by=approver, approved_at=timezone.now())


def test_staff_page_shows_the_chain_and_starts_from_the_head(make_staff, platform, client):
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    update = approve(workflow.submit(workflow.prepare_followup(alert, drafter, MsgType.UPDATE), drafter),
                              approver)
    client.force_login(drafter)
    html = client.get(f"/admin/broadcast/broadcast/{alert.pk}/change/").content.decode()
    assert update.identifier in html and "최신 안내" in html
    assert selectors.chain_of(alert) == [alert, update] == selectors.chain_of(update)
