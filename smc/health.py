"""/healthz: the state of PostgreSQL, Redis and the Celery worker; 503 when one is down.

The answer is public: it says which dependency is down, never why (an exception's class or text
tells an attacker the stack and sometimes a host name). The reason goes to the server's log.
"""

import logging
import re

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from .celery import app as celery_app

logger = logging.getLogger(__name__)

# Passwords a driver's error may quote: in a URL (scheme://user:password@host) or a libpq DSN.
_URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]*:)[^@\s]+@")
_DSN_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def scrub(text: str) -> str:
    return _DSN_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    cache.client.get_client().ping()
    return "ok"


def _worker() -> str:
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("응답하는 Celery 워커가 없습니다")
    return f"ok ({len(replies)})"


CHECKS = {"postgresql": _database, "redis": _redis, "celery_worker": _worker}


def healthz(request):
    results, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down"
            healthy = False
            results[name] = "down"
            logger.warning("healthz: %s is down: %s: %s", name, type(exc).__name__, scrub(str(exc)))
    return JsonResponse({"status": "ok" if healthy else "down", "checks": results},
                        status=200 if healthy else 503)
