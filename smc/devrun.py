"""`make run`: web, Celery worker and beat together (honcho, Procfile); Ctrl-C stops them all and the
embedded PostgreSQL/Redis that `make run` started, leaving their data in ./var/ for the next run."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from . import embedded


def main() -> int:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.setdefault("SMC_PORT", "8000")
    honcho = subprocess.Popen([str(bin_dir / "honcho"), "start"], cwd=embedded.BASE_DIR, env=env)
    try:
        return honcho.wait()
    except KeyboardInterrupt:
        honcho.send_signal(signal.SIGINT)
        return honcho.wait()
    finally:
        if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
            print("stopping the embedded PostgreSQL/Redis (data stays in ./var/)", flush=True)
            embedded.down()


if __name__ == "__main__":
    sys.exit(main())
