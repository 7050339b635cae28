from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from departments.models import AnswerPolicy, ProcessingRule
from departments.regulation import Regulation, seed_regulation

SEOUL = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db


@pytest.fixture
def regulation(db):
    seed_regulation()
    return Regulation()


def test_defaults_per_type(regulation):
    assert regulation.rule_for("complaint").answer_policy == AnswerPolicy.REQUIRED
    assert regulation.rule_for("complaint").deadline_working_days == 7
    assert regulation.rule_for("opinion").answer_policy == AnswerPolicy.OPTIONAL
    assert regulation.rule_for("support").answer_policy == AnswerPolicy.NONE
    received = datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL)
    assert regulation.due_at("support", received) is None
    assert regulation.due_at("opinion", received) is None
    # unclassified messages get the strictest deadline
    assert regulation.due_at("", received) == regulation.due_at("complaint", received)


def test_complaint_steps_half_time_day_before_and_overdue(regulation):
    received = datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL)  # Tuesday
    due = regulation.due_at("complaint", received)
    assert due == datetime(2026, 3, 12, 18, 0, tzinfo=SEOUL)  # Thursday, 7 working days later
    steps = {s.key: s for s in regulation.steps("complaint", received, due)}
    assert [s.recipient for s in regulation.steps("complaint", received, due)] == ["division", "head", "desk"]
    # Tue 10:00 → Thu 18:00 next week is 176 h of working time (the weekend counts nothing);
    # half of it, 88 h, ends on Monday 9 March at 02:00; reminders wait for office hours.
    assert steps["half"].fire_at == datetime(2026, 3, 9, 9, 0, tzinfo=SEOUL)
    assert steps["day-before"].fire_at == datetime(2026, 3, 11, 9, 0, tzinfo=SEOUL)
    assert steps["overdue"].fire_at == due


def test_regulation_is_data(regulation):
    ProcessingRule.objects.filter(message_type="complaint").update(deadline_working_days=3)
    received = datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL)
    assert Regulation().due_at("complaint", received) == datetime(2026, 3, 6, 18, 0, tzinfo=SEOUL)
