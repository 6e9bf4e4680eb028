"""The committee's supporting sheets: Data Quality, RAG Key and Notes.

They say how far the report can be trusted and how to read it, in plain
words: which figures are late, missing or suppressed and which owner has not
returned (never a file, a cell or a code: those are in the officer workbook,
:mod:`hnbxl.report.officer`), what each rating means, and the report's
conventions.
"""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from hnbxl.report.model import KeyLine, Report
from hnbxl.report.sections import mitigations_tab, tab_of
from hnbxl.report.sheet import Cell, Column, widths_of
from hnbxl.report.sheet import Sheet as _Sheet
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import rag_cell as _rag
from hnbxl.report.sheet import text_cell as _text
from hnbxl.report.trends import CONFIDENTIAL, FIGURES_OVER_TIME, NOT_AVAILABLE, RATINGS_OVER_TIME

DATA_QUALITY = "Data Quality"
RAG_KEY = "RAG Key"
NOTES = "Notes"

QUALITY_COLUMNS: tuple[Column[tuple[int, str]], ...] = (
    Column("Number", 9, lambda row: Cell(row[0], "integer")),
    Column("What to read with care", 110, lambda row: _text(row[1])),
)
KEY_COLUMNS: tuple[Column[KeyLine], ...] = (
    Column("Rating", 24, lambda line: _rag(line.rating)),
    Column("Meaning", 100, lambda line: _text(line.meaning)),
)
NOTE_COLUMNS: tuple[Column[tuple[str, str]], ...] = (
    Column("Topic", 24, lambda row: _text(row[0])),
    Column("Explanation", 100, lambda row: _text(row[1])),
)
#: What the two markers mean; on the cover and in the notes.
MARKERS = (
    (NOT_AVAILABLE, "Not available: no figure was reported for that period."),
    (CONFIDENTIAL, "Confidential: withheld because so small a number could identify people."),
)


def data_quality(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """Which figures to read with care, in words: late, missing, suppressed, not returned."""
    sheet = _Sheet(workbook, styles, report, DATA_QUALITY, widths_of(QUALITY_COLUMNS))
    sheet.title_block("Data Quality - Figures to Read with Care")
    sheet.records("DataQuality", QUALITY_COLUMNS, list(enumerate(report.quality_notes, 1)),
                  title="Figures to read with care, and why",
                  empty="Every figure was received on time and is shown in full", main=True)
    sheet.finish()


def rag_key(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """Each rating in its words and colour, and what it means, in plain words."""
    sheet = _Sheet(workbook, styles, report, RAG_KEY, widths_of(KEY_COLUMNS))
    sheet.title_block("RAG Key - What Each Rating Means")
    sheet.records("RagKey", KEY_COLUMNS, report.rag_key,
                  title="RAG key: each rating's words and colour, and what it means",
                  empty="No RAG scale defined", main=True)
    sheet.finish()


def notes(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """How to read the report: periods, trends, markers, money, risk scores."""
    sheet = _Sheet(workbook, styles, report, NOTES, widths_of(NOTE_COLUMNS))
    sheet.title_block("Notes - How to Read This Report")
    last = (f"last period is {report.last_period_label}" if report.last_period_label
            else "there is no earlier period in this report")
    tabs = [tab_of(report, "measures"), tab_of(report, "finance")]
    tabs += [mitigations_tab(report)] if report.mitigations else []
    rows = [
        ("Colour and words", "Every rating is written in words as well as coloured, so the "
         "report reads the same printed in black and white."),
        ("Periods", f"This period is {report.period_label}; {last}."),
        ("Trend", "Trend compares this period's rating with last period's; '★ New' means "
         "there was no rating last period."),
        ("Over time", _trajectory_words(report) + f"The {RATINGS_OVER_TIME} and "
         f"{FIGURES_OVER_TIME} sheets show each rating and figure by period; from the second "
         "period, small in-cell charts (sparklines) on "
         f"{', '.join(tabs[:-1])} and {tabs[-1]} draw the last 12 periods of each figure."),
        ("Notes beside ratings", "Where a rule gives a rating, the note says why in words. "
         "Where the person responsible rated differently from the rule, the note gives "
         "their reason."),
        ("Money", "Money is in pounds, rounded to the nearest pound. Where no figure is "
         "available yet the cell says so in words (for example NA)."),
        ("Risk scores", "A risk's score is likelihood times impact; its band is the rating "
         "for that score. The mark before each action shows the risk's direction."),
        *((f"Marker {mark}", words) for mark, words in MARKERS),
        ("Data quality", f"The {DATA_QUALITY} sheet lists the figures to read with care: late, "
         "missing or withheld, and any return that had not arrived."),
    ]
    rows += [(f"Note {i}", note) for i, note in enumerate(report.notes, start=1)
             if note.strip()]
    sheet.records("ReportNotes", NOTE_COLUMNS, rows, title="Notes on reading this report",
                  empty="No notes", main=True)
    sheet.finish()


def _trajectory_words(report: Report) -> str:
    """The Notes' sentence on the trajectory sheet; none when there is no cap rule."""
    if report.trajectory is None:
        return ""
    w = report.words
    return (f"The {w.trajectory_tab} sheet charts the {w.trajectory_subject} for every "
            f"compiled period against {w.the_cap} and the budgeted path, with the same "
            "figures in a table beside the chart. ")
