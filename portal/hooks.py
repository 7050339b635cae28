"""portal listens to messages_app: the one place the citizen notices are hooked in.

- post_save of a new StatusChange: to ANSWERED → "answered"; an assignment whose note is the
  transfer note (messages_app.services.handling.TRANSFER_NOTE) → "transferred".
- messages_app.signals.message_overdue (sent after the escalation's commit) → "overdue".
- outbound's posting_settled of a failed KakaoTalk answer → "answered", through the providers
  (the Event API could not deliver it; notify.notify_kakao_fallback).
Notices are sent after the commit that made the change (notify.notify_on_commit).
"""

from django.db.models.signals import post_save

from messages_app.models import Message, Status, StatusChange
from messages_app.services.handling import TRANSFER_NOTE
from messages_app.signals import message_overdue
from outbound.models import Posting
from outbound.services import posting_settled

from . import notify
from .models import Notification


def event_of(change: StatusChange) -> str | None:
    if change.to_status == Status.ANSWERED:
        return Notification.Event.ANSWERED
    if change.to_status == Status.ASSIGNED and change.note.startswith(TRANSFER_NOTE):
        return Notification.Event.TRANSFERRED
    return None


def on_status_change(sender, instance: StatusChange, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    event = event_of(instance)
    if event:
        notify.notify_on_commit(instance.message_id, event)


def on_overdue(sender, message_ids, **kwargs) -> None:
    for pk in message_ids:
        notify.notify(pk, Notification.Event.OVERDUE)


def on_posting_settled(sender, posting_id: int, state: str, **kwargs) -> None:
    """A KakaoTalk answer the Event API refused falls back to the notice providers (알림톡)."""
    if state == Posting.State.FAILED:
        notify.notify_kakao_fallback(posting_id)


def connect() -> None:
    post_save.connect(on_status_change, sender=StatusChange, dispatch_uid="portal.notify.status")
    message_overdue.connect(on_overdue, sender=Message, dispatch_uid="portal.notify.overdue")
    posting_settled.connect(on_posting_settled, dispatch_uid="portal.notify.kakao_fallback")
