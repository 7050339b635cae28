"""Instagram and YouTube in the one queue (issue 29): a poll through `poll_accounts` and the Meta
webhook store what citizens wrote, recorded at the platforms' real URLs; incomplete items are counted
in the account's health, the rest stored; errors land as account states; an answer goes back through
outbound to the platform it came from."""

import hashlib
import hmac
import io
import json
from datetime import UTC, datetime

import pytest
import responses
from django.core.cache import cache
from django.core.management import call_command
from responses import matchers

from accounts.connectors import instagram, youtube
from accounts.models import Account, Status
from messages_app.models import Message, SourceState
from messages_app.services import polling
from messages_app.tasks.polling import poll_account
from outbound import services as outbound
from outbound.models import Posting
from tests.accounts.recordings import add, load

IG = "17841405822304914"
M1 = "17895731045244887"
G = "https://graph.facebook.com/v24.0"
CH = "UCa-vrCLQHviTOVnEKDOdetQ"
API = "https://www.googleapis.com/youtube/v3"
SECRET = "test-app-secret"


@pytest.fixture(autouse=True)
def _clean_keys(seeded):
    for pattern in ("poll:*", "instagram:*", "youtube:*", "webhook:*"):
        cache.delete_pattern(pattern)
    yield
    for pattern in ("poll:*", "instagram:*", "youtube:*"):
        cache.delete_pattern(pattern)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _account(platform, user_id, credentials, cursor):
    account = Account.objects.filter(platform=platform, is_polled=True, status=Status.ACTIVE).order_by("pk").first()
    account.platform_user_id, account.credentials, account.poll_cursor = user_id, credentials, cursor
    account.save()
    return account


@pytest.fixture
def ig_account():
    return _account("instagram", IG, {"access_token": "EAAGtestpagetoken"}, "2024-04-29T00:00:00+00:00")


@pytest.fixture
def yt_account():
    return _account("youtube", CH, {"access_token": "ya29.test-access-token"}, "2024-04-28T00:00:00+00:00")


def test_an_instagram_poll_stores_comments_counts_the_incomplete_and_keeps_hidden_ones_private(rsps, ig_account):
    add(rsps, "GET", f"{G}/{IG}/media", "ig_media_page1.json",
        match=[matchers.query_param_matcher({"limit": "50"}, strict_match=False)])
    add(rsps, "GET", f"{G}/{IG}/media", "ig_media_page2.json",
        match=[matchers.query_param_matcher({"after": "QVFIUkZA2c3lDOHR6Y1R"}, strict_match=False)])
    add(rsps, "GET", f"{G}/{M1}/comments", "ig_comments_page1.json",
        match=[matchers.query_param_matcher({"limit": "50"}, strict_match=False)])
    add(rsps, "GET", f"{G}/{M1}/comments", "ig_comments_page2.json",
        match=[matchers.query_param_matcher({"after": "QVFIUmRfdW5zZAWxl"}, strict_match=False)])
    call_command("poll_accounts", "--account", ig_account.handle, "--platform", "instagram", stdout=io.StringIO())

    stored = {m.external_id: m for m in Message.objects.filter(account=ig_account)}
    assert set(stored) == {"17858154961981086", "17847314687296290", "17874875428706419", "17892250648466172"}
    assert all(m.platform == "instagram" and not m.is_simulated for m in stored.values())
    assert stored["17874875428706419"].is_private and not stored["17858154961981086"].is_private
    ig_account.refresh_from_db()
    assert ig_account.status == Status.ACTIVE and ig_account.health_note == f"{instagram.MISSING_ID_REASON} 1건"
    assert ig_account.poll_cursor == "2024-05-02T04:30:00+00:00"


def _register_threads(rsps):
    add(rsps, "GET", f"{API}/commentThreads", "yt_threads_page1.json",
        match=[matchers.query_param_matcher({"allThreadsRelatedToChannelId": CH}, strict_match=False)])
    add(rsps, "GET", f"{API}/commentThreads", "yt_threads_page2.json",
        match=[matchers.query_param_matcher({"pageToken": "QURTSl9pM0p6dW9fR0xHcE9xaFRHbVZOeE5nMXVOcF8"},
                                            strict_match=False)])
    add(rsps, "GET", f"{API}/comments", "yt_replies_by_parent.json")


def test_a_youtube_poll_stores_comments_and_shows_the_quota_used_on_the_health(rsps, yt_account):
    _register_threads(rsps)
    call_command("poll_accounts", "--account", yt_account.handle, "--platform", "youtube", stdout=io.StringIO())

    assert Message.objects.filter(account=yt_account, platform="youtube").count() == 5
    yt_account.refresh_from_db()
    assert yt_account.health_note == (f"{youtube.MISSING_ID_REASON} 1건, {youtube.MISSING_SNIPPET_REASON} 1건, "
                                      "유튜브 할당량 오늘 3/10,000 단위 사용")
    assert yt_account.poll_cursor == "2024-05-02T03:36:55+00:00"


def test_youtube_quota_exceeded_holds_the_account_until_pacific_midnight(rsps, yt_account):
    add(rsps, "GET", f"{API}/commentThreads", "yt_error_quota.json")
    before = datetime.now(UTC)
    result = polling.poll(yt_account)
    assert result.skipped == "rate_limited"
    assert result.rate_limited_until in {youtube.next_reset(before), youtube.next_reset(datetime.now(UTC))}
    assert polling.rate_limited_until(yt_account.pk) == result.rate_limited_until
    yt_account.refresh_from_db()
    assert yt_account.status == Status.ACTIVE


@pytest.mark.parametrize(("recording", "state"), [("yt_error_comments_disabled.json", Status.SUSPENDED),
                                                  ("yt_error_401.json", Status.NEEDS_REAUTH)])
def test_youtube_account_states(rsps, yt_account, recording, state):
    add(rsps, "GET", f"{API}/commentThreads", recording)
    polling.poll(yt_account)
    yt_account.refresh_from_db()
    assert yt_account.status == state and yt_account.last_error


def test_an_answer_to_a_youtube_comment_goes_back_as_a_reply_through_outbound(rsps, yt_account):
    sent = add(rsps, "POST", f"{API}/comments", "yt_comment_inserted.json")
    [posting] = outbound.create([Posting(kind=Posting.Kind.ANSWER, account=yt_account, text="점검하겠습니다.",
                                         reply_to="Ugw5zYU6n9pmIgAZWvN4AaABAg")])
    assert outbound.post_once(posting.pk).outcome == "posted"
    posting.refresh_from_db()
    assert posting.state == Posting.State.POSTED and posting.external_id.startswith("Ugw5zYU6n9pmIgAZWvN4AaABAg.")
    assert json.loads(sent.calls[0].request.body)["snippet"]["parentId"] == "Ugw5zYU6n9pmIgAZWvN4AaABAg"


def test_an_answer_to_an_instagram_comment_goes_back_as_a_reply_through_outbound(rsps, ig_account):
    add(rsps, "POST", f"{G}/17858154961981086/replies", "ig_reply_created.json")
    [posting] = outbound.create([Posting(kind=Posting.Kind.ANSWER, account=ig_account, text="검토하겠습니다.",
                                         reply_to="17858154961981086")])
    assert outbound.post_once(posting.pk).outcome == "posted"
    posting.refresh_from_db()
    assert posting.external_id == "17865799348089039"


# The Meta webhook (one app for the city's pages and Instagram accounts, one callback).
def _deliver(client, settings, name):
    settings.FACEBOOK_APP_SECRET = SECRET
    body = json.dumps(load(name)["body"], ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/facebook/", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature)


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(poll_account, "delay", lambda *a, **k: calls.append((a, k)))
    return calls


def test_instagram_comments_by_webhook_are_stored_public_and_our_own_left_out(client, settings, ig_account, queued):
    assert _deliver(client, settings, "ig_webhook_comments.json").status_code == 200
    [message] = Message.objects.filter(account=ig_account)
    assert message.external_id == "17865799348089100" and message.platform == "instagram"
    assert not message.is_private and message.kind == "comment"
    assert queued == []  # the delivery carried the comment itself


def test_instagram_direct_messages_are_private_and_an_unsend_withdraws_them(client, settings, ig_account, queued):
    assert _deliver(client, settings, "ig_webhook_messaging.json").status_code == 200
    [message] = Message.objects.filter(account=ig_account)
    assert message.is_private and message.kind == "direct" and message.author_external_id == "1254459154682919"
    assert _deliver(client, settings, "ig_webhook_unsend.json").status_code == 200
    message.refresh_from_db()
    assert message.source_state == SourceState.DELETED and message.hidden_by_author


def test_instagram_mentions_by_webhook_are_remembered_and_the_poll_queued(client, settings, ig_account, queued):
    assert _deliver(client, settings, "ig_webhook_mentions.json").status_code == 200
    assert queued == [((ig_account.pk,), {"reason": "webhook"})]
    assert not Message.objects.filter(account=ig_account).exists()  # the poll looks them up
    # What the next poll will look up (the connector's own store of pending mentions).
    pending, taken = instagram._pending_mentions(IG, 0)
    assert pending == [("17912345678901234", "17967008497439572"), ("17912345678909999", "")] and taken == 2


def test_an_instagram_delivery_for_an_account_not_active_stores_nothing(client, settings, ig_account, queued):
    Account.objects.filter(pk=ig_account.pk).update(status=Status.NEEDS_REAUTH)
    assert _deliver(client, settings, "ig_webhook_comments.json").status_code == 200
    assert not Message.objects.filter(account=ig_account).exists() and queued == []


@pytest.mark.parametrize("platform", ["instagram", "youtube"])
def test_make_run_polls_the_seeded_accounts_through_the_labelled_simulator(settings, platform):
    """`make run` (SMC_SIMULATE, no credentials): the seeded accounts of today's platforms are due and
    fill the queue with messages marked simulated, never mistaken for real ones."""
    settings.SMC_SIMULATE, settings.SMC_SIMULATOR_RATE = True, 2
    account = Account.objects.filter(platform=platform, is_polled=True).order_by("pk").first()
    assert not account.has_credentials and account.pk in polling.due_account_ids()
    result = polling.poll(account)
    assert result.new_ids and not result.error
    messages = Message.objects.filter(pk__in=result.new_ids)
    assert all(m.is_simulated and m.platform == platform and m.external_id.startswith(f"sim-{platform}-")
               for m in messages)
