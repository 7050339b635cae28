"""Portal benchmark: 10,000 public messages with answers, served by gunicorn as in production.

Measures requests/s and latency (p50, p99) of the feed and of a message page against a trivial
Django view (/bench/ping) served by the same gunicorn in the same run, twice: as an anonymous visitor
(who shares a page cached in Redis) and as a logged-in citizen (whose page is built for them).
Goals (issue 9): uncached feed and message page >= 20% of the trivial view's requests/s and p99 < 50 ms
at 8 connections; cached >= 60%.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/portal.py [--seconds 10]

A throwaway database `<name>_portalbench` is created next to DATABASE_URL's and dropped at the end
(`--keep-db` keeps it and reuses it on the next run, for profiling).
The load comes from wrk (a C load generator; `make bench` installs Debian's package when missing):
a Python client saturates before the server does and squeezes every ratio towards 1.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N_MESSAGES = 10_000


def throwaway_db_url(base_url: str) -> tuple[str, str]:
    parsed = urlparse(base_url)
    name = (parsed.path.lstrip("/") or "smc") + "_portalbench"
    return urlunparse(parsed._replace(path="/" + name)), name


def admin_sql(base_url: str, sql: str) -> None:
    import psycopg

    parsed = urlparse(base_url)
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def _db_exists(base_url: str, name: str) -> bool:
    import psycopg

    parsed = urlparse(base_url)
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def existing_message_id(env: dict) -> int:
    """The message the seed picked (the middle one), in a database kept by --keep-db; migrations applied."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    code = ("import django; django.setup(); from messages_app.models import Message; "
            f"print(Message.objects.get(external_id='bench-{N_MESSAGES // 2}').pk)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True)
    return int(out.stdout.strip().splitlines()[-1])


def production_env(db_url: str, cache_prefix: str) -> dict:
    """The production settings with throwaway secrets, on the bench's own database and cache keys."""
    return dict(os.environ, DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="smc.production", SMC_BENCH="1",
                SECRET_KEY=secrets.token_urlsafe(50), CREDENTIALS_KEY=Fernet.generate_key().decode(),
                SECURE_SSL_REDIRECT="0", SMC_SITE_URL="https://smc.seoul.example", ALLOWED_HOSTS="127.0.0.1",
                CACHE_KEY_PREFIX=cache_prefix, LOG_LEVEL="WARNING")


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    """gunicorn as in production (sync workers), once its trivial view answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "smc.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
                               "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/ping")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(env: dict) -> int:
    """Migrate, seed the org chart, insert N_MESSAGES answered public messages; returns one message id."""
    run = lambda *args: subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,  # noqa: E731
                                       stdout=subprocess.DEVNULL)
    run("migrate", "--noinput")
    run("seed")
    code = f"""
import django, random
from datetime import timedelta
django.setup()
from django.db import connection
from django.utils import timezone
from accounts.models import Account
from departments.models import Division
from messages_app.models import Answer, Message, StatusChange
from users.models import User
rng = random.Random(5)
accounts = list(Account.objects.exclude(platform__in=["phone", "web"]))
divisions = list(Division.objects.all())
staff, _ = User.objects.get_or_create(username="bench-staff", defaults={{"is_staff": True}})
topics = ["transport", "safety", "housing", "culture", "welfare", "environment", "economy", "administration"]
now = timezone.now()
msgs = [Message(platform="x", external_id=f"bench-{{i}}", account=rng.choice(accounts), kind="mention",
                author_name="김철용",
                text=f"지하철역 엘리베이터가 고장났어요 {{i}}번째 민원입니다. 연락처 010-1234-{{i % 10000:04d}}",
                posted_at=now - timedelta(minutes=i), type=rng.choice(["complaint", "opinion"]),
                topic=rng.choice(topics), status="answered", division=rng.choice(divisions), needs_triage=False)
        for i in range({N_MESSAGES})]
Message.objects.bulk_create(msgs, batch_size=2000)
answers = [Answer(message=m, division=m.division, author=staff,
                  text=f"답변드립니다. {{m.external_id}} 건은 조치했습니다.")
           for m in msgs]
Answer.objects.bulk_create(answers, batch_size=2000)
StatusChange.objects.bulk_create([StatusChange(message=m, to_status=s, division=m.division)
                                  for m in msgs for s in ("received", "assigned", "answered")], batch_size=5000)
with connection.cursor() as c:
    c.execute("UPDATE messages_app_message SET search_vector = to_tsvector('simple', text)")
    c.execute("UPDATE messages_app_answer SET search_vector = to_tsvector('simple', text)")
    c.execute("ANALYZE")
print(msgs[len(msgs) // 2].pk)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True)
    return int(out.stdout.strip().splitlines()[-1])


def citizen_session(env: dict) -> str:
    """A logged-in citizen's session cookie value (the page a citizen gets is not the shared copy)."""
    code = """
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from users.models import User
user, _ = User.objects.get_or_create(username="bench-citizen", defaults={"email": "bench@example.org"})
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.set_expiry(3600)
store.save()
print(settings.SESSION_COOKIE_NAME + "=" + store.session_key)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True)
    return out.stdout.strip().splitlines()[-1]


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * _UNIT_MS[unit]


def wrk(port: int, path: str, seconds: float, connections: int, cookie: str = "", timeout: str = "") -> dict:
    """Run wrk against one path; requests/s, p50 and p99 from its --latency report (wrk writes whole
    seconds as "1.00s " with a trailing space)."""
    headers = ["-H", "X-Forwarded-Proto: https"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    limit = ["--timeout", timeout] if timeout else []
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", *limit, "--latency", *headers,
         f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    pct = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(pct["50"]), "p99": _ms(pct["99"]),
            "n": int(re.search(r"(\d+) requests in", out).group(1)),
            "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (issue 9 measures 2)")
    parser.add_argument("--keep-db", action="store_true",
                        help="keep the seeded database afterwards and reuse it next time (for profiling)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `make bench` installs it (Debian package wrk)")

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smc")
    db_url, db_name = throwaway_db_url(base)
    reuse = args.keep_db and _db_exists(base, db_name)
    if not reuse:
        admin_sql(base, f'DROP DATABASE IF EXISTS "{db_name}"')
        admin_sql(base, f'CREATE DATABASE "{db_name}"')
    port = free_port()
    env = production_env(db_url, f"portalbench{port}")
    server = None
    try:
        if reuse:
            message_id = existing_message_id(env)
        else:
            print(f"seeding {N_MESSAGES} answered public messages …", flush=True)
            message_id = seed(env)
        cookie = citizen_session(env)
        server = start_gunicorn(env, port, args.workers)
        paths = {"feed": "/", "feed page 50": "/?page=50", "message page": f"/m/{message_id}/"}
        print(f"gunicorn {args.workers} sync workers; wrk 2 threads, {args.connections} connections, "
              f"{args.seconds:g} s each; {N_MESSAGES:,} answered public messages")
        tables = {}
        for label, cookie_value in (("cached (anonymous visitor)", ""), ("uncached (logged-in citizen)", cookie)):
            for path in ["/bench/ping", *paths.values()]:  # warm-up: templates, connections, caches
                wrk(port, path, 1, args.connections, cookie_value)
            rows = {"trivial view": wrk(port, "/bench/ping", args.seconds, args.connections, cookie_value)}
            for name, path in paths.items():
                rows[name] = wrk(port, path, args.seconds, args.connections, cookie_value)
            tables[label] = rows
        for label, rows in tables.items():
            trivial = rows["trivial view"]["rps"]
            print(f"\n{label}")
            print(f"  {'page':14s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'of trivial':>11s}  errors")
            for name, r in rows.items():
                ratio = r["rps"] / trivial if trivial else 0
                print(f"  {name:14s} {r['rps']:9.1f} {r['p50']:8.1f} {r['p99']:8.1f} {ratio:11.0%}  "
                      f"{r['errors']} {r['socket_errors']}".rstrip())
        print("\ngoals: uncached pages >= 20% of trivial and p99 < 50 ms; cached pages >= 60% of trivial")
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        if not args.keep_db:
            admin_sql(base, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
