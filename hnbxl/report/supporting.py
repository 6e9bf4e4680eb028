"""The supporting sheets: Data Quality, Sources, Notes and Officer Checks.

They say how far the report can be trusted and how to read it: what was
found in the returns, which file, sheet and cell each figure came from, the
RAG key and the report's conventions, and (for the officer only, never in
the PDF) how the returns were saved and sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hnbxl.core.codes import title_of
from hnbxl.core.issues import Issue, summary_line
from hnbxl.report.model import RatingView, Report, ReturnUsed, SourceLine
from hnbxl.report.sections import SECTION_SHEETS, tab_of
from hnbxl.report.sheet import NO_NOTE, NO_TREND, NOT_APPLICABLE, NOT_REPORTED, Column, widths_of
from hnbxl.report.sheet import Cell as _Cell
from hnbxl.report.sheet import Sheet as _Sheet
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import rag_cell as _rag
from hnbxl.report.sheet import text_cell as _text
from hnbxl.report.trends import FIGURES_OVER_TIME, RATINGS_OVER_TIME

DATA_QUALITY = "Data Quality"
SOURCES = "Sources"
NOTES = "Notes"
OFFICER = "Officer Checks"


#: The columns of both issue tables (Data Quality, Officer Checks).  An issue's
#: title comes from the catalogue: the committee reads words, not codes.
ISSUE_COLUMNS: tuple[Column[Issue], ...] = (
    Column("Severity", 10, lambda i: _text(str(i.severity).capitalize())),
    Column("Issue", 14, lambda i: _text(title_of(i.code), NOT_REPORTED)),
    Column("File", 22, lambda i: _text(i.file, "No file (whole compile)")),
    Column("Place", 16, lambda i: _text(i.place, "Whole file")),
    Column("Found", 16, lambda i: _text(i.found, "Nothing")),
    Column("Expected", 16, lambda i: _text(i.expected, "Not stated")),
    Column("Message", 40, lambda i: _text(i.message, NOT_REPORTED)),
)



def return_columns(report: Report) -> tuple[Column[ReturnUsed], ...]:
    """The returns used; a return's sections are named by the tabs that show them."""
    return (
        Column("Return file", 28, lambda r: _text(r.file, NOT_REPORTED)),
        Column("Owner", 10, lambda r: _text(r.owner, NOT_REPORTED)),
        Column("Sections", 16, lambda r: _text(_sections_words(report, r.sections),
                                               NOT_REPORTED)),
        Column("Note", 22, lambda r: _text(r.note)),
        Column("SHA-256", 33, lambda r: _text(r.sha256, NOT_REPORTED)),
    )

SOURCE_COLUMNS: tuple[Column[SourceLine], ...] = (
    Column("Item", 28, lambda s: _text(s.item, NOT_REPORTED)),
    Column("What", 10, lambda s: _text(s.what, NOT_REPORTED)),
    Column("Value", 16, lambda s: _text(s.value, "Blank")),
    Column("File", 22, lambda s: _text(s.file, NOT_REPORTED)),
    Column("SHA-256", 33, lambda s: _text(s.sha256, NOT_REPORTED)),
    Column("Sheet", 14, lambda s: _text(s.sheet, NOT_REPORTED)),
    Column("Cell", 7, lambda s: _text(s.cell, NOT_REPORTED)),
)

#: The RAG key and the notes share the sheet's two columns: a short one, a wide one.
KEY_COLUMNS: tuple[Column[tuple[_Cell, _Cell]], ...] = (
    Column("Rating", 24, lambda row: row[0]),
    Column("Meaning", 100, lambda row: row[1]),
)
NOTE_COLUMNS: tuple[Column[tuple[str, str]], ...] = (
    Column("Topic", 24, lambda row: _text(row[0])),
    Column("Explanation", 100, lambda row: _text(row[1])),
)


def data_quality(workbook: Any, styles: _Styles, report: Report) -> None:
    """What was found in the returns that bears on the figures, for the committee."""
    _issue_sheet(
        workbook, styles, report, DATA_QUALITY, "Data Quality - Issues Found in the Returns",
        "Summary: " + summary_line(list(report.issues), len(report.returns)),
        "DataQualityIssues", report.issues,
        title="Issues found in the returns", empty="No issues found")


def officer(workbook: Any, styles: _Styles, report: Report) -> None:
    """Items only the officer needs, after the committee's pages and never in the PDF."""
    _issue_sheet(
        workbook, styles, report, OFFICER, "Officer Checks - How the Returns Were Saved and Sent",
        "For the programme officer; not part of the committee's report.",
        "OfficerChecks", report.officer_issues,
        title="Items for the officer only", empty="Nothing for the officer this period")


def _issue_sheet(workbook: Any, styles: _Styles, report: Report, name: str, heading: str,
                 info: str, table: str, issues: Sequence[Issue], *, title: str,
                 empty: str) -> None:
    """A sheet of issues: its heading, whose report, one line of context, then the table."""
    sheet = _Sheet(workbook, styles, report, name, widths_of(ISSUE_COLUMNS))
    sheet.line(heading, styles.title)
    sheet.line(f"{report.council}: {report.title}, period {report.period_label}", styles.info)
    sheet.line(info, styles.info)
    sheet.gap()
    sheet.records(table, ISSUE_COLUMNS, issues, title=title, empty=empty, main=True,
                  autofilter=bool(issues))
    sheet.finish()


def _sections_words(report: Report, keys: Sequence[str]) -> str:
    """A return's sections by the sheet that shows them: short, and findable in the book."""
    return ", ".join(tab_of(report, key) if key in SECTION_SHEETS else key for key in keys)


def sources(workbook: Any, styles: _Styles, report: Report) -> None:
    """Every return used and every figure's file, SHA-256, sheet and cell, for an audit."""
    returns = return_columns(report)
    sheet = _Sheet(workbook, styles, report, SOURCES, widths_of(returns, SOURCE_COLUMNS))
    sheet.title_block("Sources - Where Every Figure Came From")
    sheet.line("Returns used", styles.caption)
    sheet.records(
        "ReturnsUsed", returns, report.returns,
        title="Returns used for this report",
        empty="No returns recorded",
    )
    sheet.gap()
    sheet.line("Where each figure came from", styles.caption)
    sheet.records(
        "FigureSources", SOURCE_COLUMNS, report.sources,
        title="Source of every figure: file, SHA-256, sheet and cell",
        empty="No sources recorded",
        main=True,
        autofilter=bool(report.sources),
    )
    sheet.finish()


def notes(workbook: Any, styles: _Styles, report: Report) -> None:
    """The RAG key in words and colour, and how to read the report."""
    sheet = _Sheet(workbook, styles, report, NOTES, widths_of(KEY_COLUMNS, NOTE_COLUMNS))
    sheet.title_block("Notes - How to Read This Report")
    sheet.line("RAG key", styles.caption)
    states = report.scale.states
    key_rows = [
        (_rag(_view(state)), _text(f"{_rank_words(i, len(states))}. {_grade_words(report, state)}"))
        for i, state in enumerate(states)
    ]
    nd = report.scale.no_data
    key_rows.append((
        _rag(_view(nd)),
        _text("No figure or rating was reported for this period (or, for last period, "
              "none was reported then). It is not a judgement of progress."),
    ))
    sheet.records(
        "RagKey", KEY_COLUMNS, key_rows,
        title="RAG key: each rating's words and colour",
        empty="No RAG scale defined",
    )
    sheet.gap()
    sheet.line("About this report", styles.caption)
    last = (f"last period is {report.last_period_label}" if report.last_period_label
            else "there is no earlier period in the history")
    rows = [
        ("Colour and words", "Every rating is written in words as well as coloured, so the "
         "report reads the same printed in black and white."),
        ("Periods", f"This period is {report.period_label}; {last}."),
        ("Trend", f"Trend compares this period's rating with last period's; '★ New' means "
         f"there was no rating last period. '{NO_TREND}' means there is no rating this "
         "period to compare."),
        ("Over time", _trajectory_words(report)
         + f"{RATINGS_OVER_TIME} and {FIGURES_OVER_TIME} show each "
         "rating and figure by period; in the workbook, small in-cell charts (sparklines) on "
         f"{tab_of(report, 'measures')} and {tab_of(report, 'finance')} draw the last 12 periods "
         "of each figure."),
        ("Overrides", "Some ratings come from a rule (a target, a budget, a cap). The owner may "
         "override a rule's rating only with a written reason; the Note column then says "
         "'Overridden by owner', what the rule gave and the reason."),
        ("Money", "Money is in pounds, rounded to the nearest pound. Where no figure is "
         "available yet the cell says so in words (for example NA)."),
        ("Risk scores", "A risk's score is likelihood times impact; its band is the rating "
         "for that score. The mark before each action shows the risk's direction."),
        ("Blank cells", f"No table has blank cells: '{NO_NOTE}', '{NO_TREND}', "
         f"'{NOT_REPORTED}' or '{NOT_APPLICABLE}' stand where there is nothing to show."),
        ("Data quality", f"The {DATA_QUALITY} sheet lists what was found in the returns that "
         f"bears on the figures; the {SOURCES} sheet of the workbook says which file, sheet "
         f"and cell each figure came from, and its {OFFICER} sheet how the returns were saved "
         "and sent."),
        ("Programme definition", f"{report.programme_id}, SHA-256 "
         f"{report.definition_hash or 'not recorded'}."),
    ]
    rows += [(f"Note {i}", note) for i, note in enumerate(report.notes, start=1)
             if note.strip()]
    sheet.records(
        "ReportNotes", NOTE_COLUMNS, rows,
        title="Notes on reading this report",
        empty="No notes",
        main=True,
    )
    sheet.finish()


def _trajectory_words(report: Report) -> str:
    """The Notes' sentence on the trajectory sheet; none when there is no cap rule."""
    if report.trajectory is None:
        return ""
    w = report.words
    return (f"The {w.trajectory_tab} sheet charts the {w.trajectory_subject} for every "
            f"compiled period against {w.the_cap} and the budgeted path, with the same "
            "figures in a table beside the chart. ")


def _grade_words(report: Report, state: Any) -> str:
    """What a rule's result has to do with a state, in words (no colour codes)."""
    if state.grade is None:
        return "Chosen only by an owner; no rule gives it."
    shown = report.scale.for_grade(state.grade)
    if shown.key != state.key:
        return f"Chosen by an owner; a rule's {state.grade} result shows as {shown.label}."
    return f"A rule's {state.grade} result shows as this rating."


def _view(state: Any) -> RatingView:
    return RatingView(state.key, state.label, state.colour, state.font_colour)


def _rank_words(i: int, n: int) -> str:
    if i == 0:
        return f"Best of the {n} ratings"
    if i == n - 1:
        return f"Worst of the {n} ratings"
    return f"Rating {i + 1} of {n}, best first"
