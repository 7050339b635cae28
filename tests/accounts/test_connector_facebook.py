"""The Facebook Pages connector and webhook helpers against recorded Graph API responses."""

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from responses import matchers

from accounts.connectors.base import AuthExpired, PermanentError, RateLimited, TransientError
from accounts.connectors.facebook import FacebookConnector, page_ids_from_webhook, verify_signature

from .recordings import add, load

PAGE = "112233445566778"
G = "https://graph.facebook.com/v24.0"
FEED = f"{G}/{PAGE}/feed"
POST3, POST2, POST1 = (f"{PAGE}_99000000000000{n}" for n in (3, 2, 1))
TOKEN = "EAAGtestpagetoken"


def account(**credentials):
    return SimpleNamespace(
        platform="facebook", handle="seoul.mayor", platform_user_id=PAGE,
        credentials=credentials or {"page_access_token": TOKEN, "app_secret": "test-app-secret"},
    )


def comments(post_id):
    return f"{G}/{post_id}/comments"


def query(call):
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def register_full_feed(rsps, all_comment_pages=True):
    add(rsps, "GET", FEED, "fb_feed_page1.json",
        match=[matchers.query_param_matcher({"limit": "100"}, strict_match=False)])
    add(rsps, "GET", FEED, "fb_feed_page2.json",
        match=[matchers.query_param_matcher({"after": "QVFIUjEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w"},
                                            strict_match=False)])
    add(rsps, "GET", comments(POST3), "fb_comments_empty.json")
    add(rsps, "GET", comments(POST2), "fb_comments_post2_page1.json", match=[matchers.query_param_matcher(
        {"filter": "stream", "order": "reverse_chronological"}, strict_match=False)])
    if all_comment_pages:
        add(rsps, "GET", comments(POST2), "fb_comments_post2_page2.json",
            match=[matchers.query_param_matcher({"after": "MwZDZD"}, strict_match=False)])
    add(rsps, "GET", comments(POST1), "fb_comments_empty.json")


def test_fetch_reads_visitor_posts_and_every_page_of_comments(rsps):
    register_full_feed(rsps)
    batch = FacebookConnector().fetch(account(), "")

    by_id = {item.external_id: item for item in batch.items}
    # The citizen's post and three citizen comments; the page's own posts and reply are not messages.
    assert set(by_id) == {POST3, "990000000000002_1100000000000001", "990000000000002_1100000000000003",
                          "990000000000002_1100000000000004"}
    visitor = by_id[POST3]
    assert visitor.kind == "visitor_post" and visitor.author_name == "이서연"
    assert visitor.author_id == "7012345678901234" and visitor.conversation_id == POST3
    assert visitor.posted_at == datetime(2024, 5, 2, 3, 10, tzinfo=UTC)
    assert visitor.url == f"https://www.facebook.com/{PAGE}/posts/990000000000003"
    comment = by_id["990000000000002_1100000000000001"]
    assert comment.kind == "comment" and comment.parent_id == POST2 and comment.conversation_id == POST2
    assert by_id["990000000000002_1100000000000003"].parent_id == "990000000000002_1100000000000001"
    assert by_id["990000000000002_1100000000000004"].text.startswith("축제 때 쓰레기통")  # second page
    assert all(item.platform == "facebook" and not item.is_simulated for item in batch.items)

    # The cursor is the newest item's time.
    assert batch.next_cursor == "2024-05-02T03:10:00+00:00"
    # Every call carries the token and the appsecret_proof of that token.
    proof = hmac.new(b"test-app-secret", TOKEN.encode(), hashlib.sha256).hexdigest()
    for call in rsps.calls:
        assert query(call)["access_token"] == TOKEN and query(call)["appsecret_proof"] == proof
    feed_query = query(rsps.calls[0])
    assert feed_query["fields"] == "id,message,from,created_time,permalink_url"


def test_fetch_with_cursor_keeps_only_newer_items_and_stops_paging_at_seen_comments(rsps):
    # The first page of comments reaches the cursor: the second page is never asked for.
    register_full_feed(rsps, all_comment_pages=False)
    cursor = "2024-05-01T12:00:00+00:00"
    batch = FacebookConnector().fetch(account(), cursor)
    assert {item.external_id for item in batch.items} == {POST3, "990000000000002_1100000000000004"}
    assert not any("after=MwZDZD" in c.request.url for c in rsps.calls)
    since = int(datetime(2024, 5, 1, 12, tzinfo=UTC).timestamp())
    # The feed is read a week back, since older posts still receive comments.
    feed_since = int(query(rsps.calls[0])["since"])
    assert feed_since == since - 7 * 24 * 3600


def test_nothing_new_keeps_the_cursor(rsps):
    add(rsps, "GET", FEED, "fb_comments_empty.json")
    assert FacebookConnector().fetch(account(), "2024-05-02T03:10:00+00:00").next_cursor == "2024-05-02T03:10:00+00:00"


def test_expired_token_code_190_is_auth_expired(rsps):
    add(rsps, "GET", FEED, "fb_error_190.json")
    with pytest.raises(AuthExpired):
        FacebookConnector().fetch(account(), "")


def test_http_401_is_auth_expired(rsps):
    recording = copy.deepcopy(load("fb_error_100.json"))
    recording["status"] = 401
    recording["body"]["error"]["code"] = 102
    recording["body"]["error"]["message"] = "Session key invalid or no longer valid"
    add(rsps, "GET", FEED, "", recording=recording)
    with pytest.raises(AuthExpired):
        FacebookConnector().fetch(account(), "")


def test_page_rate_limit_uses_the_business_usage_header(rsps):
    add(rsps, "GET", FEED, "fb_error_32.json")
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as exc:
        FacebookConnector().fetch(account(), "")
    assert before + timedelta(minutes=27) <= exc.value.reset_at <= datetime.now(UTC) + timedelta(minutes=27)


def test_app_rate_limit_code_4_is_rate_limited_not_transient(rsps):
    add(rsps, "GET", FEED, "fb_error_4.json")
    with pytest.raises(RateLimited):
        FacebookConnector().fetch(account(), "")


@pytest.mark.parametrize("name, error", [
    ("fb_error_500.json", TransientError),
    ("fb_error_100.json", PermanentError),
    ("fb_malformed.json", PermanentError),
])
def test_errors_map_to_connector_errors(rsps, name, error):
    add(rsps, "GET", FEED, name)
    with pytest.raises(error):
        FacebookConnector().fetch(account(), "")


def test_html_502_from_the_edge_is_transient(rsps):
    rsps.add("GET", FEED, body="<html>502 Bad Gateway</html>", status=502, content_type="text/html")
    with pytest.raises(TransientError):
        FacebookConnector().fetch(account(), "")


@pytest.mark.parametrize("failure", [requests.exceptions.ConnectTimeout("timeout"),
                                     requests.exceptions.ReadTimeout("timeout"),
                                     requests.exceptions.ConnectionError("reset")])
def test_timeouts_are_transient(rsps, failure):
    rsps.add("GET", FEED, body=failure)
    with pytest.raises(TransientError):
        FacebookConnector().fetch(account(), "")


def test_missing_token_is_auth_expired():
    with pytest.raises(AuthExpired):
        FacebookConnector().fetch(account(app_secret="x"), "")


def test_reply_posts_a_comment_on_the_object(rsps):
    add(rsps, "POST", comments("990000000000002_1100000000000001"), "fb_comment_created.json")
    external_id = FacebookConnector().reply(account(), "990000000000002_1100000000000001", "서울광장에서 열립니다 😊")
    assert external_id == "990000000000002_1100000000000009"
    form = parse_qs(rsps.calls[0].request.body)
    assert form["message"] == ["서울광장에서 열립니다 😊"] and form["access_token"] == [TOKEN]


def test_a_very_long_reply_is_split_into_numbered_comments(rsps):
    add(rsps, "POST", comments(POST3), "fb_comment_created.json")
    add(rsps, "POST", comments(POST3), "fb_comment_created.json")
    FacebookConnector().reply(account(), POST3, "답변 내용입니다. " * 1200)
    messages = [parse_qs(call.request.body)["message"][0] for call in rsps.calls]
    assert len(messages) == 2 and messages[0].startswith("(1/2) ") and messages[1].startswith("(2/2) ")
    assert all(len(m) <= 8000 for m in messages)


def test_post_goes_to_the_page_feed(rsps):
    add(rsps, "POST", FEED, "fb_post_created.json")
    assert FacebookConnector().post(account(), "[긴급] 한파경보") == f"{PAGE}_990000000000009"


def test_expired_token_on_reply_is_auth_expired(rsps):
    add(rsps, "POST", comments(POST3), "fb_error_190.json")
    with pytest.raises(AuthExpired):
        FacebookConnector().reply(account(), POST3, "답변")


def test_find_reply_finds_the_page_comment_and_ignores_citizens(rsps):
    add(rsps, "GET", comments("990000000000002_1100000000000001"), "fb_reply_comments.json")
    add(rsps, "GET", comments("990000000000002_1100000000000001"), "fb_reply_comments.json")
    connector = FacebookConnector()
    text = "안녕하세요, 서울시입니다. 행사는 서울광장에서 열리며 주차는 어렵습니다."
    assert connector.find_reply(account(), "990000000000002_1100000000000001", text) == (
        "990000000000002_1100000000000002")
    # A citizen wrote this text, not the page: not ours.
    assert connector.find_reply(account(), "990000000000002_1100000000000001", "ㅇㅋ 감사합니다 👍👍") is None


# --- webhook helpers -----------------------------------------------------------------------------

def delivery():
    recording = load("fb_webhook_feed.json")
    return recording["body_text"].encode("utf-8"), recording["headers"]["X-Hub-Signature-256"], recording["app_secret"]


def test_recorded_delivery_signature_is_valid():
    body, signature, secret = delivery()
    assert verify_signature(body, signature, secret) is True


@pytest.mark.parametrize("mangle", [
    lambda body, sig, secret: (body + b" ", sig, secret),             # body changed in transit
    lambda body, sig, secret: (body, sig, "another-secret"),          # other app's secret
    lambda body, sig, secret: (body, sig[:-1] + "0", secret),         # digest altered
    lambda body, sig, secret: (body, sig.replace("sha256=", "sha1="), secret),
    lambda body, sig, secret: (body, "sha256=한글", secret),            # non-ASCII header
    lambda body, sig, secret: (body, None, secret),                   # missing header
    lambda body, sig, secret: (body, "", secret),
    lambda body, sig, secret: (body, sig, ""),                        # no secret configured
])
def test_bad_or_missing_signature_is_rejected(mangle):
    assert verify_signature(*mangle(*delivery())) is False


def test_page_ids_from_webhook():
    body, _, _ = delivery()
    assert page_ids_from_webhook(json.loads(body)) == [PAGE]
    two = {"object": "page", "entry": [{"id": PAGE, "time": 1}, {"id": 998877, "time": 2}, {"id": PAGE}]}
    assert page_ids_from_webhook(two) == [PAGE, "998877"]
    assert page_ids_from_webhook({"object": "instagram", "entry": [{"id": "1"}]}) == []


@pytest.mark.parametrize("payload", [
    [], "page", None, {}, {"object": "page"}, {"object": "page", "entry": {"id": PAGE}},
    {"object": "page", "entry": [{"time": 1}]}, {"object": "page", "entry": ["112233445566778"]},
    {"object": "page", "entry": [{"id": None}]}, {"object": "page", "entry": [{"id": ""}]},
])
def test_malformed_webhook_payload_raises_value_error(payload):
    with pytest.raises(ValueError):
        page_ids_from_webhook(payload)


def test_a_connection_error_never_carries_the_page_token(rsps):
    url = f"/v24.0/{PAGE}/feed?access_token={TOKEN}&appsecret_proof=abcdef0123456789&limit=100"
    rsps.add("GET", FEED, body=requests.exceptions.ConnectionError(
        f"HTTPSConnectionPool(host='graph.facebook.com', port=443): Max retries exceeded with url: {url}"))
    with pytest.raises(TransientError) as caught:
        FacebookConnector().fetch(account(), "")
    assert TOKEN not in str(caught.value) and "abcdef0123456789" not in str(caught.value)
    assert "access_token=***" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no token in tracebacks


def test_comments_without_id_are_skipped_and_counted_the_rest_kept(rsps):
    # A page token without the page's MODERATE task: Graph leaves out the posts' `from` and the
    # comments' `id`. The page's own post is told by the page's /posts edge, not by a missing `from`.
    add(rsps, "GET", FEED, "fb_feed_no_from.json")
    add(rsps, "GET", f"{G}/{PAGE}/posts", "fb_posts_own.json")
    add(rsps, "GET", comments(f"{PAGE}_990000000000005"), "fb_comments_none.json")
    add(rsps, "GET", comments(f"{PAGE}_990000000000004"), "fb_comments_missing_id.json")
    batch = FacebookConnector().fetch(account(), "")

    by_id = {item.external_id: item for item in batch.items}
    assert set(by_id) == {f"{PAGE}_990000000000004", "990000000000004_1200000000000002"}
    assert by_id[f"{PAGE}_990000000000004"].kind == "visitor_post"  # a citizen's post, author hidden
    assert f"{PAGE}_990000000000005" not in by_id  # the city's own notice is not a citizen message
    assert batch.skipped == {"권한 부족: MODERATE": 2}
