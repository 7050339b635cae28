"""A real Celery worker for the health tests: `python -m tests.smc.health_worker QUEUES NS`. One
thread, so one task at a time while it still answers /healthz's inspect; its task `tests.health.hold`
holds it until the test lets go, so a second task waits in the broker while the queue has a consumer."""

import sys
import time

import redis

from tests.workers import serve


def main(queues: str, ns: str) -> None:
    import django

    django.setup()

    from django.conf import settings

    from smc.celery import app

    r = redis.Redis.from_url(settings.REDIS_URL)

    @app.task(name="tests.health.hold")
    def hold():
        r.set(f"{ns}:holding", "1")
        while r.exists(f"{ns}:hold"):  # the test deletes it to let the worker go on
            time.sleep(0.02)
        r.delete(f"{ns}:holding")

    serve(r, f"{ns}:ready", queues, f"health-{ns}", pool="threads", concurrency=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
