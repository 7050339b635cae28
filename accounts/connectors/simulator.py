"""Demo simulator: realistic Korean citizen messages for accounts that have no credentials.

Used only when settings.SMC_SIMULATE is on. Items are marked `is_simulated` and their ids start
with "sim-". The cursor carries "<unix time of last fetch>:<sequence>", so the ids of a batch
depend only on the cursor and the clock: a redelivered fetch yields the same items again.
"""

import hashlib
import random
import time
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .base import Batch, CannotLook, InboundItem, ManualPostNeeded, SyncResult
from .manual import MANUAL_POST
from .simulator_texts import compose

SIMULATED_MANUAL_POST = _("[시뮬레이터] %(reason)s")
CANNOT_LOOK = _("시뮬레이터는 이전 게시를 보관하지 않아 찾을 수 없습니다.")

# An idle account does not get a flood on its next poll.
MAX_ITEMS_PER_FETCH = 20


def _rate_per_minute() -> float:
    return float(getattr(settings, "SMC_SIMULATOR_RATE", 0.02))


def _parse_cursor(cursor: str, now: float, rate: float) -> tuple[float, int]:
    try:
        last, seq = cursor.split(":")
        return float(last), int(seq)
    except (ValueError, AttributeError):
        # First poll: pretend a minute has passed so messages appear at once.
        return now - 60.0, 0


class SimulatorConnector:
    def __init__(self, clock=None):
        self._clock = clock or (lambda: datetime.now(UTC))

    def fetch(self, account, cursor: str) -> Batch:
        now_dt = self._clock()
        now = now_dt.timestamp()
        rate = _rate_per_minute()
        last, seq = _parse_cursor(cursor, now, rate)
        if rate <= 0:
            return Batch(items=[], next_cursor=cursor)
        due = int((now - last) * rate / 60.0)
        if due <= 0:
            return Batch(items=[], next_cursor=cursor)
        count = min(due, MAX_ITEMS_PER_FETCH)
        # Keep the unspent fraction of time, unless we capped (then start afresh from now).
        new_last = last + due * 60.0 / rate if count == due else now
        items = [self._item(account, seq + i + 1, now_dt) for i in range(count)]
        return Batch(items=items, next_cursor=f"{new_last:.3f}:{seq + count}")

    def _item(self, account, number: int, now_dt: datetime) -> InboundItem:
        rng = random.Random(f"{account.platform}:{account.handle}:{number}")
        message = compose(rng, account.handle, mention=account.platform == "x")
        external_id = f"sim-{account.platform}-{account.handle}-{number}"
        kind = "mention" if account.platform == "x" else "comment"
        return InboundItem(
            platform=account.platform,
            external_id=external_id,
            text=message.text,
            posted_at=now_dt,
            author_id=f"sim-user-{message.author_handle}",
            author_handle=message.author_handle,
            author_name=message.author_name,
            url="",
            conversation_id=external_id,
            kind=kind,
            raw={
                "simulated": True,
                "type": message.type,
                "topic": message.topic,
                "template": message.template,
            },
            is_simulated=True,
        )

    def reply(self, account, to_external_id: str, text: str, private: bool = False) -> str:
        # Same reply, same id: a retried publish cannot create a second simulated reply.
        digest = hashlib.sha256(f"{account.handle}\n{to_external_id}\n{text}".encode()).hexdigest()
        return f"sim-reply-{int(digest[:12], 16)}"

    def post(self, account, text: str) -> str:
        if account.platform in MANUAL_POST:
            # As the real API: an exercise shows the same "수동 게시 필요" a real alert would.
            raise ManualPostNeeded(SIMULATED_MANUAL_POST, reason=MANUAL_POST[account.platform])
        return f"sim-reply-{time.time_ns()}"

    def find_reply(self, account, to_external_id: str, text: str) -> str | None:
        raise CannotLook(CANNOT_LOOK)

    def find_post(self, account, marker: str) -> str | None:
        # Simulated posts are kept nowhere: what an interrupted attempt did cannot be looked up.
        raise CannotLook(CANNOT_LOOK)

    def sync(self, account, external_ids: list[str]) -> SyncResult:
        """Simulated citizens never delete or edit what they wrote."""
        return SyncResult(unchanged=[str(i) for i in external_ids])
