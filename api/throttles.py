"""Throttles on the Redis cache: anonymous clients per address, token holders per user."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AnonThrottle(AnonRateThrottle):
    scope = "api_anon"


class TokenThrottle(UserRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None  # AnonThrottle's
        return super().get_cache_key(request, view)
