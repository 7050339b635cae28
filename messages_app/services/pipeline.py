"""What happens to messages right after they are stored (the ingest calls this with the new ids):
classify them in one batch, route each to a division with the reason, set the deadline of the
processing regulation, and record the first steps of the timeline.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from departments.regulation import Regulation
from departments.routing import Incoming, Router

from .. import korean
from ..models import Message, Status, StatusChange

log = logging.getLogger(__name__)

RECEIVED_NOTE = "메시지 접수"
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Label:
    type: str
    topic: str
    confidence: float
    version: str


def classify(texts: list[str], pairs: list[list[tuple[str, str]]]) -> tuple[list[Label | None], float]:
    """One call for the whole batch. Without a trained model every label is None (→ needs triage)."""
    try:
        from .. import classifier
    except ImportError:  # the classifier is optional at this layer; the desk triages by hand
        return [None] * len(texts), DEFAULT_THRESHOLD
    threshold = getattr(classifier, "CONFIDENCE_THRESHOLD", DEFAULT_THRESHOLD)
    model = classifier.active_model()
    if model is None:
        return [None] * len(texts), threshold
    if hasattr(model, "predict_tokens"):
        predictions = model.predict_tokens(pairs)
    else:
        predictions = model.predict(texts)
    version = str(getattr(model, "version", "") or "")
    return [Label(p.type, p.topic, float(p.confidence), version) for p in predictions], threshold


def _incoming(message: Message, label: Label | None, confident: bool, pairs) -> Incoming:
    account = message.account
    return Incoming(
        text=message.text,
        topic=label.topic if label else "",
        confident=confident,
        account_label=f"@{account.handle}" if account else "",
        account_division_id=account.owner_division_id if account else None,
        account_is_central=account is None or account.is_mayor or account.field == "general",
        terms=frozenset(form for form, _tag in pairs),
    )


def after_ingest(message_ids: list[int]) -> None:
    if not message_ids:
        return
    with transaction.atomic():
        # skip_locked: a second worker handed the same ids leaves them to the first.
        fresh = list(
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=message_ids, status=Status.RECEIVED, division__isnull=True)
            .select_related("account").order_by("pk")
        )
        if not fresh:
            return
        pairs = korean.analyze_batch([m.text for m in fresh])
        labels, threshold = classify([m.text for m in fresh], pairs)
        router, regulation = Router(), Regulation()
        history, now = [], timezone.now()
        for message, label, tokens in zip(fresh, labels, pairs, strict=True):
            confident = label is not None and label.confidence >= threshold
            if label is not None:
                message.type, message.topic = label.type, label.topic
                message.confidence, message.classifier_version = label.confidence, label.version
            message.needs_triage = not confident
            message.updated_at = now  # bulk_update does not touch auto_now fields
            decision = router.route(_incoming(message, label, confident, tokens))
            message.division = decision.division
            message.routing_reason = decision.reason[:300]
            message.due_at = regulation.due_at(message.type, message.received_at)
            history.append(StatusChange(message=message, from_status="", to_status=Status.RECEIVED,
                                        division=decision.division, note=RECEIVED_NOTE))
            if decision.rule != "desk":
                message.status = Status.ASSIGNED
                history.append(StatusChange(
                    message=message, from_status=Status.RECEIVED, to_status=Status.ASSIGNED,
                    division=decision.division, note=f"{decision.division.name_ko}에 배정"))
            # The desk's rows stay "received": they wait in the needs-triage queue, not public yet.
        Message.objects.bulk_update(
            fresh, ["type", "topic", "confidence", "classifier_version", "needs_triage", "division",
                    "routing_reason", "due_at", "status", "updated_at"])
        StatusChange.objects.bulk_create(history)
    log.info("pipeline: %d messages classified and routed", len(fresh))
