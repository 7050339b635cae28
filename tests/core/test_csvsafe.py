import csv
import io
from decimal import Decimal

import pytest

from core import csvsafe

DANGEROUS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil.example","x")',
             "=cmd|' /C calc'!A0"]
HARMLESS = ["서울시", "a=b", "1-2", "", " =1", "seoul@example.org", "010-1234-5678"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_formula_cell_gets_a_leading_quote(value):
    assert csvsafe.escape_cell(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_ordinary_text_is_unchanged(value):
    assert csvsafe.escape_cell(value) == value


def test_numbers_and_none_are_left_as_they_are():
    assert [csvsafe.escape_cell(v) for v in (-5, 3.5, Decimal("-1.5"), True, None)] == [
        -5, 3.5, Decimal("-1.5"), True, None]


@pytest.mark.parametrize("value", DANGEROUS + HARMLESS + ["'", "''", "'=1", "'abc", "''=1"])
def test_escape_then_unescape_is_the_identity(value):
    assert csvsafe.unescape_cell(csvsafe.escape_cell(value)) == value


def test_writer_escapes_every_cell_and_the_file_reads_back_equal():
    rows = [["handle", "name", "count"], ["a", "=1+1", -3], ["b", "@x", 4], ["c", "'quoted", 0]]
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(rows[0])
    writer.writerows(rows[1:])
    read = list(csv.reader(io.StringIO(out.getvalue())))
    assert read[1] == ["a", "'=1+1", "-3"]
    assert [[csvsafe.unescape_cell(c) for c in row] for row in read] == [[str(c) for c in row] for row in rows]
