"""/metrics: who may read it, and that each family says what the database and the processes hold."""

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import Account
from broadcast.models import Delivery
from core.metrics import PollSummary
from outbound.models import Posting
from smc import logs
from smc.celery import app as celery_app
from tests import factories
from tests.broadcast.factories import approved, people

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content[:300]
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


# --- access ---------------------------------------------------------------------------------------

def test_refused_without_token_or_allowed_address(client, settings):
    settings.DEBUG = False
    settings.SMC_METRICS_TOKEN = "s3cret-token-for-prometheus"
    settings.SMC_METRICS_ALLOW = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    # In production 127.0.0.1 is not trusted by itself (a local proxy would let everyone through).
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                      HTTP_AUTHORIZATION="Bearer wrong-token").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")
    assert client.get("/metrics", REMOTE_ADDR="10.1.4.5").status_code == 200


def test_no_token_configured_means_no_token_works(client, settings):
    settings.DEBUG = False
    settings.SMC_METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_behind_a_proxy_the_visitors_address_decides(client, settings):
    settings.DEBUG = False
    settings.SMC_TRUSTED_PROXY_COUNT = 1
    settings.SMC_METRICS_ALLOW = ["10.1.0.0/16"]
    # nginx (127.0.0.1) forwards a visitor from outside who forged an allowed address further left.
    forged = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.0.1, 203.0.113.9")
    assert forged.status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 200


def test_development_lets_localhost_in(client, settings):
    settings.DEBUG = True
    settings.SMC_METRICS_ALLOW = []
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


# --- what it says ---------------------------------------------------------------------------------

@pytest.fixture
def dev(settings):
    settings.DEBUG = True
    return {"REMOTE_ADDR": "127.0.0.1"}


def test_open_and_overdue_per_division_come_from_the_rollups(seeded, client, dev):
    due = timezone.now() + timedelta(days=3)
    factories.routed("bus-policy", due_at=due)
    factories.routed("bus-policy", due_at=due, is_overdue=True)
    factories.routed("parks", due_at=due)
    samples = scrape(client, **dev)
    assert value(samples, "smc_messages_open", division="bus-policy") == 2
    assert value(samples, "smc_messages_overdue", division="bus-policy") == 1
    assert value(samples, "smc_messages_open", division="parks") == 1
    assert value(samples, "smc_messages_overdue", division="parks") == 0


def test_answers_and_deliveries_by_state(seeded, client, dev, make_staff):
    account = Account.objects.filter(platform="x").first()
    for state in ("posted", "retrying", "retrying"):
        Posting.objects.create(kind="answer", account=account, text="답변", reply_to="1", state=state)
    broadcast = approved(*people(make_staff))
    pending = Posting.objects.filter(broadcast_delivery__broadcast=broadcast, state="pending").count()
    assert pending > 0
    first = Delivery.objects.filter(broadcast=broadcast).order_by("pk").first()
    Posting.objects.filter(pk=first.posting_id).update(state="failed")
    samples = scrape(client, **dev)
    assert value(samples, "smc_answer_posts", state="posted") == 1
    assert value(samples, "smc_answer_posts", state="retrying") == 2
    assert value(samples, "smc_answer_posts", state="failed") == 0
    assert value(samples, "smc_broadcast_deliveries", state="failed") == 1
    assert value(samples, "smc_broadcast_deliveries", state="pending") == pending - 1


def test_last_poll_and_failing_accounts(seeded, client, dev):
    polled = timezone.now() - timedelta(minutes=2)
    ok = Account.objects.filter(is_polled=True).order_by("pk")[0]
    bad = Account.objects.filter(is_polled=True).order_by("pk")[1]
    Account.objects.filter(pk=ok.pk).update(last_polled_at=polled)
    Account.objects.filter(pk=bad.pk).update(last_polled_at=polled, last_error_at=polled + timedelta(seconds=30))
    samples = scrape(client, **dev)
    labels = {"platform": ok.platform, "account": str(ok.pk), "handle": ok.handle}
    assert value(samples, "smc_account_last_poll_timestamp_seconds", **labels) == pytest.approx(polled.timestamp())
    assert value(samples, "smc_account_poll_failing", **labels) == 0
    assert value(samples, "smc_account_poll_failing", platform=bad.platform, account=str(bad.pk),
                 handle=bad.handle) == 1


def test_classifier_auto_route_share_of_the_last_day(seeded, client, dev):
    factories.routed("bus-policy")
    factories.routed("bus-policy")
    factories.routed("bus-policy")
    factories.message(needs_triage=True)
    factories.routed("bus-policy", posted_at=timezone.now() - timedelta(days=2))  # outside the day
    samples = scrape(client, **dev)
    assert value(samples, "smc_classified_messages_24h", route="auto") == 3
    assert value(samples, "smc_classified_messages_24h", route="triage") == 1
    assert value(samples, "smc_classifier_auto_route_ratio") == pytest.approx(0.75)


def test_queue_depth_counts_waiting_tasks(seeded, client, dev):
    queue = celery_app.conf.task_default_queue
    with celery_app.connection_for_write() as conn:
        redis = conn.default_channel.client
        redis.delete(queue)
        try:
            for _ in range(3):
                celery_app.send_task("smc.tests.nothing", queue=queue)
            samples = scrape(client, **dev)
            assert value(samples, "smc_celery_queue_length", queue=queue) == 3
            assert value(samples, "smc_celery_queue_oldest_wait_seconds", queue=queue) >= 0
        finally:
            redis.delete(queue)


def test_request_latency_by_view_name_not_path(seeded, client, dev):
    client.get("/", **dev)
    client.get("/no/such/page/xq-unmatched", **dev)
    samples = scrape(client, **dev)
    assert value(samples, "smc_http_request_duration_seconds_count", method="GET", view="home", status="200") >= 1
    assert value(samples, "smc_http_request_duration_seconds_count", method="GET", view="unmatched",
                 status="404") >= 1
    # (not digits: an account's or message's id in a label could hold them)
    assert not any("xq-unmatched" in str(key) for key in samples)


def test_the_database_being_down_still_answers_with_the_process_figures(seeded, client, dev, monkeypatch):
    from smc import metrics

    def broken(self):
        raise RuntimeError("connection refused")
        yield

    monkeypatch.setattr(metrics.DatabaseCollector, "collect", broken)
    samples = scrape(client, **dev)
    assert value(samples, "smc_scrape_error") == 1


# --- polls: counters and the quiet log ------------------------------------------------------------

def test_a_poll_counts_new_messages_and_logs_once_a_minute(seeded, client, dev, caplog):
    now = [0.0]
    summary = PollSummary(period=60, clock=lambda: now[0])
    account = Account.objects.filter(platform="x", is_polled=True).first()
    before = value(scrape(client, **dev), "smc_messages_ingested_total", platform="x", account=str(account.pk)) or 0
    with caplog.at_level(logging.DEBUG, logger="smc.polls"):
        for _ in range(5):
            summary.note(platform="x", account_id=account.pk, new=2, error=False, skipped="")
            now[0] += 10
        summary.note(platform="x", account_id=account.pk, new=0, error=True, skipped="")
        assert [r for r in caplog.records if r.levelno == logging.INFO] == []
        now[0] += 15  # a minute has passed since the first poll
        summary.note(platform="x", account_id=account.pk, new=1, error=False, skipped="")
    infos = [r for r in caplog.records if r.name == "smc.polls" and r.levelno == logging.INFO]
    debugs = [r for r in caplog.records if r.name == "smc.polls" and r.levelno == logging.DEBUG]
    assert len(debugs) == 7 and len(infos) == 1
    assert (infos[0].polls, infos[0].new, infos[0].errors) == (7, 11, 1)
    samples = scrape(client, **dev)
    assert value(samples, "smc_messages_ingested_total", platform="x", account=str(account.pk)) == before + 11
    assert value(samples, "smc_poll_errors_total", platform="x", account=str(account.pk)) >= 1


# --- gunicorn: every process's figures in one scrape ----------------------------------------------

@pytest.mark.parametrize("layout", ["one host", "containers"])
def test_multiprocess_figures_are_summed(tmp_path, layout):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = ("from core.metrics import MESSAGES_INGESTED as M; M.labels('x', '7').inc({})")
    for n, where in ((3, "web"), (4, "worker")):
        if layout == "containers":  # each container its own subdirectory of a shared volume
            (tmp_path / where).mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / where)
            env["SMC_METRICS_READ_DIR"] = str(tmp_path)
        subprocess.run([sys.executable, "-c", count.format(n)], env=env, check=True, cwd=django_settings.BASE_DIR)
    read = ("import django; django.setup(); from smc.metrics import registry; "
            "from prometheus_client import generate_latest; print(generate_latest(registry()).decode())")
    out = subprocess.run([sys.executable, "-c", read], env={**env, "DJANGO_SETTINGS_MODULE": "smc.settings"},
                         check=True, cwd=django_settings.BASE_DIR, capture_output=True, text=True).stdout
    assert 'smc_messages_ingested_total{account="7",platform="x"} 7.0' in out


# --- the log --------------------------------------------------------------------------------------

def test_json_log_lines_carry_context_and_no_secrets():
    formatter = logs.JsonFormatter()
    record = logging.LogRecord("smc.x", logging.WARNING, __file__, 1,
                               "redis down: redis://u:hunter2@host:6379/0", None, None)
    record.account = 12
    token = logs.request_id.set("abcdef1234")
    try:
        logs.ContextFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = json.loads(formatter.format(record))
    assert line["level"] == "WARNING" and line["request_id"] == "abcdef1234" and line["account"] == 12
    assert "hunter2" not in line["message"]


def test_a_request_gets_an_id_in_its_response(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32
    given = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-id-12345678")
    assert given["X-Request-ID"] == "proxy-id-12345678"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert forged["X-Request-ID"] != "bad id\nwith newline"


def test_celerys_lines_about_polls_are_quiet_and_others_stay():
    quiet = logs.QuietFrequentTasks()
    poll = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "Task %(name)s[%(id)s] succeeded",
                             ({"name": "messages_app.tasks.poll_account", "id": "1"},), None)
    other = logging.LogRecord("celery.app.trace", logging.INFO, __file__, 1, "Task %(name)s[%(id)s] succeeded",
                              ({"name": "outbound.tasks.post", "id": "2"},), None)
    failed = logging.LogRecord("celery.app.trace", logging.ERROR, __file__, 1, "Task %(name)s[%(id)s] raised",
                               ({"name": "messages_app.tasks.poll_account", "id": "3"},), None)
    assert quiet.filter(poll) is False
    assert quiet.filter(other) is True
    assert quiet.filter(failed) is True


def test_files_of_dead_processes_are_forgotten_at_start(tmp_path, monkeypatch):
    from smc import promdir

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (tmp_path / f"counter_{dead}.db").write_bytes(b"x")
    (tmp_path / f"counter_{os.getpid()}.db").write_bytes(b"x")
    assert promdir.forget_dead_processes() == 1
    assert [p.name for p in tmp_path.iterdir()] == [f"counter_{os.getpid()}.db"]


def test_djangos_own_line_about_a_failed_request_carries_its_id(client):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="trace-0123456789")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert [r.request_id for r in records] == ["trace-0123456789"]
    assert logs.request_id.get() == ""  # forgotten once the response was finished
