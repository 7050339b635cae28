"""Reads of postings: what the sweeper queues."""

from datetime import datetime

from django.db.models import Q

from .models import Posting

SWEEP_BATCH = 1000


def due_posting_ids(now: datetime) -> list[int]:
    """Open postings whose retry time has come (or that have none: written outside services.create),
    oldest first."""
    due = Q(retry_at__lte=now) | Q(retry_at__isnull=True)
    rows = Posting.objects.filter(due, state__in=Posting.OPEN_STATES).order_by("retry_at", "pk")
    return list(rows.values_list("pk", flat=True)[:SWEEP_BATCH])
