"""A real Celery worker (thread pool, the project's settings) for broadcasts, whose platform is a fake
steered through Redis. Used by test_worker.py and bench/broadcast.py.

    python -m tests.broadcast.broadcast_worker QUEUE NS THREADS

It consumes "QUEUE.broadcast". Every post is recorded in Redis per account (so a test counts them
whatever happened to the worker); `post_seconds` makes each post take that long (the benchmark's
200 ms platform); a test can make posts stop right after the platform accepted them and before the
worker records it, and then SIGKILL the worker there.
"""

import json
import sys
import time

import redis

from accounts.connectors import MANUAL_POST
from accounts.connectors.base import ManualPostNeeded
from tests.workers import WorkerProcess, serve


class Steer:
    def __init__(self, ns: str, url: str):
        self.ns, self.r = ns, redis.Redis.from_url(url, decode_responses=True)

    def key(self, name: str) -> str:
        return f"fakebroadcast:{self.ns}:{name}"

    def posts(self, handle: str) -> list[dict]:
        return [json.loads(v) for v in self.r.lrange(self.key(f"posts:{handle}"), 0, -1)]

    def total_posts(self) -> int:
        return int(self.r.get(self.key("post_count")) or 0)

    def cleanup(self) -> None:
        for key in self.r.scan_iter(f"fakebroadcast:{self.ns}:*"):
            self.r.delete(key)


class RedisPlatform:
    """The connector the worker uses for every account."""

    def __init__(self, steer: Steer):
        self.steer = steer

    def _post(self, account, text: str, reply_to: str = "") -> str:
        seconds = float(self.steer.r.get(self.steer.key("post_seconds")) or 0)
        if seconds:
            time.sleep(seconds)  # the platform's latency
        r, key = self.steer.r, self.steer.key
        external_id = f"{account.platform}-{r.incr(key('seq'))}"
        # One MULTI/EXEC: a worker killed between the two would leave a post the count does not hold.
        with r.pipeline() as both:
            post = {"id": external_id, "text": text, "reply_to": reply_to}
            both.rpush(key(f"posts:{account.handle}"), json.dumps(post))
            both.incr(key("post_count"))
            count = both.execute()[1]
        hold_after = int(r.get(key("hold_after")) or 0)
        # Posted on the platform, not yet recorded by the worker: the test kills the worker here.
        while hold_after and count >= hold_after and r.exists(key("hold")):
            time.sleep(0.02)
        return external_id

    def post(self, account, text):
        if account.platform in MANUAL_POST:  # as the real connectors: their API cannot post text
            raise ManualPostNeeded(MANUAL_POST[account.platform])
        return self._post(account, text)

    def reply(self, account, to_external_id, text):
        return self._post(account, text, to_external_id)

    def find_post(self, account, marker):
        self.steer.r.incr(self.steer.key("find_calls"))
        for post in self.steer.posts(account.handle):
            if marker in post["text"]:
                return post["id"]
        return None


class Worker(WorkerProcess):
    """The broadcast worker against a given database (test_worker.py, bench/broadcast.py)."""

    def __init__(self, queue: str, ns: str, db_url: str, redis_url: str, log_path, cwd, threads: int = 8):
        steer = Steer(ns, redis_url)
        super().__init__(["tests.broadcast.broadcast_worker", queue, ns, str(threads)],
                         {"DATABASE_URL": db_url, "CELERY_QUEUE": queue, "CONN_MAX_AGE": "60", "REDIS_URL": redis_url},
                         log_path, cwd, steer.r, steer.key("ready"))


def main(queue: str, ns: str, threads: str) -> None:
    import django

    django.setup()

    from django.conf import settings

    from outbound import services as outbound

    steer = Steer(ns, settings.REDIS_URL)
    platform = RedisPlatform(steer)
    outbound.connector_for = lambda posting: platform

    serve(steer.r, steer.key("ready"), f"{queue}.broadcast", f"broadcast-{ns}", pool="threads",
          concurrency=int(threads))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
