"""Bulk SQL of the inbox: many rows in one statement, for the ingest and its pipeline.

Kept apart from the services that use them (ingest, pipeline) so that neither imports the other.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import psycopg
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from .models import Message


def array_literal(values: list) -> str | list:
    """PostgreSQL's text form of a one-dimensional array, e.g. '{"a","b \\"c\\"",NULL,t,3}', for a
    `%s::<type>[]` parameter: str, int, float, bool, date/datetime and None elements.

    The driver would adapt the list itself, but in Python, element by element (~3 µs each: a fifth
    of a worker's time outside Kiwi in a backlog, bench/crisis.py); this is one join. A list with
    any other element type is returned unchanged, for the driver to adapt.
    """
    kinds = set(map(type, values))
    if kinds == {str}:
        # All text (most columns): escaped at once, the elements joined by a separator no text holds.
        joined = "\x00".join(values)
        if joined.count("\x00") == len(values) - 1:
            return '{"' + joined.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", '","') + '"}'
    elif kinds == {int}:
        return "{" + ",".join(map(int.__repr__, values)) + "}"
    out = []
    for value in values:
        if value is None:
            out.append("NULL")
        elif isinstance(value, str):
            # Inside double quotes only the quote and the backslash are special.
            out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(value, bool):
            out.append("t" if value else "f")
        elif isinstance(value, float):
            out.append(float.__repr__(value))  # numpy's float64 is one; its own repr is not a number
        elif isinstance(value, int):
            out.append(int.__repr__(value))  # an IntEnum's str() is its name
        elif isinstance(value, datetime | date):
            out.append('"' + value.isoformat() + '"')
        else:
            return values
    return "{" + ",".join(out) + "}"


def defaults_sql(model: type[Model], given: set[str]) -> tuple[list[str], list[str], list]:
    """Columns that no item sets: their model default, so a field added later needs no change here."""
    columns: list[str] = []
    exprs: list[str] = []
    params: list[Any] = []
    now = timezone.now()
    f: Any
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        exprs.append(f"%s::{f.db_type(connection)}")
        value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        params.append(f.get_db_prep_save(value, connection))
    return columns, exprs, params


def insert_rows(model: type[Model], columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERT … SELECT FROM unnest(…) of many rows: one array per column, the rest defaulted.

    bulk_create builds one parameter per value and one model instance per row: ~50 ms per 2,000
    timeline rows, where this takes a few.
    """
    if not rows:
        return
    fields: list[Any] = [model._meta.get_field(name) for name in columns]
    names = [connection.ops.quote_name(f.column) for f in fields]
    default_columns, default_exprs, default_params = defaults_sql(model, {f.column for f in fields})
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(names + default_columns)}) "
        f"SELECT {', '.join([f'u.{n}' for n in names] + default_exprs)} "
        f"FROM unnest({', '.join(f'%s::{f.db_type(connection)}[]' for f in fields)}) AS u({', '.join(names)})"
    )
    arrays = [array_literal(list(col)) for col in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*default_params, *arrays])


def existing_message_keys(keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (platform, external_id) pairs of `keys` already stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.platform, m.external_id FROM messages_app_message m "
            "JOIN unnest(%s::text[], %s::text[]) AS u(platform, external_id) "
            "ON m.platform = u.platform AND m.external_id = u.external_id",
            [array_literal([p for p, _ in keys]), array_literal([e for _, e in keys])],
        )
        return set(cursor.fetchall())


def _array_type(field: Any) -> str:
    # Strings travel as text (the ingest has cut them to their field's length); JSON as its text, cast
    # in the SELECT; the rest as their column's own type.
    if field.get_internal_type() in ("CharField", "TextField", "JSONField"):
        return "text"
    return field.db_type(connection)


def insert_messages(columns: dict[str, list], *, search_documents: list[str],
                    received_at: datetime) -> dict[tuple[str, str], int]:
    """INSERT … SELECT FROM unnest(…) ON CONFLICT (platform, external_id) DO NOTHING of many messages.

    `columns` maps Message column names to one list of values each (one value per message);
    search_vector is built from `search_documents`, received_at and updated_at are `received_at`,
    every other column gets its model default (a field added later needs no change here). Returns
    the ids of the rows written, by (platform, external_id): a row another writer stored first is absent.
    """
    return send_messages(columns, search_documents=search_documents, received_at=received_at)()


def send_messages(columns: dict[str, list], *, search_documents: list[str],
                  received_at: datetime) -> Callable[[], dict[tuple[str, str], int]]:
    """insert_messages, its ids read later: inside `pipelined()` the statement is sent and the caller
    goes on while the database runs it; the returned function (called after the block) reads the ids."""
    fields: list[Any] = []
    for name in columns:
        f: Any = Message._meta.get_field(name)
        if f.column != name:
            raise ValueError(f"{name!r} is not a column of Message (its column is {f.column!r})")
        fields.append(f)
    quote = connection.ops.quote_name
    insert = [quote(f.column) for f in fields]
    select = [f"u.{quote(f.column)}::jsonb" if f.get_internal_type() == "JSONField" else f"u.{quote(f.column)}"
              for f in fields]
    insert += ["search_vector", "received_at", "updated_at"]
    select += ["to_tsvector('simple', u.search_doc)", "%s::timestamptz", "%s::timestamptz"]
    given = {f.column for f in fields} | {"search_vector", "received_at", "updated_at"}
    default_columns, default_exprs, default_params = defaults_sql(Message, given)
    unnest = [f"%s::{_array_type(f)}[]" for f in fields] + ["%s::text[]"]
    aliases = [quote(f.column) for f in fields] + ["search_doc"]
    sql = (
        f"INSERT INTO messages_app_message ({', '.join(insert + default_columns)}) "
        f"SELECT {', '.join(select + default_exprs)} "
        f"FROM unnest({', '.join(unnest)}) AS u({', '.join(aliases)}) "
        "ON CONFLICT (platform, external_id) DO NOTHING RETURNING id, platform, external_id"
    )
    arrays = [array_literal(list(values)) for values in columns.values()] + [array_literal(search_documents)]
    cursor = connection.cursor()
    try:
        # Placeholders in SQL order: the SELECT list (times, defaults) before the unnest() arrays.
        cursor.execute(sql, [received_at, received_at, *default_params, *arrays])
    except BaseException:
        cursor.close()
        raise

    def ids() -> dict[tuple[str, str], int]:
        try:
            return {(platform, external_id): pk for pk, platform, external_id in cursor.fetchall()}
        finally:
            cursor.close()
    return ids


@contextmanager
def references_checked_per_statement() -> Iterator[None]:
    """Foreign keys checked at the end of each statement inside, not all at COMMIT (Django declares
    them DEFERRABLE INITIALLY DEFERRED, and no constraint here is deferrable and initially immediate,
    so ALL DEFERRED afterwards is the state before). Inside `pipelined()` the checks of one part then
    run while Python decides the next, instead of ~30 ms per 1,000 messages at COMMIT. After an error
    the caller's transaction or savepoint is rolled back, which restores the deferred checks too."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def pipelined() -> Iterator[None]:
    """Statements executed inside are sent without waiting for their results (psycopg's pipeline
    mode): the database runs one while Python prepares the next. Read results after the block; a
    statement's error is raised when the block ends. Inside, run only statements whose results the
    code does not need before the block ends (a read would wait for everything sent before it)."""
    connection.ensure_connection()
    raw = connection.connection
    if not isinstance(raw, psycopg.Connection) or not psycopg.Pipeline.is_supported():
        yield
        return
    with connection.wrap_database_errors, raw.pipeline():
        yield


def bulk_update_messages(messages: list[Message], fields: list[str]) -> int:
    """Like QuerySet.bulk_update, in one `UPDATE … FROM unnest(…)` statement.

    Django's bulk_update builds a CASE WHEN per row and field: for a 1,000-message batch and ten
    fields that is ~80% of the post-ingest time (bench/ingest.py). This sends one array per field.
    """
    if not messages:
        return 0
    opts = Message._meta
    columns, arrays, types = ["id"], [array_literal([m.pk for m in messages])], ["bigint"]
    for name in fields:
        f: Any = opts.get_field(name)
        columns.append(f.column)
        types.append(f.db_type(connection))
        arrays.append(array_literal([f.get_db_prep_save(getattr(m, f.attname), connection) for m in messages]))
    sets = ", ".join(f"{connection.ops.quote_name(c)} = u.{connection.ops.quote_name(c)}" for c in columns[1:])
    sql = (
        f"UPDATE messages_app_message m SET {sets} "
        f"FROM unnest({', '.join(f'%s::{t}[]' for t in types)}) "
        f"AS u({', '.join(connection.ops.quote_name(c) for c in columns)}) WHERE m.id = u.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return cursor.rowcount
