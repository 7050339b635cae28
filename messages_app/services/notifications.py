"""When a staff member last looked at their notifications (kept in Redis), and the header's counter
(cached a few seconds per user, so every staff page does not count again)."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from users.models import User

# Without a record (a new user, Redis emptied): what came in the last week counts as new.
DEFAULT_WINDOW = timedelta(days=7)
COUNT_SECONDS = 15


def _seen_key(user: User) -> str:
    return f"staff-notifications-seen:{user.pk}"


def _count_key(user: User) -> str:
    return f"staff-notifications-count:{user.pk}"


def seen_at(user: User, now: datetime | None = None) -> datetime:
    value = cache.get(_seen_key(user))
    if value:
        return datetime.fromisoformat(value)
    return (now or timezone.now()) - DEFAULT_WINDOW


def mark_seen(user: User, now: datetime | None = None) -> None:
    cache.set(_seen_key(user), (now or timezone.now()).isoformat(), timeout=None)
    cache.delete(_count_key(user))


def header_count(user: User, count: Callable[[User, datetime], int]) -> int:
    """`count(user, seen_at)` (selectors.notification_count), at most once per COUNT_SECONDS."""
    value = cache.get(_count_key(user))
    if value is None:
        value = count(user, seen_at(user))
        cache.set(_count_key(user), value, timeout=COUNT_SECONDS)
    return value


def forget_count(user_id: int) -> None:
    """After an assignment: the assignee's counter is drawn again on their next page."""
    cache.delete(f"staff-notifications-count:{user_id}")
