"""Generations of the anonymous page cache (portal.pagecache): what a cached portal page depends on.

A cached copy records the generations it was rendered under: the feed's for the lists (feed,
support, search), its message's for a message page. It is served only while they are unchanged, so
bumping a generation retires every copy that showed the message, without scanning keys; reading
them costs nothing extra (one MGET with the page itself).

A generation is bumped when a message or its answer or a comment is saved or deleted (signals,
connected in portal/apps.py) and by code that changes a message with QuerySet.update(), which sends no
signal (call `forget()` there). New messages do not bump it: a copy up to SMC_PORTAL_CACHE_SECONDS
old (a little more while one request renders its successor, pagecache.still_served) may lack the newest
message, but it never shows one that was withdrawn.
"""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)

FEED = "portal:gen:feed"


def message_key(pk: int) -> str:
    return f"portal:gen:m:{pk}"


def _lifetime() -> int:
    # Far longer than a page copy lives: a generation that expired early would revive stale copies.
    return max(24 * 3600, 10 * settings.SMC_PORTAL_CACHE_SECONDS)


def _bump(keys: list[str]) -> None:
    try:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=_lifetime())
    except Exception:  # noqa: BLE001 - Redis down: the page cache is down with it; never fail the change
        logger.warning("page cache: could not bump %s", ", ".join(keys), exc_info=True)


def forget(message_ids, *, feed: bool = True) -> None:
    """Cached pages that show these messages (and, with `feed`, every cached list) are stale.

    Bumped now and again when the transaction commits: a page rendered from the old rows between
    the two is stored under the first bump's generation and retired by the second.
    """
    keys = [message_key(pk) for pk in message_ids] + ([FEED] if feed else [])
    if not keys:
        return
    _bump(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(keys))


def _message_changed(sender, instance, **kwargs):
    forget([instance.pk])


def _answer_changed(sender, instance, **kwargs):
    forget([instance.message_id])


def _comment_changed(sender, instance, **kwargs):
    forget([instance.message_id], feed=False)  # the lists show only a count


def connect() -> None:
    from messages_app.models import Answer, Message

    from .models import Comment

    for model, receiver in ((Message, _message_changed), (Answer, _answer_changed), (Comment, _comment_changed)):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(receiver, sender=model, dispatch_uid=f"pagecache-{model.__name__}-{name}")
