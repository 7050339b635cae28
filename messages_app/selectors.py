"""Reads of the inbox that several screens share (the queue, the admin, the dashboard)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from departments.models import Membership
from users import roles

from .models import Message, Notice, Status, StatusChange
from .services import permissions as perms
from .services.handling import TRANSFER_NOTE
from .services.workflow import OPEN_STATUSES

ANSWERED = (Status.ANSWERED, Status.CLOSED)


def transfers():
    """The staff transfers (StatusChange rows), wherever the message went."""
    return StatusChange.objects.filter(actor__isnull=False, to_status=Status.ASSIGNED,
                                       note__startswith=TRANSFER_NOTE)


@dataclass(frozen=True)
class Share:
    division_id: int | None  # None: every division
    name: str
    answered: int
    first_time: int  # answered without any staff transfer

    @property
    def rate(self) -> float | None:
        return self.first_time / self.answered if self.answered else None

    @property
    def percent(self) -> str:
        return f"{self.rate:.0%}" if self.rate is not None else "-"


def first_time_right(division_ids: list[int] | None = None, since: datetime | None = None) -> tuple[Share, list[Share]]:
    """First-time-right routing: of the answered messages, the share answered without a transfer,
    overall and per answering division (division_ids limits both; None = every division)."""
    qs = Message.objects.filter(status__in=ANSWERED, division__isnull=False)
    if division_ids is not None:
        qs = qs.filter(division_id__in=division_ids)
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    moved = Exists(transfers().filter(message=OuterRef("pk")))
    rows = list(qs.annotate(moved=moved).values("division_id", "division__name_ko")
                .annotate(answered=Count("pk"), first_time=Count("pk", filter=Q(moved=False)))
                .order_by("division__name_ko"))
    per = [Share(r["division_id"], r["division__name_ko"], r["answered"], r["first_time"]) for r in rows]
    overall = Share(None, "전체", sum(s.answered for s in per), sum(s.first_time for s in per))
    return overall, per


# --- the staff queue (messages_app.admin.staff) ---------------------------------------------------

# Saved views of the queue, by the `view` parameter. OPEN_VIEW is the default of division staff,
# TRIAGE_VIEW the desk's.
MINE, UNASSIGNED, DUE, OPEN_VIEW, ALL, TRIAGE_VIEW = "mine", "unassigned", "due", "open", "all", "triage"
VIEW_LABELS = {MINE: "내 담당", UNASSIGNED: "미배정", DUE: "기한 임박·초과", OPEN_VIEW: "처리 대기",
               ALL: "전체", TRIAGE_VIEW: "분류 대기"}
# "임박": the deadline falls within this many days.
DUE_SOON_DAYS = 2
# The same list as the condition of the partial index message_staff_queue_idx (models.Message).
OPEN_LIST = [Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS]
assert set(OPEN_LIST) == set(OPEN_STATUSES)


def queue_views(user) -> list[str]:
    views = [MINE, UNASSIGNED, DUE, OPEN_VIEW, ALL]
    return [TRIAGE_VIEW, *views] if perms.acts_on_all(user) else views


def default_view(user) -> str:
    """The desk starts on its triage; everyone else (superusers too) on the open queue."""
    return TRIAGE_VIEW if perms.has_role(user, roles.SMC_DESK) else OPEN_VIEW


def staff_queue(user, view: str, qs=None, now: datetime | None = None):
    """One saved view of a user's queue. Every view but ALL holds open messages of the divisions the
    user acts for (the desk: all), read by the partial index message_staff_queue_idx; ALL is the whole
    queue, history included (permissions.queue)."""
    qs = Message.objects.all() if qs is None else qs
    if view == ALL:
        return perms.queue(user, qs)
    now = now or timezone.now()
    qs = qs.filter(status__in=OPEN_LIST)
    if not perms.reads_all(user):
        qs = qs.filter(division_id__in=perms.division_ids(user))
    if view == MINE:
        return qs.filter(assignee=user)
    if view == UNASSIGNED:
        return qs.filter(assignee__isnull=True)
    if view == DUE:
        # Overdue or due soon. A message is marked overdue only once its deadline has passed, so
        # one range holds both; an OR with is_overdue made PostgreSQL read the division's whole
        # queue (270 ms at 100,000 open) instead of walking message_staff_queue_idx.
        return qs.filter(due_at__lt=now + timedelta(days=DUE_SOON_DAYS))
    if view == TRIAGE_VIEW:
        return qs.filter(Q(needs_triage=True) | Q(division__isnull=True))
    return qs


# --- the staff notifications (the header's counter and its page) ---------------------------------

ASSIGNED, NEAR, OVERDUE, REMINDER = "assigned", "near", "overdue", "reminder"
NOTIFICATION_LABELS = {ASSIGNED: "새로 맡은 메시지", NEAR: "기한 임박", OVERDUE: "기한 초과",
                       REMINDER: "처리규정 알림"}
NEAR_HOURS = 24


@dataclass(frozen=True)
class StaffNotification:
    kind: str
    message_id: int
    text: str
    when: datetime
    is_new: bool

    @property
    def label(self) -> str:
        return NOTIFICATION_LABELS[self.kind]


def notices_for(user, qs=None):
    """The reminders a user may see: their divisions' (the heads-only ones for heads); all for the desk."""
    qs = Notice.objects.all() if qs is None else qs
    if perms.reads_all(user):
        return qs
    heads = set(Membership.objects.filter(user=user, is_head=True).values_list("division_id", flat=True))
    return qs.filter(Q(division_id__in=perms.division_ids(user), heads_only=False) | Q(division_id__in=heads))


def _mine(user):
    return Message.objects.filter(assignee=user, status__in=OPEN_LIST)


def _parts(user, since: datetime, now: datetime):
    near = Q(is_overdue=False, due_at__gt=now, due_at__lt=now + timedelta(hours=NEAR_HOURS))
    assigned = _mine(user).filter(assigned_at__gt=since).exclude(assigned_by=user)
    return assigned, _mine(user).filter(near), _mine(user).filter(overdue_q(now)), \
        notices_for(user).filter(created_at__gt=since)


def notification_count(user, since: datetime, now: datetime | None = None) -> int:
    """The header's number: newly assigned to me and new reminders since I last looked, plus my
    messages near their deadline or past it (those stay until they are answered)."""
    now = now or timezone.now()
    return sum(qs.count() for qs in _parts(user, since, now))


def notifications(user, since: datetime, now: datetime | None = None, limit: int = 50) -> list[StaffNotification]:
    """The notifications page: the same items, newest first, each marked new when it came after `since`."""
    now = now or timezone.now()
    assigned, near, overdue, _ = _parts(user, since, now)
    found = [StaffNotification(ASSIGNED, m.pk, m.text[:120], m.assigned_at or now, True)
             for m in assigned.only("pk", "text", "assigned_at").order_by("-assigned_at")[:limit]]
    found += [StaffNotification(NEAR, m.pk, m.text[:120], m.due_at or now, False)
              for m in near.only("pk", "text", "due_at").order_by("due_at")[:limit]]
    found += [StaffNotification(OVERDUE, m.pk, m.text[:120], m.due_at or now, False)
              for m in overdue.only("pk", "text", "due_at").order_by("due_at")[:limit]]
    reminders = notices_for(user).filter(created_at__gt=now - timedelta(days=7)).order_by("-created_at")[:limit]
    found += [StaffNotification(REMINDER, n.message_id, n.text, n.created_at, n.created_at > since)
              for n in reminders]
    return sorted(found, key=lambda n: (not n.is_new, n.kind != OVERDUE, -n.when.timestamp()))


# --- The one definition of "open" and "overdue". The staff queues and their notifications, the
# staff list's deadline filter, the dashboard (its cards, divisions table, drill-down and the
# /metrics gauges) and the API's stats/ all count with open_q() and overdue_q(now). A message is
# overdue from the moment its deadline passes, not only once the deadline beat (escalation, every
# few minutes) has set is_overdue: the dashboard's rollups hold the marked ones and add lapsed_q(now),
# the ones whose deadline passed since the beat last ran.
OPEN_DEFINITION = ("처리 중: 지금 접수·배정·처리 중 상태인 메시지(기한 유무와 무관). 답변 완료·종결·숨김·스팸은 "
                   "세지 않습니다. 기간 필터와 무관하게 지금 시점의 수이며, 부서는 지금 담당 부서입니다.")
OVERDUE_DEFINITION = ("기한 초과: 처리 중인 메시지 가운데 처리 기한이 지금 지난 것(기한 점검 작업이 아직 표시하지 "
                      "않은 것도 셉니다). 지금 시점의 수입니다.")


def open_q() -> Q:
    return Q(status__in=OPEN_STATUSES)


def overdue_q(now: datetime) -> Q:
    """Open and past the deadline at `now`, marked by the beat or not yet (the beat marks due_at <= now)."""
    return open_q() & (Q(is_overdue=True) | Q(due_at__lte=now))


def is_overdue(message: Message, now: datetime | None = None) -> bool:
    """overdue_q(now) of one message in hand (the staff screen's badge, the staff API)."""
    now = now or timezone.now()
    return message.status in OPEN_STATUSES and (
        message.is_overdue or (message.due_at is not None and message.due_at <= now))


def lapsed_q(now: datetime) -> Q:
    """Overdue at `now` but not yet marked by the beat: overdue_q(now) is marked | lapsed_q(now).
    Read by the partial index message_unmarked_due_idx (a few minutes' worth of rows)."""
    return open_q() & Q(is_overdue=False, due_at__lte=now)


def open_counts_by_division(qs=None, now: datetime | None = None) -> dict[int | None, tuple[int, int]]:
    """{division_id: (open, overdue)} of `qs` (e.g. a user's queue) at `now`, by the message's current
    division."""
    qs = Message.objects.all() if qs is None else qs
    now = now or timezone.now()
    overdue = Q(is_overdue=True) | Q(due_at__lte=now)
    rows = (qs.filter(open_q()).order_by().values("division_id")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue)))
    return {r["division_id"]: (r["open"], r["overdue"]) for r in rows}


# --- 만족도: the askers' ratings (1–5) of the answers to their questions ---------------------------
# The ratings are portal's (portal.models.Rating, one per message); this reads them through the
# message's reverse relation `rating`, so the portal and the dashboard share one selector without the
# dashboard importing the portal (DESIGN.md: they are on the same floor) nor this module importing it.
SATISFACTION_DEFINITION = ("만족도: 답변을 받은 질문자가 준 평가(1~5점)의 평균, 4·5점의 비율과 평가 수. 기간 안에 "
                           "작성된 메시지의 평가를 메시지의 지금 담당 부서·계정별로 셉니다.")


def satisfaction(group_by: str = "division", qs=None, *, since: datetime | None = None,
                 until: datetime | None = None) -> list[dict]:
    """만족도 per division or per account (group_by "division" | "account"), or of them all ("all": one
    row, id and name None, when anything is rated), of the rated messages of `qs` (all by default),
    ratings given in [since, until) when given: id, name, count, average score (two decimals) and the
    share of 4s and 5s (three decimals)."""
    if group_by not in ("division", "account", "all"):
        raise ValueError("group_by is 'division', 'account' or 'all'")
    qs = Message.objects.all() if qs is None else qs
    qs = qs.filter(rating__isnull=False)
    if since:
        qs = qs.filter(rating__created_at__gte=since)
    if until:
        qs = qs.filter(rating__created_at__lt=until)
    figures = {"count": Count("rating"), "average": Avg("rating__score"),
               "satisfied": Count("rating", filter=Q(rating__score__gte=4))}
    if group_by == "all":
        total = qs.order_by().aggregate(**figures)
        rows = [{"id": None, "name": None, **total}] if total["count"] else []
    else:
        key = f"{group_by}_id"
        name = "division__name_ko" if group_by == "division" else "account__display_name"
        rows = [{"id": r[key], "name": r[name], **r} for r in
                qs.order_by().values(key, name).annotate(**figures).order_by(name, key)]
    return [{"id": r["id"], "name": r["name"], "count": r["count"], "average": round(float(r["average"]), 2),
             "satisfied_share": round(r["satisfied"] / r["count"], 3)} for r in rows]
