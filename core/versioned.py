"""Small derived values read on every staff page (who may do what, the org chart's lists), kept in this
process and in the shared cache under a version token that any change replaces.

- The version is read from the shared cache once per request (every registered version in one round
  trip, at the first use), so a change made by any process is seen by every process's next request.
  Outside a request (tasks, commands) it is read on every use.
- A change replaces the token at once and again when its transaction commits: a process that read the
  database between the two (before the commit) kept its values under the first token only.
- Inside a transaction nothing is read from or written to the cache: the transaction may see (and would
  share) what it has not committed and may roll back.
- The token is random, not a counter: a flushed cache never brings back a version a process still holds.
"""

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction

T = TypeVar("T")
_MISSING = object()
# Per process: enough for every user of a busy hour; past it the kept values are dropped and read again.
MAX_LOCAL = 5000

_request = threading.local()  # .versions: {version key: token} read during the current request
_registry: list["VersionedCache"] = []


def _new_token() -> str:
    return secrets.token_hex(8)


def _read_versions(keys: list[str]) -> dict[str, str]:
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            token = _new_token()
            found[key] = token if cache.add(key, token, None) else cache.get(key, token)
    return found


class VersionedCache:
    def __init__(self, name: str, ttl: int):
        self.name, self.ttl = name, ttl
        self.version_key = f"{name}:version"
        self._local: dict[str, tuple[float, Any]] = {}
        self._local_version: str | None = None
        _registry.append(self)

    def version(self) -> str:
        versions = getattr(_request, "versions", None)
        if versions is None:  # not in a request: read it now
            return _read_versions([self.version_key])[self.version_key]
        if self.version_key not in versions:
            versions.update(_read_versions([c.version_key for c in _registry if c.version_key not in versions]))
        return versions[self.version_key]

    def get(self, item: str, read: Callable[[], T], shared: bool = True,
            keep: Callable[[T], bool] | None = None) -> T:
        """`read()`'s value, kept under the current version; `shared=False`: in this process only;
        `keep`: which values are kept (the others are read again on every use)."""
        if connection.in_atomic_block:
            return read()
        version = self.version()
        if version != self._local_version:
            self._local.clear()
            self._local_version = version
        now = time.monotonic()
        kept = self._local.get(item)
        if kept is not None and kept[0] > now:
            return cast(T, kept[1])
        key = f"{self.name}:{version}:{item}"
        value = cache.get(key, _MISSING) if shared else _MISSING
        if value is _MISSING:
            value = read()
            if keep is not None and not keep(value):
                return value
            if shared:
                cache.set(key, value, self.ttl)
        if len(self._local) >= MAX_LOCAL:
            self._local.clear()
        self._local[item] = (now + self.ttl, value)
        return cast(T, value)

    def forget(self) -> None:
        """Something these values are read from changed: a new version now, and again at the commit."""
        self._replace()
        if connection.in_atomic_block:
            transaction.on_commit(self._replace)

    def _replace(self) -> None:
        token = _new_token()
        cache.set(self.version_key, token, None)
        self._local.clear()
        self._local_version = None
        versions = getattr(_request, "versions", None)
        if versions is not None:
            versions[self.version_key] = token


def _begin(**kwargs: object) -> None:
    _request.versions = {}


def _end(**kwargs: object) -> None:
    _request.versions = None


request_started.connect(_begin, dispatch_uid="core.versioned.begin")
request_finished.connect(_end, dispatch_uid="core.versioned.end")
