"""Publishing tasks: post one outbox row, and the beat's sweeper of rows whose task was lost.

Safe to run twice (see polling.py for the worker settings); names unchanged from tasks.py.
"""

import random

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ..services import publishing

MAX_RETRIES = 8


def backoff(retries: int, base: float = 5.0, cap: float = 600.0) -> float:
    """Exponential backoff with full jitter: 5 s, 10 s, 20 s … capped, each randomised."""
    return random.uniform(base / 2, min(cap, base * 2**retries))


@shared_task(name=publishing.PUBLISH_TASK, bind=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=5,
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


@shared_task(name="messages_app.tasks.sweep_outbox")
def sweep_outbox() -> int:
    """Beat, every minute: re-queue outbox rows whose task was lost (broker restart, expired retries)."""
    ids = publishing.stalled_outbox_ids()
    for pk in ids:
        publish_outbox.delay(pk)
    return len(ids)
