"""A real Celery worker (thread pool, the project's settings) on both posting queues, whose platform is
a fake steered through Redis. Used by test_worker.py.

    python -m tests.outbound.outbound_worker QUEUE NS

Every post is recorded in Redis per account, so a test counts them whatever happened to the worker.
A test can make one account's next call answer 429 (`ratelimit:<handle>` = seconds to the reset),
make an account unsearchable (`blind:<handle>`), and make posts to one account stop right after the
platform took them (`hold:<handle>`), to SIGKILL the worker there.
"""

import json
import sys
import time
from datetime import UTC, datetime, timedelta

from accounts.connectors import MANUAL_POST
from accounts.connectors.base import CannotLook, ManualPostNeeded, RateLimited
from tests.broadcast.broadcast_worker import Steer
from tests.workers import WorkerProcess, serve


class RedisPlatform:
    def __init__(self, steer: Steer):
        self.steer, self.r, self.key = steer, steer.r, steer.key

    def _post(self, account, text: str, reply_to: str = "") -> str:
        r, key, handle = self.r, self.key, account.handle
        r.incr(key(f"calls:{handle}"))
        seconds = r.getdel(key(f"ratelimit:{handle}"))
        if seconds:
            raise RateLimited(datetime.now(UTC) + timedelta(seconds=float(seconds)))
        external_id = f"{account.platform}-{r.incr(key('seq'))}"
        # One MULTI/EXEC: a worker killed between the two would leave a post the count does not hold.
        with r.pipeline() as both:
            both.rpush(key(f"posts:{handle}"), json.dumps({"id": external_id, "text": text, "reply_to": reply_to}))
            both.incr(key("post_count"))
            both.execute()
        if r.exists(key(f"hold:{handle}")):
            r.set(key(f"held:{handle}"), 1)
            while r.exists(key(f"hold:{handle}")):  # posted, not yet recorded: the test kills us here
                time.sleep(0.02)
        return external_id

    def post(self, account, text):
        if account.platform in MANUAL_POST:  # as the real connectors: their API cannot post text
            raise ManualPostNeeded(MANUAL_POST[account.platform])
        return self._post(account, text)

    def reply(self, account, to_external_id, text):
        return self._post(account, text, to_external_id)

    def _look(self, account, match):
        self.r.incr(self.key(f"looks:{account.handle}"))
        if self.r.exists(self.key(f"blind:{account.handle}")):
            raise CannotLook("this account cannot be searched")
        return next((p["id"] for p in self.steer.posts(account.handle) if match(p)), None)

    def find_post(self, account, marker):
        return self._look(account, lambda p: marker in p["text"])

    def find_reply(self, account, to_external_id, text):
        return self._look(account, lambda p: p["reply_to"] == to_external_id and p["text"] == text)


class Worker(WorkerProcess):
    def __init__(self, queue: str, ns: str, db_url: str, redis_url: str, log_path, cwd):
        steer = Steer(ns, redis_url)
        super().__init__(["tests.outbound.outbound_worker", queue, ns],
                         {"DATABASE_URL": db_url, "CELERY_QUEUE": queue, "REDIS_URL": redis_url},
                         log_path, cwd, steer.r, steer.key("ready"))


def main(queue: str, ns: str) -> None:
    import django

    django.setup()

    from django.conf import settings

    from outbound import services as outbound

    steer = Steer(ns, settings.REDIS_URL)
    platform = RedisPlatform(steer)
    outbound.connector_for = lambda posting: platform
    serve(steer.r, steer.key("ready"), f"{queue},{queue}.broadcast", f"outbound-{ns}", pool="threads", concurrency=4)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
