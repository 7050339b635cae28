"""Faults with a real Celery worker (prefork) on the real Redis and PostgreSQL.

The worker is a subprocess using the test database; its platforms are fakes steered through Redis
(ingest_fakes.RedisConnector) which can stop at a checkpoint, so a SIGKILL or a dropped database
connection lands exactly where the test wants it. Each run uses its own queue and key namespace.
"""

import json
import os
import signal
import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection, connections

from accounts.connectors.base import Batch
from accounts.models import Account, Status
from messages_app.models import Message, StatusChange
from messages_app.services import ingest, publishing
from messages_app.tasks.polling import poll_account
from outbound.models import Posting
from smc.celery import app
from tests.waiting import unacked_tasks_redeliverable, wait_until
from tests.workers import WorkerProcess, database_url
from users.models import User

from .ingest_fakes import Steer, make_item, seed_for_workers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT = 90  # seconds a worker may take to finish what it was given (a safety net, not an assertion)


class Worker(WorkerProcess):
    """The ingest worker (prefork) on the test database; CONN_MAX_AGE=0 so a dropped connection is
    reopened by the next task."""

    def __init__(self, queue: str, ns: str, log_path):
        steer = Steer(ns)
        super().__init__(["tests.messages_app.ingest_worker", queue, ns],
                         {"DATABASE_URL": database_url(connection.settings_dict), "CELERY_QUEUE": queue,
                          "CONN_MAX_AGE": "0", "REDIS_URL": settings.REDIS_URL},
                         log_path, settings.BASE_DIR, steer.r, steer.key("ready"))


@pytest.fixture
def world(transactional_db, tmp_path):
    """Seeded data committed for the worker, a unique queue the test process also sends to."""
    seed_for_workers()
    ns = uuid.uuid4().hex[:10]
    queue = f"smc_fault_{ns}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    worker = Worker(queue, ns, tmp_path / "worker.log")
    steer = Steer(ns)
    account = Account.objects.filter(platform="x", status=Status.ACTIVE).order_by("pk").first()
    yield {"worker": worker, "steer": steer, "account": account, "queue": queue}
    worker.stop()
    app.conf.task_default_queue = previous_queue
    for key in steer.r.scan_iter(f"fakeworker:{ns}:*"):
        steer.r.delete(key)
    for key in steer.r.scan_iter(f"*{queue}*"):
        steer.r.delete(key)


def _wait_until(check, what: str, log_path=None):
    wait_until(check, what, timeout=WAIT, logs=[log_path] if log_path else [])


def _assert_exactly_once(account, prefix: str, count: int, cursor: str):
    ids = list(Message.objects.filter(platform=account.platform, external_id__startswith=prefix)
               .values_list("external_id", flat=True))
    assert len(ids) == count and set(ids) == {f"{prefix}{n}" for n in range(count)}
    account.refresh_from_db()
    assert account.poll_cursor == cursor
    # The pipeline ran once per message: one "received" entry each, no more.
    received = StatusChange.objects.filter(message__external_id__startswith=prefix, from_status="")
    assert received.count() == count


def _done(account, prefix, count, cursor):
    def check():
        account.refresh_from_db()
        return (account.poll_cursor == cursor
                and Message.objects.filter(external_id__startswith=prefix).count() == count)
    return check


def test_sigkill_of_pool_process_mid_batch(world):
    worker, steer, account = world["worker"], world["steer"], world["account"]
    steer.set_fetch(account.pk, {"count": 3000, "prefix": "k-", "cursor": "after-k"})
    steer.block("in_transaction")
    worker.start()
    poll_account.delay(account.pk)
    reached = steer.wait_reached("in_transaction")
    assert reached["new"] == 3000  # inserted, not committed: nothing visible yet
    assert not Message.objects.filter(external_id__startswith="k-").exists()
    os.kill(reached["pid"], signal.SIGKILL)
    steer.release("in_transaction")
    _wait_until(_done(account, "k-", 3000, "after-k"), "redelivered poll", worker.log_path)
    assert steer.count("in_transaction") == 2  # the killed attempt and the redelivered one
    _assert_exactly_once(account, "k-", 3000, "after-k")


@pytest.mark.parametrize("stage", ["in_transaction", "committed"])
def test_sigkill_of_whole_worker_then_restart(world, stage):
    worker, steer, account = world["worker"], world["steer"], world["account"]
    steer.set_fetch(account.pk, {"count": 1000, "prefix": f"w{stage[0]}-", "cursor": "after-w"})
    steer.block(stage)
    worker.start(CELERY_VISIBILITY_TIMEOUT="1")
    poll_account.delay(account.pk)
    steer.wait_reached(stage)
    worker.kill_all()
    steer.release(stage)
    # The new worker restores the unacked task once it is older than the visibility timeout.
    _wait_until(unacked_tasks_redeliverable(steer.r, 1), "the unacked task to be redeliverable", worker.log_path)
    worker.start(CELERY_VISIBILITY_TIMEOUT="1")
    _wait_until(lambda: steer.count(stage) >= 2, "redelivery after restart", worker.log_path)
    _wait_until(_done(account, f"w{stage[0]}-", 1000, "after-w"), "poll after restart", worker.log_path)
    _assert_exactly_once(account, f"w{stage[0]}-", 1000, "after-w")


def test_database_connection_dropped_mid_batch(world):
    worker, steer, account = world["worker"], world["steer"], world["account"]
    steer.set_fetch(account.pk, {"count": 1500, "prefix": "d-", "cursor": "after-d"})
    steer.block("in_transaction")
    worker.start()
    poll_account.delay(account.pk)
    reached = steer.wait_reached("in_transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [reached["backend_pid"]])
        assert cursor.fetchone()[0] is True
    steer.release("in_transaction")
    _wait_until(_done(account, "d-", 1500, "after-d"), "retry after dropped connection", worker.log_path)
    assert steer.count("in_transaction") >= 2
    _assert_exactly_once(account, "d-", 1500, "after-d")


@pytest.mark.parametrize("stage", ["before_reply", "after_reply"])
def test_publishing_killed_around_the_platform_call_posts_once(world, stage):
    worker, steer, account = world["worker"], world["steer"], world["account"]
    [pk] = ingest.ingest_batch(account, Batch(items=[make_item("x", 1, prefix="p-")], next_cursor="c"))
    message = Message.objects.get(pk=pk)
    staff = User.objects.create_user(f"staff-{stage}", password="x")
    steer.block(stage)
    worker.start()
    answer = publishing.create_answer(message, staff, "불편을 드려 죄송합니다. 오늘 수리하겠습니다.", message.division)
    row = answer.deliveries.get().posting
    reached = steer.wait_reached(stage)
    row.refresh_from_db()
    assert row.state == Posting.State.POSTING and row.attempts == 1  # recorded before the call
    os.kill(reached["pid"], signal.SIGKILL)
    steer.release(stage)

    def posted():
        row.refresh_from_db()
        return row.state == Posting.State.POSTED

    _wait_until(posted, "publish after kill", worker.log_path)
    replies = steer.replies(message.external_id)
    assert len(replies) == 1 and row.external_id == replies[0]["id"]
    assert row.attempts == 2 and steer.count("find_reply") == 1  # the retry looked before posting


def test_duplicate_deliveries_and_racing_writers_store_each_message_once(world, client):
    worker, steer, account = world["worker"], world["steer"], world["account"]
    items = [make_item("x", n, prefix="r-") for n in range(1000)]
    steer.set_fetch(account.pk, {"count": 1000, "prefix": "r-", "cursor": "after-r"})
    steer.block("in_transaction")
    worker.start()
    poll_account.delay(account.pk)
    poll_account.delay(account.pk)  # the same task twice
    steer.wait_reached("in_transaction")
    # A second writer (e.g. a webhook path) inserts the same items while the worker's are uncommitted.
    other = {}

    def race():
        try:
            connection.ensure_connection()
            other["pid"] = connection.connection.info.backend_pid
            other["new"] = ingest.ingest_batch(account, Batch(items=items, next_cursor="after-r"))
        finally:
            connections.close_all()

    thread = threading.Thread(target=race)
    thread.start()

    def second_writer_waits_on_the_workers_rows():
        if "pid" not in other:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [other["pid"]])
            return cursor.fetchone()[0]

    _wait_until(second_writer_waits_on_the_workers_rows, "the second writer to wait on the worker's rows",
                worker.log_path)
    steer.release("in_transaction")
    thread.join(WAIT)
    _wait_until(lambda: steer.count("fetched") >= 2, "second poll", worker.log_path)
    _wait_until(_done(account, "r-", 1000, "after-r"), "polls", worker.log_path)
    assert other["new"] == []  # waited on the worker's rows, then found them there
    _assert_exactly_once(account, "r-", 1000, "after-r")


def test_webhook_and_poll_racing(world, client, settings):
    import hashlib
    import hmac

    worker, steer = world["worker"], world["steer"]
    page = Account.objects.filter(platform="facebook", status=Status.ACTIVE).first()
    page.platform_user_id = "112233445566778"
    page.save()
    settings.FACEBOOK_APP_SECRET = "s3cret"
    steer.set_fetch(page.pk, {"count": 500, "prefix": "fb-", "cursor": "after-fb"})
    worker.start()
    poll_account.delay(page.pk)  # the beat's poll
    body = json.dumps({"object": "page", "entry": [{"id": page.platform_user_id, "changes": []}]}).encode()
    signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    response = client.post("/webhooks/facebook/", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=signature)
    assert response.status_code == 200
    _wait_until(lambda: steer.count("fetched") >= 2, "both polls", worker.log_path)
    _wait_until(_done(page, "fb-", 500, "after-fb"), "polls", worker.log_path)
    _assert_exactly_once(page, "fb-", 500, "after-fb")
