"""A real Celery worker (thread pool) on the real Redis and PostgreSQL, SIGKILLed in the middle of a
fan-out and restarted: every account is posted exactly once."""

import uuid

import pytest
from django.conf import settings
from django.db import connection

from accounts.connectors import MANUAL_POST
from broadcast.models import Broadcast
from outbound.models import Posting
from smc.celery import app
from tests.waiting import unacked_tasks_redeliverable, wait_until
from tests.workers import database_url

from .broadcast_worker import Steer, Worker
from .factories import MANUAL, POSTED, approved, people

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WAIT = 90  # a safety net, not an assertion
THREADS = 6


@pytest.fixture
def world(make_staff, tmp_path):
    ns = uuid.uuid4().hex[:10]
    queue = f"smc_bc_{ns}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # broadcast tasks go to "<queue>.broadcast"
    steer = Steer(ns, settings.REDIS_URL)
    worker = Worker(queue, ns, database_url(connection.settings_dict), settings.REDIS_URL,
                    tmp_path / "worker.log", settings.BASE_DIR, threads=THREADS)
    yield {"worker": worker, "steer": steer, "people": people(make_staff)}
    worker.stop()
    app.conf.task_default_queue = previous
    steer.cleanup()
    for key in steer.r.scan_iter(f"*{queue}*"):
        steer.r.delete(key)


def _open(broadcast) -> bool:
    return broadcast.deliveries.filter(posting__state__in=Posting.OPEN_STATES).exists()


def _posted_by_api(broadcast) -> list[str]:
    """The handles of the deliveries on platforms whose API posts (not Instagram, YouTube)."""
    return list(broadcast.deliveries.exclude(account__platform__in=MANUAL_POST)
                .values_list("account__handle", flat=True))


def _wait_until(check, what, worker):
    wait_until(check, what, timeout=WAIT, logs=[worker.log_path])


def test_fan_out_through_the_worker_posts_every_account_once(world):
    worker, steer = world["worker"], world["steer"]
    worker.start()
    broadcast = approved(*world["people"])
    _wait_until(lambda: not _open(broadcast), "fan-out", worker)
    handles = _posted_by_api(broadcast)
    assert len(handles) == POSTED and steer.total_posts() == POSTED
    assert all(len(steer.posts(h)) == 1 for h in handles)
    assert broadcast.deliveries.filter(posting__state=Posting.State.MANUAL).count() == MANUAL
    # The last delivery to settle completes the broadcast in its own transaction, just after.
    _wait_until(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT, "sent", worker)


def test_worker_sigkilled_mid_fan_out_and_restarted_posts_each_account_exactly_once(world):
    worker, steer = world["worker"], world["steer"]
    # From the 10th post on, posts stop right after the platform accepted them (not yet recorded).
    steer.r.set(steer.key("hold_after"), 10)
    steer.r.set(steer.key("hold"), 1)
    worker.start(CELERY_VISIBILITY_TIMEOUT="1")
    broadcast = approved(*world["people"])
    # Every thread reaches the platform and holds there: posts 1-9 went through, then one post per thread.
    _wait_until(lambda: steer.total_posts() >= 10 + THREADS - 1, "every thread holding a post", worker)
    worker.kill_all()
    steer.r.delete(steer.key("hold"))

    states = dict(broadcast.deliveries.values_list("account__handle", "posting__state"))
    in_flight = [h for h, s in states.items() if s == Posting.State.POSTING and steer.posts(h)]
    assert in_flight, "some posts went out without their result being recorded"
    assert any(s == Posting.State.PENDING for s in states.values()), "the kill landed mid fan-out"
    posted_before = steer.total_posts()

    # The new worker gets the unacknowledged tasks back once they are older than the visibility timeout.
    _wait_until(unacked_tasks_redeliverable(steer.r, 1), "the unacknowledged tasks to be redeliverable", worker)
    worker.start(CELERY_VISIBILITY_TIMEOUT="1")
    _wait_until(lambda: not _open(broadcast), "fan-out after restart", worker)

    handles = _posted_by_api(broadcast)
    assert len(handles) == POSTED
    assert {h: len(steer.posts(h)) for h in handles} == {h: 1 for h in handles}
    assert steer.total_posts() == POSTED and posted_before < POSTED
    # The in-flight ones were found on the platform, not posted again.
    for handle in in_flight:
        row = broadcast.deliveries.get(account__handle=handle).posting
        assert row.state == Posting.State.POSTED and row.external_id == steer.posts(handle)[0]["id"]
        assert row.attempts >= 2
    assert int(steer.r.get(steer.key("find_calls")) or 0) >= len(in_flight)
    assert Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT
