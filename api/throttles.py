"""Throttles on the Redis cache: anonymous clients per address, token holders per user, and Open311's
requests per address on the anonymous clients' counter (one budget for the API in either format)."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from users.lockout import client_ip


class AnonThrottle(AnonRateThrottle):
    scope = "api_anon"

    def get_ident(self, request):
        return client_ip(request)  # the one trusted-proxy rule (SMC_TRUSTED_PROXY_COUNT)


class TokenThrottle(UserRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle's
        return super().get_cache_key(request, view)


class Open311Throttle(AnonThrottle):
    """Open311 (plain Django views) on the API's anonymous counter: the same key, so GeoReport and
    /api/v1/ share one budget per address. Everyone is counted, logged in or not: Open311 knows no
    login, and a portal session must not lift the limit."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
