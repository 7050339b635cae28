"""The demo history of `make run` (seed_dashboard_demo): loaded with the triggers off when the
database user is a superuser, with them on otherwise; the rollups are exact both ways."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dashboard import demo
from messages_app.models import Message

from .exactness import differences


def _load(n=300):
    today = timezone.localdate()
    demo.generate(n, today - timedelta(days=30), today, chunk=120)


def test_superuser_loads_with_the_triggers_off(seeded):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test database user is not a superuser")
    _load()
    assert Message.objects.filter(is_simulated=True, external_id__startswith="sim-hist-").count() == 300
    assert demo.has_history()
    assert differences() == {}


def test_a_non_superuser_loads_with_the_triggers_on(seeded):
    """The role is created and dropped inside the test's transaction (rolled back)."""
    role = f"{connection.settings_dict['NAME']}_demo_loader"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN NOSUPERUSER')
        cursor.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        cursor.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        cursor.execute(f'SET ROLE "{role}"')
        try:
            assert demo._triggers_off(cursor) is False  # refused, and the transaction goes on
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
            _load()
            assert Message.objects.filter(is_simulated=True).count() == 300
            assert differences() == {}
        finally:
            cursor.execute("RESET ROLE")


def test_no_future_dates_and_no_inflow_on_unpolled_accounts(seeded):
    from django.db.models import Max, Q

    from accounts.models import Account
    from messages_app.models import Answer, StatusChange

    unpolled = Account.objects.filter(is_polled=False)
    if not unpolled.exists():  # the seed's district offices; make sure the rule is exercised
        Account.objects.filter(pk=Account.objects.filter(is_mayor=False).first().pk).update(is_polled=False)
    before = timezone.now()
    today = timezone.localdate()
    demo.generate(3000, today - timedelta(days=20), today, chunk=1000)
    after = timezone.now()
    sim = Message.objects.filter(is_simulated=True)
    latest = sim.aggregate(p=Max("posted_at"), r=Max("received_at"))
    assert latest["p"] <= after and latest["r"] <= after
    answered = sim.filter(status__in=["answered", "closed"])
    assert Answer.objects.filter(message__in=answered).count() == answered.count() > 0
    assert Answer.objects.filter(message__in=sim).aggregate(m=Max("created_at"))["m"] <= after
    assert StatusChange.objects.filter(message__in=sim).filter(created_at__gt=after).count() == 0
    assert not sim.filter(Q(account__is_polled=False)).exists()
    assert sim.filter(posted_at__gte=before - timedelta(days=1)).exists()  # today and yesterday still get inflow
    assert StatusChange.objects.filter(message__in=sim).exists()  # the transfers found their messages
