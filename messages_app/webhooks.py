"""Meta's webhook (Facebook Pages and Instagram, one app, one callback): a signed delivery triggers
that page's poll at once; its feed changes that remove, hide or edit a stored item are applied at once
(services.sync). An `instagram` delivery's comments and direct messages are stored at once, its
mentions remembered for the account's next poll (queued), its unsent messages withdrawn.

The delivery itself is not stored: the poll fetches the page's new posts and comments through the
same connector and the same ON CONFLICT ingest, so a replayed delivery or a delivery racing a poll
stores nothing twice.
"""

import hashlib
import hmac
import json
import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.connectors import instagram
from accounts.connectors.base import SyncResult
from accounts.connectors.facebook import (
    FeedChange,
    feed_changes_from_webhook,
    messenger_items_from_webhook,
    page_ids_from_webhook,
    verify_signature,
)
from accounts.models import Account, Platform
from accounts.models import Status as AccountStatus

from .models import Message
from .services import ingest, sync
from .tasks.polling import poll_account

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 300
# Facebook's deliveries are a few KB (a batch of 1,000 changes stays well under this) and about seven
# levels deep. A body beyond either bound is refused before it is parsed: json.loads recurses once per
# level, so a signed "[[[[…" of 100,000 levels would raise RecursionError (a 500) instead.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(raw: bytes, stop_at: int | None = None) -> int:
    """How deeply arrays and objects nest in a JSON text, found without parsing it (brackets inside
    strings do not count). Stops counting once deeper than `stop_at`."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_at is not None and deepest > stop_at:
                    break
        else:
            depth -= 1
    return deepest


def _refuse(error: str) -> JsonResponse:
    # Read by the platform's servers and their logs, not by a person on a page: English only.
    return JsonResponse({"error": error}, status=400, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def facebook(request):
    if request.method == "GET":
        return _handshake(request)
    raw = request.body  # the signature covers the exact bytes, so read them before any parsing
    if len(raw) > MAX_BODY_BYTES:  # (Django itself refuses to read more than DATA_UPLOAD_MAX_MEMORY_SIZE)
        return _refuse(f"body size above {MAX_BODY_BYTES} bytes")
    if not verify_signature(raw, request.headers.get("X-Hub-Signature-256"), settings.FACEBOOK_APP_SECRET):
        logger.warning("facebook webhook: bad or missing signature from %s", request.META.get("REMOTE_ADDR"))
        return HttpResponseForbidden("invalid signature")
    if json_depth(raw, stop_at=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return _refuse(f"JSON nesting depth above {MAX_JSON_DEPTH}")
    try:
        payload = json.loads(raw)
        page_ids = page_ids_from_webhook(payload)
    except ValueError:
        return _refuse("malformed delivery")
    # A replayed delivery (same bytes) within a few minutes queues nothing more.
    digest = hashlib.sha256(raw).hexdigest()
    if not cache.add(f"webhook:facebook:{digest}", 1, timeout=REPLAY_WINDOW_SECONDS):
        return HttpResponse("ok (replay)")
    apply_feed_changes(feed_changes_from_webhook(payload))
    store_messenger_messages(messenger_items_from_webhook(payload))
    apply_instagram_delivery(instagram.read_webhook(payload))
    queue_page_polls(page_ids)
    return HttpResponse("ok")


def store_messenger_messages(by_page: dict) -> list[int]:
    """Messenger messages are in the delivery itself (no feed to poll them from): stored at once,
    private (kind direct), through the same ingest and its dedupe, so a replay stores nothing twice."""
    new_ids: list[int] = []
    for page_id, items in by_page.items():
        account = Account.objects.filter(platform=Platform.FACEBOOK, platform_user_id=page_id,
                                         status=AccountStatus.ACTIVE).first()
        if account is not None and items:
            with transaction.atomic():
                new_ids += ingest.insert_items(account.pk, items, is_private=True)
    return new_ids


def apply_instagram_delivery(delivery: instagram.Delivery) -> list[int]:
    """Comments (public) and direct messages (private) of the city's Instagram accounts, stored through
    the same ingest and its dedupe; mentions kept for the next poll, which looks them up; messages their
    sender took back withdrawn like a deleted post."""
    accounts = Account.objects.filter(platform=Platform.INSTAGRAM, platform_user_id__in=delivery.user_ids,
                                      status=AccountStatus.ACTIVE)
    new_ids: list[int] = []
    for account in accounts:
        user_id = account.platform_user_id
        with transaction.atomic():
            new_ids += ingest.insert_items(account.pk, delivery.comments.get(user_id, []))
            new_ids += ingest.insert_items(account.pk, delivery.messages.get(user_id, []), is_private=True)
        if delivery.mentions.get(user_id):
            instagram.remember_mentions(user_id, delivery.mentions[user_id])
            if account.is_polled:
                poll_account.delay(account.pk, reason="webhook")
        unsent = list(Message.objects.filter(account=account, external_id__in=delivery.unsent.get(user_id, []))
                      .values_list("external_id", flat=True))
        if unsent:
            sync.apply(Platform.INSTAGRAM, SyncResult(deleted=unsent), unsent)
    return new_ids


def apply_feed_changes(changes: list[FeedChange]) -> None:
    """remove / hide / edited of stored posts and comments, applied at once (the poll never sees
    a deletion). Only items of the page the change came from."""
    for change in changes:
        result = SyncResult()
        if change.verb == "remove":
            result.deleted.append(change.external_id)
        elif change.verb == "hide":
            result.withheld.append(change.external_id)
        elif change.text:
            result.edited[change.external_id] = change.text
        known = Message.objects.filter(platform=Platform.FACEBOOK, external_id=change.external_id,
                                       account__platform_user_id=change.page_id).exists()
        if known:
            sync.apply(Platform.FACEBOOK, result, [change.external_id])


def queue_page_polls(page_ids: list[str]) -> list[int]:
    ids = list(
        Account.objects.filter(platform=Platform.FACEBOOK, platform_user_id__in=page_ids,
                               status=AccountStatus.ACTIVE, is_polled=True).values_list("pk", flat=True)
    )
    for account_id in ids:
        poll_account.delay(account_id, reason="webhook")
    return ids


def _handshake(request):
    token = settings.FACEBOOK_VERIFY_TOKEN
    if (
        request.GET.get("hub.mode") == "subscribe"
        and token
        and hmac.compare_digest(request.GET.get("hub.verify_token", ""), token)
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponseForbidden("verification failed")
