"""Public questions with a district, stored as the ingest stores them (only the fields the map reads)."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from departments.models import Division
from messages_app.models import Kind, Message, MessageType, Status

_numbers = count(1)


def public_question(district: str, *, days_ago: float = 1, text: str = "민원입니다", **extra) -> Message:
    n = next(_numbers)
    fields = {
        "platform": "x", "external_id": f"snsmap-{n}", "kind": Kind.MENTION, "text": text,
        "author_name": "김철수", "posted_at": timezone.now() - timedelta(days=days_ago),
        "type": MessageType.COMPLAINT, "topic": "transport", "status": Status.ASSIGNED,
        "division": Division.objects.order_by("pk").first(), "district": district, "needs_triage": False,
    }
    fields.update(extra)
    return Message.objects.create(**fields)


def questions(district: str, n: int, **extra) -> list[Message]:
    return [public_question(district, **extra) for _ in range(n)]
