"""Rollup exactness: random arrivals (through the real ingest bulk path), corrections, transfers,
answers, hides, spam, overdue marks, re-indexing and deletions; after each step every rollup equals
the GROUP BY over the raw tables. Also under concurrent ingest, and rebuild_stats is idempotent."""

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.connectors.base import Batch, InboundItem
from accounts.models import Account
from dashboard import sql
from dashboard.services import refresh_calendar
from departments.models import CalendarOverride, Division
from departments.workdays import Calendar
from messages_app.models import Message, MessageType, Status, Topic
from messages_app.services import handling, ingest, search, workflow
from outbound import services as outbound
from portal.models import Rating
from users.models import User

from .exactness import differences, table_sizes

TEXTS = [
    "지하철 2호선 강남역 에스컬레이터가 또 멈췄어요. 빨리 고쳐 주세요.",
    "서울시 공공자전거 따릉이 덕분에 출퇴근이 즐겁습니다. 감사합니다!",
    "우리 동네 골목 가로등이 꺼져서 밤에 너무 어둡습니다.",
    "한강공원 쓰레기 분리수거함이 넘쳐요 관리 부탁드립니다.",
    "청년 월세 지원 신청은 언제부터인가요?",
    "시장님 응원합니다 서울 시민 행복 화이팅",
    "버스 정류장 안내 전광판이 고장났습니다",
]


def items(rng, prefix, n, platform, start):
    return [InboundItem(
        platform=platform, external_id=f"{prefix}-{i}", text=f"{rng.choice(TEXTS)} {prefix}{i}",
        posted_at=start + timedelta(minutes=rng.randrange(60 * 24 * 12)), author_id=f"u{i % 13}",
        author_handle=f"c{i % 13}", author_name="시민", conversation_id=f"{prefix}-{i}", raw={},
        kind=rng.choice(["mention", "reply"]) if platform == "x" else "comment",
    ) for i in range(n)]


@pytest.fixture
def admin_user(seeded):
    return User.objects.create_superuser("root", password=None)


@pytest.fixture(autouse=True)
def _no_publishing(monkeypatch):
    monkeypatch.setattr(outbound, "queue", lambda ids, countdown=None: None)


def assert_exact(step=""):
    diff = differences()
    assert not diff, f"after {step}: {diff}"


def random_step(rng, user, divisions, n):
    ids = list(Message.objects.values_list("pk", flat=True))
    op = rng.choice(["ingest", "reclassify", "reclassify", "transfer", "transfer", "answer", "answer",
                     "hide", "spam", "overdue", "start", "close", "reindex", "delete", "unspam",
                     "rate", "rate", "unrate"])
    if op == "ingest" or not ids:
        account = rng.choice(list(Account.objects.filter(status="active").exclude(platform="me2day")))
        start = timezone.now() - timedelta(days=10)
        # 20% of a batch re-sent: ON CONFLICT DO NOTHING must count those once.
        batch = items(rng, f"r{n}", rng.randrange(1, 15), account.platform, start)
        batch += rng.sample(batch, len(batch) // 5)
        ingest.ingest_batch(account, Batch(items=batch, next_cursor=f"c{n}"))
        return "ingest"
    message = Message.objects.get(pk=rng.choice(ids))
    try:
        if op == "reclassify":
            handling.reclassify(message, actor=user, type=rng.choice(MessageType.values),
                              topic=rng.choice(Topic.values))
        elif op == "transfer":
            handling.transfer(message, rng.choice(divisions), actor=user, reason="담당 업무가 아님")
        elif op == "answer":
            handling.answer(message, actor=user, text="확인 후 조치하겠습니다.")
        elif op == "hide":
            workflow.hide(message, actor=user)
        elif op == "spam":
            workflow.mark_spam(message, actor=user)
        elif op == "unspam":
            workflow.transition(message, Status.RECEIVED, actor=user)
        elif op == "overdue":
            Message.objects.filter(pk=message.pk).update(is_overdue=True, due_at=timezone.now() - timedelta(hours=1))
        elif op == "start":
            workflow.start(message, actor=user)
        elif op == "close":
            workflow.close(message, actor=user)
        elif op == "reindex":
            Message.objects.filter(pk=message.pk).update(text="지하철 승강장 안전문 고장")
            search.index_messages([message.pk])
        elif op == "delete":
            message.delete()
        elif op == "rate":  # a new rating, or the asker changing theirs
            Rating.objects.update_or_create(message=message, defaults={"score": rng.randint(1, 5)})
        elif op == "unrate":
            Rating.objects.filter(message=message).delete()
    except (handling.HandlingError, workflow.InvalidTransition, workflow.AnswerRequired):
        return f"{op} (refused)"
    return op


def test_random_operations_keep_every_rollup_exact(admin_user, monkeypatch):
    # Batches of more than 4 are stored in parts (one INSERT, timeline and trigger run each), as 1,000 are.
    monkeypatch.setattr(ingest, "PART", 4)
    rng = random.Random(11)
    divisions = list(Division.objects.all())
    assert_exact("nothing")
    done = []
    for n in range(70):
        done.append(random_step(rng, admin_user, divisions, n))
        if n % 7 == 0:
            assert_exact(done[-1])
    assert_exact("all steps")
    sizes = table_sizes()
    # The sequence must have exercised every table.
    assert sizes["messagestat"] > 30 and sizes["transferday"] > 0 and sizes["termweek"] > 0, sizes
    assert 0 < sizes["dailytotal"] <= sizes["dailystat"], sizes
    assert sizes["opennow"] > 0 and sizes["answerday"] > 0, sizes
    assert {"answer", "transfer", "reclassify", "ingest", "rate", "unrate"} <= set(done), done
    assert Rating.objects.exists()
    assert Message.objects.filter(answer__isnull=False).exists()
    assert Message.objects.filter(status=Status.SPAM).exists() or "spam (refused)" in done


def test_rebuild_stats_is_idempotent_and_equals_the_triggers(admin_user):
    rng = random.Random(3)
    divisions = list(Division.objects.all())
    for n in range(25):
        random_step(rng, admin_user, divisions, n)
    before = _dump()
    call_command("rebuild_stats", stdout=open("/dev/null", "w"))
    assert _dump() == before
    call_command("rebuild_stats", stdout=open("/dev/null", "w"))
    assert _dump() == before
    assert_exact("rebuild")


def _dump():
    """Every rollup's rows (the rows whose counts are all zero left out), and MessageStat's."""
    out = {}
    with connection.cursor() as cursor:
        for table, bucket, _column, dims, measures in sql.ROLLUPS:
            key = ", ".join(([bucket] if bucket else []) + dims)
            cursor.execute(f"SELECT {key}, {', '.join(measures)} FROM {table} "
                           f"WHERE {' OR '.join(f'{m} <> 0' for m in measures)} ORDER BY {key}")
            out[table] = cursor.fetchall()
        for table, key in (("dashboard_transferday", "day, from_division_id, to_division_id"),
                           ("dashboard_termweek", "week, topic, term")):
            cursor.execute(f"SELECT {key}, n FROM {table} WHERE n <> 0 ORDER BY {key}")
            out[table] = cursor.fetchall()
        cursor.execute("SELECT * FROM dashboard_messagestat ORDER BY message_id")
        out["dashboard_messagestat"] = cursor.fetchall()
    return out


def test_working_days_to_answer_match_the_python_calendar(seeded):
    refresh_calendar()
    calendar = Calendar()
    with connection.cursor() as cursor:
        for start, end in [
            (datetime(2026, 2, 13, 17, 0, tzinfo=UTC), datetime(2026, 2, 20, 3, 0, tzinfo=UTC)),  # 설날
            (datetime(2026, 3, 6, 10, 0, tzinfo=UTC), datetime(2026, 3, 9, 2, 30, tzinfo=UTC)),  # weekend
            (datetime(2026, 3, 2, 0, 0, tzinfo=UTC), datetime(2026, 3, 2, 6, 0, tzinfo=UTC)),
        ]:
            cursor.execute("SELECT dashboard_wd(%s) - dashboard_wd(%s)", [end, start])
            assert cursor.fetchone()[0] == pytest.approx(calendar.working_time(start, end) / timedelta(days=1))


def test_a_calendar_override_moves_the_working_days_of_answers(admin_user):
    account = Account.objects.get(handle="seoul_mayor")
    ingest.ingest_batch(account, Batch(items=items(random.Random(1), "cal", 1, "x",
                                                   timezone.now() - timedelta(days=3)), next_cursor="c"))
    message = Message.objects.get()
    handling.answer(message, actor=admin_user, text="답변")
    before = _working_days(message.pk)
    day = timezone.localdate(message.received_at)
    CalendarOverride.objects.create(date=day, is_holiday=Calendar().is_working_day(day), name="시험")
    refresh_calendar()
    assert _working_days(message.pk) != before
    assert_exact("override")


def _working_days(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT working_days FROM dashboard_messagestat WHERE message_id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_rollups_stay_exact_under_concurrent_ingest_and_staff_work(seeded):
    user = User.objects.create_superuser("root2", password=None)
    accounts = list(Account.objects.filter(status="active", platform="x")[:2])
    # Something for staff to work on while the ingest runs.
    ingest.ingest_batch(accounts[0], Batch(items=items(random.Random(5), "pre", 30, "x",
                                                       timezone.now() - timedelta(days=5)), next_cursor="p"))
    divisions = list(Division.objects.all())
    errors, barrier = [], threading.Barrier(3)

    def ingest_worker(account, seed):
        rng = random.Random(seed)
        try:
            barrier.wait()
            for n in range(12):
                batch = items(rng, f"w{seed}-{n}", 20, account.platform, timezone.now() - timedelta(days=2))
                ingest.ingest_batch(account, Batch(items=batch, next_cursor=f"{seed}-{n}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            close_old_connections()

    def staff_worker():
        rng = random.Random(9)
        try:
            barrier.wait()
            for n in range(40):
                random_step(rng, user, divisions, 1000 + n) if rng.random() < 0.2 else \
                    _staff_only_step(rng, user, divisions)
        except Exception as exc:  # pragma: no cover
            errors.append(repr(exc))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=ingest_worker, args=(accounts[0], 1)),
               threading.Thread(target=ingest_worker, args=(accounts[1], 2)),
               threading.Thread(target=staff_worker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert Message.objects.count() > 400
    assert_exact("concurrent ingest")


def _staff_only_step(rng, user, divisions):
    ids = list(Message.objects.values_list("pk", flat=True)[:200])
    message = Message.objects.get(pk=rng.choice(ids))
    try:
        rng.choice([
            lambda: handling.answer(message, actor=user, text="답변"),
            lambda: handling.transfer(message, rng.choice(divisions), actor=user, reason="이관"),
            lambda: handling.reclassify(message, actor=user, type=rng.choice(MessageType.values),
                                      topic=rng.choice(Topic.values)),
        ])()
    except (handling.HandlingError, workflow.InvalidTransition, workflow.AnswerRequired):
        pass


def test_counter_tables_leave_room_for_updates_in_place(db):
    # The upserts add to counters: with room on the page the new row version stays there (a HOT update,
    # no index entry written); dailystat cannot (its covering index holds the counters).
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [sql.ROLLUP_TABLES])
        options = dict(cursor.fetchall())
    assert options["dashboard_termweek"] == ["fillfactor=50"]
    assert all(options[t] == ["fillfactor=70"] for t in ("dashboard_hourlystat", "dashboard_dailytotal",
                                                          "dashboard_opennow", "dashboard_answerday",
                                                          "dashboard_transferday"))
    assert options["dashboard_dailystat"] is None
