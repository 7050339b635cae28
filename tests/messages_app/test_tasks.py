"""The Celery tasks (run eagerly in-process here; test_faults.py runs them in a real worker)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import Batch, RateLimited, TransientError
from accounts.models import Account, Status
from messages_app.models import Message
from messages_app.services import polling
from messages_app.tasks import polling as poll_tasks

from .ingest_fakes import ScriptedConnector, install_classifier_model, make_item


@pytest.fixture(autouse=True)
def _setup(seeded):
    install_classifier_model()
    cache.delete_pattern("poll:*")
    yield
    cache.delete_pattern("poll:*")


@pytest.fixture
def fake(monkeypatch):
    connector = ScriptedConnector()
    monkeypatch.setattr(connectors, "get_connector", lambda account: connector)
    return connector


@pytest.fixture
def account():
    return Account.objects.filter(platform="x", status=Status.ACTIVE).order_by("pk").first()


class Retried(Exception):
    def __init__(self, **kwargs):
        self.kwargs = kwargs


def test_dispatch_queues_each_due_account_once(monkeypatch, settings, account):
    settings.SMC_SIMULATE = True
    sent = []
    monkeypatch.setattr(poll_tasks.poll_account, "delay", lambda *a, **k: sent.append(a[0]))
    Account.objects.exclude(pk=account.pk).update(status=Status.PAUSED)
    assert poll_tasks.dispatch_polls() == 1 and sent == [account.pk]
    assert poll_tasks.dispatch_polls() == 0  # still queued for this interval


def test_poll_account_stores_and_reports(fake, account):
    fake.fetches = [Batch(items=[make_item("x", n) for n in range(3)], next_cursor="c3")]
    result = poll_tasks.poll_account.apply(args=(account.pk,)).get()
    assert result["fetched"] == 3 and result["new"] == 3
    assert Message.objects.filter(account=account).count() == 3


def test_transient_error_is_retried_then_succeeds(fake, account):
    fake.fetches = [TransientError("timeout"), Batch(items=[make_item("x", 1)], next_cursor="c1")]
    result = poll_tasks.poll_account.apply(args=(account.pk,)).get()
    assert result["new"] == 1 and len(fake.fetch_calls) == 2


def test_a_short_rate_limit_reschedules_after_the_reset(fake, account, monkeypatch):
    reset = timezone.now() + timedelta(seconds=20)
    fake.fetches = [RateLimited(reset)]

    def retry(**kwargs):
        raise Retried(**kwargs)

    monkeypatch.setattr(poll_tasks.poll_account, "retry", retry)
    with pytest.raises(Retried) as caught:
        poll_tasks.poll_account(account.pk)
    assert caught.value.kwargs["eta"] == reset


def test_a_long_rate_limit_is_left_to_the_dispatcher(fake, account, monkeypatch, settings):
    """No worker holds a task for 7 minutes (Redis would deliver it again after its visibility
    timeout): the poll ends, and dispatch_polls skips the account until the reset."""
    settings.SMC_SIMULATE = True
    reset = timezone.now() + timedelta(minutes=7)
    fake.fetches = [RateLimited(reset)]
    monkeypatch.setattr(poll_tasks.poll_account, "retry", lambda **kw: pytest.fail("held a long wait"))
    assert poll_tasks.poll_account(account.pk)["skipped"] == "rate_limited"
    cache.delete(f"poll:queued:{account.pk}")
    Account.objects.filter(pk=account.pk).update(last_polled_at=None)
    assert account.pk not in polling.due_account_ids()
    assert account.pk in polling.due_account_ids(now=reset + timedelta(seconds=1))


def test_a_busy_account_is_polled_sooner(fake, account, settings):
    """After a poll that brought new messages the account is due after SMC_BUSY_POLL_SECONDS,
    not its own (longer) interval; a quiet one keeps its interval."""
    settings.SMC_SIMULATE = True
    settings.SMC_BUSY_POLL_SECONDS = 10
    quiet = Account.objects.filter(platform="x", status=Status.ACTIVE).exclude(pk=account.pk).first()
    Account.objects.filter(pk__in=[account.pk, quiet.pk]).update(poll_interval_seconds=60)
    fake.fetches = [Batch(items=[make_item("x", 1)], next_cursor="c1"), Batch(items=[], next_cursor="c0")]
    poll_tasks.poll_account(account.pk)
    poll_tasks.poll_account(quiet.pk)
    cache.delete_pattern("poll:queued:*")
    quiet.refresh_from_db()
    quiet_next = polling.next_poll_at(quiet.pk, quiet.last_polled_at, 60)
    account.refresh_from_db()
    assert polling.next_poll_at(account.pk, account.last_polled_at, 10) <= account.last_polled_at + timedelta(
        seconds=10)
    later = account.last_polled_at + timedelta(seconds=11)
    due = polling.due_account_ids(now=later)
    assert account.pk in due and (quiet.pk in due) == (quiet_next <= later)
    cache.delete_pattern("poll:queued:*")
    assert quiet.pk in polling.due_account_ids(now=quiet_next)


def test_polls_are_spread_over_the_interval():
    """Accounts polled at the same moment are next due at different moments, one slot each."""
    last = timezone.now()
    pks = list(Account.objects.values_list("pk", flat=True))
    moments = sorted(polling.next_poll_at(pk, last, 60) for pk in pks)
    assert all(last < m <= last + timedelta(seconds=60) for m in moments)
    gaps = [(b - a).total_seconds() for a, b in zip(moments, moments[1:], strict=False)]
    assert max(gaps) < 60 / len(pks) * 3  # evenly spread, not bunched
    assert polling.next_poll_at(pks[0], moments[0], 60) - polling.next_poll_at(pks[0], last, 60) in (
        timedelta(0), timedelta(seconds=60))


def test_a_city_wide_surge_polls_every_account_sooner(account, settings):
    settings.SMC_SIMULATE = True
    settings.SMC_SURGE_ACCOUNTS = 3
    last = timezone.now()
    Account.objects.update(poll_interval_seconds=60, last_polled_at=last)
    polled = list(polling.due_account_ids(now=last + timedelta(seconds=3600)))
    cache.delete_pattern("poll:queued:*")
    busy = polled[:3]
    later = last + timedelta(seconds=11)
    on_their_own = {pk for pk in polled if polling.next_poll_at(pk, last, 60) <= later}
    cache.set(polling.busy_key(busy[0]), 1)
    cache.set(polling.busy_key(busy[1]), 1)
    assert set(polling.due_account_ids(now=later)) == set(busy[:2]) | on_their_own  # two busy: only they
    cache.delete_pattern("poll:queued:*")
    cache.set(polling.busy_key(busy[2]), 1)
    assert set(polling.due_account_ids(now=later)) == set(polled)  # three: a surge, every account is due


def test_poll_accounts_command_prints_what_came_in(fake, account):
    from io import StringIO

    from django.core.management import call_command

    fake.fetches = [Batch(items=[make_item("x", 1), make_item("x", 2)], next_cursor="c2")]
    out = StringIO()
    call_command("poll_accounts", account=f"@{account.handle}", stdout=out)
    assert f"@{account.handle}: 가져옴 2건, 새 메시지 2건" in out.getvalue()
    assert Message.objects.filter(account=account).count() == 2
    retired = Account.objects.filter(platform="me2day").first()
    out = StringIO()
    call_command("poll_accounts", account=retired.handle, platform="me2day", stdout=out)
    assert "건너뜀" in out.getvalue() and "2014" in out.getvalue() and len(fake.fetch_calls) == 1
