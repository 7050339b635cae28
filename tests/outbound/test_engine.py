"""post_once() and the task for both kinds of posting (an answer's reply, a broadcast's delivery), in
process; test_worker.py runs them in a real Celery worker."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation

from accounts.connectors import x
from accounts.connectors.base import AuthExpired, RateLimited, TransientError
from accounts.models import Account
from accounts.models import Status as AccountStatus
from broadcast.models import Broadcast
from messages_app.services import publishing
from outbound import services as outbound
from outbound import tasks
from outbound.models import Posting
from tests.factories import public_message, staff_user

from .conftest import x_account


def _reload(posting: Posting) -> Posting:
    return Posting.objects.get(pk=posting.pk)


def _swept(queued, now) -> set[int]:
    """The ids beat's sweeper queues at `now` (a broadcast's other deliveries may be among them)."""
    queued.clear()
    outbound.sweep(now=now)
    return {pk for ids, _ in queued for pk in ids}


def test_auth_expired_fails_the_posting_and_marks_the_account(posting, platform):
    platform.script["seoulmania"] = [AuthExpired(x.UNAUTHORIZED, detail="401 Unauthorized")]
    assert outbound.post_once(posting.pk).outcome == Posting.State.FAILED
    row = _reload(posting)
    assert row.state == Posting.State.FAILED and row.failure == Posting.Failure.REAUTH and "재인증" in row.last_error
    assert not row.outcome_unknown and row.retry_at is None  # a refusal, and nobody retries it by itself
    account = Account.objects.get(pk=posting.account_id)
    assert account.status == AccountStatus.NEEDS_REAUTH and "401" in account.last_error
    assert platform.count("seoulmania") == 0


def test_the_errors_stored_for_staff_are_in_one_language_the_active_one(posting, platform):
    platform.script["seoulmania"] = [AuthExpired(x.UNAUTHORIZED, detail="401 Unauthorized")]
    with translation.override("en"):
        outbound.post_once(posting.pk)
    account = Account.objects.get(pk=posting.account_id)
    assert _reload(posting).last_error == "The account needs reauthorisation: X authorisation expired: 401 Unauthorized"
    assert account.last_error == "X authorisation expired: 401 Unauthorized"


def test_a_429_fifteen_minutes_away_is_carried_by_the_record_not_by_a_task(posting, platform, queued):
    reset = timezone.now() + timedelta(minutes=15)
    platform.script["seoulmania"] = [RateLimited(reset)]
    queued.clear()
    assert tasks.post.apply(args=(posting.pk,)).get() == "retry"
    row = _reload(posting)
    assert row.state == Posting.State.RETRYING and row.retry_at == reset
    assert not row.outcome_unknown and row.attempts == 0  # refused: nothing posted, not a failed attempt
    assert queued == []  # no task holds the 15 minutes (the visibility timeout is 2)
    # Beat's sweeper leaves it alone until the reset, then queues it once.
    assert posting.pk not in _swept(queued, reset - timedelta(seconds=1))
    assert posting.pk in _swept(queued, reset + timedelta(seconds=1))
    assert posting.pk not in _swept(queued, reset + timedelta(seconds=2))  # not again until SWEEP_AFTER
    assert tasks.post.apply(args=(posting.pk,)).get() == "posted"
    assert platform.count("seoulmania") == 1


def test_a_short_429_is_held_by_the_task_within_the_task_wait(posting, platform, queued):
    platform.script["seoulmania"] = [RateLimited(timezone.now() + timedelta(seconds=20))]
    queued.clear()
    assert tasks.post.apply(args=(posting.pk,)).get() == "retry"
    [(ids, countdown)] = queued
    assert ids == [posting.pk] and 0 < countdown <= settings.SMC_MAX_TASK_WAIT


def test_a_backoff_past_the_task_wait_goes_to_the_record(posting, platform, queued, monkeypatch):
    monkeypatch.setattr(outbound.random, "uniform", lambda low, high: high)  # the longest jitter
    Posting.objects.filter(pk=posting.pk).update(attempts=6)  # the next backoff: 5 s × 2⁶ = 320 s
    platform.script["seoulmania"] = [TransientError("503")]
    queued.clear()
    assert tasks.post.apply(args=(posting.pk,)).get() == "retry"
    row = _reload(posting)
    assert row.state == Posting.State.RETRYING and row.outcome_unknown  # a 503 may come after the post
    assert 310 < (row.retry_at - timezone.now()).total_seconds() <= 320 and queued == []


def test_transient_errors_give_up_after_the_last_attempt(posting, platform):
    platform.script["seoulmania"] = [TransientError("503")] * outbound.MAX_ATTEMPTS
    outcomes = [outbound.post_once(posting.pk).outcome for _ in range(outbound.MAX_ATTEMPTS + 1)]
    assert outcomes == ["retry"] * (outbound.MAX_ATTEMPTS - 1) + ["failed", "already-failed"]
    row = _reload(posting)
    assert row.failure == Posting.Failure.GAVE_UP and row.last_error
    assert row.attempts == outbound.MAX_ATTEMPTS and platform.count("seoulmania") == 0
    # Each retry after the first looked on the platform first (a 503 may come after the post).
    assert len(platform.looks) == outbound.MAX_ATTEMPTS - 1


def test_an_interrupted_attempt_that_went_through_is_found_not_posted_again(posting, platform):
    outbound._begin(posting.pk)  # a worker recorded its attempt …
    platform.reply(posting.account, posting.reply_to, posting.text) if posting.reply_to else platform.post(
        posting.account, posting.text)  # … the platform took it, and the worker died
    result = outbound.post_once(posting.pk)
    row = _reload(posting)
    assert result.outcome == "found" and row.state == Posting.State.POSTED and row.attempts == 2
    assert row.external_id == platform.posts["seoulmania"][0]["id"] and platform.count("seoulmania") == 1


def test_when_the_platform_cannot_be_searched_the_retry_waits_for_a_person(posting, platform, queued):
    platform.blind.add("seoulmania")
    outbound._begin(posting.pk)
    platform.post(posting.account, posting.text)  # it went out; the worker died before recording it
    assert outbound.post_once(posting.pk).outcome == Posting.State.UNKNOWN
    row = _reload(posting)
    assert row.state == Posting.State.UNKNOWN and row.outcome_unknown and row.failure == "cannot_look"
    assert "확인" in row.last_error and platform.count("seoulmania") == 1
    # Nothing sends it again by itself: not the sweeper, not a redelivered task, not "retry failed".
    assert posting.pk not in _swept(queued, timezone.now() + timedelta(days=1))
    assert outbound.post_once(posting.pk).outcome == "already-unknown"
    assert outbound.requeue([posting.pk]) == []
    # A person found it on the platform.
    assert outbound.confirm_posted(posting.pk, platform.posts["seoulmania"][0]["id"])
    row = _reload(posting)
    assert row.state == Posting.State.POSTED and row.external_id == platform.posts["seoulmania"][0]["id"]
    assert platform.count("seoulmania") == 1


def test_a_person_who_finds_nothing_sends_it_again_once(posting, platform, queued, django_capture_on_commit_callbacks):
    platform.blind.add("seoulmania")
    outbound._begin(posting.pk)  # died before the request left
    assert outbound.post_once(posting.pk).outcome == Posting.State.UNKNOWN
    with django_capture_on_commit_callbacks(execute=True):
        assert outbound.confirm_not_posted([posting.pk]) == [posting.pk]
    assert ([posting.pk], None) in queued
    assert outbound.post_once(posting.pk).outcome == "posted" and platform.count("seoulmania") == 1


def test_the_simulator_cannot_look_either(make_staff, queued, settings):
    """An exercise posts only through the simulator, which keeps nothing to search: a killed worker's
    retry waits for a person (once, an alert went out twice on such an account)."""
    from tests.broadcast.factories import approved, people

    settings.SMC_SIMULATE = True
    broadcast = approved(*people(make_staff), cap_status="Exercise")
    posting = broadcast.deliveries.get(account=x_account()).posting
    assert posting.simulated
    outbound._begin(posting.pk)
    assert outbound.post_once(posting.pk).outcome == Posting.State.UNKNOWN
    assert _reload(posting).external_id == ""


def test_an_error_while_looking_keeps_the_outcome_unknown(posting, platform):
    outbound._begin(posting.pk)
    platform.script["seoulmania"] = [TransientError("timeout")]  # raised by the look, before any post
    platform.find_post = platform.find_reply = lambda *a: platform._raise_scripted(posting.account)
    assert outbound.post_once(posting.pk).outcome == "retry"
    assert _reload(posting).outcome_unknown  # still: the interrupted attempt may be there


def test_an_inactive_account_fails_without_a_request(posting, platform):
    Account.objects.filter(pk=posting.account_id).update(status=AccountStatus.PAUSED)
    assert outbound.post_once(posting.pk).outcome == Posting.State.FAILED
    row = _reload(posting)
    assert not row.outcome_unknown and "일시 중지" in row.last_error and platform.count("seoulmania") == 0
    assert Account.objects.get(pk=posting.account_id).status == AccountStatus.PAUSED  # left as it was


def test_the_task_queues_the_next_part_of_a_thread(platform, queued, seeded):
    message = public_message("보행로 파손 신고", account=x_account())
    answer = publishing.create_answer(message, staff_user(), "보행 안전 점검 결과 안내드립니다. " * 30,
                                      message.division)
    first, second, *_ = [d.posting for d in answer.deliveries.order_by("pk")]
    queued.clear()
    assert tasks.post.apply(args=(second.pk,)).get() == "waiting" and queued == []
    assert tasks.post.apply(args=(first.pk,)).get() == "posted" and queued == [([second.pk], None)]
    assert tasks.post.apply(args=(second.pk,)).get() == "posted"
    posts = platform.posts["seoulmania"]
    assert posts[0]["reply_to"] == message.external_id and posts[1]["reply_to"] == posts[0]["id"]


def test_a_broadcast_is_sent_once_its_last_delivery_settles(make_staff, platform, queued):
    from tests.broadcast.factories import approved, people

    broadcast = approved(*people(make_staff))
    ids = list(broadcast.deliveries.order_by("pk").values_list("posting_id", flat=True))
    platform.blind.add("seoulmania")
    for pk in ids[:-1]:
        outbound.post_once(pk)
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENDING
    outbound.post_once(ids[-1])
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT


def test_the_sweeper_queues_only_open_postings_whose_time_has_come(posting, platform, queued):
    now = timezone.now()
    assert posting.pk not in _swept(queued, now)  # just created: its own task is on its way
    later = now + outbound.SWEEP_AFTER + timedelta(seconds=1)
    assert posting.pk in _swept(queued, later)  # its task was lost
    outbound.post_once(posting.pk)
    assert posting.pk not in _swept(queued, later + outbound.SWEEP_AFTER * 2)  # posted: nothing to do


@pytest.mark.parametrize("private", [False, True])
def test_a_private_posting_reaches_the_connector_as_private(platform, seeded, private):
    calls = []
    platform.reply = lambda account, to, text, **kw: calls.append(kw) or "dm-1"
    posting = Posting.objects.create(kind=Posting.Kind.ANSWER, account=x_account(), text="답장", reply_to="c-1",
                                     private=private)
    assert outbound.post_once(posting.pk).outcome == "posted"
    assert calls == [{"private": True} if private else {}]


def test_a_post_the_api_cannot_make_waits_for_a_person_and_may_be_recorded_once_made(seeded, queued):
    """ManualPostNeeded (Instagram without an image, YouTube): state manual, not failed, never retried;
    the person who made the post by hand records it, and only then is it posted."""
    from accounts.connectors.instagram import InstagramConnector

    account = Account.objects.filter(platform="instagram", status=AccountStatus.ACTIVE).first()
    account.platform_user_id, account.credentials = "17841405822304914", {"access_token": "EAAGtestpagetoken"}
    account.save()
    [posting] = outbound.create([Posting(kind=Posting.Kind.BROADCAST, account=account, text="[긴급] 한파경보",
                                         marker="urn:oid:test")])
    assert type(outbound.connector_for(posting)) is InstagramConnector  # the real one: it calls nothing
    assert outbound.post_once(posting.pk).outcome == Posting.State.MANUAL
    row = _reload(posting)
    assert row.state == Posting.State.MANUAL and not row.outcome_unknown and row.retry_at is None
    assert row.failure == "" and "수동 게시 필요" in row.last_error and row.attempts == 0
    assert Account.objects.get(pk=account.pk).status == AccountStatus.ACTIVE
    assert outbound.requeue([posting.pk]) == [] and outbound.sweep(now=timezone.now() + timedelta(days=1)) == 0
    assert outbound.post_once(posting.pk).outcome == "already-manual"
    assert outbound.confirm_posted(posting.pk, "https://www.instagram.com/p/C6zzManual/")
    assert _reload(posting).state == Posting.State.POSTED
