"""Simulated history for the dashboard: N messages generated inside PostgreSQL (generate_series),
with answers, deadlines, overdue marks and transfers. Used by
`manage.py seed_dashboard_demo` (so `make run` shows a populated overview) and bench/dashboard.py.

Every row is marked is_simulated and its external id starts with the prefix ("sim-hist-" by
default), so the demo never passes for real data; the rows are private, so the public portal
never shows them (the dashboard counts them all the same). Honest history (issue 30): nothing is
dated after the moment of the load, each text carries the type, topic and division the real
pipeline (classifier and router) gives it, and every row is handled (answered, closed or spam), so
the history never fills the staff queues (messages_app/demo.py gives them a live queue).
The triggers are switched off for the bulk load
(one statement of millions of rows) when the database user may do so (a superuser), and the rollups
recomputed by rebuild_stats afterwards; any other user loads with the triggers on.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import OperationalError, ProgrammingError, connection, transaction
from django.utils import timezone

from accounts.connectors.simulator_texts import compose
from accounts.models import Account
from departments.models import Topic
from departments.services import smc_desk
from messages_app.services import pipeline
from textkit import korean, masking
from users.models import User

from .services import rebuild_stats

TABLES = ["messages_app_message", "messages_app_answer", "messages_app_statuschange"]


def _texts(k: int = 120) -> tuple[list[str], list[str]]:
    rng = random.Random(2012)
    texts = [compose(rng, "seoul_mayor").text for _ in range(k)]
    # search_vector is the public (masked) index on main: build it the way messages_app.services.search does.
    return texts, [korean.document_from(p) for p in korean.analyze_batch([masking.mask_text(t) for t in texts])]


def _labels(texts: list[str], desk: int, now: datetime) -> dict[str, list]:
    """What the real pipeline decides for each text: type, topic, confidence, division, reason."""
    outcomes = pipeline.triage([pipeline.Arrival(t, None, now) for t in texts], korean.analyze_batch(texts))
    return {"types": [o.type or "opinion" for o in outcomes], "topics": [o.topic or "other" for o in outcomes],
            "confidences": [o.confidence if o.confidence is not None else 0.0 for o in outcomes],
            "versions": [o.classifier_version or "simulated" for o in outcomes],
            "division_ids": [o.division.pk if o.division else desk for o in outcomes],
            "reasons": [f"시뮬레이션 이력: {o.routing_reason}"[:300] for o in outcomes]}


def generate(n: int, first: date, last: date, prefix: str = "sim-hist-", *, chunk: int = 500_000,
             progress=None, rebuild: bool = True) -> int:
    """Insert n simulated messages posted between `first` and `last` (inclusive), then rebuild the
    rollups (unless `rebuild` is false: the caller then runs rebuild_stats itself)."""
    # Only accounts the SMC polls receive messages (a district office's account is on the SNS map
    # but never polled: no inflow may show on it).
    accounts = list(Account.objects.filter(is_polled=True).order_by("pk").values_list("pk", "platform", "is_mayor"))
    mayor = [a for a in accounts if a[2]]
    others = [a for a in accounts if not a[2]]
    desk = smc_desk().pk
    author, _ = User.objects.get_or_create(username="simulated-history",
                                           defaults={"is_active": False, "first_name": "시뮬레이션"})
    texts, docs = _texts()
    now = timezone.now()
    labels = _labels(texts, desk, now)
    account_ids = [a[0] for a in mayor] + [a[0] for a in others]
    platforms = [a[1] for a in mayor] + [a[1] for a in others]
    start = timezone.make_aware(datetime.combine(first, time.min))
    # Nothing after now: the last day ends at this moment (received two minutes after posting).
    end = min(timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min)), now - timedelta(minutes=3))
    span = max((end - start).total_seconds(), 0)
    done = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM messages_app_message")
        base = cursor.fetchone()[0]
    while done < n:
        size = min(chunk, n - done)
        with transaction.atomic(), connection.cursor() as cursor:
            _triggers_off(cursor)
            # The chunk's rows get ids from the sequence, which may be ahead of max(id) (rolled back or
            # deleted rows): its answers and transfers find them as the prefixed rows above this id.
            cursor.execute("SELECT coalesce(max(id), 0) FROM messages_app_message")
            above = cursor.fetchone()[0]
            cursor.execute("""
            WITH x0 AS (
                SELECT g, random() AS r_type, random() AS r_topic, random() AS r_acc, random() AS r_ans,
                       random() AS r_text, random() AS r_time, random() AS r_spam, random() AS r_delay
                  FROM generate_series(%(from)s, %(to)s) g),
            x1 AS (SELECT x0.*, 1 + floor(r_text * %(k)s)::int AS ti FROM x0),
            x AS (
                SELECT x1.*, (%(types)s::text[])[ti] AS type, (%(topics)s::text[])[ti] AS topic,
                       CASE WHEN r_acc < 0.4 THEN 1 + floor(r_acc / 0.4 * %(nm)s)::int
                            ELSE %(nm)s + 1 + floor((r_acc - 0.4) / 0.6 * %(no)s)::int END AS ai,
                       %(start)s::timestamptz + (r_time * %(span)s) * interval '1 second' AS posted
                  FROM x1)
            INSERT INTO messages_app_message (
                platform, external_id, account_id, kind, author_external_id, author_handle, author_name,
                text, url, conversation_id, parent_external_id, posted_at, received_at, raw, is_simulated,
                is_private, hidden_by_author, type, topic, confidence, classifier_version, needs_triage,
                status, division_id, routing_reason, due_at, is_overdue, reminders_sent, search_vector,
                like_count, comment_count, updated_at, district, neighbourhood)
            SELECT (%(platforms)s::text[])[ai], %(prefix)s || g, (%(accounts)s::bigint[])[ai],
                   CASE WHEN (%(platforms)s::text[])[ai] = 'x' THEN 'mention' ELSE 'comment' END,
                   'u' || (g %% 50000), 'citizen' || (g %% 50000), '시민' || (g %% 50000),
                   (%(texts)s::text[])[ti], '', %(prefix)s || g, '',
                   posted, posted + interval '2 minutes', '{}'::jsonb, true, true, false,
                   type, topic, (%(confidences)s::float8[])[ti], (%(versions)s::text[])[ti], false,
                   CASE WHEN r_spam < 0.01 THEN 'spam'
                        WHEN type <> 'support' AND r_ans < (CASE type WHEN 'complaint' THEN 0.9 ELSE 0.3 END)
                             AND posted < %(now)s - interval '1 day' * (1 + r_delay * 12)
                        THEN CASE WHEN posted < %(now)s - interval '30 days' THEN 'closed' ELSE 'answered' END
                        ELSE 'closed' END,
                   (%(division_ids)s::bigint[])[ti], (%(reasons)s::text[])[ti],
                   CASE WHEN type = 'complaint' THEN posted + interval '9 days' END,
                   type = 'complaint' AND posted + interval '9 days' < %(now)s
                        AND NOT (r_ans < 0.9 AND posted < %(now)s - interval '1 day' * (1 + r_delay * 12))
                        AND r_spam >= 0.01,
                   '[]'::jsonb, to_tsvector('simple', (%(docs)s::text[])[ti]),
                   0, 0, %(now)s, '', NULL
              FROM x""", {
                "from": base + done + 1, "to": base + done + size, "nm": len(mayor), "no": len(others),
                "start": start, "span": span, "platforms": platforms, "accounts": account_ids,
                "prefix": prefix, "texts": texts, "docs": docs, "k": len(texts), "now": now, **labels})
            # Answers of the messages marked answered/closed, 1 to 13 days after arrival.
            cursor.execute("""
                INSERT INTO messages_app_answer (message_id, division_id, author_id, text, created_at,
                                                 updated_at, like_count)
                SELECT m.id, m.division_id, %s, '답변드립니다. (simulated)',
                       least(m.received_at + interval '1 hour' * (6 + (m.id %% 300)), %s), %s, 0
                  FROM messages_app_message m
                 WHERE m.external_id LIKE %s AND m.status IN ('answered', 'closed')
                   AND m.id BETWEEN %s AND %s""",
                           [author.pk, now, now, prefix + "%", above + 1, 2**62])
            # 3% transferred: a timeline of received at the desk, then assigned to the division.
            cursor.execute("""
                INSERT INTO messages_app_statuschange (message_id, from_status, to_status, division_id, note,
                                                       is_public, created_at)
                SELECT m.id, s.f, s.t, CASE s.f WHEN '' THEN %s ELSE m.division_id END, '시뮬레이션',
                       false, least(m.received_at + s.o, %s)
                  FROM messages_app_message m
                 CROSS JOIN (VALUES ('', 'received', interval '0'), ('received', 'assigned', interval '1 hour'))
                       AS s(f, t, o)
                 WHERE m.external_id LIKE %s AND m.id BETWEEN %s AND %s AND m.id %% 33 = 0
                   AND m.division_id <> %s""",
                           [desk, now, prefix + "%", above + 1, 2**62, desk])
        done += size
        if progress:
            progress(done)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('messages_app_message', 'id'), "
                       "(SELECT max(id) FROM messages_app_message))")
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    # Exact either way: with the triggers off the rollups are built here; with them on (no superuser)
    # they already counted every chunk, and the rebuild leaves the same figures.
    if rebuild:
        rebuild_stats()
    return n


def _triggers_off(cursor) -> bool:
    """Skip the rollup triggers for this transaction's bulk insert (replica role: the rebuild at the
    end counts the rows once). Setting it needs a superuser (or a GRANT SET on the parameter); for
    any other database user the load runs with the triggers on, which is slower but just as exact."""
    try:
        with transaction.atomic():  # a savepoint: the refusal must not abort the chunk's transaction
            cursor.execute("SET LOCAL session_replication_role = replica")
        return True
    except (ProgrammingError, OperationalError) as error:
        if getattr(error.__cause__, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        return False


def has_history(prefix: str = "sim-hist-") -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM messages_app_message WHERE external_id LIKE %s "
                       "AND is_simulated)", [prefix + "%"])
        return cursor.fetchone()[0]


__all__ = ["generate", "has_history", "Topic"]
