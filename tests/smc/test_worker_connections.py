"""Workers keep their PostgreSQL session between tasks, as the web does between requests (smc/celery.py):
Celery's Django fix-up alone would open a new one (a forked server process) for every task."""

import uuid

import pytest
import redis
from django.conf import settings
from django.db import DataError, connection, connections, transaction

from core import locks
from smc.celery import app
from tests.waiting import wait_until
from tests.workers import WorkerProcess, database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _pids_of_tasks(tmp_path, conn_max_age: str, tasks: int = 4) -> list[int]:
    key = f"conn-{uuid.uuid4().hex[:10]}"
    r = redis.Redis.from_url(settings.REDIS_URL)
    worker = WorkerProcess(["tests.smc.connection_worker", key, key],
                           {"DATABASE_URL": database_url(connection.settings_dict), "CELERY_QUEUE": key,
                            "CONN_MAX_AGE": conn_max_age, "REDIS_URL": settings.REDIS_URL},
                           tmp_path / "worker.log", settings.BASE_DIR, r, f"{key}:ready")
    worker.start()
    try:
        for _ in range(tasks):
            app.send_task(f"tests.backend_pid.{key}", queue=key)
        wait_until(lambda: r.llen(f"{key}:pids") >= tasks, f"{tasks} tasks to run", logs=[tmp_path / "worker.log"])
        return [int(pid) for pid in r.lrange(f"{key}:pids", 0, -1)]
    finally:
        worker.stop()
        r.delete(f"{key}:pids", f"{key}:ready")


def test_a_worker_runs_its_tasks_on_one_session(tmp_path):
    pids = _pids_of_tasks(tmp_path, conn_max_age="60")
    assert len(pids) == 4 and len(set(pids)) == 1


def test_a_connection_older_than_conn_max_age_is_replaced_between_tasks(tmp_path):
    # CONN_MAX_AGE=0: Django's rule closes it after each task, so every task gets a new session.
    pids = _pids_of_tasks(tmp_path, conn_max_age="0")
    assert len(set(pids)) == 4


def _lock_is_free(key: int) -> bool:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [locks._key(locks.POLL_ACCOUNT, key)])
            got = cursor.fetchone()[0]
            if got:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [locks._key(locks.POLL_ACCOUNT, key)])
            return got
    finally:
        other.close()


def test_a_lock_that_cannot_be_released_goes_with_its_session():
    """A session outlives its task now: a lock the unlock cannot reach (the transaction it was taken in
    has failed) must not stay held for the next task."""
    key = 424242
    with transaction.atomic():
        with locks.advisory_lock(locks.POLL_ACCOUNT, key) as got:
            assert got and not _lock_is_free(key)
            with pytest.raises(DataError), connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")  # the transaction is aborted: no unlock can run in it
    assert connection.connection is None  # the session was closed, and with it the lock
    assert _lock_is_free(key)
