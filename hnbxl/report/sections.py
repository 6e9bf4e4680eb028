"""The committee's sections: overview, conditions, measures, finance, risk log.

These sheets mirror the seed highlight report section by section, in the
definition's words (section titles, tabs, column headings and ``[words]``;
Wiltshire's definition gives the seed's).  Each writer is
``(workbook, styles, report) -> None`` and builds one sheet through
:class:`~hnbxl.report.sheet.Sheet`, which checks every write; the workbook's
order is in ``workbook._BUILDERS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from xlsxwriter.workbook import Workbook

from hnbxl.programme.definition import DEFAULT_HEADINGS, in_sentence
from hnbxl.programme.loader import tab_name
from hnbxl.report.model import FinanceLine, MeasureRow, RatedRow, Report, RiskLine
from hnbxl.report.sheet import NOT_REPORTED, Column, TableOptions, widths_of
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

# Sheet tabs in report order, for a report model made without a definition's tabs
# (a loaded definition always gives every section a tab).
SECTION_SHEETS = {
    "overview": "Overview",
    "conditions": "Conditions",
    "measures": "Measures",
    "finance": "Finance",
    "risks": "Risks",
}


def tab_of(report: Report, key: str) -> str:
    """A section's sheet tab: the definition's (its title made a legal tab)."""
    return report.section_tabs.get(key) or SECTION_SHEETS[key]


def name_of(report: Report, key: str) -> str:
    """How lists name a section ("Deal conditions"): ``name``, else its tab."""
    return report.section_names.get(key) or tab_of(report, key)


def _heading(report: Report, key: str) -> str:
    """A column heading from the definition's ``[headings]``, else the seed's wording."""
    return report.headings.get(key) or DEFAULT_HEADINGS[key]


def section_title(report: Report, key: str) -> str:
    """A section's heading: the definition's title, else its tab."""
    title = report.section_titles.get(key, "").strip()
    return title or tab_of(report, key)


def _none_this_period(report: Report, key: str) -> str:
    """An empty table's words: "No deal conditions this period"."""
    return f"No {in_sentence(name_of(report, key))} this period"


# --------------------------------------------------------------------------- columns
# Each table's columns, declared once: heading, width, and how a model row fills it.


def _rating_columns(report: Report, widths: tuple[float, float, float, float]
                    ) -> tuple[Column[Any], ...]:
    """Last period, this period, trend and note: the end of every rated table."""
    last, this, trend, note = widths
    return (
        Column(_heading(report, "last_period"), last, lambda row: _rag(row.last)),
        Column(_heading(report, "this_period"), this, lambda row: _rag(row.this)),
        Column("Trend", trend, lambda row: _trend(row.trend)),
        Column("Note", note, lambda row: _note(row.note)),
    )


def rated_columns(report: Report, first: str) -> tuple[Column[RatedRow], ...]:
    """The overview's and the deal conditions' table: a name, then its ratings."""
    return (Column(first, 58, lambda row: _text(row.name)),
            *_rating_columns(report, (18, 18, 12, 28)))


def figure_cell(m: MeasureRow) -> _Cell:
    """A figure as a number with the format that shows it as the seed does (169,
    6.06%, £17,287, "2 (33%)"); words ("Data coming", "fewer than 5") as text."""
    if m.value is not None:
        return _Cell(m.value, "number", num_format=m.number_format)
    return _text(m.figure, NOT_REPORTED)


def measure_columns(report: Report) -> tuple[Column[MeasureRow], ...]:
    return (
        Column("Measure", 27, lambda m: _text(m.name)),
        Column("Detail", 27, lambda m: _note(m.detail)),
        Column("Figure", 13, figure_cell),
        Column("Last Update", 8, lambda m: _text(m.last_update, NOT_REPORTED)),
        *_rating_columns(report, (13, 17, 11, 24)),
    )


def finance_columns(report: Report, first: str) -> tuple[Column[FinanceLine], ...]:
    """The KPIs' and the mitigations' table; column A is as wide as the narrative above."""
    return (
        Column(first, 58, lambda line: _text(line.name)),
        Column(_heading(report, "baseline"), 12, lambda line: _Cell(float(line.baseline), "money")),
        Column(_heading(report, "budget"), 12, lambda line: _Cell(float(line.budget), "money")),
        Column(_heading(report, "this_quarter"), 12,
               lambda line: _money(line.this_quarter, line.this_quarter_text)),
        Column(_heading(report, "variance"), 11,
               lambda line: _money(line.variance, line.variance_text)),
        Column("RAG", 17, lambda line: _rag(line.rating)),
        Column("Trend", 11, lambda line: _trend(line.trend)),
        Column("Note", 28, lambda line: _note(line.note)),
    )


def _risk_action(risk: RiskLine) -> _Cell:
    """The action with its direction mark; a closed risk's closing note (else its action)."""
    if risk.status == "closed":
        return _text(risk.closing_note or risk.action, "Closed")
    mark = risk.direction_mark
    return _text(f"{mark} {risk.action}" if mark else risk.action, NOT_REPORTED)


RISK_COLUMNS: tuple[Column[RiskLine], ...] = (
    Column("ID", 6, lambda r: _text(r.id)),
    Column("Risk name", 20, lambda r: _text(r.name)),
    Column("Risk", 30, lambda r: _text(r.risk)),
    Column("Last score", 7, lambda r: _Cell(r.last_score, "integer")
           if r.last_score is not None else _text("New")),
    Column("Score", 7, lambda r: _Cell(r.score, "integer")),
    # a closed risk is Closed, never a rating band
    Column("Band", 17, lambda r: _text("Closed") if r.status == "closed" else _rag(r.band)),
    Column("Action", 34, _risk_action),
    Column("Direction", 13, lambda r: _text(r.direction_words, NOT_REPORTED)),
    Column("Target", 7, lambda r: _Cell(r.target, "integer")),
    Column("Updated", 9, lambda r: _Cell(r.updated if r.updated.strip() else NOT_REPORTED,
                                         "centre")),
    Column("Status", 8, lambda r: _text("Closed" if r.status == "closed" else "Open")),
)


# --------------------------------------------------------------------------- sheets


def overview(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The first page: what the report is, for whom and when, the overview ratings and narrative."""
    columns = without_empty(rated_columns(report, "Rating"), report.overview)
    sheet = _Sheet(workbook, styles, report, tab_of(report, "overview"),
                   widths_of(columns, (Column("", 58, _text),)))
    sheet.line(report.title, styles.title)
    sheet.line(f"Extracted for: {report.committee}", styles.info)
    sheet.line(f"Extracted on: {_date(report)}", styles.info)
    sheet.line(report.council, styles.info)
    sheet.line(f"Period: {report.period_label}", styles.info)
    last = report.last_period_label or "none (first period reported)"
    sheet.line(f"Last period: {last}", styles.info)
    sheet.gap()
    sheet.line(section_title(report, "overview"), styles.heading)
    sheet.records(
        "OverviewRatings", columns, report.overview,
        title="Overview RAG ratings",
        empty="No overview ratings this period",
    )
    sheet.gap()
    sheet.paragraphs(report.overview_narrative, "No overview narrative was given this period.")
    sheet.finish()


def conditions(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The conditions' ratings (Wiltshire's deal conditions), last period beside this one."""
    words = report.words
    _table_sheet(workbook, styles, report, "conditions", "Conditions",
                 rated_columns(report, words.condition), report.conditions,
                 title=f"{words.condition} RAG ratings",
                 empty=_none_this_period(report, "conditions"))


def without_empty(columns: Sequence[Column[Any]], items: Sequence[Any],
                  optional: tuple[str, ...] = ("Note", "Detail")) -> tuple[Column[Any], ...]:
    """The columns less an optional one (a note) that is empty on every row: the seed
    printed no column of nothing, and a member should not read one."""
    def empty(column: Column[Any]) -> bool:
        return column.header in optional and all(
            column.fill(item).kind == "blank" for item in items)
    return tuple(c for c in columns if not empty(c))


def _table_sheet(workbook: Workbook, styles: _Styles, report: Report, key: str, name: str,
                 columns: Sequence[Column[Any]], items: Sequence[Any], *, title: str,
                 empty: str) -> None:
    """A section that is its heading and one table, whose header repeats on every page."""
    columns = without_empty(columns, items)
    sheet = _Sheet(workbook, styles, report, tab_of(report, key), widths_of(columns))
    sheet.title_block(section_title(report, key))
    sheet.records(name, columns, items, title=title, empty=empty, main=True)
    sheet.finish()


def measures(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """Each key measure's figure and ratings, with sparklines in the workbook (not the PDF)."""
    sparks = _sparks(styles, report)
    columns = _with_sparks(without_empty(measure_columns(report), report.measures), sparks)
    sheet = _Sheet(workbook, styles, report, tab_of(report, "measures"), widths_of(columns))
    sheet.title_block(section_title(report, "measures"))
    _spark_table(
        sheet, sparks, "Measures", columns, report.measures,
        title=f"{name_of(report, 'measures')}: figure, last update and RAG ratings",
        empty=_none_this_period(report, "measures"),
        main=True,
    )
    sheet.finish()


SPARK_HEADER = "Last 12 Periods"


def _sparks(styles: _Styles, report: Report) -> dict[str, Spark]:
    """The sparklines of the latest periods' figures, by item (the paper has none)."""
    return sparklines(report)


def _with_sparks(columns: tuple[Column[Any], ...], sparks: dict[str, Spark]
                 ) -> tuple[Column[Any], ...]:
    """With sparklines, a last column of them: the caption says which periods they draw."""
    if not sparks:
        return columns
    caption: Column[Any] = Column(SPARK_HEADER, 14, lambda row: _Cell(
        sparks[row.key].caption if row.key in sparks else "No figures to chart", "small"))
    return (*columns, caption)


def _spark_table(sheet: _Sheet, sparks: dict[str, Spark], name: str,
                 columns: Sequence[Column[Any]], items: Sequence[Any],
                 **options: Unpack[TableOptions]) -> None:
    """A table whose rows (each with a ``key``) get their sparkline in the last column."""
    first = sheet.row
    sheet.records(name, columns, items, **options)
    if not sparks:
        return
    for i, item in enumerate(items, start=first + 1):
        if item.key in sparks:
            add_sparkline(sheet, i, len(columns) - 1, sparks[item.key])


def finance(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The finance narrative, then the KPIs against budget, headed by the definition's
    words (``[words] kpi``, ``kpis``).  One table per sheet: the mitigations have
    their own sheet (:func:`mitigations`)."""
    sparks = _sparks(styles, report)
    words = report.words
    kpis = _with_sparks(without_empty(finance_columns(report, words.kpi), report.kpis), sparks)
    # Column A holds the finance narrative as well as the row names: as wide as the
    # overview's, so the commentary reads as paragraphs (tables allow no merged cells).
    sheet = _Sheet(workbook, styles, report, tab_of(report, "finance"), widths_of(kpis))
    sheet.title_block(section_title(report, "finance"))
    sheet.paragraphs(report.finance_narrative, "No finance narrative was given this period.")
    sheet.gap()
    if words.kpis:
        sheet.line(words.kpis, styles.caption)
    finance_name = name_of(report, "finance")
    _spark_table(
        sheet, sparks, "FinanceLines", kpis, report.kpis,
        title=f"{finance_name} {in_sentence(words.kpis or words.kpi)}",
        empty=f"No {in_sentence(words.kpis or words.kpi)} this period",
        main=True,
    )
    sheet.finish()


def mitigations_tab(report: Report) -> str:
    """The mitigations' sheet: the definition's word for them (``[words] mitigations``)."""
    return tab_name(report.words.mitigations)


def mitigations(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The mitigations (Wiltshire's workstream savings) against budget: the second table
    of the seed's finance summary, on a sheet of its own; none without mitigation rows."""
    sparks = _sparks(styles, report)
    words = report.words
    columns = _with_sparks(without_empty(finance_columns(report, words.mitigation),
                                         report.mitigations), sparks)
    sheet = _Sheet(workbook, styles, report, mitigations_tab(report), widths_of(columns))
    sheet.title_block(words.mitigations)
    _spark_table(
        sheet, sparks, "Mitigations", columns, report.mitigations,
        title=words.mitigations,
        empty=f"No {in_sentence(words.mitigations)} this period",
        main=True,
    )
    sheet.finish()


def risks(workbook: Workbook, styles: _Styles, report: Report) -> None:
    """The register: each risk under its id for good, last period's score beside this
    one, and a risk closed this period shown as Closed with its closing note."""
    _table_sheet(workbook, styles, report, "risks", "RiskLog", RISK_COLUMNS, report.risks,
                 title=section_title(report, "risks"), empty="No risks recorded")
