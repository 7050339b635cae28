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

from smc.celery import app as celery_app

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
def test_healthz_is_200_when_all_is_up_and_503_when_the_worker_stops(client, db, celery_worker_process):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"postgresql", "redis", "celery_worker"}

    os.killpg(celery_worker_process.pid, signal.SIGKILL)
    celery_worker_process.wait(timeout=30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["celery_worker"].startswith("down")
    assert response.json()["checks"]["postgresql"] == "ok"


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
