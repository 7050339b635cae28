"""A test's own worker subprocess (a real Celery worker on the test database), started in its own
process group so a test can SIGKILL all of it at once, as a machine dies."""

import os
import signal
import subprocess
import sys
from urllib.parse import quote

import redis

from tests.waiting import wait_until


def database_url(settings_dict) -> str:
    """The URL of the database the test runs on, for the worker's DATABASE_URL."""
    s = settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else "")
    host = quote(s["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`python -m MODULE ARGS…` with `env` over this process's environment; it is ready once it has set
    `ready_key` in Redis (deleted before each start)."""

    def __init__(self, module_args: list[str], env: dict, log_path, cwd, r: redis.Redis, ready_key: str):
        self.module_args, self.env, self.log_path, self.cwd = module_args, env, log_path, cwd
        self.r, self.ready_key = r, ready_key
        self.proc: subprocess.Popen | None = None

    def start(self, **env):
        self.r.delete(self.ready_key)
        full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smc.settings", **self.env, **env}
        full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' setting is not the worker's
        log = open(self.log_path, "a")  # noqa: SIM115 - kept open for the subprocess
        self.proc = subprocess.Popen([sys.executable, "-m", *self.module_args], cwd=self.cwd, env=full_env,
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        proc = self.proc
        wait_until(lambda: self.r.exists(self.ready_key) or proc.poll() is not None, "the worker to start",
                   logs=[self.log_path])
        if proc.poll() is not None:
            raise RuntimeError(f"worker did not start:\n{open(self.log_path).read()[-3000:]}")

    def kill_all(self):
        """SIGKILL the whole worker (main process and pool children)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill_all()


def serve(r: redis.Redis, ready_key: str, queue: str, node: str, pool: str = "prefork", concurrency: int = 1):
    """Run this process as a real Celery worker on `queue` (Django set up by the caller); `ready_key` is
    set in Redis once it takes tasks, which is what WorkerProcess.start waits for."""
    from celery.signals import worker_ready

    from smc.celery import app

    @worker_ready.connect(weak=False)
    def ready(**_):
        r.set(ready_key, "1")

    app.worker_main(["worker", "-Q", queue, f"--concurrency={concurrency}", "-P", pool, "--loglevel=WARNING",
                     "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{node}@%h"])
