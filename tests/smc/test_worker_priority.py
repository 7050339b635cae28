"""Workers yield the CPU to the web: they run at SMC_WORKER_NICE, set as a worker starts (smc/celery.py),
so the pool processes and every thread they start (Kiwi's) inherit it."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from smc.celery import app as celery_app
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _niceness_of_threads(pid: int) -> dict[int, int]:
    """thread id → niceness, for every thread of the process (field 19 of /proc/…/stat)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        out[int(tid)] = int(fields[16])
    return out


def _session_pids(leader: int) -> list[int]:
    found = subprocess.run(["pgrep", "-s", str(leader)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


@pytest.mark.worker
def test_a_prefork_worker_and_its_pool_run_at_the_configured_niceness():
    name = f"nice-{uuid.uuid4().hex[:8]}"
    base = os.getpriority(os.PRIO_PROCESS, 0)
    wanted = min(19, base + 7)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "smc", "worker", "-Q", name, "-n", f"{name}@%h",
         "--concurrency=1", "--pool=prefork", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=ROOT, env={**os.environ, "SMC_WORKER_NICE": str(wanted)}, start_new_session=True,
    )
    try:
        wait_until(lambda: celery_app.control.ping(destination=[f"{name}@{os.uname().nodename}"], timeout=0.5),
                   "the Celery worker to answer a ping")

        # The pool process loads Kiwi (its own threads) before its first task: wait until it has.
        def pool_with_kiwi_threads():
            pids = _session_pids(process.pid)
            threads = {pid: _niceness_of_threads(pid) for pid in pids}
            return threads if len(pids) >= 2 and max(len(t) for t in threads.values()) >= 3 else None

        threads = wait_until(pool_with_kiwi_threads, "a pool process with Kiwi's threads", interval=0.5)
        assert process.pid in threads
        for pid, by_thread in threads.items():
            assert set(by_thread.values()) == {wanted}, (pid, by_thread)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _in_a_child(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_priority_is_only_ever_lowered_and_the_niceness_clamped():
    # In a child process: a process's niceness cannot be raised back without privileges.
    out = _in_a_child(
        "import os\n"
        "from smc.celery import lower_cpu_priority\n"
        "base = os.getpriority(os.PRIO_PROCESS, 0)\n"
        "os.setpriority(os.PRIO_PROCESS, 0, min(19, base + 5))\n"
        "print(lower_cpu_priority(base + 2) - base, lower_cpu_priority(99), lower_cpu_priority(0) )\n"
    )
    kept, clamped, unchanged = out.split()
    assert int(kept) == 5 or os.getpriority(os.PRIO_PROCESS, 0) + 5 > 19  # not raised back to +2
    assert clamped == unchanged == "19"
