"""The one place tests build users with roles, messages and answers.

Users get a real password (PASSWORD unless given): smc/settings_test.py hashes with MD5, so that
costs nothing, and a test can log in through the real login form.
"""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Account
from departments.models import Division, Membership
from messages_app.models import Answer, Kind, Message, MessageType, Status, StatusChange
from messages_app.services.search import index_answers, index_messages
from users import roles

_seq = itertools.count(1)
PASSWORD = "pw-test-2026"


# --- users ----------------------------------------------------------------------------------------

def citizen(name=None, password=PASSWORD, **extra):
    n = next(_seq)
    return get_user_model().objects.create_user(
        username=name or f"citizen{n}_{timezone.now().timestamp()}", password=password,
        email=f"c{n}_{timezone.now().timestamp()}@example.org", **extra)


def staff_user():
    """A staff account without a role or a division (it may log into the admin, and no more)."""
    return citizen(is_staff=True)


def division(code) -> Division:
    return Division.objects.get(code=code)


def staff(username, division_code=None, *, role=roles.DIVISION_STAFF, head=False, superuser=False,
          password=PASSWORD):
    """A staff user with a role (a group, as `manage.py seed` creates them) and maybe a division."""
    user = get_user_model().objects.create_user(
        username=username, password=password, email=f"{username}@seoul.example",
        is_staff=True, is_superuser=superuser)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if division_code:
        Membership.objects.create(user=user, division=division(division_code), is_head=head)
    return user


# --- messages -------------------------------------------------------------------------------------

def message(handle="seoulmania", text="버스 배차 간격이 너무 길어요", platform="x", **fields) -> Message:
    """A stored message as an ingest leaves it before the pipeline (unless `fields` say more)."""
    account = Account.objects.get(platform=platform, handle=handle) if handle else None
    n = next(_seq)
    return Message.objects.create(
        platform=platform, external_id=f"t{n}", account=account, text=text,
        posted_at=fields.pop("posted_at", timezone.now()), author_handle=f"citizen{n}", **fields)


def routed(division_code, text="버스 배차 간격이 너무 길어요", **fields) -> Message:
    """A message already in a division's queue (as the pipeline leaves it)."""
    fields.setdefault("status", "assigned")
    fields.setdefault("type", "complaint")
    fields.setdefault("topic", "transport")
    return message(text=text, division=division(division_code), needs_triage=False, **fields)


def public_message(text="지하철역에서 엘리베이터가 고장났어요", *, answer=None, index=True, timeline=True,
                   posted_at=None, **fields):
    account = fields.pop("account", None) or Account.objects.filter(platform="x").first()
    division = fields.pop("division", None) or Division.objects.get(code="transport-policy")
    values = dict(platform="x", external_id=f"t{next(_seq)}-{timezone.now().timestamp()}", account=account,
                  kind=Kind.MENTION, author_name="김철용", author_handle="kimcy", text=text,
                  posted_at=posted_at or timezone.now() - timedelta(days=3), type=MessageType.COMPLAINT,
                  topic="transport", status=Status.ASSIGNED, division=division, needs_triage=False)
    values.update(fields)
    message = Message.objects.create(**values)
    if timeline:
        StatusChange.objects.create(message=message, to_status=Status.RECEIVED, division=division)
        StatusChange.objects.create(message=message, from_status=Status.RECEIVED, to_status=Status.ASSIGNED,
                                    division=division)
    if answer:
        a = Answer.objects.create(message=message, division=division, author=staff_user(), text=answer)
        Message.objects.filter(pk=message.pk).update(status=Status.ANSWERED)
        message.status = Status.ANSWERED
        if index:
            index_answers([a.pk])
    if index:
        index_messages([message.pk])
    return message


def platform_account(platform, user_id, credentials, cursor="") -> Account:
    """The first seeded active account of `platform`, set up to play it against recorded responses."""
    account = Account.objects.filter(platform=platform, is_polled=True, status="active").order_by("pk").first()
    account.platform_user_id, account.credentials, account.poll_cursor = user_id, credentials, cursor
    account.save()
    return account
