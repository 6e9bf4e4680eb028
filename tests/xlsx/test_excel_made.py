"""hnbxl's low-level reader against 988 workbooks saved by Excel itself.

``../shared/excel-made/`` holds the Excel-saved files of XlsxWriter's test
suite (shared strings, rich text, ``_xHHHH_`` escapes, 1904 dates, formulas
with cached results, array formulas, comments, tables).  Every cell of every
file (all of them, no sampling: about 10 s) must read as openpyxl reads it:
the value (dates compared as serials in the file's date system) and, for a
formula, its text.  openpyxl shows ``_xHHHH_`` escapes literally and Excel
decodes them, so openpyxl's text is decoded as Excel does before comparing.
Skipped when the folder is absent.
"""

from __future__ import annotations

import datetime
import re
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.formula import ArrayFormula

from hnbxl.xlsx.reader import Cell, read_workbook

pytestmark = pytest.mark.slow

# ../shared/excel-made beside the checkout; from a git worktree, the nearest ancestor's.
EXCEL_MADE = next((folder / "shared" / "excel-made" for folder in Path(__file__).resolve().parents
                   if (folder / "shared" / "excel-made").is_dir()), Path("/nonexistent"))
FILES = sorted(EXCEL_MADE.glob("*.xlsx")) if EXCEL_MADE.is_dir() else []

# Excel decodes ``_x005F_`` to "_" once: ``_x005F_x005F_`` shows as ``_x005F_``.
# openpyxl decodes it twice and shows "_".  (XlsxWriter's test wrote the text
# "_x005F_", escaped, and Excel kept it.)
EXCEL_SHOWS = {("shared_strings02.xlsx", "Sheet1", "A8"): "_x005F_"}

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _as_excel_shows(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _same_value(theirs: Any, ours: Cell | None, epoch: datetime.datetime) -> bool:
    value = ours.value if ours is not None else None
    if theirs is None:
        return value in (None, "")
    if isinstance(theirs, datetime.time):
        theirs = to_excel(theirs)
    elif isinstance(theirs, datetime.date | datetime.datetime):
        theirs = to_excel(theirs, epoch)
    if isinstance(theirs, str):
        return value in (theirs, _as_excel_shows(theirs))
    if isinstance(theirs, bool) or isinstance(value, bool):
        return theirs is value
    if isinstance(theirs, int | float) and isinstance(value, int | float):
        return abs(theirs - value) <= 1e-9 * max(1.0, abs(theirs))
    return False


def _differences(path: Path) -> list[tuple[str, str, Any, Any]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = openpyxl.load_workbook(path, data_only=True)
    book = read_workbook(path)
    found: list[tuple[str, str, Any, Any]] = []
    for ws in values.worksheets:
        sheet = book.sheet(ws.title)
        assert sheet is not None, ws.title
        theirs = {c.coordinate: c.value for c in ws._cells.values()}  # only stored cells
        for ref in sorted(set(theirs) | set(sheet.cells)):
            expected = EXCEL_SHOWS.get((path.name, ws.title, ref), theirs.get(ref))
            if not _same_value(expected, sheet.cells.get(ref), values.epoch):
                found.append((ws.title, ref, expected, sheet.cells.get(ref)))
    if any(cell.formula is not None for s in book.sheets for cell in s.cells.values()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            formulas = openpyxl.load_workbook(path)
        for ws in formulas.worksheets:
            sheet = book.sheet(ws.title)
            assert sheet is not None
            for c in ws._cells.values():
                text = c.value.text if isinstance(c.value, ArrayFormula) else c.value
                if not (isinstance(text, str) and text.startswith("=") and c.data_type == "f"):
                    continue
                ours = sheet.cells.get(c.coordinate)
                if ours is None or f"={ours.formula}" != text:
                    found.append((ws.title, c.coordinate, text, ours))
    return found


@pytest.mark.skipif(not FILES, reason="../shared/excel-made is not here")
def test_excel_saved_workbooks_read_as_openpyxl_reads_them() -> None:
    assert len(FILES) >= 900
    problems = {path.name: diffs[:3] for path in FILES if (diffs := _differences(path))}
    assert problems == {}
