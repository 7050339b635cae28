"""메시지민원 처리규정 as data: per type, the answer policy, the deadline in working days and the
escalation steps; and the moments those steps fire for one message."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from . import snapshot
from .models import AnswerPolicy, EscalationStep, ProcessingRule
from .workdays import Calendar

# The strictest type: used when a message has no type yet, so nothing escapes a deadline.
FALLBACK_TYPE = "complaint"

# (type, answer policy, deadline in working days, [(key, trigger, amount, recipient), …])
DEFAULT_REGULATION = [
    ("complaint", AnswerPolicy.REQUIRED, 7, [
        ("half", EscalationStep.Trigger.ELAPSED, "0.5", EscalationStep.Recipient.DIVISION),
        ("day-before", EscalationStep.Trigger.BEFORE, "1", EscalationStep.Recipient.HEAD),
        ("overdue", EscalationStep.Trigger.OVERDUE, "0", EscalationStep.Recipient.DESK),
    ]),
    ("opinion", AnswerPolicy.OPTIONAL, None, []),
    ("support", AnswerPolicy.NONE, None, []),
]


@transaction.atomic
def seed_regulation() -> None:
    """Create the default regulation once; rows staff changed are kept."""
    for message_type, policy, days, steps in DEFAULT_REGULATION:
        rule, created = ProcessingRule.objects.get_or_create(
            message_type=message_type,
            defaults={"answer_policy": policy, "deadline_working_days": days})
        if created:
            for key, trigger, amount, recipient in steps:
                EscalationStep.objects.create(rule=rule, key=key, trigger=trigger, amount=amount,
                                              recipient=recipient)


def _read_tables() -> tuple[dict[str, ProcessingRule], dict[date, bool]]:
    """The rules with their steps, and the calendar's overrides."""
    return ({r.message_type: r for r in ProcessingRule.objects.prefetch_related("steps")},
            Calendar.read_overrides())


@dataclass(frozen=True)
class Step:
    key: str
    trigger: str
    recipient: str
    fire_at: datetime


class Regulation:
    """The regulation loaded once (rules, steps, calendar) for a batch of messages."""

    def __init__(self, calendar: Calendar | None = None):
        # Loaded once per process until staff change them (snapshot.load).
        self.rules, overrides = snapshot.load("regulation", _read_tables)
        self.calendar = calendar or Calendar(overrides)
        self._due: dict[tuple[int, datetime], datetime] = {}  # a batch arrives at one moment

    def rule_for(self, message_type: str) -> ProcessingRule | None:
        return self.rules.get(message_type) or self.rules.get(FALLBACK_TYPE)

    def due_at(self, message_type: str, received_at: datetime) -> datetime | None:
        rule = self.rule_for(message_type)
        if rule is None or rule.deadline_working_days is None:
            return None
        key = (rule.deadline_working_days, received_at)
        if key not in self._due:
            self._due[key] = self.calendar.due_at(received_at, rule.deadline_working_days)
        return self._due[key]

    def steps(self, message_type: str, received_at: datetime, due_at: datetime | None) -> list[Step]:
        """Every step with the moment it fires, earliest first."""
        rule = self.rule_for(message_type)
        if rule is None or due_at is None:
            return []
        out = []
        for step in rule.steps.all():
            if step.trigger == EscalationStep.Trigger.ELAPSED:
                span = self.calendar.working_time(received_at, due_at)
                fire = self.calendar.office_hours_from(
                    self.calendar.add_working_time(received_at, span * float(step.amount)))
            elif step.trigger == EscalationStep.Trigger.BEFORE:
                fire = self.calendar.opening_before(due_at, int(step.amount))
            else:
                fire = due_at
            out.append(Step(step.key, step.trigger, step.recipient, fire))
        return sorted(out, key=lambda s: s.fire_at)
