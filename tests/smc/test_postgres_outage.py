"""Drill: PostgreSQL stopped for OUTAGE seconds (20 by default, SMC_DRILL_OUTAGE_SECONDS; `pg_ctl stop -m
fast`, or SMC_DRILL_PG_STOP_MODE=immediate for a crash) in the middle of an ingest backlog, an answer
publication and a broadcast fan-out.

The test runs its own PostgreSQL (tests/servers.py; the suite's server is never stopped) with a real
Celery worker and beat and the web under gunicorn pointed at it. The moment of the stop is steered: one
poll has inserted its batch and not committed, one posting has been posted on the platform and not yet
recorded, the rest of the backlog is queued. Meanwhile the web answers a 503 page in Korean and in English
(no stack trace); the worker's tasks fail and retry; once the server is back every message is stored
once, and every answer and broadcast delivery is posted once (the interrupted posting is found on the
platform, not posted again). The figures (outage, web back, all done) are printed for the README."""

import io
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from accounts.connectors.base import Batch
from accounts.models import Account, Status
from broadcast.models import Delivery
from messages_app.models import Message
from messages_app.services import ingest, publishing
from messages_app.tasks.polling import poll_account
from outbound import services as outbound
from outbound.models import Posting
from smc.celery import app
from tests.broadcast.factories import approved, people
from tests.factories import staff
from tests.messages_app.ingest_fakes import Steer, install_classifier_model, make_item
from tests.servers import OwnPostgres
from tests.waiting import wait_until

from . import drills

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.worker]

OUTAGE = float(os.environ.get("SMC_DRILL_OUTAGE_SECONDS", "20"))
STOP_MODE = os.environ.get("SMC_DRILL_PG_STOP_MODE", "fast")  # or "immediate": a crash
BACKLOG = {"bl-a-": 300, "bl-b-": 300, "bl-c-": 300}  # three accounts' polls: 900 messages
ANSWERS = 6
RECOVERY_WAIT = 300  # seconds the work may take once the server is back (a safety net, not a figure)


@pytest.fixture
def own_postgres(transactional_db):
    """A PostgreSQL of the test's own, migrated; this process's connection points at it meanwhile."""
    pg = OwnPostgres().init()
    pg.start()
    pg.create_database("smc_drill")
    url = pg.url("smc_drill")
    out = subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=settings.BASE_DIR,
                         env={**os.environ, "DATABASE_URL": url, "SMC_WARM_UP": "0"},
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    saved = {key: connection.settings_dict[key] for key in ("NAME", "HOST", "PORT", "USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(NAME="smc_drill", HOST="127.0.0.1", PORT=str(pg.port), USER="postgres",
                                    PASSWORD="")
    yield pg
    connection.close()
    connection.settings_dict.update(saved)
    pg.destroy()


@pytest.fixture
def drill(own_postgres, tmp_path, monkeypatch):
    """The worker (started by the test), the web (serving) and later beat, on the drill's database."""
    ns = uuid.uuid4().hex[:10]
    queue = f"smc_pgdrill_{ns}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    # This process creates postings too: the same sweep delay as the drill's worker and beat.
    monkeypatch.setattr(outbound, "SWEEP_AFTER", timedelta(seconds=int(drills.SWEEP_ENV["SMC_SWEEP_AFTER_SECONDS"])))
    url = own_postgres.url("smc_drill")
    world = {"pg": own_postgres, "ns": ns, "queue": queue, "url": url, "tmp": tmp_path,
             "worker": drills.worker(ns, queue, url, settings.REDIS_URL, tmp_path / "worker.log"),
             "web": drills.Web(url, settings.REDIS_URL, tmp_path)}
    yield world  # the test adds "beat"
    for name in ("web", "worker", "beat"):
        if name in world:
            world[name].stop()
    app.conf.task_default_queue = previous_queue
    steer = Steer(ns)
    for key in steer.r.scan_iter(f"fakeworker:{ns}:*"):
        steer.r.delete(key)
    for key in steer.r.scan_iter(f"*{queue}*"):
        steer.r.delete(key)


def test_postgresql_stopped_mid_work_loses_nothing_and_posts_nothing_twice(drill):
    pg, steer, web, worker = drill["pg"], Steer(drill["ns"]), drill["web"], drill["worker"]
    call_command("seed", stdout=io.StringIO())
    install_classifier_model()
    accounts = list(Account.objects.filter(platform="x", status=Status.ACTIVE).order_by("pk"))
    backlog_accounts = dict(zip(BACKLOG, accounts[1:4], strict=True))

    # Work waiting when the workers start: three accounts' backlogs, answers, an emergency broadcast.
    for prefix, account in backlog_accounts.items():
        steer.set_fetch(account.pk, {"count": BACKLOG[prefix], "prefix": prefix, "cursor": f"after-{prefix}"})
        poll_account.delay(account.pk)
    author = staff("drill-answerer", None)
    to_answer = [Message.objects.get(pk=pk) for pk in ingest.ingest_batch(
        accounts[0], Batch(items=[make_item("x", n, prefix="ans-") for n in range(ANSWERS)], next_cursor="c"))]
    answers = {}
    for message in to_answer:
        answer = publishing.create_answer(message, author, f"확인했습니다. 오늘 조치하겠습니다 ({message.external_id})",
                                          message.division)
        answers[answer.deliveries.get().posting_id] = message.external_id
    broadcast = approved(*people(lambda username, role: staff(username, None, role=role)))
    deliveries = set(Delivery.objects.filter(broadcast=broadcast).values_list("posting_id", flat=True))
    assert len(deliveries) > 10

    # One poll caught inside its transaction, one posting between the platform's reply and its record.
    steer.block_once("in_transaction")
    steer.block_once("after_reply")
    worker.start()
    web.wait_serving()
    steer.wait_reached("in_transaction", timeout=120)
    steer.wait_reached("after_reply", timeout=120)
    drill["beat"] = beat = drills.beat(drill["queue"], drill["url"], settings.REDIS_URL, drill["tmp"])

    pg.stop(STOP_MODE)
    stopped = time.monotonic()
    steer.release("in_transaction")
    steer.release("after_reply")
    pages = {language: web.get("/", language) for language in ("ko", "en")}
    api = web.get("/api/v1/messages/")
    time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))  # the outage itself
    pg.start()
    restarted = time.monotonic()

    for language, page in pages.items():
        body = page.text
        assert page.status_code == 503 and page.headers["Retry-After"] == "30", language
        assert f'lang="{language}"' in body
        assert "Traceback" not in body and "OperationalError" not in body and str(pg.port) not in body
    assert "잠시 이용할 수 없습니다" in pages["ko"].text and "Briefly unavailable" in pages["en"].text
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"

    web.wait_serving(timeout=RECOVERY_WAIT)
    web_back = time.monotonic()
    connection.close()  # this process's own connection died with the server
    logs = [worker.log_path, beat.log_path]
    wait_until(lambda: drills.messages_stored(BACKLOG), "the backlog to be stored", timeout=RECOVERY_WAIT,
               interval=0.5, logs=logs)
    wait_until(lambda: drills.postings_settled(set(answers) | deliveries), "every posting to settle",
               timeout=RECOVERY_WAIT, interval=0.5, logs=logs)
    done = time.monotonic()

    drills.assert_stored_once(BACKLOG)
    for prefix, account in backlog_accounts.items():
        account.refresh_from_db()
        assert account.poll_cursor == f"after-{prefix}"
    drills.assert_posted_once(steer, answers, deliveries)
    assert steer.count("in_transaction") >= 2  # the interrupted poll ran again
    # The posting cut off between the platform's reply and its record was tried again and looked first.
    retried = Posting.objects.filter(pk__in=set(answers) | deliveries, attempts__gte=2)
    assert retried.exists() and steer.count("find_post") + steer.count("find_reply") >= 1
    print(f"\nDRILL postgres ({STOP_MODE} stop): outage {restarted - stopped:.1f} s; web serving again "
          f"{web_back - restarted:.1f} s after the restart; all done {done - restarted:.1f} s after the restart; "
          f"{sum(BACKLOG.values())} messages stored once, {len(answers)} answers and {len(deliveries)} "
          f"broadcast deliveries posted once")
