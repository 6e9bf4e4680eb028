"""The committee's sections: Overview, Deal Conditions, Key Measures, Finance, Risk Log.

These sheets mirror the seed highlight report section by section, in its
words unless the definition gives its own (section titles, tabs and column
headings).  Each writer is ``(workbook, styles, report) -> None`` and builds
one sheet through :class:`~hnbxl.report.sheet.Sheet`, which checks every
write; the workbook's order is in ``workbook._BUILDERS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hnbxl.programme.definition import DEFAULT_HEADINGS
from hnbxl.report.model import FinanceLine, RatedRow, Report
from hnbxl.report.sheet import NO_DETAIL, NOT_REPORTED
from hnbxl.report.sheet import Cell as _Cell
from hnbxl.report.sheet import Sheet as _Sheet
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import money_cell as _money
from hnbxl.report.sheet import note_cell as _note
from hnbxl.report.sheet import rag_cell as _rag
from hnbxl.report.sheet import report_date as _date
from hnbxl.report.sheet import text_cell as _text
from hnbxl.report.sheet import trend_cell as _trend
from hnbxl.report.trends import Spark, add_sparkline, sparklines

# Sheet names, in the order of the seed report (tabs when a definition gives none).
OVERVIEW = "Overview"
CONDITIONS = "Deal Conditions"
MEASURES = "Key Measures"
FINANCE = "Finance"
RISKS = "Risk Log"

# Section headings when a definition leaves one out (the seed's own words).
DEFAULT_SECTION_TITLES = {
    "overview": "Transformation Summary - Overview",
    "conditions": "Deal Condition RAG Ratings",
    "measures": "Transformation Summary - Key Measures",
    "finance": "Finance Summary",
    "risks": "Programme Risk Log",
}

SECTION_SHEETS = {
    "overview": OVERVIEW,
    "conditions": CONDITIONS,
    "measures": MEASURES,
    "finance": FINANCE,
    "risks": RISKS,
}


def tab_of(report: Report, key: str) -> str:
    """A section's sheet tab: the definition's (its title made a legal tab), else the seed's."""
    return report.section_tabs.get(key) or SECTION_SHEETS[key]


def _heading(report: Report, key: str) -> str:
    """A column heading from the definition's ``[headings]``, else the seed's wording."""
    return report.headings.get(key) or DEFAULT_HEADINGS[key]


def _rated_headings(report: Report) -> tuple[str, ...]:
    return (_heading(report, "last_period"), _heading(report, "this_period"), "Trend", "Note")


def _finance_headings(report: Report) -> tuple[str, ...]:
    return (*(_heading(report, k) for k in ("baseline", "budget", "this_quarter", "variance")),
            "RAG", "Trend", "Note")


def section_title(report: Report, key: str) -> str:
    """A section's heading: the definition's title, else the seed report's words."""
    title = report.section_titles.get(key, "").strip()
    return title or DEFAULT_SECTION_TITLES[key]


def overview(workbook: Any, styles: _Styles, report: Report) -> None:
    """The first page: what the report is, for whom and when, the overview ratings and narrative."""
    sheet = _Sheet(workbook, styles, report, tab_of(report, "overview"), [58, 18, 18, 12, 28])
    sheet.line(report.title, styles.title)
    sheet.line(f"Extracted for: {report.committee}", styles.info)
    sheet.line(f"Extracted on: {_date(report)}", styles.info)
    sheet.line(report.council, styles.info)
    sheet.line(f"Period: {report.period_label}", styles.info)
    last = report.last_period_label or "none (first period reported)"
    sheet.line(f"Last period: {last}", styles.info)
    sheet.gap()
    sheet.line(section_title(report, "overview"), styles.heading)
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


def conditions(workbook: Any, styles: _Styles, report: Report) -> None:
    """The deal conditions' ratings, last period beside this one."""
    sheet = _Sheet(workbook, styles, report, tab_of(report, "conditions"), [58, 18, 18, 12, 28])
    sheet.title_block(section_title(report, "conditions"))
    sheet.table(
        "DealConditions",
        ("Deal condition", *_rated_headings(report)),
        _rated_rows(report.conditions),
        title="Deal condition RAG ratings",
        empty="No deal conditions this period",
        main=True,
    )
    sheet.finish()


def measures(workbook: Any, styles: _Styles, report: Report) -> None:
    """Each key measure's figure and ratings, with sparklines in the workbook (not the PDF)."""
    sparks = _sparks(styles, report)
    sheet = _Sheet(workbook, styles, report, tab_of(report, "measures"),
                   [27, 27, 13, 8, 13, 17, 11, 24, *([14] if sparks else [])])
    sheet.title_block(section_title(report, "measures"))
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


def finance(workbook: Any, styles: _Styles, report: Report) -> None:
    """The finance narrative, then the KPIs and the programme mitigations against budget."""
    sparks = _sparks(styles, report)
    # Column A holds the finance narrative as well as the row names: as wide as the
    # overview's, so the commentary reads as paragraphs (tables allow no merged cells).
    sheet = _Sheet(workbook, styles, report, tab_of(report, "finance"),
                   [58, 12, 12, 12, 11, 17, 11, 28, *([14] if sparks else [])])
    sheet.title_block(section_title(report, "finance"))
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


def risks(workbook: Any, styles: _Styles, report: Report) -> None:
    """The register: each risk under its id for good, last period's score beside this
    one, and a risk closed this period shown as Closed with its closing note."""
    sheet = _Sheet(workbook, styles, report, tab_of(report, "risks"),
                   [6, 20, 30, 7, 7, 17, 34, 13, 7, 9, 8])
    sheet.title_block(section_title(report, "risks"))
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

