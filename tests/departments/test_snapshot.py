"""Routing and the regulation load their tables once per process (departments.snapshot) and load
them again whenever any change to those tables has committed, however it was made."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from departments import snapshot
from departments.models import CalendarOverride, ProcessingRule, RoutingRule
from departments.regulation import Regulation, _read_tables
from departments.routing import Incoming, Router, RoutingTables

SEOUL = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db

SNOW = Incoming(text="골목에 눈이 쌓였어요", terms=frozenset({"골목", "눈"}), account_label="@seoulmania")


def test_unchanged_tables_cost_one_query_per_router_and_regulation(seeded, django_assert_num_queries):
    Router(), Regulation()  # loaded
    with django_assert_num_queries(2):  # the token, once for each
        router, regulation = Router(), Regulation()
    assert router.route(SNOW).division.code == "road-management"
    assert regulation.rule_for("complaint").deadline_working_days == 7


def test_a_rule_changed_by_a_bulk_update_is_seen_by_the_next_router(seeded):
    assert Router().route(SNOW).division.code == "road-management"
    # queryset.update() sends no model signal: the table's trigger still sees it.
    RoutingRule.objects.filter(name="제설·빙판").update(is_active=False)
    assert Router().route(SNOW).division.is_smc_desk


def test_a_division_renamed_in_raw_sql_is_seen(seeded):
    assert "도로관리과" in Router().route(SNOW).reason
    with connection.cursor() as cursor:
        cursor.execute("UPDATE departments_division SET name_ko = '제설대책과' WHERE code = 'road-management'")
    assert "제설대책과" in Router().route(SNOW).reason


def test_regulation_sees_a_new_deadline_and_a_new_day_off(seeded):
    received = datetime(2026, 3, 3, 10, 0, tzinfo=SEOUL)  # Tuesday
    assert Regulation().due_at("complaint", received) == datetime(2026, 3, 12, 18, 0, tzinfo=SEOUL)
    ProcessingRule.objects.filter(message_type="complaint").update(deadline_working_days=3)
    assert Regulation().due_at("complaint", received) == datetime(2026, 3, 6, 18, 0, tzinfo=SEOUL)
    CalendarOverride.objects.create(date=date(2026, 3, 5), name="구청 휴무")
    assert Regulation().due_at("complaint", received) == datetime(2026, 3, 9, 18, 0, tzinfo=SEOUL)


def test_a_rolled_back_change_leaves_the_committed_tables_in_force(seeded):
    Router()
    with pytest.raises(RuntimeError), transaction.atomic():
        RoutingRule.objects.filter(name="제설·빙판").delete()
        assert Router().route(SNOW).division.is_smc_desk  # seen inside its own transaction
        raise RuntimeError("admin form failed")
    assert Router().route(SNOW).division.code == "road-management"


@pytest.mark.parametrize("table", snapshot.TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id WHERE false", "DELETE FROM {table} WHERE false",
                                       "TRUNCATE {table} CASCADE"])
def test_every_statement_on_a_watched_table_changes_the_token(db, table, statement):
    before = snapshot.generation()
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert snapshot.generation() not in (None, before)


@pytest.mark.parametrize("build", [RoutingTables.read, _read_tables])
def test_the_loaders_read_only_watched_tables(seeded, build):
    # A loader that starts reading another table (a bureau's name in a reason, say) must add it to
    # snapshot.TABLES and the trigger, or its changes would go unseen.
    with CaptureQueriesContext(connection) as queries:
        build()
    read = {table for q in queries for table in re.findall(r'"(\w+)"\."', q["sql"])}  # "table"."column"
    assert read and read <= set(snapshot.TABLES)
