"""The one posting task and the beat's sweeper: thin wrappers around services.

Workers run with late acks and reject-on-worker-lost (smc/settings.py): the task of a killed worker is
delivered again, and post_once() is safe to run twice. No wait longer than SMC_MAX_TASK_WAIT is held
in a worker; the record's retry time and the sweeper carry the longer ones.
"""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import services


# A dropped database connection is retried here (each wait within SMC_MAX_TASK_WAIT); past the retries
# the sweeper queues the posting again. 8 retries (as a poll's) wait about 2 minutes in all on average:
# with 5 (about 30 s) the PostgreSQL drill's 20 s outage left some postings to the sweeper, minutes later.
@shared_task(name=services.POST_TASK, autoretry_for=(OperationalError, InterfaceError), retry_backoff=2,
             retry_backoff_max=settings.SMC_MAX_TASK_WAIT, retry_jitter=True, max_retries=8)
def post(posting_id: int) -> str:
    result = services.post_once(posting_id)
    if result.retry_in is not None and result.retry_in <= settings.SMC_MAX_TASK_WAIT:
        services.queue([posting_id], countdown=result.retry_in)
    if result.next_id:
        services.queue([result.next_id])
    return result.outcome


@shared_task(name="outbound.tasks.sweep")
def sweep() -> int:
    """Beat, every minute: queue the open postings whose retry time has come."""
    return services.sweep()
