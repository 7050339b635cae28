"""`make run`: web, Celery worker and beat together (honcho, Procfile); Ctrl-C stops them all and the
embedded PostgreSQL/Redis that `make run` started, leaving their data in ./var/ for the next run."""

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from . import embedded

DEMO_USERS = ["desk", "traffic", "traffic_head", "road", "housing", "mayor_office", "alert_drafter",
              "alert_approver"]


def wait_for_port(port: int, stop: threading.Event, host: str = "127.0.0.1") -> bool:
    """True once something accepts connections on the port; False if `stop` is set first."""
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            stop.wait(0.2)
    return False


def banner(port: int, demo_password: bool) -> str:
    lines = [f"SMC: http://127.0.0.1:{port}/  (관리 화면 /admin/, 상태 /healthz, 지표 /metrics; Ctrl-C로 종료)"]
    if demo_password:
        lines.append("데모 로그인 (SMC_DEMO_PASSWORD): " + ", ".join(DEMO_USERS))
    else:
        lines.append("데모 직원 계정: SMC_DEMO_PASSWORD=<비밀번호> make run (또는 manage.py createsuperuser)")
    return "\n".join(lines)


def _announce(port: int, stop: threading.Event) -> None:
    # Printed once the web answers, so the address is the last thing on the screen, not 12 s too early.
    if wait_for_port(port, stop):
        print("\n" + banner(port, bool(os.environ.get("SMC_DEMO_PASSWORD"))) + "\n", flush=True)


def main() -> int:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.setdefault("SMC_PORT", "8000")
    honcho = subprocess.Popen([str(bin_dir / "honcho"), "start"], cwd=embedded.BASE_DIR, env=env)
    stop = threading.Event()
    threading.Thread(target=_announce, args=(int(env["SMC_PORT"]), stop), daemon=True).start()
    try:
        return honcho.wait()
    except KeyboardInterrupt:
        honcho.send_signal(signal.SIGINT)
        return honcho.wait()
    finally:
        stop.set()
        if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
            print("stopping the embedded PostgreSQL/Redis (data stays in ./var/)", flush=True)
            embedded.down()


if __name__ == "__main__":
    sys.exit(main())
