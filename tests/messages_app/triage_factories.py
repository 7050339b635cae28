"""Builders shared by the triage tests (routing, workflow, permissions, staff screens)."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Account
from departments.models import Division, Membership
from messages_app.models import Message

_ids = itertools.count(1)


def division(code) -> Division:
    return Division.objects.get(code=code)


def staff(username, division_code=None, *, role="부서 담당자", head=False, superuser=False):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, email=f"{username}@seoul.example",
        is_staff=True, is_superuser=superuser)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if division_code:
        Membership.objects.create(user=user, division=division(division_code), is_head=head)
    return user


def message(handle="seoulmania", text="버스 배차 간격이 너무 길어요", platform="x", **fields) -> Message:
    account = Account.objects.get(platform=platform, handle=handle) if handle else None
    n = next(_ids)
    return Message.objects.create(
        platform=platform, external_id=f"t{n}", account=account, text=text,
        posted_at=fields.pop("posted_at", timezone.now()), author_handle=f"citizen{n}", **fields)


def routed(division_code, text="버스 배차 간격이 너무 길어요", **fields) -> Message:
    """A message already in a division's queue (as the pipeline leaves it)."""
    fields.setdefault("status", "assigned")
    fields.setdefault("type", "complaint")
    fields.setdefault("topic", "transport")
    return message(text=text, division=division(division_code), needs_triage=False, **fields)
