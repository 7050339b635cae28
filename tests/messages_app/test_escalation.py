from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from departments.regulation import Regulation, seed_regulation
from messages_app.models import Message, Notice
from messages_app.services import escalation
from messages_app.tasks.escalation import escalate_deadlines
from tests.factories import routed, staff

SEOUL = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def complaint(seeded):
    seed_regulation()
    staff("bus1", "bus-policy")
    staff("bushead", "bus-policy", head=True)
    staff("desk1", "new-media", role="SMC 데스크")
    # Received Thursday 12 Feb 2026, just before Seollal: due Thursday 26 Feb 18:00.
    with time_machine.travel(datetime(2026, 2, 12, 10, 0, tzinfo=SEOUL), tick=False):
        m = routed("bus-policy")
    m.due_at = Regulation().due_at("complaint", m.received_at)
    m.save(update_fields=["due_at"])
    assert m.due_at == datetime(2026, 2, 26, 18, 0, tzinfo=SEOUL)
    return m


def at(*args):
    return time_machine.travel(datetime(*args, tzinfo=SEOUL), tick=False)


def test_reminders_fire_at_their_moment_once_each(complaint):
    steps = {s.key: s.fire_at for s in Regulation().steps("complaint", complaint.received_at, complaint.due_at)}
    # Seollal (16–18 Feb) and the weekends do not count toward half the time: 88 of 176 working
    # hours end on Monday 23 Feb at 02:00, and the reminder waits for the office to open.
    assert steps["half"] == datetime(2026, 2, 23, 9, 0, tzinfo=SEOUL)
    with at(2026, 2, 23, 8, 45):
        escalate_deadlines()
        assert mail.outbox == [] and not Notice.objects.exists()
    with at(2026, 2, 23, 9, 0):
        escalate_deadlines()
        escalate_deadlines()  # the next beat does not send it again
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"bus1@seoul.example", "bushead@seoul.example"}
    assert Message.objects.get(pk=complaint.pk).reminders_sent == ["half"]
    with at(2026, 2, 25, 9, 0):  # the working day before the deadline: the head only
        escalate_deadlines()
    assert mail.outbox[-1].to == ["bushead@seoul.example"]
    assert Notice.objects.filter(step="day-before", heads_only=True).count() == 1
    with at(2026, 2, 26, 17, 59):
        escalate_deadlines()
        assert not Message.objects.get(pk=complaint.pk).is_overdue
    with at(2026, 2, 26, 18, 0):
        escalate_deadlines()
    m = Message.objects.get(pk=complaint.pk)
    assert m.is_overdue and m.reminders_sent == ["half", "day-before", "overdue"]
    assert mail.outbox[-1].to == ["desk1@seoul.example"]
    assert Notice.objects.get(step="overdue").division.is_smc_desk
    assert len(mail.outbox) == 3


def test_a_late_beat_sends_only_the_latest_step(complaint):
    with at(2026, 3, 2, 10, 0):
        result = escalation.run()
    assert result == {"sent": 1, "overdue": 1}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["desk1@seoul.example"]
    assert Message.objects.get(pk=complaint.pk).reminders_sent == ["half", "day-before", "overdue"]


def test_answered_messages_are_left_alone(complaint):
    Message.objects.filter(pk=complaint.pk).update(status="answered")
    with at(2026, 3, 2, 10, 0):
        escalation.run()
    assert mail.outbox == [] and not Message.objects.get(pk=complaint.pk).is_overdue
