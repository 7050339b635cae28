"""Answers go back to the platform: an outbox row per part, posted by a task, never twice.

The attempt is committed before the platform call. When a task finds a row whose previous attempt
did not finish (worker killed, connection dropped, timeout), it asks the platform whether the reply
is already there (`connector.find_reply`) before it posts again.
"""

import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import AuthExpired, Connector, RateLimited, TransientError
from accounts.models import Platform
from accounts.models import Status as AccountStatus
from core import locks
from core.errors import ApplicationError
from departments.models import Division
from textkit.textclean import sanitize_text
from users.models import User

from ..models import Answer, Message, Outbox, Status
from . import search, workflow

logger = logging.getLogger(__name__)

# The Celery task that posts one outbox row (messages_app/tasks/publishing.py), called by name:
# the tasks import this module, so this module must not import them.
PUBLISH_TASK = "messages_app.tasks.publish_outbox"

# Channels where the answer is given by phone/letter or only on the portal: nothing to post.
NO_OUTBOX_PLATFORMS = {Platform.PHONE, Platform.WEB}


class AnswerError(ApplicationError):
    """A refused answer, with a message for staff (Korean first)."""


class AnswerAlreadyExists(AnswerError):
    def __init__(self) -> None:
        super().__init__("이미 답변이 등록된 메시지입니다. 새로고침 후 확인하세요 "
                         "(this message already has an answer).")


def create_answer(message: Message, author: User, text: str, division: Division | None) -> Answer:
    """Answer + outbox rows + ANSWERED transition in one transaction; publishing starts on commit."""
    text = sanitize_text(text).strip()
    if not text:
        raise AnswerError("답변 내용을 입력하세요 (the answer is empty).")
    try:
        with transaction.atomic():
            locked = Message.objects.select_for_update().get(pk=message.pk)
            if Answer.objects.filter(message=locked).exists():
                raise AnswerAlreadyExists()
            # A None division breaks the NOT NULL constraint: an IntegrityError, as before typing.
            answer = Answer.objects.create(message=locked, author=author, text=text,
                                           division=division)  # type: ignore[misc]
            rows = _outbox_rows(locked, answer)
            if locked.status == Status.RECEIVED:
                # Unrouted (desk queue): the answering division takes it first, so the timeline says who.
                workflow.transition(locked, Status.ASSIGNED, actor=author, division=division,
                                    note="답변 부서로 배정")
            workflow.transition(locked, Status.ANSWERED, actor=author, division=division)
            search.index_answers([answer.pk])  # the portal searches answers too
            if rows:
                first = rows[0].pk
                transaction.on_commit(lambda: queue_publish(first), robust=True)  # sweeper covers a broker hiccup
    except IntegrityError as exc:
        # Two staff saving at once: the OneToOne constraint stops the second; nothing of it is kept.
        if "message_id" in str(exc) or "answer" in str(exc):
            raise AnswerAlreadyExists() from exc
        raise
    message.status, message.division = locked.status, locked.division
    return answer


def _outbox_rows(message: Message, answer: Answer) -> list[Outbox]:
    if message.platform in NO_OUTBOX_PLATFORMS or message.account_id is None:
        return []
    parts = connectors.split_reply(message.platform, answer.text) or [answer.text]
    # Every row points at the citizen's message; on X a later part is re-pointed at the part
    # before it when it is posted (its id is only known then), so the thread reads in order.
    return Outbox.objects.bulk_create(
        Outbox(answer=answer, account_id=message.account_id, to_external_id=message.external_id, text=part)
        for part in parts
    )


def queue_publish(outbox_id: int) -> None:
    current_app.send_task(PUBLISH_TASK, args=[outbox_id])


@dataclass
class PublishResult:
    outcome: str  # posted, found, already, waiting, busy, failed, retry
    external_id: str = ""
    next_id: int | None = None
    reset_at: object = None


class RetryLater(Exception):
    """The platform could not take the reply now; the task retries (after `reset_at` if given)."""

    def __init__(self, message: str, reset_at: datetime | None = None):
        super().__init__(message)
        self.reset_at = reset_at


def _previous_part(row: Outbox) -> Outbox | None:
    return Outbox.objects.filter(answer_id=row.answer_id, pk__lt=row.pk).order_by("-pk").first()


def _next_part(row: Outbox) -> Outbox | None:
    return Outbox.objects.filter(answer_id=row.answer_id, pk__gt=row.pk).order_by("pk").first()


def _begin_attempt(outbox_id: int) -> tuple[Outbox | None, bool, str]:
    """Record the attempt (committed before any platform call). Returns (row, uncertain, outcome)."""
    with transaction.atomic():
        row = Outbox.objects.select_for_update().select_related("account").get(pk=outbox_id)
        if row.state == Outbox.State.POSTED:
            return None, False, "already"
        if row.state == Outbox.State.FAILED:
            return None, False, "failed"
        previous = _previous_part(row)
        if previous is not None and previous.state != Outbox.State.POSTED:
            return None, False, "waiting"  # the previous part's task queues this one when posted
        if previous is not None and row.account.platform == Platform.X:
            row.to_external_id = previous.external_id
        uncertain = row.attempts > 0 and row.state in (Outbox.State.POSTING, Outbox.State.RETRYING)
        row.state = Outbox.State.POSTING
        row.attempts = F("attempts") + 1
        row.last_attempt_at = timezone.now()
        row.save(update_fields=["state", "attempts", "last_attempt_at", "to_external_id"])
        row.refresh_from_db(fields=["attempts"])
    return row, uncertain, ""


def _finish(row: Outbox, external_id: str) -> int | None:
    with transaction.atomic():
        Outbox.objects.filter(pk=row.pk).update(
            state=Outbox.State.POSTED, external_id=external_id[:100], posted_at=timezone.now(), last_error="")
        following = _next_part(row)
    return following.pk if following else None


def mark(outbox_id: int, state: str, error: str) -> None:
    Outbox.objects.filter(pk=outbox_id).exclude(state=Outbox.State.POSTED).update(
        state=state, last_error=error[:2000])


def publish(outbox_id: int) -> PublishResult:
    """Post one outbox row. Raises RetryLater for transient failures (the row is then 'retrying')."""
    with locks.advisory_lock(locks.PUBLISH_OUTBOX, outbox_id) as got:
        if not got:
            return PublishResult("busy")  # another live worker holds this row
        row, uncertain, outcome = _begin_attempt(outbox_id)
        if row is None:
            return PublishResult(outcome)
        account = row.account
        try:
            if account.status != AccountStatus.ACTIVE:
                raise AuthExpired(f"계정 상태: {account.get_status_display()}")
            connector = connectors.get_connector(account)
            if uncertain:
                found = _find_previous(connector, row)
                if found:
                    return PublishResult("found", found, _finish(row, found))
            external_id = connector.reply(account, row.to_external_id, row.text)
        except RateLimited as exc:
            mark(row.pk, Outbox.State.RETRYING, f"요청 한도 초과, 재시도 예정 (rate limited until {exc.reset_at})")
            raise RetryLater(str(exc), reset_at=exc.reset_at) from exc
        except TransientError as exc:
            mark(row.pk, Outbox.State.RETRYING, f"일시적 오류, 재시도 예정 (transient error: {exc})")
            raise RetryLater(str(exc)) from exc
        except AuthExpired as exc:
            mark(row.pk, Outbox.State.FAILED, f"계정 재인증 필요 (account needs reauthorization: {exc})")
            return PublishResult("failed")
        except Exception as exc:
            mark(row.pk, Outbox.State.FAILED, f"게시 실패 (failed: {exc})")
            logger.warning("publish: outbox %s failed: %s", row.pk, exc)
            return PublishResult("failed")
        return PublishResult("posted", external_id, _finish(row, external_id))


def _find_previous(connector: Connector, row: Outbox) -> str | None:
    finder = getattr(connector, "find_reply", None)
    if finder is None:
        # Cannot tell whether the last attempt went through: refuse rather than risk a double post.
        raise RuntimeError("이전 게시 시도의 결과를 확인할 수 없습니다. 플랫폼에서 확인 후 다시 시도하세요 "
                           "(previous attempt uncertain and this platform cannot be searched)")
    return finder(row.account, row.to_external_id, row.text)


def give_up(outbox_id: int, reason: str) -> None:
    mark(outbox_id, Outbox.State.FAILED, f"재시도 횟수 초과 (gave up after retries): {reason}")


def requeue(outbox_ids: Iterable[int]) -> int:
    """Staff action: send failed rows again (they keep their attempt count, so the platform is checked)."""
    ids = list(Outbox.objects.filter(pk__in=outbox_ids, state=Outbox.State.FAILED).values_list("pk", flat=True))
    Outbox.objects.filter(pk__in=ids).update(state=Outbox.State.RETRYING, last_error="")
    for pk in ids:
        transaction.on_commit(functools.partial(queue_publish, pk), robust=True)
    return len(ids)


def stalled_outbox_ids(older_than_seconds: int = 600) -> list[int]:
    """Rows whose task was lost (e.g. the broker restarted): pending/retrying and not tried lately."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    rows = Outbox.objects.filter(state__in=[Outbox.State.PENDING, Outbox.State.RETRYING, Outbox.State.POSTING])
    rows = rows.filter(created_at__lt=cutoff).exclude(last_attempt_at__gte=cutoff)
    return list(rows.order_by("pk").values_list("pk", flat=True)[:500])
