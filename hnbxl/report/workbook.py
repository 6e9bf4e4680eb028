"""Render a :class:`~hnbxl.report.model.Report` as the committee's workbook (and PDF).

The committee reads this workbook printed, or as a PDF appendix to its
papers, so it mirrors the Wiltshire highlight report section by section and
in its words, and it is built to the UK government analysis function's
checklist for accessible spreadsheets:

* the sheet's title in A1 of every sheet, meaningful sheet and table names;
* every table a real Excel table with one row of unique headers, no merged
  cells, no blank rows or blank cells inside a table (words instead: the
  no-data label, "No trend", "None");
* a RAG is always its words *and* its colour, so it reads in black and white;
* A4 landscape, one page wide, header rows repeated, footers that say which
  report, which page and when it was extracted.

Text that came from a return is written with ``write_string`` and nothing
else, so a narrative that says ``=HYPERLINK(...)`` or ``http://...`` stays
text (a formula typed by a submitter must never run on a committee member's
machine); the workbook options that would convert strings are off as well.
Every XlsxWriter return code is checked: a string Excel would truncate is an
error, not a silently shortened report.

The output is deterministic (same report, same bytes: the document dates come
from the extraction date) and written atomically: a failed write leaves any
earlier output exactly as it was.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from hnbxl.core.codes import CATALOGUE
from hnbxl.core.fileio import write_atomically
from hnbxl.core.issues import Issue, summary_line
from hnbxl.programme.definition import DEFAULT_HEADINGS
from hnbxl.report.model import FinanceLine, RatedRow, RatingView, Report
from hnbxl.report.pdf import run_grouped, stamp_date
from hnbxl.report.sheet import (
    FONT,
    FONT_SIZE,
    NO_DETAIL,
    NO_NOTE,
    NO_TREND,
    NOT_APPLICABLE,
    NOT_REPORTED,
    OutputError,
)
from hnbxl.report.sheet import Cell as _Cell
from hnbxl.report.sheet import Sheet as _Sheet
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import money_cell as _money
from hnbxl.report.sheet import note_cell as _note
from hnbxl.report.sheet import rag_cell as _rag
from hnbxl.report.sheet import report_date as _date
from hnbxl.report.sheet import text_cell as _text
from hnbxl.report.sheet import trend_cell as _trend
from hnbxl.report.trends import (
    FIGURES_OVER_TIME,
    RATINGS_OVER_TIME,
    TRAJECTORY,
    Spark,
    add_sparkline,
    sparklines,
)
from hnbxl.report.trends import figures_over_time as _figures_over_time
from hnbxl.report.trends import ratings_over_time as _ratings_over_time
from hnbxl.report.trends import trajectory as _trajectory

__all__ = [
    "SHEETS",
    "OutputError",
    "WriteResult",
    "convert_to_pdf",
    "write_report",
]

# Sheet names, in the order of the seed report, then the supporting sheets.
OVERVIEW = "Overview"
CONDITIONS = "Deal Conditions"
MEASURES = "Key Measures"
FINANCE = "Finance"
RISKS = "Risk Log"
DATA_QUALITY = "Data Quality"
SOURCES = "Sources"
NOTES = "Notes"
OFFICER = "Officer Checks"
SHEETS = (OVERVIEW, CONDITIONS, MEASURES, FINANCE, RISKS, TRAJECTORY, RATINGS_OVER_TIME,
          FIGURES_OVER_TIME, DATA_QUALITY, SOURCES, NOTES, OFFICER)

# Section headings when a definition leaves one out (the seed's own words).
DEFAULT_SECTION_TITLES = {
    "overview": "Transformation Summary - Overview",
    "conditions": "Deal Condition RAG Ratings",
    "measures": "Transformation Summary - Key Measures",
    "finance": "Finance Summary",
    "risks": "Programme Risk Log",
}

PDF_TIMEOUT = 120  # seconds; LibreOffice's first start with a fresh profile is slow

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}



@dataclass(frozen=True)
class WriteResult:
    """What :func:`write_report` wrote, for the command line to print."""

    path: Path
    pdf_path: Path | None
    sheets: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- public API


def write_report(report: Report, path: Path, *, pdf: bool = False) -> WriteResult:
    """Write the committee workbook to ``path`` and, when ``pdf``, a PDF beside it.

    Both files are built completely (the PDF from the finished workbook) before
    either replaces anything, so a failure at any point leaves earlier outputs
    untouched.  The PDF goes to ``path`` with the suffix ``.pdf``.
    """
    path = Path(path)
    data = render_report(report)
    pdf_path: Path | None = None
    outputs = [(path, data)]
    if pdf:
        pdf_path = path.with_suffix(".pdf")
        if pdf_path == path:
            raise OutputError(f"{path}: the workbook needs a name that does not end in .pdf")
        outputs.append((pdf_path, report_pdf(report)))
    write_atomically(*outputs, error=OutputError)
    return WriteResult(
        path=path,
        pdf_path=pdf_path,
        sheets=sheet_names(report),
        counts={
            "measures": len(report.measures),
            "risks": len(report.risks),
            "issues": len(report.issues),
            "sources": len(report.sources),
        },
    )


def render_report(report: Report, *, for_print: bool = False) -> bytes:
    """The workbook as bytes: the same report always gives the same bytes.

    ``for_print`` leaves out the Sources sheet: the committee's PDF carries the
    report, its data-quality notes and the key, while the file-by-file
    provenance (pages of SHA-256s) stays in the workbook for whoever audits it.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    # The Normal style's font sets the unit of column widths; make it the
    # cells' font so widths and the row heights measured from them agree.
    workbook.formats[0].set_font_name(FONT)
    workbook.formats[0].set_font_size(FONT_SIZE)
    workbook.set_properties(_properties(report))
    styles = _Styles(workbook, for_print)
    for build in _BUILDERS:
        if for_print and build in (_sources, _officer):
            continue  # the officer's sheets; LibreOffice prints hidden sheets, so left out
        build(workbook, styles, report)
    workbook.close()
    return buffer.getvalue()


def report_pdf(report: Report) -> bytes:
    """The committee's PDF of ``report`` (without the Sources sheet) as bytes.

    Its creation date is the report's "extracted on" date; LibreOffice's
    font subsets still differ from run to run, so the workbook, not the PDF,
    is the byte-identical record.
    """
    with tempfile.TemporaryDirectory(prefix="hnbxl-pdf-") as tmp:
        staged = Path(tmp) / "report.xlsx"
        staged.write_bytes(render_report(report, for_print=True))
        data = _convert(staged, Path(tmp) / "out")
    return stamp_date(data, report.extracted_on)


def write_pdf(report: Report, pdf: Path) -> Path:
    """The committee's PDF of ``report`` (without the Sources sheet), written atomically."""
    write_atomically((Path(pdf), report_pdf(report)), error=OutputError)
    return Path(pdf)


def convert_to_pdf(xlsx: Path, pdf: Path) -> Path:
    """Convert a workbook to PDF with LibreOffice and put it at ``pdf`` atomically.

    LibreOffice runs headless with a private profile in a temporary folder, so
    two conversions at once (or a user's open LibreOffice) do not collide.
    """
    xlsx, pdf = Path(xlsx), Path(pdf)
    if not xlsx.is_file():
        raise OutputError(f"{xlsx}: no such workbook to convert to PDF")
    with tempfile.TemporaryDirectory(prefix="hnbxl-pdf-") as tmp:
        data = _convert(xlsx, Path(tmp) / "out")
    write_atomically((pdf, data), error=OutputError)
    return pdf


# --------------------------------------------------------------------------- PDF


def _soffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OutputError(
        "LibreOffice is not installed (no 'soffice' on the PATH), so no PDF can be made; "
        "install LibreOffice or write the workbook without the PDF option"
    )


def _convert(xlsx: Path, outdir: Path) -> bytes:
    """Run LibreOffice on ``xlsx`` and return the PDF's bytes.

    A tagged PDF is asked for, since screen readers need the tags; the export
    filter's options are given as JSON, which LibreOffice 7.4 and later accept.
    """
    soffice = _soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir.parent / "profile").resolve().as_uri()
    target = 'pdf:calc_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
    command = [
        soffice,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        str(xlsx),
    ]
    try:
        code, said = run_grouped(command, outdir.parent, PDF_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"{xlsx}: LibreOffice did not finish the PDF within {PDF_TIMEOUT} seconds"
        ) from None
    except OSError as exc:
        raise OutputError(f"{xlsx}: could not start LibreOffice ({exc})") from None
    produced = outdir / (xlsx.stem + ".pdf")
    if code != 0 or not produced.is_file():
        detail = (said or "no message").strip().splitlines()
        raise OutputError(
            f"{xlsx}: LibreOffice could not make a PDF (exit {code}): "
            f"{detail[-1] if detail else 'no message'}"
        )
    return produced.read_bytes()


# --------------------------------------------------------------------------- files


# --------------------------------------------------------------------------- workbook


def _properties(report: Report) -> dict[str, Any]:
    """Document properties; ``created`` is fixed so the bytes do not depend on the clock."""
    title = f"{report.title} - {report.period_label}"
    return {
        "title": title,
        "subject": f"{report.committee}: {title}",
        "author": report.council,
        "company": report.council,
        "category": "Committee report",
        "keywords": ", ".join(
            ["High Needs Block", "highlight report", report.programme_id, report.period_key]
        ),
        "comments": (
            f"Extracted for {report.committee} on {_date(report)} from "
            f"{len(report.returns)} returns; programme definition "
            f"{report.definition_hash[:16] or 'not recorded'}. Made by hnbxl."
        ),
        "created": datetime.combine(report.extracted_on, datetime.min.time()),
    }



def sheet_names(report: Report) -> tuple[str, ...]:
    """The workbook's sheets in order: the sections' tabs (from the definition), then ours."""
    return (*(_tab(report, key) for key in _SECTION_SHEETS), TRAJECTORY, RATINGS_OVER_TIME,
            FIGURES_OVER_TIME, DATA_QUALITY, SOURCES, NOTES, OFFICER)


def _tab(report: Report, key: str) -> str:
    """A section's sheet tab: the definition's (its title made a legal tab), else the seed's."""
    return report.section_tabs.get(key) or _SECTION_SHEETS[key]


def _heading(report: Report, key: str) -> str:
    """A column heading from the definition's ``[headings]``, else the seed's wording."""
    return report.headings.get(key) or DEFAULT_HEADINGS[key]


def _rated_headings(report: Report) -> tuple[str, ...]:
    return (_heading(report, "last_period"), _heading(report, "this_period"), "Trend", "Note")


def _finance_headings(report: Report) -> tuple[str, ...]:
    return (*(_heading(report, k) for k in ("baseline", "budget", "this_quarter", "variance")),
            "RAG", "Trend", "Note")


def _section(report: Report, key: str) -> str:
    title = report.section_titles.get(key, "").strip()
    return title or DEFAULT_SECTION_TITLES[key]



# --------------------------------------------------------------------------- sheets



def _overview(workbook: Any, styles: _Styles, report: Report) -> None:
    sheet = _Sheet(workbook, styles, report, _tab(report, "overview"), [58, 18, 18, 12, 28])
    sheet.line(report.title, styles.title)
    sheet.line(f"Extracted for: {report.committee}", styles.info)
    sheet.line(f"Extracted on: {_date(report)}", styles.info)
    sheet.line(report.council, styles.info)
    sheet.line(f"Period: {report.period_label}", styles.info)
    last = report.last_period_label or "none (first period reported)"
    sheet.line(f"Last period: {last}", styles.info)
    sheet.gap()
    sheet.line(_section(report, "overview"), styles.heading)
    sheet.table(
        "OverviewRatings",
        ("Rating", *_rated_headings(report)),
        _rated_rows(report.overview),
        title="Overview RAG ratings",
        empty="No overview ratings this period",
    )
    sheet.gap()
    sheet.paragraphs(report.overview_narrative, "No overview narrative was given this period.")
    sheet.finish()


def _rated_rows(rows: Sequence[RatedRow]) -> list[list[_Cell]]:
    """Name, last period, this period, trend and note: the overview and the deal conditions."""
    return [
        [_text(row.name), _rag(row.last), _rag(row.this), _trend(row.trend),
         _note(row.this, row.note)]
        for row in rows
    ]


def _conditions(workbook: Any, styles: _Styles, report: Report) -> None:
    sheet = _Sheet(workbook, styles, report, _tab(report, "conditions"), [58, 18, 18, 12, 28])
    sheet.title_block(_section(report, "conditions"))
    sheet.table(
        "DealConditions",
        ("Deal condition", *_rated_headings(report)),
        _rated_rows(report.conditions),
        title="Deal condition RAG ratings",
        empty="No deal conditions this period",
        main=True,
    )
    sheet.finish()


def _measures(workbook: Any, styles: _Styles, report: Report) -> None:
    sparks = _sparks(styles, report)
    sheet = _Sheet(workbook, styles, report, _tab(report, "measures"),
                   [27, 27, 13, 8, 13, 17, 11, 24, *([14] if sparks else [])])
    sheet.title_block(_section(report, "measures"))
    _spark_table(
        sheet, sparks,
        "KeyMeasures",
        ("Measure", "Detail", "Figure", "Last Update", *_rated_headings(report)),
        [
            [
                _text(m.name),
                _text(m.detail, NO_DETAIL),
                _text(m.figure, NOT_REPORTED),
                _text(m.last_update, NOT_REPORTED),
                _rag(m.last),
                _rag(m.this),
                _trend(m.trend),
                _note(m.this, m.note),
            ]
            for m in report.measures
        ],
        [m.key for m in report.measures],
        title="Key measures: figure, last update and RAG ratings",
        empty="No key measures this period",
        main=True,
    )
    sheet.finish()


SPARK_HEADER = "Last 12 Periods"


def _sparks(styles: _Styles, report: Report) -> dict[str, Spark]:
    """Sparklines in the workbook only: LibreOffice's PDF draws them as scattered dots."""
    return {} if styles.for_print else sparklines(report)


def _spark_table(sheet: _Sheet, sparks: dict[str, Spark], name: str, columns: Sequence[str],
                 rows: list[list[_Cell]], keys: Sequence[str], **options: Any) -> None:
    """A table with, when there are sparklines, a last column of them over their periods."""
    if not sparks:
        sheet.table(name, columns, rows, **options)
        return
    first = sheet.row
    captions = [_Cell(sparks[k].caption if k in sparks else "No figures to chart", "small")
                for k in keys]
    sheet.table(name, (*columns, SPARK_HEADER),
                [[*row, caption] for row, caption in zip(rows, captions, strict=True)],
                **options)
    for i, key in enumerate(keys, start=first + 1):
        if key in sparks:
            add_sparkline(sheet, i, len(columns), sparks[key])


def _finance_row(line: FinanceLine) -> list[_Cell]:
    return [
        _text(line.name),
        _Cell(float(line.baseline), "money"),
        _Cell(float(line.budget), "money"),
        _money(line.this_quarter, line.this_quarter_text),
        _money(line.variance, line.variance_text),
        _rag(line.rating),
        _trend(line.trend),
        _note(line.rating, line.note),
    ]


def _finance(workbook: Any, styles: _Styles, report: Report) -> None:
    sparks = _sparks(styles, report)
    # Column A holds the finance narrative as well as the row names: as wide as the
    # overview's, so the commentary reads as paragraphs (tables allow no merged cells).
    sheet = _Sheet(workbook, styles, report, _tab(report, "finance"),
                   [58, 12, 12, 12, 11, 17, 11, 28, *([14] if sparks else [])])
    sheet.title_block(_section(report, "finance"))
    sheet.paragraphs(report.finance_narrative, "No finance narrative was given this period.")
    sheet.gap()
    sheet.line("Key performance indicators", styles.caption)
    _spark_table(
        sheet, sparks,
        "FinanceKPIs",
        ("KPI", *_finance_headings(report)),
        [_finance_row(line) for line in report.kpis],
        [line.key for line in report.kpis],
        title="Finance key performance indicators",
        empty="No finance KPIs this period",
    )
    sheet.gap()
    sheet.line("Programme mitigations", styles.caption)
    _spark_table(
        sheet, sparks,
        "ProgrammeMitigations",
        ("Programme Mitigations", *_finance_headings(report)),
        [_finance_row(line) for line in report.mitigations],
        [line.key for line in report.mitigations],
        title="Programme mitigations",
        empty="No programme mitigations this period",
        main=True,
    )
    sheet.finish()


def _risks(workbook: Any, styles: _Styles, report: Report) -> None:
    """The register: each risk under its id for good, last period's score beside this
    one, and a risk closed this period shown as Closed with its closing note."""
    sheet = _Sheet(workbook, styles, report, _tab(report, "risks"),
                   [6, 20, 30, 7, 7, 17, 34, 13, 7, 9, 8])
    sheet.title_block(_section(report, "risks"))
    rows = []
    for risk in report.risks:
        action = f"{risk.direction_mark} {risk.action}" if risk.direction_mark else risk.action
        closed = risk.status == "closed"
        rows.append(
            [
                _text(risk.id),
                _text(risk.name),
                _text(risk.risk),
                _Cell(risk.last_score, "integer") if risk.last_score is not None
                else _text("New"),
                _Cell(risk.score, "integer"),
                _rag(risk.band),
                _text(f"Closed: {risk.action}" if closed else action, "Closed" if closed
                      else NOT_REPORTED),
                _text(risk.direction_words, NOT_REPORTED),
                _Cell(risk.target, "integer"),
                _Cell(risk.updated if risk.updated.strip() else NOT_REPORTED, "centre"),
                _text("Closed" if closed else "Open"),
            ]
        )
    sheet.table(
        "RiskLog",
        ("ID", "Risk name", "Risk", "Last score", "Score", "Band", "Action", "Direction",
         "Target", "Updated", "Status"),
        rows,
        title="Programme risk log",
        empty="No risks recorded",
        main=True,
    )
    sheet.finish()


#: The columns of both issue tables (Data Quality, Officer Checks), as ``_issue_row`` fills them.
ISSUE_COLUMNS = ("Severity", "Issue", "File", "Place", "Found", "Expected", "Message")


def _issue_row(issue: Issue) -> list[_Cell]:
    info = CATALOGUE.get(issue.code)
    return [
        _text(str(issue.severity).capitalize()),
        _text(info.title if info else issue.code, NOT_REPORTED),
        _text(issue.file, "No file (whole compile)"),
        _text(issue.place, "Whole file"),
        _text(issue.found, "Nothing"),
        _text(issue.expected, "Not stated"),
        _text(issue.message, NOT_REPORTED),
    ]


def _data_quality(workbook: Any, styles: _Styles, report: Report) -> None:
    sheet = _Sheet(workbook, styles, report, DATA_QUALITY, [10, 14, 22, 16, 16, 16, 40])
    sheet.line("Data Quality - Issues Found in the Returns", styles.title)
    sheet.line(
        f"{report.council}: {report.title}, period {report.period_label}", styles.info
    )
    sheet.line(
        "Summary: " + summary_line(list(report.issues), len(report.returns)), styles.info
    )
    sheet.gap()
    sheet.table(
        "DataQualityIssues",
        ISSUE_COLUMNS,
        [_issue_row(issue) for issue in report.issues],
        title="Issues found in the returns",
        empty="No issues found",
        main=True,
        autofilter=bool(report.issues),
    )
    sheet.finish()


_SECTION_SHEETS = {
    "overview": OVERVIEW,
    "conditions": CONDITIONS,
    "measures": MEASURES,
    "finance": FINANCE,
    "risks": RISKS,
}


def _sections_words(report: Report, keys: Sequence[str]) -> str:
    """A return's sections by the sheet that shows them: short, and findable in the book."""
    return ", ".join(_tab(report, key) if key in _SECTION_SHEETS else key for key in keys)


def _sources(workbook: Any, styles: _Styles, report: Report) -> None:
    sheet = _Sheet(workbook, styles, report, SOURCES, [28, 10, 16, 22, 33, 14, 7])
    sheet.line("Sources - Where Every Figure Came From", styles.title)
    sheet.line(
        f"{report.council}: {report.title}, period {report.period_label}", styles.info
    )
    sheet.gap()
    sheet.line("Returns used", styles.caption)
    sheet.table(
        "ReturnsUsed",
        ("Return file", "Owner", "Sections", "Note", "SHA-256"),
        [
            [
                _text(r.file, NOT_REPORTED),
                _text(r.owner, NOT_REPORTED),
                _text(_sections_words(report, r.sections), NOT_REPORTED),
                _text(r.note),
                _text(r.sha256, NOT_REPORTED),
            ]
            for r in report.returns
        ],
        title="Returns used for this report",
        empty="No returns recorded",
    )
    sheet.gap()
    sheet.line("Where each figure came from", styles.caption)
    sheet.table(
        "FigureSources",
        ("Item", "What", "Value", "File", "SHA-256", "Sheet", "Cell"),
        [
            [
                _text(s.item, NOT_REPORTED),
                _text(s.what, NOT_REPORTED),
                _text(s.value, "Blank"),
                _text(s.file, NOT_REPORTED),
                _text(s.sha256, NOT_REPORTED),
                _text(s.sheet, NOT_REPORTED),
                _text(s.cell, NOT_REPORTED),
            ]
            for s in report.sources
        ],
        title="Source of every figure: file, SHA-256, sheet and cell",
        empty="No sources recorded",
        main=True,
        autofilter=bool(report.sources),
    )
    sheet.finish()


def _notes(workbook: Any, styles: _Styles, report: Report) -> None:
    sheet = _Sheet(workbook, styles, report, NOTES, [24, 100])
    sheet.line("Notes - How to Read This Report", styles.title)
    sheet.line(
        f"{report.council}: {report.title}, period {report.period_label}", styles.info
    )
    sheet.gap()
    sheet.line("RAG key", styles.caption)
    states = report.scale.states
    key_rows = [
        [_rag(_view(state)), _text(f"{_rank_words(i, len(states))}. {_grade_words(report, state)}")]
        for i, state in enumerate(states)
    ]
    nd = report.scale.no_data
    key_rows.append(
        [
            _rag(_view(nd)),
            _text(
                "No figure or rating was reported for this period (or, for last period, "
                "none was reported then). It is not a judgement of progress."
            ),
        ]
    )
    sheet.table(
        "RagKey",
        ("Rating", "Meaning"),
        key_rows,
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
        ("Over time", f"The {TRAJECTORY} sheet charts the cumulative DSG deficit for every "
         "compiled period against the deal's cap and the budgeted path, with the same figures "
         f"in a table beside the chart. {RATINGS_OVER_TIME} and {FIGURES_OVER_TIME} show each "
         "rating and figure by period; in the workbook, small in-cell charts (sparklines) on "
         f"{_tab(report, 'measures')} and {_tab(report, 'finance')} draw the last 12 periods "
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
    sheet.table(
        "ReportNotes",
        ("Topic", "Explanation"),
        [[_text(topic), _text(text)] for topic, text in rows],
        title="Notes on reading this report",
        empty="No notes",
        main=True,
    )
    sheet.finish()


def _grade_words(report: Report, state: Any) -> str:
    """What a rule's result has to do with a state, in words (no colour codes)."""
    if state.grade is None:
        return "Chosen only by an owner; no rule gives it."
    shown = report.scale.for_grade(state.grade)
    if shown.key != state.key:
        return f"Chosen by an owner; a rule's {state.grade} result shows as {shown.label}."
    return f"A rule's {state.grade} result shows as this rating."


def _officer(workbook: Any, styles: _Styles, report: Report) -> None:
    """Items only the officer needs, after the committee's pages and never in the PDF."""
    sheet = _Sheet(workbook, styles, report, OFFICER, [10, 14, 22, 16, 16, 16, 40])
    sheet.line("Officer Checks - How the Returns Were Saved and Sent", styles.title)
    sheet.line(
        f"{report.council}: {report.title}, period {report.period_label}", styles.info
    )
    sheet.line("For the programme officer; not part of the committee's report.", styles.info)
    sheet.gap()
    sheet.table(
        "OfficerChecks",
        ISSUE_COLUMNS,
        [_issue_row(issue) for issue in report.officer_issues],
        title="Items for the officer only",
        empty="Nothing for the officer this period",
        main=True,
        autofilter=bool(report.officer_issues),
    )
    sheet.finish()


def _view(state: Any) -> RatingView:
    return RatingView(state.key, state.label, state.colour, state.font_colour)


def _rank_words(i: int, n: int) -> str:
    if i == 0:
        return f"Best of the {n} ratings"
    if i == n - 1:
        return f"Worst of the {n} ratings"
    return f"Rating {i + 1} of {n}, best first"


# One builder per sheet, in the order of SHEETS.
_BUILDERS: tuple[Callable[[Any, _Styles, Report], None], ...] = (
    _overview, _conditions, _measures, _finance, _risks, _trajectory, _ratings_over_time,
    _figures_over_time, _data_quality, _sources, _notes, _officer,
)
