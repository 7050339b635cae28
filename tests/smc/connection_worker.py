"""A real Celery worker (prefork, the project's settings) with one extra task that reports the
PostgreSQL session it ran on. Started by test_worker_connections: `python -m tests.smc.connection_worker QUEUE KEY`."""

import sys


def main(queue: str, key: str) -> None:
    import django

    django.setup()

    import redis
    from django.conf import settings
    from django.db import connection

    from smc.celery import app
    from tests.workers import serve

    r = redis.Redis.from_url(settings.REDIS_URL)

    @app.task(name=f"tests.backend_pid.{key}")
    def backend_pid():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            r.rpush(f"{key}:pids", cursor.fetchone()[0])

    serve(r, f"{key}:ready", queue, f"conn-{key}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
