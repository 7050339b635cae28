"""The SQL that keeps the rollups exact: one function per concern, statement-level triggers with
transition tables on messages_app's tables and on the ratings (the ingest's bulk INSERT/UPDATE fire
them once per statement, not once per row). They write only the dashboard's tables.

Invariants (checked by tests/dashboard/test_rollups.py against GROUP BY over the raw tables):
  DailyStat/HourlyStat = Σ contribution(message, its answer, its rating) per bucket and dimensions
  DailyTotal           = the same per day and the dimensions but the account
  OpenNow              = Σ open / overdue per dimensions (no time bucket)
  AnswerDay            = Σ answered per day of the answer and dimensions
  MessageStat          = contribution(message, its answer, its rating), one row per message
  TransferDay          = status changes whose division differs from the message's previous one
  TermWeek             = non-spam messages per (week, topic) containing each Hangul term
The contribution of a message is CONTRIBUTION below; the pages may read it as a baseline too.

The ratings are portal's (one per message); like messages_app.selectors they are reached through the
message's reverse relation `rating`, so the dashboard does not import the portal.

Migrations install these functions and count from scratch with the code of today, whose tables only
the latest migration is sure to have: only the last migration that changes them does (0009 now;
0011, 0012 and 0013 replace the functions only).
"""

from core import locks
from messages_app.models import OPEN_STATUSES, Message, Status

from .models import ANSWER_TIMES, DIMENSIONS, EDGES, MEASURES, OPEN_MEASURES, TOTAL_DIMENSIONS


def literal(value: str) -> str:
    """A string constant of the code (an enum value) as an SQL literal."""
    return "'" + str(value).replace("'", "''") + "'"


def literal_list(values) -> str:
    return "(" + ", ".join(literal(v) for v in values) + ")"


# Seoul has no daylight saving time; the city's days and hours are Seoul's whatever the session says.
TZ = "Asia/Seoul"
# Built from messages_app's Status: a status renamed or added there is counted here without an edit.
# "Open" and "overdue" as messages_app.selectors defines them for the staff queues and the API.
OPEN = literal_list(OPEN_STATUSES)
SPAM = literal(Status.SPAM)
RATING = Message._meta.get_field("rating").related_model._meta.db_table
# First in every function that counts: a transaction's statements lock rollup rows in their own order
# each (a staff answer's INSERT, then its UPDATE), and two such transactions deadlocked (2 runs in 11 of
# test_rollups_stay_exact_under_concurrent_ingest_and_staff_work). Held until the transaction ends.
SERIAL = f"PERFORM pg_advisory_xact_lock({locks.DASHBOARD_ROLLUPS});"

# One row per message: what the rollups count of it. `{where}` limits the messages.
CONTRIBUTION = f"""
SELECT m.id AS message_id,
       date_trunc('hour', m.posted_at, '{TZ}') AS hour,
       (m.posted_at AT TIME ZONE '{TZ}')::date AS day,
       m.platform, m.kind, m.account_id, m.division_id, m.type, m.topic,
       (m.status <> {SPAM})::int AS received,
       (m.status = {SPAM})::int AS spam,
       (m.status IN {OPEN})::int AS open,
       (m.status IN {OPEN} AND m.is_overdue)::int AS overdue,
       (a.id IS NOT NULL)::int AS answered,
       (a.id IS NOT NULL AND m.due_at IS NOT NULL)::int AS with_deadline,
       (a.id IS NOT NULL AND m.due_at IS NOT NULL AND a.created_at <= m.due_at)::int AS in_time,
       (r.score IS NOT NULL)::int AS rated,
       coalesce(r.score, 0) AS rating_sum,
       coalesce(r.score >= 4, false)::int AS satisfied,
       a.created_at AS answered_at,
       CASE WHEN a.id IS NOT NULL
            THEN greatest(0, dashboard_wd(a.created_at) - dashboard_wd(m.received_at)) END AS working_days
  FROM {{messages}} m
  LEFT JOIN messages_app_answer a ON a.message_id = m.id
  LEFT JOIN {RATING} r ON r.message_id = m.id
 {{where}}
"""


def contribution(where: str = "", messages: str = "messages_app_message") -> str:
    """CONTRIBUTION of the messages `where` selects, read from `messages` (a trigger's new_rows)."""
    return CONTRIBUTION.format(where=where, messages=messages)


STAT_COLUMNS = ["message_id", "hour", "day", *DIMENSIONS, *MEASURES, "answered_at", "working_days"]
_dims = ", ".join(DIMENSIONS)
_stat_list = ", ".join(STAT_COLUMNS)
DAY_MEASURES = [*MEASURES, *ANSWER_TIMES]
_EDGES = "ARRAY[" + ", ".join(repr(float(e)) for e in EDGES) + "]::float8[]"


def with_extras(rows: str) -> str:
    """Rows of STAT_COLUMNS and a sign `s` (+1 counted, -1 uncounted), with what the rollups derive
    from them: the bucket of the time to answer (`wb`, index into ANSWER_TIMES) and the day of the answer."""
    return f"""(SELECT x.*, width_bucket(x.working_days, {_EDGES}) - 1 AS wb,
               (x.answered_at AT TIME ZONE '{TZ}')::date AS answer_day FROM ({rows}) x)"""


def _sum(measure: str) -> str:
    if measure in ANSWER_TIMES:
        return f"coalesce(sum(s) FILTER (WHERE wb = {ANSWER_TIMES.index(measure)}), 0)"
    return f"sum(s * {measure})"


# The rollups kept from the rows of with_extras: table, time bucket column (None: none), the rows'
# column that fills it, dimensions and measures.
ROLLUPS = [
    ("dashboard_hourlystat", "hour", "hour", DIMENSIONS, MEASURES),
    ("dashboard_dailystat", "day", "day", DIMENSIONS, DAY_MEASURES),
    ("dashboard_dailytotal", "day", "day", TOTAL_DIMENSIONS, DAY_MEASURES),
    ("dashboard_opennow", None, None, DIMENSIONS, OPEN_MEASURES),
    ("dashboard_answerday", "day", "answer_day", DIMENSIONS, ["answered"]),
]


def rollup_select(bucket: str | None, column: str | None, dimensions: list[str], measures: list[str],
                  source: str) -> str:
    """The rows of one rollup from `source` (rows of with_extras): the signed sums per key, in key order
    (the lock order of the upserts), the keys whose sums are all zero left out."""
    key = ([column] if column else []) + dimensions
    named = ([f"{column} AS {bucket}"] if column else []) + dimensions
    sums = ", ".join(f"{_sum(c)} AS {c}" for c in measures)
    nonzero = " OR ".join(f"{_sum(c)} <> 0" for c in measures)
    return (f"SELECT {', '.join(named)}, {sums} FROM {source} r GROUP BY {', '.join(key)} "
            f"HAVING {nonzero} ORDER BY {', '.join(key)}")


def _upsert(table: str, bucket: str | None, column: str | None, dimensions: list[str], measures: list[str],
            source: str) -> str:
    """Add the signed counts of `source` to `table`, key by key."""
    key = ", ".join(([bucket] if bucket else []) + dimensions)
    add = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in measures)
    return f"""
    INSERT INTO {table} AS t ({key}, {", ".join(measures)})
    {rollup_select(bucket, column, dimensions, measures, source)}
    ON CONFLICT ({key}) DO UPDATE SET {add}"""


_set_stat = ", ".join(f"{c} = excluded.{c}" for c in STAT_COLUMNS[1:])
_delta = with_extras(f"SELECT {_stat_list}, 1 AS s FROM cur UNION ALL SELECT {_stat_list}, -1 AS s FROM old")
_upserts = ",\n".join(f"    u{i} AS ({_upsert(*spec, 'delta')})" for i, spec in enumerate(ROLLUPS))

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION dashboard_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    {SERIAL}
    -- Lock what is counted of these messages first: a concurrent change of the same message waits
    -- here, and the next statement's snapshot then sees that change committed (READ COMMITTED).
    PERFORM 1 FROM dashboard_messagestat WHERE message_id = ANY(ids) ORDER BY message_id FOR UPDATE;
    WITH cur AS ({contribution("WHERE m.id = ANY(ids)")}),
    old AS (SELECT * FROM dashboard_messagestat WHERE message_id = ANY(ids)),
    delta AS (SELECT * FROM {_delta} d),
{_upserts},
    gone AS (
        DELETE FROM dashboard_messagestat s WHERE s.message_id = ANY(ids)
           AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.message_id = s.message_id)
    )
    INSERT INTO dashboard_messagestat ({_stat_list})
    SELECT {_stat_list} FROM cur ORDER BY message_id
    ON CONFLICT (message_id) DO UPDATE SET {_set_stat};
END
$fn$;
"""

# Working time between two moments in working days, as departments.workdays.Calendar.working_time
# counts it (a working day counts 24 hours, a day off nothing): W(b) - W(a).
WORKDAY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION dashboard_wd(t timestamptz) RETURNS double precision
LANGUAGE sql STABLE AS $fn$
    SELECT w.seq + CASE WHEN w.is_working
                        THEN extract(epoch FROM (t AT TIME ZONE '{TZ}')
                                               - date_trunc('day', t AT TIME ZONE '{TZ}')) / 86400.0
                        ELSE 0 END
      FROM dashboard_workday w WHERE w.day = (t AT TIME ZONE '{TZ}')::date
$fn$;
"""

# Which columns of a message its contribution depends on (others, e.g. like_count, are ignored).
WATCHED = ["posted_at", "received_at", "platform", "kind", "account_id", "division_id", "type", "topic",
           "status", "due_at", "is_overdue"]
_changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in WATCHED)

# Terms: a message's terms count when it is not spam; they move with its week, topic and document.
_TERM_ROWS = f"""
    SELECT date_trunc('week', r.posted_at AT TIME ZONE '{TZ}')::date AS week, r.topic, x.term, r.s
      FROM {{rows}} r CROSS JOIN LATERAL unnest(tsvector_to_array(r.search_vector)) AS x(term)
     WHERE r.status <> {SPAM} AND x.term ~ '^[가-힣]+$' AND char_length(x.term) BETWEEN 2 AND 30"""
TERM_WATCHED = ["posted_at", "topic", "search_vector"]
_term_changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in TERM_WATCHED) + \
    f" OR (n.status = {SPAM}) <> (o.status = {SPAM})"


def _term_upsert(rows: str) -> str:
    # Summed apart from the ORDER BY of the upsert (a MATERIALIZED CTE): PostgreSQL then hashes the
    # ~7 terms of each message and sorts only the sums (~800 per 1,000 messages); with one
    # GROUP BY ... ORDER BY it sorted every term first (about a third of the upsert's time).
    return f"""
    WITH counted AS MATERIALIZED (
        SELECT week, topic, term, sum(s) AS n FROM ({_TERM_ROWS.format(rows=rows)}) x GROUP BY week, topic, term)
    INSERT INTO dashboard_termweek AS t (week, topic, term, n)
    SELECT week, topic, term, n FROM counted WHERE n <> 0 ORDER BY week, topic, term
    ON CONFLICT (week, topic, term) DO UPDATE SET n = t.n + excluded.n"""


# Transfers of some messages: rows whose division differs from the previous row's (by id).
def _transfers(rows: str) -> str:
    return f"""
    SELECT (created_at AT TIME ZONE '{TZ}')::date AS day, prev AS from_division_id,
           division_id AS to_division_id
      FROM (SELECT r.created_at, r.division_id,
                   lag(r.division_id) OVER (PARTITION BY r.message_id ORDER BY r.id) AS prev
              FROM ({rows}) r) x
     WHERE prev IS NOT NULL AND division_id IS NOT NULL AND prev <> division_id"""


def _transfer_delta(after: str, before: str) -> str:
    return f"""
    INSERT INTO dashboard_transferday AS t (day, from_division_id, to_division_id, n)
    SELECT day, from_division_id, to_division_id, sum(s) FROM (
        SELECT *, 1 AS s FROM ({_transfers(after)}) a
        UNION ALL SELECT *, -1 AS s FROM ({_transfers(before)}) b) d
     GROUP BY 1, 2, 3 HAVING sum(s) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (day, from_division_id, to_division_id) DO UPDATE SET n = t.n + excluded.n"""


_SC = "SELECT id, message_id, division_id, created_at FROM messages_app_statuschange"


def _rows_of_messages(changed: str) -> str:
    """`WITH seq`: every status change of the messages that `changed` (a transition table) touches, read
    through the message_id index one message at a time. OFFSET 0 keeps the lookup per message: as a
    plain join the planner hashed the whole table, a scan that grew with it (at 100,000 messages the
    ingest's timeline INSERT spent 3/4 of its time there)."""
    return f"""WITH seq AS MATERIALIZED (
        SELECT s.* FROM (SELECT DISTINCT message_id FROM {changed}) t
         CROSS JOIN LATERAL ({_SC} c WHERE c.message_id = t.message_id OFFSET 0) s)"""

# New messages (the ingest's every statement): counted from the statement's own rows, nothing to
# lock, re-read or subtract (a new id has no counted row yet): ~20% cheaper than dashboard_refresh.
_new_delta = with_extras(f"SELECT {_stat_list}, 1 AS s FROM cur")

TRIGGER_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION dashboard_message_ins() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    WITH cur AS ({contribution(messages="new_rows")}),
    delta AS (SELECT * FROM {_new_delta} d),
{_upserts}
    INSERT INTO dashboard_messagestat ({_stat_list})
    SELECT {_stat_list} FROM cur ORDER BY message_id;
    {_term_upsert("(SELECT *, 1 AS s FROM new_rows)")};
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dashboard_message_upd() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    PERFORM dashboard_refresh(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {_changed}));
    {_term_upsert(f'''(SELECT n.*, 1 AS s FROM new_rows n JOIN old_rows o ON o.id = n.id
                         WHERE {_term_changed}
                       UNION ALL
                       SELECT o.*, -1 AS s FROM new_rows n JOIN old_rows o ON o.id = n.id
                         WHERE {_term_changed})''')};
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dashboard_message_del() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    PERFORM dashboard_refresh(ARRAY(SELECT id FROM old_rows));
    {_term_upsert("(SELECT *, -1 AS s FROM old_rows)")};
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dashboard_answer_new() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    PERFORM dashboard_refresh(ARRAY(SELECT DISTINCT message_id FROM new_rows));
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dashboard_answer_old() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    PERFORM dashboard_refresh(ARRAY(SELECT DISTINCT message_id FROM old_rows));
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dashboard_answer_upd() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    PERFORM dashboard_refresh(ARRAY(
        SELECT message_id FROM new_rows UNION SELECT message_id FROM old_rows));
    RETURN NULL;
END $fn$;

-- Status changes are only ever appended (and deleted with their message): the transfers of the
-- touched messages are recounted with and without the statement's rows, the difference applied.
CREATE OR REPLACE FUNCTION dashboard_statuschange_ins() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    {_rows_of_messages("new_rows")}{_transfer_delta(
        "SELECT * FROM seq", "SELECT * FROM seq WHERE id NOT IN (SELECT id FROM new_rows)")};
    RETURN NULL;
END $fn$;

CREATE OR REPLACE FUNCTION dashboard_statuschange_del() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    {SERIAL}
    {_rows_of_messages("old_rows")}{_transfer_delta(
        "SELECT * FROM seq",
        "SELECT * FROM seq UNION ALL SELECT id, message_id, division_id, created_at FROM old_rows")};
    RETURN NULL;
END $fn$;
"""

# Names sort in firing order: the message's counts before its terms, always the same lock order.
TRIGGERS = """
CREATE TRIGGER dashboard_message_ins AFTER INSERT ON messages_app_message
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_message_ins();
CREATE TRIGGER dashboard_message_upd AFTER UPDATE ON messages_app_message
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_message_upd();
CREATE TRIGGER dashboard_message_del AFTER DELETE ON messages_app_message
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_message_del();
CREATE TRIGGER dashboard_answer_ins AFTER INSERT ON messages_app_answer
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_answer_new();
CREATE TRIGGER dashboard_answer_upd AFTER UPDATE ON messages_app_answer
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_answer_upd();
CREATE TRIGGER dashboard_answer_del AFTER DELETE ON messages_app_answer
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_answer_old();
CREATE TRIGGER dashboard_statuschange_ins AFTER INSERT ON messages_app_statuschange
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_statuschange_ins();
CREATE TRIGGER dashboard_statuschange_del AFTER DELETE ON messages_app_statuschange
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_statuschange_del();
""" + f"""
-- A rating counts with its message: its message is recounted (the answer's functions read message_id).
CREATE TRIGGER dashboard_rating_ins AFTER INSERT ON {RATING}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_answer_new();
CREATE TRIGGER dashboard_rating_upd AFTER UPDATE ON {RATING}
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_answer_upd();
CREATE TRIGGER dashboard_rating_del AFTER DELETE ON {RATING}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dashboard_answer_old();
"""

DROP = f"""
DROP TRIGGER IF EXISTS dashboard_message_ins ON messages_app_message;
DROP TRIGGER IF EXISTS dashboard_message_upd ON messages_app_message;
DROP TRIGGER IF EXISTS dashboard_message_del ON messages_app_message;
DROP TRIGGER IF EXISTS dashboard_answer_ins ON messages_app_answer;
DROP TRIGGER IF EXISTS dashboard_answer_upd ON messages_app_answer;
DROP TRIGGER IF EXISTS dashboard_answer_del ON messages_app_answer;
DROP TRIGGER IF EXISTS dashboard_statuschange_ins ON messages_app_statuschange;
DROP TRIGGER IF EXISTS dashboard_statuschange_del ON messages_app_statuschange;
DROP TRIGGER IF EXISTS dashboard_rating_ins ON {RATING};
DROP TRIGGER IF EXISTS dashboard_rating_upd ON {RATING};
DROP TRIGGER IF EXISTS dashboard_rating_del ON {RATING};
DROP FUNCTION IF EXISTS dashboard_message_ins(), dashboard_message_upd(), dashboard_message_del(),
    dashboard_answer_new(), dashboard_answer_old(), dashboard_answer_upd(),
    dashboard_statuschange_ins(), dashboard_statuschange_del(), dashboard_refresh(bigint[]),
    dashboard_wd(timestamptz);
"""

INSTALL = WORKDAY_FUNCTION + REFRESH_FUNCTION + TRIGGER_FUNCTIONS + TRIGGERS

# --- from scratch: the same definitions as GROUP BY over the raw tables ------------------------

RAW_STATS = contribution()
RAW_TRANSFERS = f"""
SELECT day, from_division_id, to_division_id, count(*) AS n
  FROM ({_transfers(_SC)}) t GROUP BY 1, 2, 3"""
RAW_TERMS = f"""
SELECT week, topic, term, sum(s) AS n
  FROM ({_TERM_ROWS.format(rows="(SELECT *, 1 AS s FROM messages_app_message)")}) t GROUP BY 1, 2, 3"""


def raw_rollup(table: str) -> str:
    """A rollup of ROLLUPS as GROUP BY over the raw tables."""
    _table, bucket, column, dimensions, measures = next(spec for spec in ROLLUPS if spec[0] == table)
    return rollup_select(bucket, column, dimensions, measures, with_extras(f"SELECT *, 1 AS s FROM ({RAW_STATS}) c"))


ROLLUP_TABLES = ["dashboard_messagestat", *(spec[0] for spec in ROLLUPS), "dashboard_transferday",
                 "dashboard_termweek"]


def _insert(spec: tuple, source: str) -> str:
    table, bucket, _column, dimensions, measures = spec
    key = ([bucket] if bucket else []) + dimensions
    return f"INSERT INTO {table} ({', '.join(key + measures)}) {rollup_select(*spec[1:], source)}"


_total_dims = ", ".join(TOTAL_DIMENSIONS)
_counted = with_extras(f"SELECT {_stat_list}, 1 AS s FROM dashboard_messagestat")
# Each rollup is written in the order of its time bucket, so a period's rows sit together on disk;
# DailyTotal is summed from DailyStat (fewer rows to read than the messages).
REBUILD = [
    f"TRUNCATE {', '.join(ROLLUP_TABLES)}",
    f"INSERT INTO dashboard_messagestat ({_stat_list}) SELECT {_stat_list} FROM ({RAW_STATS}) r",
    *[_insert(spec, _counted) for spec in ROLLUPS if spec[0] != "dashboard_dailytotal"],
    f"INSERT INTO dashboard_dailytotal (day, {_total_dims}, {', '.join(DAY_MEASURES)}) "
    f"SELECT day, {_total_dims}, {', '.join(f'sum({c})' for c in DAY_MEASURES)} FROM dashboard_dailystat "
    f"GROUP BY day, {_total_dims} ORDER BY day, {_total_dims}",
    f"INSERT INTO dashboard_transferday (day, from_division_id, to_division_id, n) {RAW_TRANSFERS}",
    f"INSERT INTO dashboard_termweek (week, topic, term, n) {RAW_TERMS} ORDER BY 1",
]
