import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest
from django.core.signals import request_finished
from django.http import Http404, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from api import errors as api_errors
from api.open311 import wire
from core.metrics import REQUEST_LATENCY

from . import logs

request_finished.connect(logs.forget_request, dispatch_uid="smc.logs.forget_request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContext:
    """First in the chain: gives the request an id for the log (the proxy's X-Request-ID when it
    looks like one, a new one otherwise; sent back in the response) and times it for /metrics by
    the view that answered (its URL name, never the path: paths hold ids and search words)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        # Cleared when the response is finished (smc.logs.forget_request), not here: Django logs a
        # 4xx/5xx after the middleware returns, and that line must carry the id too.
        logs.request_id.set(rid)
        logs.current_request.set(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match else "unmatched"
        REQUEST_LATENCY.labels(request.method if request.method in _METHODS else "other", view,
                               str(response.status_code)).observe(time.perf_counter() - started)
        response.headers.setdefault("X-Request-ID", rid)
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RefuseNulBytes:
    """A NUL byte in a URL is never a name or a value SMC uses, and PostgreSQL refuses it in any
    text (a 500 wherever it reached a query): a path with one is not found (404), a query string with
    one is a bad request (400). Under /api/ and /open311/ in their own error format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return self._refuse(request, 404, "no such address (NUL byte in the path)")
        if b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
            return self._refuse(request, 400, "the query string contains a NUL byte")
        return self.get_response(request)

    def _refuse(self, request, status: int, description: str):
        path = request.path_info
        if path.startswith("/api/"):
            code = "not_found" if status == 404 else "invalid"
            return JsonResponse(api_errors.body(code, status_code=status), status=status,
                                json_dumps_params={"ensure_ascii": False})
        if path.startswith("/open311/"):
            return wire.errors("xml" if path.rstrip("/").endswith(".xml") else "json", status, description)
        raise Http404(description) if status == 404 else BadRequest(description)


class KoreanFirstLocaleMiddleware:
    """Korean for everyone unless they chose English with the language switcher (a cookie).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: a Seoul civil
    servant's or citizen's English-language browser still gets the Korean service first. The API
    (/api/) is read by programs, which ask for a language on purpose: there Accept-Language counts
    when no cookie chose one (`name` fields then carry the English names).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        is_api = request.path_info.startswith("/api/")
        if chosen not in self.languages and is_api:
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if is_api else ("Cookie",))
        return response
