"""A golden-file failure names the part and the first differing cell or element."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import xlsxwriter

from hnbxl.xlsx.compare import first_difference


def book(cells: dict[str, Any], extra_sheet: bool = False) -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"created": datetime(2024, 3, 4)})
    wb.add_worksheet("Notes").write("A1", "notes")
    ws = wb.add_worksheet("Finance")
    for ref, value in cells.items():
        ws.write(ref, value)
    if extra_sheet:
        wb.add_worksheet("Extra")
    wb.close()
    return buffer.getvalue()


BASE = {"A1": "Budget", "B2": 169, "C3": "Amber - Off Track"}


def test_identical_workbooks_have_no_difference() -> None:
    assert first_difference(book(BASE), book(BASE)) is None


def test_a_changed_number_is_named_by_sheet_and_cell() -> None:
    where = first_difference(book(BASE), book({**BASE, "B2": 170}))
    assert where == ("xl/worksheets/sheet2.xml (sheet 'Finance'): cell B2/v: text '169' "
                     "committed, '170' built")


def test_a_changed_text_is_named_by_the_cell_that_shows_it() -> None:
    where = first_difference(book(BASE), book({**BASE, "C3": "Red - At Risk"}))
    assert where == ("xl/worksheets/sheet2.xml (sheet 'Finance'): cell C3: text "
                     "'Amber - Off Track' committed, 'Red - At Risk' built")


def test_a_new_cell_is_named() -> None:
    where = first_difference(book(BASE), book({**BASE, "D3": 1}))
    assert where == ("xl/worksheets/sheet2.xml (sheet 'Finance'): /worksheet/dimension[1]: "
                     "attribute ref 'A1:C3' committed, 'A1:D3' built")


def test_an_added_part_is_named() -> None:
    where = first_difference(book(BASE), book(BASE, extra_sheet=True))
    assert where is not None and "xl/worksheets/sheet3.xml" in where


def test_not_a_zip() -> None:
    assert first_difference(b"old", b"new") == (
        "not a zip workbook: the files differ byte for byte")
