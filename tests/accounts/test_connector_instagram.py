"""The Instagram connector against recorded Graph API responses (comments, mentions, messages, replies,
sync) and its webhook reader."""

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
import responses
from django.core.cache import cache
from responses import matchers

from accounts.connectors import instagram
from accounts.connectors.base import AuthExpired, Code, ContentProblem, ManualPostNeeded
from accounts.connectors.instagram import InstagramConnector

from .recordings import add, load

IG = "17841405822304914"
PAGE = "112233445566778"
G = "https://graph.facebook.com/v24.0"
M1, M2 = "17895731045244887", "17896622936197745"
TOKEN = "EAAGtestpagetoken"


def account(**credentials):
    return SimpleNamespace(platform="instagram", handle="seoul_official", platform_user_id=IG,
                           credentials=credentials or {"access_token": TOKEN, "page_id": PAGE})


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _no_pending_mentions():
    cache.delete_pattern("instagram:*")
    yield
    cache.delete_pattern("instagram:*")


def fields(value):
    return [matchers.query_param_matcher({"fields": value}, strict_match=False)]


def register_media(rsps):
    add(rsps, "GET", f"{G}/{IG}/media", "ig_media_page1.json",
        match=[matchers.query_param_matcher({"limit": "50"}, strict_match=False)])
    add(rsps, "GET", f"{G}/{IG}/media", "ig_media_page2.json",
        match=[matchers.query_param_matcher({"after": "QVFIUkZA2c3lDOHR6Y1R"}, strict_match=False)])
    add(rsps, "GET", f"{G}/{M1}/comments", "ig_comments_page1.json",
        match=[matchers.query_param_matcher({"fields": instagram.COMMENT_FIELDS}, strict_match=False)])
    add(rsps, "GET", f"{G}/{M1}/comments", "ig_comments_page2.json",
        match=[matchers.query_param_matcher({"after": "QVFIUmRfdW5zZAWxl"}, strict_match=False)])


def test_fetch_reads_comments_and_replies_of_recent_media_and_skips_what_cannot_be_answered(rsps):
    register_media(rsps)
    batch = InstagramConnector().fetch(account(), "2024-04-29T00:00:00+00:00")

    by_id = {item.external_id: item for item in batch.items}
    # The citizen's comment, a citizen's reply under it, a hidden comment, the second page's comment;
    # not our own reply (from.id is ours), not the comment without an id (counted).
    assert set(by_id) == {"17858154961981086", "17847314687296290", "17874875428706419", "17892250648466172"}
    comment = by_id["17858154961981086"]
    assert comment.kind == "comment" and comment.platform == "instagram" and not comment.is_simulated
    assert comment.author_handle == "seoul_skater" and comment.author_id == "17841400000000001"
    assert comment.conversation_id == M1 and comment.parent_id == M1
    assert comment.url == "https://www.instagram.com/p/C6aB1cDeFgH/"
    assert comment.posted_at == datetime(2024, 5, 2, 3, 10, tzinfo=UTC)
    reply = by_id["17847314687296290"]
    assert reply.kind == "reply" and reply.parent_id == "17858154961981086"
    # A comment the city hid on Instagram is stored but never public.
    assert by_id["17874875428706419"].withheld and not comment.withheld
    assert batch.skipped == {instagram.MISSING_ID_REASON: 1}
    assert batch.next_cursor == "2024-05-02T04:30:00+00:00"
    # The media without comments and the media older than the week before the cursor are not read.
    assert not any(M2 in call.request.url or "17896129349106152/comments" in call.request.url for call in rsps.calls)
    assert all(parse_qs(call.request.url.split("?", 1)[1])["access_token"] == [TOKEN] for call in rsps.calls)


def test_items_before_the_cursor_are_left_to_ingest_dedupe(rsps):
    register_media(rsps)
    batch = InstagramConnector().fetch(account(), "2024-05-02T03:00:00+00:00")
    assert {item.external_id for item in batch.items} == {"17858154961981086", "17847314687296290"}


def test_mentions_named_by_the_webhook_are_looked_up_once_through_our_ig_user(rsps):
    instagram.remember_mentions(IG, [("17912345678901234", "17967008497439572"), ("17912345678909999", "")])
    add(rsps, "GET", f"{G}/{IG}/media", "", recording={**load("ig_media_page2.json"), "body": {"data": []}})
    add(rsps, "GET", f"{G}/{IG}", "ig_mentioned_comment.json", match=fields(
        f"mentioned_comment.comment_id(17967008497439572){{{instagram.MENTIONED_COMMENT_FIELDS}}}"))
    add(rsps, "GET", f"{G}/{IG}", "ig_mentioned_media.json", match=fields(
        f"mentioned_media.media_id(17912345678909999){{{instagram.MENTIONED_MEDIA_FIELDS}}}"))
    batch = InstagramConnector().fetch(account(), "2024-05-01T00:00:00+00:00")

    by_id = {item.external_id: item for item in batch.items}
    assert set(by_id) == {"m:17912345678901234:17967008497439572", "m:17912345678909999"}
    in_comment = by_id["m:17912345678901234:17967008497439572"]
    assert in_comment.kind == "mention" and in_comment.author_handle == "sinchon_walker"
    assert in_comment.text.startswith("@seoul_official 신촌역") and in_comment.conversation_id == "17912345678901234"
    assert by_id["m:17912345678909999"].text.startswith("@seoul_official 망원한강공원")
    # The cursor says both were taken: the comments' time is unchanged, the mentions' number moved on.
    assert batch.next_cursor == "2024-05-01T00:00:00+00:00 m:2"

    # The next poll, with that cursor, asks for them no more (no further recording is registered).
    add(rsps, "GET", f"{G}/{IG}/media", "", recording={**load("ig_media_page2.json"), "body": {"data": []}})
    again = InstagramConnector().fetch(account(), batch.next_cursor)
    assert again.items == [] and again.next_cursor == batch.next_cursor


def test_a_mention_deleted_before_the_poll_is_counted_not_failed(rsps):
    instagram.remember_mentions(IG, [("17912345678901234", "17967008497439572")])
    add(rsps, "GET", f"{G}/{IG}/media", "", recording={**load("ig_media_page2.json"), "body": {"data": []}})
    add(rsps, "GET", f"{G}/{IG}", "ig_mentioned_comment_gone.json")
    batch = InstagramConnector().fetch(account(), "2024-05-01T00:00:00+00:00")
    assert batch.items == [] and batch.skipped == {instagram.MENTION_GONE_REASON: 1}
    assert batch.next_cursor.endswith(" m:1")


def test_reply_is_a_comment_reply(rsps):
    add(rsps, "POST", f"{G}/17858154961981086/replies", "ig_reply_created.json")
    reply_id = InstagramConnector().reply(account(), "17858154961981086", "운영 시간 연장을 검토하겠습니다.")
    assert reply_id == "17865799348089039"
    form = parse_qs(rsps.calls[0].request.body)
    assert form["message"] == ["운영 시간 연장을 검토하겠습니다."] and form["access_token"] == [TOKEN]


def test_a_long_reply_is_split_into_comments_of_2200_characters(rsps):
    add(rsps, "POST", f"{G}/17858154961981086/replies", "ig_reply_created.json")
    add(rsps, "POST", f"{G}/17858154961981086/replies", "ig_reply_created.json")
    InstagramConnector().reply(account(), "17858154961981086", "답변 내용입니다. " * 300)
    messages = [parse_qs(call.request.body)["message"][0] for call in rsps.calls]
    assert len(messages) == 2 and all(len(m) <= 2200 for m in messages) and messages[0].startswith("(1/2) ")


def test_a_mention_is_answered_through_the_mentions_edge(rsps):
    add(rsps, "POST", f"{G}/{IG}/mentions", "ig_mention_reply_created.json")
    external_id = InstagramConnector().reply(account(), "m:17912345678901234:17967008497439572", "확인하겠습니다.")
    assert external_id == "17873440459141021"
    form = parse_qs(rsps.calls[0].request.body)
    assert form["media_id"] == ["17912345678901234"] and form["comment_id"] == ["17967008497439572"]
    assert form["message"] == ["확인하겠습니다."]


def test_a_direct_message_is_answered_privately_through_the_linked_page(rsps):
    add(rsps, "POST", f"{G}/{PAGE}/messages", "ig_message_sent.json")
    asked = instagram.dm_external_id("1254459154682919", "aWdfZAG1faXRlbTo-asked")
    answer = "주소는 공개되지 않습니다. 확인 후 연락드리겠습니다."
    sent = InstagramConnector().reply(account(), asked, answer, private=True)
    form = parse_qs(rsps.calls[0].request.body)
    assert json.loads(form["recipient"][0]) == {"id": "1254459154682919"}
    assert json.loads(form["message"][0]) == {"text": answer}
    assert form["messaging_type"] == ["RESPONSE"]
    assert sent.startswith(f"igdm:{IG}:") and len(sent) <= 100


def test_a_message_older_than_the_window_is_a_content_problem_not_a_permission(rsps):
    add(rsps, "POST", f"{G}/{PAGE}/messages", "ig_error_window_closed.json")
    with pytest.raises(ContentProblem) as caught:
        InstagramConnector().reply(account(), instagram.dm_external_id("1254459154682919", "mid"), "답변", private=True)
    assert caught.value.code == Code.REPLY_WINDOW_CLOSED


def test_expired_token_is_auth_expired(rsps):
    add(rsps, "GET", f"{G}/{IG}/media", "ig_error_190.json")
    with pytest.raises(AuthExpired):
        InstagramConnector().fetch(account(), "")


def test_a_post_needs_a_person_and_calls_nothing(rsps):
    with pytest.raises(ManualPostNeeded):
        InstagramConnector().post(account(), "[긴급] 한파경보")
    assert len(rsps.calls) == 0
    assert InstagramConnector().find_post(account(), "urn:oid:2.49.0.1.410.0.2026.1") is None


def test_find_reply_finds_our_own_reply_only(rsps):
    add(rsps, "GET", f"{G}/17858154961981086/replies", "ig_replies.json")
    ours = "@seoul_skater 의견 감사합니다. 담당 부서에 전달했습니다."
    found = InstagramConnector().find_reply(account(), "17858154961981086", ours)
    assert found == "17847314687296283"


def test_sync_reads_each_comment_and_mention_again(rsps):
    add(rsps, "GET", f"{G}/17858154961981086", "ig_comment_object.json")
    add(rsps, "GET", f"{G}/17892250648466172", "ig_comment_hidden.json")
    add(rsps, "GET", f"{G}/17874875428706419", "ig_comment_gone.json")
    add(rsps, "GET", f"{G}/{IG}", "ig_mentioned_comment_gone.json",
        match=fields("mentioned_comment.comment_id(17967008497439572){id,text}"))
    result = InstagramConnector().sync(account(), ["17858154961981086", "17892250648466172", "17874875428706419",
                                                   "m:17912345678901234:17967008497439572"])
    assert result.edited == {"17858154961981086": "스케이트장 운영 시간 저녁 10시까지 늘려주세요!!"}
    assert result.withheld == ["17892250648466172"]
    assert result.deleted == ["17874875428706419", "m:17912345678901234:17967008497439572"]


def test_webhook_reader_takes_comments_mentions_messages_and_unsends():
    comments = instagram.read_webhook(load("ig_webhook_comments.json")["body"])
    [comment] = comments.comments[IG]  # our own reply in the same delivery is left out
    assert comment.external_id == "17865799348089100" and comment.author_handle == "gangnam_dad"
    assert comment.conversation_id == M1 and comment.kind == "comment"
    mentions = instagram.read_webhook(load("ig_webhook_mentions.json")["body"])
    assert mentions.mentions == {IG: [("17912345678901234", "17967008497439572"), ("17912345678909999", "")]}
    messages = instagram.read_webhook(load("ig_webhook_messaging.json")["body"])
    [message] = messages.messages[IG]  # the echo of our own message is left out
    assert message.kind == "direct" and message.author_id == "1254459154682919"
    assert message.external_id.startswith("igdm:1254459154682919:") and len(message.external_id) <= 100
    unsent = instagram.read_webhook(load("ig_webhook_unsend.json")["body"])
    assert unsent.unsent == {IG: [message.external_id]} and unsent.messages == {}
    # A Facebook delivery is not Instagram's.
    assert instagram.read_webhook(load("fb_webhook_messages.json")["body"]).user_ids == []
