"""Deleted, edited and withheld sources, replayed at the platforms' real URLs: a deleted source
leaves the portal, its cached pages, search, the API and Open311 in the cycle that sees it, the
staff keep the record without its text; an edit is shown masked again; a withheld post is private."""

import hashlib
import hmac
import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, Status
from messages_app.models import Message, SourceState
from messages_app.services import polling, sync
from portal import generations, selectors
from tests import factories
from tests.accounts.recordings import add, load
from tests.factories import platform_account

X_USER = "1240217562"
LOOKUP = "https://api.twitter.com/2/tweets"
MENTIONS = f"https://api.twitter.com/2/users/{X_USER}/mentions"
PAGE = "112233445566778"
A, B, C, D, E = (f"178590000000000000{n}" for n in range(1, 6))


@pytest.fixture(autouse=True)
def _clean(clean_platform_keys):
    pass


@pytest.fixture
def x_account():
    return platform_account("x", X_USER, {"bearer_token": "AAAAtest"})


@pytest.fixture
def stored(x_account):
    """Four public messages of the account, received an hour ago."""
    texts = {A: "버스 정류장 의자가 부서졌어요", B: "지하철 승강장 안전문 고장 신고합니다 고장고장",
             C: "시청역 출구 공사 안내가 없어요", D: "가로등이 꺼졌어요 010-1234-5678"}
    messages = {external_id: factories.public_message(text, account=x_account, external_id=external_id,
                                                      posted_at=timezone.now() - timedelta(days=2))
                for external_id, text in texts.items()}
    Message.objects.filter(pk__in=[m.pk for m in messages.values()]).update(
        received_at=timezone.now() - timedelta(hours=1))
    return messages


def ids_matcher(*ids):
    def match(request):
        asked = set(parse_qs(urlparse(request.url).query).get("ids", [""])[0].split(","))
        return asked == set(ids), f"ids {sorted(asked)} are not {sorted(ids)}"
    return match


def register_lookup(rsps):
    add(rsps, "GET", LOOKUP, "x_tweets_lookup.json", match=[ids_matcher(A, B, C, D)])
    add(rsps, "GET", LOOKUP, "x_tweets_lookup_edited.json", match=[ids_matcher(E)])


def found_by_search(client, words):
    cache.clear()  # the API's cached answer of the same query
    listed = client.get("/api/v1/messages/", {"q": words}).json()
    return {m["id"] for m in listed["results"]}


def public_ids():
    return set(selectors.public_messages().values_list("external_id", flat=True))


def test_sync_platform_command_applies_deletions_edits_and_withholding(rsps, client, stored, x_account):
    register_lookup(rsps)
    assert {A, B, C, D} <= public_ids()
    assert client.get(f"/m/{stored[B].pk}/").status_code == 200
    assert client.get(f"/api/v1/messages/{stored[B].pk}/").status_code == 200
    assert client.get(f"/open311/v2/requests/{stored[B].pk}.json").status_code == 200
    assert stored[B].pk in found_by_search(client, "안전문")
    generations.forget([stored[B].pk])
    generation = cache.get(generations.message_key(stored[B].pk))
    out = io.StringIO()
    call_command("sync_platform", "--platform", "x", "--account", x_account.handle, stdout=out)
    assert "삭제 1건" in out.getvalue() and "수정 1건" in out.getvalue() and "게재 보류 1건" in out.getvalue()

    deleted = Message.objects.get(pk=stored[B].pk)
    # The staff's record: the ids, not the text; off every public surface.
    assert deleted.text == sync.DELETED_TEXT and deleted.source_state == SourceState.DELETED
    assert deleted.external_id == B and deleted.author_handle == "" and "안전문" not in json.dumps(deleted.raw)
    assert B not in public_ids() and C not in public_ids()
    assert cache.get(generations.message_key(stored[B].pk)) not in (generation, None)  # cached pages retired
    assert client.get(f"/m/{stored[B].pk}/").status_code == 404
    assert client.get(f"/api/v1/messages/{stored[B].pk}/").status_code == 404
    assert stored[B].pk not in found_by_search(client, "안전문")  # (after the generation check: it clears)
    assert client.get(f"/open311/v2/requests/{stored[B].pk}.json").status_code == 404

    withheld = Message.objects.get(pk=stored[C].pk)
    assert withheld.is_private and withheld.source_state == SourceState.WITHHELD
    assert withheld.text == "시청역 출구 공사 안내가 없어요"  # staff still read it

    edited = Message.objects.get(pk=stored[D].pk)
    assert "반포동 한강공원" in edited.text and D in public_ids()
    page = client.get(f"/m/{edited.pk}/").content.decode()
    assert "9876-5432" not in page and "한강공원" in page  # the new text, masked again
    assert Message.objects.get(pk=stored[A].pk).source_checked_at is not None


def test_the_regular_poll_runs_the_check_once_an_interval(rsps, stored, x_account):
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    register_lookup(rsps)
    call_command("poll_accounts", "--account", x_account.handle, "--platform", "x", stdout=io.StringIO())
    assert Message.objects.get(pk=stored[B].pk).source_state == SourceState.DELETED
    # Within the interval the next poll only fetches (the recording set fires once each).
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    polling.poll(x_account)
    assert len([c for c in rsps.calls if c.request.url.startswith(LOOKUP)]) == 2


def test_a_withheld_mention_is_stored_private(rsps, x_account):
    add(rsps, "GET", MENTIONS, "x_mentions_withheld.json")
    polling.poll(x_account)
    message = Message.objects.get(platform="x", external_id="1785900000000000010")
    assert message.is_private and message.source_state == SourceState.WITHHELD
    assert message.external_id not in public_ids()


def test_deleted_facebook_comment_by_webhook_and_edit_by_webhook(client, settings):
    settings.FACEBOOK_APP_SECRET = "test-app-secret"
    account = Account.objects.filter(platform="facebook", status=Status.ACTIVE).first()
    Account.objects.filter(pk=account.pk).update(platform_user_id=PAGE)
    comment_id = "990000000000004_1200000000000002"
    message = factories.public_message("저도 어제 봤어요, 빨리 고쳐주세요", account=account, platform="facebook",
                                       external_id=comment_id)
    assert comment_id in set(selectors.public_messages().filter(platform="facebook")
                             .values_list("external_id", flat=True))

    def deliver(name):
        body = json.dumps(load(name)["body"], ensure_ascii=False).encode()
        signature = "sha256=" + hmac.new(b"test-app-secret", body, hashlib.sha256).hexdigest()
        return client.post("/webhooks/facebook/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=signature)

    assert deliver("fb_webhook_feed_edited.json").status_code == 200
    message.refresh_from_db()
    assert message.text == "저도 어제 봤어요, 반포대교 남단 가로등 3개 꺼져 있어요"
    assert deliver("fb_webhook_feed_remove.json").status_code == 200
    message.refresh_from_db()
    assert message.text == sync.DELETED_TEXT and message.hidden_by_author
    assert not selectors.public_messages().filter(pk=message.pk).exists()


def test_facebook_lookup_of_recent_items(rsps):
    account = Account.objects.filter(platform="facebook", status=Status.ACTIVE).first()
    account.platform_user_id, account.credentials = PAGE, {"page_access_token": "EAAGtestpagetoken"}
    account.save()
    kept = factories.public_message("저도 어제 봤어요, 빨리 고쳐주세요", account=account, platform="facebook",
                                    external_id="990000000000004_1200000000000002")
    gone = factories.public_message("한강공원 자전거 도로에 가로등이 꺼져 있어요", account=account,
                                    platform="facebook", external_id=f"{PAGE}_990000000000004")
    add(rsps, "GET", f"https://graph.facebook.com/v24.0/{kept.external_id}", "fb_object_comment.json")
    add(rsps, "GET", f"https://graph.facebook.com/v24.0/{gone.external_id}", "fb_error_100_33.json")
    counts = sync.sync_account(account, everything=True)
    assert (counts.checked, counts.deleted, counts.edited) == (2, 1, 0)
    assert Message.objects.get(pk=gone.pk).source_state == SourceState.DELETED
    assert Message.objects.get(pk=kept.pk).text == "저도 어제 봤어요, 빨리 고쳐주세요"


def test_facebook_checks_a_few_recent_items_a_cycle(rsps):
    import re

    account = Account.objects.filter(platform="facebook", status=Status.ACTIVE).first()
    account.platform_user_id, account.credentials = PAGE, {"page_access_token": "EAAGtestpagetoken"}
    account.save()
    recent = [factories.public_message(f"댓글 {n}", account=account, platform="facebook",
                                       external_id=f"990000000000004_12000000000{n:05d}") for n in range(25)]
    old = factories.public_message("오래된 댓글", account=account, platform="facebook", external_id="990000000000001_1",
                                   posted_at=timezone.now() - timedelta(days=20))
    Message.objects.filter(account=account).update(received_at=timezone.now() - timedelta(hours=1))
    body = json.dumps(load("fb_object_comment.json")["body"])
    rsps.add_callback("GET", re.compile(r"https://graph\.facebook\.com/v24\.0/990000000000004_\d+"),
                      callback=lambda request: (200, {}, body), content_type="application/json")
    counts = sync.sync_due(account)
    assert counts is not None and counts.checked == 20 == len(rsps.calls)
    assert sync.sync_due(account) is None  # once an interval
    checked = set(Message.objects.filter(source_checked_at__isnull=False).values_list("pk", flat=True))
    assert old.pk not in checked and len(checked & {m.pk for m in recent}) == 20
