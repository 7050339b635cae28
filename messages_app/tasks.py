"""Celery tasks: thin wrappers around the ingest and publishing services.

Workers run with late acks, reject_on_worker_lost and prefetch 1 (smc/settings.py): a task whose
worker dies is delivered again, so every task here is safe to run twice.
"""

import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from accounts.connectors.base import TransientError
from accounts.models import Account

from .services import ingest, publishing

logger = logging.getLogger(__name__)

# A dropped database connection is as transient as a platform timeout.
RETRYABLE = (TransientError, OperationalError, InterfaceError)
MAX_RETRIES = 8


def backoff(retries: int, base: float = 5.0, cap: float | None = None) -> float:
    """Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped at SMC_MAX_TASK_WAIT, randomised."""
    cap = settings.SMC_MAX_TASK_WAIT if cap is None else cap
    return random.uniform(min(cap, base) / 2, min(cap, base * 2**retries))


def _seconds_until(moment) -> float:
    return (moment - timezone.now()).total_seconds()


@shared_task
def dispatch_polls() -> int:
    """Beat, every few seconds: queue a poll for each active account whose interval has passed."""
    queued = 0
    for account_id in ingest.due_account_ids():
        poll_account.delay(account_id)
        queued += 1
    return queued


# No task waits in a worker longer than SMC_MAX_TASK_WAIT (a held ETA past Redis's visibility timeout
# would be delivered twice): a poll that misses one is queued again by dispatch_polls anyway.
@shared_task(bind=True, autoretry_for=RETRYABLE, retry_backoff=5, retry_backoff_max=60, retry_jitter=True,
             max_retries=MAX_RETRIES)
def poll_account(self, account_id: int, reason: str = "beat") -> dict:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"skipped": "gone"}
    result = ingest.poll(account)
    if result.skipped == "rate_limited" and result.rate_limited_until:
        # Only this account waits. A short wait is held here (max_retries=None: a rate limit is not a
        # failure); a longer one is beat's: dispatch_polls skips the account until the reset.
        if _seconds_until(result.rate_limited_until) <= settings.SMC_MAX_TASK_WAIT:
            raise self.retry(eta=result.rate_limited_until, max_retries=None)
    if result.skipped == "locked" and reason == "webhook" and self.request.retries < 3:
        # A poll is running; the webhook's news may have arrived after its fetch, so look again.
        raise self.retry(countdown=5, max_retries=None)
    return {"fetched": result.fetched, "new": len(result.new_ids), "skipped": result.skipped,
            "error": result.error}


@shared_task(bind=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5,
             retry_backoff_max=600, retry_jitter=True, max_retries=MAX_RETRIES)
def publish_outbox(self, outbox_id: int) -> str:
    try:
        result = publishing.publish(outbox_id)
    except publishing.RetryLater as exc:
        if exc.reset_at is not None:
            # Rate limited: not a failure. Held at most SMC_MAX_TASK_WAIT, then the platform is asked
            # again (a 429 is cheap); the row stays 'retrying', so sweep_outbox re-queues it if lost.
            wait = min(max(_seconds_until(exc.reset_at), 1), settings.SMC_MAX_TASK_WAIT)
            raise self.retry(countdown=wait, max_retries=None) from exc
        if self.request.retries >= MAX_RETRIES:
            publishing.give_up(outbox_id, str(exc))
            return "failed"
        raise self.retry(countdown=backoff(self.request.retries)) from exc
    if result.next_id:
        publish_outbox.delay(result.next_id)
    return result.outcome


@shared_task
def sweep_outbox() -> int:
    """Beat, every minute: re-queue outbox rows whose task was lost (broker restart, expired retries)."""
    ids = publishing.stalled_outbox_ids()
    for pk in ids:
        publish_outbox.delay(pk)
    return len(ids)
