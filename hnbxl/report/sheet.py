"""The building blocks of a report sheet: formats, table cells and a checked sheet writer.

Every sheet of the committee workbook (:mod:`hnbxl.report.workbook`) and the
trend sheets (:mod:`hnbxl.report.trends`) is written through :class:`Sheet`, so
each table is a real Excel table with no blank cells, every row is as tall as
its wrapped text, every XlsxWriter return code is checked, and every page has
the same print setup.  Kept apart from the sheet builders so that new sheets
can live in their own modules without an import cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Required, TypedDict, TypeVar, Unpack

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from hnbxl.core.cells import a1
from hnbxl.core.errors import WriteError
from hnbxl.core.fmt import clip
from hnbxl.core.terminal import storable
from hnbxl.report.model import RatingView, Report, Trend
from hnbxl.xlsx.textfit import CELL_PADDING, line_count, row_height
from hnbxl.xlsx.writing import check_write

# Words written where a table would otherwise have a blank cell.
NO_TREND = "No trend"
NO_NOTE = "None"
NOT_REPORTED = "Not reported"
NOT_APPLICABLE = "Not applicable"

MONEY_FORMAT = "£#,##0;-£#,##0"
PERCENT_FORMAT = "0.00%"
COUNT_FORMAT = "#,##0"
FONT = "Arial"
FONT_SIZE = 11
HEADER_FILL = "#1F3864"
HEADER_FONT = "#FFFFFF"
BORDER_COLOUR = "#808080"


class OutputError(WriteError):
    """The workbook or PDF could not be written; nothing was left half-written."""


def report_date(report: Report) -> str:
    return report.extracted_on.strftime("%d/%m/%Y")


class Styles:
    """XlsxWriter formats, made once per workbook (formats are workbook-wide)."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top"}
        cell = {**base, "text_wrap": True, "border": 1, "border_color": BORDER_COLOUR}
        self.title = workbook.add_format({**base, "bold": True, "font_size": 16})
        self.heading = workbook.add_format({**base, "bold": True, "font_size": 13})
        self.caption = workbook.add_format({**base, "bold": True})
        self.info = workbook.add_format({**base})
        self.paragraph = workbook.add_format({**base, "text_wrap": True})
        self.header = workbook.add_format(
            {**cell, "bold": True, "font_color": HEADER_FONT, "bg_color": HEADER_FILL}
        )
        self.text = workbook.add_format({**cell})
        right = {**cell, "align": "right", "indent": 1}  # clear of the RAG cell beside it
        self.money = workbook.add_format({**right, "num_format": MONEY_FORMAT})
        self.money_text = workbook.add_format({**right})
        self.integer = workbook.add_format({**cell, "num_format": "0", "align": "center"})
        self.centre = workbook.add_format({**cell, "align": "center"})
        self.percent = workbook.add_format({**right, "num_format": PERCENT_FORMAT})
        self.count = workbook.add_format({**right, "num_format": COUNT_FORMAT})
        # days and plain numbers over time: up to two decimals, as the figure reads
        self.decimal = workbook.add_format({**right, "num_format": "#,##0.0#"})
        self.missing = workbook.add_format({**right})
        self.link = workbook.add_format({**cell, "font_color": "#0563C1", "underline": 1})
        self.small = workbook.add_format(
            {**cell, "font_size": 8, "font_color": "#595959", "valign": "bottom"})
        self._cell = cell
        self._rag: dict[tuple[str, str], Format] = {}
        self._numbers: dict[str, Format] = {}
        self.metrics: dict[int, tuple[float, bool, bool]] = {}
        for fmt, props in (
            (self.title, {"font_size": 16, "bold": True}),
            (self.heading, {"font_size": 13, "bold": True}),
            (self.caption, {"bold": True}),
            (self.info, {}),
            (self.paragraph, {"text_wrap": True}),
            (self.header, {"bold": True, "text_wrap": True}),
            (self.text, {"text_wrap": True}),
            (self.money, {}),
            (self.money_text, {}),
            (self.integer, {}),
            (self.centre, {"text_wrap": True}),
            (self.percent, {}),
            (self.count, {}),
            (self.decimal, {}),
            (self.missing, {}),
            (self.small, {"font_size": 8, "text_wrap": True}),
            (self.link, {"text_wrap": True}),
        ):
            self._measure(fmt, props)

    def _measure(self, fmt: Format, props: dict[str, Any]) -> None:
        self.metrics[id(fmt)] = (
            float(props.get("font_size", FONT_SIZE)),
            bool(props.get("bold", False)),
            bool(props.get("text_wrap", False)),
        )

    def number_format(self, num_format: str) -> Format:
        """A right-aligned number cell with its own number format (made once per format)."""
        if num_format not in self._numbers:
            fmt = self.workbook.add_format({**self._cell, "align": "right", "indent": 1,
                                            "num_format": num_format})
            self._measure(fmt, {})
            self._numbers[num_format] = fmt
        return self._numbers[num_format]

    def rag(self, view: RatingView) -> Format:
        """The RAG's own fill and font colour; bold so the words stand out in print."""
        key = (view.colour.upper(), view.font_colour.upper())
        if key not in self._rag:
            fmt = self.workbook.add_format(
                {**self._cell, "bold": True, "bg_color": key[0], "font_color": key[1]}
            )
            self._measure(fmt, {"bold": True, "text_wrap": True})
            self._rag[key] = fmt
        return self._rag[key]


@dataclass(frozen=True)
class Cell:
    """One table cell: text, a number with its format, or a RAG in words and colour."""

    value: str | float
    kind: str = "text"  # text, money, money_text, integer, centre, rag, percent, count,
    #                     number (with num_format), blank (an empty cell: a chart's gap),
    #                     marker ([x] or [c], explained on the cover)
    rating: RatingView | None = None
    num_format: str = ""  # kind "number": the Excel number format that shows the value


def text_cell(value: str, fallback: str = NO_NOTE) -> Cell:
    """Text as given; the fallback words when it is empty, so no table cell is blank."""
    return Cell(value if value and value.strip() else fallback)


def rag_cell(view: RatingView) -> Cell:
    return Cell(view.label if view.label.strip() else NOT_REPORTED, "rag", view)


def trend_cell(trend: Trend | None) -> Cell:
    return Cell(trend.words if trend is not None and trend.words.strip() else NO_TREND)


def money_cell(amount: float | None, text: str) -> Cell:
    if amount is None:
        return Cell(text if text.strip() else NOT_REPORTED, "money_text")
    return Cell(float(amount), "money")


def note_cell(note: str) -> Cell:
    """A note in words, or an empty cell where there is nothing to say (as in the seed)."""
    return Cell(note) if note.strip() else Cell("", "blank")


Row = TypeVar("Row")


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column of a report table, declared once: heading, width and what fills it.

    A table is a tuple of these; its headers, the sheet's column widths and
    every row's cells all come from that one tuple, so adding, moving or
    renaming a column is one edit.  ``fill`` turns one row of the report
    model (a measure, a finance line, a risk, an issue...) into its cell.
    """

    header: str
    width: float
    fill: Callable[[Row], Cell]


def widths_of(*tables: Sequence[Column[Any]]) -> list[float]:
    """A sheet's column widths: at each position, the widest of its tables' columns there.

    A sheet holding several tables (or a narrative in column A) shares one
    set of widths, so each position takes the width its widest column needs.
    """
    widths: list[float] = []
    for columns in tables:
        for i, column in enumerate(columns):
            if i < len(widths):
                widths[i] = max(widths[i], column.width)
            else:
                widths.append(column.width)
    return widths


class TableOptions(TypedDict, total=False):
    """The keywords of :meth:`Sheet.table`, for the functions that pass them on."""

    title: Required[str]
    empty: Required[str]
    main: bool
    autofilter: bool


class Sheet:
    """A worksheet written top to bottom, with every XlsxWriter return code checked."""

    def __init__(
        self, workbook: Workbook, styles: Styles, report: Report, name: str,
        columns: Sequence[float],
    ):
        self.ws = workbook.add_worksheet(name)
        self.name = name
        self.styles = styles
        self.report = report
        self.row = 0
        self.last_col = len(columns) - 1
        self.repeat: int | None = None
        self.freeze: int | None = None
        self.widths = tuple(columns)
        self.heights: dict[int, float] = {}
        for col, width in enumerate(columns):
            self.ws.set_column(col, col, width)

    # -- cells

    def _check(self, code: int | None, row: int, col: int, what: str, value: object = None) -> None:
        check_write(code, f"{self.name}!{a1(row, col)} ({what})", value, OutputError)

    def string(self, row: int, col: int, value: str, fmt: Format) -> None:
        if not isinstance(value, str):
            raise OutputError(f"{self.name}: expected text at row {row + 1}, found {value!r}")
        value = storable(value)  # a non-UTF-8 file name's bytes as \xNN, never a crash
        self._check(self.ws.write_string(row, col, value, fmt), row, col, "text", value)
        self._fit(row, col, value, fmt)

    def number(self, row: int, col: int, value: float, fmt: Format) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise OutputError(f"{self.name}: expected a number at row {row + 1}, found {value!r}")
        if not math.isfinite(value):  # Excel repairs a workbook holding inf or nan
            raise OutputError(f"{self.name}: the number at row {row + 1}, column {col + 1} is "
                              f"{value!r}, which no workbook can hold")
        self._check(self.ws.write_number(row, col, value, fmt), row, col, "number")
        self._fit(row, col, "0", fmt)

    def _fit(self, row: int, col: int, text: str, fmt: Format) -> None:
        """Grow the row to hold ``text`` as the cell's format wraps it."""
        size, bold, wrap = self.styles.metrics[id(fmt)]
        lines = 1
        if wrap:
            available = self.widths[col] - CELL_PADDING
            lines = line_count(text, available, size, bold, FONT_SIZE)
        height = row_height(lines, size)
        self.heights[row] = max(self.heights.get(row, 0.0), height)

    def cell(self, row: int, col: int, cell: Cell) -> None:
        s = self.styles
        numbers = {"money": s.money, "integer": s.integer, "percent": s.percent,
                   "count": s.count, "decimal": s.decimal}
        if cell.kind in numbers or cell.kind == "number":
            assert not isinstance(cell.value, str), cell
            fmt = (numbers[cell.kind] if cell.kind in numbers
                   else s.number_format(cell.num_format or "General"))
            self.number(row, col, cell.value, fmt)
        elif cell.kind == "marker":
            self.string(row, col, str(cell.value), s.missing)
        elif cell.kind == "link":  # a link to another sheet of the workbook, by its name
            name = str(cell.value)
            self._check(self.ws.write_url(row, col, f"internal:'{name}'!A1", s.link,
                                          string=name, tip=f"Go to the {name} sheet"),
                        row, col, "link", name)
            self._fit(row, col, name, s.link)
        elif cell.kind == "blank":
            self._check(self.ws.write_blank(row, col, None, s.text), row, col, "blank")
        elif cell.kind == "rag":
            assert cell.rating is not None
            self.string(row, col, str(cell.value), s.rag(cell.rating))
        else:
            fmt = {"money_text": s.money_text, "centre": s.centre,
                   "small": s.small}.get(cell.kind, s.text)
            self.string(row, col, str(cell.value), fmt)

    # -- blocks

    def line(self, text: str, fmt: Format) -> None:
        """A line of text outside any table, in column A."""
        self.string(self.row, 0, text, fmt)
        self.row += 1

    def gap(self) -> None:
        self.row += 1

    def title_block(self, title: str) -> None:
        """A1 the sheet's title, A2 whose report and which period, then a gap."""
        r = self.report
        self.line(title, self.styles.title)
        self.line(f"{r.council}: {r.title}, period {r.period_label}", self.styles.info)
        self.gap()

    def paragraphs(self, texts: Sequence[str], empty: str) -> None:
        """Narrative, one paragraph per row, wrapped in column A."""
        shown = [t for t in texts if t.strip()] or [empty]
        for text in shown:
            self.line(text, self.styles.paragraph)

    def table(
        self,
        name: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        *,
        title: str,
        empty: str,
        main: bool = False,
        autofilter: bool = False,
    ) -> None:
        """An Excel table: one header row of unique headers, then rows of words.

        An empty table still gets one row, saying so in words in its first
        column, because a table with no rows reads as a mistake.  ``main``
        marks the table whose header is repeated on every printed page and
        frozen on screen: only a table that ends the sheet, since a header
        repeated above a narrative or another table would mislabel it.
        """
        if len({c.casefold() for c in columns}) != len(columns):
            raise OutputError(f"{self.name}: table {name} has two columns with one header")
        if len(columns) - 1 > self.last_col:
            raise OutputError(f"{self.name}: table {name} is wider than the sheet's columns")
        body = [list(r) for r in rows] or [
            [Cell(empty)] + [Cell(NOT_APPLICABLE)] * (len(columns) - 1)
        ]
        for r in body:
            if len(r) != len(columns):
                raise OutputError(f"{self.name}: a row of table {name} has the wrong width")
        first = self.row
        last = first + len(body)
        code = self.ws.add_table(
            first,
            0,
            last,
            len(columns) - 1,
            {
                "name": name,
                "style": None,
                "banded_rows": False,
                "autofilter": autofilter,
                "title": title,
                "description": f"{title}. {len(rows)} rows, one per line.",
                "columns": [{"header": h, "header_format": self.styles.header} for h in columns],
            },
        )
        self._check(code, first, 0, f"table {name}")
        for col, header in enumerate(columns):
            self._fit(first, col, header, self.styles.header)
        for i, r in enumerate(body, start=first + 1):
            for col, value in enumerate(r):
                self.cell(i, col, value)
        if main:
            self.repeat = first
            self.freeze = first + 1 if first <= 5 else None
        self.row = last + 1

    def records(self, name: str, columns: Sequence[Column[Row]], items: Sequence[Row],
                **options: Unpack[TableOptions]) -> None:
        """A table of ``items``, one row each, laid out by its column records."""
        self.table(name, [c.header for c in columns],
                   [[c.fill(item) for c in columns] for item in items], **options)

    # -- page

    def finish(self) -> None:
        """Print setup: A4 landscape, one page wide, headers repeated, footers."""
        r = self.report
        ws = self.ws
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        header = f"&L{esc(clip(r.council, 100))}&R{esc(self.name)}"
        footer = (
            f"&L{esc(clip(r.title, 100))} - {esc(clip(r.period_label, 20))}"
            f"&CPage &P of &N&RExtracted on {report_date(r)}"
        )
        for text in (header, footer):
            # XlsxWriter drops a header over Excel's limit with only a warning.
            if len(text.encode("utf-16-le")) // 2 > 255:
                raise OutputError(f"{self.name}: page header or footer too long: {text!r}")
        ws.set_header(header, {"margin": 0.3})
        ws.set_footer(footer, {"margin": 0.3})
        self._check(
            ws.print_area(0, 0, max(self.row - 1, 0), self.last_col), 0, 0, "print area"
        )
        if self.repeat is not None:
            ws.repeat_rows(self.repeat)
        if self.freeze is not None:
            ws.freeze_panes(self.freeze, 0)
        ws.hide_gridlines(1)
        for row, height in sorted(self.heights.items()):
            self._check(ws.set_row(row, height), row, 0, "row height")




def esc(text: str) -> str:
    """Header and footer text: ``&`` starts a code there, so a literal one is ``&&``."""
    return text.replace("&", "&&")

