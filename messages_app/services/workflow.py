"""The status workflow of a message: received → assigned → in progress → answered → closed,
plus hidden and spam. Every transition is recorded; the public ones form the portal's timeline."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from departments.models import AnswerPolicy, Division
from departments.regulation import Regulation
from users.models import User

from ..errors import Code
from ..models import OPEN_STATUSES as OPEN_STATUSES  # where triage, escalation and the staff screens read it
from ..models import Message, Status, StatusChange

ALLOWED: dict[str, set[str]] = {
    Status.RECEIVED: {Status.ASSIGNED, Status.HIDDEN, Status.SPAM},
    # → CLOSED without an answer only where the regulation asks none (격려·응원, 단순의견): see close_check.
    Status.ASSIGNED: {Status.ASSIGNED, Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED, Status.HIDDEN,
                      Status.SPAM},
    Status.IN_PROGRESS: {Status.ASSIGNED, Status.ANSWERED, Status.CLOSED, Status.HIDDEN, Status.SPAM},
    Status.ANSWERED: {Status.CLOSED, Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
    Status.HIDDEN: {Status.RECEIVED, Status.ASSIGNED},
    Status.SPAM: {Status.RECEIVED},
}


class InvalidTransition(ApplicationError):
    code = Code.INVALID_TRANSITION

    def __init__(self, from_status: str, to_status: str):
        super().__init__(_("'%(from)s' 상태에서 '%(to)s' 상태로 바꿀 수 없습니다"),
                         **{"from": Status(from_status).label, "to": Status(to_status).label})
        self.from_status, self.to_status = from_status, to_status


class AnswerRequired(ApplicationError):
    code = Code.ANSWER_REQUIRED

    def __init__(self, type_label: str):
        super().__init__(_("처리규정상 '%(type)s'은(는) 답변해야 종결할 수 있습니다"), type=type_label)


def answer_required(message_type: str, regulation: Regulation | None = None) -> bool:
    """Whether the regulation asks an answer of this type (a message without a type: yes)."""
    rule = (regulation or Regulation()).rule_for(message_type or "")
    return rule is None or rule.answer_policy == AnswerPolicy.REQUIRED


def _close_check(message: Message, to_status: str) -> None:
    """Closing an open message skips the answer: only for the types the regulation asks none of."""
    if to_status == Status.CLOSED and message.status in OPEN_STATUSES and answer_required(message.type):
        raise AnswerRequired(message.get_type_display() or "유형 미정")


@transaction.atomic
def transition(message: Message, to_status: str, *, actor: User | None = None, note: str = "", public: bool = True,
               division: Division | None = None) -> StatusChange:
    """Move a message to `to_status`, recording who, when, from, to and why. Locks the row."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if to_status not in ALLOWED.get(locked.status, set()):
        raise InvalidTransition(locked.status, to_status)
    _close_check(locked, to_status)
    change = StatusChange.objects.create(
        message=locked, from_status=locked.status, to_status=to_status, actor=actor,
        division=division or locked.division, note=note, is_public=public,
    )
    locked.status = to_status
    fields = ["status", "updated_at"]
    if division is not None:
        locked.division = division
        fields.append("division")
    locked.save(update_fields=fields)
    message.status, message.division = locked.status, locked.division
    return change


# Staff-only steps: the portal's timeline does not show them.
PRIVATE_STATUSES = {Status.HIDDEN, Status.SPAM}


def allowed_targets(message: Message, regulation: Regulation | None = None) -> list[str]:
    """For the staff screen: the statuses the message may move to now."""
    allowed = ALLOWED.get(message.status, set())
    if message.status in OPEN_STATUSES and answer_required(message.type, regulation):
        allowed = allowed - {Status.CLOSED}
    return [s for s in Status if s in allowed]


def start(message: Message, *, actor: User) -> StatusChange:
    return transition(message, Status.IN_PROGRESS, actor=actor, note="처리 시작")


def close(message: Message, *, actor: User, note: str = "") -> StatusChange:
    return transition(message, Status.CLOSED, actor=actor, note=note or "종결")


def mark_spam(message: Message, *, actor: User, note: str = "") -> StatusChange:
    return transition(message, Status.SPAM, actor=actor, note=note or "스팸 처리", public=False)


def hide(message: Message, *, actor: User, note: str = "") -> StatusChange:
    return transition(message, Status.HIDDEN, actor=actor, note=note or "숨김 처리", public=False)
