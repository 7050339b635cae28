"""The org chart's lists every staff queue page draws (divisions, accounts, division members), kept in
the cache: read as values on each page they cost more than the page's rows. Any change to a division,
an account, a membership or a user drops them (connect() in the app's ready), and they expire anyway."""

from collections.abc import Callable, Iterable
from typing import TypeVar, cast

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from accounts.models import Account, Platform
from departments.models import Bureau, Division, Membership
from users.models import User

T = TypeVar("T")
TTL = 300
VERSION_KEY = "staff:org:version"


def _cached(name: str, read: Callable[[], T]) -> T:
    # A version in the key, raised by every change: dropping the lists is one INCR, not a key scan.
    version = cache.get_or_set(VERSION_KEY, 1, None)
    return cast(T, cache.get_or_set(f"staff:org:{version}:{name}", read, TTL))


def division_names() -> dict[int, tuple[str, str]]:
    """{division pk: (bureau name, division name)}, in the bureaus' and divisions' order."""
    def read() -> dict[int, tuple[str, str]]:
        rows = Division.objects.order_by("bureau__name_ko", "name_ko").values_list("pk", "bureau__name_ko", "name_ko")
        return {pk: (bureau, name) for pk, bureau, name in rows}
    return _cached("divisions", read)


def account_choices() -> list[tuple[str, str]]:
    """(pk, '플랫폼 @handle') of every account, in the active language's platform names."""
    def read() -> list[tuple[str, str]]:
        return [(str(pk), f"{Platform(platform).label} @{handle}") for pk, platform, handle
                in Account.objects.order_by("platform", "handle").values_list("pk", "platform", "handle")]
    return _cached(f"accounts:{translation.get_language()}", read)


def members(division_ids: list[int] | None) -> list[tuple[str, str]]:
    """(user pk, '이름 (부서)') of the active members of these divisions (None: all), each user once."""
    def read() -> list[tuple[str, str]]:
        rows = Membership.objects.filter(user__is_active=True)
        if division_ids is not None:
            rows = rows.filter(division_id__in=division_ids)
        seen, out = set(), []
        for user_id, display, username, division in rows.order_by("division__name_ko", "user__username").values_list(
                "user_id", "user__display_name", "user__username", "division__name_ko"):
            if user_id not in seen:
                seen.add(user_id)
                out.append((str(user_id), f"{display or username} ({division})"))
        return out
    return _cached(f"members:{division_ids or 'all'}", read)


def forget(sender: type | None = None, update_fields: Iterable[str] | None = None, **kwargs: object) -> None:
    if sender is User and update_fields and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing the lists show
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: nothing was kept
        pass


def connect() -> None:
    for model in (Bureau, Division, Account, Membership, User):
        post_save.connect(forget, sender=model, dispatch_uid=f"org-lists-save-{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"org-lists-delete-{model.__name__}")
