"""What routing and the regulation read, loaded once per process and reloaded when staff change it.

A batch of messages used to read the routing rules, the divisions, the regulation and the calendar
overrides afresh: six queries and their Python objects, every batch, for tables that change a few
times a year. A statement-level trigger on each of those tables (migration 0005) writes a new random
token into departments_generation in the same transaction as the change, so a process can reuse
what it loaded for as long as the token it loaded under is still the committed one: one indexed read
per batch. The token is read before the tables: a change committed in between costs one more
reload, never a stale table. A rolled-back change leaves the old token, and its data, in force.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")

# The tables whose rows routing and the regulation are built from (Division's ordering reads the
# bureau). A table added here needs the trigger too: a new migration, as 0005 did for these.
TABLES = ("departments_bureau", "departments_division", "departments_routingrule",
          "departments_processingrule", "departments_escalationstep", "departments_calendaroverride")

_loaded: dict[str, tuple[str, object]] = {}


def generation() -> str | None:
    """The committed token of the tables above, as this transaction sees it; None when unknown."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT token::text FROM departments_generation WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def load(name: str, build: Callable[[], T]) -> T:
    """`build()`'s result, built again only when the tables changed since it was last built."""
    token = generation()
    if token is not None:
        seen = _loaded.get(name)
        if seen is not None and seen[0] == token:
            return seen[1]  # type: ignore[return-value]
    value = build()
    if token is not None:
        _loaded[name] = (token, value)  # one assignment: safe beside a web server's threads
    return value
