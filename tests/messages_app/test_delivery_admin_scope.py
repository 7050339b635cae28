"""Division staff see the phone complaints and reply deliveries of their own divisions only."""

import pytest
from django.utils import timezone

from accounts.models import Account
from departments.models import Division
from messages_app.models import Answer, Message, Outbox, Status
from outbound.models import Posting
from users import roles


def _phone(text, division_code):
    return Message.objects.create(
        platform="phone", external_id=f"phone-{text}", kind="phone", text=text, posted_at=timezone.now(),
        status=Status.ASSIGNED, division=Division.objects.get(code=division_code), is_private=True)


def _delivery(message, author, text):
    answer = Answer.objects.create(message=message, division=message.division, author=author, text=text)
    return Outbox.objects.create(answer=answer, posting=Posting.objects.create(
        kind="answer", account=Account.objects.get(platform="x", handle="seoulmania"),
        reply_to=message.external_id, text=text))


@pytest.fixture
def two_divisions(make_staff):
    bus_staff = make_staff("bus", roles.DIVISION_STAFF, "bus-policy")
    housing_staff = make_staff("housing", roles.DIVISION_STAFF, "housing-policy")
    desk = make_staff("desk", roles.SMC_DESK)
    bus_call = _phone("버스-배차-간격-민원-전화", "bus-policy")
    housing_call = _phone("전세-사기-상담-전화", "housing-policy")
    _delivery(bus_call, bus_staff, "버스 답변 게시본")
    _delivery(housing_call, housing_staff, "주택 답변 게시본")
    return bus_staff, housing_staff, desk


def test_staff_see_only_their_divisions_phone_complaints(client, two_divisions):
    bus_staff, _, desk = two_divisions
    client.force_login(bus_staff)
    html = client.get("/admin/messages_app/phonecomplaint/").content.decode()
    assert "버스-배차-간격-민원-전화" in html
    assert "전세-사기-상담-전화" not in html
    client.force_login(desk)
    html = client.get("/admin/messages_app/phonecomplaint/").content.decode()
    assert "버스-배차-간격-민원-전화" in html and "전세-사기-상담-전화" in html


def test_staff_see_only_their_divisions_deliveries(client, two_divisions):
    bus_staff, housing_staff, desk = two_divisions
    client.force_login(housing_staff)
    html = client.get("/admin/messages_app/outbox/").content.decode()
    assert "주택 답변 게시본" in html and "버스 답변 게시본" not in html
    other = Outbox.objects.get(posting__text="버스 답변 게시본")
    assert client.get(f"/admin/messages_app/outbox/{other.pk}/change/").status_code in (302, 404)
    client.force_login(desk)
    html = client.get("/admin/messages_app/outbox/").content.decode()
    assert "주택 답변 게시본" in html and "버스 답변 게시본" in html


def test_division_staff_may_record_a_phone_complaint(client, two_divisions):
    bus_staff, _, _ = two_divisions
    client.force_login(bus_staff)
    assert client.get("/admin/messages_app/phonecomplaint/add/").status_code == 200
