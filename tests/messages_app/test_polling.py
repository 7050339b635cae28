"""Accounts on the registry that SMC does not poll (the 25 district offices, on the SNS map only): the
dispatcher, a poll already queued, the poll command and the webhook all leave them alone."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from accounts import connectors
from accounts.connectors.base import Batch
from accounts.models import Account, Status
from messages_app.services import polling
from messages_app.tasks import polling as poll_tasks
from tests.messages_app.ingest_fakes import ScriptedConnector, make_item


@pytest.fixture(autouse=True)
def _clean_poll_keys(seeded):
    cache.delete_pattern("poll:*")
    yield
    cache.delete_pattern("poll:*")


@pytest.fixture
def fake(monkeypatch):
    connector = ScriptedConnector()
    monkeypatch.setattr(connectors, "get_connector", lambda account: connector)
    return connector


def test_unpolled_accounts_are_never_dispatched_even_when_due(monkeypatch, settings):
    settings.SMC_SIMULATE = True  # every active account would be pollable
    sent = []
    monkeypatch.setattr(poll_tasks.poll_account, "delay", lambda *a, **k: sent.append(a[0]))
    assert poll_tasks.dispatch_polls() > 0
    unpolled = set(Account.objects.filter(is_polled=False).values_list("pk", flat=True))
    assert unpolled and not unpolled & set(sent)
    polled = set(Account.objects.filter(is_polled=True, status=Status.ACTIVE).exclude(
        platform__in=polling.UNPOLLED_PLATFORMS).values_list("pk", flat=True))
    assert set(sent) == polled


def test_a_poll_of_an_unpolled_account_never_calls_the_platform(fake):
    office = Account.objects.filter(is_polled=False).first()
    fake.fetches = [Batch(items=[make_item("facebook", 1)], next_cursor="c1")]
    result = poll_tasks.poll_account.apply(args=(office.pk,)).get()
    assert result["skipped"] == "not_polled"
    assert fake.fetch_calls == []
    office.refresh_from_db()
    assert office.last_polled_at is None and office.poll_cursor == ""


def test_turning_polling_off_stops_an_account_already_queued(fake):
    account = Account.objects.filter(is_polled=True, platform="x", status=Status.ACTIVE).first()
    Account.objects.filter(pk=account.pk).update(is_polled=False)  # after the task was queued
    assert polling.poll(account).skipped == "not_polled"
    assert fake.fetch_calls == []


def test_the_poll_command_and_webhook_leave_unpolled_accounts_alone(fake, monkeypatch):
    from messages_app import webhooks

    office = Account.objects.filter(is_polled=False).first()
    Account.objects.filter(pk=office.pk).update(platform_user_id="998877")
    queued = []
    monkeypatch.setattr(poll_tasks.poll_account, "delay", lambda *a, **k: queued.append(a[0]))
    assert webhooks.queue_page_polls(["998877"]) == [] and queued == []
    out = io.StringIO()
    call_command("poll_accounts", "--account", office.handle, stdout=out)
    assert "not_polled" in out.getvalue() and fake.fetch_calls == []
