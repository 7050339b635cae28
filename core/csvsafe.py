"""CSV files that are safe to open in a spreadsheet (CSV/formula injection, OWASP guidance).

Excel, LibreOffice and Google Sheets run a cell that begins with `=`, `+`, `-` or `@` (or a tab or
carriage return before one) as a formula: a citizen's or an account's name such as
`=HYPERLINK("http://evil.example")` would become a live link or worse in a civil servant's sheet.
Every CSV the project writes goes through `writer()` here, which prefixes such a text cell with a
single quote (the spreadsheet then shows it as text). `unescape_cell()` undoes it on import, so an
exported file imports back to the same values.

No Django import: any app (accounts, dashboard, ...) may use it.
"""

import csv
from numbers import Number

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def escape_cell(value):
    """The value a CSV cell may hold. Text starting with a trigger gets a leading quote; so does text
    already starting with a quote, so that `unescape_cell` can tell the two apart (a round trip is exact).
    Numbers are left alone: `-5` is a number, not a formula."""
    if isinstance(value, str) and value.startswith((*TRIGGERS, QUOTE)):
        return QUOTE + value
    if value is None or isinstance(value, Number | str):
        return value
    return escape_cell(str(value))


def unescape_cell(value: str) -> str:
    """Undo `escape_cell` on a cell read back from one of our files."""
    if value.startswith(QUOTE) and value[1:].startswith((*TRIGGERS, QUOTE)):
        return value[1:]
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([escape_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self):
        return self._writer.dialect


def writer(out, *args, **kwargs):
    """`csv.writer` whose every cell passes through `escape_cell`."""
    return _SafeWriter(csv.writer(out, *args, **kwargs))
