"""What staff do to a message by hand: transfer it, correct its labels, answer it, change its status,
and the bulk versions (the automatic classification and routing is services/pipeline.py).

Every function checks permission first (a refusal is audited and raised as Forbidden), validates
its input (HandlingError), then changes everything in one transaction: nothing is ever
half-saved. Every successful action is audited too.
"""

from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from departments.models import Division
from departments.regulation import Regulation
from textkit.textclean import sanitize_text
from users.models import User

from ..errors import AlreadyAnswered as AlreadyAnswered  # callers catch it here
from ..errors import Code, HandlingError
from ..models import Answer, LabelCorrection, Message, MessageType, Status, Topic
from . import permissions as perms
from . import publishing
from .workflow import OPEN_STATUSES, InvalidTransition, mark_spam, transition

ANSWER_MAX_CHARS = 5000
# How a staff transfer starts its StatusChange note: the training data of the division classifier
# and the first-time-right figure (selectors.first_time_right) find transfers by it.
TRANSFER_NOTE = "담당 부서 이관"
REASON_MAX_CHARS = 500


def clean_input(text: object, what: Promise, max_chars: int) -> str:
    # Invisible characters (controls, bidi overrides, zero-width) are dropped, not refused: staff
    # could not see what to delete in a text pasted from a document.
    text = sanitize_text(text).strip()
    if not text:
        raise HandlingError(_("%(field)s을(를) 입력해 주세요."), code=Code.REQUIRED, field=what)
    if len(text) > max_chars:
        raise HandlingError(_("%(field)s이(가) 너무 깁니다: %(length)s자 (최대 %(max)s자)."), code=Code.TOO_LONG,
                            field=what, length=f"{len(text):,}", max=f"{max_chars:,}")
    return text


def _division(value: Division | int | str | None) -> Division:
    if isinstance(value, Division):
        return value
    try:
        return Division.objects.get(pk=int(value))  # type: ignore[arg-type]  # None: TypeError below
    except (TypeError, ValueError, Division.DoesNotExist):
        raise HandlingError(_("존재하지 않는 부서입니다. 이관할 부서를 다시 고르세요."), code=Code.NOT_FOUND) from None


def _label(value: str, choices: type[models.TextChoices], what: Promise) -> str:
    if value not in choices.values:
        raise HandlingError(_("알 수 없는 %(field)s입니다: %(value)s"), field=what, value=repr(str(value)[:40]))
    return value


def transfer(message: Message, to_division: Division | int | str | None, *, actor: User, reason: str | None) -> None:
    """Hand the message to another division. The reason is mandatory; both divisions keep the
    history (the earlier rows name the old division, the new row the new one)."""
    perms.require(actor, perms.TRANSFER, message)
    reason = clean_input(reason, pgettext_lazy("field", "이관 사유"), REASON_MAX_CHARS)
    target = _division(to_division)
    with transaction.atomic():
        locked = Message.objects.select_for_update(of=("self",)).select_related("division").get(pk=message.pk)
        if locked.division_id == target.pk:
            raise HandlingError(_("이미 %(division)s의 메시지입니다. 다른 부서를 고르세요."), code=Code.ALREADY_THERE,
                                division=target.name_ko)
        if locked.status not in OPEN_STATUSES:
            raise InvalidTransition(locked.status, Status.ASSIGNED)
        source = locked.division.name_ko if locked.division else "미배정"
        transition(locked, Status.ASSIGNED, actor=actor, division=target, public=False,
                   note=f"{TRANSFER_NOTE}: {source} → {target.name_ko}\n사유: {reason}")
        Message.objects.filter(pk=locked.pk).update(
            routing_reason=f"이관: {source} → {target.name_ko} ({reason})"[:300])
        perms.audit(actor, perms.TRANSFER, locked, f"{source} → {target.name_ko}: {reason}")
    message.refresh_from_db()


def reclassify(message: Message, *, actor: User, type: str | None = None, topic: str | None = None,
               _checked: bool = False) -> None:
    """Correct type and/or topic; kept as a training label; the deadline follows the new type."""
    if type is None and topic is None:
        raise HandlingError(_("바꿀 유형이나 주제를 고르세요."), code=Code.REQUIRED)
    if type is not None:
        _label(type, MessageType, pgettext_lazy("field", "유형"))
    if topic is not None:
        _label(topic, Topic, pgettext_lazy("field", "주제"))
    if not _checked:
        perms.require(actor, perms.RECLASSIFY, message)
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        before = (locked.type, locked.topic)
        locked.type = type if type is not None else locked.type
        locked.topic = topic if topic is not None else locked.topic
        locked.needs_triage = False
        fields = ["type", "topic", "needs_triage", "updated_at"]
        if locked.type != before[0] and locked.status in OPEN_STATUSES:
            locked.due_at = Regulation().due_at(locked.type, locked.received_at)
            locked.is_overdue = bool(locked.due_at and locked.due_at < timezone.now())
            fields += ["due_at", "is_overdue"]
        locked.save(update_fields=fields)
        if locked.type and locked.topic:
            LabelCorrection.objects.create(message=locked, text=locked.text, type=locked.type,
                                           topic=locked.topic, corrected_by=actor)
        perms.audit(actor, perms.RECLASSIFY, locked,
                    f"{before[0] or '-'}/{before[1] or '-'} → {locked.type}/{locked.topic}")
    message.refresh_from_db()


def answer(message: Message, *, actor: User, text: str | None) -> Answer:
    """Answer in public. Two staff answering at once: the second gets AlreadyAnswered (the row lock
    and the check are publishing.create_answer's, in this transaction)."""
    perms.require(actor, perms.ANSWER, message)
    text = clean_input(text, pgettext_lazy("field", "답변"), ANSWER_MAX_CHARS)
    with transaction.atomic():
        # Answer + outbox + ANSWERED transition, publishing queued on commit.
        result = publishing.create_answer(message, actor, text)
        perms.audit(actor, perms.ANSWER, message, text[:200])
    message.refresh_from_db()
    return result


def change_status(message: Message, to_status: str, *, actor: User, note: str = "") -> None:
    perms.require(actor, perms.STATUS, message)
    _label(to_status, Status, pgettext_lazy("field", "상태"))
    # An optional note: invisible characters alone are no note.
    note = clean_input(note, pgettext_lazy("field", "메모"), REASON_MAX_CHARS) if sanitize_text(note).strip() else ""
    with transaction.atomic():
        public = to_status not in (Status.HIDDEN, Status.SPAM)
        transition(message, to_status, actor=actor, note=note, public=public)
        perms.audit(actor, perms.STATUS, message, f"→ {to_status} {note}".strip())


# Bulk actions: permission for every message first, then all changes in one transaction.

def _fresh(messages: Iterable[Message]) -> list[Message]:
    """Re-read the selection: decide on the rows as they are now, not as a caller last saw them."""
    return list(Message.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk"))


def bulk_reclassify(messages: Iterable[Message], *, actor: User, type: str | None = None,
                    topic: str | None = None) -> int:
    messages = _fresh(messages)
    perms.require_all(actor, perms.BULK, messages)
    with transaction.atomic():
        for m in messages:
            reclassify(m, actor=actor, type=type, topic=topic, _checked=True)
    return len(messages)


def bulk_assign(messages: Iterable[Message], to_division: Division | int | str | None, *, actor: User,
                reason: str | None) -> int:
    messages = _fresh(messages)
    perms.require_all(actor, perms.BULK, messages)
    with transaction.atomic():
        for m in messages:
            transfer(m, to_division, actor=actor, reason=reason)
    return len(messages)


def bulk_spam(messages: Iterable[Message], *, actor: User) -> int:
    messages = _fresh(messages)
    perms.require_all(actor, perms.BULK, messages)
    with transaction.atomic():
        for m in messages:
            mark_spam(m, actor=actor)
            perms.audit(actor, perms.BULK, m, "스팸 처리")
    return len(messages)


def bulk_change_status(messages: Iterable[Message], to_status: str, *, actor: User, note: str = "") -> int:
    messages = _fresh(messages)
    perms.require_all(actor, perms.BULK, messages)
    _label(to_status, Status, pgettext_lazy("field", "상태"))
    with transaction.atomic():
        for m in messages:
            change_status(m, to_status, actor=actor, note=note)
    return len(messages)
