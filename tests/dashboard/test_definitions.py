"""One definition of "open" and "overdue": the dashboard's figures per division equal what the staff
queue of each division holds at the same moment (the queue's open view, messages_app.selectors
.staff_queue), after messages move through every state the queues know."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import selectors
from dashboard.filters import parse
from departments.models import Division
from messages_app import selectors as inbox
from messages_app.models import Message
from users import roles

from .factories import answer, known_messages, transfer


@pytest.fixture
def busy(seeded):
    messages = known_messages()
    # Every open status, spam and hidden (not open), deadlines passed or not, an unassigned one.
    for i, status in enumerate(["received", "in_progress", "spam", "hidden", "closed"]):
        Message.objects.filter(pk__in=[m.pk for m in messages[100 * i + 50:100 * i + 60]]).update(status=status)
    Message.objects.filter(pk__in=[m.pk for m in messages[700:720]]).update(
        is_overdue=True, due_at=timezone.now() - timedelta(days=1))
    Message.objects.filter(pk__in=[m.pk for m in messages[720:725]]).update(division=None, status="received")
    for m in messages[800:810]:
        answer(m)
    for m in messages[900:905]:
        transfer(m, Division.objects.get(code="bus-policy"))
    return messages


def _dashboard_by_division(params=None):
    table = selectors.divisions(parse(params or {"period": "365"}))["tables"][0]
    names = {d.name_ko: d.pk for d in Division.objects.all()}
    keys = [c.key for c in table.columns]
    return {names.get(r[0]): (r[keys.index("open")], r[keys.index("overdue")]) for r in table.rows}


def test_open_and_overdue_per_division_equal_each_division_queue(busy, make_staff):
    dashboard = _dashboard_by_division()
    queues = {}
    for code in ("transport-policy", "housing-policy", "bus-policy"):
        head = make_staff(f"head-{code}", roles.DIVISION_HEAD, code)
        division = Division.objects.get(code=code)
        counts = inbox.open_counts_by_division(inbox.staff_queue(head, inbox.OPEN_VIEW))
        # The queue's open view holds exactly the messages the shared definition calls open.
        assert inbox.staff_queue(head, inbox.OPEN_VIEW).count() == sum(o for o, _ in counts.values())
        queues[division.pk] = counts.get(division.pk, (0, 0))
    assert queues[Division.objects.get(code="bus-policy").pk] == (5, 0)
    assert sum(o for o, _ in queues.values()) > 0 and sum(d for _, d in queues.values()) == 20
    for pk, counts in queues.items():
        assert dashboard.get(pk, (0, 0)) == counts


def test_the_overview_cards_equal_the_whole_queue(busy, make_staff):
    desk = make_staff("desk", roles.SMC_DESK)
    every = inbox.open_counts_by_division(inbox.staff_queue(desk, inbox.OPEN_VIEW))
    cards = selectors.overview(parse({}))["cards"]
    assert cards["open"] == sum(o for o, _ in every.values()) == 1000 - 10 - 10 - 10 - 10
    assert cards["overdue"] == sum(d for _, d in every.values()) == 20


def test_a_state_change_moves_both_at_once(busy, make_staff):
    housing = Division.objects.get(code="housing-policy")
    before = _dashboard_by_division()[housing.pk]
    m = Message.objects.filter(division=housing, status="assigned").first()
    Message.objects.filter(pk=m.pk).update(is_overdue=True)
    head = make_staff("head-h", roles.DIVISION_HEAD, "housing-policy")
    after = _dashboard_by_division()[housing.pk]
    assert after == (before[0], before[1] + 1)
    assert inbox.open_counts_by_division(inbox.staff_queue(head, inbox.OPEN_VIEW))[housing.pk] == after


def test_every_figure_says_what_it_counts(busy, admin_client):
    page = admin_client.get("/dashboard/").content.decode()
    assert inbox.OPEN_DEFINITION in page and inbox.OVERDUE_DEFINITION in page
    page = admin_client.get("/dashboard/divisions/").content.decode()
    assert inbox.OPEN_DEFINITION in page
