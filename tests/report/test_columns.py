"""Report tables are declared once, as column records (issue 8): the file follows them."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from hnbxl.report.officer import ISSUE_COLUMNS
from hnbxl.report.sections import RISK_COLUMNS
from hnbxl.report.sheet import NO_NOTE, Column, text_cell, widths_of

ROOT = Path(__file__).resolve().parents[2]
MARCH = ROOT / "samples" / "expected" / "wiltshire-hnb-2024-03.xlsx"
MARCH_OFFICER = ROOT / "samples" / "expected" / "wiltshire-hnb-2024-03-officer.xlsx"


def test_a_sheets_widths_are_its_widest_column_at_each_place() -> None:
    narrow = (Column("A", 10, text_cell), Column("B", 30, text_cell))
    wide = (Column("C", 20, text_cell), Column("D", 5, text_cell), Column("E", 7, text_cell))
    assert widths_of(narrow, wide) == [20, 30, 7]
    assert widths_of() == []


def test_the_committee_workbook_follows_the_declared_columns() -> None:
    for path, sheet_name, table_name, columns in (
            (MARCH, "Risk Log", "RiskLog", RISK_COLUMNS),
            (MARCH_OFFICER, "Checks by Cell", "ChecksByCell", ISSUE_COLUMNS)):
        ws = openpyxl.load_workbook(path)[sheet_name]
        table = ws.tables[table_name]
        headers = [c.name for c in table.tableColumns]
        assert headers[:len(columns)] == [c.header for c in columns]
        stored = {}  # XlsxWriter writes equal neighbours as one <col min max>
        for dim in ws.column_dimensions.values():
            for index in range(dim.min, dim.max + 1):
                stored[index] = dim.width
        for i, column in enumerate(columns, start=1):
            assert abs(stored[i] - column.width) < 1, (sheet_name, column.header)
    assert text_cell("").value == NO_NOTE
