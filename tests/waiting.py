"""The one way a test waits: until a condition holds, never for a fixed time.

    wait_until(lambda: steer.total_posts() >= 10, "the first posts", logs=[worker.log_path])

`check` is called until it returns something true (returned); after `timeout` seconds the test fails
naming what it waited for, with the tail of each log (a worker's) that may say why.
"""

import time
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
TIMEOUT = 60.0  # seconds: generous for a loaded machine; a passing test waits only as long as it must


def wait_until(check: Callable[[], T], what: str, *, timeout: float = TIMEOUT, interval: float = 0.05,
               logs: Iterable[str | PathLike] = ()) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            tails = "".join(f"\n--- {path}\n{Path(path).read_text(errors='replace')[-3000:]}"
                            for path in logs if Path(path).exists())
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{tails}")
        time.sleep(interval)  # the polling period of the condition, not a guess at how long it takes


def unacked_tasks_redeliverable(r, visibility_timeout: float) -> Callable[[], bool]:
    """A check for wait_until: every task a killed worker had not acknowledged is older than the
    visibility timeout, so the next worker's first sweep delivers it again (kombu's Redis transport
    scores each unacknowledged delivery with the time it was handed out)."""
    return lambda: r.zcount("unacked_index", time.time() - visibility_timeout, "+inf") == 0
