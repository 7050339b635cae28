"""The staff demo of `make run`: a few hundred simulated messages (marked as such) that arrive through
the real pipeline (the ingest's classification, routing and deadline), spread over the last days, so
each division has a realistic open queue: tens of messages, some near or past their deadline, some
already answered (by the division's demo staff, through the staff services).

Honest by construction: nothing is dated in the future, the labels are what the classifier says of
the text, private direct messages are a small minority (about 1 in 25), and every row is simulated
(`is_simulated`, external ids starting with PREFIX).
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.connectors.base import InboundItem
from accounts.connectors.simulator_texts import compose
from accounts.models import Account
from departments.models import Membership
from departments.regulation import Regulation
from users import roles
from users.models import User

from .models import Answer, CannedAnswer, Message, Status, StatusChange
from .services import canned, handling, ingest

PREFIX = "sim-staff-"
PRIVATE_SHARE = 0.04
ANSWERED_SHARE = 0.55  # of the complaints and opinions older than a day


def present() -> bool:
    return Message.objects.filter(external_id__startswith=PREFIX).exists()


def _items(rng: random.Random, accounts: list[Account], n: int, days: int, now: datetime):
    by_account = defaultdict(list)
    for i in range(n):
        account = rng.choice(accounts)
        simulated = compose(rng, account.handle, mention=account.platform == "x")
        # More of the recent days than of the older ones, as a queue being worked looks.
        posted = now - timedelta(hours=days * 24 * rng.random() ** 1.6, minutes=5)
        # A KakaoTalk channel's chats are always private: the channel has no public side.
        private = rng.random() < PRIVATE_SHARE or account.platform == "kakao"
        by_account[account].append(InboundItem(
            platform=account.platform, external_id=f"{PREFIX}{i}", text=simulated.text, posted_at=posted,
            author_id=f"sim-user-{simulated.author_handle}", author_handle=simulated.author_handle,
            author_name=simulated.author_name, conversation_id=f"{PREFIX}{i}",
            kind="direct" if private else ("comment" if account.platform == "facebook" else "mention"),
            raw={"simulated": True, "template": simulated.template}, is_simulated=True))
    return by_account


def _answerer(message: Message) -> User | None:
    member = (Membership.objects.filter(division_id=message.division_id, user__is_active=True,
                                        user__is_staff=True).select_related("user").order_by("-is_head").first())
    if member:
        return member.user
    return User.objects.filter(is_active=True, is_staff=True, groups__name=roles.SMC_DESK).order_by("pk").first()


def seed(n: int = 360, days: int = 14, now: datetime | None = None, seed: int = 30) -> int:
    """Store `n` demo messages (once: nothing when they are there already). Returns how many."""
    if present():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    accounts = list(Account.objects.order_by("pk"))
    ids: list[int] = []
    for account, items in _items(rng, accounts, n, days, now).items():
        with transaction.atomic():
            ids += ingest.insert_items(account.pk, items)
    _backdate(ids, now)
    _answer_some(rng, ids, now)
    return len(ids)


def _backdate(ids: list[int], now: datetime) -> None:
    """The pipeline stamped each row with this moment; the demo's messages arrived when they were
    posted. The deadline and the overdue mark follow the arrival, as the regulation says."""
    regulation = Regulation()
    with transaction.atomic():
        for m in Message.objects.filter(pk__in=ids).only("pk", "posted_at", "type"):
            received = m.posted_at + timedelta(minutes=2)
            due = regulation.due_at(m.type, received) if m.type else None
            Message.objects.filter(pk=m.pk).update(received_at=received, due_at=due,
                                                   is_overdue=bool(due and due < now))
            StatusChange.objects.filter(message_id=m.pk).update(created_at=received)


def _answer_some(rng: random.Random, ids: list[int], now: datetime) -> None:
    ready = {a.division_id: a for a in CannedAnswer.objects.filter(title="처리 완료")}
    candidates = Message.objects.filter(pk__in=ids, type__in=["complaint", "opinion"], is_private=False,
                                        received_at__lt=now - timedelta(days=1),
                                        status__in=[Status.RECEIVED, Status.ASSIGNED]).select_related("division")
    for message in candidates.order_by("pk"):
        if message.division_id is None or rng.random() >= ANSWERED_SHARE:
            continue
        actor = _answerer(message)
        template = ready.get(message.division_id)
        if actor is None or template is None:
            continue
        handling.answer(message, actor=actor, text=canned.fill(template.text, message))
        # Answered some hours after arrival, never later than now.
        at = min(message.received_at + timedelta(hours=2 + 40 * rng.random()), now - timedelta(minutes=1))
        Answer.objects.filter(message=message).update(created_at=at, updated_at=at)
        StatusChange.objects.filter(message=message, created_at__gt=message.received_at + timedelta(minutes=1)) \
            .update(created_at=at)
        if message.due_at and at <= message.due_at:
            Message.objects.filter(pk=message.pk).update(is_overdue=False)
