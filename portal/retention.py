"""Nothing personal outlives its retention: SMC_RETENTION_YEARS (default 3) after a question was
closed, who wrote it is erased (names, platform handles and ids, the raw record, the link to the
portal account; the text keeps what masking leaves), with the remarks of its rating. The public
question and answer stay. Run daily by beat (portal.tasks.apply_retention); it reports what it did.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from messages_app.models import AuditEntry, Message, Status
from textkit.masking import mask_text

from .datarights import anonymise_messages
from .models import Notification, Rating

BATCH = 200


def cutoff(now: datetime) -> datetime:
    years = settings.SMC_RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _still_personal() -> Q:
    return (~Q(author_name="") | ~Q(author_handle="") | ~Q(author_external_id="") | Q(citizen__isnull=False)
            | ~Q(raw={}))


def expired(now: datetime):
    """Closed questions whose closing is older than the retention period and that still hold personal data."""
    return (Message.objects.filter(status=Status.CLOSED)
            .annotate(closed_at=Max("history__created_at", filter=Q(history__to_status=Status.CLOSED)))
            .filter(closed_at__lt=cutoff(now)).filter(_still_personal()))


def run(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    ids = list(expired(now).values_list("pk", flat=True).order_by("pk"))
    done = 0
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            rows = list(Message.objects.select_for_update().filter(pk__in=ids[start:start + BATCH]))
            done += anonymise_messages(rows, shown_as="")
            for rating in Rating.objects.filter(message__in=rows):
                rating.remark, rating.user = mask_text(rating.remark) if rating.remark else "", None
                rating.save(update_fields=["remark", "user"])
            Notification.objects.filter(message__in=rows).delete()
    report = {"anonymised": done, "cutoff": cutoff(now).isoformat(), "years": settings.SMC_RETENTION_YEARS}
    if done:
        AuditEntry.objects.create(actor=None, action="retention_anonymise",
                                  detail=f"보유 기간({report['years']}년) 지난 종결 민원 {done}건 개인정보 익명 처리 "
                                         f"(종결 {report['cutoff']} 이전)")
    return report
