"""The other channels of the processing regulation: phone/visit complaints and the portal's web form.

Both become messages through the same door as platform items (`ingest.insert_items` + the
post-ingest pipeline), with the same (platform, external_id) dedupe: a form submitted twice with
the same token, or a call entered twice under the same reference number, is stored once.
"""

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.connectors.base import InboundItem
from accounts.models import Platform
from users.models import User

from ..errors import Code
from ..errors import IntakeError as IntakeError  # callers catch it here
from ..models import AuditEntry, Kind, Message
from . import ingest

CHANNELS = {"phone": "전화", "visit": "방문"}


def _store(item: InboundItem, *, citizen_id: int | None = None, is_private: bool = False) -> tuple[Message, bool]:
    with transaction.atomic():
        # insert_items also classifies, routes and sets the deadline (the post-ingest pipeline).
        new_ids = ingest.insert_items(None, [item], citizen_id=citizen_id, is_private=is_private)
    message = Message.objects.get(platform=item.platform, external_id=item.external_id)
    return message, bool(new_ids)


def _text(text: str) -> str:
    text = ingest.clean_text(text).strip()
    if not text:
        raise IntakeError(_("내용을 입력하세요."), code=Code.REQUIRED)
    return text


def record_phone_complaint(staff: User, text: str, *, channel: str = "phone", caller_name: str = "",
                           caller_contact: str = "", received_at: datetime | None = None,
                           reference: str = "", publish: bool = False) -> Message:
    """A complaint taken by phone or at the counter, typed in by staff.

    Private unless the caller agreed to publication (`publish`): the caller never posted it publicly.
    The contact stays in the raw record for the answering division, never in the text.
    """
    if channel not in CHANNELS:
        raise IntakeError(_("접수 경로는 전화 또는 방문이어야 합니다."))
    reference = ingest.clean_text(reference).strip()
    external_id = f"phone-{reference}" if reference else f"phone-{uuid.uuid4().hex}"
    posted_at = received_at or timezone.now()
    if posted_at > timezone.now():
        raise IntakeError(_("접수 시각이 미래일 수 없습니다."), code=Code.IN_FUTURE)
    item = InboundItem(
        platform=Platform.PHONE, external_id=external_id[:100], text=_text(text), posted_at=posted_at,
        author_name=caller_name, kind=Kind.PHONE,
        raw={"channel": channel, "caller_contact": caller_contact, "recorded_by": staff.pk,
             "reference": reference, "publish_consent": bool(publish)},
    )
    message, created = _store(item, is_private=not publish)
    AuditEntry.objects.create(actor=staff, action="phone_intake", message=message,
                              detail=f"{CHANNELS[channel]} 민원 {'등록' if created else '중복 등록 시도'}")
    return message


def submit_web_question(user: User, text: str, *, client_token: str = "") -> Message:
    """A logged-in citizen's question from the portal form. `client_token` (from the form) dedupes resubmits."""
    token = ingest.clean_text(client_token).strip()[:64] or uuid.uuid4().hex
    item = InboundItem(
        platform=Platform.WEB, external_id=f"web-{user.pk}-{token}", text=_text(text),
        posted_at=timezone.now(), author_id=str(user.pk), author_handle=getattr(user, "username", "")[:100],
        author_name=(user.get_full_name() if hasattr(user, "get_full_name") else "")[:200], kind=Kind.WEB,
        raw={"source": "portal_form"},
    )
    message, _ = _store(item, citizen_id=user.pk)
    return message


def submit_open311_request(organisation: str, text: str, *, reference: str, author_name: str = "",
                           contact: dict | None = None, location: dict | None = None) -> Message:
    """A request another system sent through Open311 (POST requests): the web form's door, the same
    classification, routing and deadline. `reference` (the Open311 token) dedupes a resubmit; the
    contact details stay in the raw record for the answering division, never in the text."""
    item = InboundItem(
        platform=Platform.WEB, external_id=f"open311-{ingest.clean_text(reference).strip()[:80]}",
        text=_text(text), posted_at=timezone.now(), author_name=ingest.clean_text(author_name).strip()[:200],
        kind=Kind.WEB,
        raw={"source": "open311", "organisation": organisation, "contact": contact or {}, "location": location or {}},
    )
    message, _ = _store(item)
    return message
