"""Polling the platforms: which accounts are due (each on its own slot, sooner while citizens are
writing to it or in a city-wide surge), one fetch of one account under its advisory lock with the
connector's errors recorded on the account, and the marks in the cache that keep one poll per
account queued. What a fetch brings is stored by `ingest.ingest_batch`.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import (
    AccountSuspended,
    AppProblem,
    AuthExpired,
    ConnectorError,
    PermanentError,
    PermissionMissing,
    RateLimited,
    TransientError,
)
from accounts.models import Account
from accounts.models import Status as AccountStatus
from core import locks
from textkit import korean

from . import ingest, pipeline, sync

logger = logging.getLogger(__name__)


def rate_limit_key(account_id: int) -> str:
    return f"poll:rate-limited:{account_id}"


def queued_key(account_id: int) -> str:
    return f"poll:queued:{account_id}"


def busy_key(account_id: int) -> str:
    return f"poll:busy:{account_id}"


APP_PROBLEM_PAUSE_SECONDS = 3600  # an app problem needs a person (developer portal, app review)


def app_paused_key(platform: str) -> str:
    return f"poll:app-paused:{platform}"


def app_paused(platform: str) -> str:
    """Why the platform's polls are paused (the app itself was refused), or ""."""
    return cache.get(app_paused_key(platform)) or ""


def _pause_platform(platform: str, message: str) -> None:
    """An app problem affects every account of the platform: pause them all, tell the desk once
    (the first poll that meets it logs at ERROR; the others see the pause and are not dispatched)."""
    seconds = int(getattr(settings, "SMC_APP_PROBLEM_PAUSE_SECONDS", APP_PROBLEM_PAUSE_SECONDS))
    if cache.add(app_paused_key(platform), message[:500], timeout=seconds):
        logger.error("platform %s paused for %s s: the app was refused: %s", platform, seconds, message)


def health_note(skipped: dict[str, int], standing: str = "") -> str:
    """What the poll left out, by reason, then the connector's word on the account (a quota used)."""
    parts = [f"{reason} {count}건" for reason, count in sorted(skipped.items())]
    return ", ".join([*parts, *([standing] if standing else [])])[:500]


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
        if app_paused(account.platform):
            result.skipped = "app_paused"  # the app was refused: the desk was told, a person acts
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
        reset_at = ingest.aware(exc.reset_at)
        seconds = max(1, int((reset_at - timezone.now()).total_seconds()) + 1)
        cache.set(rate_limit_key(account.pk), reset_at.isoformat(), timeout=seconds)
        _record_error(account, f"요청 한도 초과: {timezone.localtime(reset_at):%H:%M:%S}까지 대기 "
                               f"(rate limited until {reset_at.isoformat()})")
        result.skipped, result.rate_limited_until = "rate_limited", reset_at
        return result
    except PermissionMissing as exc:
        _record_error(account, f"권한 부족: {exc.name} 권한으로 재인증이 필요합니다 (permission missing: {exc})",
                      status=AccountStatus.NEEDS_REAUTH)
        result.error = "permission_missing"
        return result
    except AuthExpired as exc:
        _record_error(account, f"인증 만료 또는 취소: 재인증이 필요합니다 (auth expired: {exc})",
                      status=AccountStatus.NEEDS_REAUTH)
        result.error = "auth_expired"
        return result
    except AppProblem as exc:
        _pause_platform(account.platform, str(exc))
        _record_error(account, f"앱 문제로 플랫폼 수집 일시 중지 (app problem: {exc})")
        result.skipped, result.error = "app_paused", "app_problem"
        return result
    except AccountSuspended as exc:
        _record_error(account, f"플랫폼에서 계정이 정지되었습니다 (account suspended: {exc})",
                      status=AccountStatus.SUSPENDED)
        result.error = "account_suspended"
        return result
    except TransientError as exc:
        _record_error(account, f"일시적 오류, 재시도 예정 (transient error: {exc})")
        raise
    except (PermanentError, ConnectorError) as exc:
        _record_error(account, f"수집 실패 (permanent error: {exc})")
        result.error = str(exc)
        return result
    result.fetched = len(batch.items)
    result.new_ids = ingest.ingest_batch(account, batch, analyse=early.analyze_batch)
    note = health_note(batch.skipped or {}, batch.health)
    if note != account.health_note:
        Account.objects.filter(pk=account.pk).update(health_note=note)
        account.health_note = note
    # Deleted, edited and withheld sources: the next slice of stored messages, once an interval.
    sync.sync_due(account)
    return result


# Platforms that are never polled: closed (me2day), not social platforms (phone, web), or push only
# (kakao: chats arrive through the Open Builder skill, messages_app.kakao).
UNPOLLED_PLATFORMS = {"me2day", "phone", "web", "kakao"}


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
    paused = [platform for platform in connectors.CONNECTORS if app_paused(platform)]
    if paused:
        accounts = accounts.exclude(platform__in=paused)  # the app was refused: nothing to gain
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

