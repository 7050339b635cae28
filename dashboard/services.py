"""What changes the dashboard's own tables: the working-day calendar and the rebuild from scratch.
Day to day the triggers of dashboard/sql.py keep the rollups exact; nothing here runs per message."""

from datetime import date, timedelta

from django.db import connection, transaction

from departments.workdays import Calendar

from . import sql

# The calendar table covers these years; the triggers find no working-day figure outside them.
CALENDAR_FIRST = date(2000, 1, 1)
CALENDAR_YEARS_AHEAD = 10


def refresh_calendar() -> int:
    """Rewrite dashboard_workday from departments' calendar (Korean holidays + local overrides),
    and the working days to answer that depend on it. Returns the number of days."""
    calendar = Calendar()
    last = date(date.today().year + CALENDAR_YEARS_AHEAD, 12, 31)
    days, working, seq, day = [], [], [], CALENDAR_FIRST
    count = 0
    while day <= last:
        is_working = calendar.is_working_day(day)
        days.append(day)
        working.append(is_working)
        seq.append(count)
        count += is_working
        day += timedelta(days=1)
    wd = "greatest(0, dashboard_wd(a.created_at) - dashboard_wd(m.received_at))"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE dashboard_workday IN EXCLUSIVE MODE")
        cursor.execute(
            "INSERT INTO dashboard_workday (day, is_working, seq) "
            "SELECT * FROM unnest(%s::date[], %s::boolean[], %s::int[]) "
            "ON CONFLICT (day) DO UPDATE SET is_working = excluded.is_working, seq = excluded.seq "
            "WHERE (dashboard_workday.is_working, dashboard_workday.seq) "
            "IS DISTINCT FROM (excluded.is_working, excluded.seq)",
            [days, working, seq])
        changed = cursor.rowcount
        if changed:
            # Only answers are measured in working days: recompute theirs (a no-op when none moved).
            cursor.execute(
                f"UPDATE dashboard_messagestat s SET working_days = {wd} "
                "FROM messages_app_answer a JOIN messages_app_message m ON m.id = a.message_id "
                "WHERE s.message_id = a.message_id "
                f"AND s.working_days IS DISTINCT FROM {wd}")
    return len(days)


def rebuild_stats() -> dict[str, int]:
    """Recompute every rollup from the raw tables in one transaction. Writers of messages, answers
    and status changes wait for it (SHARE locks), so nothing arriving meanwhile is lost or counted
    twice; readers of the dashboard keep seeing the previous figures until it commits."""
    refresh_calendar()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE messages_app_message, messages_app_answer, messages_app_statuschange "
                       "IN SHARE MODE")
        # Grouping millions of rows: hash in memory rather than sort on disk (this transaction only).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"LOCK TABLE {', '.join(sql.ROLLUP_TABLES)} IN EXCLUSIVE MODE")
        for statement in sql.REBUILD:
            cursor.execute(statement)
        counts = {}
        for table in sql.ROLLUP_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table.removeprefix("dashboard_")] = cursor.fetchone()[0]
    return counts
