"""The process-side Prometheus metrics every app may record (prometheus-client), and the once-a-minute
poll summary of the log.

They live on the ground floor so an app records a figure without importing the top floor (`smc`),
which serves them at /metrics (smc/metrics.py) together with the figures read from the database at
scrape time. Under gunicorn and Celery's prefork pool each process writes its own file in
PROMETHEUS_MULTIPROC_DIR (set it for every process of a host: smc/production.py, deploy/); /metrics
adds them up. Without it (runserver, tests) they live in the process.

Labels carry only ids, names of code and states: never a citizen's text or a secret.
"""

import logging
import os
import threading
import time

from prometheus_client import Counter, Histogram

polls_logger = logging.getLogger("smc.polls")

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # each process writes its files there: it must exist
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

MESSAGES_INGESTED = Counter(
    "smc_messages_ingested", "Messages stored by ingest (new ones only, duplicates not counted)",
    ["platform", "account"])
POLLS = Counter("smc_polls", "Polls of an account, by outcome (ok, error, skipped reason)",
                ["platform", "account", "outcome"])
POLL_ERRORS = Counter("smc_poll_errors", "Polls that ended in an error, per account", ["platform", "account"])
TASK_DURATION = Histogram(
    "smc_celery_task_duration_seconds", "Run time of a Celery task, by task name and final state",
    ["task", "state"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 600))
REQUEST_LATENCY = Histogram(
    "smc_http_request_duration_seconds", "Time from the request's arrival at Django to its response",
    ["method", "view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


class PollSummary:
    """Counts one process's polls and writes one INFO line a minute about them (each poll's own line
    is DEBUG): an operator sees that polling runs without 250 lines a minute burying the rest."""

    def __init__(self, period: float = 60.0, clock=time.monotonic):
        self.period, self.clock = period, clock
        self._lock = threading.Lock()
        self._reset(clock())

    def _reset(self, now: float) -> None:
        self.started, self.polls, self.new, self.errors, self.skipped = now, 0, 0, 0, 0

    def note(self, *, platform: str, account_id: int, new: int, error: bool, skipped: str) -> None:
        account = str(account_id)
        outcome = "error" if error else (skipped or "ok")
        POLLS.labels(platform, account, outcome).inc()
        if new:
            MESSAGES_INGESTED.labels(platform, account).inc(new)
        if error:
            POLL_ERRORS.labels(platform, account).inc()
        polls_logger.debug("poll %s", outcome, extra={"account": account_id, "new": new})
        with self._lock:
            self.polls += 1
            self.new += new
            self.errors += bool(error)
            self.skipped += bool(skipped)
            now = self.clock()
            if now - self.started < self.period:
                return
            line = (self.polls, self.new, self.errors, self.skipped, now - self.started)
            self._reset(now)
        polls_logger.info("polls: %d in the last %.0f s, %d new messages, %d errors, %d skipped",
                          line[0], line[4], line[1], line[2], line[3],
                          extra={"polls": line[0], "new": line[1], "errors": line[2], "skipped": line[3]})


poll_summary = PollSummary()
