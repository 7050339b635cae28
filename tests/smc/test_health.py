import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from smc import health
from smc.celery import app as celery_app
from tests.workers import WorkerProcess

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process():
    """A real Celery worker on the real broker, on a queue of its own."""
    name = f"health-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smc", "worker", "-Q", name, "-n", f"{name}@%h",
         "--concurrency=1", "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env=os.environ.copy(), start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if celery_app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5):
            break
    else:
        process.kill()
        pytest.fail("the Celery worker did not answer within 60 s")
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.worker
def test_healthz_is_200_when_all_is_up_and_503_when_the_worker_stops(client, db, celery_worker_process,
                                                                      monkeypatch):
    [queue] = [a for a in celery_worker_process.args if a.startswith("health-")][:1]
    monkeypatch.setattr(health, "watched_queues", lambda: [queue])
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"postgresql", "redis", "celery_worker", "queues"}
    assert body["checks"]["queues"][queue].startswith("ok (1 consumer")

    os.killpg(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery_worker"].startswith("down")
    assert response.json()["checks"]["postgresql"] == "ok"


@pytest.fixture
def queues(monkeypatch, tmp_path):
    """Two queues of this test's own, watched by /healthz as the Procfile's are, and a way to start
    real workers on them (tests/smc/health_worker.py)."""
    import redis
    from django.conf import settings

    ns = f"hq-{uuid.uuid4().hex[:8]}"
    names = [ns, f"{ns}.broadcast"]
    monkeypatch.setattr(health, "watched_queues", lambda: names)
    r = redis.Redis.from_url(settings.REDIS_URL)
    started = []

    def start(consumes: list[str]) -> WorkerProcess:
        worker = WorkerProcess(["tests.smc.health_worker", ",".join(consumes), f"{ns}-{len(started)}"], {},
                               tmp_path / f"worker{len(started)}.log", ROOT, r, f"{ns}-{len(started)}:ready")
        worker.start()
        started.append(worker)
        return worker

    yield names, start, r
    for worker in started:
        worker.stop()
    r.delete(*names)


def _wait_until(condition, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.05)


@pytest.mark.worker
def test_a_queue_with_a_task_and_no_consumer_is_degraded_until_a_worker_takes_it(client, db, queues):
    """docker-compose ran no broadcast worker: the broadcast queue filled while /healthz said ok."""
    (default, broadcast), start, r = queues
    start([default])
    celery_app.send_task("celery.accumulate", args=(1,), queue=broadcast)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["queues"][broadcast] == "degraded: no consumer, 1 waiting"
    assert body["checks"]["queues"][default].startswith("ok (1 consumer")
    assert body["checks"]["celery_worker"] == "ok (1)"
    start([broadcast])
    _wait_until(lambda: r.llen(broadcast) == 0, "the broadcast worker takes the task")
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"


@pytest.mark.worker
def test_a_task_waiting_over_a_minute_is_degraded_even_with_a_consumer(client, db, queues, monkeypatch):
    (default, broadcast), start, r = queues
    worker = start([default, broadcast])
    ns = worker.module_args[2]
    r.set(f"{ns}:hold", "1")
    celery_app.send_task("tests.health.hold", queue=broadcast)
    _wait_until(lambda: r.exists(f"{ns}:holding"), "the worker is busy")
    celery_app.send_task("celery.accumulate", args=(1,), queue=broadcast)  # waits: one task at a time
    sent = time.time()
    monkeypatch.setattr(health, "clock", lambda: sent + health.MAX_WAIT_SECONDS - 5)
    assert client.get("/healthz").json()["status"] == "ok"
    monkeypatch.setattr(health, "clock", lambda: sent + health.MAX_WAIT_SECONDS + 5)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["queues"][broadcast].startswith("degraded: oldest task waiting 6")
    r.delete(f"{ns}:hold")
    _wait_until(lambda: r.llen(broadcast) == 0 and not r.exists(f"{ns}:holding"), "the queue drains")
    assert client.get("/healthz").json()["status"] == "ok"


def test_healthz_is_503_when_redis_is_unreachable(client, db, settings):
    settings.CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("down")


def test_healthz_is_503_when_postgresql_is_unreachable(client, transactional_db):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["checks"]["postgresql"].startswith("down")


def test_healthz_names_only_the_dependency_that_is_down_and_logs_the_detail(client, db, settings, caplog):
    secret = "hunter2-redis-secret"
    settings.CACHES = {"default": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"redis://:{secret}@127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }}
    with caplog.at_level(logging.WARNING, logger="smc.health"):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["redis"] == "down"
    assert "Error" not in response.content.decode() and "Exception" not in response.content.decode()
    logged = [r.getMessage() for r in caplog.records if r.name == "smc.health"]
    assert logged and "redis" in logged[0] and "ConnectionError" in logged[0]
    assert secret not in caplog.text


def test_health_log_lines_hide_passwords_in_connection_strings():
    from smc.health import scrub

    text = ("connection to postgres://smc:pg-pass-1@db:5432/smc failed; dsn host=db password=pg-pass-2 "
            "user=smc; redis://:redis-pass-3@cache:6379/0")
    cleaned = scrub(text)
    assert "pg-pass-1" not in cleaned and "pg-pass-2" not in cleaned and "redis-pass-3" not in cleaned
    assert "db:5432" in cleaned and "cache:6379" in cleaned
