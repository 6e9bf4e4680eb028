"""Feedback copies: a return sent back with every issue marked, that validates as usual."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from hnbxl.api import feedback_copies, generate_forms, validate_returns
from hnbxl.cli import main
from hnbxl.store.workspace import Workspace


def _bad_return(ws: Workspace, tmp_path: Path) -> Path:
    [form] = generate_forms(ws, "2024-02", owner="send", due=date(2024, 3, 1))
    book = openpyxl.load_workbook(form.path)
    km = book["Key Measures"]
    km["F6"] = "£169"  # a pound sign in a count: an error
    km["F10"] = "17,287"  # money typed as text: a warning, value kept
    km["A7"] = "Edited label"  # a locked cell changed
    km["K6"] = "Red - At Risk"
    path = tmp_path / "returned" / "send.xlsx"
    path.parent.mkdir()
    book.save(path)
    return path


def test_a_feedback_copy_marks_issues_and_validates_as_usual(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "work")
    returned = _bad_return(ws, tmp_path)
    before = validate_returns(ws, [returned])
    [copy] = feedback_copies(ws, [returned])
    assert copy.path == ws.root / "feedback" / "send-feedback.xlsx"
    after = validate_returns(ws, [copy.path])
    placed = {(i.code, i.sheet, i.cell) for i in before.issues}
    again = {(i.code, i.sheet, i.cell) for i in after.issues}
    # The locked cell is restored; every other issue is still there to fix.
    assert ("locked-cell-changed", "Key Measures", "A7") in placed
    assert again == placed - {("locked-cell-changed", "Key Measures", "A7")}
    assert after.values["measures.average_cost_per_ehcp.figure"].value == 17287
    assert after.values["measures.needs_assessment_requests.rating"].value == "red"
    km = openpyxl.load_workbook(copy.path)["Key Measures"]
    assert km["F6"].value == "£169"  # what they typed, so they see what to fix
    assert "whole number" in km["F6"].comment.text
    assert km["F6"].fill.fgColor.rgb.endswith("FFC7CE")
    assert km["A7"].value == "Reduction in the percentage of school population who have an EHCP"
    assert "had been changed to 'Edited label'" in km["A7"].comment.text
    assert copy.marked == len({(i.sheet, i.cell) for i in before.issues if i.cell})


def test_feedback_command(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "work")
    returned = _bad_return(ws, tmp_path)
    junk = tmp_path / "returned" / "notes.xlsx"
    junk.write_text("not a workbook")
    result = CliRunner().invoke(main, ["feedback", "-w", str(ws.root), str(returned),
                                       str(junk)])
    assert result.exit_code == 0, result.output
    assert "send-feedback.xlsx" in result.output and "cells marked" in result.output
    assert "1 file could not be read as a return" in result.output


def test_a_feedback_copy_of_an_overflowing_score_caches_num_error(tmp_path: Path) -> None:
    """1e200 pasted as likelihood and impact: the score is #NUM!, as Excel shows, never inf."""
    ws = Workspace(tmp_path / "work")
    [form] = generate_forms(ws, "2024-02", owner="send", due=date(2024, 3, 1))
    book = openpyxl.load_workbook(form.path)
    book["Risk Log"]["D6"] = 1e200
    book["Risk Log"]["E6"] = 1e200
    returned = tmp_path / "returned" / "send.xlsx"
    returned.parent.mkdir()
    book.save(returned)
    [copy] = feedback_copies(ws, [returned])
    with zipfile.ZipFile(copy.path) as package:
        names = {n for n in package.namelist() if n.startswith("xl/worksheets/sheet")}
        xml = "".join(package.read(n).decode() for n in sorted(names))
    assert re.search(r"<v>-?(inf|nan)</v>", xml, re.I) is None
    score = re.search(r'<c r="F6"([^>]*)><f>[^<]*D6\*E6[^<]*</f><v>([^<]*)</v></c>', xml)
    assert score is not None, "the Risk Log's first score cell"
    assert 't="e"' in score.group(1) and score.group(2) == "#NUM!"


def test_a_feedback_copy_opens_on_what_to_fix_and_corrected_is_a_valid_return(
        tmp_path: Path) -> None:
    """Issue 21: a banner, every issue listed with a link to its cell, found, expected and
    how to fix it; its Check sheet marks the same cell; corrected, it validates clean."""
    ws = Workspace(tmp_path / "work")
    returned = _bad_return(ws, tmp_path)
    before = validate_returns(ws, [returned])
    [copy] = feedback_copies(ws, [returned])
    assert copy.path is not None
    book = openpyxl.load_workbook(copy.path)
    assert book.sheetnames[0] == "What to fix" and book.active.title == "What to fix"
    fix = book["What to fix"]
    assert fix["A1"].value.startswith("FEEDBACK COPY of send.xlsx")
    assert [c.value for c in fix[4]] == ["What is wrong", "Where", "Found", "Expected",
                                         "How to fix it"]
    rows = [[c.value for c in row] for row in fix.iter_rows(min_row=5) if row[0].value]
    issues = [i for i in before.issues if i.code != "structure-unlocked"]
    assert len(rows) == len(issues)
    by_place = {r[1]: r for r in rows}
    pound = by_place['=HYPERLINK("#\'Key Measures\'!F6","Key Measures!F6")']
    assert pound[2] == "£169" and "whole number" in pound[3].lower() and pound[4]
    assert all(r[4] for r in rows)  # every row says how to fix it
    # Its Check sheet agrees with the mark: the cell marked red is Wrong there too.
    values = openpyxl.load_workbook(copy.path, data_only=True)
    check = values["Check"]
    marked = [r for r in check.iter_rows(min_row=7)
              if r[1].value == "Key Measures!F6" and r[2].value in ("Wrong", "OK")]
    assert [r[2].value for r in marked] == ["Wrong"]
    assert check["B4"].value >= 1
    # Corrected (the owner types 169), the copy is still a return: its first sheet is not
    # an added one, and only what is still to fill in (this return left most cells empty)
    # remains.
    book["Key Measures"]["F6"] = 169
    book["Key Measures"]["F10"] = 17287
    book.save(copy.path)
    after = validate_returns(ws, [copy.path])
    assert not [i for i in after.issues if i.code in ("sheet-added", "sheets-reordered")]
    assert {i.code for i in after.blocking()} == {"required-missing"}
    assert after.values["measures.needs_assessment_requests.figure"].value == 169
