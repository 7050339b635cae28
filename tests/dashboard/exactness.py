"""The invariant of the rollups: every table equals the GROUP BY over the raw tables."""

from django.db import connection

from dashboard import sql


def _rows(query: str, key_len: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(query)
        out = {}
        for row in cursor.fetchall():
            key, values = tuple(row[:key_len]), tuple(row[key_len:])
            if any(v for v in values if isinstance(v, int)) or any(not isinstance(v, int) for v in values):
                out[key] = values
        return out


def _table(table: str, columns: list[str], key_len: int) -> dict:
    return _rows(f"SELECT {', '.join(columns)} FROM {table}", key_len)


def differences() -> dict[str, tuple]:
    """{table: (only in rollup, only in raw)} for every table that differs; {} when exact."""
    found = {}
    # Hourly, daily (with the histogram of answer times), daily totals, open now, answers per day.
    for table, bucket, _column, dims, measures in sql.ROLLUPS:
        key = ([bucket] if bucket else []) + dims
        columns = [*key, *measures]
        got = _table(table, columns, len(key))
        want = _rows(f"SELECT {', '.join(columns)} FROM ({sql.raw_rollup(table)}) r", len(key))
        if got != want:
            found[table] = _diff(got, want)
    stat_columns = [c for c in sql.STAT_COLUMNS if c != "working_days"] + ["round(working_days::numeric, 6)"]
    got = _table("dashboard_messagestat", stat_columns, 1)
    want = _rows(f"SELECT {', '.join(stat_columns)} FROM ({sql.RAW_STATS}) r", 1)
    if got != want:
        found["dashboard_messagestat"] = _diff(got, want)
    for table, raw, key_len in (("dashboard_transferday", sql.RAW_TRANSFERS, 3),
                                ("dashboard_termweek", sql.RAW_TERMS, 3)):
        columns = ["day", "from_division_id", "to_division_id", "n"] if "transfer" in table else \
            ["week", "topic", "term", "n"]
        got = _table(table, columns, key_len)
        want = _rows(f"SELECT {', '.join(columns)} FROM ({raw}) r", key_len)
        if got != want:
            found[table] = _diff(got, want)
    return found


def _diff(got: dict, want: dict) -> tuple:
    only_got = {k: v for k, v in got.items() if want.get(k) != v}
    only_want = {k: v for k, v in want.items() if got.get(k) != v}
    return dict(list(only_got.items())[:5]), dict(list(only_want.items())[:5])


def table_sizes() -> dict[str, int]:
    with connection.cursor() as cursor:
        out = {}
        for table in sql.ROLLUP_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE true")
            out[table.removeprefix("dashboard_")] = cursor.fetchone()[0]
        return out
