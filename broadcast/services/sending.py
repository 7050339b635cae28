"""Posting a broadcast's deliveries: one task per delivery on the broadcast queue, never twice.

Each attempt is committed before the platform call (`outcome_unknown`). When a task finds a delivery
whose previous attempt has no known outcome (the worker died after the request, a timeout), it looks at
the account's recent posts for the alert's identifier (`connector.find_post`) before posting again —
the same pattern as the inbox's answer outbox.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import AuthExpired, Connector, RateLimited, TransientError
from accounts.connectors.simulator import SimulatorConnector
from accounts.models import Account, Platform
from accounts.models import Status as AccountStatus
from core import locks
from users.models import User

from .. import selectors, texts
from ..models import Broadcast, Delivery, Step
from . import BroadcastError
from .permissions import can_approve, can_draft

logger = logging.getLogger(__name__)
# The Celery task that posts one delivery (broadcast/tasks.py), called by name: the tasks import this
# module, so this module must not import them. Its "broadcast." name routes it to the broadcast queue.
DELIVER_TASK = "broadcast.tasks.deliver"
OPEN_STATES = [Delivery.State.PENDING, Delivery.State.POSTING, Delivery.State.RETRYING]


class RetryLater(Exception):
    """The platform could not take the post now; the task retries (at `reset_at` when given)."""

    def __init__(self, message: str, reset_at: datetime | None = None):
        super().__init__(message)
        self.reset_at = reset_at


def connector_for(broadcast: Broadcast, account: Account) -> Connector:
    """Exercise and Test broadcasts post only through the simulator, whatever the account has."""
    if broadcast.is_exercise:
        return SimulatorConnector()
    return connectors.get_connector(account)


def queue(delivery_ids: Iterable[int]) -> None:
    for pk in delivery_ids:
        current_app.send_task(DELIVER_TASK, args=[pk])


@dataclass
class Begun:
    delivery: Delivery | None
    check_first: bool = False
    outcome: str = ""


def _begin(delivery_id: int) -> Begun:
    """Record the attempt, committed before any platform call."""
    with transaction.atomic():
        row = (Delivery.objects.select_for_update(of=("self",))
               .select_related("account", "broadcast").get(pk=delivery_id))
        if row.state in (Delivery.State.DELIVERED, Delivery.State.FAILED):
            return Begun(None, outcome=f"already-{row.state}")
        check_first = row.attempts > 0 and row.outcome_unknown
        row.state = Delivery.State.POSTING
        row.outcome_unknown = True
        row.attempts = F("attempts") + 1
        row.last_attempt_at = timezone.now()
        row.retry_at = None
        row.save(update_fields=["state", "outcome_unknown", "attempts", "last_attempt_at", "retry_at"])
        row.refresh_from_db(fields=["attempts"])
    return Begun(row, check_first)


def _text_for(row: Delivery) -> str:
    broadcast, platform = row.broadcast, row.account.platform
    if platform == Platform.X:
        return broadcast.x_text or texts.x_text(broadcast)
    text = broadcast.facebook_text or texts.facebook_text(broadcast)
    if broadcast.references_id:
        original = (Delivery.objects.filter(broadcast_id=broadcast.references_id, account_id=row.account_id,
                                            state=Delivery.State.DELIVERED).values_list("external_id", flat=True)
                    .first())
        if original:
            text = texts.facebook_followup(text, texts.facebook_permalink(original))
    return text


def _find_previous(connector: Connector, row: Delivery) -> str | None:
    finder = getattr(connector, "find_post", None)
    if finder is None:
        # Cannot tell whether the last attempt went through: refuse rather than risk a double post.
        raise BroadcastError("이전 게시 시도의 결과를 확인할 수 없습니다. 플랫폼에서 확인 후 다시 시도하세요 "
                             "(previous attempt uncertain and this platform cannot be searched)")
    found: str | None = finder(row.account, row.broadcast.identifier)
    return found


def _mark(row: Delivery, state: str, error: str, **extra: Any) -> None:
    Delivery.objects.filter(pk=row.pk).exclude(state=Delivery.State.DELIVERED).update(
        state=state, last_error=error[:2000], **extra)


def _finish(row: Delivery, external_id: str) -> None:
    Delivery.objects.filter(pk=row.pk).update(
        state=Delivery.State.DELIVERED, external_id=external_id[:100], delivered_at=timezone.now(),
        outcome_unknown=False, last_error="", needs_reauth=False)


def complete_if_done(broadcast_id: int) -> bool:
    """Sending → sent once no delivery is open (each finisher commits before it looks)."""
    if Delivery.objects.filter(broadcast_id=broadcast_id, state__in=OPEN_STATES).exists():
        return False
    with transaction.atomic():
        done = Broadcast.objects.filter(pk=broadcast_id, state=Broadcast.State.SENDING).update(
            state=Broadcast.State.SENT, completed_at=timezone.now())
        if done:
            p = selectors.progress(broadcast_id)
            Step.objects.create(broadcast_id=broadcast_id, action=Step.Action.SENT,
                                note=f"{selectors.reach_phrase(p)} (실패 {p['failed']}개)")
    return bool(done)


def deliver(delivery_id: int) -> str:
    """Post one delivery. Raises RetryLater for rate limits and transient failures."""
    with locks.advisory_lock(locks.DELIVER_BROADCAST, delivery_id) as got:
        if not got:
            return "busy"  # a live worker holds this delivery
        begun = _begin(delivery_id)
        row = begun.delivery
        if row is None:
            return begun.outcome
        account = row.account
        try:
            if account.status != AccountStatus.ACTIVE:
                raise AuthExpired(f"계정 상태: {account.get_status_display()}")
            connector = connector_for(row.broadcast, account)
            found = _find_previous(connector, row) if begun.check_first else None
            if found:
                external_id, outcome = found, "found"
            else:
                text = _text_for(row)
                if row.reply_to and account.platform == Platform.X:
                    external_id = connector.reply(account, row.reply_to, text)
                else:
                    external_id = connector.post(account, text)
                outcome = "delivered"
        except RateLimited as exc:
            # A refusal: nothing was posted, so the next attempt need not look first.
            _mark(row, Delivery.State.RETRYING, f"요청 한도 초과, {exc.reset_at:%H:%M:%S}에 재시도 (rate limited)",
                  outcome_unknown=False, retry_at=exc.reset_at)
            raise RetryLater(str(exc), reset_at=exc.reset_at) from exc
        except TransientError as exc:
            _mark(row, Delivery.State.RETRYING, f"일시적 오류, 재시도 예정 (transient error: {exc})")
            raise RetryLater(str(exc)) from exc
        except AuthExpired as exc:
            _mark(row, Delivery.State.FAILED, f"계정 재인증 필요 (account needs reauthorisation: {exc})",
                  outcome_unknown=False, needs_reauth=True)
            Account.objects.filter(pk=account.pk, status=AccountStatus.ACTIVE).update(
                status=AccountStatus.NEEDS_REAUTH, last_error=str(exc)[:2000], last_error_at=timezone.now())
            complete_if_done(row.broadcast_id)
            return "failed"
        except Exception as exc:
            _mark(row, Delivery.State.FAILED, f"게시 실패 (failed: {exc})")
            logger.warning("broadcast delivery %s failed: %s", row.pk, exc)
            complete_if_done(row.broadcast_id)
            return "failed"
        _finish(row, external_id)
    complete_if_done(row.broadcast_id)
    return outcome


def give_up(delivery_id: int, reason: str) -> None:
    row = Delivery.objects.get(pk=delivery_id)
    _mark(row, Delivery.State.FAILED, f"재시도 횟수 초과 (gave up after retries): {reason}")
    complete_if_done(row.broadcast_id)


def retry_failed(broadcast: Broadcast, user: User) -> int:
    """Staff: send the failed deliveries again (an uncertain one is looked for on the platform first)."""
    if not (can_draft(user) or can_approve(user)):
        raise BroadcastError("재발신 권한이 없습니다 (you may not retry deliveries).")
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        if not locked.is_sent:
            raise BroadcastError("발신된 긴급메시지가 아닙니다 (not sent).")
        # A retry posts the text again without a second person: only while this message is the chain's
        # live head (a Cancel that is the head may be retried: it is what ends the alert).
        refusal = selectors.chain_refusal(locked, cancel_ok=True)
        if refusal is None:
            ids = list(locked.deliveries.filter(state=Delivery.State.FAILED).values_list("pk", flat=True))
            if ids:
                Delivery.objects.filter(pk__in=ids).update(state=Delivery.State.PENDING, last_error="")
                Broadcast.objects.filter(pk=locked.pk).update(state=Broadcast.State.SENDING, completed_at=None)
                Step.objects.create(broadcast=locked, action=Step.Action.RETRY, actor=user,
                                    note=f"실패 {len(ids)}건 재발신")
                transaction.on_commit(lambda: queue(ids), robust=True)
            return len(ids)
    Step.objects.create(broadcast=broadcast, action=Step.Action.REFUSED, actor=user, note=refusal)
    raise BroadcastError(refusal)


def stalled_delivery_ids(older_than_seconds: int = 300) -> list[int]:
    """Deliveries whose task was lost (broker restart): open, not tried lately, not waiting for a reset."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    rows = Delivery.objects.filter(state__in=OPEN_STATES, broadcast__approved_at__lt=cutoff)
    rows = rows.filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=cutoff))
    rows = rows.exclude(retry_at__gt=now)
    return list(rows.order_by("pk").values_list("pk", flat=True)[:1000])
