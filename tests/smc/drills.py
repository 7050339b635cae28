"""What the outage drills run: the SMC processes as subprocesses on the drill's own servers (a worker on
the answer and broadcast queues whose platforms are the Redis-steered fakes of tests/messages_app, beat,
and the web under gunicorn), and the checks that say the work is all done, once."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from django.conf import settings

from messages_app.models import Message, StatusChange
from outbound.models import Posting
from tests.messages_app.ingest_fakes import Steer
from tests.servers import free_port
from tests.waiting import wait_until
from tests.workers import WorkerProcess

# The sweeper's period and how long an open posting waits before it is queued again (5 min and 1 min in
# production): shortened so that a drill sees the sweeper bring back what the outage lost.
SWEEP_ENV = {"SMC_SWEEP_AFTER_SECONDS": "5", "SMC_SWEEP_SECONDS": "2", "SMC_POLL_DISPATCH_SECONDS": "2"}


def worker(ns: str, queue: str, database_url: str, redis_url: str, log_path: Path) -> WorkerProcess:
    """A prefork worker (2 processes) on the answer queue and the broadcast queue; what its fake
    platforms post is kept in the suite's Redis (SMC_FAKES_REDIS_URL), which no drill takes away."""
    steer = Steer(ns)
    return WorkerProcess(["tests.messages_app.ingest_worker", f"{queue},{queue}.broadcast", ns],
                         {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_QUEUE": queue,
                          "CONN_MAX_AGE": "0", "SMC_FAKES_REDIS_URL": settings.REDIS_URL,
                          "SMC_FAKES_CONCURRENCY": "2", **SWEEP_ENV},
                         log_path, settings.BASE_DIR, steer.r, steer.key("ready"))


class Process:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict, log_path: Path):
        full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smc.settings", **env}
        full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log_path = log_path
        with open(log_path, "a") as log:
            self.proc = subprocess.Popen(args, cwd=settings.BASE_DIR, env=full_env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def beat(queue: str, database_url: str, redis_url: str, tmp_path: Path) -> Process:
    """Celery beat with the project's schedule (polls dispatched, postings swept), its state in a file."""
    return Process([sys.executable, "-m", "celery", "-A", "smc", "beat", "--loglevel=INFO",
                    "--scheduler", "celery.beat:PersistentScheduler", "-s", str(tmp_path / "beat-schedule")],
                   {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_QUEUE": queue, **SWEEP_ENV},
                   tmp_path / "beat.log")


class Web(Process):
    """The web as production runs it (gunicorn with smc/gunicorn_conf.py, DEBUG off; one process) on a
    free port, without the TLS redirect of smc.production (no proxy in front of it here)."""

    def __init__(self, database_url: str, redis_url: str, tmp_path: Path):
        self.port = free_port()
        super().__init__([sys.executable, "-m", "gunicorn", "-c", "python:smc.gunicorn_conf", "smc.wsgi"],
                         {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "DEBUG": "0",
                          "SMC_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1", "GUNICORN_TIMEOUT": "60",
                          "SMC_PORTAL_CACHE_SECONDS": "0", "CACHE_KEY_PREFIX": f"drill-{self.port}"},
                         tmp_path / "web.log")

    def get(self, path: str, language: str = "ko") -> requests.Response:
        return requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=30,
                            cookies={settings.LANGUAGE_COOKIE_NAME: language})

    def status(self, path: str = "/") -> int:
        try:
            return self.get(path).status_code
        except requests.ConnectionError:
            return 0

    def wait_serving(self, timeout: float = 120) -> None:
        wait_until(lambda: self.status() == 200, "the web to serve the portal", timeout=timeout,
                   interval=0.2, logs=[self.log_path])


# --- done, and once --------------------------------------------------------------------------------

def messages_stored(prefix_counts: dict[str, int]) -> bool:
    return all(Message.objects.filter(external_id__startswith=prefix).count() == count
               for prefix, count in prefix_counts.items())


def postings_settled(posting_ids: set[int]) -> bool:
    return not Posting.objects.filter(pk__in=posting_ids, state__in=Posting.OPEN_STATES).exists()


def assert_stored_once(prefix_counts: dict[str, int]) -> None:
    for prefix, count in prefix_counts.items():
        ids = list(Message.objects.filter(external_id__startswith=prefix).values_list("external_id", flat=True))
        assert sorted(ids) == sorted(f"{prefix}{n}" for n in range(count))
        # The pipeline ran once per message: one "received" entry each.
        assert StatusChange.objects.filter(message__external_id__startswith=prefix, from_status="").count() == count


def assert_posted_once(steer: Steer, answers: dict[int, str], deliveries: set[int]) -> None:
    """Each answer (posting id -> the message it answers) posted once as a reply to it, each broadcast
    delivery posted once on its account; the record holds the id the platform gave."""
    rows = {p.pk: p for p in Posting.objects.filter(pk__in=set(answers) | deliveries)}
    assert {p.state for p in rows.values()} == {Posting.State.POSTED}
    for pk, to_external_id in answers.items():
        replies = steer.replies(to_external_id)
        assert [r["id"] for r in replies] == [rows[pk].external_id]
    posts = steer.replies("")  # the fakes keep posts (no reply_to) under ""
    by_account: dict[int, list[str]] = {}
    for post in posts:
        by_account.setdefault(post["account"], []).append(post["id"])
    expected = {rows[pk].account_id: [rows[pk].external_id] for pk in deliveries}
    assert by_account == expected
