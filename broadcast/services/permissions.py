"""Who may draft and who may approve a broadcast (roles in users/roles.py); workflow and sending
both ask, so it sits apart from them (no import cycle between the two)."""

from django.contrib.auth.models import AnonymousUser

from users.models import User

AnyUser = User | AnonymousUser


def can_draft(user: AnyUser | None) -> bool:
    return bool(user and user.is_active and user.has_perm("broadcast.add_broadcast"))


def can_approve(user: AnyUser | None) -> bool:
    return bool(user and user.is_active and user.has_perm("broadcast.approve_broadcast"))
