"""Drill: the broker's Redis killed in the middle of work and restarted empty (a Redis without a disk:
every queued task, every unacknowledged one and every "already queued" mark gone).

The test runs its own redis-server (tests/servers.py; the suite's Redis is never touched) with a real
Celery worker and beat on it, over the suite's test database. When Redis dies, one poll is inside its
transaction, one posting is between the platform's reply and its record, and the other polls, answers
and broadcast deliveries are queued. Nothing re-sends them but beat: its poll dispatcher (every
SMC_POLL_DISPATCH_SECONDS) and the postings' sweeper (every SMC_SWEEP_SECONDS, for postings open longer
than SMC_SWEEP_AFTER_SECONDS), shortened here to 2 s, 2 s and 5 s. Afterwards every message is stored
once and every answer and delivery posted once. The time from the restart to all done is printed."""

import json
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from accounts.connectors.base import Batch
from accounts.models import Account, Status
from broadcast.models import Delivery
from messages_app.models import Message
from messages_app.services import ingest, publishing
from messages_app.tasks.polling import poll_account
from outbound import services as outbound
from smc.celery import app
from tests.broadcast.factories import approved, people
from tests.messages_app.ingest_fakes import Steer, install_classifier_model, make_item
from tests.servers import OwnRedis
from tests.waiting import wait_until
from tests.workers import database_url
from users import roles

from . import drills

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.worker]

BACKLOG = {"rd-a-": 200, "rd-b-": 200, "rd-c-": 200}
ANSWERS = 4
RECOVERY_WAIT = 180  # seconds: a safety net, not a figure


@contextmanager
def broker(url: str):
    """This process's Celery app sends to `url` meanwhile (as the web of the drilled site would)."""
    saved = app.conf.broker_url

    def switch(to: str):
        # kombu keeps one pool per broker address in a registry: closing only the app's pool would leave
        # a closed pool there, which the next test to reach the suite's broker would be handed.
        kombu_pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = to

    switch(url)
    try:
        yield
    finally:
        switch(saved)


@pytest.fixture
def drill(seeded, tmp_path, monkeypatch):
    install_classifier_model()
    own = OwnRedis()
    own.start()
    ns = uuid.uuid4().hex[:10]
    queue = f"smc_redisdrill_{ns}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    monkeypatch.setattr(outbound, "SWEEP_AFTER", timedelta(seconds=int(drills.SWEEP_ENV["SMC_SWEEP_AFTER_SECONDS"])))
    db_url = database_url(connection.settings_dict)
    # The seeded accounts have no credentials: SMC_SIMULATE lets beat's dispatcher poll them (the
    # worker's platforms are the fakes either way).
    simulate = {"SMC_SIMULATE": "1"}
    world = {"redis": own, "ns": ns, "queue": queue, "tmp": tmp_path,
             "worker": drills.worker(ns, queue, db_url, own.url(), tmp_path / "worker.log"),
             "beat": drills.beat(queue, db_url, own.url(), tmp_path)}
    world["worker"].env.update(simulate)
    with broker(own.url()):
        yield world
    for name in ("worker", "beat"):
        world[name].stop()
    own.destroy()
    app.conf.task_default_queue = previous_queue
    steer = Steer(ns)
    for key in steer.r.scan_iter(f"fakeworker:{ns}:*"):
        steer.r.delete(key)


def task_ids(own: OwnRedis, queues: list[str]) -> set[str]:
    """The ids of the tasks waiting in the broker's queues (kombu's JSON envelopes)."""
    client = own.client()
    return {json.loads(raw)["headers"]["id"] for queue in queues for raw in client.lrange(queue, 0, -1)}


def test_redis_restarted_empty_mid_work_beat_brings_everything_back_posted_once(drill, make_staff):
    own, steer, worker, beat = drill["redis"], Steer(drill["ns"]), drill["worker"], drill["beat"]
    accounts = list(Account.objects.filter(platform="x", status=Status.ACTIVE).order_by("pk"))
    backlog_accounts = dict(zip(BACKLOG, accounts[1:4], strict=True))

    steer.block_once("in_transaction")
    steer.block_once("after_reply")
    for prefix, account in backlog_accounts.items():
        steer.set_fetch(account.pk, {"count": BACKLOG[prefix], "prefix": prefix, "cursor": f"after-{prefix}"})
        poll_account.delay(account.pk)
    author = make_staff("drill-answerer", roles.DIVISION_STAFF)
    to_answer = [Message.objects.get(pk=pk) for pk in ingest.ingest_batch(
        accounts[0], Batch(items=[make_item("x", n, prefix="rans-") for n in range(ANSWERS)], next_cursor="c"))]
    answers = {}
    for message in to_answer:
        answer = publishing.create_answer(message, author, f"확인했습니다 ({message.external_id})", message.division)
        answers[answer.deliveries.get().posting_id] = message.external_id
    deliveries = set(Delivery.objects.filter(broadcast=approved(*people(make_staff)))
                     .values_list("posting_id", flat=True))
    worker.start()
    steer.wait_reached("in_transaction", timeout=120)
    steer.wait_reached("after_reply", timeout=120)
    queues = [drill["queue"], f"{drill['queue']}.broadcast"]
    queued = task_ids(own, queues)
    assert len(queued) >= 2  # polls and postings waiting behind the two held ones

    own.kill()  # every queued and unacknowledged task, every mark, gone
    killed = time.monotonic()
    steer.release("in_transaction")
    steer.release("after_reply")
    own.start()
    restarted = time.monotonic()
    # Empty: none of the queued tasks is there (the worker and beat reconnect at once and may have written
    # their own keys already, so the database's size is not the measure).
    assert not task_ids(own, queues) & queued

    logs = [worker.log_path, beat.log_path, own.log_path]
    wait_until(lambda: drills.messages_stored(BACKLOG), "beat to bring the lost polls back",
               timeout=RECOVERY_WAIT, interval=0.5, logs=logs)
    polls_back = time.monotonic()
    wait_until(lambda: drills.postings_settled(set(answers) | deliveries), "the sweeper to bring the postings back",
               timeout=RECOVERY_WAIT, interval=0.5, logs=logs)
    done = time.monotonic()

    drills.assert_stored_once(BACKLOG)
    for prefix, account in backlog_accounts.items():
        account.refresh_from_db()
        assert account.poll_cursor == f"after-{prefix}"
    drills.assert_posted_once(steer, answers, deliveries)
    every = drills.SWEEP_ENV
    print(f"\nDRILL redis: down {restarted - killed:.1f} s; {queued} tasks lost in the queues; polls back and "
          f"stored {polls_back - restarted:.1f} s after the restart; all done {done - restarted:.1f} s after it "
          f"(dispatcher every {every['SMC_POLL_DISPATCH_SECONDS']} s, sweeper every "
          f"{every['SMC_SWEEP_SECONDS']} s for postings open {every['SMC_SWEEP_AFTER_SECONDS']} s); "
          f"{sum(BACKLOG.values())} messages stored once, {len(answers)} answers and {len(deliveries)} deliveries "
          f"posted once")
