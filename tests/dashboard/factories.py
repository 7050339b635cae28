"""A small known data set for the dashboard: messages written by a bulk INSERT (the triggers see it
as they see the ingest's), answers and transfers."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Account
from departments.models import Division
from messages_app.models import Answer, Message, StatusChange
from users.models import User

# 1,000 messages to the mayor's accounts with the 2012 shares (per mille).
TYPES = [("support", 763), ("complaint", 24), ("opinion", 213)]
TOPICS = [("transport", 324), ("safety", 203), ("housing", 114), ("culture", 105), ("welfare", 254)]


def spread(pairs):
    out = []
    for value, count in pairs:
        out += [value] * count
    return out


def known_messages(now=None, days_ago=3, prefix="known"):
    """1,000 messages posted `days_ago` days ago: 76.3% / 2.4% / 21.3%, topics 32.4/20.3/11.4/10.5."""
    now = now or timezone.now()
    mayor = list(Account.objects.filter(is_mayor=True).order_by("pk"))
    divisions = {d.code: d for d in Division.objects.all()}
    types, topics = spread(TYPES), spread(TOPICS)
    posted = now - timedelta(days=days_ago)
    rows = []
    for i in range(1000):
        account = mayor[i % 2]
        rows.append(Message(
            platform=account.platform, external_id=f"{prefix}-{i}", account=account,
            kind="mention" if account.platform == "x" else "comment", text=f"지하철 버스 교통 문의 {i}",
            posted_at=posted + timedelta(seconds=i), type=types[i], topic=topics[(i * 7) % 1000],
            status="assigned", division=divisions["transport-policy" if i % 3 else "housing-policy"],
            needs_triage=False,
            due_at=posted + timedelta(days=9) if types[i] == "complaint" else None))
    return Message.objects.bulk_create(rows)


def answer(message, hours=5, division=None):
    author = User.objects.get_or_create(username="answerer", defaults={"is_staff": True})[0]
    a = Answer.objects.create(message=message, division=division or message.division, author=author, text="답변")
    Answer.objects.filter(pk=a.pk).update(created_at=message.received_at + timedelta(hours=hours))
    Message.objects.filter(pk=message.pk).update(status="answered")
    return a


def transfer(message, to):
    StatusChange.objects.create(message=message, from_status="", to_status="received", division=message.division)
    StatusChange.objects.create(message=message, from_status="received", to_status="assigned", division=to)
    Message.objects.filter(pk=message.pk).update(division=to)
