"""/api/v1/stats/ says how many messages are open and overdue now, overall and per division, with
the staff queues' and the dashboard's definition (messages_app.selectors): the figures are equal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import selectors as dashboard
from dashboard.filters import parse
from messages_app import selectors as inbox
from messages_app.models import Status
from tests import factories
from users import roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def backlog(seeded):
    now = timezone.now()
    factories.routed("bus-policy", due_at=now + timedelta(days=2))
    factories.routed("bus-policy", due_at=now - timedelta(days=1), is_overdue=True)
    # Past its deadline a minute ago; the deadline beat has not marked it yet.
    factories.routed("bus-policy", due_at=now - timedelta(minutes=1), is_overdue=False)
    factories.routed("parks", status=Status.IN_PROGRESS, is_private=True)  # private: counted, never shown
    factories.routed("parks", status=Status.ANSWERED, due_at=now - timedelta(days=1), is_overdue=True)
    factories.routed("parks", status=Status.SPAM)
    factories.message(status=Status.RECEIVED, due_at=now - timedelta(hours=1))  # not routed yet
    return now


def test_open_and_overdue_overall_and_per_division(api, backlog):
    stats = api.get("/api/v1/stats/").json()
    by_division = {row["division"]: (row["open"], row["overdue"]) for row in stats["by_division"]}
    bus, parks = factories.division("bus-policy").pk, factories.division("parks").pk
    assert by_division == {bus: (3, 2), parks: (1, 0), None: (1, 1)}
    assert (stats["open"], stats["overdue"]) == (5, 3)


def test_the_api_figures_equal_the_dashboard_and_the_queues(api, backlog, make_staff):
    stats = api.get("/api/v1/stats/").json()
    api_figures = {row["division"]: (row["open"], row["overdue"]) for row in stats["by_division"]}
    assert api_figures == dashboard.open_now()
    cards = dashboard.overview(parse({}))["cards"]
    assert (stats["open"], stats["overdue"]) == (cards["open"], cards["overdue"])
    desk = make_staff("desk", roles.SMC_DESK)
    assert api_figures == inbox.open_counts_by_division(inbox.staff_queue(desk, inbox.OPEN_VIEW))


def test_the_schema_documents_the_figures(api, seeded):
    schema = api.get("/api/schema/?format=json").json()
    statistics = schema["components"]["schemas"]["Statistics"]
    assert {"open", "overdue", "by_division"} <= set(statistics["required"])
    assert inbox.OPEN_DEFINITION in statistics["properties"]["open"]["description"]
    backlog = schema["components"]["schemas"]["BacklogByDivision"]["properties"]
    assert inbox.OVERDUE_DEFINITION in backlog["overdue"]["description"]
