"""The posting engine in a real Celery worker (thread pool, both posting queues) on the real Redis and
PostgreSQL, for an answer's reply and a broadcast's delivery alike: a 15-minute rate limit is never
held by the worker, and a worker SIGKILLed right after the platform took a post never makes it post
twice (when the platform cannot be searched, the posting waits for a person)."""

import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.connectors import MANUAL_POST
from broadcast.models import Broadcast
from messages_app.services import publishing
from outbound import services as outbound
from outbound.models import Posting
from smc.celery import app
from tests.broadcast.broadcast_worker import Steer
from tests.broadcast.factories import POSTED, approved, people
from tests.factories import public_message, staff_user
from tests.workers import database_url

from .conftest import x_account
from .outbound_worker import Worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WAIT = 90  # a safety net, not an assertion


@pytest.fixture
def world(make_staff, tmp_path):
    ns = uuid.uuid4().hex[:10]
    queue = f"smc_out_{ns}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # answers to "<queue>", broadcasts to "<queue>.broadcast"
    steer = Steer(ns, settings.REDIS_URL)
    worker = Worker(queue, ns, database_url(connection.settings_dict), settings.REDIS_URL,
                    tmp_path / "worker.log", settings.BASE_DIR)
    yield {"worker": worker, "steer": steer, "queue": queue, "make_staff": make_staff}
    worker.stop()
    app.conf.task_default_queue = previous
    steer.cleanup()
    for key in steer.r.scan_iter(f"*{queue}*"):
        steer.r.delete(key)


def _wait_until(check, what, worker):
    import time

    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    still_open = list(Posting.objects.filter(state__in=Posting.OPEN_STATES)
                      .values_list("pk", "account__handle", "state", "attempts", "last_error"))
    raise AssertionError(f"timed out waiting for {what}; open: {still_open}\n{open(worker.log_path).read()[-4000:]}")


def _posting(kind, world) -> tuple[Posting, Broadcast | None]:
    """A posting on @seoulmania, queued on commit by its app's own service."""
    if kind == Posting.Kind.ANSWER:
        message = public_message("버스 정류장 안내판이 꺼져 있어요", account=x_account())
        answer = publishing.create_answer(message, staff_user(), "오늘 중으로 고치겠습니다.", message.division)
        return answer.deliveries.get().posting, None
    broadcast = approved(*people(world["make_staff"]))
    return broadcast.deliveries.get(account=x_account()).posting, broadcast


def _state(posting: Posting) -> str:
    return Posting.objects.values_list("state", flat=True).get(pk=posting.pk)


def _nothing_held(steer, queue) -> bool:
    """No task of ours is waiting in a worker (Redis's unacked set holds every message a worker took
    and has not acknowledged, ETA ones included) or in the queues: nothing can be delivered again."""
    unacked = [v for v in steer.r.hvals("unacked") if queue in v]
    return not unacked and not steer.r.llen(queue) and not steer.r.llen(f"{queue}.broadcast")


def _count(steer, name) -> int:
    return int(steer.r.get(steer.key(name)) or 0)


@pytest.mark.parametrize("kind", [Posting.Kind.ANSWER, Posting.Kind.BROADCAST])
def test_a_429_fifteen_minutes_away_is_not_held_and_posts_once_after_the_reset(world, kind):
    worker, steer, queue = world["worker"], world["steer"], world["queue"]
    steer.r.set(steer.key("ratelimit:seoulmania"), 15 * 60)
    worker.start(CELERY_VISIBILITY_TIMEOUT="2")
    posting, broadcast = _posting(kind, world)
    _wait_until(lambda: _state(posting) == Posting.State.RETRYING, "the 429", worker)
    _wait_until(lambda: _nothing_held(steer, queue), "every task acknowledged", worker)
    posting.refresh_from_db()
    assert (posting.retry_at - timezone.now()).total_seconds() > 14 * 60  # the record carries the wait
    assert _count(steer, "calls:seoulmania") == 1 and steer.posts("seoulmania") == []

    # Beat's sweeper, once the reset has passed (its clock is given, not waited for).
    assert outbound.sweep(now=posting.retry_at) >= 1
    _wait_until(lambda: _state(posting) == Posting.State.POSTED, "the post after the reset", worker)
    assert _count(steer, "calls:seoulmania") == 2 and len(steer.posts("seoulmania")) == 1
    if broadcast is not None:
        _wait_until(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT, "sent", worker)
        assert steer.total_posts() == POSTED


@pytest.mark.parametrize("kind", [Posting.Kind.ANSWER, Posting.Kind.BROADCAST])
@pytest.mark.parametrize("searchable", [True, False])
def test_a_worker_killed_after_the_platform_took_the_post_never_posts_it_twice(world, kind, searchable):
    worker, steer = world["worker"], world["steer"]
    steer.r.set(steer.key("hold:seoulmania"), 1)
    if not searchable:  # X without the account's platform_user_id, the simulator
        steer.r.set(steer.key("blind:seoulmania"), 1)
    worker.start(CELERY_VISIBILITY_TIMEOUT="1")
    posting, broadcast = _posting(kind, world)
    _wait_until(lambda: steer.r.exists(steer.key("held:seoulmania")), "the post to be taken", worker)
    worker.kill_all()
    steer.r.delete(steer.key("hold:seoulmania"))
    assert _state(posting) == Posting.State.POSTING  # the platform has it, the record does not know
    worker.start(CELERY_VISIBILITY_TIMEOUT="1")  # Redis gives the unacknowledged task back to it

    settled = Posting.State.POSTED if searchable else Posting.State.UNKNOWN
    _wait_until(lambda: _state(posting) == settled, "the redelivered task", worker)
    posting.refresh_from_db()
    [post] = steer.posts("seoulmania")  # exactly one, whatever the worker went through
    assert posting.attempts == 2 and _count(steer, "looks:seoulmania") >= 1
    if searchable:
        assert posting.external_id == post["id"] and not posting.outcome_unknown
    else:
        assert posting.outcome_unknown and posting.external_id == "" and "확인" in posting.last_error
    if broadcast is not None:
        # A message Redis handed the killed worker a moment before the kill may be lost with it (kombu
        # records it as unacknowledged just after the pop): beat's sweeper queues such a posting again
        # once SWEEP_AFTER has passed (its clock is given here, not waited for).
        outbound.sweep(now=timezone.now() + outbound.SWEEP_AFTER)
        _wait_until(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT, "sent", worker)
        assert steer.total_posts() == POSTED
        handles = broadcast.deliveries.exclude(account__platform__in=MANUAL_POST).values_list("account__handle",
                                                                                              flat=True)
        assert all(len(steer.posts(h)) == 1 for h in handles)
