"""A table of figures: what a page shows, what its chart draws and what CSV/XLSX export."""

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Column:
    key: str
    label: str  # Korean first, English second
    numeric: bool = True
    percent: bool = False


@dataclass
class Table:
    key: str  # the name in export URLs and the XLSX sheet
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    chart: str = ""  # "bars" (vertical, a series) or "hbars" (horizontal, shares) or ""
    sortable: bool = False
    # Drill-down: per row, the parameters its messages add to the page's filters (a day, a division…);
    # per column key, what a cell of that column adds on top (e.g. {"state": "open"}).
    drill: Sequence[dict | None] = field(default_factory=list)
    cell_drill: dict[str, dict] = field(default_factory=dict)

    def column(self, key: str) -> list:
        i = [c.key for c in self.columns].index(key)
        return [row[i] for row in self.rows]


def share(part, whole) -> float | None:
    """Percent with one decimal, as the 2012 figures were given."""
    return round(100.0 * part / whole, 1) if whole else None
