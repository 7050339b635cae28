"""Phone/visit complaints and web questions enter through the same pipeline, with the same dedupe."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messages_app.errors import Code
from messages_app.models import AuditEntry, Message, Outbox, PhoneComplaint
from messages_app.services import intake
from users.models import User

from .ingest_fakes import install_classifier_model


@pytest.fixture
def staff(seeded):
    install_classifier_model()
    return User.objects.create_superuser("desk", password="pw-desk-1234")


def test_phone_complaint_becomes_a_routed_private_message(staff):
    message = intake.record_phone_complaint(staff, "집 앞 가로등이 꺼졌어요\x00", caller_name="김민수",
                                            caller_contact="010-1234-5678", channel="visit")
    assert message.platform == "phone" and message.kind == "phone" and message.account_id is None
    assert message.text == "집 앞 가로등이 꺼졌어요" and message.is_private
    assert message.division_id is not None and message.history.exists()  # through the pipeline
    assert "010-1234-5678" not in message.text and message.raw["caller_contact"] == "010-1234-5678"
    assert AuditEntry.objects.filter(actor=staff, action="phone_intake", message=message).exists()


def test_phone_reference_dedupes_double_entry(staff):
    first = intake.record_phone_complaint(staff, "버스 배차 간격", reference="2026-0001", publish=True)
    second = intake.record_phone_complaint(staff, "버스 배차 간격", reference="2026-0001")
    assert first.pk == second.pk and Message.objects.filter(platform="phone").count() == 1
    assert not first.is_private


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"text": "   "}, Code.REQUIRED), ({"text": "내용", "channel": "fax"}, Code.INVALID),
    ({"text": "내용", "received_at": timezone.now() + timezone.timedelta(days=1)}, Code.IN_FUTURE)])
def test_phone_refuses_bad_input(staff, kwargs, code):
    text = kwargs.pop("text")
    with pytest.raises(intake.IntakeError) as refused:
        intake.record_phone_complaint(staff, text, **kwargs)
    assert refused.value.code == code
    assert not Message.objects.exists()


def test_web_question_is_a_public_message_of_the_citizen(staff):
    citizen = User.objects.create_user("citizen1", password="x")
    message = intake.submit_web_question(citizen, "청년 월세 지원 신청 기간이 궁금합니다")
    assert message.platform == "web" and message.citizen_id == citizen.pk and not message.is_private
    assert message.division_id is not None
    assert not Outbox.objects.exists()


def test_web_resubmit_with_same_token_is_stored_once(staff):
    citizen = User.objects.create_user("citizen2", password="x")
    a = intake.submit_web_question(citizen, "질문", client_token="tok-1")
    b = intake.submit_web_question(citizen, "질문", client_token="tok-1")
    other = User.objects.create_user("citizen3", password="x")
    c = intake.submit_web_question(other, "질문", client_token="tok-1")
    assert a.pk == b.pk and c.pk != a.pk


def test_staff_form_records_a_phone_complaint(client, staff):
    client.force_login(staff)
    received = timezone.localtime() - timedelta(hours=1)  # a fixed 09:00 today is in the future before 9 a.m.
    response = client.post("/admin/messages_app/phonecomplaint/add/", {
        "channel": "phone", "text": "공원 화장실이 잠겨 있어요", "author_name": "이영희",
        "posted_at_0": received.strftime("%Y-%m-%d"), "posted_at_1": received.strftime("%H:%M:%S"),
        "caller_contact": "02-123-4567", "reference": "", "publish": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    message = PhoneComplaint.objects.get(platform="phone")
    assert message.text == "공원 화장실이 잠겨 있어요" and message.author_name == "이영희"
    assert client.get("/admin/messages_app/phonecomplaint/").status_code == 200


def test_outbox_admin_shows_state_and_error_and_retries(client, staff, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    from accounts.connectors.base import Batch
    from accounts.models import Account
    from messages_app.services import ingest, publishing
    from outbound import services as outbound
    from outbound.models import Posting

    from .ingest_fakes import make_item

    queued = []
    monkeypatch.setattr(outbound, "queue", lambda ids, countdown=None: queued.extend(ids))
    account = Account.objects.filter(platform="x", status="active").first()
    [pk] = ingest.ingest_batch(account, Batch(items=[make_item("x", 1)], next_cursor="c"))
    answer = publishing.create_answer(Message.objects.get(pk=pk), staff, "답변", account.owner_division)
    row = answer.deliveries.get()
    Posting.objects.filter(pk=row.posting_id).update(state=Posting.State.FAILED,
                                                     last_error="게시 실패 (failed: 403 duplicate content)")
    client.force_login(staff)
    page = client.get("/admin/messages_app/outbox/").content.decode()
    assert "실패" in page and "403 duplicate content" in page
    assert client.get(f"/admin/messages_app/outbox/{row.pk}/change/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/messages_app/outbox/", {"action": "retry", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.posting.refresh_from_db()
    assert row.posting.state == Posting.State.RETRYING and row.posting_id in queued
