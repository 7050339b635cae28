"""broadcast.selectors.public_alerts_matching: the one filter of the public alerts (the API's list)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from broadcast import selectors
from broadcast.models import MsgType
from broadcast.services import workflow

from .factories import FakePlatform, approve, approved, people

pytestmark = pytest.mark.django_db


def test_each_filter_narrows_and_none_given_is_every_public_alert(make_staff, monkeypatch):
    FakePlatform().install(monkeypatch)

    def pks(**filters):  # of the alerts made here (a migration may have stored one before)
        return {a.pk for a in selectors.public_alerts_matching(**filters)} - earlier

    earlier: set[int] = set()
    earlier = pks()
    drafter, approver = people(make_staff)
    gangnam = approved(drafter, approver, districts=["11230"])
    city = approved(drafter, approver, code="heat")
    cancel = approve(workflow.submit(workflow.prepare_followup(city, drafter, MsgType.CANCEL), drafter), approver)
    workflow.create_draft(drafter, headline_ko="초안", headline_en="draft", event_ko="x", event_en="x",
                          description_ko="x", description_en="x")

    assert pks() == {gangnam.pk, city.pk, cancel.pk}  # the draft never
    assert pks(district="11230") == {gangnam.pk, city.pk, cancel.pk}  # whole-city alerts cover it
    assert pks(district="11140") == {city.pk, cancel.pk}
    assert pks(msg_type=MsgType.CANCEL) == {cancel.pk}
    assert pks(in_effect=True) == {gangnam.pk}  # the heat alert is cancelled, a Cancel is never in effect
    assert pks(in_effect=False) == {city.pk, cancel.pk}
    assert pks(in_effect=True, now=gangnam.expires + timedelta(seconds=1)) == set()  # expired by then
    today = timezone.localdate()
    assert pks(since=today, until=today) == pks()
    assert pks(since=today + timedelta(days=1)) == set() and pks(until=today - timedelta(days=1)) == set()
    assert pks(district="11140", msg_type=MsgType.ALERT) == {city.pk}
