"""Builders for portal tests: public messages with answers, citizens."""

import itertools
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account
from departments.models import Division
from messages_app.models import Answer, Kind, Message, MessageType, Status, StatusChange
from messages_app.services.search import index_answers, index_messages

_seq = itertools.count(1)


def citizen(name=None, password=None, **extra):
    """Without a password unless asked: hashing one costs a third of a second."""
    n = next(_seq)
    return get_user_model().objects.create_user(
        username=name or f"citizen{n}_{timezone.now().timestamp()}", password=password,
        email=f"c{n}_{timezone.now().timestamp()}@example.org", **extra)


def staff_user():
    return citizen(is_staff=True)


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
