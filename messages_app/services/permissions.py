"""Who may read, answer, transfer or reclassify which message, and the audit of every staff action.

- superusers and the SMC desk: every message, every action;
- the mayor's office: reads every message, acts on none;
- division staff: act on the messages their division holds now; read those, the ones that passed
  through their division (both sides of a transfer see its history) and whatever is public, the last
  masked as the public sees it (sees_personal_data);
- a staff role without the model permissions (view_message to read, change_message to act): nothing.
A refusal is recorded (AuditEntry, allowed=False) before it is raised: call `require` outside any
transaction the refusal would roll back.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from departments.models import Membership
from users import access, roles
from users.models import User

from ..errors import Code
from ..models import AuditEntry, Kind, Message, Status, StatusChange

# request.user: a staff member, or anonymous (refused everything).
AnyUser = User | AnonymousUser

READ, ANSWER, TRANSFER, RECLASSIFY, BULK, STATUS, DELETE, ASSIGN = (
    "read", "answer", "transfer", "reclassify", "bulk", "status", "delete", "assign")
ACTION_LABELS = {READ: "열람", ANSWER: "답변", TRANSFER: "이관", RECLASSIFY: "분류 정정",
                 BULK: "일괄 처리", STATUS: "상태 변경", DELETE: "삭제", ASSIGN: "담당자 지정"}
# The same names translated for the refusal (the audit log keeps the Korean above).
ACTION_NAMES = {READ: _("열람"), ANSWER: _("답변"), TRANSFER: _("이관"), RECLASSIFY: _("분류 정정"),
                BULK: _("일괄 처리"), STATUS: _("상태 변경"), DELETE: _("삭제"), ASSIGN: _("담당자 지정")}

# Same rule as the portal's selectors: what the public may see anyway.
PUBLIC_STATUSES = {Status.ASSIGNED, Status.IN_PROGRESS, Status.ANSWERED, Status.CLOSED}
NEVER_PUBLIC_KINDS = {Kind.DIRECT, Kind.PHONE}


class Forbidden(ApplicationError, PermissionDenied):
    """Refused, with a Korean explanation for the staff screen."""

    code = Code.FORBIDDEN


def _groups(user: AnyUser) -> set[str]:
    if not hasattr(user, "_smc_groups"):
        # users.access keeps them across requests until the user's groups change.
        names = user.access_rights[0] if isinstance(user, User) else user.groups.values_list("name", flat=True)
        setattr(user, "_smc_groups", set(names))  # noqa: B010 - per request
    return getattr(user, "_smc_groups")  # noqa: B009


def has_role(user: AnyUser, role: str) -> bool:
    """Whether the user is in the role's group (users.roles), read once per request."""
    return role in _groups(user)


def _memberships(user: AnyUser) -> frozenset[tuple[int, bool]]:
    """(division id, is head) of each of the user's memberships, kept across requests until a
    membership changes (departments tracks them in users.access)."""
    def read() -> frozenset[tuple[int, bool]]:
        return frozenset(Membership.objects.filter(user=user).values_list("division_id", "is_head"))  # type: ignore[misc]
    return access.cached(user, "memberships", read) if isinstance(user, User) else read()


def division_ids(user: AnyUser) -> set[int]:
    if not hasattr(user, "_smc_divisions"):
        setattr(user, "_smc_divisions", {pk for pk, _ in _memberships(user)})  # noqa: B010 - kept for the request
    return getattr(user, "_smc_divisions")  # noqa: B009


def heads(user: AnyUser, division_id: int | None) -> bool:
    """Whether the user heads this division."""
    return division_id is not None and (division_id, True) in _memberships(user)


def acts_on_all(user: AnyUser) -> bool:
    return user.is_active and (user.is_superuser or roles.SMC_DESK in _groups(user))


def reads_all(user: AnyUser) -> bool:
    return acts_on_all(user) or (user.is_active and roles.MAYORS_OFFICE in _groups(user))


def is_public(message: Message) -> bool:
    return (message.status in PUBLIC_STATUSES and not message.is_private
            and not message.hidden_by_author and message.kind not in NEVER_PUBLIC_KINDS)


# The role's model permissions come first: a staff role without them (e.g. broadcast drafters) reads
# and changes no message, whatever its division.
ROLE_PERMISSION = {READ: "messages_app.view_message"}
ACTING_PERMISSION = "messages_app.change_message"


def can(user: AnyUser | None, action: str, message: Message) -> bool:
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not user.has_perm(ROLE_PERMISSION.get(action, ACTING_PERMISSION)):
        return False
    if action == READ:
        if reads_all(user) or is_public(message) or message.division_id in division_ids(user):
            return True
        return message.history.filter(division_id__in=division_ids(user)).exists()
    if acts_on_all(user):
        return True
    if roles.MAYORS_OFFICE in _groups(user) and not division_ids(user):
        return False
    return message.division_id is not None and message.division_id in division_ids(user)


def readable(user: AnyUser | None, messages: Iterable[Message]) -> list[Message]:
    """The messages `user` may read, as can(user, READ, m) for each, with one query for those that only
    a past transfer through the user's division would open (not one a message)."""
    messages = list(messages)
    if user is None or not messages or not can_read_any(user):
        return []
    if reads_all(user):
        return messages
    ids = division_ids(user)
    undecided = [m.pk for m in messages if not (is_public(m) or m.division_id in ids)]
    passed = set(StatusChange.objects.filter(message_id__in=undecided, division_id__in=ids).order_by()
                 .values_list("message_id", flat=True)) if undecided and ids else set()
    return [m for m in messages if is_public(m) or m.division_id in ids or m.pk in passed]


def can_read_any(user: AnyUser | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff
                and user.has_perm(ROLE_PERMISSION[READ]))


def sees_personal_data(user: AnyUser, message: Message) -> bool:
    """Whether `user` reads this message as sent (names, handles, numbers) rather than masked as the
    public reads it. Only who needs it: the division holding it, a division it passed through (a
    transfer names both), the desk and superusers. Any division may read a public message, masked."""
    if acts_on_all(user):
        return True
    ids = division_ids(user)
    if not ids:
        return False
    return message.division_id in ids or message.history.filter(division_id__in=ids).exists()


def audit(user: AnyUser | None, action: str, message: Message | None = None, detail: str = "",
          allowed: bool = True) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=user if user and user.is_authenticated else None, action=action,
        message=message, allowed=allowed, detail=detail[:2000])


def refuse(user: AnyUser, action: str, message: Message) -> Forbidden:
    label = ACTION_LABELS.get(action, action)
    audit(user, action, message, f"권한 없음: {label} 거부", allowed=False)
    return Forbidden(_("이 메시지를 %(action)s할 권한이 없습니다. 다른 부서의 메시지입니다."),
                     action=ACTION_NAMES.get(action, action))


def require(user: AnyUser, action: str, message: Message) -> None:
    if not can(user, action, message):
        raise refuse(user, action, message)


def message_for(user: AnyUser, pk: int | str, action: str = READ) -> Message:
    """The one door of every staff screen about one message: the message when `user` may `action` it.
    Message.DoesNotExist when there is none; Forbidden (audited) when the user may not."""
    # With its answer (the page shows it, the services check it); the platform's raw payload and the
    # search vector are read only by what needs them.
    if not str(pk).isdigit():
        raise Message.DoesNotExist(pk)
    found = Message.objects.select_related("account", "division", "answer").defer("raw", "search_vector") \
        .get(pk=pk)
    require(user, action, found)
    return found


def require_all(user: AnyUser, action: str, messages: Iterable[Message]) -> None:
    """All or nothing: one refused message refuses the whole batch (each refusal audited)."""
    refused = [m for m in messages if not can(user, action, m)]
    for m in refused:
        audit(user, action, m, f"권한 없음: {ACTION_LABELS.get(action, action)} 거부 (일괄)",
              allowed=False)
    if refused:
        raise Forbidden(_("선택한 메시지 중 %(count)s건은 다른 부서의 메시지라 처리할 수 없습니다. "
                          "아무것도 바꾸지 않았습니다."), count=len(refused))


def queue(user: AnyUser, qs: QuerySet[Message] | None = None) -> QuerySet[Message]:
    """The staff queue: everything for the desk, the mayor's office and superusers; else the
    messages of the user's divisions (now, or in the past through a transfer)."""
    qs = Message.objects.all() if qs is None else qs
    if reads_all(user):
        return qs
    ids = division_ids(user)
    if not ids:
        return qs.none()
    passed = StatusChange.objects.filter(division_id__in=ids).values("message_id")
    return qs.filter(Q(division_id__in=ids) | Q(pk__in=passed))
