"""The figures of each dashboard page, read from the rollups (or, for the benchmark and the tests,
the same figures by GROUP BY over the raw message table: `Source(raw=True)`).

Each page runs a fixed number of queries whatever the data or the filters.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Choices
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account, Platform
from departments.models import Division, MessageType, Topic
from messages_app import selectors as inbox
from messages_app.models import Kind, Message

from . import sql
from .filters import Filters, parse
from .models import ANSWER_TIMES, EDGES
from .tables import Column, Table, share

# The mayor's account in 2012: 119,268 messages (Seoul Social Media Center).
BASELINE_2012_TOTAL = 119_268
BASELINE_2012_PER_DAY = 800  # "800건 이상"
BASELINE_2012_TYPES = {"support": 76.3, "complaint": 2.4, "opinion": 21.3}
BASELINE_2012_TOPICS = {"transport": 32.4, "safety": 20.3, "housing": 11.4, "culture": 10.5}


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class Source:
    """Where the figures come from: the rollups (pages) or the raw tables (baseline). Each source
    is `FROM … WHERE …` text (the dimension filters are ANDed on) and its parameters."""

    def __init__(self, raw: bool = False):
        self.raw = raw

    def _contribution(self, where: str, params: list) -> tuple[str, list]:
        rows = sql.with_extras(f"SELECT *, 1 AS s FROM ({sql.contribution(where)}) c")
        return f"{rows} s WHERE true", params

    def daily(self, first: date, last: date, f: Filters | None = None, *, by_account: bool = False
              ) -> tuple[str, list]:
        """Per day: DailyTotal (no account) unless `f` filters by account or the query groups by it."""
        if self.raw:
            return self._contribution("WHERE m.posted_at >= %s AND m.posted_at < %s",
                                      [_start(first), _start(last + timedelta(days=1))])
        return f"{self._day_table(f, by_account)} s WHERE s.day BETWEEN %s AND %s", [first, last]

    @staticmethod
    def _day_table(f: Filters | None, by_account: bool) -> str:
        return "dashboard_dailystat" if by_account or f is None or f.account_ids else "dashboard_dailytotal"

    def hourly(self, since: datetime) -> tuple[str, list]:
        if self.raw:
            return self._contribution("WHERE m.posted_at >= %s", [since])
        return "dashboard_hourlystat s WHERE s.hour >= %s", [since]

    def now_open(self) -> tuple[str, list]:
        if self.raw:
            return self._contribution(f"WHERE m.status IN {sql.OPEN}", [])
        return "dashboard_opennow s WHERE (s.open > 0 OR s.overdue > 0)", []

    def answered_on(self, day: date) -> tuple[str, list]:
        """Rows whose sum(s.answered) is the number of answers given that day."""
        if self.raw:
            return self._contribution("WHERE a.created_at >= %s AND a.created_at < %s",
                                      [_start(day), _start(day + timedelta(days=1))])
        return "dashboard_answerday s WHERE s.day = %s", [day]

    def transfers(self, first: date, last: date) -> tuple[str, list]:
        table = f"({sql.RAW_TRANSFERS}) s" if self.raw else "dashboard_transferday s"
        return f"{table} WHERE s.day BETWEEN %s AND %s", [first, last]

    def terms(self, weeks: list[date]) -> tuple[str, list]:
        if self.raw:
            first, last = min(weeks), max(weeks) + timedelta(days=7)
            rows = ("(SELECT *, 1 AS s FROM messages_app_message WHERE posted_at >= %s AND posted_at < %s)")
            inner = sql._TERM_ROWS.format(rows=rows)
            return (f"(SELECT week, topic, term, sum(s) AS n FROM ({inner}) x GROUP BY 1, 2, 3) s "
                    "WHERE s.week = ANY(%s)", [_start(first), _start(last), weeks])
        return "dashboard_termweek s WHERE s.week = ANY(%s)", [weeks]


def _dims(f: Filters, *, division_column: str = "s.division_id",
          only: tuple[str, ...] | None = None) -> tuple[str, list]:
    """AND-clauses of the dimension filters."""
    clauses: list[str] = []
    params: list[Any] = []
    wanted = only or ("platform", "account", "division", "type", "topic")
    if "platform" in wanted and f.platform:
        clauses.append("s.platform = %s")
        params.append(f.platform)
    if "account" in wanted and f.account_ids:
        clauses.append("s.account_id = ANY(%s)")
        params.append(list(f.account_ids))
    if "division" in wanted and f.division_ids:
        clauses.append(f"{division_column} = ANY(%s)")
        params.append(list(f.division_ids))
    if "type" in wanted and f.type:
        clauses.append("s.type = %s")
        params.append(f.type)
    if "topic" in wanted and f.topic:
        clauses.append("s.topic = %s")
        params.append(f.topic)
    return "".join(f" AND {c}" for c in clauses), params


def _query(source_sql: tuple[str, list], select: str, f: Filters, tail: str = "", **dims: Any) -> list[tuple]:
    src, params = source_sql
    where, dim_params = _dims(f, **dims)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {src}{where} {tail}", [*params, *dim_params])
        return cursor.fetchall()


def _label(choices: type[Choices], value: str | None) -> str:
    if not value:
        return _("미분류")
    try:
        # The models' labels are plain Korean; their English is in the dashboard's catalogue.
        return _(str(choices(value).label))
    except ValueError:
        return value


# --- "open" and "overdue" now (messages_app.selectors' definitions) ------------------------------

def open_now(f: Filters | None = None, source: Source | None = None, now: datetime | None = None
             ) -> dict[int | None, tuple[int, int]]:
    """{division_id: (open, overdue)} at `now` under the page's dimension filters (not its period).
    The rollups count the open messages and the overdue ones the deadline beat has marked; the few
    whose deadline passed since the beat last ran (messages_app.selectors.lapsed_q) are added from
    the message table, so the figure equals what the staff queues show at the same moment."""
    source = source or Source()
    now = now or timezone.now()
    f = f or parse({})
    counts = {r[0]: [r[1] or 0, r[2] or 0] for r in _query(
        source.now_open(), "s.division_id, sum(s.open), sum(s.overdue)", f, "GROUP BY 1")}
    # The lapsed rows are few (minutes' worth) and read whole from the covering partial index
    # message_unmarked_due_idx; the page's filters are applied here, because with them in the query the
    # planner, misjudging how few rows the index holds, intersects it with the large platform index.
    # Unordered: the model's default order (by posting time) would have the planner sort a parallel scan.
    lapsed = Message.objects.filter(inbox.lapsed_q(now)).order_by()
    for division_id, platform, account_id, type_, topic in lapsed.values_list(
            "division_id", "platform", "account_id", "type", "topic"):
        if (not f.division_ids or division_id in f.division_ids) and _passes(f, platform, account_id, type_, topic):
            counts.setdefault(division_id, [0, 0])[1] += 1
    return {pk: (o, d) for pk, (o, d) in counts.items() if o or d}


def _passes(f: Filters, platform: str, account_id: int | None, type_: str, topic: str) -> bool:
    """Whether one message's dimensions pass the page's filters (as _dims filters)."""
    return ((not f.platform or platform == f.platform) and (not f.account_ids or account_id in f.account_ids)
            and (not f.type or type_ == f.type) and (not f.topic or topic == f.topic))


def satisfaction(f: Filters, group_by: str, source: Source | None = None
                 ) -> dict[int | None, tuple[float, float, int]]:
    """만족도 of the messages posted in the period under the page's filters, per division or account
    ("all": one figure, key None): {id: (average 1–5, % of 4s and 5s, ratings)}, the figures and
    rounding of messages_app.selectors.satisfaction (the portal's), counted in the rollups."""
    source = source or Source()
    key = {"division": "s.division_id", "account": "s.account_id", "all": "NULL::bigint"}[group_by]
    rows = _query(source.daily(f.start, f.end, f, by_account=group_by == "account"),
                  f"{key}, sum(s.rated), sum(s.rating_sum), sum(s.satisfied)", f, "GROUP BY 1")
    return {pk: _rating(rated, total, satisfied) for pk, rated, total, satisfied in rows if rated}


def _rating(rated: int, total: int, satisfied: int) -> tuple[float, float, int]:
    return round(total / rated, 2), round(100 * round(satisfied / rated, 3), 1), rated


SATISFACTION_COLUMNS = ["satisfaction", "satisfied_share", "ratings"]
NO_RATING = (None, None, 0)


def _satisfaction_columns() -> list[Column]:
    return [Column("satisfaction", _("만족도 평균 (1~5)")),
            Column("satisfied_share", _("만족 % (4·5점)"), percent=True),
            Column("ratings", _("만족도 평가 수"))]


# --- 1. overview ---------------------------------------------------------------------------------

def overview(f: Filters, source: Source | None = None, now: datetime | None = None) -> dict:
    source = source or Source()
    now = now or timezone.now()
    today = timezone.localdate(now)
    daily = daily_table(f, source, today)
    cards = _inflow_cards(daily, today)
    by_division = open_now(f, source, now)
    opened = (sum(o for o, _d in by_division.values()), sum(d for _o, d in by_division.values()))
    answered_today = _query(source.answered_on(today), "coalesce(sum(s.answered), 0)", f)[0][0]
    median = percentile(answer_times(f, source).get(None, []), 0.5)
    cards.update(open=opened[0], overdue=opened[1], answered_today=answered_today,
                 median_days=_round(median))
    breakdowns = breakdown_tables(f, source)
    tables = [
        baseline_table(f, breakdowns),
        hourly_table(f, source, now),
        daily,
        platform_daily_table(f, source),
        *breakdowns,
    ]
    return {"cards": cards, "tables": tables}


def baseline_table(f: Filters, breakdowns: list[Table]) -> Table:
    """The seed's 2012 figures for the mayor's account beside the period's own (same filters)."""
    by_key = {t.key: t for t in breakdowns}
    total = sum(row[1] for row in by_key["platform"].rows)
    days = (f.end - f.start).days + 1
    rows: list[list] = [
        [_("메시지 수 (건)"), BASELINE_2012_TOTAL, total],
        [_("하루 평균 (건)"), BASELINE_2012_PER_DAY, round(total / days, 1)],
    ]
    drill: list[dict | None] = [{}, None]
    for key, baseline in (("types", BASELINE_2012_TYPES), ("topics", BASELINE_2012_TOPICS)):
        choices = MessageType if key == "types" else Topic
        param = "type" if key == "types" else "topic"
        shares = {row[0]: row[2] for row in by_key[key].rows}
        for value, pct in baseline.items():
            label = _label(choices, value)
            rows.append([_("%(label)s 비율 (%%)") % {"label": label}, pct, shares.get(label)])
            drill.append({param: value})
    return Table("baseline", _("2012년 기준과 이번 기간"),
                 [Column("figure", _("항목"), numeric=False),
                  Column("share_2012", _("2012년 시장 계정")),
                  Column("period", _("이번 기간 %(start)s~%(end)s") % {"start": f.start, "end": f.end})],
                 rows, drill=drill,
                 note=_("2012년: 시장 계정 메시지 %(total)s건, 하루 %(per_day)s건 이상. "
                        "이번 기간 하루 평균은 %(days)s일로 나눈 값입니다.") % {
                     "total": f"{BASELINE_2012_TOTAL:,}", "per_day": BASELINE_2012_PER_DAY, "days": days})


def platform_daily_table(f: Filters, source: Source) -> Table:
    """Inflow per day (per week beyond 92 days) of the period and platform: drawn as small multiples,
    one per platform, on one scale."""
    weekly = (f.end - f.start).days >= 92
    bucket = WEEK if weekly else "s.day"
    rows = _query(source.daily(f.start, f.end, f), f"{bucket}, s.platform, sum(s.received)", f, "GROUP BY 1, 2")
    platforms = [p for p in Platform.values if any(r[1] == p and r[2] for r in rows)]
    counts = {(day, p): n for day, p, n in rows}
    if weekly:
        first = f.start - timedelta(days=f.start.weekday())
        buckets = [first + timedelta(days=7 * i) for i in range((f.end - first).days // 7 + 1)]
    else:
        buckets = [f.start + timedelta(days=i) for i in range((f.end - f.start).days + 1)]
    key = "week" if weekly else "day"
    return Table("platform_daily", _("플랫폼별 주별 유입") if weekly else _("플랫폼별 일별 유입"),
                 [Column(key, _("주") if weekly else _("날짜"), numeric=False),
                  *[Column(p, _label(Platform, p)) for p in platforms]],
                 [[d.isoformat(), *[counts.get((d, p), 0) for p in platforms]] for d in buckets],
                 chart="multiples", drill=[{key: d.isoformat()} for d in buckets],
                 cell_drill={p: {"platform": p} for p in platforms})


def _inflow_cards(daily: Table, today: date) -> dict:
    """Today, 7 and 30 days against the period before, from the per-day series (90 days ≥ 60)."""
    per_day = {date.fromisoformat(day): n for day, n in daily.rows}

    def total(first: date, last: date) -> int:
        return sum(per_day.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1))

    windows = {"today": (today, today), "yesterday": (today - timedelta(days=1),) * 2,
               "d7": (today - timedelta(days=6), today),
               "d7_prev": (today - timedelta(days=13), today - timedelta(days=7)),
               "d30": (today - timedelta(days=29), today),
               "d30_prev": (today - timedelta(days=59), today - timedelta(days=30))}
    values = {name: total(a, b) for name, (a, b) in windows.items()}
    cards = {}
    for name, previous in (("today", "yesterday"), ("d7", "d7_prev"), ("d30", "d30_prev")):
        now_, before = values[name], values[previous]
        change = round(100.0 * (now_ - before) / before, 1) if before else None
        cards[name] = {"value": now_, "previous": before, "change": change}
    return cards


def hourly_table(f: Filters, source: Source, now: datetime) -> Table:
    first = (now - timedelta(hours=47)).replace(minute=0, second=0, microsecond=0)
    rows = dict(_query(source.hourly(first), "s.hour, sum(s.received)", f, "GROUP BY 1"))
    series, drill = [], []
    for i in range(48):
        hour = first + timedelta(hours=i)
        series.append([timezone.localtime(hour).strftime("%m-%d %H시"), rows.get(hour, 0)])
        drill.append({"hour": timezone.localtime(hour).isoformat()})
    return Table("hourly", _("최근 48시간 시간별 유입"),
                 [Column("hour", _("시각"), numeric=False), Column("received", _("유입"))],
                 series, chart="bars", drill=drill)


def daily_table(f: Filters, source: Source, today: date, days: int = 90) -> Table:
    first = today - timedelta(days=days - 1)
    rows = dict(_query(source.daily(first, today, f), "s.day, sum(s.received)", f, "GROUP BY 1"))
    series = [[(first + timedelta(days=i)).isoformat(), rows.get(first + timedelta(days=i), 0)]
              for i in range(days)]
    return Table("daily", _("최근 %(days)d일 일별 유입") % {"days": days},
                 [Column("day", _("날짜"), numeric=False), Column("received", _("유입"))],
                 series, chart="bars", drill=[{"day": day} for day, _n in series])


def breakdown_tables(f: Filters, source: Source) -> list[Table]:
    """Platform, channel, type and topic shares of the period, in one GROUPING SETS query."""
    rows = _query(source.daily(f.start, f.end, f),
                  "s.platform, s.kind, s.type, s.topic, GROUPING(s.platform, s.kind, s.type, s.topic), "
                  "sum(s.received)", f,
                  "GROUP BY GROUPING SETS ((s.platform), (s.kind), (s.type), (s.topic), ())")
    by: dict[str, dict[str, int]] = {"platform": {}, "kind": {}, "type": {}, "topic": {}}
    total = 0
    for platform, kind, type_, topic, grouping, n in rows:
        if grouping == 0b0111:
            by["platform"][platform] = n
        elif grouping == 0b1011:
            by["kind"][kind] = n
        elif grouping == 0b1101:
            by["type"][type_] = n
        elif grouping == 0b1110:
            by["topic"][topic] = n
        elif grouping == 0b1111:
            total = n
    count = [Column("received", _("유입")), Column("share", _("비율 %"), percent=True)]

    def simple(key: str, title: str, column: str, values: dict[str, int], choices: type[Choices],
               param: str) -> Table:
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        return Table(key, title, [Column(key, column, numeric=False), *count],
                     [[_label(choices, k), n, share(n, total)] for k, n in ordered], chart="hbars",
                     drill=[{param: k} if k else None for k, _n in ordered])

    classified = sum(n for k, n in by["type"].items() if k)
    with_topic = sum(n for k, n in by["topic"].items() if k)
    baseline = [Column("share_2012", _("2012년 시장 계정 %"), percent=True)]
    types = Table("types", _("유형별 비율"),
                  [Column("type", _("유형"), numeric=False), *count, *baseline],
                  [[_label(MessageType, t), by["type"].get(t, 0), share(by["type"].get(t, 0), classified),
                    BASELINE_2012_TYPES.get(t)] for t in MessageType.values],
                  note=_("분류된 %(classified)s건 기준, 미분류 %(unclassified)s건") % {
                      "classified": f"{classified:,}", "unclassified": f"{by['type'].get('', 0):,}"}, chart="hbars",
                  drill=[{"type": t} for t in MessageType.values])
    topics = Table("topics", _("주제별 비율"),
                   [Column("topic", _("주제"), numeric=False), *count, *baseline],
                   [[_label(Topic, t), by["topic"].get(t, 0), share(by["topic"].get(t, 0), with_topic),
                     BASELINE_2012_TOPICS.get(t)] for t in Topic.values],
                   note=_("주제가 있는 %(n)s건 기준") % {"n": f"{with_topic:,}"}, chart="hbars",
                   drill=[{"topic": t} for t in Topic.values])
    return [simple("platform", _("플랫폼별 유입"), _("플랫폼"), by["platform"], Platform, "platform"),
            simple("channel", _("채널별 유입"), _("채널"), by["kind"], Kind, "kind"),
            types, topics]


# --- 2. the mayor's accounts ---------------------------------------------------------------------

def mayor_account_ids() -> list[int]:
    return list(Account.objects.filter(is_mayor=True).order_by("pk").values_list("pk", flat=True))


def mayor(f: Filters, source: Source | None = None, now: datetime | None = None) -> dict:
    source = source or Source()
    ids = [i for i in mayor_account_ids() if not f.account_ids or i in f.account_ids]
    scoped = f.with_accounts(ids or [0])
    page = overview(scoped, source, now)
    page["tables"].insert(0, accounts_table(scoped, source, key="mayor_accounts",
                                            title=_("시장 계정별 유입")))
    page["filters"] = scoped  # its links open the mayor's accounts' messages, as its figures count
    return page


# --- 3. divisions --------------------------------------------------------------------------------

DIVISION_SORTS = ["division", "received", "answered", "in_time_share", "median_days", "p90_days",
                  *SATISFACTION_COLUMNS, "open", "overdue", "transfers_out"]


def divisions(f: Filters, source: Source | None = None, sort: str = "received", desc: bool = True,
              now: datetime | None = None) -> dict:
    source = source or Source()
    counts, rated = {}, {}
    for pk, received, answered, in_time, with_deadline, n_rated, rating_sum, satisfied in _query(
            source.daily(f.start, f.end, f),
            "s.division_id, sum(s.received), sum(s.answered), sum(s.in_time), sum(s.with_deadline), "
            "sum(s.rated), sum(s.rating_sum), sum(s.satisfied)", f, "GROUP BY 1"):
        counts[pk] = (received, answered, in_time, with_deadline)
        if n_rated:
            rated[pk] = _rating(n_rated, rating_sum, satisfied)
    times = {pk: (percentile(hist, 0.5), percentile(hist, 0.9))
             for pk, hist in answer_times(f, source, "s.division_id").items()}
    now_open = open_now(f, source, now)
    transfers = dict(_query(source.transfers(f.start, f.end), "s.from_division_id, sum(s.n)", f,
                            "GROUP BY 1", division_column="s.from_division_id", only=("division",)))
    names = {d.pk: d.name_ko for d in Division.objects.only("pk", "name_ko")}
    ids = set(counts) | set(times) | {k for k, v in now_open.items() if any(v)} | set(transfers) | set(rated)
    if f.division_ids:
        ids &= set(f.division_ids)
    rows, links = [], []
    for pk in ids:
        received, answered, in_time, with_deadline = counts.get(pk, (0, 0, 0, 0))
        median, p90 = times.get(pk, (None, None))
        open_count, overdue_count = now_open.get(pk, (0, 0))
        rows.append([names.get(pk, _("미배정")) if pk else _("미배정"), received, answered,
                     share(in_time, with_deadline), _round(median), _round(p90), *rated.get(pk, NO_RATING),
                     open_count, overdue_count,
                     transfers.get(pk, 0)])
        links.append({"division": str(pk)} if pk else None)
    column = DIVISION_SORTS.index(sort) if sort in DIVISION_SORTS else 1
    order = sorted(range(len(rows)), key=lambda i: (rows[i][column] is None, rows[i][column]
                                                   if rows[i][column] is not None else 0, rows[i][0]))
    if desc:
        nones = [i for i in order if rows[i][column] is None]
        order = [i for i in order if rows[i][column] is not None][::-1] + nones
    table = Table(
        "divisions", _("부서별 처리 현황"),
        [Column("division", _("부서"), numeric=False), Column("received", _("접수")),
         Column("answered", _("답변")),
         Column("in_time_share", _("기한 내 답변 %"), percent=True),
         Column("median_days", _("답변 소요 중앙값, 근무일")),
         Column("p90_days", _("답변 소요 90%, 근무일")),
         *_satisfaction_columns(),
         Column("open", _("현재 처리 중")), Column("overdue", _("현재 기한 초과")),
         Column("transfers_out", _("이관"))],
        [rows[i] for i in order], drill=[links[i] for i in order], sortable=True,
        cell_drill={"answered": {"state": "answered"}, "open": {"state": "open"}, "overdue": {"state": "overdue"}},
        note=_("이관은 기간과 부서 필터만 적용됩니다."))
    return {"tables": [table]}


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def answer_times(f: Filters, source: Source, group: str | None = None) -> dict[Any, list[int]]:
    """{group: answers of the period per bucket of ANSWER_TIMES} (key None without `group`): the
    rollups' histogram columns summed, or the raw rows grouped by their bucket (grouped, so that the
    bucket, and the working days under it, is computed once per row)."""
    key = group or "NULL::bigint"
    out: dict[Any, list[int]] = {}
    if source.raw:
        for pk, bucket, n in _query(source.daily(f.start, f.end, f), f"{key}, s.wb, count(*)", f, "GROUP BY 1, 2"):
            if bucket is not None:
                out.setdefault(pk, [0] * len(ANSWER_TIMES))[bucket] = n
        return out
    for pk, *hist in _query(source.daily(f.start, f.end, f), f"{key}, " + ", ".join(
            f"sum(s.{c})" for c in ANSWER_TIMES), f, "GROUP BY 1"):
        if any(hist):
            out[pk] = hist
    return out


def percentile(counts: list[int] | tuple[int, ...], p: float) -> float | None:
    """The p-quantile of the time to answer from its histogram (counts per bucket of models.EDGES):
    the bucket holding it, the answers taken as spread evenly across the bucket (the last bucket,
    open above, gives its lower edge). None without answers."""
    total = sum(n or 0 for n in counts)
    if not total:
        return None
    rank, before = p * total, 0
    for k, n in enumerate(counts):
        n = n or 0
        if n and before + n >= rank:
            if k == len(EDGES) - 1:
                return float(EDGES[k])
            return EDGES[k] + (EDGES[k + 1] - EDGES[k]) * (rank - before) / n
        before += n
    return float(EDGES[-1])  # pragma: no cover - the loop returns by the last counted bucket


# --- 4. topics and words -------------------------------------------------------------------------

def words(f: Filters, source: Source | None = None, limit: int = 30) -> dict:
    source = source or Source()
    this_week = f.end - timedelta(days=f.end.weekday())
    last_week = this_week - timedelta(days=7)
    rows = _terms(source, f, this_week, last_week, limit)
    rising = Table(
        "rising_words", _("이번 주 늘어난 낱말 (%(week)s 주)") % {"week": this_week},
        [Column("term", _("낱말"), numeric=False), Column("this_week", _("이번 주")),
         Column("last_week", _("지난주")), Column("change", _("증감"))],
        [[t, now_, before, now_ - before] for t, now_, before in rows],
        drill=[{"term": t, "week": this_week.isoformat()} for t, *_ in rows],
        note=_("메시지 수 기준, 주제 필터만 적용됩니다."))
    return {"tables": [rising, *share_over_time(f, source)]}


def _terms(source: Source, f: Filters, this_week: date, last_week: date, limit: int) -> list[tuple]:
    src, params = source.terms([this_week, last_week])
    where, dim_params = _dims(f, only=("topic",))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT term, now, before FROM (SELECT s.term, "
            f"coalesce(sum(s.n) FILTER (WHERE s.week = %s), 0) AS now, "
            f"coalesce(sum(s.n) FILTER (WHERE s.week = %s), 0) AS before "
            f"FROM {src}{where} GROUP BY 1) t WHERE now >= 2 AND now > before "
            f"ORDER BY now - before DESC, now DESC, term LIMIT %s",
            [this_week, last_week, *params, *dim_params, limit])
        return cursor.fetchall()


WEEK = "date_trunc('week', s.day)::date"


def share_over_time(f: Filters, source: Source) -> list[Table]:
    rows = _query(source.daily(f.start, f.end, f),
                  f"{WEEK}, s.type, s.topic, GROUPING(s.type, s.topic), sum(s.received)", f,
                  f"GROUP BY GROUPING SETS (({WEEK}, s.type), ({WEEK}, s.topic)) ORDER BY 1")
    weeks = sorted({r[0] for r in rows})
    totals = {(w, g): 0 for w in weeks for g in ("type", "topic")}
    by_type, by_topic = {}, {}
    for week, type_, topic, grouping, n in rows:
        if grouping == 0b01 and type_:
            by_type[(week, type_)] = n
            totals[(week, "type")] += n
        elif grouping == 0b10 and topic:
            by_topic[(week, topic)] = n
            totals[(week, "topic")] += n
    types = Table("type_share_weekly", _("주별 유형 비율 %"),
                  [Column("week", _("주"), numeric=False),
                   *[Column(t, _label(MessageType, t), percent=True) for t in MessageType.values]],
                  [[w.isoformat(), *[share(by_type.get((w, t), 0), totals[(w, "type")]) for t in MessageType.values]]
                   for w in weeks], drill=[{"week": w.isoformat()} for w in weeks],
                  cell_drill={t: {"type": t} for t in MessageType.values})
    topics = Table("topic_share_weekly", _("주별 주제 비율 %"),
                   [Column("week", _("주"), numeric=False),
                    *[Column(t, _label(Topic, t), percent=True) for t in Topic.values]],
                   [[w.isoformat(), *[share(by_topic.get((w, t), 0), totals[(w, "topic")]) for t in Topic.values]]
                    for w in weeks], drill=[{"week": w.isoformat()} for w in weeks],
                   cell_drill={t: {"topic": t} for t in Topic.values})
    return [types, topics]


# --- 5. accounts ---------------------------------------------------------------------------------

def accounts_table(f: Filters, source: Source, key: str = "accounts",
                   title: str = _("계정별 유입")) -> Table:
    counts, rated = {}, {}
    for pk, received, answered, n_rated, rating_sum, satisfied in _query(
            source.daily(f.start, f.end, f, by_account=True),
            "s.account_id, sum(s.received), sum(s.answered), sum(s.rated), sum(s.rating_sum), sum(s.satisfied)",
            f, "GROUP BY 1"):
        counts[pk] = (received, answered)
        if n_rated:
            rated[pk] = _rating(n_rated, rating_sum, satisfied)
    accounts = Account.objects.select_related("owner_division").order_by("platform", "handle")
    if f.account_ids:
        accounts = accounts.filter(pk__in=f.account_ids)
    if f.platform:
        accounts = accounts.filter(platform=f.platform)
    rows: list[list] = []
    drill: list[dict | None] = []
    for a in accounts:
        drill.append({"account": str(a.pk)})
        received, answered = counts.get(a.pk, (0, 0))
        rows.append([f"{a.display_name} (@{a.handle})", a.get_platform_display(), received, answered,
                     *rated.get(a.pk, NO_RATING), a.follower_count, _when(a.last_polled_at), a.get_status_display(),
                     f"{_when(a.last_error_at)} {a.last_error[:120]}".strip() if a.last_error else ""])
    if not f.account_ids and not f.platform and None in counts:
        received, answered = counts[None]
        rows.append([_("계정 없음: 전화·웹"), "-", received, answered, *rated.get(None, NO_RATING), None, "", "", ""])
        drill.append(None)
    return Table(key, title, [
        Column("account", _("계정"), numeric=False), Column("platform", _("플랫폼"), numeric=False),
        Column("received", _("유입")), Column("answered", _("답변")), *_satisfaction_columns(),
        Column("followers", _("팔로워")), Column("last_poll", _("마지막 수집"), numeric=False),
        Column("status", _("상태"), numeric=False),
        Column("last_error", _("마지막 오류"), numeric=False),
    ], rows, sortable=True, drill=drill, cell_drill={"answered": {"state": "answered"}})


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def accounts(f: Filters, source: Source | None = None) -> dict:
    return {"tables": [accounts_table(f, source or Source())]}


PAGES = {"overview": overview, "mayor": mayor, "divisions": divisions, "words": words, "accounts": accounts}
