"""Celery tasks: thin wrappers around the ingest and publishing services.

Workers run with late acks, reject_on_worker_lost and prefetch 1 (smc/settings.py): a task whose
worker dies is delivered again, so every task here is safe to run twice.
"""

import logging
import random

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.connectors.base import TransientError
from accounts.models import Account

from .services import ingest, publishing

logger = logging.getLogger(__name__)

# A dropped database connection is as transient as a platform timeout.
RETRYABLE = (TransientError, OperationalError, InterfaceError)
MAX_RETRIES = 8


def backoff(retries: int, base: float = 5.0, cap: float = 600.0) -> float:
    """Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped, each randomised."""
    return random.uniform(base / 2, min(cap, base * 2**retries))


@shared_task
def dispatch_polls() -> int:
    """Beat, every few seconds: queue a poll for each active account whose interval has passed."""
    queued = 0
    for account_id in ingest.due_account_ids():
        poll_account.delay(account_id)
        queued += 1
    return queued


@shared_task(bind=True, autoretry_for=RETRYABLE, retry_backoff=5, retry_backoff_max=600, retry_jitter=True,
             max_retries=MAX_RETRIES)
def poll_account(self, account_id: int, reason: str = "beat") -> dict:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"skipped": "gone"}
    result = ingest.poll(account)
    if result.skipped == "rate_limited" and result.rate_limited_until:
        # Only this account waits; max_retries=None: a rate limit is not a failure.
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
        if self.request.retries >= MAX_RETRIES:
            publishing.give_up(outbox_id, str(exc))
            return "failed"
        if exc.reset_at is not None:
            raise self.retry(eta=exc.reset_at) from exc
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
