"""Bulk SQL of the inbox: many rows in one statement, for the ingest and its pipeline.

Kept apart from the services that use them (ingest, pipeline) so that neither imports the other.
"""

from datetime import date, datetime
from typing import Any

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
