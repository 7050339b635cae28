"""The org chart's lists every staff queue page draws (divisions, accounts, division members) and the
canned answers the message page offers, kept in the cache: read on each page they cost more than the
page's rows. Any change to a division, an account, a membership, a user or a canned answer drops them
(connect() in the app's ready), and they expire anyway."""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from accounts.models import Account, Platform
from core.versioned import VersionedCache
from departments.models import Bureau, Division, Membership
from users.models import User

from ..models import CannedAnswer

T = TypeVar("T")
TTL = 300


# Kept in the process and the cache under a version replaced by every change (core.versioned): dropping
# the lists is one write, not a key scan, and a page reads no list from the cache while none changed.
LISTS = VersionedCache("staff:org", TTL)
VERSION_KEY = LISTS.version_key


def _cached(name: str, read: Callable[[], T]) -> T:
    return LISTS.get(name, read)


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


def account_handles() -> dict[int, str]:
    """{account pk: handle} (the queue's rows)."""
    return _cached("handles", lambda: dict(Account.objects.values_list("pk", "handle")))


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """{user pk: display name or username}, read now."""
    return {pk: display or username for pk, display, username
            in User.objects.filter(pk__in=list(ids)).values_list("pk", "display_name", "username")}


def staff_names() -> dict[int, str]:
    """{user pk: display name or username} of every member of staff (whom the queue's rows are assigned to)."""
    def read() -> dict[int, str]:
        return user_names(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    return _cached("staff-names", read)


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


def canned_answers(division_id: int | None) -> list[CannedAnswer]:
    """Everyone's canned answers and the division's own, by title (the message page's answer box)."""
    def read() -> list[CannedAnswer]:
        return list(CannedAnswer.objects.filter(Q(division__isnull=True) | Q(division_id=division_id)))
    return _cached(f"canned:{division_id}", read)


def forget(sender: type | None = None, update_fields: Iterable[str] | None = None, **kwargs: object) -> None:
    if sender is User and update_fields and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing the lists show
    LISTS.forget()


def connect() -> None:
    for model in (Bureau, Division, Account, Membership, User, CannedAnswer):
        post_save.connect(forget, sender=model, dispatch_uid=f"org-lists-save-{model.__name__}")
        post_delete.connect(forget, sender=model, dispatch_uid=f"org-lists-delete-{model.__name__}")
