import pytest

from messages_app.errors import Code
from messages_app.models import Answer, AuditEntry, LabelCorrection, Message, Status, StatusChange
from messages_app.services import handling
from messages_app.services.workflow import InvalidTransition, transition
from tests.factories import division, routed, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def bus_staff(seeded):
    return staff("bus1", "bus-policy")


def test_invalid_transition_is_refused_in_korean_and_records_nothing(seeded):
    m = routed("bus-policy", status="received")
    with pytest.raises(InvalidTransition, match="'접수' 상태에서 '답변 완료' 상태로 바꿀 수 없습니다"):
        transition(m, Status.ANSWERED)
    assert not StatusChange.objects.filter(message=m).exists()


def test_transition_records_who_when_from_to_note(bus_staff):
    m = routed("bus-policy")
    change = transition(m, Status.IN_PROGRESS, actor=bus_staff, note="현장 확인 중")
    assert (change.from_status, change.to_status, change.actor, change.note) == (
        "assigned", "in_progress", bus_staff, "현장 확인 중")
    assert change.created_at is not None and change.is_public


def test_transfer_with_reason_both_divisions_see_history(bus_staff):
    m = routed("bus-policy")
    transition(m, Status.IN_PROGRESS, actor=bus_staff)
    handling.transfer(m, division("road-management").pk, actor=bus_staff, reason="정류장 제설은 도로관리과 소관")
    m.refresh_from_db()
    assert m.division == division("road-management") and m.status == Status.ASSIGNED
    rows = list(StatusChange.objects.filter(message=m))
    assert rows[-1].division == division("road-management") and "도로관리과 소관" in rows[-1].note
    assert not rows[-1].is_public  # the internal reason stays off the public timeline
    assert rows[0].division == division("bus-policy")
    assert AuditEntry.objects.filter(message=m, action="transfer", allowed=True, actor=bus_staff).exists()


@pytest.mark.parametrize(("reason", "code"), [("", Code.REQUIRED), ("   ", Code.REQUIRED), (None, Code.REQUIRED),
                                            ("x" * 501, Code.TOO_LONG), ("\x00\u202e\x7f\u200b ", Code.REQUIRED)])
def test_transfer_needs_a_clean_reason(bus_staff, reason, code):
    m = routed("bus-policy")
    with pytest.raises(handling.HandlingError) as refused:
        handling.transfer(m, division("parking").pk, actor=bus_staff, reason=reason)
    assert refused.value.code == code
    m.refresh_from_db()
    assert m.division == division("bus-policy") and not StatusChange.objects.filter(message=m).exists()


@pytest.mark.parametrize(("target", "code"), [("bus-policy", Code.ALREADY_THERE), (999999, Code.NOT_FOUND),
                                            ("abc", Code.NOT_FOUND), (None, Code.NOT_FOUND)])
def test_transfer_to_oneself_or_a_missing_division_is_refused(bus_staff, target, code):
    m = routed("bus-policy")
    to = division(target).pk if target == "bus-policy" else target
    with pytest.raises(handling.HandlingError) as refused:
        handling.transfer(m, to, actor=bus_staff, reason="사유")
    assert refused.value.code == code
    assert Message.objects.get(pk=m.pk).division == division("bus-policy")


def test_reclassify_keeps_a_label_and_moves_the_deadline(bus_staff):
    from departments.regulation import seed_regulation
    seed_regulation()
    m = routed("bus-policy", type="support", topic="other")
    handling.reclassify(m, actor=bus_staff, type="complaint", topic="transport")
    m.refresh_from_db()
    assert (m.type, m.topic, m.needs_triage) == ("complaint", "transport", False)
    assert m.due_at is not None
    c = LabelCorrection.objects.get(message=m)
    assert (c.type, c.topic, c.corrected_by, c.text) == ("complaint", "transport", bus_staff, m.text)


@pytest.mark.parametrize(("labels", "code"), [({"type": "angry"}, Code.INVALID), ({"topic": "sports"}, Code.INVALID),
                                            ({}, Code.REQUIRED)])
def test_unknown_labels_are_refused(bus_staff, labels, code):
    m = routed("bus-policy")
    with pytest.raises(handling.HandlingError) as refused:
        handling.reclassify(m, actor=bus_staff, **labels)
    assert refused.value.code == code
    assert not LabelCorrection.objects.exists()


def test_answer_moves_to_answered_and_a_second_answer_is_refused(bus_staff):
    m = routed("bus-policy")
    other = staff("bus2", "bus-policy")
    handling.answer(m, actor=bus_staff, text="배차 간격을 조정하겠습니다.")
    assert Message.objects.get(pk=m.pk).status == Status.ANSWERED
    with pytest.raises(handling.AlreadyAnswered):
        handling.answer(m, actor=other, text="다른 답변")
    assert Answer.objects.get(message=m).author == bus_staff


@pytest.mark.parametrize(("text", "code"), [("", Code.REQUIRED), ("  \n ", Code.REQUIRED),
                                          ("가" * 100_000, Code.TOO_LONG), ("\x07\u202e\u200b", Code.REQUIRED)])
def test_bad_answers_save_nothing(bus_staff, text, code):
    m = routed("bus-policy")
    with pytest.raises(handling.HandlingError) as refused:
        handling.answer(m, actor=bus_staff, text=text)
    assert refused.value.code == code
    assert not Answer.objects.filter(message=m).exists()
    assert Message.objects.get(pk=m.pk).status == Status.ASSIGNED


def test_bulk_actions_are_all_or_nothing(bus_staff):
    ok = routed("bus-policy")
    closed = routed("bus-policy", status="closed")
    with pytest.raises(InvalidTransition):
        handling.bulk_assign([ok, closed], division("parking").pk, actor=bus_staff, reason="주차 문제")
    assert Message.objects.get(pk=ok.pk).division == division("bus-policy")
    assert handling.bulk_spam([ok], actor=bus_staff) == 1
    assert Message.objects.get(pk=ok.pk).status == Status.SPAM
    assert not StatusChange.objects.get(message=ok, to_status="spam").is_public
