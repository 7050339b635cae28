import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        major = int(cursor.fetchone()[0].split(".")[0])
    assert major >= 15


def test_settings_follow_the_issue(settings):
    assert settings.TIME_ZONE == "Asia/Seoul"
    assert settings.LANGUAGE_CODE == "ko"
    assert [code for code, _ in settings.LANGUAGES] == ["ko", "en"]
    assert settings.USE_TZ is True
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def _manage(*args, env_extra):
    env = {**os.environ, **env_extra}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_extra={
        "DJANGO_SETTINGS_MODULE": "smc.production",
        "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789-abcdefghij",
        "CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "smc.seoul.example",
        "SMC_SITE_URL": "https://smc.seoul.example",
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CREDENTIALS_KEY")}
    env["DJANGO_SETTINGS_MODULE"] = "smc.production"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _compose_command():
    """`docker compose` (plugin) or the older `docker-compose`, whichever this machine has."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return [shutil.which("docker-compose")]
    return None


def test_docker_compose_file_is_valid():
    compose = _compose_command()
    if compose is None:
        pytest.skip("no docker compose client on this machine: docker-compose.yml not checked")
    env = {**os.environ, "SECRET_KEY": "x", "CREDENTIALS_KEY": "y", "POSTGRES_PASSWORD": "z"}
    result = subprocess.run([*compose, "-f", str(ROOT / "docker-compose.yml"), "config", "--services"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"db", "redis", "web", "worker", "worker-broadcast", "beat"}
    missing_secret = subprocess.run([*compose, "-f", str(ROOT / "docker-compose.yml"), "config"],
                                    capture_output=True, text=True, timeout=60,
                                    env={k: v for k, v in env.items() if k != "SECRET_KEY"})
    assert missing_secret.returncode != 0
