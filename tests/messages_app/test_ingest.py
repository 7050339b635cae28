"""Ingest: exactly-once storage, cursor in the same transaction, sanitising, polling errors."""

import gc
from datetime import timedelta

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts import connectors
from accounts.connectors.base import AuthExpired, Batch, PermanentError, RateLimited, TransientError
from accounts.models import Account, Status
from core import locks
from messages_app import db
from messages_app.models import Message
from messages_app.services import ingest, pipeline, polling
from tests.waiting import wait_until

from .ingest_fakes import ScriptedConnector, install_classifier_model, make_item


@pytest.fixture(autouse=True)
def _clean_cache(db):
    install_classifier_model()
    cache.delete_pattern("poll:*")
    yield
    cache.delete_pattern("poll:*")


@pytest.fixture
def x_account(seeded):
    account = Account.objects.filter(platform="x", status=Status.ACTIVE).order_by("pk").first()
    account.poll_cursor, account.last_polled_at = "", None
    account.save()
    return account


@pytest.fixture
def fake(monkeypatch):
    connector = ScriptedConnector()
    monkeypatch.setattr(connectors, "get_connector", lambda account: connector)
    return connector


def test_an_empty_batch_moves_the_cursor_in_one_statement(x_account, django_assert_num_queries):
    with django_assert_num_queries(1):  # the UPDATE alone: no savepoint or transaction around it
        assert ingest.ingest_batch(x_account, Batch(items=[], next_cursor="c0")) == []
    x_account.refresh_from_db()
    assert x_account.poll_cursor == "c0" and x_account.last_polled_at is not None


def test_new_items_stored_once_and_cursor_saved(x_account):
    items = [make_item("x", n) for n in range(10)]
    first = ingest.ingest_batch(x_account, Batch(items=items, next_cursor="c10"))
    again = ingest.ingest_batch(x_account, Batch(items=items[5:] + [make_item("x", 10)], next_cursor="c11"))

    assert len(first) == 10
    assert len(again) == 1 and Message.objects.get(pk=again[0]).external_id == "10"
    assert Message.objects.filter(platform="x").count() == 11
    x_account.refresh_from_db()
    assert x_account.poll_cursor == "c11" and x_account.last_polled_at is not None
    stored = Message.objects.get(external_id="3")
    assert stored.account_id == x_account.pk and stored.author_handle == "citizen3"
    assert stored.raw == {"id": "3"}


def test_duplicates_inside_one_batch_are_stored_once(x_account):
    ids = ingest.ingest_batch(x_account, Batch(items=[make_item("x", 1), make_item("x", 1)], next_cursor="c"))
    assert len(ids) == 1 and Message.objects.filter(external_id="1").count() == 1


def test_same_external_id_on_another_platform_is_another_message(x_account):
    ingest.ingest_batch(x_account, Batch(items=[make_item("x", 7)], next_cursor="c"))
    facebook = Account.objects.filter(platform="facebook").first()
    ids = ingest.ingest_batch(facebook, Batch(items=[make_item("facebook", 7)], next_cursor="c"))
    assert len(ids) == 1
    assert Message.objects.filter(external_id="7").count() == 2


def test_new_messages_go_through_the_pipeline_once(x_account, monkeypatch):
    calls = []
    real = pipeline.record_arrivals
    monkeypatch.setattr(pipeline, "record_arrivals",
                        lambda ids, outcomes: (calls.append(sorted(ids)), real(ids, outcomes)))
    first = ingest.ingest_batch(x_account, Batch(items=[make_item("x", n) for n in range(3)], next_cursor="a"))
    ingest.ingest_batch(x_account, Batch(items=[make_item("x", n) for n in range(3)], next_cursor="b"))
    assert calls == [sorted(first)]  # nothing new the second time: not called again
    assert all(m.division_id is not None for m in Message.objects.filter(pk__in=first))


def test_a_batch_runs_with_the_cyclic_collector_off_and_turns_it_back_on(x_account, monkeypatch):
    seen = []
    real = ingest.insert_items
    monkeypatch.setattr(ingest, "insert_items", lambda *a, **k: (seen.append(gc.isenabled()), real(*a, **k))[1])
    assert gc.isenabled()
    ingest.ingest_batch(x_account, Batch(items=[make_item("x", 1)], next_cursor="a"))
    with pytest.raises(Exception):  # noqa: B017 - a failing batch turns it back on too
        ingest.ingest_batch(x_account, Batch(items=[make_item("x", 2)], next_cursor="c" * 300))
    assert seen == [False, False] and gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        ingest.ingest_batch(x_account, Batch(items=[make_item("x", 3)], next_cursor="b"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cursor_failure_rolls_back_the_messages(x_account):
    # The cursor column holds 200 characters: the UPDATE fails, and so must the INSERT before it.
    with pytest.raises(Exception):  # noqa: B017 - DataError, whatever the driver calls it
        ingest.ingest_batch(x_account, Batch(items=[make_item("x", 1)], next_cursor="c" * 300))
    assert not Message.objects.filter(external_id="1").exists()
    x_account.refresh_from_db()
    assert x_account.poll_cursor == ""


def test_failing_classifier_keeps_the_messages(x_account, monkeypatch):
    def broken(texts, pairs, model=None):
        raise RuntimeError("classifier down")

    monkeypatch.setattr(pipeline, "classify", broken)
    item = make_item("x", 1, text="가로등 고장 신고합니다")
    ids = ingest.ingest_batch(x_account, Batch(items=[item], next_cursor="c1"))
    assert Message.objects.filter(pk__in=ids).count() == 1
    x_account.refresh_from_db()
    assert x_account.poll_cursor == "c1"
    # Unclassified, in the SMC desk's needs-triage queue, with the strictest deadline and a timeline.
    stored = Message.objects.get(pk=ids[0])
    assert stored.division.is_smc_desk and stored.needs_triage and stored.status == "received"
    assert stored.type == "" and stored.confidence is None and stored.due_at is not None
    assert "실패" in stored.routing_reason
    assert list(stored.history.values_list("to_status", flat=True)) == ["received"]
    assert Message.objects.filter(pk__in=ids, search_vector="가로등").exists()  # still searchable


def test_database_error_inside_triage_keeps_the_batch(x_account, monkeypatch):
    # The triage reads everything (model, routing tables, regulation) before the batch's first INSERT.
    def broken():
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(pipeline.versions, "active_model", broken)
    ids = ingest.ingest_batch(x_account, Batch(items=[make_item("x", n) for n in range(3)], next_cursor="c3"))
    assert Message.objects.filter(pk__in=ids, division__is_smc_desk=True, needs_triage=True).count() == 3
    x_account.refresh_from_db()
    assert x_account.poll_cursor == "c3"


def _stored(prefix):
    rows = Message.objects.filter(external_id__startswith=prefix).order_by("pk")
    return [(m.text, m.type, m.topic, m.division_id, m.status, m.due_at, m.search_vector, m.district,
             list(m.history.values_list("from_status", "to_status", "division_id", "note")))
            for m in rows]


def test_a_big_batch_is_stored_in_parts_with_the_same_rows_as_in_one(x_account, monkeypatch):
    # The parts are sent in psycopg's pipeline mode, the database storing one while Python decides the next.
    texts = [f"{t} {n}" for n, t in enumerate(["버스가 안 와요", "가로등 고장", "시장님 응원합니다",
                                               "강남구 역삼동 침수", "지하철 9호선 연장", "전세 사기 피해"])]
    sent = []
    real_send = ingest.send_messages
    monkeypatch.setattr(ingest, "send_messages", lambda *a, **k: (sent.append(
        connection.connection._pipeline is not None), real_send(*a, **k))[1])
    one = ingest.ingest_batch(x_account, Batch(items=[make_item("x", n, "one-", t) for n, t in enumerate(texts)],
                                               next_cursor="a"))
    monkeypatch.setattr(ingest, "PART", 4)
    sent.clear()
    parts = ingest.ingest_batch(x_account, Batch(items=[make_item("x", n, "parts-", t) for n, t in enumerate(texts)],
                                                 next_cursor="b"))
    assert sent == [True, True] and len(one) == len(parts) == 6 and parts == sorted(parts)
    assert _stored("parts-") == _stored("one-")
    assert all(history for *_, history in _stored("parts-"))


def test_a_part_failing_in_the_database_rolls_back_the_whole_batch(x_account, monkeypatch):
    real_send = ingest.send_messages
    calls = []

    def second_part_fails(columns, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            columns["external_id"][0] = None  # NOT NULL: the database refuses the part
        return real_send(columns, **kwargs)

    monkeypatch.setattr(ingest, "PART", 2)
    monkeypatch.setattr(ingest, "send_messages", second_part_fails)
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, raised when the pipeline ends
        ingest.ingest_batch(x_account, Batch(items=[make_item("x", n, "fail-") for n in range(5)], next_cursor="c"))
    assert len(calls) == 2  # raised when its ids are read, before the next part is sent
    assert not Message.objects.filter(external_id__startswith="fail-").exists()
    x_account.refresh_from_db()
    assert x_account.poll_cursor == ""
    # The connection is usable again: the next batch is stored.
    monkeypatch.setattr(ingest, "send_messages", real_send)
    assert len(ingest.ingest_batch(x_account, Batch(items=[make_item("x", 9, "fail-")], next_cursor="d"))) == 1


def test_arrivals_are_stored_classified_and_routed_in_one_pass(x_account):
    ids = ingest.ingest_batch(x_account, Batch(items=[make_item("x", n) for n in range(4)], next_cursor="c"))
    for m in Message.objects.filter(pk__in=ids).select_related("division"):
        assert m.classifier_version == "test-inbox" and m.type and m.topic and m.confidence is not None
        assert m.division is not None and m.routing_reason
        expected = ["received", "assigned"] if m.status == "assigned" else ["received"]
        assert list(m.history.values_list("to_status", flat=True)) == expected


def test_text_is_sanitised_but_kept(x_account):
    nasty = "앞\x00뒤\x07 탭\t줄\r\n바꿈\r끝\x1f"
    ingest.ingest_batch(x_account, Batch(items=[make_item("x", 1, text=nasty)], next_cursor="c"))
    assert Message.objects.get(external_id="1").text == "앞뒤 탭\t줄\n바꿈\n끝"


def test_emoji_zwj_and_rtl_text_survive_bidi_controls_and_lone_surrogates_do_not(x_account):
    text = "가족 👨‍👩‍👧‍👦 깃발 🏳️‍🌈 아랍어 \u202eمرحبا\u202c 끝 \ud800"
    ingest.ingest_batch(x_account, Batch(items=[make_item("x", 1, text=text)], next_cursor="c"))
    stored = Message.objects.get(external_id="1").text
    assert "👨‍👩‍👧‍👦" in stored and "🏳️‍🌈" in stored and " مرحبا " in stored
    assert "\u202e" not in stored and "\u202c" not in stored
    assert stored.endswith("끝 \ufffd")


def test_100kb_text_stored_intact_and_searchable(x_account):
    text = "가로등 고장 신고합니다. " * 8000
    assert len(text.encode()) > 100_000
    ingest.ingest_batch(x_account, Batch(items=[make_item("x", 1, text=text)], next_cursor="c"))
    assert Message.objects.get(external_id="1").text == text
    assert Message.objects.filter(search_vector="가로등").exists()


def test_raw_payload_with_nul_is_stored(x_account):
    item = make_item("x", 1)
    item = item.__class__(**{**item.__dict__, "raw": {"text": "a\x00b", "nested": [{"k\x00": "\x00"}]}})
    ingest.ingest_batch(x_account, Batch(items=[item], next_cursor="c"))
    assert Message.objects.get(external_id="1").raw == {"text": "ab", "nested": [{"k": ""}]}


def test_overlong_fields_are_truncated_not_refused(x_account):
    item = make_item("x", 1, text="본문")
    item = item.__class__(**{**item.__dict__, "author_name": "이" * 500, "url": "https://x.com/" + "a" * 600})
    ids = ingest.ingest_batch(x_account, Batch(items=[item], next_cursor="c"))
    stored = Message.objects.get(pk=ids[0])
    assert len(stored.author_name) == 200 and stored.url == ""


# --- poll() ------------------------------------------------------------------------------------

def test_poll_fetches_from_saved_cursor(x_account, fake):
    x_account.poll_cursor = "c1"
    x_account.save()
    fake.fetches = [Batch(items=[make_item("x", 1), make_item("x", 2)], next_cursor="c2")]
    result = polling.poll(x_account)
    assert fake.fetch_calls == ["c1"]
    assert result.fetched == 2 and len(result.new_ids) == 2
    x_account.refresh_from_db()
    assert x_account.poll_cursor == "c2"


def test_poll_analyses_the_pages_a_connector_reports_early_and_stores_the_same(x_account, fake, monkeypatch):
    from textkit import korean

    items = [make_item("x", n) for n in range(1, 5)]
    early_texts = []
    real_add = korean.EarlyAnalysis.add

    def add(self, texts):
        early_texts.extend(texts)
        real_add(self, texts)

    monkeypatch.setattr(korean.EarlyAnalysis, "add", add)
    analysed = []
    real_batch = korean.analyze_batch
    monkeypatch.setattr(korean, "analyze_batch", lambda texts: analysed.append(list(texts)) or real_batch(texts))

    def fetch(account, cursor, on_page=None):
        on_page([i.text for i in items[:2]])
        on_page([i.text for i in items[2:]])
        return Batch(items=items, next_cursor="c9")

    monkeypatch.setattr(fake, "fetch", fetch, raising=False)
    monkeypatch.setattr(fake, "reports_pages", True, raising=False)
    result = polling.poll(x_account)

    assert len(result.new_ids) == 4 and early_texts == [i.text for i in items]
    assert analysed[:2] == [[i.text for i in items[:2]], [i.text for i in items[2:]]]
    assert all(i.text not in batch for batch in analysed[2:] for i in items)  # never analysed twice
    stored = Message.objects.filter(pk__in=result.new_ids).order_by("external_id")
    assert [m.search_vector is not None and m.division_id is not None for m in stored] == [True] * 4


def test_rate_limited_records_and_waits(x_account, fake):
    reset = timezone.now() + timedelta(minutes=5)
    fake.fetches = [RateLimited(reset)]
    result = polling.poll(x_account)
    assert result.skipped == "rate_limited" and result.rate_limited_until == reset
    assert polling.rate_limited_until(x_account.pk) == reset
    x_account.refresh_from_db()
    assert "요청 한도" in x_account.last_error and x_account.status == Status.ACTIVE
    assert x_account.pk not in polling.due_account_ids()


def test_auth_expired_sets_needs_reauth_and_stops(x_account, fake):
    other = Account.objects.filter(platform="x", status=Status.ACTIVE).exclude(pk=x_account.pk).first()
    fake.fetches = [AuthExpired("token revoked")]
    result = polling.poll(x_account)
    x_account.refresh_from_db()
    assert result.error == "auth_expired"
    assert x_account.status == Status.NEEDS_REAUTH and "재인증" in x_account.last_error
    other.refresh_from_db()
    assert other.status == Status.ACTIVE and other.last_error == ""
    # Never polled again: neither dispatched nor fetched.
    assert polling.poll(x_account).skipped == "inactive" and len(fake.fetch_calls) == 1


def test_transient_error_is_recorded_and_raised(x_account, fake):
    fake.fetches = [TransientError("503")]
    with pytest.raises(TransientError):
        polling.poll(x_account)
    x_account.refresh_from_db()
    assert "503" in x_account.last_error and x_account.poll_cursor == ""


def test_permanent_error_is_recorded(x_account, fake):
    fake.fetches = [PermanentError("malformed JSON")]
    result = polling.poll(x_account)
    x_account.refresh_from_db()
    assert result.error and "malformed JSON" in x_account.last_error and x_account.status == Status.ACTIVE


def test_poll_skips_while_another_process_holds_the_lock(x_account, fake):
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [locks._key(locks.POLL_ACCOUNT, x_account.pk)])
        assert polling.poll(x_account).skipped == "locked"
        holder = other.info.backend_pid
    assert fake.fetch_calls == []
    # The server frees the lock once the holder's backend has exited (just after the socket closes).
    def holder_gone():
        with connection.cursor() as cursor:
            # Inside the test's transaction pg_stat_activity is a snapshot taken at its first read: drop it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [holder])
            return cursor.fetchone()[0] == 0

    wait_until(holder_gone, "the lock holder's session to end")
    fake.fetches = [Batch(items=[make_item("x", 1)], next_cursor="c")]
    assert len(polling.poll(x_account).new_ids) == 1  # freed when the holder's session ended


@pytest.mark.parametrize("status", [Status.PAUSED, Status.RETIRED, Status.NEEDS_REAUTH])
def test_inactive_accounts_are_never_polled(x_account, fake, status):
    x_account.status = status
    x_account.save()
    assert polling.poll(x_account).skipped == "inactive" and fake.fetch_calls == []
    assert x_account.pk not in polling.due_account_ids()


# --- which accounts are due --------------------------------------------------------------------

def test_due_accounts_respect_interval_and_queue_once(x_account, settings):
    settings.SMC_SIMULATE = True
    Account.objects.exclude(pk=x_account.pk).update(status=Status.PAUSED)
    x_account.poll_interval_seconds = 60
    now = timezone.now()
    # Polled in the account's current 60 s slot (slots have a phase of their own): not due yet.
    slot_start = polling.next_poll_at(x_account.pk, now - timedelta(seconds=60), 60)
    assert now - timedelta(seconds=60) < slot_start <= now
    x_account.last_polled_at = slot_start + timedelta(milliseconds=1)  # clear of float rounding
    x_account.save()
    assert polling.due_account_ids(now=now) == []
    x_account.last_polled_at = slot_start - timedelta(seconds=1)  # in the slot before: due
    x_account.save()
    assert polling.due_account_ids(now=now) == [x_account.pk]
    assert polling.due_account_ids(now=now) == []  # already queued for this interval


def test_me2day_and_accounts_without_credentials_are_not_dispatched(seeded, settings):
    settings.SMC_SIMULATE = False
    assert polling.due_account_ids() == []  # the seeded accounts have no credentials
    settings.SMC_SIMULATE = True
    due = set(polling.due_account_ids())
    me2day = set(Account.objects.filter(platform="me2day").values_list("pk", flat=True))
    assert due and not (due & me2day)


def test_account_admin_shows_health(x_account, client):
    from users.models import User

    ingest.ingest_batch(x_account, Batch(items=[make_item("x", n) for n in range(3)], next_cursor="c"))
    Account.objects.filter(pk=x_account.pk).update(last_error="수집 실패 (permanent error: boom)")
    client.force_login(User.objects.create_superuser("ops", password="pw-ops-1234"))
    page = client.get("/admin/accounts/account/", {"q": x_account.handle}).content.decode()
    assert "오늘 수신" in page and '<td class="field-messages_today">3</td>' in page
    assert "permanent error: boom" in page


def test_bulk_update_messages_writes_every_field(x_account):
    from departments.models import Division

    ids = ingest.ingest_batch(x_account, Batch(items=[make_item("x", n) for n in range(3)], next_cursor="c"))
    division = Division.objects.order_by("pk").last()
    rows = list(Message.objects.filter(pk__in=ids).order_by("pk"))
    due = timezone.now() + timedelta(days=3)
    for i, m in enumerate(rows):
        m.type, m.topic, m.confidence, m.division, m.due_at = "complaint", "transport", 0.5 + i / 10, division, due
        m.routing_reason = f"규칙 {i}"
    assert db.bulk_update_messages(rows, ["type", "topic", "confidence", "division", "due_at",
                                              "routing_reason"]) == 3
    stored = list(Message.objects.filter(pk__in=ids).order_by("pk"))
    assert [m.routing_reason for m in stored] == ["규칙 0", "규칙 1", "규칙 2"]
    assert [m.confidence for m in stored] == [0.5, 0.6, 0.7]
    assert all(m.division_id == division.pk and m.due_at == due and m.topic == "transport" for m in stored)


def test_array_literal_round_trips_every_value_through_postgresql(db):
    """The bulk statements send their columns as array literals: what PostgreSQL reads back must be
    exactly what was sent, whatever the text holds."""
    import enum

    import numpy as np

    from messages_app.db import array_literal

    texts = ["", "NULL", "null", 'say "hi"', "back\\slash", "\\\"", "{a,b}", "a,b", " spaced ", "줄\n바꿈\t탭",
             "'quote'", "$1 %s %(x)s", "😀👨\u200d👩\u200d👧", "}", "{", "\\N", "x" * 5000]
    when = timezone.now().replace(microsecond=123456)

    class Level(enum.IntEnum):
        HIGH = 3

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::bigint[], %s::double precision[], %s::boolean[], "
                       "%s::timestamptz[], %s::text[]",
                       [array_literal([*texts, None]), array_literal([1, -2, 2**62, None, Level.HIGH]),
                        array_literal([0.5, np.float64(0.1), 1e-300, None]),
                        array_literal([True, False, None]), array_literal([when, None]), array_literal([])])
        got = cursor.fetchone()
    assert got[0] == [*texts, None]
    assert got[1] == [1, -2, 2**62, None, 3]
    assert got[2] == [0.5, 0.1, 1e-300, None]
    assert got[3] == [True, False, None]
    assert got[4] == [when, None]
    assert got[5] == []
    # Anything else is left to the driver.
    odd = [object()]
    assert array_literal(odd) is odd
