"""Broadcast benchmark: one approval fanned out to every account by the real Celery worker (thread pool)
against a fake platform that takes 200 ms per post, versus posting to the same accounts one after another
in the same run. Goal: 44 accounts delivered in < 2 s and >= 4x faster than sequential; 300 accounts
(every public body in Seoul) in < 5 s.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/broadcast.py [--threads 32]

Time = from the approval to the last delivery's recorded time, on a warmed-up worker (one untimed
broadcast first, so the pool's threads have their database connections). A throwaway database
`<name>_broadcastbench` is created next to DATABASE_URL's and dropped at the end.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
POST_SECONDS = 0.2


def admin_sql(base_url: str, sql: str) -> None:
    import psycopg

    parsed = urlparse(base_url)
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=48)
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smc")
    parsed = urlparse(base_url)
    name = (parsed.path.lstrip("/") or "smc") + "_broadcastbench"
    db_url = urlunparse(parsed._replace(path="/" + name))
    admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(base_url, f'CREATE DATABASE "{name}"')
    ns = uuid.uuid4().hex[:8]
    queue = f"smc_bcbench_{ns}"
    os.environ.update(DATABASE_URL=db_url, CELERY_QUEUE=queue, DJANGO_SETTINGS_MODULE="smc.settings",
                      CACHE_KEY_PREFIX=f"bcbench_{ns}")
    env = {**os.environ}
    try:
        for command in (["migrate", "--noinput"], ["seed"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        return run(db_url, queue, ns, args.threads)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(db_url: str, queue: str, ns: str, threads: int) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db.models import Max

    from accounts.models import Account, Platform, Status
    from broadcast.models import Template
    from broadcast.services import workflow
    from departments.models import Division
    from outbound import services as outbound
    from outbound.models import Posting
    from tests.broadcast.broadcast_worker import RedisPlatform, Steer, Worker
    from users import roles
    from users.models import User

    drafter = User.objects.create_user("bench-drafter", is_staff=True)
    drafter.groups.add(Group.objects.get(name=roles.BROADCAST_DRAFTER))
    approver = User.objects.create_user("bench-approver", is_staff=True)
    approver.groups.add(Group.objects.get(name=roles.BROADCAST_APPROVER))
    division = Division.objects.first()
    template = Template.objects.get(code="snow")
    steer = Steer(ns, settings.REDIS_URL)
    steer.r.set(steer.key("post_seconds"), POST_SECONDS)
    platform = RedisPlatform(steer)

    def accounts(n: int) -> None:
        """Exactly n active accounts, half on X and half on Facebook."""
        Account.objects.update(status=Status.PAUSED)
        for i in range(n):
            Account.objects.update_or_create(
                platform=Platform.X if i % 2 else Platform.FACEBOOK, handle=f"bench{i:03d}",
                defaults={"display_name": f"벤치 {i}", "owner_division": division, "field": "general",
                          "follower_count": 1000 + i, "status": Status.ACTIVE})

    def approve():
        b = workflow.submit(workflow.create_draft(drafter, template=template, cap_status="Actual"), drafter)
        return workflow.approve(b, approver, workflow.confirmation_word(b))

    def wait_done(broadcast, timeout=120) -> float:
        deadline = time.monotonic() + timeout
        while broadcast.deliveries.filter(posting__state__in=Posting.OPEN_STATES).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("deliveries did not finish")
            time.sleep(0.01)
        last = broadcast.deliveries.aggregate(t=Max("posting__posted_at"))["t"]
        return (last - broadcast.approved_at).total_seconds()

    def check_once(broadcast, n):
        handles = list(broadcast.deliveries.values_list("account__handle", flat=True))
        counts = [len(steer.posts(h)) for h in handles]
        assert len(handles) == n and counts == [1] * n, "each account posted exactly once"
        steer.cleanup()
        steer.r.set(steer.key("post_seconds"), POST_SECONDS)

    results = {}
    # Sequential baseline (same services, same fake platform, one post after another), 44 accounts.
    accounts(44)
    original = outbound.connector_for
    outbound.connector_for = lambda posting: platform
    broadcast = approve()
    start = time.perf_counter()
    for pk in broadcast.deliveries.order_by("pk").values_list("posting_id", flat=True):
        outbound.post_once(pk)
    results["sequential_44"] = time.perf_counter() - start
    check_once(broadcast, 44)
    outbound.connector_for = original

    from smc.celery import app

    app.conf.task_default_queue = queue
    with tempfile.TemporaryDirectory() as tmp:
        worker = Worker(queue, ns, db_url, settings.REDIS_URL, Path(tmp) / "worker.log", ROOT, threads=threads)
        worker.start()
        try:
            # Warm-up, not timed: the pool's threads open their database connections.
            accounts(44)
            warm = approve()
            wait_done(warm)
            check_once(warm, 44)
            for n in (44, 300):
                accounts(n)
                broadcast = approve()
                results[f"worker_{n}"] = wait_done(broadcast)
                check_once(broadcast, n)
        finally:
            worker.stop()
            steer.cleanup()
            for key in steer.r.scan_iter(f"*{queue}*"):
                steer.r.delete(key)

    seq, w44, w300 = results["sequential_44"], results["worker_44"], results["worker_300"]
    print(f"fake platform: {POST_SECONDS * 1000:.0f} ms per post; worker: thread pool, {threads} threads")
    print(f"44 accounts, sequential in-process : {seq:6.2f} s")
    print(f"44 accounts, worker (approval→last): {w44:6.2f} s   speed-up {seq / w44:5.1f}x   "
          f"goal < 2 s and >= 4x: {'met' if w44 < 2 and seq / w44 >= 4 else 'NOT met'}")
    print(f"300 accounts, worker               : {w300:6.2f} s   "
          f"(sequential would be ~{300 * seq / 44:.0f} s, {300 * seq / 44 / w300:.0f}x)   "
          f"goal < 5 s: {'met' if w300 < 5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
