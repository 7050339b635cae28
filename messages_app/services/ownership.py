"""Who in a division answers a message: a division head (or the SMC desk) assigns it to a member,
a member claims it ("assign to me"), and anyone who may act on it releases it.

The assignee gets an e-mail (after the commit) unless they assigned themselves. A refusal is audited
like every staff action (permissions.refuse).
"""

import functools
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.models import Membership
from users.models import User

from ..errors import Code, HandlingError
from ..models import Message
from . import permissions as perms
from .handling import _fresh
from .notifications import forget_count
from .workflow import OPEN_STATUSES

ASSIGN = perms.ASSIGN


def is_head(user: User, division_id: int | None) -> bool:
    return perms.heads(user, division_id)


def manages(actor: User, message: Message) -> bool:
    """Heads of the message's division and the desk assign anyone, and take over from anyone."""
    return perms.acts_on_all(actor) or is_head(actor, message.division_id)


def may_assign(actor: User, message: Message, to_user: User | None) -> bool:
    """Heads and the desk assign anyone of the division; members take (or give back) their own."""
    if not perms.can(actor, perms.ANSWER, message):
        return False
    if manages(actor, message):
        return True
    return (to_user is None and message.assignee_id == actor.pk) or to_user == actor


def _member(user: User | int | str | None, message: Message) -> User | None:
    if user in (None, ""):
        return None
    if not isinstance(user, User):
        found = User.objects.filter(pk=int(user)).first() if str(user).isdigit() else None
        if found is None:
            raise HandlingError(_("존재하지 않는 담당자입니다. 다시 고르세요."), code=Code.NOT_FOUND)
        user = found
    if message.division_id is None or not Membership.objects.filter(
            user=user, division_id=message.division_id, user__is_active=True).exists():
        raise HandlingError(_("%(user)s 님은 이 메시지의 담당 부서 소속이 아닙니다."), code=Code.NOT_MEMBER,
                            user=user.get_username())
    return user


def assign(message: Message, to_user: User | int | str | None, *, actor: User, _checked: bool = False) -> None:
    """Make `to_user` the assignee (None: nobody). Only open messages are assigned."""
    to_user = _member(to_user, message)
    if not _checked and not may_assign(actor, message, to_user):
        raise perms.refuse(actor, ASSIGN, message)
    with transaction.atomic():
        locked = Message.objects.select_for_update(of=("self",)).get(pk=message.pk)
        if locked.status not in OPEN_STATUSES:
            raise HandlingError(_("처리가 끝난 메시지에는 담당자를 지정할 수 없습니다."), code=Code.INVALID_TRANSITION)
        if locked.division_id != message.division_id:
            raise HandlingError(_("그사이 다른 부서로 이관된 메시지입니다. 화면을 새로 고쳐 주세요."), code=Code.MOVED)
        if locked.assignee_id == (to_user.pk if to_user else None):
            return
        if locked.assignee is not None and locked.assignee_id != actor.pk and not manages(actor, locked):
            raise HandlingError(_("이미 %(user)s 님이 담당하고 있습니다. 담당을 바꾸려면 부서장에게 요청하세요."),
                                code=Code.ALREADY_ASSIGNED, user=locked.assignee.get_username())
        locked.assignee, locked.assigned_at = to_user, timezone.now() if to_user else None
        locked.assigned_by = actor if to_user else None
        locked.save(update_fields=["assignee", "assigned_at", "assigned_by", "updated_at"])
        who = to_user.get_username() if to_user else "없음"
        perms.audit(actor, ASSIGN, locked, f"담당자: {who}")
        if to_user is not None:
            transaction.on_commit(functools.partial(forget_count, to_user.pk))
        if to_user is not None and to_user != actor and to_user.email:
            transaction.on_commit(functools.partial(_mail_assignment, locked.pk, to_user.email,
                                                    actor.get_username(), locked.text[:300]))
    message.assignee, message.assigned_at = locked.assignee, locked.assigned_at


def claim(message: Message, *, actor: User) -> None:
    assign(message, actor, actor=actor)


def bulk_assign_person(messages: Iterable[Message], to_user: User | int | str | None, *, actor: User) -> int:
    messages = _fresh(messages)
    target = None
    for m in messages:
        target = _member(to_user, m)
    refused = [m for m in messages if not may_assign(actor, m, target)]
    for m in refused:
        perms.audit(actor, ASSIGN, m, "권한 없음: 담당자 지정 거부 (일괄)", allowed=False)
    if refused:
        raise perms.Forbidden(_("선택한 메시지 중 %(count)s건은 담당자를 지정할 권한이 없습니다. "
                                "아무것도 바꾸지 않았습니다."), count=len(refused))
    with transaction.atomic():
        for m in messages:
            assign(m, target, actor=actor, _checked=True)
    return len(messages)


def _mail_assignment(message_id: int, to: str, by: str, text: str) -> None:
    link = settings.SMC_SITE_URL.rstrip("/") + reverse("admin:messages_app_message_change", args=[message_id])
    send_mail(f"[SMC] 담당 메시지 지정: 메시지 #{message_id}",
              f"{by} 님이 메시지 #{message_id}의 담당자로 지정했습니다.\n\n{text}\n\n{link}",
              settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
