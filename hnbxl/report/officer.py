"""The officer workbook's sheets: everything needed to trust and trace the figures.

Written beside the committee workbook (``…-officer.xlsx``) and never part of
the papers: every issue by file and cell with the figures as found, every
rating with the rule's reason and any override ("Overridden by owner (rule gave
No data): …"), every figure as read (a suppressed small number included, with
the words the papers showed instead), the returns used with their SHA-256 and
any set-aside copies, where each value came from, and the definition version.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.workbook import Workbook

from hnbxl.core.codes import for_committee, title_of
from hnbxl.core.issues import Issue, summary_line
from hnbxl.report.model import MeasureRow, RatingView, Report, ReturnUsed, SourceLine
from hnbxl.report.sections import SECTION_SHEETS, tab_of
from hnbxl.report.sheet import NOT_REPORTED, Column, widths_of
from hnbxl.report.sheet import Sheet as _Sheet
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import note_cell as _note
from hnbxl.report.sheet import rag_cell as _rag
from hnbxl.report.sheet import text_cell as _text

CHECKS = "Checks by Cell"
RATINGS = "Ratings and Figures"
RETURNS = "Returns Used"
SOURCES = "Sources"
COMPILE = "Compile"


def _shown_to_committee(issue: Issue, withheld: Sequence[Issue]) -> str:
    """Whether the committee's Data Quality sheet tells of this issue (in words)."""
    if not for_committee(issue.code):
        return "No"
    return "Withheld (small number)" if issue in withheld else "Yes, in words"


#: Every issue as found.  The issue's title comes from the catalogue, its code beside it.
ISSUE_COLUMNS: tuple[Column[Issue], ...] = (
    Column("Severity", 10, lambda i: _text(str(i.severity).capitalize())),
    Column("Issue", 14, lambda i: _text(title_of(i.code), NOT_REPORTED)),
    Column("Code", 14, lambda i: _text(i.code, NOT_REPORTED)),
    Column("File", 22, lambda i: _text(i.file, "No file (whole compile)")),
    Column("Place", 16, lambda i: _text(i.place, "Whole file")),
    # Blank, as Expected, when the issue quotes no value: "Nothing" read as "nothing was
    # found" beside a resolved query whose message says what was.
    Column("Found", 16, lambda i: _note(i.found)),
    Column("Expected", 16, lambda i: _note(i.expected)),
    Column("Message", 40, lambda i: _text(i.message, NOT_REPORTED)),
)


def return_columns(report: Report) -> tuple[Column[ReturnUsed], ...]:
    """The returns used; a return's sections are named by the tabs that show them."""
    return (
        Column("Return file", 28, lambda r: _text(r.file, NOT_REPORTED)),
        Column("Owner", 10, lambda r: _text(r.owner, NOT_REPORTED)),
        Column("Sections", 16, lambda r: _text(_sections_words(report, r.sections),
                                               NOT_REPORTED)),
        Column("Note", 22, lambda r: _note(r.note)),
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


class RatedLine:
    """One rated row of any section, as the officer reads it."""

    def __init__(self, section: str, key: str, name: str, figure: str, shown: str,
                 rating: RatingView, note: str):
        self.section, self.key, self.name = section, key, name
        self.figure, self.shown, self.rating, self.note = figure, shown, rating, note


RATED_COLUMNS: tuple[Column[RatedLine], ...] = (
    Column("Section", 14, lambda r: _text(r.section)),
    Column("Item", 40, lambda r: _text(r.name)),
    Column("Key", 24, lambda r: _text(r.key)),
    Column("Figure as read", 16, lambda r: _note(r.figure)),
    Column("Papers show", 16, lambda r: _note(r.shown)),
    Column("Rating", 17, lambda r: _rag(r.rating)),
    Column("How it was rated", 50, lambda r: _note(r.note)),
)
INFO_COLUMNS: tuple[Column[tuple[str, str]], ...] = (
    Column("Topic", 24, lambda row: _text(row[0])),
    Column("Detail", 100, lambda row: _text(row[1])),
)


def rated_lines(report: Report) -> list[RatedLine]:
    """Every rated row with its real figure and the officer's note."""
    lines: list[RatedLine] = []
    for section, rows in (("Overview", report.overview), ("Deal conditions", report.conditions)):
        lines += [RatedLine(section, r.key, r.name, "", "", r.this, r.officer_note)
                  for r in rows]
    lines += [_measure_line(m) for m in report.measures]
    for line in (*report.kpis, *report.mitigations):
        lines.append(RatedLine("Finance", line.key, line.name, line.this_quarter_text,
                               line.this_quarter_text, line.rating, line.officer_note))
    return lines


def _measure_line(m: MeasureRow) -> RatedLine:
    return RatedLine("Key measures", m.key, m.name, m.officer_figure or m.figure, m.figure,
                     m.this, m.officer_note)


def checks(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """Every issue found, by file and cell, with the figure as found."""
    # A committee code on the officer's list is one withheld from the committee.
    withheld = [i for i in report.officer_issues if for_committee(i.code)]
    issues = report.all_issues or (*report.issues, *report.officer_issues)
    columns = (*ISSUE_COLUMNS, Column("Shown to the committee", 14,
                                      lambda i: _text(_shown_to_committee(i, withheld))))
    sheet = _Sheet(workbook, styles, report, CHECKS, widths_of(columns))
    _heading(sheet, "Checks by Cell - Every Issue Found in the Returns",
             "Summary: " + summary_line(list(issues), len(report.returns)))
    sheet.records("ChecksByCell", columns, issues, title="Every issue found, by file and cell",
                  empty="No issues found", main=True, autofilter=bool(issues))
    sheet.finish()


def ratings(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """Every rating with the rule's reason or the override, and every figure as read."""
    sheet = _Sheet(workbook, styles, report, RATINGS, widths_of(RATED_COLUMNS))
    _heading(sheet, "Ratings and Figures - As Read and As Rated",
             "Figures as the returns gave them, a suppressed small number included; "
             "'Papers show' is what the committee reads.")
    lines = rated_lines(report)
    sheet.records("RatingsAndFigures", RATED_COLUMNS, lines,
                  title="Every rated item: figure as read, as shown, rating and reason",
                  empty="No rated items", main=True, autofilter=bool(lines))
    sheet.finish()


def returns(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The returns used, with their SHA-256 and any copies set aside."""
    columns = return_columns(report)
    sheet = _Sheet(workbook, styles, report, RETURNS, widths_of(columns))
    _heading(sheet, "Returns Used - Files, Owners and SHA-256",
             "A note names any copy set aside (--newest-wins).")
    sheet.records("ReturnsUsed", columns, report.returns, title="Returns used for this report",
                  empty="No returns recorded", main=True)
    sheet.finish()


def sources(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """Every value's file, SHA-256, sheet and cell, for an audit."""
    sheet = _Sheet(workbook, styles, report, SOURCES, widths_of(SOURCE_COLUMNS))
    _heading(sheet, "Sources - Where Every Figure Came From",
             "Values as read, a suppressed small number included.")
    sheet.records("FigureSources", SOURCE_COLUMNS, report.sources,
                  title="Source of every figure: file, SHA-256, sheet and cell",
                  empty="No sources recorded", main=True, autofilter=bool(report.sources))
    sheet.finish()


def compile_info(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The definition version and how the compile was made."""
    sheet = _Sheet(workbook, styles, report, COMPILE, widths_of(INFO_COLUMNS))
    _heading(sheet, "Compile - Definition Version and Options",
             "What this report was made from.")
    rows = [
        ("Programme", report.programme_id),
        ("Definition version", f"SHA-256 {report.definition_hash or 'not recorded'} "
         "(hnbxl definition list shows the versions history keeps)"),
        ("Period", f"{report.period_key} ({report.period_label})"),
        ("Returns", f"{len(report.returns)} used"),
        *((f"Note {i}", n) for i, n in enumerate(report.officer_notes, 1)),
    ]
    sheet.records("CompileInfo", INFO_COLUMNS, rows, title="How this report was compiled",
                  empty="Nothing recorded", main=True)
    sheet.finish()


def _heading(sheet: _Sheet, title: str, info: str) -> None:
    r = sheet.report
    sheet.line(title, sheet.styles.title)
    sheet.line(f"{r.council}: {r.title}, period {r.period_label}. For the programme officer; "
               "not part of the committee's papers.", sheet.styles.info)
    sheet.line(info, sheet.styles.info)
    sheet.gap()


def _sections_words(report: Report, keys: Sequence[str]) -> str:
    """A return's sections by the sheet that shows them: short, and findable in the book."""
    return ", ".join(tab_of(report, key) if key in SECTION_SHEETS else key for key in keys)


