"""CSV and XLSX of the page's tables: the same Table objects the page renders."""

import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core import csvsafe

from .tables import Table


def _xlsx_cells(row):
    # A spreadsheet runs a text cell starting with = + - @ as a formula (CSV injection): the shared
    # rule of core.csvsafe applies to text; numbers and dates stay typed cells in the workbook.
    return [csvsafe.escape_cell(v) if isinstance(v, str) else v for v in row]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csvsafe.writer(out)  # every cell through csvsafe.escape_cell
    writer.writerow([c.label for c in table.columns])
    writer.writerows(table.rows)
    # The BOM lets Excel read the Korean as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_name(table: Table, used: set[str]) -> str:
    name = table.key[:31]
    n = 2
    while name in used:
        name = f"{table.key[:28]}_{n}"
        n += 1
    used.add(name)
    return name


def to_xlsx(tables: list[Table], title: str = "") -> bytes:
    """One sheet per table; a title row, the header, the rows (numbers stay numbers)."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table, used))
        sheet.append([csvsafe.escape_cell(f"{title} {table.title}".strip())])
        sheet.append([c.label for c in table.columns])
        for row in table.rows:
            sheet.append(_xlsx_cells(row))
        for i, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = 14 if column.numeric else 28
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
