"""What happens to messages right after they are stored (called by the ingest, once per new message).

Until classification and routing exist, every new message lands, unclassified, in the SMC desk's queue.
"""

from departments.models import Division

from ..models import Message, Status, StatusChange

UNROUTED_REASON = "자동 분류 전: SMC 데스크 검토"


def after_ingest(message_ids: list[int]) -> None:
    if not message_ids:
        return
    desk = Division.objects.filter(is_smc_desk=True).first()
    fresh = Message.objects.filter(pk__in=message_ids, status=Status.RECEIVED, division__isnull=True)
    ids = list(fresh.values_list("pk", flat=True))
    fresh.update(division=desk, routing_reason=UNROUTED_REASON, needs_triage=True)
    StatusChange.objects.bulk_create(
        StatusChange(message_id=pk, from_status="", to_status=Status.RECEIVED, division=desk,
                     note=UNROUTED_REASON) for pk in ids
    )
