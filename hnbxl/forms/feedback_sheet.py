"""The first sheet of a feedback copy: a banner, and every issue with what to do about it.

A feedback copy is the owner's return sent back with its problems marked.  It
opens on this sheet: a banner saying it is a feedback copy of which return,
then one row per issue (what is wrong, where with a link to the cell, what was
found, what is expected, how to fix it).  The reader ignores a sheet of this
name in the first place, so the corrected copy is still a valid return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass

from xlsxwriter.workbook import Workbook

from hnbxl.core.terminal import storable
from hnbxl.forms.model import quote_sheet
from hnbxl.xlsx.textfit import CELL_PADDING, line_count, row_height
from hnbxl.xlsx.writing import check_write

#: The feedback sheet's name; the reader ignores a sheet of this name (issue 21).
FEEDBACK_SHEET = "What to fix"
COLUMNS = (("What is wrong", 60), ("Where", 22), ("Found", 28), ("Expected", 32),
           ("How to fix it", 60))
FIRST_ROW = 4  # under the banner, the note and the header


@dataclass(frozen=True)
class FeedbackRow:
    """One issue as the owner reads it."""

    what: str
    sheet: str  # empty for an issue about the whole file
    cell: str
    found: str
    expected: str
    how: str


def write_feedback_sheet(workbook: Workbook, source: str, rows: Sequence[FeedbackRow],
                         password: str) -> None:
    """Add the sheet (it must be the first added, so the copy opens on it).

    Every text may come from the return or its file name, so a lone surrogate
    (a non-UTF-8 name's byte, an ``_xD800_`` escape) is written as its escape:
    a workbook cannot hold one.
    """
    source = storable(source)
    rows = [FeedbackRow(*(storable(value) for value in astuple(row))) for row in rows]
    ws = workbook.add_worksheet(FEEDBACK_SHEET)
    base = {"font_name": "Arial", "font_size": 10, "valign": "top", "text_wrap": True,
            "locked": True}
    banner = workbook.add_format({**base, "bold": True, "font_size": 14, "text_wrap": False,
                                  "font_color": "#FFFFFF", "bg_color": "#C00000"})
    note = workbook.add_format({**base, "text_wrap": False})
    header = workbook.add_format({**base, "bold": True, "font_color": "#FFFFFF",
                                  "bg_color": "#1F3864", "border": 1})
    cell = workbook.add_format({**base, "border": 1})
    link = workbook.add_format({**base, "border": 1, "font_color": "#0563C1", "underline": 1})
    for col, (_title, width) in enumerate(COLUMNS):
        ws.set_column(col, col, width)
    check_write(ws.merge_range(0, 0, 0, len(COLUMNS) - 1,
                               f"FEEDBACK COPY of {source}: please fix what is listed below, "
                               "then send this workbook back.", banner), "banner")
    check_write(ws.write_string(1, 0, f"{len(rows)} to fix. Click a place under Where to go to "
                                "its cell (marked in red there, with a comment). The Check sheet "
                                "shows what is still missing or refused as you correct it.",
                                note), "note")
    for col, (title, _width) in enumerate(COLUMNS):
        check_write(ws.write_string(3, col, title, header), title)
    for i, row in enumerate(rows):
        r = FIRST_ROW + i
        # LibreOffice does not size rows on opening: each row as tall as its longest text.
        texts = (row.what, f"{row.sheet}!{row.cell}", row.found, row.expected, row.how)
        lines = max(line_count(str(text or "-"), width - CELL_PADDING, 10, False, 10)
                    for text, (_title, width) in zip(texts, COLUMNS, strict=True))
        ws.set_row(r, row_height(lines, 10))
        check_write(ws.write_string(r, 0, row.what, cell), "what", row.what)
        if row.sheet and row.cell:
            place = f"{row.sheet}!{row.cell}"
            target = f"#{quote_sheet(row.sheet)}!{row.cell}"
            check_write(ws.write_formula(r, 1, f'=HYPERLINK("{target}","{place}")', link,
                                         place), place)
        else:
            check_write(ws.write_string(r, 1, "the whole workbook", cell), "where")
        for col, text in ((2, row.found), (3, row.expected), (4, row.how)):
            check_write(ws.write_string(r, col, text or "-", cell), "text", text)
    ws.freeze_panes(FIRST_ROW, 0)
    ws.set_paper(9)  # A4, landscape, one page wide: printed, it reads like the screen
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3)
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True,
                          "format_columns": True, "format_rows": True})
    ws.activate()
