"""Issue 30, item 7: the demo data is honest."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from dashboard import demo as history
from messages_app import demo
from messages_app.models import Answer, Message
from messages_app.services import pipeline
from messages_app.services.workflow import OPEN_STATUSES
from tests.factories import staff
from textkit import korean

pytestmark = pytest.mark.django_db


def test_the_staff_demo_goes_through_the_pipeline_and_gives_each_division_a_real_queue(seeded):
    staff("traffic", "transport-policy")
    desk = staff("desk", "new-media", role="SMC 데스크")
    now = timezone.now()
    stored = demo.seed(n=240, days=14, now=now)
    assert stored == 240 and demo.seed(n=240) == 0  # once
    rows = Message.objects.filter(external_id__startswith=demo.PREFIX)
    assert not rows.filter(posted_at__gt=now).exists() and not rows.filter(received_at__gt=now).exists()
    assert all(m.is_simulated for m in rows)
    private = rows.filter(is_private=True).count()
    assert 0 < private < 0.1 * stored  # a small minority
    # The labels are what the pipeline says of the text.
    sample = list(rows.order_by("pk")[:12])
    outcomes = pipeline.triage([pipeline.Arrival(m.text, m.account, m.received_at) for m in sample],
                               korean.analyze_batch([m.text for m in sample]))
    assert [(m.type, m.topic) for m in sample] == [(o.type, o.topic) for o in outcomes]
    # Tens per division, not thousands; some overdue; some answered (by a member, or the desk).
    open_rows = rows.filter(status__in=OPEN_STATUSES)
    biggest = open_rows.values("division").annotate(n=Count("pk")).order_by("-n").first()["n"]
    assert 0 < biggest < 100
    assert open_rows.filter(is_overdue=True).exists()
    answers = Answer.objects.filter(message__in=rows)
    assert answers.exists() and not answers.filter(created_at__gt=now).exists()
    assert set(answers.values_list("author", flat=True)) <= {desk.pk, *staff_ids("transport-policy")}
    assert rows.filter(due_at__isnull=False, status__in=OPEN_STATUSES,
                       due_at__gt=now + timedelta(days=1)).exists()  # and some with time left


def staff_ids(code):
    from departments.models import Membership
    return set(Membership.objects.filter(division__code=code).values_list("user_id", flat=True))


def test_the_dashboard_history_is_never_in_the_future_nor_left_in_a_queue(seeded):
    today = timezone.localdate()
    now = timezone.now()
    history.generate(400, today - timedelta(days=20), today, chunk=200)
    rows = Message.objects.filter(external_id__startswith="sim-hist-")
    assert rows.count() == 400
    assert not rows.filter(posted_at__gt=now).exists() and not rows.filter(received_at__gt=now).exists()
    assert not rows.filter(status__in=OPEN_STATUSES).exists()
    texts = list(rows.values_list("text", "type", "topic").distinct()[:10])
    outcomes = pipeline.triage([pipeline.Arrival(t, None, now) for t, _, _ in texts],
                               korean.analyze_batch([t for t, _, _ in texts]))
    assert [(ty, to) for _, ty, to in texts] == [(o.type or "opinion", o.topic or "other") for o in outcomes]
