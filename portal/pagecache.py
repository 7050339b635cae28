"""The shared page cache of the portal: visitors share a rendered copy of a page, kept a few seconds
(SMC_PORTAL_CACHE_SECONDS) in Redis, served stale-while-revalidate.

Two copies per page. Anonymous visitors get one identical copy: nothing on it needs a CSRF token
(their only form, the language switcher, is exempt), so none is made for them. Logged-in citizens
share a copy rendered for a generic member (`shared`), into which each citizen's CSRF token, likes and
own blocks are patched (portal.personal) instead of rendering the whole page for them. A copy is
served only while the generations it was rendered under are unchanged (portal.generations): a message
withdrawn or re-answered leaves the cache at once. The page, its generations and the emergency banner
(broadcast.banner) are read in one round trip; the copy is kept as UTF-8 bytes, ready to send.

A copy is keyed by what it was rendered from, and nothing else: the page, the language, the variant,
the scheme and Host (the share link is an absolute address), and the query parameters the page reads,
normalised by the view (`params`). Any other query string (`/?x=1`, `/?x=2` …) gets the same copy: it
neither renders the page again nor stores another copy in the Redis that also holds the broker and
the sessions. A view that cannot normalise a request (an invalid filter, a page number beyond
MAX_CACHED_PAGE) passes `params=None`: rendered for that request, stored nowhere.
"""

import functools
import hashlib
import inspect
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

from broadcast import banner
from textkit import masking

from . import personal

NO_TOKEN = "NOTPROVIDED"  # what Django's {% csrf_token %} renders as nothing
RENEWING = ":renewing"
RENEW_SECONDS = 10  # how long other visitors may wait for one render before another one tries
MAX_CACHED_PAGE = 50  # deeper pages of a list are rendered for whoever asks, not kept


def shared_variant(request) -> str | None:
    """Which shared copy of a page this request may get: "anon" for a pristine anonymous visitor,
    "member" for a logged-in citizen (their personal parts are patched in: portal.personal), None to
    render afresh (a flash message waiting, an anonymous session, the cache turned off)."""
    if not settings.SMC_PORTAL_CACHE_SECONDS or "messages" in request.COOKIES:
        return None
    if request.user.is_authenticated:
        return "member"
    return None if settings.SESSION_COOKIE_NAME in request.COOKIES else "anon"


@functools.cache
def masking_fingerprint() -> str:
    """Changes with the masking rules (a deploy): a copy rendered under the old rules, which may show
    what the new ones hide, is never served again."""
    return hashlib.sha1(inspect.getsource(masking).encode()).hexdigest()[:12]


def page_key(request, name: str, variant: str, params: dict[str, str]) -> str:
    source = "\n".join([masking_fingerprint(), request.scheme, request.get_host(), request.path,
                        urlencode(sorted(params.items()))])
    digest = hashlib.sha256(source.encode()).hexdigest()[:32]
    return f"portal:page:{name}:{get_language()}:{variant}:{digest}"


def cached_page(request, name: str, template: str, build, generations: list[str],
                params: dict[str, str] | None) -> HttpResponse:
    """Render `template` with `build(shared)`, or serve the shared copy rendered from the same `params`."""
    variant = shared_variant(request) if params is not None else None
    shared = variant == "member"
    key = page_key(request, name, variant, params) if variant and params is not None else None
    current: list = []
    if key:
        banner_key = banner.cache_key(get_language())
        found = cache.get_many([key, *generations, banner_key])
        request.alert_banner = found.get(banner_key)  # None: the banner middleware renders it
        current = [found.get(g) for g in generations]  # read before rendering: a change during it retires the copy
        hit = found.get(key)
        if hit is not None and len(hit) == 5 and hit[0] == current and still_served(key, hit[4]):
            _, rendered_token, body, facts, _fresh_until = hit
            return _serve(request, body, rendered_token, facts, shared)
    # "NOTPROVIDED" makes {% csrf_token %} print nothing: a token can never end up in the anonymous
    # copy, which every visitor shares.
    token = NO_TOKEN if variant == "anon" else get_token(request)
    context = build(shared)
    # A shared copy never carries the flash messages of whoever happened to render it.
    extra = {"csrf_token": token, "shared": shared, **({"messages": ()} if variant else {})}
    if params is not None:  # the page's own address in its links (login, language), as the key has it
        extra["here"] = request.path + (f"?{urlencode(sorted(params.items()))}" if params else "")
    body = render_to_string(template, {**context, **extra}, request=request).encode()
    facts = context.get("page_facts")
    if key:
        lifetime = settings.SMC_PORTAL_CACHE_SECONDS
        # Kept twice as long as it is fresh: the second half is for still_served's one-renders rule.
        cache.set(key, (current, token, body, facts, time.time() + lifetime), 2 * lifetime)
        cache.delete(key + RENEWING)
    return _serve(request, body, token, facts, shared)


def still_served(key: str, fresh_until: float) -> bool:
    """A copy whose generations still hold is served while fresh. Once it has aged, one request
    renders the page again and the others keep getting the aged copy meanwhile: without this, every
    web process missed the feed at the same moment and rendered it at once, and in a surge each of
    those renders took hundreds of milliseconds, long enough to queue every visitor behind them."""
    if time.time() < fresh_until:
        return True
    return not cache.add(key + RENEWING, 1, timeout=RENEW_SECONDS)


def _serve(request, body: bytes, rendered_token: str, facts, shared: bool) -> HttpResponse:
    if rendered_token != NO_TOKEN:
        body = body.replace(rendered_token.encode(), get_token(request).encode())
    if shared:
        body = personal.personalise(request.user, body.decode(), facts).encode()
    return HttpResponse(body)
