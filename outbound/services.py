"""Posting a text once: create postings, queue them, post_once(), retry by the rules, sweep the lost.

Each attempt is committed (`outcome_unknown`) before the platform call. A posting whose previous
attempt has no known outcome (its worker died after the request, a timeout) is looked for on the
platform first (`find_post` by its marker, or `find_reply`); when the platform cannot be searched
for it, the posting waits for a person (state `unknown`) instead of being posted a second time.

No task waits in a worker longer than SMC_MAX_TASK_WAIT (an ETA held past Redis's visibility timeout
is delivered twice): a longer wait (a rate limit's reset, a long backoff) is the record's `retry_at`,
and the beat's sweeper queues the posting once that time has come.
"""

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import connectors
from accounts.connectors.base import AuthExpired, CannotLook, Connector, PermanentError, RateLimited
from accounts.connectors.simulator import SimulatorConnector
from accounts.models import Account
from accounts.models import Status as AccountStatus
from core import locks

from . import selectors
from .models import Posting
from .rules import rule_for

logger = logging.getLogger(__name__)

# The one Celery task (outbound/tasks.py), called by name: the tasks import this module.
POST_TASK = "outbound.tasks.post"
# Transient failures before a posting is given up (rate limits do not count).
MAX_ATTEMPTS = 8
BACKOFF_BASE = 5.0  # seconds; doubled per attempt, with full jitter
BACKOFF_CAP = 30 * 60.0
# An open posting nobody has touched for this long is queued again by the sweeper (its task was lost
# with a broker restart, or its worker died and the redelivery too).
SWEEP_AFTER = timedelta(seconds=settings.SMC_SWEEP_AFTER_SECONDS)

# Sent when a posting is settled (posted, failed or waiting for a person): the app that asked for
# it may finish its own work (a broadcast completes once none of its deliveries is open).
posting_settled = Signal()  # kwargs: posting_id, state


def queue_name(kind: str) -> str:
    """Broadcasts on "<default queue>.broadcast" (a thread pool posts them in parallel), answers on
    the default queue."""
    default = current_app.conf.task_default_queue
    return f"{default}.broadcast" if kind == Posting.Kind.BROADCAST else default


def queue(posting_ids: Iterable[int], countdown: float | None = None) -> None:
    """Send the task of each posting to its kind's queue (call it on commit)."""
    rows = Posting.objects.filter(pk__in=list(posting_ids)).values_list("pk", "kind").order_by("pk")
    for pk, kind in rows:
        current_app.send_task(POST_TASK, args=[pk], queue=queue_name(kind), countdown=countdown)


def create(postings: list[Posting]) -> list[Posting]:
    """Store new postings (in the caller's transaction); the sweeper covers a lost queueing."""
    due = timezone.now() + SWEEP_AFTER
    for posting in postings:
        posting.retry_at = due
    return Posting.objects.bulk_create(postings)


def create_thread(kind: str, account_id: int, reply_to: str, parts: list[str], threaded: bool) -> list[Posting]:
    """A reply in parts: each waits for the one before it; `threaded` parts answer the one before it
    (on X), the others all answer `reply_to` (a Facebook comment thread)."""
    rows: list[Posting] = []
    due = timezone.now() + SWEEP_AFTER
    for text in parts:
        previous = rows[-1] if rows else None
        rows.append(Posting.objects.create(kind=kind, account_id=account_id, text=text, reply_to=reply_to,
                                           previous_part=previous, threaded=threaded and previous is not None,
                                           retry_at=due))
    return rows


@dataclass
class Outcome:
    # posted, found, busy, waiting, retry, failed, unknown, already-posted, already-failed, already-unknown
    outcome: str
    external_id: str = ""
    next_id: int | None = None  # the next part of a thread, to queue now
    retry_in: float | None = None  # seconds until the retry (the task holds only short ones)


@dataclass
class _Begun:
    posting: Posting | None
    look_first: bool = False
    outcome: str = ""


def _begin(posting_id: int) -> _Begun:
    """Record the attempt, committed before any platform call."""
    with transaction.atomic():
        row = Posting.objects.select_for_update(of=("self",)).select_related("account").get(pk=posting_id)
        if not row.is_open:
            return _Begun(None, outcome=f"already-{row.state}")
        previous = row.previous_part
        if previous is not None and previous.state != Posting.State.POSTED:
            return _Begun(None, outcome="waiting")  # the previous part's task queues this one when posted
        if previous is not None and row.threaded:
            row.reply_to = previous.external_id
        look_first = row.outcome_unknown
        now = timezone.now()
        row.state = Posting.State.POSTING
        row.outcome_unknown = True
        row.attempts = F("attempts") + 1
        row.last_attempt_at = now
        row.retry_at = now + SWEEP_AFTER
        row.save(update_fields=["state", "outcome_unknown", "attempts", "last_attempt_at", "retry_at", "reply_to"])
        row.refresh_from_db(fields=["attempts"])
    return _Begun(row, look_first)


def connector_for(posting: Posting) -> Connector:
    """Exercises and tests post only through the simulator, whatever credentials the account has."""
    if posting.simulated:
        return SimulatorConnector()
    return connectors.get_connector(posting.account)


def _look(connector: Connector, posting: Posting) -> str | None:
    """What the interrupted attempt posted, if it did; CannotLook when the platform cannot tell."""
    if posting.marker:
        finder = getattr(connector, "find_post", None)
        if finder is not None:
            return finder(posting.account, posting.marker)
    elif posting.reply_to:
        finder = getattr(connector, "find_reply", None)
        if finder is not None:
            return finder(posting.account, posting.reply_to, posting.text)
    raise CannotLook("이 플랫폼에서는 이전 게시를 찾을 수 없습니다")


def _send(connector: Connector, posting: Posting) -> str:
    if not posting.reply_to:
        return connector.post(posting.account, posting.text)
    if posting.private:
        return connector.reply(posting.account, posting.reply_to, posting.text, private=True)  # type: ignore[call-arg]
    return connector.reply(posting.account, posting.reply_to, posting.text)


def post_once(posting_id: int) -> Outcome:
    """One attempt at a posting, under its advisory lock (a second live worker returns "busy")."""
    with locks.advisory_lock(locks.POSTING, posting_id) as got:
        if not got:
            return Outcome("busy")
        begun = _begin(posting_id)
        posting = begun.posting
        if posting is None:
            return Outcome(begun.outcome)
        sent = False
        try:
            account = posting.account
            if account.status == AccountStatus.NEEDS_REAUTH:
                raise AuthExpired("계정 상태: 재인증 필요")
            if account.status != AccountStatus.ACTIVE:
                raise PermanentError(f"계정 상태: {account.get_status_display()}")
            if posting.private and not posting.reply_to:
                raise PermanentError("비공개 답장에는 받는 대상이 필요합니다")
            connector = connector_for(posting)
            found = _look(connector, posting) if begun.look_first else None
            if found:
                external_id, outcome = found, "found"
            else:
                sent = True  # from here on the platform may have taken it
                external_id, outcome = _send(connector, posting), "posted"
        except Exception as exc:
            return _failed(posting, exc, sent, begun.look_first)
        _finish(posting, external_id)
    following = Posting.objects.filter(previous_part_id=posting.pk, state__in=Posting.OPEN_STATES).first()
    _settled(posting.pk, Posting.State.POSTED)
    return Outcome(outcome, external_id, next_id=following.pk if following else None)


def _finish(posting: Posting, external_id: str) -> None:
    Posting.objects.filter(pk=posting.pk).update(
        state=Posting.State.POSTED, external_id=external_id[:100], posted_at=timezone.now(), outcome_unknown=False,
        retry_at=None, failure="", last_error="")


GAVE_UP = _("재시도 횟수 초과, %(attempts)s회: %(label)s")


def backoff(attempts: int) -> float:
    """Exponential backoff with full jitter: 5 s, 10 s, 20 s … up to 30 minutes, randomised."""
    return random.uniform(BACKOFF_BASE / 2, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1)))


def _failed(posting: Posting, exc: Exception, sent: bool, was_unknown: bool) -> Outcome:
    """Apply the error's rule (outbound/rules.py) to the posting."""
    rule = rule_for(exc)
    # Unknown stays unknown unless this attempt's own request was refused by the platform.
    unknown = (not rule.refused) if sent else was_unknown
    state, failure, label = rule.state, rule.failure, rule.label
    now = timezone.now()
    retry_at: datetime | None = None
    if rule.wait == "reset" and isinstance(exc, RateLimited):
        retry_at = max(exc.reset_at, now + timedelta(seconds=1))
    elif rule.wait == "backoff":
        if posting.attempts >= MAX_ATTEMPTS:
            state, failure = Posting.State.FAILED, Posting.Failure.GAVE_UP
            label = GAVE_UP % {"attempts": posting.attempts, "label": label}
        else:
            retry_at = now + timedelta(seconds=backoff(posting.attempts))
    if rule.marks_account:
        Account.objects.filter(pk=posting.account_id, status=AccountStatus.ACTIVE).update(
            status=AccountStatus.NEEDS_REAUTH, last_error=str(exc)[:2000], last_error_at=timezone.now())
    if failure in (Posting.Failure.ERROR, Posting.Failure.GAVE_UP):
        logger.warning("posting %s failed: %r", posting.pk, exc)
    Posting.objects.filter(pk=posting.pk).exclude(state=Posting.State.POSTED).update(
        state=state, failure=failure, last_error=f"{label}: {exc}"[:2000], outcome_unknown=unknown, retry_at=retry_at,
        attempts=F("attempts") if rule.counts else F("attempts") - 1)
    if retry_at is not None:
        return Outcome("retry", retry_in=(retry_at - now).total_seconds())
    _settled(posting.pk, state)
    return Outcome(state)


def _settled(posting_id: int, state: str) -> None:
    posting_settled.send(sender=Posting, posting_id=posting_id, state=state)


def requeue(posting_ids: Iterable[int]) -> list[int]:
    """Staff: send failed postings again (one whose last outcome is unknown is looked for first).
    Postings waiting for a person are not among them: confirm_not_posted() is that person's answer."""
    ids = list(Posting.objects.filter(pk__in=list(posting_ids), state=Posting.State.FAILED)
               .values_list("pk", flat=True))
    _reopen(ids)
    return ids


def confirm_not_posted(posting_ids: Iterable[int]) -> list[int]:
    """A person looked on the platform and the interrupted attempt is not there: post it again."""
    ids = list(Posting.objects.filter(pk__in=list(posting_ids), state=Posting.State.UNKNOWN)
               .values_list("pk", flat=True))
    Posting.objects.filter(pk__in=ids).update(outcome_unknown=False)
    _reopen(ids)
    return ids


def confirm_posted(posting_id: int, external_id: str) -> bool:
    """A person found the interrupted attempt's post on the platform, or made by hand a post the API
    could not (state manual): record it, post nothing."""
    done = Posting.objects.filter(pk=posting_id, state__in=[Posting.State.UNKNOWN, Posting.State.MANUAL]).update(
        state=Posting.State.POSTED, external_id=external_id.strip()[:100], posted_at=timezone.now(),
        outcome_unknown=False, failure="", last_error="")
    if done:
        _settled(posting_id, Posting.State.POSTED)
    return bool(done)


def _reopen(ids: list[int]) -> None:
    Posting.objects.filter(pk__in=ids).update(state=Posting.State.RETRYING, failure="", last_error="",
                                              retry_at=timezone.now() + SWEEP_AFTER)
    if ids:
        transaction.on_commit(lambda: queue(ids), robust=True)


def sweep(now: datetime | None = None) -> int:
    """Beat: queue the open postings whose time has come (a rate limit's reset, a backoff, a lost task).
    Each is given SWEEP_AFTER again first, so a posting whose task is slow to run is queued once a
    period, not once a minute."""
    now = now or timezone.now()
    ids = selectors.due_posting_ids(now)
    if ids:
        Posting.objects.filter(pk__in=ids).update(retry_at=now + SWEEP_AFTER)
        queue(ids)
    return len(ids)


