"""E-mail to the approvers when a broadcast waits for them (the staff header shows the count too)."""

import logging

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from users.models import User

from ..models import Broadcast

logger = logging.getLogger(__name__)


def approvers(excluding: int | None = None) -> list[str]:
    """E-mail addresses of the active people who may approve (the drafter never approves their own)."""
    perm = Permission.objects.get(content_type__app_label="broadcast", codename="approve_broadcast")
    people = (User.objects.filter(is_active=True).exclude(email="")
              .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True)))
    if excluding is not None:
        people = people.exclude(pk=excluding)
    return sorted(set(people.values_list("email", flat=True)))


def approval_waiting(broadcast_id: int) -> int:
    """Runs when a submission commits; returns how many approvers were written to."""
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    if broadcast.state != Broadcast.State.SUBMITTED:
        return 0
    recipients = approvers(excluding=broadcast.drafted_by_id)
    if not recipients:
        logger.warning("broadcast %s waits for approval and no approver has an e-mail address", broadcast.identifier)
        return 0
    kind = f"{broadcast.get_cap_status_display()} · {broadcast.get_msg_type_display()}"
    url = settings.SMC_SITE_URL + reverse("admin:broadcast_confirm", args=[broadcast.pk])
    body = "\n".join([
        "긴급메시지가 승인을 기다리고 있습니다. 작성자가 아닌 승인자가 확인한 뒤 발신합니다.",
        "",
        f"종류: {kind}",
        f"제목: {broadcast.title_ko}",
        f"작성자: {broadcast.drafted_by}",
        "",
        f"확인하고 승인하기: {url}",
    ])
    send_mail(f"[긴급메시지 승인 요청] {kind} — {broadcast.title_ko}"[:200], body, None, recipients)
    return len(recipients)
