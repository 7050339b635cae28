"""Storing what the platforms send: every message exactly once, the cursor in the same transaction.

`ingest_batch` is the one door into the messages table for inbound items (polls, webhooks, phone
and web intake); `polling` fetches them. Each item becomes a NewMessage (its cleaned columns), the
pipeline decides its type, topic, division and deadline, and `db.insert_messages` writes every row
once, in its final state, by column name.
"""

import gc
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.connectors.base import Batch, InboundItem
from accounts.models import Account
from textkit import korean, places
from textkit.textclean import sanitize_text

from ..db import existing_message_keys, pipelined, references_checked_per_statement, send_messages
from . import pipeline, search

logger = logging.getLogger(__name__)


# --- sanitising ---------------------------------------------------------------------------------

def clean_text(value: object) -> str:
    """Store everything a person can see, nothing that changes how it reads and nothing PostgreSQL
    refuses: the one sanitiser (control, bidi and zero-width characters; lone surrogates)."""
    return sanitize_text(value)


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value).replace("\x00", "")
    if isinstance(value, dict):
        return {_clean_json(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def _raw_json(raw: Any) -> str:
    try:
        dumped = json.dumps(raw or {}, ensure_ascii=False, default=str)
        dumped.encode("utf-8")
        if "\\u0000" not in dumped:
            return dumped
    except (TypeError, ValueError, UnicodeEncodeError):
        pass
    return json.dumps(_clean_json(raw or {}), ensure_ascii=False, default=str)


def _short(value: object, limit: int) -> str:
    return clean_text(value).replace("\n", " ")[:limit]


def aware(value: datetime | None) -> datetime:
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


# --- storing ------------------------------------------------------------------------------------

@dataclass(slots=True)
class NewMessage:
    """One inbound item, cleaned, as the Message columns it fills (field names are column names)."""
    platform: str
    external_id: str
    account_id: int | None
    kind: str
    author_external_id: str
    author_handle: str
    author_name: str
    citizen_id: int | None
    text: str
    url: str
    conversation_id: str
    parent_external_id: str
    posted_at: datetime
    raw: str  # JSON text
    is_simulated: bool
    is_private: bool
    source_state: str

    @property
    def key(self) -> tuple[str, str]:
        return self.platform, self.external_id

    @classmethod
    def from_item(cls, account_id: int | None, item: InboundItem, citizen_id: int | None,
                  is_private: bool) -> "NewMessage":
        url = clean_text(item.url).strip()
        return cls(
            platform=_short(item.platform, 20), external_id=clean_text(item.external_id).strip(),
            account_id=account_id, kind=_short(item.kind or "mention", 20),
            author_external_id=_short(item.author_id, 100), author_handle=_short(item.author_handle, 100),
            author_name=_short(item.author_name, 200), citizen_id=citizen_id, text=clean_text(item.text),
            url=url if len(url) <= 500 else "", conversation_id=_short(item.conversation_id, 100),
            parent_external_id=_short(item.parent_id, 100), posted_at=aware(item.posted_at),
            raw=_raw_json(item.raw), is_simulated=bool(item.is_simulated),
            # A post withheld in Korea is stored for the staff but never public.
            is_private=is_private or item.kind == "direct" or bool(item.withheld),
            source_state="withheld" if item.withheld else "",
        )


NEW_MESSAGE_COLUMNS = list(NewMessage.__dataclass_fields__)
# Messages per INSERT: a poll's batch of 1,000 goes in four parts (bench/ingest.py), a small one in one.
PART = 250


def _outcome_columns(outcomes: list[pipeline.Outcome]) -> dict[str, list]:
    """The Message columns of what the pipeline decided (pipeline.OUTCOME_FIELDS), a list each."""
    columns = {name: [getattr(o, name) for o in outcomes] for name in pipeline.OUTCOME_FIELDS if name != "division"}
    columns["division_id"] = [o.division.pk if o.division else None for o in outcomes]
    return columns


def insert_items(account_id: int | None, items: list[InboundItem], *, citizen_id: int | None = None,
                 is_private: bool = False, analyse: korean.Analyse | None = None) -> list[int]:
    """INSERT … ON CONFLICT (platform, external_id) DO NOTHING; returns the ids of the new rows.

    Must run inside the caller's transaction. Items already stored are skipped before the
    (costly) Korean analysis; a concurrent writer of the same item is settled by the constraint.
    Each text is analysed once, for both the search vector and the pipeline, which classifies,
    routes and sets the deadline before the INSERT: every row is written once, in its final state.
    `analyse` is korean.analyze_batch (looked up at call time), or the one of a korean.EarlyAnalysis
    that began during the fetch. A batch of more than PART messages is decided and stored in parts,
    overlapping: the database stores one part while Python decides the next (db.pipelined).
    """
    rows: list[NewMessage] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        row = NewMessage.from_item(account_id, item, citizen_id, is_private)
        if not row.external_id or len(row.external_id) > 100:
            logger.error("ingest: unusable external id %r on %s, item skipped", item.external_id[:120],
                         item.platform)
            continue
        if row.key in seen:
            continue
        seen.add(row.key)
        rows.append(row)
    if not rows:
        return []
    existing = existing_message_keys([r.key for r in rows])
    rows = [r for r in rows if r.key not in existing]
    if not rows:
        return []
    texts = [r.text for r in rows]
    analysed = (analyse or korean.analyze_batch)(texts)
    received_at = timezone.now()
    account = Account.objects.filter(pk=account_id).first() if account_id else None
    triage = pipeline.prepare_triage(account)  # every read of the triage, before the first INSERT is sent
    # When those reads fail, the whole batch goes to the SMC desk (read here too, before anything is sent).
    unclassified = [] if triage else pipeline.unclassified(
        [pipeline.Arrival(r.text, account, received_at) for r in rows])
    new: list[tuple[int, pipeline.Outcome]] = []

    def settle(part_rows: list[NewMessage], outcomes: list[pipeline.Outcome], read_ids: Callable[[], dict]) -> None:
        """Read a sent part's ids and send its timeline."""
        inserted = read_ids()
        # Rows a concurrent writer stored first are not ours: their timeline is the other writer's.
        ours = [(inserted[r.key], outcome) for r, outcome in zip(part_rows, outcomes, strict=True) if r.key in inserted]
        if ours:
            pipeline.record_arrivals([pk for pk, _ in ours], [outcome for _, outcome in ours])
        new.extend(ours)

    # A big batch is stored in parts: the database stores one part (and checks its references) while
    # Python decides the next; a part's ids are read, and its timeline sent, once the next is decided.
    sent: tuple[list[NewMessage], list[pipeline.Outcome], Callable[[], dict]] | None = None
    with pipelined(), references_checked_per_statement():
        for start in range(0, len(rows), PART):
            part = slice(start, start + PART)
            part_rows, part_analysed = rows[part], analysed[part]
            located = places.locate_many(part_analysed)
            arrivals = [pipeline.Arrival(r.text, account, received_at, place.district)
                        for r, place in zip(part_rows, located, strict=True)]
            outcomes = triage.decide_or_desk(arrivals, part_analysed) if triage else unclassified[part]
            # The search vector indexes what the portal shows (masked text), the pipeline reads the raw text.
            docs = search.public_documents(texts[part], [r.author_name for r in part_rows], part_analysed)
            columns: dict[str, list] = {name: [getattr(r, name) for r in part_rows] for name in NEW_MESSAGE_COLUMNS}
            columns.update(_outcome_columns(outcomes))
            columns["district"] = [p.district for p in located]
            columns["neighbourhood"] = [p.neighbourhood for p in located]
            if sent is not None:
                settle(*sent)
            sent = (part_rows, outcomes, send_messages(columns, search_documents=docs, received_at=received_at))
        if sent is not None:  # the last part (rows is not empty)
            settle(*sent)
    return [pk for pk, _ in new]


def ingest_batch(account: Account, batch: Batch, analyse: korean.Analyse | None = None) -> list[int]:
    """Store a fetched batch and move the account's cursor, in one transaction. New ids, in order."""
    if not batch.items and account is not None:
        # Most polls bring nothing: one statement, without a transaction's two round trips around it.
        _mark_polled(account, batch.next_cursor)
        return []
    with collector_paused(), transaction.atomic():
        new_ids = insert_items(account.pk if account else None, batch.items, analyse=analyse)
        if account is not None:
            _mark_polled(account, batch.next_cursor)
    return sorted(new_ids)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the length of one batch.

    A batch of 1,000 messages makes some hundred thousand lists and tuples (Kiwi's pairs, the features)
    that reference counting frees; the collector's passes over them find nothing, and each of its full
    passes walks every long-lived object (Kiwi's and the classifier's data, the term caches): 3-4% of
    the ingest's time (bench/ingest.py). A cycle made during the batch is collected after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _mark_polled(account: Account, cursor: str) -> None:
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(poll_cursor=cursor, last_polled_at=now)
    account.poll_cursor, account.last_polled_at = cursor, now


