"""Polling tasks: the beat's dispatcher and one poll of one account (thin wrappers around services.polling).

Workers run with late acks, reject_on_worker_lost and prefetch 1 (smc/settings.py): a task whose
worker dies is delivered again, so every task here is safe to run twice. Task names are explicit
and unchanged from the single tasks.py module: the beat schedule (also stored by
django_celery_beat) and messages already queued refer to them.
"""

import logging
from datetime import datetime

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from accounts.connectors.base import TransientError
from accounts.models import Account
from core.metrics import poll_summary

from ..services import polling as polls

logger = logging.getLogger(__name__)

# A dropped database connection is as transient as a platform timeout.
RETRYABLE = (TransientError, OperationalError, InterfaceError)
MAX_RETRIES = 8


@worker_process_init.connect
def _warm_up(**_) -> None:
    # Connected here, where the worker imports the tasks, so the Celery app (smc.celery) need not
    # import the inbox: each pool process loads Kiwi and the classifier before its first poll.
    polls.warm_up()


def seconds_until(moment: datetime) -> float:
    return (moment - timezone.now()).total_seconds()


@shared_task(name="messages_app.tasks.dispatch_polls")
def dispatch_polls() -> int:
    """Beat, every few seconds: queue a poll for each active account whose interval has passed."""
    queued = 0
    for account_id in polls.due_account_ids():
        poll_account.delay(account_id)
        queued += 1
    return queued


# No task waits in a worker longer than SMC_MAX_TASK_WAIT (a held ETA past Redis's visibility timeout
# would be delivered twice): a poll that misses one is queued again by dispatch_polls anyway.
@shared_task(name="messages_app.tasks.poll_account", bind=True, autoretry_for=RETRYABLE, retry_backoff=5,
             retry_backoff_max=60, retry_jitter=True, max_retries=MAX_RETRIES)
def poll_account(self, account_id: int, reason: str = "beat") -> dict:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"skipped": "gone"}
    try:
        result = polls.poll(account)
    except RETRYABLE:
        poll_summary.note(platform=account.platform, account_id=account.pk, new=0, error=True, skipped="")
        raise
    # /metrics and the log: one DEBUG line per poll, one INFO summary a minute (core/metrics.py).
    poll_summary.note(platform=account.platform, account_id=account.pk, new=len(result.new_ids),
                      error=bool(result.error), skipped=result.skipped)
    if result.skipped == "rate_limited" and result.rate_limited_until:
        # Only this account waits. A short wait is held here (max_retries=None: a rate limit is not a
        # failure); a longer one is beat's: dispatch_polls skips the account until the reset.
        if seconds_until(result.rate_limited_until) <= settings.SMC_MAX_TASK_WAIT:
            raise self.retry(eta=result.rate_limited_until, max_retries=None)
    if result.skipped == "locked" and reason == "webhook" and self.request.retries < 3:
        # A poll is running; the webhook's news may have arrived after its fetch, so look again.
        raise self.retry(countdown=5, max_retries=None)
    return {"fetched": result.fetched, "new": len(result.new_ids), "skipped": result.skipped,
            "error": result.error}
