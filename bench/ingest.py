"""Ingest benchmark: N synthetic Korean messages through the whole pipeline, with two baselines.

    .venv/bin/python bench/ingest.py [--n 100000] [--batch 1000]

One process, PostgreSQL from DATABASE_URL (the server only: a throwaway database is created,
migrated, seeded, and dropped at the end; the dev data is never touched). Measured on the same texts:
  pipeline  ingest_batch(): dedupe (5% of the stream re-sent), Korean analysis (once, for search
            and classification), classify, route, deadline, INSERT … ON CONFLICT DO NOTHING of the
            final rows, timeline rows, cursor
  copy      COPY of the same rows into a bare temporary table (the database's floor)
  tokenize  korean.analyze_batch() alone (the Korean analysis floor)
  store     (informative) the same texts under new ids with triage and timeline switched off
Prints messages/s and the ratios; the goal is ≥ 1,500 msg/s and ≥ half the tokenize-only rate.
"""

import argparse
import json
import os
import random
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smc.settings")


def synthetic_items(n: int, platform_accounts, size: int):
    from accounts.connectors.base import InboundItem
    from accounts.connectors.simulator_texts import compose

    rng = random.Random(20260302)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    items = []
    for i in range(n):
        # One account per batch, as a poll delivers them; the accounts take turns.
        account = platform_accounts[(i // size) % len(platform_accounts)]
        message = compose(rng, account.handle)
        items.append((account, InboundItem(
            platform=account.platform, external_id=f"bench-{i}", text=message.text,
            posted_at=start + timedelta(seconds=i), author_id=f"u{rng.randrange(50_000)}",
            author_handle=message.author_handle, author_name=message.author_name,
            conversation_id=f"bench-{i}", kind="mention" if account.platform == "x" else "comment",
            raw={"id": f"bench-{i}", "text": message.text, "lang": "ko"},
        )))
    return items


def batches(items, size: int, resend: float, rng: random.Random):
    """Per-account batches in arrival order; `resend` of each batch repeats items already sent."""
    from accounts.connectors.base import Batch

    sent = []
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        by_account: dict = {}
        for account, item in chunk:
            by_account.setdefault(account.pk, (account, []))[1].append(item)
        for account, account_items in by_account.values():
            repeat = rng.sample(sent, min(len(sent), int(len(account_items) * resend))) if sent else []
            repeat = [item for item in repeat if item.platform == account.platform]
            yield account, Batch(items=account_items + repeat, next_cursor=account_items[-1].external_id)
        sent.extend(item for _, item in chunk)
        del sent[:-5000]


def run(n: int, size: int) -> dict:
    from django.db import connection

    from accounts.models import Account, Status
    from messages_app.models import Message
    from messages_app.services import ingest, pipeline
    from textkit import korean

    accounts = list(Account.objects.filter(status=Status.ACTIVE, is_polled=True,
                                           platform__in=["x", "facebook"]).order_by("pk"))
    items = synthetic_items(n, accounts, size)
    texts = [item.text for _, item in items]

    # Warm-up outside the clock: Kiwi's model load and the classifier's first training.
    t = time.perf_counter()
    korean.analyze_batch(texts[:200])
    pipeline.classify(texts[:10], korean.analyze_batch(texts[:10]))
    warmup = time.perf_counter() - t

    t = time.perf_counter()
    for start in range(0, n, size):
        korean.analyze_batch(texts[start:start + size])
    tokenize = time.perf_counter() - t

    raw = connection.connection  # psycopg connection under Django's
    with raw.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (platform text, external_id text, text text, "
                       "posted_at timestamptz, author text, raw jsonb)")
        t = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for _, item in items:
                copy.write_row((item.platform, item.external_id, item.text, item.posted_at,
                                item.author_handle, json.dumps(item.raw, ensure_ascii=False)))
        copy_time = time.perf_counter() - t
    connection.commit() if not connection.get_autocommit() else None

    rng = random.Random(7)
    offered = 0
    t = time.perf_counter()
    stored = 0
    for account, batch in batches(items, size, 0.05, rng):
        offered += len(batch.items)
        stored += len(ingest.ingest_batch(account, batch))
    pipeline_time = time.perf_counter() - t

    # The same texts again under new ids, with triage and timeline switched off: the store alone.
    real = pipeline.Triage.decide_or_desk, pipeline.record_arrivals
    pipeline.Triage.decide_or_desk = lambda self, arrivals, pairs: [pipeline.Outcome()] * len(arrivals)
    pipeline.record_arrivals = lambda ids, outcomes: None
    try:
        again = [(a, replace(item, external_id="store-" + item.external_id)) for a, item in items]
        t = time.perf_counter()
        for account, batch in batches(again, size, 0.05, rng):
            ingest.ingest_batch(account, batch)
        store_time = time.perf_counter() - t
    finally:
        pipeline.Triage.decide_or_desk, pipeline.record_arrivals = real

    assert stored == n == Message.objects.filter(external_id__startswith="bench-").count(), "lost or doubled"
    bench = Message.objects.filter(external_id__startswith="bench-")
    routed = bench.filter(division__isnull=False).count()
    classified = bench.exclude(classifier_version="").count()  # the desk fallback would leave it blank
    return {"n": n, "offered": offered, "stored": stored, "routed": routed, "classified": classified,
            "warmup": warmup,
            "tokenize": tokenize, "copy": copy_time, "pipeline": pipeline_time, "store": store_time}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    home = settings.DATABASES["default"]["NAME"]
    name = f"smc_bench_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        from accounts.services import seed_registry
        from departments.services import seed_org_chart
        from users.roles import ensure_roles

        ensure_roles()
        seed_org_chart()
        seed_registry()
        result = run(args.n, args.batch)
    finally:
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = connections["default"].settings_dict["NAME"] = home
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connections.close_all()

    n = result["n"]
    rate = {k: n / result[k] for k in ("pipeline", "store", "copy", "tokenize")}
    print(f"messages: {n:,} unique ({result['offered']:,} offered incl. re-sent duplicates), "
          f"stored {result['stored']:,}, classified {result['classified']:,}, "
          f"routed {result['routed']:,}; batch {args.batch}; "
          f"warm-up {result['warmup']:.1f} s (not timed)")
    print(f"pipeline  (dedupe+analyse+store+classify+route): {rate['pipeline']:>10,.0f} msg/s "
          f"({result['pipeline']:.1f} s)")
    print(f"  of which store only (dedupe+analyse+INSERT):   {rate['store']:>10,.0f} msg/s ({result['store']:.1f} s)")
    print(f"baseline  COPY into a bare table:               {rate['copy']:>10,.0f} msg/s ({result['copy']:.1f} s)")
    print(f"baseline  Korean tokenization only:             {rate['tokenize']:>10,.0f} msg/s "
          f"({result['tokenize']:.1f} s)")
    print(f"ratio pipeline/COPY     = {rate['pipeline'] / rate['copy']:.3f}")
    print(f"ratio pipeline/tokenize = {rate['pipeline'] / rate['tokenize']:.3f}  (goal ≥ 0.5)")
    print(f"goal ≥ 1,500 msg/s: {'met' if rate['pipeline'] >= 1500 else 'NOT met'}; "
          f"goal ≥ half of tokenize: {'met' if rate['pipeline'] >= rate['tokenize'] / 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
