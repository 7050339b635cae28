"""KakaoTalk skill benchmark: how long the skill takes to answer (the Open Builder waits 5 s), for a
new question (stored, classified, routed), a retry of it and "답변 확인", in-process through Django's
test client on the real PostgreSQL, Redis and Korean analysis. The first request of a fresh process
(Kiwi and the classifier loading) is reported apart: a worker warms up before it takes requests.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/kakao_skill.py [--n 200]

A throwaway database `<name>_kakaobench` is created next to DATABASE_URL's and dropped at the end.
"""

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LIMIT_SECONDS = 5.0


def admin_sql(base_url: str, sql: str) -> None:
    import psycopg

    parsed = urlparse(base_url)
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/smc")
    parsed = urlparse(base_url)
    name = (parsed.path.lstrip("/") or "smc") + "_kakaobench"
    admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(base_url, f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=urlunparse(parsed._replace(path="/" + name)),
                      DJANGO_SETTINGS_MODULE="smc.settings", CACHE_KEY_PREFIX=f"kakaobench_{uuid.uuid4().hex[:8]}",
                      ALLOWED_HOSTS="testserver,127.0.0.1,localhost")
    try:
        return run(args.n)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(base_url, f'DROP DATABASE IF EXISTS "{name}"')


def run(n: int) -> int:
    import io
    import random

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from accounts.connectors.simulator_texts import compose
    from accounts.models import Account

    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    account = Account.objects.get(platform="kakao")
    account.credentials = {"bot_id": "benchbot", "skill_secret": "bench-secret"}
    account.save()
    payload = json.loads((ROOT / "tests/accounts/recordings/kakao_skill_request.json").read_text())["body"]
    payload["bot"]["id"] = "benchbot"
    client = Client()
    url = f"/kakao/skill/{account.pk}/"
    rng = random.Random(29)

    def ask(user: str, utterance: str) -> float:
        payload["userRequest"]["user"]["id"] = user
        payload["userRequest"]["utterance"] = utterance
        started = time.perf_counter()
        response = client.post(url, json.dumps(payload, ensure_ascii=False), content_type="application/json",
                               HTTP_X_SMC_SKILL_KEY="bench-secret")
        took = time.perf_counter() - started
        assert response.status_code == 200, response.content[:200]
        return took

    cold = ask("user-cold", compose(rng, "_seoulcity", mention=False).text)
    new, retry, check = [], [], []
    for i in range(n):
        text = compose(rng, "_seoulcity", mention=False).text + f" ({i})"
        new.append(ask(f"user-{i % 50}", text))
        retry.append(ask(f"user-{i % 50}", text))
        check.append(ask(f"user-{i % 50}", "답변 확인"))
    print(f"kakao skill, {n} requests of each kind (in-process, real PostgreSQL/Redis/Kiwi); "
          f"Kakao waits {LIMIT_SECONDS:.0f} s")
    print(f"  first request of a cold process: {cold * 1000:.0f} ms")
    worst = 0.0
    for label, values in (("new question", new), ("retry of it", retry), ("답변 확인", check)):
        p50, p95, top = statistics.median(values), percentile(values, 95), max(values)
        worst = max(worst, top)
        print(f"  {label:13s} p50 {p50 * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   max {top * 1000:6.0f} ms")
    print(f"  slowest warm request / limit: {worst / LIMIT_SECONDS:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
