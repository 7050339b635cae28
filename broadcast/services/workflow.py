"""The life of a broadcast: draft → submit → approve (another person) or reject; Update/Cancel follow-ups.

Every step is recorded (Step: actor, time); a refused attempt is recorded too, in its own transaction,
so the page shows who tried what. Four eyes is checked here and enforced again by the database.
"""

import secrets
from datetime import timedelta
from typing import Any, NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from textkit.textclean import sanitize_text
from users.models import User

from .. import areas, banner, selectors, texts
from ..errors import BroadcastError, Code
from ..models import Broadcast, CapStatus, MsgType, Step, Template
from . import notify, sending
from .permissions import can_approve, can_draft

# Fields a drafter fills in (and may change until submission).
CONTENT_FIELDS = [
    "event_ko", "event_en", "category", "urgency", "severity", "certainty",
    "headline_ko", "headline_en", "description_ko", "description_en", "instruction_ko", "instruction_en",
]
DRAFT_FIELDS = CONTENT_FIELDS + ["cap_status", "districts", "onset", "expires"]
DEFAULT_DURATION_HOURS = 12
MAY_NOT_DRAFT = _("긴급메시지 작성 권한이 없습니다.")


def _state_label(broadcast: Broadcast) -> Promise:
    # The state's label, translated when the refusal is shown (locale/en has the five labels).
    return _(Broadcast.State(broadcast.state).label)

def new_identifier() -> str:
    """CAP identifier: unique for the sender, no spaces, commas or restricted characters."""
    return f"SMC-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}"


def _record(broadcast: Broadcast, action: str, actor: User | None = None, note: str = "") -> Step:
    return Step.objects.create(broadcast=broadcast, action=action, actor=actor, note=note)


def _refuse(broadcast: Broadcast | None, actor: User, refusal: BroadcastError | None) -> NoReturn:
    """Record the refused attempt (outside any failing transaction, in Korean) and raise it."""
    assert refusal is not None
    if broadcast is not None and broadcast.pk:
        _record(broadcast, Step.Action.REFUSED, actor, refusal.message_ko)
    raise refusal


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k in DRAFT_FIELDS}
    for key in CONTENT_FIELDS:
        if key in out and isinstance(out[key], str):
            # Drafters paste text from anywhere: no invisible or control characters reach the posts,
            # the CAP XML (which cannot hold most C0 controls) or the banner.
            out[key] = sanitize_text(out[key]).strip()
    if "districts" in out:
        codes = list(dict.fromkeys(out["districts"] or []))
        unknown = [c for c in codes if c not in areas.districts()]
        if unknown:
            raise BroadcastError(_("알 수 없는 자치구 코드입니다: %(codes)s"), codes=", ".join(unknown))
        # All 25 chosen is the whole city.
        out["districts"] = [] if len(codes) == len(areas.districts()) else sorted(codes)
    return out


def _validate(broadcast: Broadcast) -> None:
    missing = [f for f in ("headline_ko", "headline_en", "description_ko", "description_en", "event_ko", "event_en")
               if not getattr(broadcast, f)]
    if missing:
        raise BroadcastError(_("다음 항목을 입력하세요: %(fields)s"), code=Code.REQUIRED, fields=", ".join(missing))
    if broadcast.cap_status not in CapStatus.values:
        raise BroadcastError(_("실제 상황·훈련·시험 가운데 하나를 고르세요."))
    if broadcast.expires is None:
        raise BroadcastError(_("종료 시각을 입력하세요."), code=Code.REQUIRED)
    if broadcast.onset and broadcast.expires <= broadcast.onset:
        raise BroadcastError(_("종료 시각은 시작 시각보다 뒤여야 합니다."))
    if broadcast.expires <= timezone.now():
        raise BroadcastError(_("종료 시각이 이미 지났습니다."), code=Code.EXPIRED)


def template_values(template: Template) -> dict:
    values = {f: getattr(template, f) for f in CONTENT_FIELDS}
    if template.is_exercise:
        values["cap_status"] = CapStatus.EXERCISE
    return values


@transaction.atomic
def create_draft(user: User, *, template: Template | None = None, **fields: Any) -> Broadcast:
    if not can_draft(user):
        raise BroadcastError(MAY_NOT_DRAFT, code=Code.FORBIDDEN)
    values = template_values(template) if template else {}
    values.update(_clean(fields))
    values.setdefault("expires", timezone.now() + timedelta(hours=DEFAULT_DURATION_HOURS))
    broadcast = Broadcast.objects.create(identifier=new_identifier(), template=template, drafted_by=user, **values)
    _record(broadcast, Step.Action.DRAFT, user, f"템플릿: {template.name}" if template else "")
    return broadcast


def edit_draft(broadcast: Broadcast, user: User, **fields: Any) -> Broadcast:
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        refusal = None
        if locked.state != Broadcast.State.DRAFT:
            refusal = BroadcastError(_("승인 요청 후에는 수정할 수 없습니다. 정정이 필요하면 반려 후 새로 작성하세요."),
                                     code=Code.INVALID_STATE)
        elif locked.drafted_by_id != user.pk or not can_draft(user):
            refusal = BroadcastError(_("작성자만 초안을 수정할 수 있습니다."), code=Code.FORBIDDEN)
        if refusal is None:
            values = _clean(fields)
            for key, value in values.items():
                setattr(locked, key, value)
            locked.save()
            _record(locked, Step.Action.EDIT, user)
            return locked
    _refuse(broadcast, user, refusal)


def preview(broadcast: Broadcast) -> dict:
    """Exactly what each platform gets (frozen texts once submitted)."""
    x = broadcast.x_text or texts.x_text(broadcast)
    facebook = broadcast.facebook_text or texts.facebook_text(broadcast)
    return {"x": x, "x_weight": texts.x_weight(x), "x_limit": texts.X_MAX_WEIGHT, "facebook": facebook,
            "facebook_chars": len(facebook), "url": texts.public_url(broadcast),
            "facebook_followup": broadcast.msg_type != MsgType.ALERT}


def submit(broadcast: Broadcast, user: User) -> Broadcast:
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        refusal = None
        if locked.state != Broadcast.State.DRAFT:
            refusal = BroadcastError(_("이미 승인 요청된 긴급메시지입니다."), code=Code.INVALID_STATE)
        elif locked.drafted_by_id != user.pk:
            refusal = BroadcastError(_("작성자만 승인을 요청할 수 있습니다."), code=Code.FORBIDDEN)
        else:
            _validate(locked)  # bad input is not an attempt worth recording
            refusal = _chain_refusal(locked)
        if refusal is None:
            locked.x_text = texts.x_text(locked)
            locked.facebook_text = texts.facebook_text(locked)
            locked.state = Broadcast.State.SUBMITTED
            locked.submitted_at = timezone.now()
            locked.save()
            _record(locked, Step.Action.SUBMIT, user)
            transaction.on_commit(lambda: notify.approval_waiting(locked.pk), robust=True)
            return locked
    _refuse(broadcast, user, refusal)


def approve(broadcast: Broadcast, user: User, confirmation: str) -> Broadcast:
    """Approve and send: one Delivery per active account, created in this transaction; posting
    starts when it commits. `confirmation` is what the approver typed on the confirmation step (the
    area's name, or 훈련): nothing is sent on one misread click."""
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        refusal = None
        if not can_approve(user):
            refusal = BroadcastError(_("긴급메시지 승인 권한이 없습니다."), code=Code.FORBIDDEN)
        elif locked.drafted_by_id == user.pk:
            refusal = BroadcastError(_("본인이 작성한 긴급메시지는 승인할 수 없습니다. 다른 승인자가 승인해야 합니다."),
                                     code=Code.OWN_DRAFT)
        elif locked.state != Broadcast.State.SUBMITTED:
            refusal = BroadcastError(_("승인할 수 없는 상태입니다: %(state)s"), code=Code.INVALID_STATE,
                                     state=_state_label(locked))
        elif locked.expires <= timezone.now():
            refusal = BroadcastError(_("종료 시각이 지나 승인할 수 없습니다."), code=Code.EXPIRED)
        elif not confirmation_matches(locked, confirmation):
            refusal = BroadcastError(_("확인 문구가 다릅니다. 대상 지역 '%(word)s'을(를) 그대로 입력하세요."),
                                     code=Code.CONFIRMATION, word=confirmation_word(locked))
        else:
            refusal = _chain_refusal(locked)
        if refusal is None:
            now = timezone.now()
            locked.approved_by, locked.approved_at = user, now
            locked.state = Broadcast.State.SENDING
            locked.save()
            _record(locked, Step.Action.APPROVE, user)
            ids = sending.create_deliveries(locked)
            _record(locked, Step.Action.SEND, user, f"{len(ids)}개 계정으로 발신 시작")
            transaction.on_commit(lambda: sending.queue(ids), robust=True)  # the sweeper covers a broker hiccup
            transaction.on_commit(banner.invalidate)
            if not ids:
                sending.complete_if_done(locked.pk)
            return locked
    _refuse(broadcast, user, refusal)


def _chain_refusal(followup: Broadcast) -> BroadcastError | None:
    """An Update/Cancel goes out only while what it refers to is still the chain's live head: checked
    with that row locked, so a Cancel approved meanwhile (or a second Update) is seen."""
    if followup.references_id is None:
        return None
    target = Broadcast.objects.select_for_update().get(pk=followup.references_id)
    return selectors.chain_refusal(target)


def confirmation_word(broadcast: Broadcast) -> str:
    """What the approver types to send: the area as the headline names it, or 훈련/시험."""
    if broadcast.is_exercise:
        return broadcast.get_cap_status_display()
    return areas.short(broadcast.districts, "ko")


def _letters(text: str) -> str:
    # "강남구·종로구", "강남구, 종로구" and "강남구 종로구" are the same answer.
    return "".join(ch for ch in text if ch.isalnum())


def confirmation_matches(broadcast: Broadcast, typed: str) -> bool:
    return bool(typed) and _letters(typed) == _letters(confirmation_word(broadcast))


def reject(broadcast: Broadcast, user: User, reason: str) -> Broadcast:
    reason = sanitize_text(reason).strip()
    with transaction.atomic():
        locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
        refusal = None
        if not can_approve(user):
            refusal = BroadcastError(_("긴급메시지 반려 권한이 없습니다."), code=Code.FORBIDDEN)
        elif locked.state != Broadcast.State.SUBMITTED:
            refusal = BroadcastError(_("반려할 수 없는 상태입니다: %(state)s"), code=Code.INVALID_STATE,
                                     state=_state_label(locked))
        elif not reason:
            raise BroadcastError(_("반려 사유를 입력하세요."), code=Code.REQUIRED)
        if refusal is None:
            locked.state = Broadcast.State.REJECTED
            locked.rejected_by, locked.rejected_at, locked.rejection_reason = user, timezone.now(), reason
            locked.save()
            _record(locked, Step.Action.REJECT, user, reason)
            return locked
    _refuse(broadcast, user, refusal)


def prepare_followup(original: Broadcast, user: User, msg_type: str) -> Broadcast:
    """An Update or Cancel of a sent alert, prefilled from it, as a new draft (four eyes again)."""
    if msg_type not in (MsgType.UPDATE, MsgType.CANCEL):
        raise BroadcastError(_("정정(Update) 또는 취소(Cancel)만 만들 수 있습니다."))
    started_from = Broadcast.objects.get(pk=original.pk)  # its state as of now, not as the caller saw it
    if not can_draft(user):
        _refuse(started_from, user, BroadcastError(MAY_NOT_DRAFT, code=Code.FORBIDDEN))
    if not started_from.is_sent:
        _refuse(started_from, user, BroadcastError(_("발신된 긴급메시지만 정정·취소할 수 있습니다."),
                                                   code=Code.INVALID_STATE))
    with transaction.atomic():
        # One chain per incident: whichever page it was started from, a follow-up continues the newest
        # message (an Update of the original after an Update would branch it and leave one live). The
        # head is locked while it is checked, like every other step of a chain.
        original = Broadcast.objects.select_for_update().get(pk=selectors.head_of(started_from).pk)
        refusal = selectors.chain_refusal(original)
        if refusal is None:
            return _create_followup(started_from, original, user, msg_type)
    _refuse(started_from, user, refusal)


def _create_followup(started_from: Broadcast, original: Broadcast, user: User, msg_type: str) -> Broadcast:
    values = {f: getattr(original, f) for f in CONTENT_FIELDS}
    values.update(cap_status=original.cap_status, districts=list(original.districts), onset=original.onset,
                  expires=original.expires)
    if msg_type == MsgType.CANCEL:
        values.update(
            headline_ko=f"{original.headline_ko} — 해제·취소"[:120],
            headline_en=f"{original.headline_en} — cancelled"[:160],
            description_ko=f"앞서 안내한 '{original.headline_ko}' 긴급메시지를 취소합니다.",
            description_en=f"The earlier alert '{original.headline_en}' is cancelled.",
            instruction_ko="", instruction_en="", urgency="Past", certainty="Observed", severity="Minor",
        )
    draft = Broadcast.objects.create(identifier=new_identifier(), template=original.template,
                                     drafted_by=user, msg_type=msg_type, references=original, **values)
    action = Step.Action.UPDATE if msg_type == MsgType.UPDATE else Step.Action.CANCEL
    _record(draft, Step.Action.DRAFT, user, f"{original.identifier}의 {draft.get_msg_type_display()}")
    _record(original, action, user, f"새 초안 {draft.identifier}")
    if started_from.pk != original.pk:
        _record(started_from, action, user, f"최신 안내 {original.identifier}에 이어 새 초안 {draft.identifier}")
    return draft
