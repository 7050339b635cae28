"""One limit for every search path: the feed's, /support/'s and /search/'s `q` and the API's `?q=`
(api.views.public) run the same full-text query on the same public index, so they count on one
counter (group "search"), per address (per account when logged in). Unlimited searches are how hidden
digits get enumerated; a second door with a higher limit would undo the first."""

from django.conf import settings
from django_ratelimit.core import get_usage


def search_wait(request, query: str) -> int:
    """Count this search; 0 when it may run, else the seconds until the counter's window ends.
    A request without a query is no search and counts nothing."""
    if not (query or "").strip():
        return 0
    request = getattr(request, "_request", request)  # a DRF Request: the same counter as the portal's
    usage = get_usage(request, group="search", key="user_or_ip", rate=settings.SMC_RATE_SEARCH, increment=True)
    if usage is None or not usage["should_limit"]:
        return 0
    return max(1, usage["time_left"])
