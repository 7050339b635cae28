"""Cross-process locks held in PostgreSQL (session-level advisory locks).

Chosen over a Redis lock with a timeout: PostgreSQL frees an advisory lock the moment its session
ends, so a worker killed mid-task (SIGKILL, dropped connection) never leaves a stale lock behind and
the redelivered task can run at once, while a live holder keeps it however long the task takes.
One module for every app's locks, so their key namespaces are listed in one place.
"""

from contextlib import contextmanager

from django.db import connection

# High bits of the bigint key, so our locks never collide with another feature's.
POLL_ACCOUNT = 1001
# 1002 and 1003 were the answer outbox's and the broadcast deliveries' own keys, now one posting's.
POSTING = 1004  # outbound.services.post_once: one attempt per posting at a time
# One transaction-level key: one process trains or activates a classifier version at a time.
CLASSIFIER_VERSIONS = 0x534D43_01
# One transaction-level key: the dashboard's rollup triggers (dashboard/sql.py) of one transaction at a
# time, so that two transactions counting into the same rollup rows in two statements never deadlock.
DASHBOARD_ROLLUPS = 0x534D43_02


def transaction_lock(key: int) -> None:
    """Waits for `key` and holds it until the current transaction ends (pg_advisory_xact_lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _key(namespace: int, key: int) -> int:
    return (namespace << 48) | (key & ((1 << 48) - 1))


@contextmanager
def advisory_lock(namespace: int, key: int):
    """Yields True when this process got the lock, False when another process holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(namespace, key)])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            _release(namespace, key)


def _release(namespace: int, key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(namespace, key)])
    except Exception:
        # Either the session is gone (the server has released the lock already) or it cannot run the
        # unlock (an aborted transaction): closing it frees the lock either way, since connections
        # outlive tasks (smc.celery).
        connection.close()
