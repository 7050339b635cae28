"""Facebook Pages webhook: a signed delivery triggers that page's poll at once.

The delivery itself is not stored: the poll fetches the page's new posts and comments through the
same connector and the same ON CONFLICT ingest, so a replayed delivery or a delivery racing a poll
stores nothing twice.
"""

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.connectors.facebook import page_ids_from_webhook, verify_signature
from accounts.models import Account, Platform
from accounts.models import Status as AccountStatus

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 300


@csrf_exempt
@require_http_methods(["GET", "POST"])
def facebook(request):
    if request.method == "GET":
        return _handshake(request)
    raw = request.body  # the signature covers the exact bytes, so read them before any parsing
    if not verify_signature(raw, request.headers.get("X-Hub-Signature-256"), settings.FACEBOOK_APP_SECRET):
        logger.warning("facebook webhook: bad or missing signature from %s", request.META.get("REMOTE_ADDR"))
        return HttpResponseForbidden("서명이 올바르지 않습니다 (invalid signature)")
    try:
        page_ids = page_ids_from_webhook(json.loads(raw))
    except ValueError:
        return HttpResponseBadRequest("형식이 올바르지 않습니다 (malformed delivery)")
    # A replayed delivery (same bytes) within a few minutes queues nothing more.
    digest = hashlib.sha256(raw).hexdigest()
    if not cache.add(f"webhook:facebook:{digest}", 1, timeout=REPLAY_WINDOW_SECONDS):
        return HttpResponse("ok (replay)")
    queue_page_polls(page_ids)
    return HttpResponse("ok")


def queue_page_polls(page_ids: list[str]) -> list[int]:
    from .tasks import poll_account

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
    return HttpResponseForbidden("확인 토큰이 올바르지 않습니다 (verification failed)")
