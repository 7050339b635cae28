"""The X connector against recorded X API v2 responses (no network, no database)."""

import copy
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import requests
import responses
from responses import matchers
from twitter_text import parse_tweet

from accounts.connectors.base import AuthExpired, PermanentError, RateLimited, TransientError
from accounts.connectors.x import XConnector

from .recordings import add, load

USER_ID = "1240217562"
MENTIONS = f"https://api.twitter.com/2/users/{USER_ID}/mentions"
TWEETS = "https://api.twitter.com/2/tweets"
USER_TWEETS = f"https://api.twitter.com/2/users/{USER_ID}/tweets"
CURSOR = "1785800000000000000"


def account(**credentials):
    return SimpleNamespace(
        platform="x", handle="seoulmania", platform_user_id=USER_ID,
        credentials=credentials or {"bearer_token": "AAAAtest-bearer"},
    )


def oauth1_account():
    return account(consumer_key="ck", consumer_secret="cs", access_token="at", access_token_secret="ats")


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_fetch_follows_every_page_and_normalises(rsps):
    first = add(rsps, "GET", MENTIONS, "x_mentions_page1.json", match=[
        matchers.query_param_matcher({"since_id": CURSOR, "max_results": "100"}, strict_match=False)])
    second = add(rsps, "GET", MENTIONS, "x_mentions_page2.json", match=[matchers.query_param_matcher(
        {"since_id": CURSOR, "pagination_token": "7140dibdnow9c7btw4539n0wtzhbmnwmp7dyzoqwrnnjc"},
        strict_match=False)])

    batch = XConnector().fetch(account(), CURSOR)

    assert first.call_count == 1 and second.call_count == 1
    ids = [item.external_id for item in batch.items]
    assert ids == sorted(ids, key=int) and len(ids) == 5
    assert batch.next_cursor == "1785871110351339892"  # the newest id over both pages

    request = rsps.calls[0].request
    assert request.headers["Authorization"] == "Bearer AAAAtest-bearer"
    params = requests.utils.urlparse(request.url).query
    for expected in ("expansions=author_id", "created_at", "conversation_id", "in_reply_to_user_id",
                     "referenced_tweets", "lang", "user.fields=username%2Cname"):
        assert expected in params

    by_id = {item.external_id: item for item in batch.items}
    mention = by_id["1785871110351339892"]
    assert mention.kind == "mention" and mention.parent_id == ""
    assert mention.author_handle == "minji_kim" and mention.author_name == "김민지"
    assert mention.author_id == "1498362054"
    assert mention.url == "https://x.com/minji_kim/status/1785871110351339892"
    assert mention.posted_at == datetime(2024, 5, 2, 3, 12, 45, tzinfo=UTC)
    assert mention.conversation_id == "1785871110351339892"
    assert "&amp;" not in mention.text and "검토 부탁드립니다 & 답변" in mention.text
    assert mention.raw["lang"] == "ko" and mention.platform == "x" and not mention.is_simulated

    reply = by_id["1785864010123456789"]
    assert reply.kind == "reply" and reply.parent_id == "1785860000000000000"
    assert by_id["1785830000000000002"].author_handle == "dongne_01"  # from the second page's includes


def test_first_fetch_has_no_since_id_and_empty_result_keeps_cursor(rsps):
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    batch = XConnector().fetch(account(), "")
    assert "since_id" not in rsps.calls[0].request.url
    assert batch.items == [] and batch.next_cursor == ""

    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    assert XConnector().fetch(account(), CURSOR).next_cursor == CURSOR


def test_response_without_includes_or_optional_fields_still_ingests(rsps):
    add(rsps, "GET", MENTIONS, "x_mentions_no_includes.json")
    before = datetime.now(UTC)
    batch = XConnector().fetch(account(), CURSOR)
    after = datetime.now(UTC)

    (item,) = batch.items
    assert item.author_id == "" and item.author_handle == "" and item.author_name == ""
    assert item.url == "https://x.com/i/web/status/1785899999999999999"
    assert before <= item.posted_at <= after  # no created_at: the time of the fetch
    assert item.kind == "mention" and item.conversation_id == ""
    assert batch.next_cursor == "1785899999999999999"


def test_our_own_posts_in_the_mentions_are_skipped_but_move_the_cursor(rsps):
    recording = copy.deepcopy(load("x_mentions_page2.json"))
    own = copy.deepcopy(recording["body"]["data"][0])
    own.update(id="1785999999999999999", author_id=USER_ID, text="(2/2) 추가 안내드립니다.",
               referenced_tweets=[{"type": "replied_to", "id": "1785999999999999998"}])
    recording["body"]["data"].insert(0, own)
    add(rsps, "GET", MENTIONS, "", recording=recording)
    batch = XConnector().fetch(account(), CURSOR)
    assert [i.external_id for i in batch.items] == ["1785830000000000002", "1785840000000000001"]
    assert batch.next_cursor == "1785999999999999999"


def test_user_context_credentials_read_with_oauth1(rsps):
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    XConnector().fetch(oauth1_account(), CURSOR)
    assert rsps.calls[0].request.headers["Authorization"].startswith("OAuth ")


def test_emoji_zwj_and_rtl_text_survive_unchanged(rsps):
    add(rsps, "GET", MENTIONS, "x_mentions_page1.json")
    add(rsps, "GET", MENTIONS, "x_mentions_page2.json")
    recorded = load("x_mentions_page1.json")["body"]["data"][1]["text"]
    item = next(i for i in XConnector().fetch(account(), CURSOR).items if i.external_id == "1785864010123456789")
    assert item.text == recorded
    assert "👨\u200d👩\u200d👧\u200d👦" in item.text and "\u202bשלום\u202c" in item.text and "🇰🇷" in item.text


def test_a_100_kb_long_post_is_ingested_whole(rsps):
    recording = copy.deepcopy(load("x_mentions_no_includes.json"))
    long_text = ("@seoulmania 장문 민원입니다. 버스 정류장 안내 개선 요청 🚌 " * 3000)[:100_000]
    tweet = recording["body"]["data"][0]
    tweet["text"] = long_text[:140]
    tweet["note_tweet"] = {"text": long_text}
    add(rsps, "GET", MENTIONS, "", recording=recording)

    (item,) = XConnector().fetch(account(), CURSOR).items
    assert len(item.text) == 100_000 and item.text == long_text


def test_429_raises_rate_limited_with_the_reset_header_without_sleeping(rsps):
    call = add(rsps, "GET", MENTIONS, "x_429.json")
    with pytest.raises(RateLimited) as exc:
        XConnector().fetch(account(), CURSOR)
    assert exc.value.reset_at == datetime.fromtimestamp(1714614300, UTC)
    assert call.call_count == 1  # tweepy did not wait and retry


def test_429_without_reset_header_waits_fifteen_minutes(rsps):
    recording = copy.deepcopy(load("x_429.json"))
    del recording["headers"]["x-rate-limit-reset"]
    add(rsps, "GET", MENTIONS, "", recording=recording)
    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as exc:
        XConnector().fetch(account(), CURSOR)
    assert before + timedelta(minutes=15) <= exc.value.reset_at <= datetime.now(UTC) + timedelta(minutes=15)


@pytest.mark.parametrize("name, error", [
    ("x_401.json", AuthExpired),
    ("x_500.json", TransientError),
    ("x_503.json", TransientError),
    ("x_malformed.json", PermanentError),
    ("x_400_invalid_since_id.json", PermanentError),
])
def test_http_errors_map_to_connector_errors(rsps, name, error):
    add(rsps, "GET", MENTIONS, name)
    with pytest.raises(error):
        XConnector().fetch(account(), CURSOR)


def test_403_is_auth_expired(rsps):
    recording = copy.deepcopy(load("x_401.json"))
    recording["status"] = 403
    recording["body"] = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden"}
    add(rsps, "GET", MENTIONS, "", recording=recording)
    with pytest.raises(AuthExpired):
        XConnector().fetch(account(), CURSOR)


@pytest.mark.parametrize("failure", [
    requests.exceptions.ConnectTimeout("connect timed out"),
    requests.exceptions.ReadTimeout("read timed out"),
    requests.exceptions.ConnectionError("connection reset by peer"),
])
def test_timeouts_and_dropped_connections_are_transient(rsps, failure):
    rsps.add("GET", MENTIONS, body=failure)
    with pytest.raises(TransientError):
        XConnector().fetch(account(), CURSOR)


def test_no_credentials_is_auth_expired():
    with pytest.raises(AuthExpired):
        XConnector().fetch(SimpleNamespace(platform="x", handle="h", platform_user_id=USER_ID,
                                           credentials={}), CURSOR)


def _tweet_factory(first_id=1785900000000000001):
    """A create-tweet endpoint in X's wire format that numbers the posts it creates."""
    posted = []

    def callback(request):
        payload = json.loads(request.body)
        posted.append(payload)
        recording = load("x_create_tweet.json")
        body = recording["body"]
        body["data"]["id"] = str(first_id + len(posted) - 1)
        body["data"]["text"] = payload["text"]
        body["data"]["edit_history_tweet_ids"] = [body["data"]["id"]]
        return recording["status"], {}, json.dumps(body, ensure_ascii=False)

    return posted, callback


def test_short_reply_is_one_post_in_user_context(rsps):
    posted, callback = _tweet_factory()
    rsps.add_callback("POST", TWEETS, callback=callback, content_type="application/json")
    external_id = XConnector().reply(oauth1_account(), "1785871110351339892", "답변드립니다. 감사합니다 😊")
    assert external_id == "1785900000000000001"
    assert posted == [{"text": "답변드립니다. 감사합니다 😊",
                       "reply": {"in_reply_to_tweet_id": "1785871110351339892"}}]
    assert rsps.calls[0].request.headers["Authorization"].startswith("OAuth ")


def test_long_korean_answer_becomes_a_numbered_chained_thread(rsps):
    posted, callback = _tweet_factory()
    rsps.add_callback("POST", TWEETS, callback=callback, content_type="application/json")
    answer = (
        "안녕하세요, 서울시 버스정책과입니다. 말씀하신 472번 버스의 출근 시간대 배차 간격 문제를 확인했습니다. "
        "운수사와 협의하여 오전 7시부터 9시까지 차량 2대를 증차하고, 정류장 안내 단말기의 도착 정보도 "
        "점검하겠습니다. 불편을 드려 죄송합니다. 추가 문의는 다산콜센터 120으로 연락 주시면 "
        "친절히 안내해 드리겠습니다. 자세한 노선 정보는 https://topis.seoul.go.kr 에서 보실 수 있습니다. "
    ) * 3

    first = XConnector().reply(oauth1_account(), "1785871110351339892", answer)

    total = len(posted)
    assert total >= 3 and first == "1785900000000000001"
    for number, payload in enumerate(posted, start=1):
        text = payload["text"]
        assert text.startswith(f"({number}/{total}) ")
        assert parse_tweet(text).valid and parse_tweet(text).weightedLength <= 280
    # The first part answers the citizen; each later part answers the part before it.
    assert posted[0]["reply"]["in_reply_to_tweet_id"] == "1785871110351339892"
    for number in range(1, total):
        assert posted[number]["reply"]["in_reply_to_tweet_id"] == str(1785900000000000001 + number - 1)
    # Nothing of the answer was lost or reordered.
    rejoined = " ".join(p["text"].split(") ", 1)[1] for p in posted)
    assert rejoined.split() == answer.split()


def test_post_is_a_post_without_reply(rsps):
    posted, callback = _tweet_factory()
    rsps.add_callback("POST", TWEETS, callback=callback, content_type="application/json")
    assert XConnector().post(oauth1_account(), "[긴급] 호우경보 발령") == "1785900000000000001"
    assert posted == [{"text": "[긴급] 호우경보 발령"}]


def test_duplicate_content_is_permanent_not_auth(rsps):
    add(rsps, "POST", TWEETS, "x_403_duplicate.json")
    with pytest.raises(PermanentError):
        XConnector().post(oauth1_account(), "[긴급] 호우경보 발령")


def test_find_reply_finds_our_earlier_reply_despite_rewriting(rsps):
    add(rsps, "GET", USER_TWEETS, "x_users_tweets.json",
        match=[matchers.query_param_matcher({"since_id": "1785871110351339892"}, strict_match=False)])
    text = ("안녕하세요, 서울시 버스정책과입니다. 472번 버스 출근시간 증차를 & 배차 조정을 검토하겠습니다. "
            "자세한 내용은 https://news.seoul.go.kr/traffic/archives/512345")
    assert XConnector().find_reply(account(), "1785871110351339892", text) == "1785900000000000007"


def test_find_reply_returns_none_when_no_matching_reply(rsps):
    add(rsps, "GET", USER_TWEETS, "x_users_tweets.json")
    add(rsps, "GET", USER_TWEETS, "x_users_tweets.json")
    connector = XConnector()
    # Same post, other text.
    assert connector.find_reply(account(), "1785871110351339892", "전혀 다른 답변입니다") is None
    # Same text, other post.
    assert connector.find_reply(account(), "1785864010123456789", "안녕하세요, 서울시 버스정책과입니다.") is None


def test_find_reply_and_find_post_without_the_user_id_cannot_look_rather_than_say_not_found(rsps):
    from accounts.connectors.base import CannotLook

    nameless = account()
    nameless.platform_user_id = ""
    with pytest.raises(CannotLook):
        XConnector().find_reply(nameless, "1785871110351339892", "안녕하세요, 서울시 버스정책과입니다.")
    with pytest.raises(CannotLook):
        XConnector().find_post(nameless, "SMC-20260101-ABCDEF01")
    assert len(rsps.calls) == 0


def test_connector_errors_redact_bearer_tokens():
    from accounts.connectors.base import PermanentError

    error = PermanentError("401 Unauthorized; headers: Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAA%2Fsecret")
    assert "AAAAAAAAAAAAAAAAAAAAAMLheAAA" not in str(error) and "Bearer ***" in str(error)
