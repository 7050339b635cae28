"""The public counters on Message and Answer (likes, comments) and the author's own hiding: the
portal's services change them through here, in their own transactions, never by writing the tables."""

from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from ..models import Answer, Message


def add_likes(target: Message | Answer, delta: int) -> int:
    """Move the like counter by `delta` (never below 0) with F(), in the caller's transaction;
    returns the count now."""
    rows = type(target).objects.filter(pk=target.pk)
    if delta:
        rows.update(like_count=Greatest(F("like_count") + delta, 0))
    return rows.values_list("like_count", flat=True).get()


def add_comments(message_id: int, delta: int) -> None:
    Message.objects.filter(pk=message_id).update(comment_count=Greatest(F("comment_count") + delta, 0))


def hide_by_author(message: Message) -> None:
    """The citizen who wrote it withdraws it from the public pages (staff still see it)."""
    Message.objects.filter(pk=message.pk).update(hidden_by_author=True, updated_at=timezone.now())
    message.hidden_by_author = True
