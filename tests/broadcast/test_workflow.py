"""Four eyes, roles, no edit after submission, every step recorded."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from broadcast.errors import Code
from broadcast.models import Broadcast, CapStatus, Delivery, MsgType, Step, Template
from broadcast.services import BroadcastError, workflow
from users import roles

from .factories import TOTAL, approve, draft, people, submitted


def test_nobody_approves_their_own_draft_service_refuses_and_records_it(make_staff):
    drafter = make_staff("both", roles.BROADCAST_DRAFTER)
    drafter.groups.add(*type(drafter.groups.first()).objects.filter(name=roles.BROADCAST_APPROVER))
    assert workflow.can_draft(drafter) and workflow.can_approve(drafter)
    broadcast = submitted(drafter)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.OWN_DRAFT):
        approve(broadcast, drafter)
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SUBMITTED and broadcast.approved_by is None
    assert not Delivery.objects.filter(broadcast=broadcast).exists()
    refused = broadcast.steps.get(action=Step.Action.REFUSED)
    assert refused.actor == drafter and "본인이 작성한" in refused.note


def test_the_database_refuses_self_approval_even_without_the_service(make_staff):
    drafter, _ = people(make_staff)
    broadcast = submitted(drafter)
    with pytest.raises(IntegrityError, match="broadcast_four_eyes"), transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(approved_by=drafter, approved_at=timezone.now())


def test_the_database_refuses_an_update_without_reference(make_staff):
    drafter, _ = people(make_staff)
    broadcast = draft(drafter)
    with pytest.raises(IntegrityError, match="broadcast_update_cancel_references"), transaction.atomic():
        Broadcast.objects.filter(pk=broadcast.pk).update(msg_type=MsgType.UPDATE)


def test_roles_drafter_cannot_approve_approver_cannot_draft_desk_drafts(make_staff):
    drafter, approver = people(make_staff)
    other_drafter = make_staff("drafter2", roles.BROADCAST_DRAFTER)
    desk = make_staff("desk", roles.SMC_DESK)
    citizen = make_staff("citizen", roles.CITIZEN)
    assert workflow.can_draft(desk) and not workflow.can_approve(desk)
    assert not workflow.can_draft(approver) and workflow.can_approve(approver)
    assert not workflow.can_draft(citizen) and not workflow.can_approve(citizen)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.FORBIDDEN):
        draft(approver)
    broadcast = submitted(drafter)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.FORBIDDEN):
        approve(broadcast, other_drafter)  # a second person, but not an approver
    approved = approve(broadcast, approver)
    assert approved.state == Broadcast.State.SENDING and approved.approved_by == approver


def test_no_edit_after_submission_and_only_the_drafter_edits(make_staff):
    drafter, approver = people(make_staff)
    other = make_staff("drafter2", roles.BROADCAST_DRAFTER)
    broadcast = draft(drafter)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.FORBIDDEN):
        workflow.edit_draft(broadcast, other, headline_ko="바꿈")
    workflow.edit_draft(broadcast, drafter, headline_ko="대설경보: 오늘 밤 최대 20cm")
    workflow.submit(broadcast, drafter)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.INVALID_STATE):
        workflow.edit_draft(broadcast, drafter, headline_ko="몰래 바꿈")
    broadcast.refresh_from_db()
    assert broadcast.headline_ko == "대설경보: 오늘 밤 최대 20cm"
    # What the approver sees is frozen at submission.
    assert broadcast.x_text.startswith("[긴급] 서울 전역 대설경보: 오늘 밤 최대 20cm")
    assert broadcast.identifier in broadcast.x_text and broadcast.identifier in broadcast.facebook_text


def test_admin_refuses_to_save_a_submitted_broadcast(make_staff, client):
    drafter, _ = people(make_staff)
    broadcast = submitted(drafter)
    client.force_login(drafter)
    url = f"/admin/broadcast/broadcast/{broadcast.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "승인 요청 후에는" not in page.content.decode()
    response = client.post(url, {"headline_ko": "몰래 바꿈"})
    assert response.status_code == 403
    broadcast.refresh_from_db()
    assert broadcast.headline_ko != "몰래 바꿈"


def test_reject_needs_a_reason_and_every_step_is_recorded_with_actor(make_staff):
    drafter, approver = people(make_staff)
    broadcast = submitted(drafter)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.REQUIRED):
        workflow.reject(broadcast, approver, "  ")
    workflow.reject(broadcast, approver, "지역이 틀렸습니다")
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.REJECTED and broadcast.rejection_reason == "지역이 틀렸습니다"
    steps = [(s.action, s.actor) for s in broadcast.steps.all()]
    assert steps == [(Step.Action.DRAFT, drafter), (Step.Action.SUBMIT, drafter), (Step.Action.REJECT, approver)]
    with pytest.raises(BroadcastError):
        approve(broadcast, approver)


def test_templates_are_seeded_for_every_hazard_with_both_languages(seeded):
    names = list(Template.objects.values_list("name", flat=True))
    assert names == ["폭설·제설", "한파", "호우·침수", "태풍", "폭염", "미세먼지", "지진", "대규모 정전",
                     "교통 통제", "훈련"]
    for template in Template.objects.all():
        assert template.headline_ko and template.headline_en and template.description_en
        assert template.category and template.severity and template.urgency and template.certainty
    assert Template.objects.get(code="exercise").is_exercise


def test_exercise_template_starts_an_exercise_and_the_texts_say_so(make_staff):
    drafter, _ = people(make_staff)
    broadcast = submitted(drafter, code="exercise")
    assert broadcast.cap_status == CapStatus.EXERCISE
    assert broadcast.x_text.startswith("[훈련]")
    assert "이 메시지는 훈련입니다" in broadcast.facebook_text


def test_x_preview_fits_the_weighted_limit_with_the_link(make_staff):
    from twitter_text import parse_tweet

    drafter, _ = people(make_staff)
    broadcast = draft(drafter, description_ko="아주 긴 안내문입니다. " * 60)
    preview = workflow.preview(broadcast)
    assert preview["x_weight"] <= 280 and parse_tweet(preview["x"]).valid
    assert preview["x"].endswith(preview["url"]) and "…" in preview["x"]
    assert ("아주 긴 안내문입니다. " * 60).strip() in preview["facebook"]


def test_districts_are_checked_and_all_25_mean_the_whole_city(make_staff):
    from broadcast import areas

    drafter, _ = people(make_staff)
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.INVALID):
        draft(drafter, districts=["99999"])
    assert draft(drafter, districts=list(areas.districts())).districts == []
    assert draft(drafter, districts=["11230", "11010"]).districts == ["11010", "11230"]


def test_expired_draft_cannot_be_submitted(make_staff):
    drafter, _ = people(make_staff)
    broadcast = draft(drafter, expires=timezone.now() - timezone.timedelta(minutes=1))
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.EXPIRED):
        workflow.submit(broadcast, drafter)


def test_demo_staff_get_a_drafter_and_an_approver_and_the_seed_a_past_exercise(seeded, monkeypatch):
    from django.core.management import call_command

    from broadcast import selectors
    from users.models import User

    monkeypatch.setenv("SMC_DEMO_PASSWORD", "demo-pass-2026")
    call_command("create_demo_staff")
    drafter, approver = User.objects.get(username="alert_drafter"), User.objects.get(username="alert_approver")
    assert workflow.can_draft(drafter) and not workflow.can_approve(drafter)
    assert workflow.can_approve(approver) and not workflow.can_draft(approver)
    past = selectors.public_alerts().get()
    assert past.cap_status == CapStatus.EXERCISE and past.state == Broadcast.State.SENT
    assert past.expires < timezone.now() and not selectors.in_effect().exists()
    assert past.deliveries.count() == TOTAL and past.approved_by != past.drafted_by


def test_free_text_is_sanitised_on_draft_edit_and_reject(make_staff):
    """Pasted text loses control, bidi and zero-width characters before it is stored (and posted)."""
    drafter, approver = people(make_staff)
    broadcast = draft(drafter, headline_ko=" 폭설\u202e 주의\u200b\x07 ", description_en="Snow\x00 ahead\r\nstay in")
    assert broadcast.headline_ko == "폭설 주의" and broadcast.description_en == "Snow ahead\nstay in"
    broadcast = workflow.edit_draft(broadcast, drafter, instruction_ko="대중교통\u2066을\u2069 이용\x1b하세요")
    assert broadcast.instruction_ko == "대중교통을 이용하세요"
    submitted_ = workflow.submit(broadcast, drafter)
    assert "\u202e" not in submitted_.x_text and "\x07" not in submitted_.facebook_text
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.REQUIRED):
        workflow.reject(submitted_, approver, "\u200b\u200e ")  # only invisible characters: no reason
    workflow.reject(submitted_, approver, "지역\u202e이 틀렸습니다\x00")
    submitted_.refresh_from_db()
    assert submitted_.rejection_reason == "지역이 틀렸습니다"
    assert submitted_.steps.get(action=Step.Action.REJECT).note == "지역이 틀렸습니다"


def test_broadcast_errors_are_application_errors():
    from core.errors import ApplicationError

    with pytest.raises(BroadcastError) as refused:
        workflow.prepare_followup(None, None, "Alert")  # type: ignore[arg-type]  # refused before anything is read
    error = refused.value
    assert isinstance(error, ApplicationError) and error.code == Code.INVALID
    # One language at a time: the record keeps the Korean, the English is in locale/en.
    assert error.message_ko == "정정(Update) 또는 취소(Cancel)만 만들 수 있습니다."
    assert error.message_en == "Only an Update or a Cancel can be made."


def test_admin_steps_change_state_only_by_post(make_staff, client):
    """A GET of a step's address (a reload, a pasted link) goes back to the page; a POST does the step;
    people without a broadcast role get 403 either way."""
    drafter, _ = people(make_staff)
    broadcast = draft(drafter)
    submit_url = f"/admin/broadcast/broadcast/{broadcast.pk}/submit/"
    client.force_login(make_staff("bus", roles.DIVISION_STAFF, "bus-policy"))
    assert client.get(submit_url).status_code == 403 and client.post(submit_url).status_code == 403
    client.force_login(drafter)
    response = client.get(submit_url)
    assert response.status_code == 302 and response["Location"].endswith(f"/{broadcast.pk}/change/")
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.DRAFT
    assert client.post(submit_url).status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SUBMITTED
