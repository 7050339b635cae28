"""Dashboard benchmark: every page timed server-side, warm, against the same figures computed by
GROUP BY over the message table in the same run.

    .venv/bin/python bench/dashboard.py [--n 10000000] [--repeat 5] [--keep-db]

A throwaway database `<name>_dashbench` is created next to DATABASE_URL's, migrated and seeded
(44 accounts), and N simulated messages over three years are generated inside PostgreSQL
(generate_series; dashboard/demo.py) with answers and transfers; rebuild_stats counts them.
For each page: the page through Django's test client (rollups, template, everything) and the
same selectors on `Source(raw=True)`, i.e. GROUP BY over messages_app_message ⟕ answer ⟕ rating. Prints
milliseconds (median of --repeat warm runs), the ratio and the query count of each page, under
two sets of filters (the counts must not change). Goal: < 150 ms per page at 10M and ≥ 20×.

Then the drill-down lists: the links the pages really carry (every bar, cell, word, division, card),
a sample of --drill of them, each requested with its second page (the keyset "next" link); prints
p50/p99/max per kind of link. Goal: p99 < 150 ms at 10M.
"""

import argparse
import html
import os
import random
import re
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smc.settings")

FILTER_SETS = {"default (30 days)": {}, "filtered (90 days, X, complaints)": {
    "period": "90", "platform": "x", "type": "complaint"}}


def timed(fn, repeat):
    fn()  # warm
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


BULK_TABLES = ["messages_app_message", "messages_app_answer", "messages_app_statuschange"]


def build(n):
    """Migrate, seed and generate n messages into the (empty) throwaway database. The secondary
    indexes of the three bulk-loaded tables are dropped for the load and created again afterwards
    (one sort each instead of millions of insertions); the rollup triggers are off for the load
    (demo.generate), so the rollups are then counted once by the product's own rebuild_stats."""

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from dashboard import demo
    from dashboard.services import rebuild_stats

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed", verbosity=0, stdout=open(os.devnull, "w"))
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
             WHERE i.indrelid = ANY(%s::regclass[])
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""", [BULK_TABLES])
        indexes = cursor.fetchall()
        for index, _ in indexes:
            cursor.execute(f"DROP INDEX {index}")
    today = timezone.localdate()
    demo.generate(n, today - timedelta(days=3 * 365), today, prefix="bench-", rebuild=False,
                  progress=lambda done: print(f"  generated {done:,} ({time.perf_counter() - t0:,.0f} s)",
                                              flush=True))
    open_queue()
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")
    t2 = time.perf_counter()
    print(f"  {len(indexes)} indexes created in {t2 - t1:,.0f} s", flush=True)
    rebuild_stats()
    t3 = time.perf_counter()
    print(f"  rebuild_stats in {t3 - t2:,.0f} s")
    print(f"built {n:,} messages in {t3 - t0:,.0f} s (generate {t1 - t0:,.0f} s, indexes {t2 - t1:,.0f} s, "
          f"rebuild_stats {t3 - t2:,.0f} s)", flush=True)


def open_queue():
    """The simulated history is all handled; a real inbox is not. Reopen one in 50 of the closed
    messages (as assigned, their answers removed), overdue when their deadline has passed, but one in
    97 of those left unmarked, as if the deadline beat had not run yet: the open and overdue figures
    and lists are then measured on a queue of realistic size (about 2% of N)."""
    from django.db import connection, transaction

    from dashboard import demo

    with transaction.atomic(), connection.cursor() as cursor:
        demo._triggers_off(cursor)
        cursor.execute("""
            WITH reopened AS (
                UPDATE messages_app_message m SET status = 'assigned',
                       is_overdue = m.due_at IS NOT NULL AND m.due_at <= now() AND m.id % 97 <> 0
                 WHERE m.status = 'closed' AND m.id % 50 = 0 RETURNING m.id)
            DELETE FROM messages_app_answer a USING reopened r WHERE a.message_id = r.id""")
        print(f"  reopened {cursor.rowcount:,} answered messages as the open queue", flush=True)
    rate_some()


def rate_some():
    """Citizens rate some answers (만족도, portal's ratings): one answered message in 100, scores 1-5.
    Loaded as the messages are (the rollup triggers off, counted by rebuild_stats afterwards)."""
    from django.db import connection, transaction

    from dashboard import demo

    with transaction.atomic(), connection.cursor() as cursor:
        demo._triggers_off(cursor)
        cursor.execute("""
            INSERT INTO portal_rating (message_id, score, remark, created_at, updated_at)
            SELECT a.message_id, 1 + (a.message_id * 7919) % 5, '', a.created_at + interval '1 day',
                   a.created_at + interval '1 day'
              FROM messages_app_answer a WHERE a.message_id % 100 = 7
            ON CONFLICT (message_id) DO NOTHING""")
        print(f"  rated {cursor.rowcount:,} answers", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep-db", action="store_true", help="keep (and reuse) the throwaway database")
    parser.add_argument("--drill", type=int, default=300, help="drill-down links to time")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dashboard import selectors, sql
    from dashboard.filters import parse
    from dashboard.selectors import Source
    from users.models import User

    home = settings.DATABASES["default"]["NAME"]
    name = f"{home}_dashbench"

    def size_of_kept() -> int | None:
        """Messages in the kept database (None: no such database or not migrated)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                return None
        connection.close()
        connections["default"].settings_dict["NAME"] = name
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regclass('messages_app_message') IS NOT NULL")
                if not cursor.fetchone()[0]:
                    return None
                cursor.execute("SELECT count(*) FROM messages_app_message")
                return cursor.fetchone()[0]
        finally:
            connection.close()
            connections["default"].settings_dict["NAME"] = home

    reuse = args.keep_db and size_of_kept() == args.n
    if not reuse:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = name
    settings.ALLOWED_HOSTS = ["*"]
    try:
        if reuse:
            call_command("migrate", verbosity=0)  # a kept database gets new migrations (and their rebuild)
        else:
            build(args.n)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            for table in ("messages_app_message", *sql.ROLLUP_TABLES):
                cursor.execute(f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")
                rows, size = cursor.fetchone()
                print(f"  {table:<24} {rows:>12,} rows {size:>10}")
        user = User.objects.filter(username="bench-mayor").first() or User.objects.create_superuser(
            "bench-mayor", password=None)
        client = Client()
        client.force_login(user)

        print(f"\nN = {args.n:,} messages; median of {args.repeat} warm runs; ms")
        print(f"{'page':<11} {'filters':<34} {'page (rollups)':>14} {'GROUP BY raw':>13} {'ratio':>7} {'queries':>8}")
        worst, worst_ratio = 0.0, float("inf")
        for label, params in FILTER_SETS.items():
            for page in selectors.PAGES:
                url = "/dashboard/" if page == "overview" else f"/dashboard/{page}/"

                def get(url=url, params=params):
                    response = client.get(url, params)
                    assert response.status_code == 200, response.status_code

                fast = timed(get, args.repeat)
                with CaptureQueriesContext(connection) as queries:
                    get()
                f = parse(params)

                def raw(page=page, f=f):
                    selectors.PAGES[page](f, Source(raw=True))

                slow = timed(raw, max(1, args.repeat // 2))
                ratio = slow / fast
                worst, worst_ratio = max(worst, fast), min(worst_ratio, ratio)
                print(f"{page:<11} {label:<34} {fast:>14.1f} {slow:>13.1f} {ratio:>6.1f}× {len(queries):>8}")
        print(f"\nslowest page {worst:.1f} ms (goal < 150 ms); smallest ratio {worst_ratio:.1f}× (goal ≥ 20×)")
        drill(client, args.drill)
    finally:
        connection.close()
        settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = home
        if not args.keep_db:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _kind(url: str) -> str:
    """What a drill-down link opens, for the per-kind lines: its figure parameters."""
    keys = re.findall(r"[?&](day|hour|week|state|term|kind|division|account|platform|type|topic)=", url)
    block = re.search(r"block=([a-z_0-9]+)", url)
    return f"{block.group(1) if block else '?'}:{'+'.join(sorted(set(keys)))}"


def drill(client, sample: int):
    """Time the drill-down lists the pages link to, first and second page (keyset)."""
    pages = ["/dashboard/", "/dashboard/?period=365", "/dashboard/divisions/", "/dashboard/words/",
             "/dashboard/accounts/", "/dashboard/mayor/"]
    links = set()
    for url in pages:
        text = client.get(url).content.decode()
        links |= {html.unescape(h) for h in re.findall(r'href="(/dashboard/messages/\?[^"]+)"', text)}
    rng = random.Random(2012)
    chosen = rng.sample(sorted(links), min(sample, len(links)))
    times: dict[str, list[float]] = {}
    for url in chosen:
        for _ in range(2):  # the first page, then the next by its keyset link
            t = time.perf_counter()
            response = client.get(url)
            ms = (time.perf_counter() - t) * 1000
            assert response.status_code == 200, (url, response.status_code)
            times.setdefault(_kind(url), []).append(ms)
            more = re.search(r'id="next" href="\?([^"]+)"', response.content.decode())
            if not more:
                break
            url = "/dashboard/messages/?" + html.unescape(more.group(1))
    every = sorted(ms for kind in times.values() for ms in kind)

    def p(values, q):
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]

    print(f"\ndrill-down lists: {len(every)} requests over {len(chosen)} of {len(links)} links (first and next page)")
    print(f"{'kind':<44} {'n':>5} {'p50':>8} {'p99':>8} {'max':>8}")
    for kind, values in sorted(times.items()):
        values.sort()
        print(f"{kind:<44} {len(values):>5} {p(values, .5):>8.1f} {p(values, .99):>8.1f} {values[-1]:>8.1f}")
    print(f"all drill-down requests: p50 {p(every, .5):.1f} ms, p99 {p(every, .99):.1f} ms (goal < 150 ms), "
          f"max {every[-1]:.1f} ms")


if __name__ == "__main__":
    main()
