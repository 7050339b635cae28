"""Portal benchmark: 10,000 public messages with answers, served by gunicorn as in production.

Measures requests/s and latency (p50, p99) of the feed and of a message page against a trivial
Django view (/bench/ping) served by the same gunicorn in the same run. Goal: feed >= 50% of trivial.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/portal.py [--seconds 10]

A throwaway database `<name>_portalbench` is created next to DATABASE_URL's and dropped at the end
(`--keep-db` keeps it and reuses it on the next run, for profiling). SMC_PORTAL_CACHE_SECONDS=0
measures what logged-in citizens get: no anonymous whole-page cache.
The load generator is a bounded pool of threads using http.client on the loopback interface.
"""

import argparse
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
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


def load(port: int, path: str, seconds: float, threads: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        local, bad = [], 0
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    bad += 1
                    continue
            except OSError:
                bad += 1
                continue
            local.append(time.perf_counter() - start)
        with lock:
            latencies.extend(local)
            errors[0] += bad

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    began = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else float("nan")

    return {"rps": len(latencies) / elapsed, "p50": pct(0.50), "p99": pct(0.99), "n": len(latencies),
            "errors": errors[0]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--keep-db", action="store_true",
                        help="keep the seeded database afterwards and reuse it next time (for profiling)")
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smc")
    db_url, db_name = throwaway_db_url(base)
    reuse = args.keep_db and _db_exists(base, db_name)
    if not reuse:
        admin_sql(base, f'DROP DATABASE IF EXISTS "{db_name}"')
        admin_sql(base, f'CREATE DATABASE "{db_name}"')
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="smc.production", SMC_BENCH="1",
               SECRET_KEY=secrets.token_urlsafe(50), CREDENTIALS_KEY=Fernet.generate_key().decode(),
               SECURE_SSL_REDIRECT="0",
               ALLOWED_HOSTS="127.0.0.1", CACHE_KEY_PREFIX=f"portalbench{port}", LOG_LEVEL="WARNING")
    server = None
    try:
        if reuse:
            message_id = existing_message_id(env)
        else:
            print(f"seeding {N_MESSAGES} answered public messages …", flush=True)
            message_id = seed(env)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "smc.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(args.workers), "--log-level",
             "warning"], cwd=ROOT, env=env, start_new_session=True)
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/bench/ping")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        paths = {"trivial view": "/bench/ping", "feed": "/", "feed page 50": "/?page=50",
                 "message page": f"/m/{message_id}/"}
        for path in paths.values():  # warm up: Kiwi-free, but templates, connections, the cache
            load(port, path, 1, 4)
        results = {}
        print(f"gunicorn {args.workers} sync workers, {args.threads} client threads, {args.seconds:.0f} s each "
              f"(anonymous visitors: feed and message page cached {os.environ.get('SMC_PORTAL_CACHE_SECONDS', 30)}"
              " s in Redis)")
        for name, path in paths.items():
            r = results[name] = load(port, path, args.seconds, args.threads)
            print(f"  {name:14s} {path:22s} {r['rps']:8.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
                  f"  ({r['n']} ok, {r['errors']} errors)")
        trivial = results["trivial view"]["rps"]
        for name in ("feed", "feed page 50", "message page"):
            ratio = results[name]["rps"] / trivial if trivial else 0
            print(f"  {name} / trivial = {ratio:.0%}" + ("  (goal ≥ 50%)" if name == "feed" else ""))
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        if not args.keep_db:
            admin_sql(base, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
