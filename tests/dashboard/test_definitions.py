"""One definition of "open" and "overdue": the dashboard's figures per division equal what the staff
queue of each division holds at the same moment (the queue's open view, messages_app.selectors
.staff_queue), after messages move through every state the queues know."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import drilldown, selectors
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
    # Past their deadline a minute ago, not yet marked by the deadline beat (it runs every few minutes).
    Message.objects.filter(pk__in=[m.pk for m in messages[730:733]]).update(
        is_overdue=False, due_at=timezone.now() - timedelta(minutes=1))
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
    assert sum(o for o, _ in queues.values()) > 0 and sum(d for _, d in queues.values()) == 23
    for pk, counts in queues.items():
        assert dashboard.get(pk, (0, 0)) == counts


def test_the_overview_cards_equal_the_whole_queue(busy, make_staff):
    desk = make_staff("desk", roles.SMC_DESK)
    every = inbox.open_counts_by_division(inbox.staff_queue(desk, inbox.OPEN_VIEW))
    cards = selectors.overview(parse({}))["cards"]
    assert cards["open"] == sum(o for o, _ in every.values()) == 1000 - 10 - 10 - 10 - 10
    assert cards["overdue"] == sum(d for _, d in every.values()) == 23


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


def test_a_deadline_passed_before_the_beat_marks_it_is_overdue_on_every_screen(busy, make_staff, client, settings):
    """One message whose deadline has just passed, unmarked: the queue (its counts, its 기한 임박·초과
    view, its owner's notifications, the list filter), the dashboard (cards, divisions, drill-down),
    /metrics and the API count it overdue at the same moment; the beat's mark changes none of them."""
    from messages_app.services import escalation

    housing = Division.objects.get(code="housing-policy")
    head = make_staff("head-h", roles.DIVISION_HEAD, "housing-policy")
    m = Message.objects.filter(division=housing, status="assigned", due_at__isnull=True).first()
    Message.objects.filter(pk=m.pk).update(assignee=head)
    before = _dashboard_by_division()[housing.pk]
    now = timezone.now()
    Message.objects.filter(pk=m.pk).update(due_at=now - timedelta(seconds=30), is_overdue=False)
    assert Message.objects.filter(inbox.lapsed_q(timezone.now()), pk=m.pk).exists()

    def everywhere():
        queue = inbox.open_counts_by_division(inbox.staff_queue(head, inbox.OPEN_VIEW))[housing.pk]
        dashboard = _dashboard_by_division()[housing.pk]
        cards = selectors.overview(parse({"division": str(housing.pk)}))["cards"]
        overdue_list = drilldown.queryset(parse({}), drilldown.parse_slice({"state": "overdue"}))
        rows, _next = drilldown.page(parse({"division": str(housing.pk)}),
                                     drilldown.parse_slice({"state": "overdue"}), head)
        listed = {r.pk for r in rows}
        due_view = set(inbox.staff_queue(head, inbox.DUE).values_list("pk", flat=True))
        notified = {n.message_id for n in inbox.notifications(head, timezone.now()) if n.kind == inbox.OVERDUE}
        stats = client.get("/api/v1/stats/").json()["by_division"]
        api = {r["division"]: (r["open"], r["overdue"]) for r in stats}[housing.pk]
        return queue, dashboard, (cards["open"], cards["overdue"]), api, \
            m.pk in listed and overdue_list.filter(pk=m.pk).exists() and m.pk in due_view and m.pk in notified

    unmarked = everywhere()
    assert unmarked == ((before[0], before[1] + 1),) * 4 + (True,)
    settings.DEBUG = True
    metrics = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f'smc_messages_overdue{{division="housing-policy"}} {float(before[1] + 1)}' in metrics

    escalation.run()  # the beat marks it: the figures stay
    assert Message.objects.get(pk=m.pk).is_overdue
    assert everywhere() == unmarked
