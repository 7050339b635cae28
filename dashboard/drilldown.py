"""The messages behind a figure: what a bar, a cell, a word or a division of the dashboard counts,
as a list (newest first, keyset pagination on the feed index (-posted_at, -id)), shown masked as on
the portal. The slice is the page's filters plus what the figure adds (a day, an hour, a week, a
word, a state)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from messages_app import selectors as inbox
from messages_app.models import Kind, Message, Status
from messages_app.services import permissions
from textkit import masking

from .filters import BadFilter, Filters
from .models import MessageStat

PAGE_SIZE = 50
STATES = ("open", "overdue", "answered", "answered_today")
# The figure-specific parameters (besides the page's filters) a drill-down link may carry.
DRILL_KEYS = ("day", "hour", "week", "state", "term", "kind")
_TERM = re.compile(r"^[가-힣]{2,30}$")
PREVIEW_CHARS = 200


@dataclass(frozen=True)
class Slice:
    day: date | None = None
    hour: datetime | None = None
    week: date | None = None
    state: str = ""
    term: str = ""
    kind: str = ""
    params: dict = field(default_factory=dict, compare=False)


def parse_slice(params) -> Slice:
    def _day(key):
        value = params.get(key)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadFilter(f"날짜 형식이 올바르지 않습니다: {value[:40]!r}") from None

    hour = None
    if params.get("hour"):
        try:
            hour = datetime.fromisoformat(params["hour"])
        except ValueError:
            raise BadFilter(f"시각 형식이 올바르지 않습니다: {params['hour'][:40]!r}") from None
        if timezone.is_naive(hour):
            hour = timezone.make_aware(hour)
    state, term, kind = params.get("state", ""), params.get("term", ""), params.get("kind", "")
    if state and state not in STATES:
        raise BadFilter(f"알 수 없는 상태입니다: {state[:20]!r}")
    if term and not _TERM.match(term):
        raise BadFilter("낱말은 두 음절 이상의 한글이어야 합니다.")
    if kind and kind not in Kind.values:
        raise BadFilter(f"알 수 없는 채널입니다: {kind[:20]!r}")
    out = Slice(day=_day("day"), hour=hour, week=_day("week"), state=state, term=term, kind=kind)
    return Slice(**{**out.__dict__, "params": {k: params[k] for k in DRILL_KEYS if params.get(k)}})


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def queryset(f: Filters, s: Slice, now: datetime | None = None) -> QuerySet[Message]:
    """The messages the figure counts, with the same definitions as the rollups (dashboard/sql.py)."""
    now = now or timezone.now()
    qs = Message.objects.all()
    if s.state in ("open", "overdue"):
        # Figures of now: the period does not apply (as on the cards and the divisions table).
        qs = qs.filter(inbox.open_q() if s.state == "open" else inbox.overdue_q(now))
    else:
        if s.state == "answered_today":
            qs = qs.filter(answer__created_at__gte=_start(timezone.localdate(now)))
        else:
            if s.hour:
                first, last = s.hour, s.hour + timedelta(hours=1)
            elif s.day:
                first, last = _start(s.day), _start(s.day + timedelta(days=1))
            elif s.week:
                first, last = _start(s.week), _start(s.week + timedelta(days=7))
            else:
                first, last = _start(f.start), _start(f.end + timedelta(days=1))
            qs = qs.filter(posted_at__gte=first, posted_at__lt=last)
            qs = qs.filter(answer__isnull=False) if s.state == "answered" else qs.exclude(status=Status.SPAM)
    if f.platform:
        qs = qs.filter(platform=f.platform)
    if f.account_ids:
        qs = qs.filter(account_id__in=f.account_ids)
    if f.division_ids:
        qs = qs.filter(division_id__in=f.division_ids)
    if f.type:
        qs = qs.filter(type=f.type)
    if f.topic:
        qs = qs.filter(topic=f.topic)
    if s.kind:
        qs = qs.filter(kind=s.kind)
    if s.term:
        qs = qs.filter(search_vector=SearchQuery(s.term, config="simple"))
    return qs


# The lists of a state (open, overdue, answered) come from the dashboard's per-message row
# (MessageStat, exact through the triggers and indexed per state), newest arrival (id) first.
BY_STATE = ("open", "overdue", "answered")


def _state_ids(f: Filters, s: Slice, after_id: int | None, now: datetime) -> list[int]:
    ids = _ids(MessageStat.objects.filter(**{s.state: 1}), "message_id", f, s, after_id)
    if s.state == "overdue":
        # The rollup holds the overdue marks; those whose deadline passed since the deadline beat
        # last ran are overdue too (messages_app.selectors.overdue_q), merged in by id.
        ids = sorted(set(ids) | set(_lapsed_ids(f, s, after_id, now)), reverse=True)[:PAGE_SIZE + 1]
    return ids


def _lapsed_ids(f: Filters, s: Slice, after_id: int | None, now: datetime) -> list[int]:
    """The lapsed ones under the filters, read whole from their partial index (message_unmarked_due_idx:
    minutes' worth of rows) and filtered and ordered here: ordered or filtered in SQL, the planner,
    misjudging how few they are, walks the primary key backwards or the platform index instead.
    Only the filtered columns are read: an index-only scan unless kind (in no index) is filtered."""
    wanted = {column: values for column, values in (
        ("platform", [f.platform] if f.platform else []), ("account_id", f.account_ids),
        ("division_id", f.division_ids), ("type", [f.type] if f.type else []),
        ("topic", [f.topic] if f.topic else []), ("kind", [s.kind] if s.kind else [])) if values}
    rows = Message.objects.filter(inbox.lapsed_q(now)).order_by().values("id", *wanted)
    return sorted((r["id"] for r in rows if (after_id is None or r["id"] < after_id)
                   and all(r[column] in values for column, values in wanted.items())),
                  reverse=True)[:PAGE_SIZE + 1]


def _ids(qs, key: str, f: Filters, s: Slice, after_id: int | None) -> list[int]:
    """Newest first by id, the page's filters applied: `qs` is MessageStat or Message (same columns)."""
    if s.state == "answered":
        first, last = (s.day, s.day) if s.day else (s.week, s.week + timedelta(days=6)) if s.week \
            else (f.start, f.end)
        qs = qs.filter(day__gte=first, day__lte=last)
    for column, values in (("platform", [f.platform] if f.platform else []), ("account_id", f.account_ids),
                           ("division_id", f.division_ids), ("type", [f.type] if f.type else []),
                           ("topic", [f.topic] if f.topic else []), ("kind", [s.kind] if s.kind else [])):
        if values:
            qs = qs.filter(**{f"{column}__in": list(values)})
    if after_id is not None:
        qs = qs.filter(**{f"{key}__lt": after_id})
    return list(qs.order_by(f"-{key}").values_list(key, flat=True)[:PAGE_SIZE + 1])


def encode_cursor(message: Message) -> str:
    return f"{message.posted_at.isoformat()}_{message.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    if not value:
        return None
    moment, _, pk = value.rpartition("_")
    try:
        when = datetime.fromisoformat(moment)
        return (when if timezone.is_aware(when) else timezone.make_aware(when)), int(pk)
    except ValueError:
        raise BadFilter("다음 쪽 표시가 올바르지 않습니다.") from None


@dataclass
class Row:
    pk: int
    posted_at: datetime
    platform: str
    account: str
    kind: str
    type: str
    topic: str
    division: str
    status: str
    author: str
    text: str
    staff_url: str | None


def page(f: Filters, s: Slice, user, after: str = "", now: datetime | None = None
         ) -> tuple[list[Row], str | None]:
    """One page of rows and the cursor of the next (None on the last page)."""
    if s.state in BY_STATE and not s.term and not s.hour:
        return _page_by_state(f, s, user, after, now or timezone.now())
    qs = (queryset(f, s, now).select_related("account", "division")
          .only(*FIELDS)
          .order_by("-posted_at", "-pk"))
    cursor = decode_cursor(after)
    if cursor:
        # posted_at <= the cursor's apart from the OR: the index scan starts at the cursor (an index
        # condition) instead of walking the first pages again under a filter.
        qs = qs.filter(Q(posted_at__lte=cursor[0]),
                       Q(posted_at__lt=cursor[0]) | Q(posted_at=cursor[0], pk__lt=cursor[1]))
    messages = list(qs[:PAGE_SIZE + 1])
    more = len(messages) > PAGE_SIZE
    messages = messages[:PAGE_SIZE]
    rows = [_row(m, user) for m in messages]
    return rows, encode_cursor(messages[-1]) if more else None


def _page_by_state(f: Filters, s: Slice, user, after: str, now: datetime) -> tuple[list[Row], str | None]:
    after_id = None
    if after:
        try:
            after_id = int(after.removeprefix("id"))
        except ValueError:
            raise BadFilter("다음 쪽 표시가 올바르지 않습니다.") from None
    ids = _state_ids(f, s, after_id, now)
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    messages = (Message.objects.filter(pk__in=ids).select_related("account", "division")
                .only(*FIELDS).order_by("-pk"))
    rows = [_row(m, user) for m in messages]
    return rows, f"id{ids[-1]}" if more else None


FIELDS = ("pk", "posted_at", "platform", "kind", "type", "topic", "status", "author_name", "text", "is_private",
          "hidden_by_author", "division_id", "division__name_ko", "account_id", "account__display_name",
          "account__handle")


def _row(m: Message, user) -> Row:
    if m.is_private or m.hidden_by_author or m.kind in permissions.NEVER_PUBLIC_KINDS:
        # Never on the portal: not here either; the staff screen shows it to those who may read it.
        text = _("비공개 메시지입니다. 내용은 업무 화면에서 볼 수 있습니다.")
    else:
        text = masking.mask_head(m.text, PREVIEW_CHARS, names=[m.author_name])
    can_read = permissions.can(user, permissions.READ, m)
    return Row(pk=m.pk, posted_at=m.posted_at, platform=m.get_platform_display(),
               account=f"{m.account.display_name} (@{m.account.handle})" if m.account else "-",
               kind=m.get_kind_display(), type=m.get_type_display() or "-", topic=m.get_topic_display() or "-",
               division=m.division.name_ko if m.division else _("미배정"), status=m.get_status_display(),
               author=masking.mask_name(m.author_name), text=text,
               staff_url=f"/admin/messages_app/message/{m.pk}/change/" if can_read else None)
