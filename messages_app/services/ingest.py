"""Storing what the platforms send: every message exactly once, the cursor in the same transaction.

`ingest_batch` is the one door into the messages table for inbound items (polls, webhooks, phone
and web intake). `poll` wraps one fetch of one account with its lock and its error handling.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import (
    AuthExpired,
    Batch,
    ConnectorError,
    InboundItem,
    PermanentError,
    RateLimited,
    TransientError,
)
from accounts.models import Account
from accounts.models import Status as AccountStatus
from core import locks
from textkit import korean, places
from textkit.textclean import sanitize_text

from ..db import array_literal, defaults_sql
from ..models import Message
from . import pipeline, search

logger = logging.getLogger(__name__)


# Per-row columns, in the order of the unnest() arrays; the rest get their model default.
_ROW_COLUMNS = [
    ("platform", "text"), ("external_id", "text"), ("account_id", "bigint"), ("kind", "text"),
    ("author_external_id", "text"), ("author_handle", "text"), ("author_name", "text"),
    ("citizen_id", "bigint"), ("text", "text"), ("url", "text"), ("conversation_id", "text"),
    ("parent_external_id", "text"), ("posted_at", "timestamptz"), ("raw", "text"),
    ("is_simulated", "boolean"), ("is_private", "boolean"), ("search_doc", "text"),
]
# What the pipeline decided (pipeline.OUTCOME_FIELDS), written by the same INSERT: no UPDATE pass.
_OUTCOME_COLUMNS = [
    ("type", "text"), ("topic", "text"), ("confidence", "double precision"),
    ("classifier_version", "text"), ("needs_triage", "boolean"), ("division_id", "bigint"),
    ("routing_reason", "text"), ("due_at", "timestamptz"), ("status", "text"),
]
# Where the text is about (textkit.places on the same analysis), also in the same INSERT.
_PLACE_COLUMNS = [("district", "text"), ("neighbourhood", "text")]
_SQL_COLUMNS = {"raw": "u.raw::jsonb", "search_doc": None}
_NOW_COLUMNS = {"received_at", "updated_at"}


def rate_limit_key(account_id: int) -> str:
    return f"poll:rate-limited:{account_id}"


def queued_key(account_id: int) -> str:
    return f"poll:queued:{account_id}"


def busy_key(account_id: int) -> str:
    return f"poll:busy:{account_id}"


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


def _aware(value: datetime | None) -> datetime:
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


# --- storing ------------------------------------------------------------------------------------

def _outcome_row(outcome: pipeline.Outcome) -> tuple:
    return (outcome.type, outcome.topic, outcome.confidence, outcome.classifier_version,
            outcome.needs_triage, outcome.division.pk if outcome.division else None,
            outcome.routing_reason, outcome.due_at, outcome.status)


def _existing_ids(platform_ids: list[tuple[str, str]]) -> set[tuple[str, str]]:
    platforms = [p for p, _ in platform_ids]
    ids = [e for _, e in platform_ids]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.platform, m.external_id FROM messages_app_message m "
            "JOIN unnest(%s::text[], %s::text[]) AS u(platform, external_id) "
            "ON m.platform = u.platform AND m.external_id = u.external_id",
            [array_literal(platforms), array_literal(ids)],
        )
        return set(cursor.fetchall())


def _row(account_id: int | None, item: InboundItem, citizen_id: int | None, is_private: bool) -> tuple:
    external_id = clean_text(item.external_id).strip()
    url = clean_text(item.url).strip()
    return (
        _short(item.platform, 20), external_id, account_id, _short(item.kind or "mention", 20),
        _short(item.author_id, 100), _short(item.author_handle, 100), _short(item.author_name, 200),
        citizen_id, clean_text(item.text), url if len(url) <= 500 else "",
        _short(item.conversation_id, 100), _short(item.parent_id, 100), _aware(item.posted_at),
        _raw_json(item.raw), bool(item.is_simulated), is_private or item.kind == "direct",
    )


def insert_items(account_id: int | None, items: list[InboundItem], *, citizen_id: int | None = None,
                 is_private: bool = False, analyse: korean.Analyse | None = None) -> list[int]:
    """INSERT … ON CONFLICT (platform, external_id) DO NOTHING; returns the ids of the new rows.

    Must run inside the caller's transaction. Items already stored are skipped before the
    (costly) Korean analysis; a concurrent writer of the same item is settled by the constraint.
    Each text is analysed once, for both the search vector and the pipeline, which classifies,
    routes and sets the deadline before the INSERT: every row is written once, in its final state.
    `analyse` is korean.analyze_batch (looked up at call time), or the one of a korean.EarlyAnalysis
    that began during the fetch.
    """
    rows, seen = [], set()
    for item in items:
        row = _row(account_id, item, citizen_id, is_private)
        key = (row[0], row[1])
        if not row[1] or len(row[1]) > 100 or key in seen:
            if not row[1] or len(row[1]) > 100:
                logger.error("ingest: unusable external id %r on %s, item skipped", item.external_id[:120],
                             item.platform)
            continue
        seen.add(key)
        rows.append(row)
    if not rows:
        return []
    existing = _existing_ids([(r[0], r[1]) for r in rows])
    rows = [r for r in rows if (r[0], r[1]) not in existing]
    if not rows:
        return []
    analysed = (analyse or korean.analyze_batch)([r[8] for r in rows])
    # The search vector indexes what the portal shows (masked text), the pipeline reads the raw text.
    docs = search.public_documents([r[8] for r in rows], [r[6] for r in rows], analysed)
    located = places.locate_many(analysed)
    received_at = timezone.now()
    account = Account.objects.filter(pk=account_id).first() if account_id else None
    outcomes = pipeline.triage_or_desk(
        [pipeline.Arrival(r[8], account, received_at, place.district) for r, place in zip(rows, located, strict=True)],
        analysed)

    columns = [name for name, _ in _ROW_COLUMNS if name != "search_doc"]
    select = [_SQL_COLUMNS.get(name) or f"u.{name}" for name in columns]
    columns.append("search_vector")
    select.append("to_tsvector('simple', u.search_doc)")
    columns += [name for name, _ in _OUTCOME_COLUMNS]
    select += [f"u.{name}" for name, _ in _OUTCOME_COLUMNS]
    columns += [name for name, _ in _PLACE_COLUMNS]
    select += [f"u.{name}" for name, _ in _PLACE_COLUMNS]
    columns += sorted(_NOW_COLUMNS)
    select += ["%s::timestamptz"] * len(_NOW_COLUMNS)
    unnest = _ROW_COLUMNS + _OUTCOME_COLUMNS + _PLACE_COLUMNS
    arrays = [array_literal(list(col)) for col in (
        [*zip(*rows, strict=True), docs, *zip(*map(_outcome_row, outcomes), strict=True),
         [p.district for p in located], [p.neighbourhood for p in located]])]
    given = ({name for name, _ in _ROW_COLUMNS + _OUTCOME_COLUMNS + _PLACE_COLUMNS}
             | {"search_vector", "id"} | _NOW_COLUMNS)
    default_columns, default_exprs, default_params = defaults_sql(Message, given)
    sql = (
        f"INSERT INTO messages_app_message ({', '.join(columns + default_columns)}) "
        f"SELECT {', '.join(select + default_exprs)} "
        f"FROM unnest({', '.join(f'%s::{t}[]' for _, t in unnest)}) "
        f"AS u({', '.join(name for name, _ in unnest)}) "
        "ON CONFLICT (platform, external_id) DO NOTHING RETURNING id, platform, external_id"
    )
    with connection.cursor() as cursor:
        # Placeholders in SQL order: the SELECT list (times, defaults) before the unnest() arrays.
        cursor.execute(sql, [*[received_at] * len(_NOW_COLUMNS), *default_params, *arrays])
        inserted = {(platform, external_id): pk for pk, platform, external_id in cursor.fetchall()}
    # Rows a concurrent writer stored first are not ours: their timeline is the other writer's.
    new = [(inserted[(r[0], r[1])], outcome) for r, outcome in zip(rows, outcomes, strict=True)
           if (r[0], r[1]) in inserted]
    if new:
        pipeline.record_arrivals([pk for pk, _ in new], [outcome for _, outcome in new])
    return [pk for pk, _ in new]


def ingest_batch(account: Account, batch: Batch, analyse: korean.Analyse | None = None) -> list[int]:
    """Store a fetched batch and move the account's cursor, in one transaction. New ids, in order."""
    if not batch.items and account is not None:
        # Most polls bring nothing: one statement, without a transaction's two round trips around it.
        _mark_polled(account, batch.next_cursor)
        return []
    with transaction.atomic():
        new_ids = insert_items(account.pk if account else None, batch.items, analyse=analyse)
        if account is not None:
            _mark_polled(account, batch.next_cursor)
    return sorted(new_ids)


def _mark_polled(account: Account, cursor: str) -> None:
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(poll_cursor=cursor, last_polled_at=now)
    account.poll_cursor, account.last_polled_at = cursor, now


# --- polling ------------------------------------------------------------------------------------

@dataclass
class PollResult:
    account_id: int
    fetched: int = 0
    new_ids: list[int] = field(default_factory=list)
    skipped: str = ""  # why nothing was fetched: "locked", "not_polled", "inactive", "rate_limited"
    error: str = ""
    rate_limited_until: datetime | None = None


def _record_error(account: Account, message: str, **extra: Any) -> None:
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(last_error=message[:2000], last_error_at=now, **extra)
    account.last_error, account.last_error_at = message[:2000], now
    for name, value in extra.items():
        setattr(account, name, value)


def rate_limited_until(account_id: int) -> datetime | None:
    value = cache.get(rate_limit_key(account_id))
    return datetime.fromisoformat(value) if value else None


def poll(account: Account) -> PollResult:
    """One fetch of one account under its lock. TransientError propagates (the task retries it)."""
    result = PollResult(account_id=account.pk)
    try:
        _poll(account, result)
    finally:
        if result.skipped != "locked":
            # No longer queued: the next dispatch may queue it at its next slot, even when that slot
            # is sooner than the interval the mark was set for (the account turned busy meanwhile).
            cache.delete(queued_key(account.pk))
    if result.new_ids:
        # Citizens are writing to this account now: poll it more often for a while (due_account_ids).
        cache.set(busy_key(account.pk), 1, timeout=settings.SMC_BUSY_POLL_WINDOW)
    return result


def _poll(account: Account, result: PollResult) -> PollResult:
    with locks.advisory_lock(locks.POLL_ACCOUNT, account.pk) as got:
        if not got:
            result.skipped = "locked"
            return result
        # Re-read under the lock: the previous holder may have just moved the cursor.
        account.refresh_from_db()
        if not account.is_polled:
            result.skipped = "not_polled"  # on the SNS map only: SMC never fetches it
            return result
        if account.status != AccountStatus.ACTIVE:
            result.skipped = "inactive"
            return result
        # Kiwi analyses each page while the next one is on its way (connectors that report pages).
        early = korean.EarlyAnalysis()
        try:
            return _fetch_and_store(account, result, early)
        finally:
            early.close()


def _fetch_and_store(account: Account, result: PollResult, early: korean.EarlyAnalysis) -> PollResult:
    """One fetch and its ingest, under the account's lock (`_poll`)."""
    try:
        connector = connectors.get_connector(account)
        pages = {"on_page": early.add} if getattr(connector, "reports_pages", False) else {}
        batch = connector.fetch(account, account.poll_cursor, **pages)
    except RateLimited as exc:
        reset_at = _aware(exc.reset_at)
        seconds = max(1, int((reset_at - timezone.now()).total_seconds()) + 1)
        cache.set(rate_limit_key(account.pk), reset_at.isoformat(), timeout=seconds)
        _record_error(account, f"요청 한도 초과: {timezone.localtime(reset_at):%H:%M:%S}까지 대기 "
                               f"(rate limited until {reset_at.isoformat()})")
        result.skipped, result.rate_limited_until = "rate_limited", reset_at
        return result
    except AuthExpired as exc:
        _record_error(account, f"인증 만료 또는 취소: 재인증이 필요합니다 (auth expired: {exc})",
                      status=AccountStatus.NEEDS_REAUTH)
        result.error = "auth_expired"
        return result
    except TransientError as exc:
        _record_error(account, f"일시적 오류, 재시도 예정 (transient error: {exc})")
        raise
    except (PermanentError, ConnectorError) as exc:
        _record_error(account, f"수집 실패 (permanent error: {exc})")
        result.error = str(exc)
        return result
    result.fetched = len(batch.items)
    result.new_ids = ingest_batch(account, batch, analyse=early.analyze_batch)
    return result


# Platforms that are never polled: closed (me2day) or not social platforms (phone, web).
UNPOLLED_PLATFORMS = {"me2day", "phone", "web"}


def next_poll_at(account_id: int, last: datetime, interval: float) -> datetime:
    """The start of the account's next poll slot after `last`. Slots are `interval` long and each
    account's are shifted by its own phase (golden-ratio spread), so the polls of 44 accounts fall
    evenly over the interval instead of on the same dispatch: a surge is seen within seconds by a few
    accounts, which turns on the surge polling of all (due_account_ids)."""
    phase = (account_id * 0.6180339887) % 1 * interval
    slot = (last.timestamp() + phase) // interval
    return datetime.fromtimestamp((slot + 1) * interval - phase, UTC)


def due_account_ids(now: datetime | None = None) -> list[int]:
    """Active accounts whose poll interval has passed, not rate-limited, not already queued."""
    now = now or timezone.now()
    accounts = (Account.objects.filter(status=AccountStatus.ACTIVE, is_polled=True)
                .exclude(platform__in=UNPOLLED_PLATFORMS))
    if not getattr(settings, "SMC_SIMULATE", False):
        accounts = accounts.exclude(credentials_encrypted="")  # nothing to poll with
    rows = list(accounts.values_list("pk", "last_polled_at", "poll_interval_seconds"))
    busy = cache.get_many([busy_key(pk) for pk, _, _ in rows])
    # Several accounts busy at once is a city-wide surge (a snowstorm): poll every account sooner,
    # not only those that already saw it, so the rest are not found a whole interval late.
    surge = len(busy) >= settings.SMC_SURGE_ACCOUNTS
    due = []
    for account_id, last, interval in rows:
        interval = max(interval or 60, 5)
        if surge or busy_key(account_id) in busy:
            interval = max(min(interval, settings.SMC_BUSY_POLL_SECONDS), 1)
        if last is not None and now < next_poll_at(account_id, last, interval):
            continue
        limited = rate_limited_until(account_id)
        if limited is not None and limited > now:
            continue
        # One queued poll per interval, even while a slow or failing poll has not moved last_polled_at.
        if not cache.add(queued_key(account_id), 1, timeout=interval):
            continue
        due.append(account_id)
    return due


def warm_up() -> None:
    """Load Kiwi's model and the active classifier now, so a worker's first poll does not pay for it
    (seconds each: a worker started in a surge, or the one left when another host died)."""
    texts = ["지하철 엘리베이터가 고장났어요", "눈이 많이 와서 도로가 미끄러워요"]
    try:
        pipeline.classify(texts, korean.analyze_batch(texts))
        logger.info("worker process warmed up (Kiwi and the classifier loaded)")
    except Exception:  # noqa: BLE001 - never keep a worker from starting; the first task loads it
        logger.warning("warm-up failed; the first task will load the models", exc_info=True)
    finally:
        connection.close()

