"""Who has a message open, and who is writing an answer to it, kept in Redis with an expiry.

Each open message page reports every HEARTBEAT seconds (one request, no faster); an entry older than
TTL seconds (a page closed, a laptop shut) no longer counts. One Redis hash per message: user id →
"state|name|seen", so two staff reporting at once never overwrite each other.
"""

import time

from django.core.cache import cache
from django_redis import get_redis_connection

from users.models import User

HEARTBEAT = 15
TTL = 2 * HEARTBEAT + 5
VIEWING, WRITING = "viewing", "writing"
STATE_LABELS = {VIEWING: "보는 중", WRITING: "답변 작성 중"}


def _key(message_id: int) -> str:
    return cache.make_key(f"presence:{message_id}")


def report(message_id: int, user: User, state: str = VIEWING, now: float | None = None) -> list[dict]:
    """I am on this message; returns the others on it, as others() does (read in the same round trip)."""
    now = time.time() if now is None else now
    state = state if state in STATE_LABELS else VIEWING
    name = (getattr(user, "display_name", "") or user.get_username()).replace("|", " ")[:60]
    redis = get_redis_connection("default")
    pipe = redis.pipeline()
    pipe.hset(_key(message_id), str(user.pk), f"{state}|{name}|{now:.0f}")
    pipe.expire(_key(message_id), TTL)
    pipe.hgetall(_key(message_id))
    return _others(pipe.execute()[-1], user, now)


def leave(message_id: int, user: User) -> None:
    get_redis_connection("default").hdel(_key(message_id), str(user.pk))


def others(message_id: int, user: User, now: float | None = None) -> list[dict]:
    """The other staff on this message now: [{"name", "state", "label"}], writers first."""
    now = time.time() if now is None else now
    return _others(get_redis_connection("default").hgetall(_key(message_id)), user, now)


def _others(entries: dict, user: User, now: float) -> list[dict]:
    found = []
    for uid, value in entries.items():
        uid = uid.decode() if isinstance(uid, bytes) else uid
        value = value.decode() if isinstance(value, bytes) else value
        state, name, seen = (value.split("|", 2) + ["", ""])[:3]
        if uid == str(user.pk) or not seen.isdigit() or now - int(seen) > TTL:
            continue
        found.append({"name": name, "state": state, "label": STATE_LABELS.get(state, "")})
    return sorted(found, key=lambda o: (o["state"] != WRITING, o["name"]))
