"""PROMETHEUS_MULTIPROC_DIR housekeeping (prometheus-client's multiprocess mode): each process of a host
writes its figures to files named after its pid, and /metrics adds them up.

At start (gunicorn's master, a Celery worker) the files of processes that no longer run are removed:
counters of a previous run would otherwise be added forever (Prometheus reads the drop as a reset,
which rate() handles). A process that exits under a running master is marked dead, so its live gauges
stop counting."""

import os
import re
from pathlib import Path

_PID = re.compile(r"_(\d+)\.db$")


def directory() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_processes() -> int:
    where = directory()
    if where is None:
        return 0
    where.mkdir(parents=True, exist_ok=True)
    removed = 0
    for path in where.glob("*.db"):
        match = _PID.search(path.name)
        if match and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def process_exited(pid: int) -> None:
    if directory() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
