"""/healthz: the state of PostgreSQL, Redis, the Celery workers and their queues.

"ok" (200) when all is well; "degraded" (503) when everything answers but a queue of the Procfile
(the default queue, the broadcast queue) has no worker consuming it, or its oldest task has waited
longer than MAX_WAIT_SECONDS: an emergency broadcast queued where no worker takes it must not look
healthy; "down" (503) when a dependency does not answer or no worker does.

The answer is public: it says which dependency is down, never why (an exception's class or text
tells an attacker the stack and sometimes a host name). The reason goes to the server's log.
"""

import json
import logging
import time
from collections import Counter

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from outbound.models import Posting
from outbound.services import queue_name

from .celery import SENT_AT
from .celery import app as celery_app
from .logs import scrub

logger = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 60
clock = time.time  # tests move it

class Degraded(Exception):
    """Up, but not doing its work."""


def watched_queues() -> list[str]:
    """The queues the Procfile's workers consume: each must have a consumer."""
    return [queue_name(Posting.Kind.ANSWER), queue_name(Posting.Kind.BROADCAST)]


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    cache.client.get_client().ping()
    return "ok"


def _workers() -> dict:
    """{worker name: [queue, …]} of the workers that answer within a second."""
    replies = celery_app.control.inspect(timeout=1.0).active_queues() or {}
    if not replies:
        raise RuntimeError("응답하는 Celery 워커가 없습니다")
    return replies


def oldest_wait(client, queue: str, now: float) -> float:
    """Seconds the oldest task of `queue` has waited in the broker (kombu pushes on the left and
    takes from the right: the oldest is last); 0 when it is empty or its time is not known."""
    raw = client.lindex(queue, -1)
    if raw is None:
        return 0.0
    try:
        sent_at = float(json.loads(raw)["headers"][SENT_AT])
    except (ValueError, KeyError, TypeError):
        return 0.0
    return max(0.0, now - sent_at)


def _queue(client, queue: str, consumers: int, now: float) -> str:
    waiting = client.llen(queue)
    waited = oldest_wait(client, queue, now)
    if not consumers:
        raise Degraded(f"no consumer, {waiting} waiting")
    if waited > MAX_WAIT_SECONDS:
        raise Degraded(f"oldest task waiting {int(waited)} s, {waiting} waiting, {consumers} consumer(s)")
    return f"ok ({consumers} consumer{'s' if consumers > 1 else ''}, {waiting} waiting)"


def _queues(consumers: Counter, run) -> dict[str, str]:
    now = clock()
    with celery_app.connection_for_read() as broker:
        client = broker.default_channel.client
        return {queue: run(f"queue {queue}", lambda q=queue: _queue(client, q, consumers[q], now))
                for queue in watched_queues()}


def healthz(request):
    results: dict = {}
    state = "ok"

    def run(name, check):
        nonlocal state
        try:
            return check()
        except Degraded as exc:
            state = "down" if state == "down" else "degraded"
            return f"degraded: {exc}"
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            state = "down"
            logger.warning("healthz: %s is down: %s: %s", name, type(exc).__name__, scrub(str(exc)))
            return "down"

    results["postgresql"] = run("postgresql", _database)
    results["redis"] = run("redis", _redis)
    workers = run("celery_worker", _workers)
    if isinstance(workers, dict):
        results["celery_worker"] = f"ok ({len(workers)})"
        consumers = Counter(q["name"] for queues in workers.values() for q in queues or [])
        results["queues"] = run("queues", lambda: _queues(consumers, run))
    else:
        results["celery_worker"] = workers
    return JsonResponse({"status": state, "checks": results}, status=200 if state == "ok" else 503)
