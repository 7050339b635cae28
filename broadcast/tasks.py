"""Celery tasks of broadcasts: thin wrappers around services.sending, on their own queue.

The queue is "<default queue>.broadcast" (see `route`), consumed by a worker with a thread pool
(Procfile: worker-broadcast) so that the posts of one broadcast do not wait for each other. Late acks
and reject-on-worker-lost (settings) redeliver the task of a killed worker; `deliver` is safe to run
twice.
"""

import random

from celery import current_app, shared_task
from django.db import InterfaceError, OperationalError

from .services import sending

MAX_RETRIES = 8


def queue_name() -> str:
    return f"{current_app.conf.task_default_queue}.broadcast"


def route(name, args, kwargs, options, task=None, **kw):
    """Celery router (settings.CELERY_TASK_ROUTES): every broadcast task goes to the broadcast queue."""
    if name.startswith("broadcast."):
        return {"queue": queue_name()}
    return None


def backoff(retries: int, base: float = 2.0, cap: float = 300.0) -> float:
    return random.uniform(base / 2, min(cap, base * 2**retries))


@shared_task(bind=True, name="broadcast.tasks.deliver", autoretry_for=(OperationalError, InterfaceError),
             retry_backoff=2, retry_backoff_max=300, retry_jitter=True, max_retries=MAX_RETRIES)
def deliver(self, delivery_id: int) -> str:
    try:
        return sending.deliver(delivery_id)
    except sending.RetryLater as exc:
        if exc.reset_at is not None:
            # A rate limit is not a failure: wait for the platform's reset, however often.
            raise self.retry(eta=exc.reset_at, max_retries=None) from exc
        if self.request.retries >= MAX_RETRIES:
            sending.give_up(delivery_id, str(exc))
            return "failed"
        raise self.retry(countdown=backoff(self.request.retries)) from exc


@shared_task(name="broadcast.tasks.sweep_deliveries")
def sweep_deliveries() -> int:
    """Beat, every minute: re-queue deliveries whose task was lost (broker restart)."""
    ids = sending.stalled_delivery_ids()
    sending.queue(ids)
    return len(ids)
