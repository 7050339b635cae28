"""The figures read from the rollups of issue 31's benchmark: the time to answer from its histogram
(median and 90%, approximate within a bucket), "answered today" from the answers per day, 만족도 from
the ratings counted per day, "open now" without a day. Each equals the figure counted from the base
tables after answers, transfers, status changes, ratings and deletions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dashboard import selectors
from dashboard.filters import parse
from dashboard.models import EDGES, AnswerDay, OpenNow
from dashboard.selectors import percentile
from departments.models import Division
from messages_app import selectors as inbox
from messages_app.models import Answer, Message
from portal.models import Rating

from .exactness import differences
from .factories import answer, known_messages, transfer


def test_percentile_reads_the_bucket_and_spreads_its_answers_evenly():
    counts = [0] * len(EDGES)
    assert percentile(counts, 0.5) is None
    counts[8] = 4  # four answers in [1, 1.25) working days
    assert percentile(counts, 0.5) == pytest.approx(1.125)
    assert percentile(counts, 1.0) == pytest.approx(1.25)
    counts[0] = 4  # and four in [0, 0.125): the median is the top of the first bucket
    assert percentile(counts, 0.5) == pytest.approx(0.125)
    counts[-1] = 100  # beyond the last edge: its lower edge
    assert percentile(counts, 0.9) == EDGES[-1]


@pytest.fixture
def answered(seeded):
    messages = known_messages(days_ago=25)
    # Times to answer spread from 1 hour to 20 days (calendar), all before now.
    for i, m in enumerate(messages[:300]):
        answer(m, hours=1 + (i * 37) % 480)
    return messages


def _exact(p, division=None):
    """percentile_cont over every answered message of the period (the figure before the histogram)."""
    where = "answered = 1" + (f" AND division_id = {int(division)}" if division else "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY working_days) "
                       f"FROM dashboard_messagestat WHERE {where}", [p])
        return cursor.fetchone()[0]


def _width(value):
    """The width of the bucket holding `value` (the approximation's bound)."""
    k = max(i for i, edge in enumerate(EDGES) if edge <= value)
    return EDGES[k + 1] - EDGES[k]


def test_the_median_and_90_percent_are_within_a_bucket_of_the_exact_ones(answered):
    cards = selectors.overview(parse({}))["cards"]
    exact = _exact(0.5)
    assert abs(cards["median_days"] - exact) <= _width(exact)
    table = selectors.divisions(parse({}))["tables"][0]
    keys = [c.key for c in table.columns]
    names = {d.name_ko: d.pk for d in Division.objects.all()}
    checked = 0
    for row in table.rows:
        pk = names.get(row[0])
        if row[keys.index("answered")]:
            for p, column in ((0.5, "median_days"), (0.9, "p90_days")):
                exact = _exact(p, pk)
                assert abs(row[keys.index(column)] - exact) <= _width(exact) + 0.01, (row[0], column)
                checked += 1
    assert checked == 4


def test_answered_today_follows_answers_given_and_removed(answered):
    today = timezone.localdate()

    def figure():
        return selectors.overview(parse({}))["cards"]["answered_today"]

    def counted():
        return Answer.objects.filter(created_at__date=today).count()

    assert figure() == counted()
    fresh = answered[400:405]
    for m in fresh:
        Answer.objects.create(message=m, division=m.division, author=Answer.objects.first().author, text="오늘 답변")
    assert figure() == counted() >= 5
    # A transfer moves it with its message; removing an answer takes it off.
    transfer(fresh[0], Division.objects.get(code="bus-policy"))
    Answer.objects.filter(message=fresh[1]).delete()
    assert figure() == counted()
    by_division = dict(AnswerDay.objects.filter(day=today).values_list("division_id", "answered"))
    assert by_division.get(Division.objects.get(code="bus-policy").pk) == 1
    assert not differences()


def test_satisfaction_follows_ratings_given_changed_and_removed(answered):
    def page():
        return selectors.satisfaction(parse({}), "division")

    def portal():
        return {r["id"]: (r["average"], round(100 * r["satisfied_share"], 1), r["count"])
                for r in inbox.satisfaction("division")}

    assert page() == portal() == {}
    for i, m in enumerate(answered[:40]):
        Rating.objects.create(message=m, score=1 + i % 5)
    assert page() == portal() and sum(n for _a, _s, n in page().values()) == 40
    Rating.objects.filter(message__in=answered[:10]).update(score=5)
    Rating.objects.filter(message__in=answered[10:15]).delete()
    transfer(answered[20], Division.objects.get(code="bus-policy"))
    answered[21].delete()
    assert page() == portal() and sum(n for _a, _s, n in page().values()) == 34
    assert selectors.satisfaction(parse({}), "all")[None][2] == 34
    assert not differences()


def test_open_now_follows_status_changes_and_transfers(answered):
    def now_open():
        return {k: v for k, v in selectors.open_now(parse({})).items() if any(v)}

    def queues():
        return {k: v for k, v in inbox.open_counts_by_division().items() if any(v)}

    assert now_open() == queues()
    rest = answered[500:520]
    Message.objects.filter(pk__in=[m.pk for m in rest[:5]]).update(status="closed")
    Message.objects.filter(pk__in=[m.pk for m in rest[5:10]]).update(
        is_overdue=True, due_at=timezone.now() - timedelta(days=1))
    transfer(rest[10], Division.objects.get(code="bus-policy"))
    rest[11].delete()
    assert now_open() == queues()
    total = sum(OpenNow.objects.values_list("open", flat=True))
    assert total == Message.objects.filter(inbox.open_q()).count()
    assert not differences()
