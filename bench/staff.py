"""Staff workspace benchmark (issue 30): a division's queue under load, served by gunicorn as in
production, with a logged-in staff member's session.

A throwaway database `<name>_staffbench` is created next to DATABASE_URL's, migrated and seeded;
1,000,000 simulated messages are generated inside PostgreSQL (dashboard/demo.py: handled history),
and the newest 100,000 of them are made the open queue of one division (교통정책과: deadlines of the
regulation, part overdue, a tenth assigned to the bench user). wrk (C load generator) then asks for

  - the queue (the division's default view, 처리 대기: 100,000 open messages),
  - a saved view (기한 임박·초과),
  - the conversation view of the queue's most urgent message,

each for --seconds at --connections, after a warm-up; a trivial Django view in the same gunicorn
is the baseline. Goal: p99 < 100 ms for each at 8 connections. (The query count of the queue does not
depend on the page size: tests/messages_app/test_staff_queue.py.)

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/staff.py [--seconds 10]
"""

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.portal import _db_exists, admin_sql, free_port, production_env, start_gunicorn, wrk  # noqa: E402

N_TOTAL, N_OPEN = 1_000_000, 100_000
GOAL_P99_MS = 100.0
DIVISION = "transport-policy"

SEED = """
import django
from datetime import timedelta
django.setup()
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from dashboard import demo
from departments.models import Division, Membership
from users import roles
from users.models import User

today = timezone.localdate()
demo.generate(N_TOTAL, today - timedelta(days=3 * 365), today, prefix="bench-", rebuild=False)
user, _ = User.objects.get_or_create(username="bench-traffic",
                                     defaults={"is_staff": True, "display_name": "교통 담당"})
user.groups.add(Group.objects.get(name=roles.DIVISION_STAFF))
division = Division.objects.get(code=DIVISION)
Membership.objects.get_or_create(user=user, division=division)
with connection.cursor() as c:
    # N_OPEN messages wait in one division, arrived over the last 20 days: a 9-day deadline from
    # arrival (about half overdue), a tenth assigned to the bench user.
    c.execute('''
        UPDATE messages_app_message m SET status = 'assigned', division_id = %s, needs_triage = false,
               received_at = now() - interval '1 minute' * (m.id %% 28800) - interval '1 minute',
               posted_at = now() - interval '1 minute' * (m.id %% 28800) - interval '3 minutes',
               due_at = now() - interval '1 minute' * (m.id %% 28800) + interval '9 days',
               is_overdue = now() - interval '1 minute' * (m.id %% 28800) + interval '9 days' < now(),
               assignee_id = CASE WHEN m.id %% 10 = 0 THEN %s END,
               assigned_at = CASE WHEN m.id %% 10 = 0 THEN now() - interval '1 minute' * (m.id %% 28800) END
          FROM (SELECT id FROM messages_app_message ORDER BY id DESC LIMIT %s) o
         WHERE m.id = o.id''', [division.pk, user.pk, N_OPEN])
    c.execute("DELETE FROM messages_app_answer a USING messages_app_message m "
              "WHERE a.message_id = m.id AND m.status = 'assigned'")
    c.execute("VACUUM ANALYZE")
"""

SESSION = """
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from messages_app import selectors
from users.models import User
user = User.objects.get(username="bench-traffic")
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.set_expiry(3600)
store.save()
first = selectors.staff_queue(user, selectors.OPEN_VIEW).order_by("-is_overdue", "due_at", "id").first()
open_count = selectors.staff_queue(user, selectors.OPEN_VIEW).count()
from messages_app.models import Message
print(settings.SESSION_COOKIE_NAME + "=" + store.session_key, first.pk, open_count, Message.objects.count())
"""


def python(env: dict, code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True)
    return out.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n", type=int, default=N_TOTAL, help="messages in all")
    parser.add_argument("--open", type=int, default=N_OPEN, help="open messages of the division")
    parser.add_argument("--keep-db", action="store_true", help="keep the database and reuse it next time")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `make bench` installs it (Debian package wrk)")

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smc")
    parsed = urlparse(base)
    db_name = (parsed.path.lstrip("/") or "smc") + "_staffbench"
    db_url = urlunparse(parsed._replace(path="/" + db_name))
    reuse = args.keep_db and _db_exists(base, db_name)
    if not reuse:
        admin_sql(base, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin_sql(base, f'CREATE DATABASE "{db_name}"')
    port = free_port()
    env = production_env(db_url, f"staffbench{port}")
    server = None
    try:
        run = lambda *a: subprocess.run([sys.executable, "manage.py", *a], cwd=ROOT, env=env, check=True,  # noqa: E731
                                        stdout=subprocess.DEVNULL)
        run("migrate", "--noinput")
        run("collectstatic", "--noinput", "--verbosity", "0")
        if not reuse:
            run("seed")
            t0 = time.perf_counter()
            print(f"generating {args.n:,} messages, {args.open:,} open in {DIVISION} …", flush=True)
            python(env, f"N_TOTAL, N_OPEN, DIVISION = {args.n}, {args.open}, {DIVISION!r}\n" + SEED + "\nprint('ok')")
            print(f"  built in {time.perf_counter() - t0:,.0f} s", flush=True)
        cookie, urgent, open_count, total = python(env, SESSION).split()
        server = start_gunicorn(env, port, args.workers)
        for path in ("/admin/messages_app/message/", f"/admin/messages_app/message/{urgent}/change/"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", path, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            if status != 200:
                raise SystemExit(f"{path} answered {status} to the staff session")
        paths = {"trivial view": "/bench/ping", "queue (처리 대기)": "/admin/messages_app/message/",
                 "saved view (기한 임박·초과)": "/admin/messages_app/message/?view=due",
                 "conversation view": f"/admin/messages_app/message/{urgent}/change/"}
        # Warm-up: each worker loads its code and compiles its templates on its first requests
        # (seconds on a busy machine, past wrk's 2 s timeout), then a short wrk run per page.
        for path in list(paths.values()) * 4:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path, headers={"Cookie": cookie, "X-Forwarded-Proto": "https"})
            conn.getresponse().read()
        for path in paths.values():
            subprocess.run(["wrk", "-t", "2", "-c", str(args.connections), "-d", "3s", "-H", f"Cookie: {cookie}",
                            f"http://127.0.0.1:{port}{path}"], capture_output=True, check=True)
        rows = {name: wrk(port, path, args.seconds, args.connections, cookie, timeout="10s")
                for name, path in paths.items()}
        print(f"\n{int(total):,} messages, {int(open_count):,} open in the staff member's division; gunicorn "
              f"{args.workers} sync workers; wrk 2 threads, {args.connections} connections, {args.seconds:g} s each")
        print(f"  {'page':30s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s}  errors")
        for name, r in rows.items():
            print(f"  {name:30s} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f}  {r['errors']} "
                  f"{r['socket_errors']}".rstrip())
        print()
        for name, r in rows.items():
            if name == "trivial view":
                continue
            met = r["p99"] < GOAL_P99_MS and r["errors"] == 0
            print(f"goal {name}: p99 < {GOAL_P99_MS:.0f} ms at {args.connections} connections: "
                  f"{'met' if met else 'not met'} ({r['p99']:.1f} ms)")
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        if not args.keep_db:
            admin_sql(base, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
