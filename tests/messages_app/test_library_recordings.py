"""Responses in the shapes the client libraries recorded (tweepy's cassettes of X API v2 and
python-facebook-api's Graph test data; tests/accounts/recordings/README.md), replayed at the real
URLs through `poll_accounts`, the regular poll and `sync_platform`. Their particular shapes: posts
without author_id or created_at and no includes (fields not asked for), DM events without
sender_id, page posts without `from`, comments without `id`, a feed whose second page repeats the
first, a Messenger message that is only a photo."""

import io
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.utils import timezone
from responses import matchers

from accounts.connectors import x
from accounts.connectors.base import CannotLook
from accounts.models import Status
from messages_app.models import Kind, Message
from messages_app.services import polling
from portal import selectors
from tests import factories
from tests.accounts.recordings import add, load
from tests.factories import platform_account

X_USER = "1240217562"
MENTIONS = f"https://api.twitter.com/2/users/{X_USER}/mentions"
DM_EVENTS = "https://api.twitter.com/2/dm_events"
PAGE = "112233445566778"
G = "https://graph.facebook.com/v24.0"
TWEETS = ["1867000000000000003", "1867000000000000002", "1867000000000000001"]


@pytest.fixture(autouse=True)
def _clean(clean_platform_keys):
    pass


@pytest.fixture
def x_account():
    return platform_account("x", X_USER, {"bearer_token": "AAAAapp", "dm_user_token": "dmUserContextToken"})


@pytest.fixture
def page():
    return platform_account("facebook", PAGE, {"page_access_token": "EAAGtestpagetoken", "read_messenger": True})


def without(param):
    def match(request):
        return param not in parse_qs(urlparse(request.url).query), f"{param} asked for"
    return match


def only(param, value):
    return matchers.query_param_matcher({param: value}, strict_match=False)


def test_tweepy_shaped_mentions_and_dm_events_through_poll_accounts(rsps, x_account):
    recording = load("x_tweepy_mentions_page.json")
    add(rsps, "GET", MENTIONS, "", recording=recording, match=[without("pagination_token")])
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json", match=[only("pagination_token",
                                                                     recording["body"]["meta"]["next_token"])])
    add(rsps, "GET", DM_EVENTS, "x_tweepy_dm_events_empty.json")
    call_command("poll_accounts", "--account", x_account.handle, "--platform", "x", stdout=io.StringIO())

    stored = {m.external_id: m for m in Message.objects.filter(platform="x", external_id__in=TWEETS)}
    assert set(stored) == set(TWEETS)
    # No author_id, no created_at, no includes: stored all the same, by the id's own address.
    third = stored[TWEETS[2]]
    assert third.url == f"https://x.com/i/web/status/{TWEETS[2]}" and third.author_external_id == ""
    assert "&amp;" not in third.text and "& 치워 주세요" in third.text
    # Public once routed, like any message (one the classifier is unsure of waits for the desk first).
    routed = {m.external_id for m in stored.values() if not m.needs_triage}
    assert routed and routed <= set(selectors.public_messages().values_list("external_id", flat=True))
    x_account.refresh_from_db()
    assert x_account.poll_cursor == TWEETS[0]  # meta.newest_id; no DM seen yet


def test_tweepy_shaped_lookup_leaves_unchanged_posts_public(rsps, x_account):
    for external_id in TWEETS[1:]:
        factories.public_message("가로등 민원입니다", account=x_account, external_id=external_id,
                                 posted_at=timezone.now() - timedelta(days=2))
    Message.objects.filter(external_id__in=TWEETS).update(received_at=timezone.now() - timedelta(hours=1))
    add(rsps, "GET", "https://api.twitter.com/2/tweets", "x_tweepy_tweets_lookup.json")
    out = io.StringIO()
    call_command("sync_platform", "--platform", "x", "--account", x_account.handle, stdout=out)
    assert "삭제 0건" in out.getvalue()
    rows = Message.objects.filter(external_id__in=TWEETS[1:])
    assert all(m.source_state == "" and m.source_checked_at is not None for m in rows)
    # The lookup's own text is not an edit: only a newer id in edit_history_tweet_ids is.
    assert {m.text for m in rows} == {"가로등 민원입니다"}


def test_a_dm_event_without_its_sender_is_counted_not_stored(rsps, x_account):
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    add(rsps, "GET", DM_EVENTS, "x_tweepy_dm_events_no_sender.json")
    polling.poll(x_account)
    assert not Message.objects.filter(platform="x", external_id__endswith="1867100000000000003").exists()
    x_account.refresh_from_db()
    assert "쪽지 보낸 사람 없음" in x_account.health_note
    assert x_account.poll_cursor.endswith("dm:1867100000000000003")  # not asked again


def test_an_interrupted_dm_answer_is_not_called_missing_when_the_sender_is_not_said(rsps):
    account = SimpleNamespace(platform="x", handle="seoulmania", platform_user_id=X_USER,
                              credentials={"bearer_token": "app", "dm_user_token": "dmUserContextToken"})
    add(rsps, "GET", "https://api.twitter.com/2/dm_conversations/with/9100000021/dm_events",
        "x_tweepy_dm_conversation_no_sender.json")
    with pytest.raises(CannotLook):  # "not found" would send the answer twice
        x.XConnector(client_factory=x.make_client).find_reply(account, "dm:9100000021:1", "네, 확인해 보겠습니다.")


def test_python_facebook_shaped_page_through_poll_accounts(rsps, page):
    p1 = load("fb_pyfacebook_feed_p1.json")
    until = parse_qs(urlparse(p1["body"]["paging"]["next"]).query)["until"][0]
    for edge in ("feed", "posts"):  # the page's own posts come without `from`: /posts names them
        add(rsps, "GET", f"{G}/{PAGE}/{edge}", "", recording=p1, match=[without("until")])
        add(rsps, "GET", f"{G}/{PAGE}/{edge}", "fb_pyfacebook_feed_p2.json", match=[only("until", until)])
    first, *others = [post["id"] for post in p1["body"]["data"]]
    add(rsps, "GET", f"{G}/{first}/comments", "fb_pyfacebook_comments_p1.json", match=[without("after")])
    add(rsps, "GET", f"{G}/{first}/comments", "fb_pyfacebook_comments_p2.json", match=[only("after", "after")])
    for post_id in others:
        add(rsps, "GET", f"{G}/{post_id}/comments", "fb_comments_empty.json")
    conversation = load("fb_pyfacebook_conversation_attachment.json")
    recent = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    conversation["body"]["data"][0]["updated_time"] = recent
    conversation["body"]["data"][0]["messages"]["data"][0]["created_time"] = recent
    add(rsps, "GET", f"{G}/{PAGE}/conversations", "", recording=conversation)
    call_command("poll_accounts", "--account", page.handle, "--platform", "facebook", stdout=io.StringIO())

    # The repeated second page read each post's comments once (the recording set fires once each).
    comment_calls = [c for c in rsps.calls if f"{first}/comments" in c.request.url]
    assert len(comment_calls) == 2
    assert not Message.objects.filter(platform="facebook", kind=Kind.VISITOR_POST).exists()  # the city's own
    page.refresh_from_db()
    assert page.health_note == "권한 부족: MODERATE 4건" and page.status == Status.ACTIVE
    photo = Message.objects.get(platform="facebook", kind=Kind.DIRECT)
    assert photo.text == "[첨부 파일]" and photo.is_private and photo.author_external_id == "2711636948859886"
