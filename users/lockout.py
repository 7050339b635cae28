"""Password lockout, for every door that checks a secret: the staff login, the citizen login (through
users.adapter), API tokens and Open311 api_keys.

Two counters, both in the Redis cache:
- the client address: SMC_LOGIN_FAILURE_LIMIT failures within SMC_LOGIN_LOCKOUT_SECONDS lock the
  address for that many seconds (so one address cannot try many names, or one name many times);
- the login name: failures from anywhere never lock it. From the limit on, each further failure makes
  the next try of that name wait, 1 s and doubling up to NAME_DELAY_MAX: guessing one name from many
  addresses slows to a try a minute, while its owner is kept out a minute at most (a hard lock of the
  name let anyone lock `alert_approver` out during an emergency). A success clears the name's count.
Refused tries are not counted, so neither wait grows while it holds. The address is the visitor's
(client_ip: SMC_TRUSTED_PROXY_COUNT), never the proxy's. Times come from `clock` (tests replace it).

    wait = lockout.locked_for("admin", username=name, ip=lockout.client_ip(request))
    if wait: refuse(lockout.message(wait))
    ... check the password ...
    locked = lockout.record_failure("admin", username=name, ip=ip)   # or record_success(...)
"""

import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache

NAME_DELAY_MAX = 60  # seconds: the longest a name's owner may have to wait
# Clients whose address is not known (no REMOTE_ADDR, e.g. a server on a unix socket without trusted
# proxies) share this one: they are limited together rather than not at all.
UNKNOWN = "0.0.0.0"
clock = time.time


def limit() -> int:
    return settings.SMC_LOGIN_FAILURE_LIMIT


def window() -> int:
    return settings.SMC_LOGIN_LOCKOUT_SECONDS


def client_ip(request) -> str:
    """The visitor's address: REMOTE_ADDR, or behind SMC_TRUSTED_PROXY_COUNT proxies the address the
    nearest trusted proxy saw (that many entries from the right of X-Forwarded-For; entries further
    left are the client's to forge). The one rule for lockouts, rate limits (RATELIMIT_IP_META_KEY)
    and the API's throttles (api.throttles). A value that is not an address falls back to REMOTE_ADDR,
    and no address at all to UNKNOWN."""
    if request is None:
        return ""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or UNKNOWN
    proxies = settings.SMC_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    return _address(hops[-min(proxies, len(hops))]) or remote


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def _name_key(scope: str, username: str) -> str | None:
    name = (username or "").strip().lower()
    # Names are hashed: they may be mistyped passwords.
    return f"lockout:{scope}:name:{hashlib.sha256(name.encode()).hexdigest()}" if name else None


def _address_key(scope: str, ip: str) -> str | None:
    return f"lockout:{scope}:ip:{ip}" if ip else None


def _wait_until(key: str | None) -> float:
    return float(cache.get(f"{key}:until") or 0) if key else 0.0


def locked_for(scope: str, *, username: str = "", ip: str = "") -> int:
    """Seconds until this name may be tried again from this address; 0 when it may now."""
    until = max(_wait_until(_name_key(scope, username)), _wait_until(_address_key(scope, ip)))
    return max(0, math.ceil(until - clock()))


def _count(key: str) -> int:
    cache.add(key, 0, timeout=window())  # the window starts at the first failure
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window())
        return 1


def name_delay(failures: int) -> int:
    """The wait after the name's `failures`-th failure: none below the limit, then 1, 2, 4 … s."""
    beyond = failures - limit()
    return 0 if beyond < 0 else min(NAME_DELAY_MAX, 2 ** min(beyond, 16))


def record_failure(scope: str, *, username: str = "", ip: str = "") -> list[str]:
    """Count one failure for the name and the address. Returns what this failure started: "address"
    (locked for the window) and "name" (from now on delayed), each once, when its count reaches the limit."""
    started = []
    now = clock()
    address = _address_key(scope, ip)
    if address and _count(address) >= limit():
        cache.set(f"{address}:until", now + window(), timeout=window() + 60)
        cache.delete(address)  # counted afresh once the lock is over
        started.append("address")
    name = _name_key(scope, username)
    if name:
        failures = _count(name)
        cache.expire(name, window())  # a name under attack keeps its count while the attack goes on
        delay = name_delay(failures)
        if delay:
            cache.set(f"{name}:until", now + delay, timeout=delay + 60)
        if failures == limit():
            started.append("name")
    return started


def record_success(scope: str, *, username: str = "") -> None:
    name = _name_key(scope, username)
    if name:
        cache.delete_many([name, f"{name}:until"])


def message(wait_seconds: int) -> str:
    if wait_seconds < 60:
        return (f"로그인 실패가 많아 잠시 기다려야 합니다. {wait_seconds}초 후에 다시 시도하세요. "
                f"(Too many failed logins: try again in {wait_seconds} second{'s' if wait_seconds > 1 else ''}.)")
    minutes = max(1, math.ceil(wait_seconds / 60))
    return (f"로그인에 {limit()}번 실패하여 잠시 잠겼습니다. {minutes}분 후에 다시 시도하세요. "
            f"(Too many failed logins: try again in {minutes} minute{'s' if minutes > 1 else ''}.)")
