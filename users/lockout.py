"""Password lockout, for every door that checks a secret: the staff login today, API tokens later.

SMC_LOGIN_FAILURE_LIMIT failures within SMC_LOGIN_LOCKOUT_SECONDS lock the user name, and separately the
client address (so one address cannot try many names), until that many seconds have passed since the
lockout. The same two settings set the citizen login's limit (allauth's "login_failed"), so both logins
lock alike. Counters live in the Redis cache; a lock does not grow while it holds (attempts refused
during it are not counted), and a successful login clears its name's counter but not its address's.

    wait = lockout.locked_for("admin", username=name, ip=lockout.client_ip(request))
    if wait: refuse(lockout.message(wait))
    ... check the password ...
    locked = lockout.record_failure("admin", username=name, ip=ip)   # or record_success(...)
"""

import hashlib
import math

from django.conf import settings
from django.core.cache import cache


def limit() -> int:
    return settings.SMC_LOGIN_FAILURE_LIMIT


def window() -> int:
    return settings.SMC_LOGIN_LOCKOUT_SECONDS


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _keys(scope: str, username: str = "", ip: str = "") -> dict[str, str]:
    """{"name" | "address": cache key}. Names are hashed: they may be mistyped passwords."""
    keys = {}
    name = (username or "").strip().lower()
    if name:
        keys["name"] = f"lockout:{scope}:name:{hashlib.sha256(name.encode()).hexdigest()}"
    if ip:
        keys["address"] = f"lockout:{scope}:ip:{ip}"
    return keys


def locked_for(scope: str, *, username: str = "", ip: str = "") -> int:
    """Seconds until the name or the address may try again; 0 when neither is locked."""
    wait = 0
    for key in _keys(scope, username, ip).values():
        if (cache.get(key) or 0) >= limit():
            wait = max(wait, cache.ttl(key) or 1)
    return wait


def record_failure(scope: str, *, username: str = "", ip: str = "") -> list[str]:
    """Count one failure for the name and the address. Returns what this failure locked ("name",
    "address"): each is returned once, when its count reaches the limit."""
    locked = []
    for what, key in _keys(scope, username, ip).items():
        cache.add(key, 0, timeout=window())  # the window starts at the first failure
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window())
            count = 1
        if count == limit():
            cache.expire(key, window())  # locked for a whole window from now
            locked.append(what)
    return locked


def record_success(scope: str, *, username: str = "") -> None:
    for key in _keys(scope, username).values():
        cache.delete(key)


def message(wait_seconds: int) -> str:
    minutes = max(1, math.ceil(wait_seconds / 60))
    return (f"로그인에 {limit()}번 실패하여 잠시 잠겼습니다. {minutes}분 후에 다시 시도하세요. "
            f"(Too many failed logins: try again in {minutes} minute{'s' if minutes > 1 else ''}.)")
