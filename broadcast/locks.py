"""Cross-process lock per delivery: a PostgreSQL session-level advisory lock.

The server frees it the moment the holder's session ends, so a worker killed mid-post never leaves a
stale lock and the redelivered task runs at once. (The inbox has the same helper; broadcast does not
import messages_app, so it keeps its own few lines, in its own key namespace.)
"""

from contextlib import contextmanager

from django.db import connection

DELIVER_BROADCAST = 1003  # high bits of the key; the inbox uses 1001 and 1002


def _key(namespace: int, key: int) -> int:
    return (namespace << 48) | (key & ((1 << 48) - 1))


@contextmanager
def advisory_lock(namespace: int, key: int):
    """Yields True when this process got the lock, False when another one holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_key(namespace, key)])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [_key(namespace, key)])
            except Exception:
                # The session is gone: the server has released the lock already.
                connection.close_if_unusable_or_obsolete()
