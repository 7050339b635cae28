"""The emergency banner on every portal page, fresh even on pages cached for anonymous visitors.

Pages carry a placeholder (templates/base.html); AlertBannerMiddleware swaps in this fragment on the
way out, after any whole-page cache. The fragment itself is cached a few seconds per language and
dropped when an alert is approved, so sending and cancelling show at once and expiry within
BANNER_SECONDS.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors

PLACEHOLDER = "<!--smc:alert-banner-->"
BANNER_SECONDS = 5
LANGUAGES = ("ko", "en")


def cache_key(language: str) -> str:
    """Where the fragment of this language is cached: a cached page reads it in the same round trip
    as itself and leaves it on `request.alert_banner` for the middleware."""
    return f"broadcast:banner:{language if language in LANGUAGES else 'ko'}"


def invalidate() -> None:
    cache.delete_many([cache_key(lang) for lang in LANGUAGES])


def render(language: str) -> str:
    language = language if language in LANGUAGES else "ko"
    html = cache.get(cache_key(language))
    if html is not None:
        return html
    now = timezone.now()
    alerts = list(selectors.in_effect(now)[:3])
    html = render_to_string("broadcast/_banner.html", {"alerts": alerts, "en": language == "en"}) if alerts else ""
    seconds = BANNER_SECONDS
    if alerts:
        # Never keep a banner past the moment its alert expires.
        soonest = min(a.expires for a in alerts)
        seconds = max(1, min(seconds, int((soonest - now).total_seconds()) + 1))
    cache.set(cache_key(language), html, seconds)
    return html
