"""The regulation's reminders (run by a beat task every 15 minutes).

For every open message with a deadline: each escalation step whose moment has come is sent once
(its key goes into Message.reminders_sent in the same transaction as the notice); when several
are due at once (the beat was down), only the latest is sent and the earlier ones are recorded as
passed. Messages past their deadline are marked overdue. E-mails leave after the commit.
"""

import functools
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from departments.models import Division, EscalationStep, Membership
from departments.regulation import Regulation
from departments.services import smc_desk

from .. import signals
from ..models import Message, Notice
from .workflow import OPEN_STATUSES

Recipient = EscalationStep.Recipient
BATCH = 200


def _notice_text(step_recipient: str, message: Message, due_local: datetime) -> str:
    due = due_local.strftime("%m월 %d일 %H:%M")
    head = f"[메시지 #{message.pk}] "
    if step_recipient == Recipient.DIVISION:
        return head + f"처리 기한({due})의 절반이 지났습니다. 답변을 준비해 주세요."
    if step_recipient == Recipient.HEAD:
        return head + f"처리 기한({due})이 다음 근무일입니다. 부서장 확인이 필요합니다."
    return head + f"처리 기한({due})을 넘겼습니다 ({message.division.name_ko if message.division else '-'})."


def _emails(division: Division, heads_only: bool) -> list[str]:
    qs = Membership.objects.filter(division=division, user__is_active=True).exclude(user__email="")
    if heads_only:
        qs = qs.filter(is_head=True)
    found = list(qs.values_list("user__email", flat=True))
    if not found and division.email:
        found = [division.email]
    return sorted(set(found))


def run(now: datetime | None = None) -> dict[str, int]:
    """One pass. Returns counts for the log: {"sent": n, "overdue": n}."""
    now = now or timezone.now()
    regulation = Regulation()
    desk = smc_desk()
    sent = overdue = 0
    # Once overdue, every step has fired (the overdue step is the last): skip those rows.
    candidates = (Message.objects.filter(status__in=OPEN_STATUSES, due_at__isnull=False,
                                         is_overdue=False)
                  .values_list("pk", flat=True).order_by("pk"))
    ids = list(candidates)
    for start in range(0, len(ids), BATCH):
        mails: list[tuple[str, str, str, list[str]]] = []
        became_overdue: list[int] = []
        with transaction.atomic():
            rows = (Message.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(pk__in=ids[start:start + BATCH], status__in=OPEN_STATUSES)
                    .select_related("division"))
            for message in rows:
                changed = []
                if message.due_at is not None and message.due_at <= now and not message.is_overdue:
                    message.is_overdue = True
                    changed.append("is_overdue")
                    became_overdue.append(message.pk)
                    overdue += 1
                done = set(message.reminders_sent)
                due_steps = [s for s in regulation.steps(message.type, message.received_at, message.due_at)
                             if s.fire_at <= now and s.key not in done]
                if due_steps:
                    latest = due_steps[-1]
                    message.reminders_sent = [*message.reminders_sent, *(s.key for s in due_steps)]
                    changed.append("reminders_sent")
                    target = desk if latest.recipient == Recipient.DESK else message.division
                    if target is not None:
                        text = _notice_text(latest.recipient, message, timezone.localtime(message.due_at))
                        heads = latest.recipient == Recipient.HEAD
                        Notice.objects.create(division=target, message=message, step=latest.key,
                                              heads_only=heads, text=text)
                        to = _emails(target, heads)
                        if to:
                            mails.append((f"[SMC] 처리 기한 알림: 메시지 #{message.pk}",
                                          f"{text}\n\n{message.text[:300]}",
                                          settings.DEFAULT_FROM_EMAIL, to))
                        sent += 1
                if changed:
                    Message.objects.filter(pk=message.pk).update(
                        **{f: getattr(message, f) for f in changed})
            if mails:
                transaction.on_commit(functools.partial(send_mass_mail, tuple(mails), fail_silently=False))
            if became_overdue:
                transaction.on_commit(functools.partial(signals.message_overdue.send, sender=Message,
                                                        message_ids=became_overdue))
    return {"sent": sent, "overdue": overdue}
