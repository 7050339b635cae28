"""Reads of the inbox that several screens share (the queue, the admin, the dashboard)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q

from .models import Message, Status, StatusChange
from .services.triage import TRANSFER_NOTE

ANSWERED = (Status.ANSWERED, Status.CLOSED)


def transfers():
    """The staff transfers (StatusChange rows), wherever the message went."""
    return StatusChange.objects.filter(actor__isnull=False, to_status=Status.ASSIGNED,
                                       note__startswith=TRANSFER_NOTE)


@dataclass(frozen=True)
class Share:
    division_id: int | None  # None: every division
    name: str
    answered: int
    first_time: int  # answered without any staff transfer

    @property
    def rate(self) -> float | None:
        return self.first_time / self.answered if self.answered else None

    @property
    def percent(self) -> str:
        return f"{self.rate:.0%}" if self.rate is not None else "-"


def first_time_right(division_ids: list[int] | None = None, since: datetime | None = None) -> tuple[Share, list[Share]]:
    """First-time-right routing: of the answered messages, the share answered without a transfer,
    overall and per answering division (division_ids limits both; None = every division)."""
    qs = Message.objects.filter(status__in=ANSWERED, division__isnull=False)
    if division_ids is not None:
        qs = qs.filter(division_id__in=division_ids)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    moved = Exists(transfers().filter(message=OuterRef("pk")))
    rows = list(qs.annotate(moved=moved).values("division_id", "division__name_ko")
                .annotate(answered=Count("pk"), first_time=Count("pk", filter=Q(moved=False)))
                .order_by("division__name_ko"))
    per = [Share(r["division_id"], r["division__name_ko"], r["answered"], r["first_time"]) for r in rows]
    overall = Share(None, "전체", sum(s.answered for s in per), sum(s.first_time for s in per))
    return overall, per
