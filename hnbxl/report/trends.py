"""The report's trend sheets: the cap rule's trajectory and ratings over time.

The trajectory is a native Excel line chart (so it stays editable and prints
in LibreOffice's PDF) with its figures in a visible table beside it, because
a chart alone leaves out whoever cannot see it (the accessible-spreadsheet
guidance): alt text says what it shows, and the table gives the same numbers.
With one period there is no line to draw, and a sentence says so; a programme
without a cap rule has no trajectory sheet.  Its words (tab, title, the
figure's and the cap's names) are the definition's ``[words]``.

Ratings over time puts every rated item down the side and every compiled
period across the top, in words and colour; figures over time does the same
for each figure's numbers, which the sparklines on Key Measures and Finance draw.  A
missing figure is ``#N/A`` there: charts and sparklines leave a gap for it,
where text would be drawn as zero.  The workbook keeps every period (the
PDF, typeset from the report model, keeps the latest twelve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook

from hnbxl.core.fmt import money
from hnbxl.core.keys import ItemKey
from hnbxl.programme.definition import sentence_start
from hnbxl.report.model import FigureSeries, Report, TimelineRow, TrajectoryPoint
from hnbxl.report.sheet import Cell, Column, Sheet, Styles, text_cell, widths_of

RATINGS_OVER_TIME = "Ratings Over Time"
FIGURES_OVER_TIME = "Figures Over Time"
PRINT_PERIODS = 12  # periods the sparklines draw (as the PDF shows)
#: The GSS markers for a figure that is not shown, explained on the cover sheet.
NOT_AVAILABLE = "[x]"
CONFIDENTIAL = "[c]"
MISSING_NOTE = (f"{NOT_AVAILABLE} means no figure was reported for that period; {CONFIDENTIAL} "
                "that the figure is withheld because so small a number could identify people.")
GAP_NOTE = ("An empty cell means no figure was reported for that period; the chart leaves a "
            "gap there.")
_FIGURE_CELL = {"count": "count", "percent": "percent", "money": "money", "decimal": "decimal"}

# Rows of the trend sheets before each table, so that the sparklines on
# earlier sheets can point at the figures before they are written.
_RATINGS_HEADER_ROW = 3  # title, info line, gap
_FIGURES_HEADER_ROW = 4  # title, info line, note, gap


@dataclass(frozen=True)
class Spark:
    """Where a figure's sparkline data lives, and which periods it covers."""

    range: str  # "'Ratings Over Time'!C12:N12"
    first: str  # "Apr-23"
    last: str  # "Mar-24"

    @property
    def caption(self) -> str:
        return self.first if self.first == self.last else f"{self.first} to {self.last}"


def sparklines(report: Report) -> dict[str, Spark]:
    """Each figure's sparkline range (latest periods) on the figures-over-time sheet.

    Empty with fewer than two periods: a sparkline of one point says nothing.
    """
    n = len(report.periods)
    if n < 2:
        return {}
    first_col = 2 + max(0, n - PRINT_PERIODS)
    last_col = 2 + n - 1
    top = _FIGURES_HEADER_ROW + 1
    out = {}
    for i, series in enumerate(report.series):
        if all(v is None for v in series.values):
            continue
        row = top + i
        cells = f"{xl_rowcol_to_cell(row, first_col)}:{xl_rowcol_to_cell(row, last_col)}"
        out[series.key] = Spark(f"'{FIGURES_OVER_TIME}'!{cells}",
                                report.periods[first_col - 2], report.periods[-1])
    return out


def add_sparkline(sheet: Sheet, row: int, col: int, spark: Spark) -> None:
    """An in-cell line with markers (high and last marked), over the cell's caption."""
    code = sheet.ws.add_sparkline(row, col, {
        "range": spark.range, "markers": True, "high_point": True, "last_point": True,
        "weight": 1.5, "empty_cells": "gaps"})
    if code not in (0, None):
        sheet._check(code, row, col, "sparkline")


def ratings_over_time(workbook: Workbook, styles: Styles, report: Report) -> None:
    periods = report.periods
    columns: list[Column[TimelineRow]] = [
        Column("Section", 16, lambda item: text_cell(item.section)),
        Column("Item", 60, lambda item: text_cell(item.name)),
        *(Column(period, 14, partial(_rating_at, i)) for i, period in enumerate(periods)),
    ]
    sheet = Sheet(workbook, styles, report, RATINGS_OVER_TIME, _period_widths(columns, periods))
    sheet.title_block("Ratings Over Time")
    assert sheet.row == _RATINGS_HEADER_ROW
    sheet.records(
        "RatingsOverTime", columns, report.ratings_over_time,
        title="Every rated item's rating over every compiled period, in words and colour",
        empty="No rated items", main=True)
    sheet.finish()


def figures_over_time(workbook: Workbook, styles: Styles, report: Report) -> None:
    """Each figure's numbers by period: the sparklines' data, and the PDF's view of them."""
    periods = report.periods
    names = report.section_names
    columns: list[Column[FigureSeries]] = [
        Column("Section", 16, lambda s: text_cell(names.get(ItemKey(s.key).section, ""))),
        Column("Figure", 60, lambda s: text_cell(s.name)),
        *(Column(period, 14, partial(_figure_at, i)) for i, period in enumerate(periods)),
    ]
    sheet = Sheet(workbook, styles, report, FIGURES_OVER_TIME, _period_widths(columns, periods))
    sheet.line("Figures Over Time", styles.title)
    r = report
    sheet.line(f"{r.council}: {r.title}, period {r.period_label}", styles.info)
    sheet.line(MISSING_NOTE, styles.info)
    sheet.gap()
    assert sheet.row == _FIGURES_HEADER_ROW
    sheet.records(
        "FiguresOverTime", columns, report.series,
        title="Each figure over every compiled period: the sparklines' data",
        empty="No figures", main=True)
    sheet.finish()


def _period_widths(columns: Sequence[Column[Any]], periods: Sequence[str]) -> list[float]:
    """The columns' widths; with no period yet, one period's width still, for the layout."""
    return [*widths_of(columns), *([] if periods else [14])]


def _rating_at(index: int, item: TimelineRow) -> Cell:
    """An item's rating in one period, in words and colour (or words where none)."""
    c = item.cells[index]
    return Cell(c.text, "rag", c.rating) if c.rating is not None else text_cell(c.text)


def _figure_at(index: int, series: FigureSeries) -> Cell:
    value = series.values[index]
    if value is None:
        return Cell(CONFIDENTIAL if series.withheld(index) else NOT_AVAILABLE, "marker")
    return Cell(value, _FIGURE_CELL.get(series.unit, "count"))


def trajectory(workbook: Workbook, styles: Styles, report: Report) -> None:
    """The cap rule's figure against its cap and budget; the workbook leaves the sheet
    out when the programme has no cap rule (see ``workbook.sheet_names``)."""
    t = report.trajectory
    assert t is not None, "no trajectory sheet without a cap rule"
    words = report.words
    columns = trajectory_columns(report)
    # The table's columns, a narrow gap, then seven columns the chart stands on.
    sheet = Sheet(workbook, styles, report, words.trajectory_tab,
                  [*widths_of(columns), 3, *([12] * 7)])
    sheet.title_block(words.trajectory_title)
    points = t.points
    if len(points) < 2:
        sheet.line(f"Only one period ({report.period_label}) has been compiled, so there is "
                   "no trajectory to draw yet: the chart appears from the second period. "
                   "The table gives this period's figures.", styles.info)
    else:
        sheet.line(f"{t.name}, {points[0].period_label} to {points[-1].period_label}, "
                   f"against {words.the_cap} and the budgeted path.", styles.info)
        sheet.line(f"This is what the {t.rating_name} measures. The table beside the chart "
                   "gives the same figures.", styles.info)
        sheet.line(GAP_NOTE, styles.info)
    sheet.gap()
    first = sheet.row
    sheet.records(
        "TrajectoryData", columns, points,
        title=f"{t.name}: reported, budgeted and capped, by period",
        empty="No periods compiled", main=True)
    if len(points) >= 2:
        _chart(workbook, sheet, report, first, len(points))
        sheet.row = max(sheet.row, first + 20)
    sheet.finish()


def trajectory_columns(report: Report) -> tuple[Column[TrajectoryPoint], ...]:
    """Period, the figure, its budget and its cap, in the definition's words."""
    words = report.words
    return (
        Column("Period", 12, lambda p: text_cell(p.period_label)),
        Column(f"{words.trajectory_figure} (£)", 22, lambda p: _money(p.actual)),
        Column("Budgeted path (£)", 18, lambda p: _money(p.budget)),
        Column(f"{words.cap} (£)", 18, lambda p: _money(p.cap)),
    )


def _money(value: float | None) -> Cell:
    """A trajectory figure; an empty cell where there is none, which the chart (with
    ``show_blanks_as("gap")``) leaves as a gap in Excel and LibreOffice alike.  ``#N/A``
    would be a gap in Excel but a fall to zero in LibreOffice (FACTS.md)."""
    return Cell("", "blank") if value is None else Cell(value, "money")


def _chart(workbook: Workbook, sheet: Sheet, report: Report, header: int, n: int) -> None:
    """A line chart of the table's three columns, beside it, with alt text."""
    t = report.trajectory
    assert t is not None
    words = report.words
    tab = words.trajectory_tab
    chart = workbook.add_chart({"type": "line"})
    assert chart is not None  # None only for a chart type XlsxWriter does not know
    cats = [tab, header + 1, 0, header + n, 0]
    styles = (("#1F3864", "solid", "circle"), ("#808080", "dash", "none"),
              ("#C00000", "solid", "none"))
    names = (f"{words.trajectory_figure} reported", "Budgeted path", words.cap)
    data = ([p.actual for p in t.points], [p.budget for p in t.points],
            [p.cap for p in t.points])
    for col, (name, (colour, dash, marker)) in enumerate(zip(names, styles, strict=True),
                                                         start=1):
        chart.add_series({
            "name": name,
            "categories": cats,
            "categories_data": [p.period_label for p in t.points],
            "values": [tab, header + 1, col, header + n, col],
            # The cached points leave a missing figure out, so a reader that draws
            # the cache (LibreOffice's PDF did) shows a gap, not a fall to £0.
            "values_data": data[col - 1],
            "line": {"color": colour, "width": 2.25, "dash_type": dash},
            "marker": {"type": marker, "size": 6, "border": {"color": colour},
                       "fill": {"color": colour}} if marker != "none" else {"type": "none"},
        })
    chart.set_title({"name": f"{sentence_start(words.trajectory_subject)} against "
                             f"{words.the_cap}",
                     "name_font": {"name": "Arial", "size": 12, "bold": True}})
    chart.set_x_axis({"name": "Period", "name_font": {"name": "Arial", "size": 10}})
    chart.set_y_axis({"name": f"{words.trajectory_figure} (£)", "num_format": "£#,##0",
                      "name_font": {"name": "Arial", "size": 10},
                      "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
    chart.set_legend({"position": "bottom"})
    chart.show_blanks_as("gap")
    chart.show_na_as_empty_cell()
    chart.set_size({"width": 620, "height": 360})
    last = t.points[-1]
    described = (f"Line chart: {t.name} by period from {t.points[0].period_label} to "
                 f"{last.period_label}, with the budgeted path and {words.the_cap}. "
                 f"{last.period_label}: reported {_words(last.actual)}, budgeted "
                 f"{_words(last.budget)}, cap {_words(last.cap)}. The table beside the "
                 "chart gives every figure.")
    code = sheet.ws.insert_chart(header, 5, chart, {"description": described,
                                                    "object_position": 1})
    if code not in (0, None):
        sheet._check(code, header, 5, "chart")


def _words(value: float | None) -> str:
    if value is None:
        return "no figure"
    return money(value)
