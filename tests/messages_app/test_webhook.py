"""The Facebook webhook: handshake, signature, one poll per page, replays harmless."""

import hashlib
import hmac
import json

import pytest
from django.core.cache import cache

from accounts.models import Account, Status
from messages_app.tasks.polling import poll_account

SECRET = "test-app-secret"
PAGE_ID = "112233445566778"
# The shape of a real "feed" change delivery (a visitor's comment on a page post).
DELIVERY = {
    "entry": [{"id": PAGE_ID, "time": 1714619565, "changes": [{"field": "feed", "value": {
        "from": {"name": "이서연", "id": "7012345678901234"}, "item": "comment", "verb": "add",
        "message": "축제 때 쓰레기통 좀 더 놔주세요", "post_id": f"{PAGE_ID}_990000000000002",
        "comment_id": "990000000000002_1100000000000004", "parent_id": f"{PAGE_ID}_990000000000002",
        "created_time": 1714619563}}]}],
    "object": "page",
}


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def page(seeded, settings):
    settings.FACEBOOK_APP_SECRET, settings.FACEBOOK_VERIFY_TOKEN = SECRET, "verify-me"
    cache.delete_pattern("webhook:*")
    account = Account.objects.filter(platform="facebook", status=Status.ACTIVE).first()
    account.platform_user_id = PAGE_ID
    account.save()
    return account


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(poll_account, "delay", lambda *a, **k: calls.append((a, k)))
    return calls


def post(client, body: bytes, signature: str | None):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    return client.post("/webhooks/facebook/", body, content_type="application/json", **headers)


def test_handshake_echoes_challenge_only_with_the_token(client, page):
    ok = client.get("/webhooks/facebook/", {"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                            "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get("/webhooks/facebook/", {"hub.mode": "subscribe", "hub.verify_token": "nope",
                                             "hub.challenge": "1158201444"})
    assert bad.status_code == 403 and b"1158201444" not in bad.content


def test_good_signature_queues_that_page_poll(client, page, queued):
    body = json.dumps(DELIVERY, ensure_ascii=False).encode()
    response = post(client, body, sign(body))
    assert response.status_code == 200
    assert queued == [((page.pk,), {"reason": "webhook"})]


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", sign(b"other body")])
def test_bad_or_missing_signature_is_403_and_queues_nothing(client, page, queued, signature):
    from messages_app.models import Message

    body = json.dumps(DELIVERY, ensure_ascii=False).encode()
    response = post(client, body, signature)
    assert response.status_code == 403 and queued == [] and not Message.objects.exists()


def test_signature_from_another_secret_is_refused(client, page, queued):
    body = json.dumps(DELIVERY).encode()
    assert post(client, body, sign(body, "other-secret")).status_code == 403 and queued == []


def test_replayed_delivery_queues_once(client, page, queued):
    body = json.dumps(DELIVERY).encode()
    assert post(client, body, sign(body)).status_code == 200
    assert post(client, body, sign(body)).status_code == 200
    assert len(queued) == 1


def test_unknown_or_inactive_page_queues_nothing(client, page, queued):
    page.status = Status.NEEDS_REAUTH
    page.save()
    body = json.dumps(DELIVERY).encode()
    assert post(client, body, sign(body)).status_code == 200 and queued == []


def test_signed_but_malformed_is_400(client, page, queued):
    body = b'{"object": "page", "entry": "nope"}'
    assert post(client, body, sign(body)).status_code == 400 and queued == []


def test_no_secret_configured_refuses_everything(client, page, queued, settings):
    settings.FACEBOOK_APP_SECRET = ""
    body = json.dumps(DELIVERY).encode()
    assert post(client, body, sign(body, "")).status_code == 403 and queued == []


def test_signed_deeply_nested_body_is_a_clear_400_not_a_crash(client, page, queued):
    body = b"[" * 100_000 + b"]" * 100_000
    response = post(client, body, sign(body))
    assert response.status_code == 400 and queued == []
    assert "depth" in response.json()["error"]


def test_signed_nesting_hidden_in_an_object_or_behind_strings_is_counted(client, page, queued):
    body = b'{"object": "page", "entry": [{"id": "1", "x": "]]]]\\"]]", "y": ' + b"{\"a\":" * 5000 + b"1" \
        + b"}" * 5000 + b"}]}"
    response = post(client, body, sign(body))
    assert response.status_code == 400 and queued == []


def test_signed_oversized_body_is_a_clear_400(client, page, queued):
    from messages_app.webhooks import MAX_BODY_BYTES

    delivery = {**DELIVERY, "padding": "x" * MAX_BODY_BYTES}
    body = json.dumps(delivery).encode()
    response = post(client, body, sign(body))
    assert response.status_code == 400 and queued == []
    assert "size" in response.json()["error"]


def test_json_depth_skips_brackets_inside_strings():
    from messages_app.webhooks import json_depth

    assert json_depth(b'{"a": [1, {"b": "[[[{{{"}], "c": "\\"[["}') == 3
    assert json_depth(json.dumps(DELIVERY).encode()) == 7
    assert json_depth(b"1") == 0
