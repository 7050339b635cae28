"""Who sees the dashboard: the mayor's office, the SMC desk and superusers everything; a division
head the figures of their own division(s); everyone else is refused, and the refusal audited as
the staff screens do."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from departments.models import Membership
from messages_app.services import permissions
from users import roles

ACTION = "dashboard"


@dataclass(frozen=True)
class Scope:
    all: bool
    division_ids: tuple[int, ...] = ()


def scope(user) -> Scope | None:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    groups = set(user.groups.values_list("name", flat=True))
    if user.is_superuser or groups & {roles.MAYORS_OFFICE, roles.SMC_DESK}:
        return Scope(all=True)
    memberships = Membership.objects.filter(user=user)
    if roles.DIVISION_HEAD not in groups:
        memberships = memberships.filter(is_head=True)
    ids = tuple(sorted(memberships.values_list("division_id", flat=True)))
    return Scope(all=False, division_ids=ids) if ids else None


def refuse(user, path: str, why: str = "") -> PermissionDenied:
    permissions.audit(user, ACTION, None, f"권한 없음: 통계 열람 거부 {path} {why}".strip(), allowed=False)
    return PermissionDenied(_("통계 화면을 볼 권한이 없습니다."))
