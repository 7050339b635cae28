"""What the platforms say of messages already stored: deleted by their author, edited, withheld in
Korea. A deleted source leaves every public surface (the portal's selectors leave out what its author
withdrew, saving the message retires its cached pages, its public search entry is cleared); staff
keep the processing record with the text replaced by DELETED_TEXT and the ids. An edit updates the
text, which the portal masks again when it shows it and the search index masks when it is rebuilt.
A withheld post becomes private (stored, never public).

`sync_due(account)` is called by every poll (the poll_accounts command and the beat's polls), so it
needs no set-up of its own: at most one lookup of SYNC_BATCH ids an account every
SMC_SYNC_INTERVAL_SECONDS, oldest-checked first, spreads the checks of the last SYNC_WINDOW over
the day within the platforms' rate limits. `sync_account(account, everything=True)` checks them all
at once (manage.py sync_platform).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import ConnectorError, SyncResult
from accounts.models import Account

from ..models import Kind, Message, SourceState
from . import search
from .ingest import clean_text

logger = logging.getLogger(__name__)

DELETED_TEXT = "작성자가 삭제함"
SYNC_WINDOW = timedelta(days=30)  # X: public posts up to 30 days old are looked up again
SYNC_BATCH = 100  # one GET /2/tweets call
SYNC_INTERVAL_SECONDS = 15 * 60  # 96 lookups a day an account: ~9,600 posts, within X's limits
NEVER_PUBLIC_KINDS = [Kind.DIRECT, Kind.PHONE]


@dataclass
class SyncCounts:
    checked: int = 0
    deleted: int = 0
    edited: int = 0
    withheld: int = 0


def sync_key(account_id: int) -> str:
    return f"poll:sync:{account_id}"


def candidates(account: Account, limit: int | None = SYNC_BATCH, fresh: timedelta | None = None,
               window: timedelta = SYNC_WINDOW) -> list[str]:
    """The account's messages that are or could become public, posted within `window`, the
    longest unchecked first; without those received within `fresh` (the fetch has just seen them)."""
    now = timezone.now()
    rows = (Message.objects.filter(account=account, posted_at__gte=now - window, source_state="",
                                   is_private=False, hidden_by_author=False, is_simulated=False,
                                   received_at__lte=now - (fresh or timedelta(0)))
            .exclude(kind__in=NEVER_PUBLIC_KINDS)
            .order_by(F("source_checked_at").asc(nulls_first=True), "-posted_at")
            .values_list("external_id", flat=True))
    return list(rows[:limit] if limit else rows)


def sync_due(account: Account) -> SyncCounts | None:
    """One lookup of the account's next SYNC_BATCH ids when its interval has passed, else None.
    A platform error here never fails the poll: the next interval tries again."""
    interval = int(getattr(settings, "SMC_SYNC_INTERVAL_SECONDS", SYNC_INTERVAL_SECONDS))
    if not cache.add(sync_key(account.pk), 1, timeout=interval):
        return None
    try:
        return sync_account(account, fresh=timedelta(seconds=interval))
    except ConnectorError as exc:
        logger.warning("sync of %s @%s failed: %s", account.platform, account.handle, exc)
        return None


def sync_account(account: Account, *, everything: bool = False, fresh: timedelta | None = None) -> SyncCounts:
    connector = connectors.get_connector(account)
    if not hasattr(connector, "sync"):
        return SyncCounts()
    # Each connector may say how far back and how many a cycle (Facebook reads one item a call).
    batch = int(getattr(connector, "sync_batch", SYNC_BATCH))
    window = getattr(connector, "sync_window", SYNC_WINDOW)
    ids = candidates(account, None if everything else batch, fresh, window)
    counts = SyncCounts()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        add = apply(account.platform, connector.sync(account, chunk), chunk)
        counts.checked += add.checked
        counts.deleted += add.deleted
        counts.edited += add.edited
        counts.withheld += add.withheld
    return counts


def apply(platform: str, result: SyncResult, checked: list[str]) -> SyncCounts:
    """Record what the platform said of these stored ids (a connector's sync or a webhook)."""
    now = timezone.now()
    counts = SyncCounts(checked=len(checked))
    with transaction.atomic():
        messages = {m.external_id: m for m in Message.objects.select_for_update()
                    .filter(platform=platform, external_id__in=checked)}
        for external_id in result.deleted:
            if (message := messages.get(external_id)) and message.source_state != SourceState.DELETED:
                withdraw_deleted(message, now)
                counts.deleted += 1
        for external_id in result.withheld:
            if (message := messages.get(external_id)) and message.source_state == "":
                message.is_private, message.source_state, message.source_checked_at = True, SourceState.WITHHELD, now
                message.save(update_fields=["is_private", "source_state", "source_checked_at", "updated_at"])
                counts.withheld += 1
        edited = []
        for external_id, text in result.edited.items():
            message = messages.get(external_id)
            if message is None or message.source_state == SourceState.DELETED:
                continue
            text = clean_text(text)
            if text and text != message.text:
                message.text, message.source_checked_at = text, now
                message.save(update_fields=["text", "source_checked_at", "updated_at"])
                edited.append(message.pk)
        counts.edited = len(edited)
        if edited:
            search.index_messages(edited)  # the public index is built from the masked new text
        Message.objects.filter(platform=platform, external_id__in=checked).update(source_checked_at=now)
    return counts


def withdraw_deleted(message: Message, now: datetime | None = None) -> None:
    """The author deleted the original: off every public surface, the record kept without its text.
    save() (not update()) so the portal's cached pages that showed it are retired (portal.generations)."""
    now = now or timezone.now()
    message.text = DELETED_TEXT
    message.author_name = message.author_handle = message.url = ""
    message.raw = {"id": message.external_id, "author_id": message.author_external_id, "deleted_at_source": True}
    message.hidden_by_author = True
    message.source_state = SourceState.DELETED
    message.source_checked_at = now
    message.search_vector = None
    message.save(update_fields=["text", "author_name", "author_handle", "url", "raw", "hidden_by_author",
                                "source_state", "source_checked_at", "search_vector", "updated_at"])
