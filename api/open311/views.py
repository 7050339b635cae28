"""GeoReport v2 endpoints: parse the query or form, call open311.service, write JSON or XML."""

import math
import re
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from textkit.textclean import sanitize_text
from users import lockout

from .. import keys
from ..throttles import Open311Throttle
from . import service, wire
from .service import Open311Error

SPEC = "http://wiki.open311.org/GeoReport_v2"
MAX_DAYS = 90  # "may not span more than 90 days"
LOCK_SCOPE = "open311"
DESCRIPTION_CUT = service.DESCRIPTION_MAX + 1  # long enough to tell that a description is too long
# Pages of GET requests (`page`, `page_size`, as other GeoReport v2 servers page): small by default,
# so an anonymous call costs little; the spec's 1,000 is no longer one response.
PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE = 20, 100, 10_000


def require_http_methods(methods):
    """Django's decorator, answering a wrong method with an Open311 error array (405) too; and every
    request is counted on the API's anonymous throttle (per address, SMC_RATE_API_ANON)."""
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            fmt = kwargs.get("fmt", "json")
            if request.method not in methods:
                response = wire.errors(fmt, 405, f"method not allowed: use {', '.join(methods)}")
                response["Allow"] = ", ".join(methods)
                return response
            throttle = Open311Throttle()
            if not throttle.allow_request(request, None):
                wait = max(1, math.ceil(throttle.wait() or 1))
                response = wire.errors(fmt, 429, f"too many requests from this address; retry after {wait} s "
                                                 "(요청이 너무 많습니다)")
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def _jurisdiction(request: HttpRequest) -> None:
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
    if given and given != settings.SMC_OPEN311_JURISDICTION:
        raise Open311Error(404, f"jurisdiction_id {given[:50]!r} not found; this endpoint serves "
                                f"{settings.SMC_OPEN311_JURISDICTION}")


def _answer(fmt: str, build):
    try:
        return build()
    except Open311Error as exc:
        return wire.errors(fmt, exc.status, exc.description)


@require_http_methods(["GET", "HEAD"])
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311-root"))
    data = {"changeset": "2026-01-01T00:00:00+09:00", "contact": settings.SMC_OPEN311_CONTACT,
            "key_service": "서울시 소셜미디어센터(SMC) 데스크에 기관명과 연락처를 보내 api_key를 받으세요. "
                           "(Ask the SMC desk for an api_key.)",
            "endpoints": [{"specification": SPEC, "url": base, "changeset": "2026-01-01T00:00:00+09:00",
                           "type": "production", "formats": ["text/xml", "application/json"]}]}
    return wire.render(fmt, data, root="discovery", item_names={"endpoints": "endpoint", "formats": "format"})


@require_http_methods(["GET", "HEAD"])
def services(request, fmt):
    def build():
        _jurisdiction(request)
        return wire.render(fmt, service.services(), root="services", item="service")
    return _answer(fmt, build)


@require_http_methods(["GET", "HEAD"])
def service_definition(request, code, fmt):
    def build():
        _jurisdiction(request)
        return wire.render(fmt, service.service_definition(code), root="service_definition",
                           item_names={"attributes": "attribute", "values": "value"})
    return _answer(fmt, build)


def _date(request, name):
    value = request.GET.get(name)
    if not value:
        return None
    parsed = parse_datetime(value.replace(" ", "+")) if len(value) <= 40 else None
    if parsed is None:
        raise Open311Error(400, f"{name} must be a w3 datetime such as 2026-01-01T00:00:00+09:00")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _number(request, name: str, default: int, highest: int) -> int:
    value = request.GET.get(name, "")
    if not value:
        return default
    if not (value.isascii() and value.isdigit() and 1 <= int(value[:6]) <= highest and len(value) <= 6):
        raise Open311Error(400, f"{name} must be a whole number from 1 to {highest}")
    return int(value)


def _page(request) -> tuple[int, int]:
    """(offset, size) of the page asked for."""
    size = _number(request, "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
    return (_number(request, "page", 1, MAX_PAGE) - 1) * size, size


def _list(request, name) -> list[str]:
    return [v.strip() for v in sanitize_text(request.GET.get(name, "")).split(",") if v.strip()]


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def requests(request, fmt):
    if request.method == "POST":
        return _answer(fmt, lambda: _post(request, fmt))

    def build():
        _jurisdiction(request)
        offset, size = _page(request)
        ids = _list(request, "service_request_id")
        if ids:
            if not all(i.isdigit() and len(i) < 19 for i in ids):
                raise Open311Error(400, "service_request_id must be a comma-separated list of ids")
            if len(ids) > MAX_PAGE_SIZE:
                raise Open311Error(400, f"at most {MAX_PAGE_SIZE} service_request_id values at once")
            found = service.find([int(i) for i in ids], offset=offset, limit=size)
            return wire.render(fmt, found, root="service_requests", item="request")
        statuses = _list(request, "status")
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, "status must be open, closed or both (comma-separated)")
        start, end = _date(request, "start_date"), _date(request, "end_date")
        if start and end and start > end:
            raise Open311Error(400, "start_date is after end_date")
        if start and end and end - start > timedelta(days=MAX_DAYS):
            raise Open311Error(400, f"the date range may not span more than {MAX_DAYS} days")
        if not start:
            start = (end or timezone.now()) - timedelta(days=MAX_DAYS)
        codes = _list(request, "service_code")
        if any(code not in service.Topic.values for code in codes):
            raise Open311Error(404, "service_code not found; see services.json")
        found = service.find(service_codes=codes, start=start, end=end, statuses=statuses, offset=offset, limit=size)
        return wire.render(fmt, found, root="service_requests", item="request")
    return _answer(fmt, build)


def _post(request, fmt):
    _jurisdiction(request)
    ip = lockout.client_ip(request)
    if lockout.locked_for(LOCK_SCOPE, ip=ip):
        raise Open311Error(429, "too many invalid api_key values from this address; try again later")
    key = keys.open311_key_for(request.POST.get("api_key", ""))
    if key is None:
        lockout.record_failure(LOCK_SCOPE, ip=ip)
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request")
    if is_ratelimited(request, group="open311_post", key=lambda *_: key.key_hash,
                      rate=settings.SMC_RATE_OPEN311_POST, increment=True):
        raise Open311Error(429, f"rate limit of this api_key reached ({settings.SMC_RATE_OPEN311_POST})")
    # Every text through the platform's one sanitiser (no NUL, control or invisible characters).
    post = {sanitize_text(k)[:100]: sanitize_text(v)[:DESCRIPTION_CUT] for k, v in request.POST.items()}
    service_code = post.get("service_code", "")
    if not service_code:
        raise Open311Error(400, "service_code is required")
    lat, long = post.get("lat", ""), post.get("long", "")
    if bool(lat) != bool(long):
        raise Open311Error(400, "lat and long go together")
    try:
        lat_f, long_f = (float(lat), float(long)) if lat else (None, None)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees (WGS84)") from None
    if lat_f is not None and not (-90 <= lat_f <= 90 and -180 <= long_f <= 180):  # type: ignore[operator]
        raise Open311Error(400, "lat and long must be decimal degrees (WGS84)")
    attributes = {k[len("attribute["):-1]: v[:200] for k, v in post.items()
                  if k.startswith("attribute[") and k.endswith("]")}
    if len(attributes) > 20:
        raise Open311Error(400, "too many attributes")
    contact = {k: post.get(k, "")[:200] for k in ("email", "phone", "device_id", "account_id", "media_url")
               if post.get(k)}
    first, last = post.get("first_name", "").strip(), post.get("last_name", "").strip()
    # Korean names are written family name first, without a space (김 + 철용 = 김철용): masked as one.
    author = last + first if re.fullmatch(r"[가-힣]*", first + last) else f"{first} {last}".strip()
    created = service.create(key, service_code=service_code, description=post.get("description", ""),
                             lat=lat_f, long=long_f, address_string=post.get("address_string", "")[:300],
                             attributes=attributes, contact=contact, author_name=author)
    data = [{"service_request_id": str(created.message_id), "token": created.token,
             "service_notice": "서울시 소셜미디어센터가 접수했습니다. 담당 부서가 처리 기한 안에 답변합니다.",
             "account_id": None}]
    return wire.render(fmt, data, root="service_requests", item="request", status=201)


@require_http_methods(["GET", "HEAD"])
def request_detail(request, request_id, fmt):
    def build():
        _jurisdiction(request)
        found = service.find([int(request_id)]) if request_id.isdigit() and len(request_id) < 19 else []
        if not found:
            raise Open311Error(404, f"service_request_id {request_id[:30]!r} not found")
        return wire.render(fmt, found, root="service_requests", item="request")
    return _answer(fmt, build)


@require_http_methods(["GET", "HEAD"])
def token(request, token_id, fmt):
    def build():
        _jurisdiction(request)
        return wire.render(fmt, [service.token_request(token_id)], root="service_requests", item="request")
    return _answer(fmt, build)


def root(request):
    return discovery(request, "json")


@csrf_exempt
def not_found(request, rest=""):
    fmt = "xml" if rest.endswith(".xml") else "json"
    return wire.errors(fmt, 404, "no such Open311 endpoint; see discovery.json")
