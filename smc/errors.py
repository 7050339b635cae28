"""handler500: a failure of a dependency (PostgreSQL or Redis gone: a restart, a failover, a full disk) is
a 503 page that says the service is briefly unavailable and to try again, with Retry-After, never a
stack trace; under /api/ and /open311/ a JSON error. Any other failure stays Django's plain 500.

Django calls this for an exception anywhere in the request, middleware included (sessions and the
alert banner read the database before any view), whenever DEBUG is off."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.views.defaults import server_error as django_server_error
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .logs import scrub

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def _dependency_failure(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, UNAVAILABLE):  # a full disk too: PostgreSQL's class 53 is an OperationalError
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if not _dependency_failure(exc):
        return django_server_error(request, *args, **kwargs)
    logger.warning("503: a dependency is unavailable: %s: %s", type(exc).__name__, scrub(str(exc))[:300])
    path = getattr(request, "path_info", "")
    if path.startswith(("/api/", "/open311/")):
        response = JsonResponse({"error": {
            "code": "unavailable", "status": 503,
            "message_ko": "서비스를 잠시 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
            "message_en": "The service is briefly unavailable. Please try again shortly.",
            "retry_after": RETRY_AFTER_SECONDS}}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        # A plain template: no context processor, nothing that needs the database or the cache.
        # The language the locale middleware chose (the switcher's cookie), if it ran before the failure.
        html = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS,
                                                       "LANGUAGE_CODE": translation.get_language() or "ko"})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
