import os
import time

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_init

from core.metrics import TASK_DURATION

from .logs import task_id as logged_task_id
from .logs import task_name as logged_task_name

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smc.settings")

app = Celery("smc")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fix-up closes every database connection before and after each task unless this is
# set: a new PostgreSQL session (a forked backend, authentication, its catalogue caches warmed again)
# for every task, 4.5 a second in a surge (bench/crisis.py). Set beyond reach, so the fix-up never
# closes them; `_keep_connections` below applies Django's own rule instead.
app.conf.CELERY_DB_REUSE_MAX = 2**62
app.autodiscover_tasks()


def lower_cpu_priority(niceness: int) -> int:
    """Run this process (and the threads and processes it starts from now on) at `niceness`, never
    higher priority than it already has: an unprivileged process may only lower its own. Returns
    the niceness in force. On Linux this sets the calling thread's, which every thread and child
    created afterwards inherits: call it before the pool and Kiwi's threads start."""
    niceness = max(0, min(19, int(niceness)))
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    return os.getpriority(os.PRIO_PROCESS, 0)


@worker_init.connect
def _forget_dead_processes(**_):
    from .promdir import forget_dead_processes

    forget_dead_processes()


@worker_init.connect
def _lower_priority(**_):
    # The web serves citizens while the workers drain a backlog: the workers yield the CPU to it.
    from django.conf import settings

    lower_cpu_priority(settings.SMC_WORKER_NICE)


@task_prerun.connect
@task_postrun.connect
def _keep_connections(sender=None, **_):
    """Between tasks, what Django does between requests: a connection is kept while it works and is
    younger than CONN_MAX_AGE (settings), closed otherwise. A task's advisory locks still never
    outlive it: core.locks releases each one, and drops the session when it cannot. A task run eagerly
    (apply(), in the caller's process) is part of the caller's work: its connection is left alone."""
    from django.db import close_old_connections

    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


SENT_AT = "smc_sent_at"  # a task message's header: when it was queued (smc/health.py reads it)


@before_task_publish.connect
def _stamp(headers=None, **_):
    """Every task carries the moment it was queued, so /healthz can tell how long the oldest one of a
    queue has waited (Celery's own messages carry no such time)."""
    if headers is not None:
        headers.setdefault(SENT_AT, time.time())


_started: dict[str, tuple[float, list]] = {}


@task_prerun.connect
def _task_begins(task_id=None, task=None, **_):
    """The log's task id and name while the task runs; the start of its duration for /metrics."""
    tokens = [logged_task_id.set(task_id or ""), logged_task_name.set(getattr(task, "name", "") or "")]
    _started[task_id] = (time.perf_counter(), tokens)


@task_postrun.connect
def _task_ends(task_id=None, task=None, state=None, **_):
    began = _started.pop(task_id, None)
    if began is None:
        return
    started, tokens = began
    TASK_DURATION.labels(getattr(task, "name", "unknown"), state or "unknown").observe(time.perf_counter() - started)
    for var, token in zip((logged_task_id, logged_task_name), tokens, strict=True):
        try:
            var.reset(token)
        except ValueError:  # another thread's context (the broadcast worker's pool): leave it
            var.set("")
