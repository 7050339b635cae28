"""/healthz: the state of PostgreSQL, Redis and the Celery worker; 503 when one is down."""

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from .celery import app as celery_app


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
        except Exception as exc:  # noqa: BLE001 - any failure means "down", with its reason
            healthy = False
            results[name] = f"down: {type(exc).__name__}"
    return JsonResponse({"status": "ok" if healthy else "down", "checks": results},
                        status=200 if healthy else 503)
