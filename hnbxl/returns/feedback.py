"""A feedback copy: a return's own form again, with what was typed and every issue marked.

The submitter's values go back exactly as they were (wrong ones included, so
they see what to fix); each cell with an issue gets a comment saying what was
found and what is expected, and each unexplained query's explanation cell
says what to explain.  Locked cells come back as the form gave them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from hnbxl.core import codes
from hnbxl.core.errors import WriteError
from hnbxl.core.issues import Issue, Severity
from hnbxl.core.terminal import storable
from hnbxl.forms.feedback_sheet import FeedbackRow
from hnbxl.forms.generate import render_form
from hnbxl.forms.model import FormLayout
from hnbxl.returns.read import ReturnRead
from hnbxl.store.guard import free_name
from hnbxl.store.history import History


@dataclass(frozen=True)
class FeedbackCopy:
    source: str  # the return as the officer gave it
    path: Path | None  # the copy to send back; None when it could not be made (see error)
    marked: int  # issues marked on cells
    unplaced: tuple[Issue, ...]  # issues about the whole file, to say in the covering email
    # Queries to explain: what, and the cell to explain it in ("Key Measures!L6").
    queries: tuple[tuple[str, str], ...] = ()
    error: str = ""  # why no copy was made of this return (the others are still written)


def render_feedback(read: ReturnRead, layout: FormLayout, issues: list[Issue], password: str,
                    out_dir: Path, taken: set[str], root: Path, history: History
                    ) -> tuple[FeedbackCopy, bytes]:
    """The copy of one readable return (``issues``: every issue of the batch) and its bytes.

    The copy's name is free (:func:`hnbxl.store.guard.free_name`): it never
    replaces a file, and ``taken`` (this run's names) gives same-named inputs
    distinct copies.  A return whose copy cannot be written (a cell past
    Excel's limit) gets a copy with no path and the reason, the others go on.
    """
    # What a client always does (LibreOffice dropping the structure lock) is the
    # officer's to know, never a message to the owner.
    mine = [i for i in issues if i.file == read.display and i.code != "structure-unlocked"]
    notes: dict[tuple[str, str], str] = {}
    for issue in mine:
        if issue.sheet and issue.cell:
            text = f"{issue.severity.upper()}: {issue.message}"
            if issue.code == "locked-cell-changed":
                text = (f"This locked cell had been changed to '{issue.found}'; it is back "
                        "as the form gave it. Please leave locked cells as they are.")
            elif issue.found or issue.expected:
                text += f"\nFound: {issue.found or '-'}\nExpected: {issue.expected or '-'}"
            _add_note(notes, (issue.sheet, issue.cell), text)
    to_explain = _queries_to_explain(layout, mine, notes)
    values: dict[str, Any] = {  # a lone surrogate (no file can hold one) as its escape
        spec.field: storable(v) if isinstance(v := read.cell_values.get(spec.field), str) else v
        for spec in layout.inputs}
    unplaced = tuple(i for i in mine if not (i.sheet and i.cell))
    try:
        data = render_form(layout, password, values=values, notes=notes,
                           feedback=(PurePath(read.display).name, feedback_rows(mine)))
    except (WriteError, UnicodeError) as exc:  # this return alone
        return FeedbackCopy(read.display, None, 0, unplaced, to_explain, error=str(exc)), b""
    target = free_name(out_dir, f"{PurePath(read.display).stem}-feedback", ".xlsx", taken,
                       root, history)
    taken.add(str(target))
    return FeedbackCopy(read.display, target, len(notes), unplaced, to_explain), data


def feedback_rows(issues: list[Issue]) -> list[FeedbackRow]:
    """Every issue of a return as its feedback sheet lists it: what, where, found, expected,
    and how to fix it (the catalogue's action for the code), cell issues in sheet order."""
    rows = []
    for issue in sorted(issues, key=Issue.sort_key):
        how = codes.check(issue.code).action
        if issue.severity is Severity.QUERY:
            how = (f"Correct the figure, or explain it in {issue.expected.removeprefix('an ')}"
                   if issue.expected.startswith("an explanation in ") else how)
        rows.append(FeedbackRow(issue.message, issue.sheet or "", issue.cell or "",
                                str(issue.found or ""), str(issue.expected or ""), how))
    return rows


def _add_note(notes: dict[tuple[str, str], str], key: tuple[str, str], text: str) -> None:
    notes[key] = f"{notes[key]}\n\n{text}" if key in notes else text


def _queries_to_explain(layout: FormLayout, issues: list[Issue],
                        notes: dict[tuple[str, str], str]) -> tuple[tuple[str, str], ...]:
    """Each unexplained query's explanation cell, marked with what to explain there."""
    out = []
    for issue in issues:
        if issue.severity is not Severity.QUERY:
            continue
        check = next((q for q in layout.queries
                      if q.field == issue.field and q.code == issue.code), None)
        if check is None:
            continue
        cells = [layout.input(check.explanation)]
        if check.disclosure:
            cells.append(layout.input(check.disclosure))
        for spec in cells:
            _add_note(notes, (spec.sheet, spec.cell),
                      f"QUERY to explain here: {check.label}. See {issue.place}.")
        out.append((check.label, f"{cells[0].sheet}!{cells[0].cell}"))
    return tuple(out)
