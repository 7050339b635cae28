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

Posts older than the lookup's window go through X's batch compliance jobs (`compliance_due`, called
by the same poll): once a day an account's older public posts are uploaded as a job, the following
polls ask after it and, when it is complete, apply its result through `apply` like a lookup's. The
job's state is a ComplianceJob row, so a restart between polls loses nothing.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import ConnectorError, SyncResult, TransientError
from accounts.models import Account

from ..models import ComplianceJob, Kind, Message, SourceState
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
        counts = sync_account(account, fresh=timedelta(seconds=interval))
    except ConnectorError as exc:
        logger.warning("sync of %s @%s failed: %s", account.platform, account.handle, exc)
        counts = None
    try:
        compliance_due(account)
    except (ConnectorError, IntegrityError) as exc:
        logger.warning("compliance job of %s @%s: %s", account.platform, account.handle, exc)
    return counts


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


COMPLIANCE_INTERVAL = timedelta(days=1)  # a new job an account a day (settings.SMC_COMPLIANCE_INTERVAL_SECONDS)
COMPLIANCE_MAX_IDS = 100_000  # ids a job; the longest unchecked first, the rest in the next days
APPLY_CHUNK = 1_000
# X keeps a job's result for 7 days: a job still open after that is given up (it would otherwise
# hold the app's one job slot for good) and the next day's job checks the posts again.
COMPLIANCE_JOB_LIFETIME = timedelta(days=7)


def compliance_candidates(account: Account, now: datetime, window: timedelta) -> list[str]:
    """The account's public messages posted before `window` (the lookup's), longest unchecked first."""
    rows = (Message.objects.filter(account=account, posted_at__lt=now - window, source_state="", is_private=False,
                                   hidden_by_author=False, is_simulated=False)
            .exclude(kind__in=NEVER_PUBLIC_KINDS)
            .order_by(F("source_checked_at").asc(nulls_first=True), "posted_at")
            .values_list("external_id", flat=True))
    return list(rows[:COMPLIANCE_MAX_IDS])


def compliance_due(account: Account, now: datetime | None = None) -> str:
    """Advance the account's compliance job by one step; what it did ("" when nothing was due):
    created (and uploaded), in_progress, applied, failed, expired."""
    connector = connectors.get_connector(account)
    if not hasattr(connector, "create_compliance_job"):
        return ""
    now = now or timezone.now()
    job = ComplianceJob.objects.filter(account=account, state__in=ComplianceJob.OPEN).first()
    if job is None:
        job = _new_compliance_job(account, connector, now)
        if job is None:
            return ""
    return _advance(account, connector, job, now)


def _new_compliance_job(account: Account, connector: Any, now: datetime) -> ComplianceJob | None:
    interval = timedelta(seconds=int(getattr(settings, "SMC_COMPLIANCE_INTERVAL_SECONDS",
                                             COMPLIANCE_INTERVAL.total_seconds())))
    if ComplianceJob.objects.filter(account=account, created_at__gt=now - interval).exists():
        return None
    # X runs one job of a type at a time for an app: the platform's accounts take turns.
    if ComplianceJob.objects.filter(account__platform=account.platform, state__in=ComplianceJob.OPEN).exists():
        return None
    ids = compliance_candidates(account, now, getattr(connector, "sync_window", SYNC_WINDOW))
    if not ids:
        return None
    created = connector.create_compliance_job(account, f"smc-{account.pk}-{now:%Y%m%d%H%M}")
    return ComplianceJob.objects.create(
        account=account, job_id=created.job_id, external_ids=ids, upload_url=created.upload_url,
        upload_expires_at=created.upload_expires_at, download_url=created.download_url)


def _finish(job: ComplianceJob, state: str, error: str = "") -> str:
    job.state, job.error, job.finished_at = state, error[:2000], timezone.now()
    job.save(update_fields=["state", "error", "finished_at", "deleted", "withheld"])
    return state


def _advance(account: Account, connector: Any, job: ComplianceJob, now: datetime) -> str:
    if job.created_at < now - COMPLIANCE_JOB_LIFETIME:
        return _finish(job, ComplianceJob.State.EXPIRED, "7일 안에 끝나지 않았습니다 (not complete within 7 days)")
    if job.uploaded_at is None:
        if job.upload_expires_at and job.upload_expires_at <= now:
            return _finish(job, ComplianceJob.State.EXPIRED, "업로드 기한이 지났습니다 (upload URL expired)")
        try:
            connector.upload_compliance_ids(account, job.upload_url, job.external_ids)
        except TransientError:
            raise  # the next poll uploads again while the URL lasts
        except ConnectorError as exc:
            return _finish(job, ComplianceJob.State.FAILED, str(exc))
        job.uploaded_at = now
        job.save(update_fields=["uploaded_at"])
        return ComplianceJob.State.CREATED
    reported = connector.compliance_job(account, job.job_id)
    if reported.status in (ComplianceJob.State.FAILED, ComplianceJob.State.EXPIRED):
        return _finish(job, reported.status, reported.error or reported.status)
    if reported.status != "complete":
        if job.state != ComplianceJob.State.IN_PROGRESS:
            job.state = ComplianceJob.State.IN_PROGRESS
            job.save(update_fields=["state"])
        return ComplianceJob.State.IN_PROGRESS
    if reported.download_url:
        job.download_url = reported.download_url
    result = connector.compliance_results(account, job.download_url, job.external_ids)
    for start in range(0, len(job.external_ids), APPLY_CHUNK):
        chunk = job.external_ids[start:start + APPLY_CHUNK]
        wanted = set(chunk)
        counts = apply(account.platform, SyncResult(
            deleted=[i for i in result.deleted if i in wanted], withheld=[i for i in result.withheld if i in wanted],
            unchanged=[i for i in result.unchanged if i in wanted]), chunk)
        job.deleted += counts.deleted
        job.withheld += counts.withheld
    job.save(update_fields=["download_url"])
    return _finish(job, ComplianceJob.State.APPLIED)
