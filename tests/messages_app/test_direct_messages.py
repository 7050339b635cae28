"""Direct messages, private end to end: X DMs read by the poll (GET /2/dm_events, paged, from the
last seen event), Messenger messages from the signed webhook and the /conversations catch-up, all
stored private and routed like the rest, never on a public surface."""

import hashlib
import hmac
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from responses import matchers

from accounts.models import Account, Status
from messages_app.errors import Code, HandlingError
from messages_app.models import Kind, Message
from messages_app.services import polling
from portal import selectors
from tests.accounts.recordings import add, load
from tests.factories import platform_account

X_USER = "1240217562"
MENTIONS = f"https://api.twitter.com/2/users/{X_USER}/mentions"
DM_EVENTS = "https://api.twitter.com/2/dm_events"
PAGE = "112233445566778"
G = "https://graph.facebook.com/v24.0"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"


@pytest.fixture(autouse=True)
def _clean(clean_platform_keys):
    pass


@pytest.fixture
def x_account():
    return platform_account("x", X_USER, {"bearer_token": "AAAAtest", "dm_user_token": "dmUserContextToken"},
                            cursor="1785800000000000000")


def public_ids():
    return set(selectors.any_public().values_list("external_id", flat=True))


def test_x_dms_are_read_paged_stored_private_and_the_cursor_remembers_them(rsps, x_account):
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    first = add(rsps, "GET", DM_EVENTS, "x_dm_events_page1.json",
                match=[matchers.query_param_matcher({"event_types": "MessageCreate"}, strict_match=False)])
    add(rsps, "GET", DM_EVENTS, "x_dm_events_page2.json",
        match=[matchers.query_param_matcher({"pagination_token": "18LAA5FFPEGWFZZZ"}, strict_match=False)])
    result = polling.poll(x_account)

    assert first.calls[0].request.headers["Authorization"] == "Bearer dmUserContextToken"
    stored = Message.objects.filter(platform="x", kind=Kind.DIRECT).order_by("external_id")
    # Two citizens' messages; the city's own answer in a conversation is not one.
    assert [m.external_id for m in stored] == ["dm:9100000020:1865000000000000003", "dm:9100000021:1865000000000000001"]
    assert all(m.is_private for m in stored) and sorted(result.new_ids) == sorted(m.pk for m in stored)
    assert stored[0].author_handle == "jihoon_p" and "싱크홀" in stored[0].text
    assert not {m.external_id for m in stored} & public_ids()
    x_account.refresh_from_db()
    assert x_account.poll_cursor == "1785800000000000000 dm:1865000000000000003"

    # The next poll stops at the last seen event and stores nothing twice.
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    add(rsps, "GET", DM_EVENTS, "x_dm_events_page1.json")
    assert polling.poll(x_account).new_ids == []
    mentions_call = [c for c in rsps.calls if c.request.url.startswith(MENTIONS)][-1]
    assert "since_id=1785800000000000000" in mentions_call.request.url


def test_without_a_dm_token_no_dm_is_asked_for(rsps, x_account):
    x_account.credentials = {"bearer_token": "AAAAtest"}
    x_account.save()
    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    polling.poll(x_account)
    assert not [c for c in rsps.calls if c.request.url.startswith(DM_EVENTS)]


@pytest.fixture
def page(settings):
    settings.FACEBOOK_APP_SECRET = "test-app-secret"
    account = Account.objects.filter(platform="facebook", is_polled=True, status=Status.ACTIVE).order_by("pk").first()
    account.platform_user_id = PAGE
    account.credentials = {"page_access_token": "EAAGtestpagetoken", "read_messenger": True}
    account.save()
    return account


def deliver(client, name):
    body = json.dumps(load(name)["body"], ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(b"test-app-secret", body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/facebook/", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature)


def test_a_signed_messenger_message_is_stored_private_and_routed(client, page, monkeypatch):
    from messages_app.tasks import polling as poll_tasks

    monkeypatch.setattr(poll_tasks.poll_account, "delay", lambda *a, **k: None)
    assert deliver(client, "fb_webhook_messages.json").status_code == 200
    message = Message.objects.get(platform="facebook", external_id=MID)
    assert message.kind == Kind.DIRECT and message.is_private and message.account_id == page.pk
    assert message.author_external_id == "6543210987654321" and "불법 주정차" in message.text
    assert message.status  # through the same pipeline as the rest
    assert not Message.objects.filter(text__startswith="안녕하세요, 서울시입니다").exists()  # the echo
    assert MID not in public_ids()
    cache.delete_pattern("webhook:*")  # past the replay window: still stored once
    assert deliver(client, "fb_webhook_messages.json").status_code == 200
    assert Message.objects.filter(platform="facebook", external_id=MID).count() == 1


def test_conversations_catch_up_what_the_webhook_missed(rsps, page):
    add(rsps, "GET", f"{G}/{PAGE}/feed", "fb_comments_none.json")
    conversations = add(rsps, "GET", f"{G}/{PAGE}/conversations", "fb_conversations.json")
    polling.poll(page)
    assert "platform=messenger" in conversations.calls[0].request.url
    message = Message.objects.get(platform="facebook", external_id=MID)
    assert message.is_private and message.kind == Kind.DIRECT and message.author_name == "정다은"
    assert not Message.objects.filter(external_id="m_page0000000000000000000000000000000000000001").exists()


@pytest.fixture
def queued(monkeypatch):
    from outbound import services as outbound

    sent = []
    monkeypatch.setattr(outbound, "queue", lambda ids, countdown=None: sent.extend(ids))
    return sent


def _division_staff():
    from departments.models import Division
    from users.models import User

    return User.objects.create_superuser("answerer", password="pw"), Division.objects.first()


def test_an_x_dm_is_answered_privately_through_the_posting_engine(rsps, x_account, queued,
                                                                 django_capture_on_commit_callbacks):
    from messages_app.services import publishing
    from outbound import services as outbound
    from outbound.models import Posting

    add(rsps, "GET", MENTIONS, "x_mentions_empty.json")
    add(rsps, "GET", DM_EVENTS, "x_dm_events_page1.json")
    add(rsps, "GET", DM_EVENTS, "x_dm_events_page2.json",
        match=[matchers.query_param_matcher({"pagination_token": "18LAA5FFPEGWFZZZ"}, strict_match=False)])
    polling.poll(x_account)
    message = Message.objects.get(external_id="dm:9100000020:1865000000000000003")
    staff, division = _division_staff()
    long_answer = "안녕하세요, 서울시입니다. 싱크홀 신고 감사합니다. 오늘 중으로 현장을 확인하겠습니다. " * 4
    with django_capture_on_commit_callbacks(execute=True):
        answer = publishing.create_answer(message, staff, long_answer, division)
    posting = Posting.objects.get(answer_part__answer=answer)  # one private message, not a public thread
    assert posting.private and posting.reply_to == message.external_id and queued == [posting.pk]

    sent = add(rsps, "POST", "https://api.twitter.com/2/dm_conversations/with/9100000020/messages",
               "x_dm_sent.json")
    assert outbound.post_once(posting.pk).outcome == "posted"
    assert json.loads(sent.calls[0].request.body) == {"text": long_answer.strip()}
    assert not [c for c in rsps.calls if c.request.url == "https://api.twitter.com/2/tweets"]  # nothing public


def test_a_messenger_message_past_its_window_is_refused_before_staff_write(client, page, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from messages_app.services import publishing
    from messages_app.tasks import polling as poll_tasks

    monkeypatch.setattr(poll_tasks.poll_account, "delay", lambda *a, **k: None)
    deliver(client, "fb_webhook_messages.json")
    message = Message.objects.get(external_id=MID)
    Message.objects.filter(pk=message.pk).update(posted_at=timezone.now() - timedelta(hours=30))
    message.refresh_from_db()
    assert publishing.reply_window_closed(message).startswith("답변 가능 기간이 지났습니다")
    staff, division = _division_staff()
    client.force_login(staff)
    page_html = client.get(reverse("admin:messages_app_message_change", args=[message.pk])).content.decode()
    assert 'id="reply-closed"' in page_html and 'id="answer-form"' not in page_html
    with pytest.raises(HandlingError) as refused:
        publishing.create_answer(message, staff, "답변드립니다", division)
    assert refused.value.code == Code.REPLY_WINDOW_CLOSED
    from messages_app.models import Answer

    assert not Answer.objects.filter(message=message).exists()
    # With the HUMAN_AGENT permission the page may still answer for 7 days.
    page.credentials = {**page.credentials, "human_agent": True}
    page.save()
    message = Message.objects.select_related("account").get(pk=message.pk)
    assert publishing.reply_window_closed(message) == ""


def test_the_staff_notice_counts_from_the_persons_last_message_in_the_conversation(client, page, monkeypatch):
    """The same strict rule as the send: 24 hours from the last inbound message of the conversation,
    not from the message being answered (a later message reopens the window)."""
    from datetime import UTC, datetime, timedelta

    from messages_app.services import publishing
    from messages_app.tasks import polling as poll_tasks

    monkeypatch.setattr(poll_tasks.poll_account, "delay", lambda *a, **k: None)
    deliver(client, "fb_webhook_messages.json")
    first = Message.objects.select_related("account").get(external_id=MID)
    asked, second = datetime(2026, 12, 1, 9, tzinfo=UTC), datetime(2026, 12, 1, 11, tzinfo=UTC)
    Message.objects.filter(pk=first.pk).update(posted_at=asked)
    first.refresh_from_db()
    day, second_ = timedelta(hours=24), timedelta(seconds=1)
    assert publishing.reply_window_closed(first, now=asked + day - second_) == ""
    assert publishing.reply_window_closed(first, now=asked + day + second_) != ""

    later = Message.objects.get(pk=first.pk)
    later.pk, later.external_id, later.posted_at = None, "m_second_message_of_the_same_person", second
    later.save()
    other_person = Message.objects.get(pk=first.pk)
    other_person.pk, other_person.external_id = None, "m_someone_else"
    other_person.conversation_id, other_person.posted_at = "1111111111111111", second + timedelta(hours=5)
    other_person.save()
    assert publishing.reply_window_closed(first, now=second + day - second_) == ""
    assert publishing.reply_window_closed(first, now=second + day + second_) != ""
    assert publishing.reply_window_closed(first, now=second + day) != ""
