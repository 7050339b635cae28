"""Chains branched before the one-successor constraint (the bug of issue 25.1) are made one line by the
migration that adds it, in the order their messages were sent."""

import importlib

from django.apps import apps
from django.db import connection
from django.utils import timezone

from broadcast import selectors
from broadcast.models import Broadcast, MsgType

from .factories import FakePlatform, approved, people

migration = importlib.import_module("broadcast.migrations.0002_one_successor_per_message")


def test_branched_chains_become_one_line(make_staff, monkeypatch):
    FakePlatform().install(monkeypatch)
    drafter, approver = people(make_staff)
    alert = approved(drafter, approver)
    with connection.cursor() as cursor:  # as the database was before the constraint (rolled back with the test)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before ALTER
        cursor.execute("DROP INDEX broadcast_one_successor")  # a partial unique index
    first, second, third = (Broadcast.objects.create(
        identifier=f"SMC-OLD-{n}", drafted_by=drafter, msg_type=kind, references=alert, cap_status="Actual",
        state="sent", submitted_at=timezone.now(), approved_by=approver,
        approved_at=timezone.now() + timezone.timedelta(minutes=n), expires=alert.expires, headline_ko=f"{n}",
        headline_en="x", event_ko="x", event_en="x", description_ko="x", description_en="x")
        for n, kind in ((1, MsgType.UPDATE), (2, MsgType.UPDATE), (3, MsgType.CANCEL)))
    assert len(selectors.in_effect()) == 2  # what the bug left: two live Updates

    migration.linearise_branches(apps, None)

    chain = selectors.chain_of(alert)
    assert [b.identifier for b in chain] == [alert.identifier, "SMC-OLD-1", "SMC-OLD-2", "SMC-OLD-3"]
    assert list(selectors.in_effect()) == []
