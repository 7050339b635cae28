"""Answers: one transaction for answer + outbox + transition; publishing never posts twice."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from accounts import connectors
from accounts.connectors.base import AuthExpired, Batch, RateLimited, TransientError
from accounts.models import Account, Status
from messages_app.errors import AlreadyAnswered
from messages_app.models import Answer, Message, Outbox
from messages_app.models import Status as MessageStatus
from messages_app.services import ingest, publishing
from outbound import services as outbound
from outbound.models import Posting
from users.models import User

from .ingest_fakes import ScriptedConnector, install_classifier_model, make_item


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(outbound, "queue", lambda ids, countdown=None: sent.extend(ids))
    return sent


def _posting(answer, n=0) -> Posting:
    return answer.deliveries.order_by("pk")[n].posting


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
    rows = [row.posting for row in Outbox.objects.filter(answer=answer)]
    assert len(rows) == 1 and rows[0].reply_to == message.external_id and rows[0].kind == Posting.Kind.ANSWER
    assert rows[0].account_id == message.account_id and rows[0].state == Posting.State.PENDING
    assert queued == [rows[0].pk]
    message.refresh_from_db()
    assert message.status == MessageStatus.ANSWERED
    assert message.history.filter(to_status=MessageStatus.ANSWERED, actor=staff).exists()


def test_long_x_answer_becomes_a_numbered_thread(staff, queued):
    message = _message()
    answer = publishing.create_answer(message, staff, "교통정책과에서 답변드립니다. " * 40, message.division)
    parts = list(Outbox.objects.filter(answer=answer).order_by("pk").values_list("posting__text", flat=True))
    assert len(parts) > 1 and parts[0].startswith("(1/") and parts[-1].startswith(f"({len(parts)}/")


def test_second_answer_is_refused_and_nothing_half_saved(staff, queued):
    message = _message()
    publishing.create_answer(message, staff, "첫 답변", message.division)
    with pytest.raises(AlreadyAnswered):
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
        except AlreadyAnswered:
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
    row = _posting(answer)
    fake.replies = ["tweet-99"]
    result = outbound.post_once(row.pk)
    row.refresh_from_db()
    assert result.outcome == "posted" and row.state == Posting.State.POSTED and row.external_id == "tweet-99"
    assert row.attempts == 1 and fake.posted == [(message.external_id, "답변입니다", "tweet-99")]
    assert outbound.post_once(row.pk).outcome == "already-posted" and len(fake.posted) == 1


def test_thread_parts_reply_to_the_previous_part(staff, queued, fake):
    message = _message()
    answer = publishing.create_answer(message, staff, "도로 보수 일정 안내입니다. " * 30, message.division)
    rows = [d.posting for d in answer.deliveries.order_by("pk")]
    assert outbound.post_once(rows[1].pk).outcome == "waiting" and fake.posted == []
    first = outbound.post_once(rows[0].pk)
    assert first.next_id == rows[1].pk
    outbound.post_once(rows[1].pk)
    assert fake.posted[0][0] == message.external_id
    assert fake.posted[1][0] == fake.posted[0][2]  # part 2 answers part 1


def test_uncertain_previous_attempt_is_looked_up_not_reposted(staff, queued, fake):
    message = _message()
    row = _posting(publishing.create_answer(message, staff, "답변입니다", message.division))
    # A worker died after recording its attempt: the row says 'posting', outcome unknown.
    outbound._begin(row.pk)
    fake.found = "already-there"
    result = outbound.post_once(row.pk)
    row.refresh_from_db()
    assert result.outcome == "found" and fake.posted == [] and fake.find_calls
    assert row.state == Posting.State.POSTED and row.external_id == "already-there" and row.attempts == 2


def test_uncertain_attempt_not_found_is_posted_once(staff, queued, fake):
    message = _message()
    row = _posting(publishing.create_answer(message, staff, "답변입니다", message.division))
    outbound._begin(row.pk)
    result = outbound.post_once(row.pk)
    assert result.outcome == "posted" and len(fake.posted) == 1 and len(fake.find_calls) == 1


@pytest.mark.parametrize("error", [TransientError("timeout"), RateLimited(datetime(2030, 1, 1, tzinfo=UTC))])
def test_transient_failures_mark_retrying(staff, queued, fake, error):
    message = _message()
    row = _posting(publishing.create_answer(message, staff, "답변입니다", message.division))
    fake.replies = [error]
    assert outbound.post_once(row.pk).outcome == "retry"
    row.refresh_from_db()
    assert row.state == Posting.State.RETRYING and row.last_error and row.retry_at
    # A rate limit is a refusal, not a failed attempt; a timeout may have posted (looked for next time).
    assert (row.attempts, row.outcome_unknown) == ((0, False) if isinstance(error, RateLimited) else (1, True))


def test_auth_expired_fails_with_reason_and_marks_the_account(staff, queued, fake):
    message = _message()
    row = _posting(publishing.create_answer(message, staff, "답변입니다", message.division))
    fake.replies = [AuthExpired("revoked")]
    assert outbound.post_once(row.pk).outcome == "failed"
    row.refresh_from_db()
    assert row.state == Posting.State.FAILED and row.failure == Posting.Failure.REAUTH and "재인증" in row.last_error
    assert Account.objects.get(pk=message.account_id).status == Status.NEEDS_REAUTH


def test_requeue_failed_checks_platform_first(staff, queued, fake, django_capture_on_commit_callbacks):
    message = _message()
    answer = publishing.create_answer(message, staff, "답변입니다", message.division)
    part, row = answer.deliveries.get(), _posting(answer)
    fake.replies = [ValueError("boom")]
    assert outbound.post_once(row.pk).outcome == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.requeue([part.pk]) == 1
    assert row.pk in queued
    outbound.post_once(row.pk)
    assert fake.find_calls and len(fake.posted) == 1
