"""The restore drill: a seeded database with messages, answers, broadcasts and rollups is backed up,
restored into a new database, and found the same: row counts, the public pages byte for byte, a
working portal (search, a new message gets a fresh id)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from broadcast.models import Broadcast
from dashboard.models import DailyStat
from messages_app.models import Answer, Message
from smc import backup
from tests import factories
from tests.broadcast.factories import approved, people

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BASE_DIR = Path(settings.BASE_DIR)


def database_url(name: str) -> str:
    """DATABASE_URL of another database on the test database's server (a socket directory quoted)."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{quote(host, safe='')}:{db['PORT'] or 5432}/{name}"


def _admin():
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                           password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)


@pytest.fixture
def new_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(args: list[str], database: str, prefix: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(database), "DJANGO_SETTINGS_MODULE": "smc.settings",
           "SMC_PORTAL_CACHE_SECONDS": "0", "CACHE_KEY_PREFIX": prefix, "DEBUG": "0"}
    return subprocess.run([sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True)


def _pages(database: str, prefix: str, urls: list[str], *extra: str) -> dict:
    result = _run(["-m", "tests.smc.render_pages", *urls, *extra], database, prefix)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_backup_and_restore_into_a_new_database(seeded, make_staff, tmp_path, new_database):
    for n in range(6):
        factories.public_message(f"지하철 {n}호선 엘리베이터가 고장났어요", answer=f"수리했습니다 {n}")
    factories.public_message("버스 정류장 의자가 부서졌어요")
    approved(*people(make_staff))
    assert Answer.objects.count() == 6 and Broadcast.objects.exists() and DailyStat.objects.exists()
    shown = list(Message.objects.order_by("pk").values_list("pk", flat=True)[:3])
    urls = ["/", "/alerts/", "/accounts/", "/api/v1/stats/", *(f"/m/{pk}/" for pk in shown),
            "/search/?q=엘리베이터"]
    source = connection.settings_dict["NAME"]

    call_command("backup", str(tmp_path / "b"))
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["row_counts"]["messages_app_message"] == Message.objects.count()
    assert manifest["row_counts"]["dashboard_dailystat"] == DailyStat.objects.count()
    assert ["messages_app", "0001_initial"] in manifest["migrations"]

    restored = _run(["manage.py", "restore", str(tmp_path / "b")], new_database, "drill-r")
    assert restored.returncode == 0, restored.stderr[-3000:]

    with psycopg.connect(database_url(new_database)) as restored_db:
        rows = restored_db.execute("SELECT count(*) FROM dashboard_dailystat").fetchone()[0]
        answers = restored_db.execute("SELECT count(*) FROM messages_app_answer").fetchone()[0]
    assert (rows, answers) == (manifest["row_counts"]["dashboard_dailystat"], 6)

    before = _pages(source, "drill-a", urls)
    after = _pages(new_database, "drill-b", urls, "--write")
    assert all(status == 200 for status, _ in before.values()), before
    assert {u: before[u] for u in urls} == {u: after[u] for u in urls}
    assert after["--write"][0] is True  # the sequences came back: a new message gets a fresh id



def test_restore_refuses_a_database_that_holds_tables(seeded, tmp_path):
    call_command("backup", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "b"))


def test_a_damaged_dump_is_refused_before_anything_is_touched(seeded, tmp_path):
    call_command("backup", str(tmp_path / "b"))
    with (tmp_path / "b" / "smc.dump").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00garbage")
    with pytest.raises(backup.BackupError, match="SHA-256"):
        backup.restore(tmp_path / "b")


def test_tools_match_the_servers_major_version():
    major = backup.server_major()
    directory = backup.tools(major)
    assert backup._major(directory / "pg_dump") >= major
    with pytest.raises(backup.BackupError):
        backup.tools(999)
