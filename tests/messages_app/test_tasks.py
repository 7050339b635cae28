"""The Celery tasks (run eagerly in-process here; test_faults.py runs them in a real worker)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import Batch, RateLimited, TransientError
from accounts.models import Account, Status
from messages_app.models import Message, Outbox
from messages_app.services import ingest, publishing
from messages_app.tasks import polling
from messages_app.tasks import publishing as publish_tasks
from users.models import User

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
    monkeypatch.setattr(polling.poll_account, "delay", lambda *a, **k: sent.append(a[0]))
    Account.objects.exclude(pk=account.pk).update(status=Status.PAUSED)
    assert polling.dispatch_polls() == 1 and sent == [account.pk]
    assert polling.dispatch_polls() == 0  # still queued for this interval


def test_poll_account_stores_and_reports(fake, account):
    fake.fetches = [Batch(items=[make_item("x", n) for n in range(3)], next_cursor="c3")]
    result = polling.poll_account.apply(args=(account.pk,)).get()
    assert result["fetched"] == 3 and result["new"] == 3
    assert Message.objects.filter(account=account).count() == 3


def test_transient_error_is_retried_then_succeeds(fake, account):
    fake.fetches = [TransientError("timeout"), Batch(items=[make_item("x", 1)], next_cursor="c1")]
    result = polling.poll_account.apply(args=(account.pk,)).get()
    assert result["new"] == 1 and len(fake.fetch_calls) == 2


def test_rate_limit_reschedules_after_the_reset(fake, account, monkeypatch):
    reset = timezone.now() + timedelta(minutes=7)
    fake.fetches = [RateLimited(reset)]

    def retry(**kwargs):
        raise Retried(**kwargs)

    monkeypatch.setattr(polling.poll_account, "retry", retry)
    with pytest.raises(Retried) as caught:
        polling.poll_account(account.pk)
    assert caught.value.kwargs["eta"] == reset


def test_publish_gives_up_after_retries_with_reason(fake, account, monkeypatch):
    monkeypatch.setattr(publishing, "queue_publish", lambda pk: None)
    staff = User.objects.create_user("s1", password="x")
    [pk] = ingest.ingest_batch(account, Batch(items=[make_item("x", 1)], next_cursor="c"))
    row = publishing.create_answer(Message.objects.get(pk=pk), staff, "답변", account.owner_division
                                   ).deliveries.get()
    fake.replies = [TransientError("503")] * (publish_tasks.MAX_RETRIES + 1)
    publish_tasks.publish_outbox.apply(args=(row.pk,))
    row.refresh_from_db()
    assert row.state == Outbox.State.FAILED and "재시도 횟수 초과" in row.last_error
    assert row.attempts == publish_tasks.MAX_RETRIES + 1 and fake.posted == []


def test_publish_chains_the_next_part(fake, account, monkeypatch):
    monkeypatch.setattr(publishing, "queue_publish", lambda pk: None)
    chained = []
    monkeypatch.setattr(publish_tasks.publish_outbox, "delay", lambda pk: chained.append(pk))
    staff = User.objects.create_user("s2", password="x")
    [pk] = ingest.ingest_batch(account, Batch(items=[make_item("x", 1)], next_cursor="c"))
    answer = publishing.create_answer(Message.objects.get(pk=pk), staff, "보행 안전 점검 결과 안내드립니다. " * 30,
                                      account.owner_division)
    rows = list(answer.deliveries.order_by("pk"))
    assert publish_tasks.publish_outbox.apply(args=(rows[0].pk,)).get() == "posted"
    assert chained == [rows[1].pk]


def test_sweep_requeues_stalled_rows_only(fake, account, monkeypatch):
    monkeypatch.setattr(publishing, "queue_publish", lambda pk: None)
    sent = []
    monkeypatch.setattr(publish_tasks.publish_outbox, "delay", lambda pk: sent.append(pk))
    staff = User.objects.create_user("s3", password="x")
    [a, b] = ingest.ingest_batch(account, Batch(items=[make_item("x", 1), make_item("x", 2)], next_cursor="c"))
    old = publishing.create_answer(Message.objects.get(pk=a), staff, "답변", account.owner_division).deliveries.get()
    publishing.create_answer(Message.objects.get(pk=b), staff, "답변", account.owner_division)
    Outbox.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert publish_tasks.sweep_outbox() == 1 and sent == [old.pk]


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
