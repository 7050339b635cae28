"""Reads: the public alerts, those in effect (the banner), a broadcast's progress and reach."""

from datetime import datetime

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from .models import Broadcast, Delivery, MsgType

SENT_STATES = [Broadcast.State.SENDING, Broadcast.State.SENT]


def public_alerts() -> QuerySet[Broadcast]:
    """Every alert that went out (Actual and Exercise/Test, which the pages mark), newest first."""
    return (Broadcast.objects.filter(state__in=SENT_STATES).select_related("references")
            .order_by("-approved_at"))


def public_alert(identifier: str) -> Broadcast:
    return public_alerts().get(identifier=identifier)


def _in_effect_rule(now: datetime | None) -> Q:
    """Sent, not expired, not a Cancel, not superseded by a sent Update or Cancel: one rule for the
    banner, the alert pages and the API."""
    superseded = Broadcast.objects.filter(references=OuterRef("pk"), state__in=SENT_STATES)
    return Q(Q(expires__gt=now or timezone.now()), ~Q(msg_type=MsgType.CANCEL), ~Exists(superseded))


def with_in_effect(alerts: QuerySet[Broadcast], now: datetime | None = None) -> QuerySet[Broadcast]:
    """The alerts annotated with `is_in_effect`."""
    return alerts.annotate(is_in_effect=ExpressionWrapper(_in_effect_rule(now), output_field=BooleanField()))


def in_effect(now: datetime | None = None) -> QuerySet[Broadcast]:
    """Alerts to show in the banner, newest first."""
    return public_alerts().filter(_in_effect_rule(now)).order_by("-approved_at")


def followups(broadcast: Broadcast) -> QuerySet[Broadcast]:
    """The sent Updates and Cancels that refer to this alert, oldest first."""
    return broadcast.followups.filter(state__in=SENT_STATES).order_by("approved_at")


def references_chain(broadcast: Broadcast) -> list[Broadcast]:
    """The alerts this one updates or cancels, oldest first (CAP `references` lists them all)."""
    chain: list[Broadcast] = []
    node: Broadcast | None = broadcast.references
    while node is not None:
        chain.append(node)
        node = node.references
    return list(reversed(chain))


def progress(broadcast_id: int) -> dict:
    rows = Delivery.objects.filter(broadcast_id=broadcast_id)
    counts = {state: 0 for state in Delivery.State.values}
    for row in rows.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    reach = rows.filter(state=Delivery.State.DELIVERED).aggregate(r=Sum("followers"))["r"] or 0
    open_count = counts["pending"] + counts["posting"] + counts["retrying"]
    return {"total": sum(counts.values()), "delivered": counts["delivered"], "failed": counts["failed"],
            "pending": open_count, "reach": reach}


def reach_phrase(p: dict) -> str:
    """"44개 계정 중 42개 발신, 약 79만 명 도달" (followers of the accounts that delivered)."""
    return f"{p['total']}개 계정 중 {p['delivered']}개 발신, 약 {approx_people(p['reach'])} 도달"


def approx_people(n: int) -> str:
    if n >= 10_000:
        return f"{round(n / 10_000):,}만 명"
    return f"{n:,}명"


def deliveries(broadcast: Broadcast) -> QuerySet[Delivery]:
    return broadcast.deliveries.select_related("account").order_by("account__platform", "account__handle")
