"""Reads: the public alerts, those in effect (the banner), a broadcast's progress and reach."""

from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.connectors import MANUAL_POST
from accounts.models import Account, Platform
from accounts.models import Status as AccountStatus
from outbound.models import Posting

from .errors import BroadcastError, Code
from .models import Broadcast, Delivery, MsgType

SENT_STATES = [Broadcast.State.SENDING, Broadcast.State.SENT]
# Platforms a broadcast is posted on (me2day closed in 2014; phone and web are not platforms; the
# KakaoTalk channel through the Event API, to the users who wrote to it). On Instagram and YouTube the
# API cannot post the text: their deliveries become "수동 게시 필요".
POSTABLE_PLATFORMS = [Platform.X, Platform.FACEBOOK, Platform.KAKAO, Platform.INSTAGRAM, Platform.YOUTUBE]


def postable_accounts() -> QuerySet[Account]:
    """The accounts an approval posts to: only those SMC operates (polls, holds credentials for); the
    SNS map also lists ones it does not."""
    return Account.objects.filter(status=AccountStatus.ACTIVE, is_polled=True, platform__in=POSTABLE_PLATFORMS)


def recipients_summary() -> dict:
    """What the confirmation step shows: how many accounts, per platform, and their followers."""
    accounts = postable_accounts()
    per_platform = {row["platform"]: row["n"] for row in accounts.values("platform").annotate(n=Count("pk"))
                    .order_by()}
    followers = accounts.aggregate(s=Sum("follower_count"))["s"] or 0
    manual = sum(n for p, n in per_platform.items() if p in MANUAL_POST)
    return {"total": sum(per_platform.values()), "per_platform": [
        (Platform(p).label, per_platform.get(p, 0)) for p in POSTABLE_PLATFORMS],
        "followers": followers, "people": approx_people(followers),
        # Accounts whose platform's API cannot post the text: a person posts it there by hand.
        "manual": manual, "manual_platforms": [Platform(p).label for p in POSTABLE_PLATFORMS
                                               if p in MANUAL_POST and per_platform.get(p)]}


def pending_approval(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Broadcast]:
    """Broadcasts waiting for an approver other than their drafter."""
    return Broadcast.objects.filter(state=Broadcast.State.SUBMITTED).exclude(drafted_by_id=user.pk)


def status_heading(broadcast: Broadcast, p: dict | None) -> str:
    """"발신 중 17/34", "발신 완료 34/34", "발신 완료 32/34 · 실패 2" (the page's heading follows it)."""
    label = broadcast.get_state_display()
    if not broadcast.is_sent or p is None:
        return label
    text = f"{label} {p['delivered']}/{p['total']}"
    text = f"{text} · 실패 {p['failed']}" if p["failed"] else text
    return f"{text} · 수동 게시 필요 {p['manual']}" if p.get("manual") else text


def public_alerts() -> QuerySet[Broadcast]:
    """Every alert that went out (Actual and Exercise/Test, which the pages mark), newest first."""
    return (Broadcast.objects.filter(state__in=SENT_STATES).select_related("references")
            .order_by("-approved_at"))


def public_alerts_matching(*, in_effect: bool | None = None, cap_status: str = "", msg_type: str = "",
                           district: str = "", since: date | None = None, until: date | None = None,
                           now: datetime | None = None) -> QuerySet[Broadcast]:
    """The public alerts annotated with `is_in_effect`, narrowed by each filter given (the API's list).
    A district matches the alerts for it and those for the whole city (no district); since and
    until are days of approval, both included."""
    alerts = with_in_effect(public_alerts(), now)
    if in_effect is not None:
        alerts = alerts.filter(**{"is_in_effect": in_effect})  # the annotation, which the type stubs cannot see
    if cap_status:
        alerts = alerts.filter(cap_status=cap_status)
    if msg_type:
        alerts = alerts.filter(msg_type=msg_type)
    if district:
        alerts = alerts.filter(Q(districts__contains=[district]) | Q(districts=[]))
    if since:
        alerts = alerts.filter(approved_at__date__gte=since)
    if until:
        alerts = alerts.filter(approved_at__date__lte=until)
    return alerts


def public_alert(identifier: str) -> Broadcast:
    return public_alerts().get(identifier=identifier)


def _in_effect_rule(now: datetime | None) -> Q:
    """Sent, not expired, not a Cancel, not superseded by a sent Update or Cancel: one rule for the
    banner, the alert pages and the API."""
    superseded = Broadcast.objects.filter(references=OuterRef("pk"), state__in=SENT_STATES)
    return Q(Q(expires__gt=now or timezone.now()), ~Q(msg_type=MsgType.CANCEL), ~Exists(superseded))


def with_in_effect(alerts: QuerySet[Broadcast], now: datetime | None = None) -> QuerySet[Broadcast]:
    """The alerts annotated with `is_in_effect`."""
    return alerts.annotate(is_in_effect=ExpressionWrapper(_in_effect_rule(now), output_field=BooleanField()))


def in_effect(now: datetime | None = None) -> QuerySet[Broadcast]:
    """Alerts to show in the banner, newest first."""
    return public_alerts().filter(_in_effect_rule(now)).order_by("-approved_at")


def followups(broadcast: Broadcast) -> QuerySet[Broadcast]:
    """The sent Updates and Cancels that refer to this alert, oldest first."""
    return broadcast.followups.filter(state__in=SENT_STATES).order_by("approved_at")


def successor(broadcast: Broadcast) -> Broadcast | None:
    """The sent Update or Cancel that follows this message (at most one: a constraint)."""
    return broadcast.followups.filter(state__in=SENT_STATES).order_by("approved_at").first()


def head_of(broadcast: Broadcast) -> Broadcast:
    """The newest sent message of the chain this one belongs to (itself when nothing followed)."""
    node = broadcast
    while (later := successor(node)) is not None:
        node = later
    return node


def chain_of(broadcast: Broadcast) -> list[Broadcast]:
    """Every sent message of the incident, first Alert to current head (the alert pages show it)."""
    earlier = references_chain(broadcast)
    later: list[Broadcast] = []
    node = broadcast
    while (nxt := successor(node)) is not None:
        later.append(nxt)
        node = nxt
    return [*earlier, broadcast, *later]


def chain_refusal(target: Broadcast, now: datetime | None = None, *,
                  cancel_ok: bool = False) -> BroadcastError | None:
    """Why nothing may be built on or sent again from `target` at this moment, or None when it is the
    chain's live head. Asked by every state change (draft of a follow-up, submit, approve, retry)."""
    if not target.is_sent:
        return BroadcastError(_("정정·취소 대상 긴급메시지가 발신되지 않았습니다."), code=Code.INVALID_STATE)
    later = successor(target)
    if later is not None and later.msg_type == MsgType.CANCEL:
        return BroadcastError(_("이미 취소된 긴급메시지입니다: %(identifier)s"), code=Code.CANCELLED,
                              identifier=later.identifier)
    if later is not None:
        return BroadcastError(_("이후 정정이 이미 발신되었습니다: %(identifier)s. 최신 안내에서 새로 작성하세요."),
                              code=Code.SUPERSEDED, identifier=later.identifier)
    if target.msg_type == MsgType.CANCEL and not cancel_ok:
        return BroadcastError(_("취소 메시지입니다. 취소된 긴급메시지는 다시 정정·발신할 수 없습니다."),
                              code=Code.CANCELLED)
    if target.expires <= (now or timezone.now()):
        return BroadcastError(_("종료 시각이 지난 긴급메시지입니다."), code=Code.EXPIRED)
    return None


def references_chain(broadcast: Broadcast) -> list[Broadcast]:
    """The alerts this one updates or cancels, oldest first (CAP `references` lists them all)."""
    chain: list[Broadcast] = []
    node: Broadcast | None = broadcast.references
    while node is not None:
        chain.append(node)
        node = node.references
    return list(reversed(chain))


def progress(broadcast_id: int) -> dict:
    """Counts by the deliveries' postings: delivered, failed (of which `unknown` wait for a person to
    look on the platform), manual (the platform's API cannot post it: a person must), pending (not
    settled yet), and the followers the delivered ones reached (only what was really posted)."""
    rows = Delivery.objects.filter(broadcast_id=broadcast_id)
    counts = {state: 0 for state in Posting.State.values}
    for row in rows.values("posting__state").annotate(n=Count("pk")).order_by():
        counts[row["posting__state"]] = row["n"]
    reach = rows.filter(posting__state=Posting.State.POSTED).aggregate(r=Sum("followers"))["r"] or 0
    open_count = sum(counts[state] for state in Posting.OPEN_STATES)
    return {"total": sum(counts.values()), "delivered": counts[Posting.State.POSTED],
            "failed": counts[Posting.State.FAILED] + counts[Posting.State.UNKNOWN],
            "unknown": counts[Posting.State.UNKNOWN], "manual": counts[Posting.State.MANUAL], "pending": open_count,
            "reach": reach}


def reach_phrase(p: dict) -> str:
    """"44개 계정 중 42개 발신, 약 79만 명 도달" (followers of the accounts that delivered), and the
    accounts whose post a person must make ("수동 게시 필요 3개"), which reach nobody until then."""
    phrase = f"{p['total']}개 계정 중 {p['delivered']}개 발신, 약 {approx_people(p['reach'])} 도달"
    return f"{phrase}, 수동 게시 필요 {p['manual']}개" if p.get("manual") else phrase


def approx_people(n: int) -> str:
    if n >= 10_000:
        return f"{round(n / 10_000):,}만 명"
    return f"{n:,}명"


def deliveries(broadcast: Broadcast) -> QuerySet[Delivery]:
    return broadcast.deliveries.select_related("account", "posting").order_by("account__platform",
                                                                             "account__handle")
