"""The YouTube connector against recorded Data API v3 responses: threads and replies in, replies out,
the quota budget per channel and Pacific day, token renewal, sync."""

import copy
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.core.cache import cache
from responses import matchers

from accounts.connectors import youtube
from accounts.connectors.base import AccountSuspended, AuthExpired, ManualPostNeeded, PermissionMissing, RateLimited
from accounts.connectors.youtube import QuotaBudget, YouTubeConnector

from .recordings import add, load

CH = "UCa-vrCLQHviTOVnEKDOdetQ"
API = "https://www.googleapis.com/youtube/v3"
T1, T2 = "UgyWeTdgc4sc1xgmbld4AaABAg", "Ugw5zYU6n9pmIgAZWvN4AaABAg"
# 2024-05-02 14:00 in Seoul is 2024-05-01 22:00 in California: the quota's day is still 1 May.
NOW = datetime(2024, 5, 2, 5, 0, tzinfo=UTC)


def account(**credentials):
    return SimpleNamespace(platform="youtube", handle="seoullove", platform_user_id=CH,
                           credentials=credentials or {"access_token": "ya29.test-access-token"})


def connector():
    return YouTubeConnector(clock=lambda: NOW)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _fresh_quota():
    cache.delete_pattern("youtube:*")
    yield
    cache.delete_pattern("youtube:*")


def query(call):
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


def register_threads(rsps):
    add(rsps, "GET", f"{API}/commentThreads", "yt_threads_page1.json", match=[matchers.query_param_matcher(
        {"allThreadsRelatedToChannelId": CH, "textFormat": "plainText", "maxResults": "100",
         "part": "snippet,replies", "order": "time"})])
    add(rsps, "GET", f"{API}/commentThreads", "yt_threads_page2.json", match=[matchers.query_param_matcher(
        {"pageToken": "QURTSl9pM0p6dW9fR0xHcE9xaFRHbVZOeE5nMXVOcF8"}, strict_match=False)])
    add(rsps, "GET", f"{API}/comments", "yt_replies_by_parent.json", match=[matchers.query_param_matcher(
        {"parentId": T2, "part": "snippet", "textFormat": "plainText", "maxResults": "100"})])


def test_fetch_reads_threads_and_replies_and_counts_the_quota(rsps):
    register_threads(rsps)
    batch = connector().fetch(account(), "2024-04-28T00:00:00+00:00")

    by_id = {item.external_id: item for item in batch.items}
    # Citizens' comments and replies; not our own reply (authorChannelId is the channel), not the thread
    # without an id nor the reply without a snippet (counted), not the thread older than a week.
    assert set(by_id) == {T1, T2, f"{T2}.91zT3cYb5B291za6voUoRh", f"{T2}.91zT3cYb5B291za5eJxzs1",
                          "UgzBus9ngq4sb2ExdGh4AaABAg"}
    top = by_id[T1]
    assert top.kind == "comment" and top.platform == "youtube" and top.author_name == "@cheonggye_walker"
    assert top.author_id == "UCNvMBmCASzTNNX8lW3JRMbw" and top.conversation_id == T1 and top.parent_id == "JE8xdDp5B8Q"
    assert top.url == f"https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc={T1}"
    assert top.posted_at == datetime(2024, 5, 2, 3, 36, 55, tzinfo=UTC)
    reply = by_id[f"{T2}.91zT3cYb5B291za6voUoRh"]
    assert reply.kind == "reply" and reply.parent_id == T2 and reply.conversation_id == T2
    assert batch.skipped == {youtube.MISSING_ID_REASON: 1, youtube.MISSING_SNIPPET_REASON: 1}
    assert batch.next_cursor == "2024-05-02T03:36:55+00:00"
    # Three list calls of one unit each, shown on the account's health; every call with the bearer token.
    assert QuotaBudget(CH, lambda: NOW).used() == 3
    assert batch.health == "유튜브 할당량 오늘 3/10,000 단위 사용"
    assert all(call.request.headers["Authorization"] == "Bearer ya29.test-access-token" for call in rsps.calls)


def test_the_quota_day_is_californias(rsps):
    register_threads(rsps)
    connector().fetch(account(), "2024-04-28T00:00:00+00:00")
    assert cache.get(f"youtube:quota:{CH}:2024-05-01") == 3 and cache.get(f"youtube:quota:{CH}:2024-05-02") is None
    assert youtube.next_reset(NOW) == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)  # midnight PDT
    assert youtube.next_reset(datetime(2024, 12, 2, 5, 0, tzinfo=UTC)) == datetime(2024, 12, 2, 8, 0, tzinfo=UTC)


def test_a_spent_budget_waits_for_pacific_midnight_without_calling(rsps):
    cache.set(f"youtube:quota:{CH}:2024-05-01", 10_000 - youtube.ANSWER_RESERVE, timeout=3600)
    with pytest.raises(RateLimited) as caught:
        connector().fetch(account(), "")
    assert caught.value.reset_at == datetime(2024, 5, 2, 7, 0, tzinfo=UTC) and len(rsps.calls) == 0
    # Answers may still use the reserve the reads left.
    add(rsps, "POST", f"{API}/comments", "yt_comment_inserted.json")
    connector().reply(account(), T2, "점검하겠습니다.")
    assert QuotaBudget(CH, lambda: NOW).used() == 10_000 - youtube.ANSWER_RESERVE + 50


def test_quota_exceeded_from_youtube_waits_for_pacific_midnight(rsps):
    add(rsps, "GET", f"{API}/commentThreads", "yt_error_quota.json")
    with pytest.raises(RateLimited) as caught:
        connector().fetch(account(), "")
    assert caught.value.reset_at == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)


def test_comments_disabled_on_the_channel_is_an_account_state(rsps):
    add(rsps, "GET", f"{API}/commentThreads", "yt_error_comments_disabled.json")
    with pytest.raises(AccountSuspended):
        connector().fetch(account(), "")


def test_forbidden_is_a_missing_permission(rsps):
    add(rsps, "POST", f"{API}/comments", "yt_error_forbidden.json")
    with pytest.raises(PermissionMissing) as caught:
        connector().reply(account(), T2, "답변")
    assert caught.value.name == "youtube.force-ssl"


def test_reply_inserts_under_the_thread_and_costs_50_units(rsps):
    add(rsps, "POST", f"{API}/comments", "yt_comment_inserted.json",
        match=[matchers.query_param_matcher({"part": "snippet"})])
    # Answering a reply goes under its thread (YouTube has one level of replies).
    text = "불편을 드려 죄송합니다. 여의도역 대여소를 점검하겠습니다."
    external_id = connector().reply(account(), f"{T2}.91zT3cYb5B291za6voUoRh", text)
    assert external_id == f"{T2}.9iPXEClD9lW9iPXLqKy_Qx"
    assert json.loads(rsps.calls[0].request.body) == {"snippet": {"parentId": T2, "textOriginal": text}}
    assert QuotaBudget(CH, lambda: NOW).used() == 50


def test_an_expired_token_is_renewed_once_with_the_refresh_token(rsps):
    credentials = {"access_token": "ya29.expired", "refresh_token": "1//0gRefresh", "client_id": "cid.apps",
                   "client_secret": "csecret"}
    add(rsps, "POST", f"{API}/comments", "yt_error_401.json",
        match=[matchers.header_matcher({"Authorization": "Bearer ya29.expired"})])
    add(rsps, "POST", youtube.TOKEN_URL, "yt_token_refreshed.json")
    add(rsps, "POST", f"{API}/comments", "yt_comment_inserted.json",
        match=[matchers.header_matcher({"Authorization": "Bearer ya29.a0AfB_byC-refreshed-token"})])
    assert connector().reply(account(**credentials), T2, "답변").startswith(T2)
    assert parse_qs(rsps.calls[1].request.body)["grant_type"] == ["refresh_token"]


def test_a_revoked_refresh_token_is_auth_expired(rsps):
    credentials = {"access_token": "ya29.expired", "refresh_token": "1//0gRevoked", "client_id": "c",
                   "client_secret": "csecret"}
    add(rsps, "GET", f"{API}/commentThreads", "yt_error_401.json")
    add(rsps, "POST", youtube.TOKEN_URL, "yt_token_invalid_grant.json")
    with pytest.raises(AuthExpired) as caught:
        connector().fetch(account(**credentials), "")
    assert "1//0gRevoked" not in str(caught.value) and "csecret" not in str(caught.value)


def test_a_post_needs_a_person_and_calls_nothing(rsps):
    with pytest.raises(ManualPostNeeded):
        connector().post(account(), "[긴급] 한파경보")
    assert len(rsps.calls) == 0 and QuotaBudget(CH, lambda: NOW).used() == 0


def test_find_reply_finds_our_reply_in_the_thread(rsps):
    recording = copy.deepcopy(load("yt_replies_by_parent.json"))
    ours = recording["body"]["items"][1]["snippet"]
    ours["authorChannelId"], ours["textOriginal"] = {"value": CH}, "불편을 드려 죄송합니다. 점검하겠습니다."
    add(rsps, "GET", f"{API}/comments", "", recording=recording,
        match=[matchers.query_param_matcher({"parentId": T2}, strict_match=False)])
    found = connector().find_reply(account(), f"{T2}.91zT3cYb5B291za6voUoRh", "불편을 드려 죄송합니다. 점검하겠습니다.")
    assert found == f"{T2}.91zT3cYb5B291za5eJxzs1"
    # A citizen's comment with the same words is not ours.
    add(rsps, "GET", f"{API}/comments", "yt_replies_by_parent.json")
    assert connector().find_reply(account(), T2, "저도요!!") is None


def test_sync_looks_the_comments_up_by_id(rsps):
    add(rsps, "GET", f"{API}/comments", "yt_comments_lookup.json", match=[matchers.query_param_matcher(
        {"id": f"{T1},UgzBus9ngq4sb2ExdGh4AaABAg,UgyGoneComment0000AaABAg"}, strict_match=False)])
    result = connector().sync(account(), [T1, "UgzBus9ngq4sb2ExdGh4AaABAg", "UgyGoneComment0000AaABAg"])
    assert result.edited == {T1: "청계천 야간 조명 너무 예뻐요! 주말에도 꼭 켜주세요"}
    assert result.withheld == ["UgzBus9ngq4sb2ExdGh4AaABAg"]  # held for review: not public on YouTube
    assert result.deleted == ["UgyGoneComment0000AaABAg"]
    assert query(rsps.calls[0])["part"] == "snippet"
