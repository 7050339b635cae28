"""Answers: one transaction for answer + outbox + transition; publishing never posts twice."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from accounts import connectors
from accounts.connectors.base import AuthExpired, Batch, RateLimited, TransientError
from accounts.models import Account, Status
from messages_app.models import Answer, Message, Outbox
from messages_app.models import Status as MessageStatus
from messages_app.services import ingest, publishing
from users.models import User

from .ingest_fakes import ScriptedConnector, install_classifier_model, make_item


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(publishing, "queue_publish", sent.append)
    return sent


@pytest.fixture
def fake(monkeypatch):
    connector = ScriptedConnector()
    monkeypatch.setattr(connectors, "get_connector", lambda account: connector)
    return connector


@pytest.fixture
def staff(seeded):
    return User.objects.create_user("answerer", password="x")


def _message(platform="x", number=1):
    install_classifier_model()
    account = Account.objects.filter(platform=platform, status=Status.ACTIVE).order_by("pk").first()
    [pk] = ingest.ingest_batch(account, Batch(items=[make_item(platform, number)], next_cursor="c"))
    return Message.objects.get(pk=pk)


def test_answer_writes_outbox_and_transition_and_queues_on_commit(staff, queued, django_capture_on_commit_callbacks):
    message = _message()
    with django_capture_on_commit_callbacks(execute=True):
        answer = publishing.create_answer(message, staff, "안내드립니다. 곧 수리하겠습니다.", message.division)
        assert queued == []  # not before the commit
    rows = list(Outbox.objects.filter(answer=answer))
    assert len(rows) == 1 and rows[0].to_external_id == message.external_id
    assert rows[0].account_id == message.account_id and rows[0].state == Outbox.State.PENDING
    assert queued == [rows[0].pk]
    message.refresh_from_db()
    assert message.status == MessageStatus.ANSWERED
    assert message.history.filter(to_status=MessageStatus.ANSWERED, actor=staff).exists()


def test_long_x_answer_becomes_a_numbered_thread(staff, queued):
    message = _message()
    answer = publishing.create_answer(message, staff, "교통정책과에서 답변드립니다. " * 40, message.division)
    parts = list(Outbox.objects.filter(answer=answer).order_by("pk").values_list("text", flat=True))
    assert len(parts) > 1 and parts[0].startswith("(1/") and parts[-1].startswith(f"({len(parts)}/")


def test_second_answer_is_refused_and_nothing_half_saved(staff, queued):
    message = _message()
    publishing.create_answer(message, staff, "첫 답변", message.division)
    with pytest.raises(publishing.AnswerAlreadyExists, match="이미 답변"):
        publishing.create_answer(message, staff, "두 번째 답변", message.division)
    assert Answer.objects.filter(message=message).count() == 1
    assert Outbox.objects.filter(answer__message=message).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_answers_one_wins(transactional_db, queued):
    from accounts.services import seed_registry
    from departments.services import seed_org_chart
    from users.roles import ensure_roles

    ensure_roles(), seed_org_chart(), seed_registry()
    staff = User.objects.create_user("a1", password="x")
    message = _message()
    results = []
    barrier = threading.Barrier(2)

    def answer(text):
        barrier.wait()
        try:
            publishing.create_answer(Message.objects.get(pk=message.pk), staff, text, message.division)
            results.append("ok")
        except publishing.AnswerAlreadyExists:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(t,)) for t in ("가", "나")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["ok", "refused"]
    assert Answer.objects.count() == 1 and Outbox.objects.count() == 1


def test_phone_message_answer_has_no_outbox(staff, queued):
    from messages_app.services.intake import record_phone_complaint

    message = record_phone_complaint(staff, "버스 정류장 의자가 부서졌어요")
    answer = publishing.create_answer(message, staff, "교체하겠습니다.", message.division)
    assert not Outbox.objects.filter(answer=answer).exists() and queued == []


def test_publish_posts_and_stores_the_id(staff, queued, fake):
    message = _message()
    answer = publishing.create_answer(message, staff, "답변입니다", message.division)
    row = answer.deliveries.get()
    fake.replies = ["tweet-99"]
    result = publishing.publish(row.pk)
    row.refresh_from_db()
    assert result.outcome == "posted" and row.state == Outbox.State.POSTED and row.external_id == "tweet-99"
    assert row.attempts == 1 and fake.posted == [(message.external_id, "답변입니다", "tweet-99")]
    assert publishing.publish(row.pk).outcome == "already" and len(fake.posted) == 1


def test_thread_parts_reply_to_the_previous_part(staff, queued, fake):
    message = _message()
    answer = publishing.create_answer(message, staff, "도로 보수 일정 안내입니다. " * 30, message.division)
    rows = list(answer.deliveries.order_by("pk"))
    assert publishing.publish(rows[1].pk).outcome == "waiting" and fake.posted == []
    first = publishing.publish(rows[0].pk)
    assert first.next_id == rows[1].pk
    publishing.publish(rows[1].pk)
    assert fake.posted[0][0] == message.external_id
    assert fake.posted[1][0] == fake.posted[0][2]  # part 2 answers part 1


def test_uncertain_previous_attempt_is_looked_up_not_reposted(staff, queued, fake):
    message = _message()
    row = publishing.create_answer(message, staff, "답변입니다", message.division).deliveries.get()
    # A worker died after recording its attempt: the row says 'posting'.
    Outbox.objects.filter(pk=row.pk).update(state=Outbox.State.POSTING, attempts=1)
    fake.found = "already-there"
    result = publishing.publish(row.pk)
    row.refresh_from_db()
    assert result.outcome == "found" and fake.posted == [] and fake.find_calls
    assert row.state == Outbox.State.POSTED and row.external_id == "already-there" and row.attempts == 2


def test_uncertain_attempt_not_found_is_posted_once(staff, queued, fake):
    message = _message()
    row = publishing.create_answer(message, staff, "답변입니다", message.division).deliveries.get()
    Outbox.objects.filter(pk=row.pk).update(state=Outbox.State.POSTING, attempts=1)
    result = publishing.publish(row.pk)
    assert result.outcome == "posted" and len(fake.posted) == 1 and len(fake.find_calls) == 1


@pytest.mark.parametrize("error", [TransientError("timeout"), RateLimited(datetime(2030, 1, 1, tzinfo=UTC))])
def test_transient_failures_mark_retrying(staff, queued, fake, error):
    message = _message()
    row = publishing.create_answer(message, staff, "답변입니다", message.division).deliveries.get()
    fake.replies = [error]
    with pytest.raises(publishing.RetryLater):
        publishing.publish(row.pk)
    row.refresh_from_db()
    assert row.state == Outbox.State.RETRYING and row.attempts == 1 and row.last_error


def test_auth_expired_fails_with_reason(staff, queued, fake):
    message = _message()
    row = publishing.create_answer(message, staff, "답변입니다", message.division).deliveries.get()
    fake.replies = [AuthExpired("revoked")]
    assert publishing.publish(row.pk).outcome == "failed"
    row.refresh_from_db()
    assert row.state == Outbox.State.FAILED and "재인증" in row.last_error


def test_requeue_failed_checks_platform_first(staff, queued, fake, django_capture_on_commit_callbacks):
    message = _message()
    row = publishing.create_answer(message, staff, "답변입니다", message.division).deliveries.get()
    fake.replies = [ValueError("boom")]
    publishing.publish(row.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.requeue([row.pk]) == 1
    assert row.pk in queued
    publishing.publish(row.pk)
    assert fake.find_calls and len(fake.posted) == 1
