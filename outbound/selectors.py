"""Reads of postings: what the sweeper queues."""

from datetime import datetime

from .models import Posting

SWEEP_BATCH = 1000


def due_posting_ids(now: datetime) -> list[int]:
    """Open postings whose retry time has come, oldest first."""
    rows = Posting.objects.filter(state__in=Posting.OPEN_STATES, retry_at__lte=now).order_by("retry_at", "pk")
    return list(rows.values_list("pk", flat=True)[:SWEEP_BATCH])
