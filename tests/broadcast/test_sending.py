"""Fan-out to every active account, exactly once; 429 then success; AuthExpired; retry-failed;
Update/Cancel threading; Exercise only through the simulator. Deliveries run in-process here
(test_worker.py runs them in a real Celery worker)."""

import pytest
from django.db.models import Sum

from accounts.connectors.simulator import SimulatorConnector
from accounts.models import Account
from accounts.models import Status as AccountStatus
from broadcast import selectors, texts
from broadcast.errors import Code
from broadcast.models import Broadcast, CapStatus, MsgType, Step
from broadcast.services import BroadcastError, sending, workflow
from outbound import services as outbound
from outbound.models import Posting

from .factories import (
    MANUAL,
    POSTED,
    TOTAL,
    FakePlatform,
    approve,
    approved,
    auth_expired,
    deliver_all,
    people,
    rate_limited,
)


@pytest.fixture
def platform(monkeypatch):
    return FakePlatform().install(monkeypatch)


def active_accounts():
    return Account.objects.filter(status=AccountStatus.ACTIVE, is_polled=True,
                                  platform__in=["x", "facebook", "kakao"])


def test_every_active_account_gets_one_post_and_reach_is_summed(make_staff, platform):
    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    expected = set(active_accounts().values_list("handle", flat=True))
    # The 44 accounts of 2012 SMC operates: 34 on X and Facebook are active (me2day closed in 2014); the
    # district offices on the SNS map are not operated by SMC and never posted to.
    assert len(expected) == POSTED and Account.objects.filter(is_polled=True, platform__in=["x", "facebook",
                                                                                             "me2day"]).count() == 44
    assert not Account.objects.filter(is_polled=False).filter(broadcast_deliveries__broadcast=broadcast).exists()
    assert broadcast.deliveries.count() == TOTAL  # created in the approval's transaction
    outcomes = deliver_all(broadcast)
    # Instagram and YouTube cannot take a text post through their APIs: marked for a person, not failed.
    assert sorted(outcomes) == sorted(["posted"] * POSTED + [Posting.State.MANUAL] * MANUAL)
    assert set(platform.posts) == expected and all(len(p) == 1 for p in platform.posts.values())
    # Running every task again (a redelivery) posts nothing more.
    assert set(deliver_all(broadcast)) == {"already-posted", "already-manual"}
    assert sum(len(p) for p in platform.posts.values()) == POSTED
    x_post = platform.posts["seoulmania"][0]["text"]
    assert x_post == broadcast.x_text and texts.public_url(broadcast) in x_post
    assert platform.posts["seoul.city"][0]["text"] == broadcast.facebook_text
    progress = selectors.progress(broadcast.pk)
    followers = active_accounts().aggregate(s=Sum("follower_count"))["s"]
    # The reach counts only what was really posted: the manual ones reach nobody yet.
    assert progress == {"total": TOTAL, "delivered": POSTED, "failed": 0, "unknown": 0, "manual": MANUAL,
                        "pending": 0, "reach": followers}
    people_reached = round(followers / 10000)
    assert selectors.reach_phrase(progress) == (f"{TOTAL}개 계정 중 {POSTED}개 발신, 약 {people_reached}만 명 도달, "
                                                f"수동 게시 필요 {MANUAL}개")
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENT and broadcast.completed_at
    assert broadcast.steps.filter(action=Step.Action.SENT).count() == 1


def test_an_attempt_with_unknown_outcome_is_looked_for_before_posting_again(make_staff, platform):
    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    row = broadcast.deliveries.select_related("account").first()
    # A worker began the attempt, posted, and died before recording the result.
    outbound._begin(row.posting_id)
    platform.post(row.account, broadcast.x_text if row.account.platform == "x" else broadcast.facebook_text)
    assert outbound.post_once(row.posting_id).outcome == "found"
    row = row.posting
    row.refresh_from_db()
    assert row.state == Posting.State.POSTED and row.external_id == platform.posts[row.account.handle][0]["id"]
    assert len(platform.posts[row.account.handle]) == 1
    assert platform.find_calls == [(row.account.handle, broadcast.identifier)]


def test_unknown_outcome_not_found_on_the_platform_is_posted(make_staff, platform):
    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    row = broadcast.deliveries.select_related("account").first()
    outbound._begin(row.posting_id)  # died before the request left
    assert outbound.post_once(row.posting_id).outcome == "posted"
    assert len(platform.posts[row.account.handle]) == 1 and len(platform.find_calls) == 1


def test_429_then_success_waits_for_the_reset_and_posts_once(make_staff, platform):
    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    error = rate_limited(seconds=42)
    platform.script["seoulmania"] = [error]
    row = broadcast.deliveries.get(account__handle="seoulmania", account__platform="x").posting
    outcome = outbound.post_once(row.pk)
    row.refresh_from_db()
    assert outcome.outcome == "retry" and 30 < outcome.retry_in <= 42  # short: the task holds it
    assert row.state == Posting.State.RETRYING and row.retry_at == error.reset_at
    assert not row.outcome_unknown  # a refusal: nothing to look for
    assert "요청 한도 초과" in row.last_error
    assert outbound.post_once(row.pk).outcome == "posted"
    assert len(platform.posts["seoulmania"]) == 1 and platform.find_calls == []


def test_auth_expired_fails_the_delivery_and_marks_the_account_then_retry_failed(make_staff, platform):
    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    platform.script["seoul_traffic"] = [auth_expired()]
    deliver_all(broadcast)
    row = broadcast.deliveries.get(account__handle="seoul_traffic", account__platform="x")
    assert row.state == Posting.State.FAILED and row.needs_reauth and "재인증" in row.last_error
    assert row.account.status == AccountStatus.NEEDS_REAUTH
    progress = selectors.progress(broadcast.pk)
    assert progress["delivered"] == POSTED - 1 and progress["failed"] == 1
    assert progress["reach"] == active_accounts().exclude(pk=row.account_id).aggregate(
        s=Sum("follower_count"))["s"]
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENT
    # The account is reauthorised; one button sends the failed ones again.
    Account.objects.filter(pk=row.account_id).update(status=AccountStatus.ACTIVE)
    assert sending.retry_failed(broadcast, drafter) == 1
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENDING
    assert outbound.post_once(row.posting_id).outcome == "posted"
    assert len(platform.posts["seoul_traffic"]) == 1
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENT
    assert [s.action for s in broadcast.steps.filter(action__in=["retry", "sent"])] == ["sent", "retry", "sent"]


def test_update_replies_under_each_x_post_and_links_the_facebook_original(make_staff, platform):
    drafter, approver = people(make_staff)
    original = approved(drafter, approver)
    deliver_all(original)
    update = workflow.prepare_followup(original, drafter, MsgType.UPDATE)
    assert update.state == Broadcast.State.DRAFT and update.references == original
    assert update.headline_ko == original.headline_ko  # prefilled
    workflow.edit_draft(update, drafter, headline_ko="대설경보 해제 예정: 제설 계속")
    workflow.submit(update, drafter)
    with pytest.raises(BroadcastError):
        approve(update, drafter)  # four eyes again
    approve(update, approver)
    deliver_all(update)
    x_original = platform.posts["seoulmania"][0]
    x_update = platform.posts["seoulmania"][1]
    assert x_update["reply_to"] == x_original["id"] and x_update["text"].startswith("[정정]")
    fb_original, fb_update = platform.posts["seoul.city"]
    assert fb_update["reply_to"] == ""
    assert texts.facebook_permalink(fb_original["id"]) in fb_update["text"]
    assert original.steps.filter(action=Step.Action.UPDATE, actor=drafter).exists()
    # The banner shows the update, not the superseded original.
    assert list(selectors.in_effect()) == [update]

    cancel = workflow.prepare_followup(update, drafter, MsgType.CANCEL)
    workflow.submit(cancel, drafter)
    approve(cancel, approver)
    deliver_all(cancel)
    x_cancel = platform.posts["seoulmania"][2]
    assert x_cancel["reply_to"] == x_update["id"] and x_cancel["text"].startswith("[취소]")
    assert list(selectors.in_effect()) == []
    with pytest.raises(BroadcastError, check=lambda e: e.code == Code.CANCELLED):
        workflow.prepare_followup(update, drafter, MsgType.UPDATE)


def test_exercise_and_test_post_only_through_the_simulator(make_staff, settings):
    settings.SMC_SIMULATE = False
    drafter, approver = people(make_staff)
    for status in (CapStatus.EXERCISE, CapStatus.TEST):
        broadcast = approved(drafter, approver, cap_status=status)
        account = Account.objects.get(platform="x", handle="seoulmania")
        account.credentials = {"bearer_token": "real-looking-token"}
        account.save()
        posting = broadcast.deliveries.get(account=account).posting
        assert posting.simulated and isinstance(outbound.connector_for(posting), SimulatorConnector)
        # The simulator says of Instagram and YouTube what their APIs would: a person must post it.
        assert set(deliver_all(broadcast)) == {"posted", Posting.State.MANUAL}
        posted = broadcast.deliveries.filter(posting__state=Posting.State.POSTED)
        assert posted.count() == POSTED and not posted.filter(account__platform__in=["instagram", "youtube"]).exists()
        assert all(d.startswith("sim-") for d in posted.values_list("posting__external_id", flat=True))
        manual = broadcast.deliveries.filter(posting__state=Posting.State.MANUAL)
        assert manual.count() == MANUAL and all("[시뮬레이터]" in p.last_error for p in
                                               Posting.objects.filter(broadcast_delivery__in=manual))


def test_retry_failed_is_refused_to_people_without_a_broadcast_role(make_staff, platform):
    from users import roles

    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    with pytest.raises(BroadcastError):
        sending.retry_failed(broadcast, make_staff("mayor", roles.MAYORS_OFFICE))


def test_deliveries_are_queued_onto_the_broadcast_queue_and_answers_onto_the_default_one(make_staff, settings):
    """outbound calls its task by name (the tasks import the services): the name must be the
    registered task's, and a broadcast's postings must land in "<queue>.broadcast" in Redis."""
    import uuid

    import redis

    from outbound import tasks
    from smc.celery import app

    assert app.tasks[outbound.POST_TASK] is tasks.post._get_current_object()
    drafter, approver = people(make_staff)
    broadcast = approved(drafter, approver)
    previous, app.conf.task_default_queue = app.conf.task_default_queue, f"smc_q_{uuid.uuid4().hex[:8]}"
    r = redis.Redis.from_url(settings.REDIS_URL)
    try:
        ids = list(broadcast.deliveries.values_list("posting_id", flat=True))
        sending.queue(ids)
        assert r.llen(f"{app.conf.task_default_queue}.broadcast") == TOTAL
        assert r.llen(app.conf.task_default_queue) == 0
    finally:
        r.delete(f"{app.conf.task_default_queue}.broadcast", app.conf.task_default_queue)
        app.conf.task_default_queue = previous
