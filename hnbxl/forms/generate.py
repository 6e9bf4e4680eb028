"""Render a :class:`~hnbxl.forms.layout.FormLayout` as a locked input workbook.

XlsxWriter writes the workbook in memory; everything it cannot do (protect
the workbook's structure) is added to ``xl/workbook.xml`` afterwards, and the
bytes are written to disk atomically.  The output is deterministic: the same
layout gives the same bytes, so a form can be regenerated and compared.

Styling follows what people filling in forms expect: yellow cells to type in,
grey cells locked, the RAG cell colouring itself as it is chosen, and a red
mark on an input whose value breaks its rule (pasting bypasses Excel's own
validation, so the conditional format is the second line of defence).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from hnbxl.core.fmt import money
from hnbxl.forms.feedback_sheet import FeedbackRow, write_feedback_sheet
from hnbxl.forms.layout import (
    CHECK,
    CHOICE,
    COUNT,
    DAYS,
    DECIMAL,
    GRID,
    IDENTITY_PREFIX,
    IDENTITY_SHEET,
    LISTS,
    MONEY,
    MONTH,
    NARRATIVE,
    PERCENT,
    RAG,
    SCORE,
    TEXT,
    FixedCell,
    FormLayout,
    InputSpec,
    SheetLayout,
    a1,
    cell_first_row,
    cell_results,
    cell_specs,
    check_results,
    formula_result,
    query_first_row,
    query_results,
    quote_sheet,
)
from hnbxl.forms.queries import formula_open
from hnbxl.forms.ratings import rating_label, reads_other_rows
from hnbxl.forms.validity import breaks_formula
from hnbxl.programme.definition import Programme, Rule
from hnbxl.xlsx.formulas import string_literal
from hnbxl.xlsx.textfit import CELL_PADDING, line_count, row_height
from hnbxl.xlsx.writing import WriteError, check_write

DEFAULT_PASSWORD = "hnbxl"
FONT_NAME = "Arial"
FONT_SIZE = 10
INPUT_FILL = "#FFF2CC"
LOCKED_FILL = "#F2F2F2"
BAD_FILL = "#FF9999"
QUERY_FILL = "#F4B183"  # a figure raising a query not yet explained: orange, not red
HEADER_FILL = "#1F3864"
EXCEL_LARGEST = 9.99999999999999e307  # the largest number an Excel cell holds


def legacy_password_hash(password: str) -> str:
    """The 16-bit hash Excel stores for sheet and workbook protection.

    It guides honest people, nothing more: a colliding password is found in
    under a second.  The tamper check on reading is what catches edits.
    """
    digest = 0
    for char in password[::-1]:
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password)
    digest ^= 0xCE4B
    return f"{digest:X}"


@dataclass(frozen=True)
class GeneratedForm:
    path: Path
    owner: str
    inputs: int
    sheets: tuple[str, ...]


def render_form(
    layout: FormLayout,
    password: str = DEFAULT_PASSWORD,
    values: dict[str, Any] | None = None,
    notes: dict[tuple[str, str], str] | None = None,
    feedback: tuple[str, Sequence[FeedbackRow]] | None = None,
) -> bytes:
    """The workbook's bytes.

    ``values`` fills inputs (sample returns; feedback copies, where a value of
    None leaves a cell empty rather than prefilled).  ``notes`` puts a comment
    on a cell, keyed by (sheet, cell), and marks an input cell as needing a
    fix: the feedback copy a submitter gets back.  Neither changes a locked
    cell, so the copy validates like any return.  ``feedback`` (the return's name and its
    issues) adds the sheet the copy opens on: a banner and every issue to fix.
    """
    buffer = io.BytesIO()
    workbook = _workbook(buffer, layout)
    styles = _Styles(workbook)
    values = values or {}
    notes = notes or {}
    unknown = set(values) - {spec.field for spec in layout.inputs}
    if unknown:
        raise WriteError(f"values for fields the form does not have: {sorted(unknown)[:5]}")
    if feedback is not None:
        write_feedback_sheet(workbook, feedback[0], feedback[1], password)
    for sheet in layout.sheets:
        _render_sheet(workbook, styles, layout, sheet, password, values,
                      {cell: text for (name, cell), text in notes.items() if name == sheet.name})
    _identity_sheet(workbook, styles, layout, password)
    workbook.close()
    return _lock_structure(buffer.getvalue(), password)


def form_filename(programme: Programme, layout: FormLayout) -> str:
    owner = layout.identity.owner
    suffix = "" if owner == "all" else f"-{owner}"
    return f"{programme.id}-{layout.period.key}{suffix}.xlsx"


# --------------------------------------------------------------------------- internals


def _workbook(buffer: io.BytesIO, layout: FormLayout) -> Workbook:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            # Arial 10 as the Normal font, so column widths and row heights measure alike.
            "default_format_properties": {"font_name": FONT_NAME, "font_size": FONT_SIZE},
        },
    )
    p = layout.programme
    fixed_time = datetime.combine(layout.period.first_day(), datetime.min.time())
    workbook.set_properties(
        {
            "title": f"{p.title} - {layout.period.label} return",
            "subject": f"{p.committee}: return for {layout.period.label}",
            "author": p.council,
            "company": p.council,
            "keywords": f"hnbxl, {p.id}, {layout.period.key}",
            "comments": "Generated by hnbxl. Fill in the yellow cells and return it.",
            "created": fixed_time,
        }
    )
    for key, value in layout.identity.as_pairs():
        workbook.set_custom_property(IDENTITY_PREFIX + key, value)
    workbook.set_calc_mode("auto")
    return workbook


class _Styles:
    """XlsxWriter formats, made once per workbook."""

    def __init__(self, workbook: Workbook):
        base = {"font_name": FONT_NAME, "font_size": FONT_SIZE, "valign": "top",
                "text_wrap": True}
        locked = {**base, "locked": True}
        self.workbook = workbook
        self.title = workbook.add_format({**locked, "bold": True, "font_size": 14,
                                          "text_wrap": False})
        self.subtitle = workbook.add_format({**locked, "italic": True, "text_wrap": False})
        self.note = workbook.add_format({**locked, "font_color": "#404040", "text_wrap": False})
        self.guidance = workbook.add_format({**locked, "font_color": "#404040"})
        self.header = workbook.add_format({**locked, "bold": True, "font_color": "#FFFFFF",
                                           "bg_color": HEADER_FILL, "border": 1})
        self.label = workbook.add_format({**locked, "bg_color": LOCKED_FILL, "border": 1})
        self.plain = workbook.add_format({**locked})
        self.value = workbook.add_format({**locked, "bg_color": LOCKED_FILL, "border": 1})
        self.last = self.value  # last period's values: locked, checked against history
        self.money = workbook.add_format({**locked, "bg_color": LOCKED_FILL, "border": 1,
                                          "num_format": "£#,##0;-£#,##0"})
        self.blank = workbook.add_format({**locked, "bg_color": "#D9D9D9", "border": 1})
        self.status = workbook.add_format({**locked, "border": 1, "bold": True})
        # The rule's rating: locked, in words; its colour comes from conditional formats.
        self.rating = workbook.add_format({**locked, "border": 1, "bold": True,
                                           "bg_color": LOCKED_FILL})
        # A count sits just right of its label, so it is read with it.
        self.count = workbook.add_format({**locked, "bold": True, "font_size": 14,
                                          "align": "left"})
        # Where to go: a link to the cell, looking like one.
        self.link = workbook.add_format({**locked, "font_color": "#0563C1", "underline": 1})
        self.bad = workbook.add_format({"bg_color": BAD_FILL, "font_color": "#000000"})
        self.query = workbook.add_format({"bg_color": QUERY_FILL, "font_color": "#000000",
                                          "bold": True})
        self.missing = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.ok = workbook.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.identity = workbook.add_format({"locked": True})
        inp = {**base, "locked": False, "bg_color": INPUT_FILL, "border": 1,
               "border_color": "#BF9000"}
        self.inputs = {kind: workbook.add_format({**inp, **extra})
                       for kind, extra in _INPUT_EXTRAS.items()}
        # An input with a problem in a feedback copy: the same cell, marked in red.
        self.flagged = {kind: workbook.add_format({**inp, **extra, "bg_color": "#FFC7CE",
                                                   "border_color": "#C00000", "border": 2})
                        for kind, extra in _INPUT_EXTRAS.items()}
        self._rag: dict[tuple[str, str], Format] = {}

    def fixed(self, style: str) -> Format:
        if style.startswith("rag:"):
            return self.plain
        fmt = getattr(self, style)
        assert isinstance(fmt, Format), style  # a style is one of the formats above
        return fmt

    def rag(self, colour: str, font: str) -> Format:
        key = (colour, font)
        if key not in self._rag:
            self._rag[key] = self.workbook.add_format(
                {"bg_color": colour, "font_color": font, "bold": True})
        return self._rag[key]


_INPUT_EXTRAS: dict[str, dict[str, Any]] = {  # number format and alignment per input kind
    COUNT: {"num_format": "#,##0"},
    GRID: {"num_format": "0", "align": "center"},
    SCORE: {"num_format": "0", "align": "center"},
    PERCENT: {"num_format": "0.00%"},
    MONEY: {"num_format": "£#,##0.00;-£#,##0.00"},
    DAYS: {"num_format": "#,##0.0#"},
    DECIMAL: {"num_format": "#,##0.0#"},
    MONTH: {"num_format": "@"},
    TEXT: {"num_format": "@"},
    NARRATIVE: {"num_format": "@"},
    RAG: {},
    CHOICE: {},
}


def _render_sheet(workbook: Workbook, styles: _Styles, layout: FormLayout, sheet: SheetLayout,
                  password: str, values: dict[str, Any], notes: dict[str, str]) -> None:
    ws = workbook.add_worksheet(sheet.name)
    for col, width in enumerate(sheet.widths):
        ws.set_column(col, col, width)
    for row, height in _row_heights(sheet, values).items():
        ws.set_row(row, height)
    inputs: dict[str, InputSpec] = {spec.field: spec for spec in layout.inputs}
    results = {}
    if sheet.name == CHECK:
        labels = {state.label: state.key for state in layout.programme.scale.states}
        results = check_results(layout.checks, inputs, values)
        results.update(query_results(layout.queries, inputs, values, query_first_row(layout),
                                     labels))
        results.update(cell_results(cell_specs(layout), values, cell_first_row(layout)))
    written = {key: values.get(key, spec.prefill) for key, spec in inputs.items()}
    rated: dict[str, Rule] = {key: rule for key, _name, rule in layout.programme.rated_items()}
    rules = {r.item: rating_label(r, written) for r in layout.ratings
             if not reads_other_rows(rated[r.item])}
    for cell in sheet.fixed:
        cached: object  # a formula's stored result, or the cell's value
        if cell.operation == "rating":
            cached = rating_label(layout.rating(cell.operands[0]), written, rules)
        elif cell.operation:
            cached = formula_result(cell, inputs, values)
        else:
            cached = results.get((cell.row, cell.col), cell.value)
        _write_fixed(ws, styles, layout, cell, cached)
        if cell.operation == "rating":
            _rating_colours(ws, styles, layout, cell)
    for spec in sheet.inputs:
        _write_input(ws, styles, layout, spec, values.get(spec.field, spec.prefill),
                     flagged=spec.cell in notes)
    _query_highlights(ws, styles, layout, sheet, inputs)
    for ref, text in sorted(notes.items()):
        check_write(ws.write_comment(ref, text, {"x_scale": 3, "y_scale": 2.5}),
                    f"{sheet.name}!{ref} comment", text)
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    _print_setup(ws, layout, sheet)
    ws.protect(password, {
        "format_cells": True,
        "format_columns": True,
        "format_rows": True,
        "select_locked_cells": True,
        "select_unlocked_cells": True,
    })
    if sheet.name == CHECK:
        _check_formats(ws, styles, sheet)
    if sheet.hidden:
        ws.hide()
    if sheet.name == layout.sheets[0].name and workbook.worksheets()[0] is ws:
        ws.activate()  # a feedback copy opens on its own first sheet instead


_NO_WRAP = ("title", "subtitle", "note", "blank")


def _row_heights(sheet: SheetLayout, values: dict[str, Any]) -> dict[int, float]:
    """Each row tall enough for its wrapped text (LibreOffice will not size it on opening)."""
    heights: dict[int, float] = {}

    def fit(row: int, col: int, to_col: int | None, text: object, size: float = FONT_SIZE
            ) -> None:
        if text is None or text == "":
            return
        last = to_col if to_col is not None else col
        width = sum(sheet.widths[c] for c in range(col, last + 1) if c < len(sheet.widths))
        lines = line_count(str(text), width - CELL_PADDING, size, False, FONT_SIZE)
        heights[row] = max(heights.get(row, 0.0), row_height(lines, size))

    for cell in sheet.fixed:
        if cell.style not in _NO_WRAP and not cell.formula:
            fit(cell.row, cell.col, cell.merge_to_col, cell.value)
    for spec in sheet.inputs:
        fit(spec.row, spec.col, spec.merge_to_col, values.get(spec.field, spec.prefill))
    for row, height in sheet.row_heights.items():  # a narrative's room to type in
        heights[row] = max(heights.get(row, 0.0), height)
    return heights


def _write_fixed(ws: Worksheet, styles: _Styles, layout: FormLayout, cell: FixedCell,
                 cached: object) -> None:
    """A locked cell; ``cached`` is a formula's stored result (the value otherwise)."""
    fmt = styles.fixed(cell.style)
    where = f"{cell.sheet}!{cell.cell}"
    if cell.style.startswith("rag:"):
        state = layout.programme.scale.get(cell.style[4:])
        fmt = styles.rag(state.colour, state.font_colour)
    if cell.formula:
        check_write(ws.write_formula(cell.row, cell.col, cell.formula, fmt,
                                     "" if cached is None else cached), where)
    elif cell.value is None or cell.value == "":
        check_write(ws.write_blank(cell.row, cell.col, None, fmt), where)
    elif isinstance(cell.value, bool):
        raise WriteError(f"{where}: a true/false value in a locked cell")
    elif isinstance(cell.value, int | float):
        check_write(ws.write_number(cell.row, cell.col, cell.value, fmt), where)
    else:
        check_write(ws.write_string(cell.row, cell.col, str(cell.value), fmt), where,
                    str(cell.value))


def _write_input(ws: Worksheet, styles: _Styles, layout: FormLayout, spec: InputSpec,
                 value: Any, flagged: bool = False) -> None:
    fmt = styles.flagged[spec.kind] if flagged else styles.inputs[spec.kind]
    where = f"{spec.sheet}!{spec.cell}"
    if spec.merge_to_col is not None:
        check_write(ws.merge_range(spec.row, spec.col, spec.row, spec.merge_to_col, "", fmt),
                    where)
    if value is None or value == "":
        check_write(ws.write_blank(spec.row, spec.col, None, fmt), where)
    elif isinstance(value, bool):
        raise WriteError(f"{where}: true/false is not a value for {spec.label}")
    elif isinstance(value, int | float) and abs(value) > EXCEL_LARGEST:
        # A pasted 1e308 is beyond what Excel holds (it repairs such a file): a feedback
        # copy shows it as text, and the cell's comment says what to type instead.
        check_write(ws.write_string(spec.row, spec.col, f"{value:.15g}", fmt), where)
    elif isinstance(value, int | float):
        check_write(ws.write_number(spec.row, spec.col, value, fmt), where)
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
        check_write(ws.write_datetime(spec.row, spec.col, moment, fmt), where)
    else:
        check_write(ws.write_string(spec.row, spec.col, str(value), fmt), where, str(value))
    check_write(ws.data_validation(spec.row, spec.col, spec.row, spec.col, _validation(spec)),
                where)
    if spec.kind == RAG:
        for state in layout.programme.scale.states:
            ws.conditional_format(spec.row, spec.col, spec.row, spec.col, {
                "type": "cell", "criteria": "==", "value": string_literal(state.label),
                "format": styles.rag(state.colour, state.font_colour),
            })
    bad = _breaks_rule(spec)
    if bad:
        ws.conditional_format(spec.row, spec.col, spec.row, spec.col, {
            "type": "formula", "criteria": bad, "format": styles.bad,
        })


def _rating_colours(ws: Worksheet, styles: _Styles, layout: FormLayout, cell: FixedCell) -> None:
    """The rule's rating in its state's colours, as it changes with what is typed."""
    scale = layout.programme.scale
    for state in (*scale.states, scale.no_data):
        ws.conditional_format(cell.row, cell.col, cell.row, cell.col, {
            "type": "cell", "criteria": "==", "value": string_literal(state.label),
            "format": styles.rag(state.colour, state.font_colour),
        })



def _validation(spec: InputSpec) -> dict[str, Any]:
    """Excel data validation for an input, with its guidance and a plain error alert."""
    common = {
        "input_title": spec.prompt_title[:32],
        "input_message": spec.prompt[:255],
        "error_type": "stop",
        "error_title": "Not accepted",
        "ignore_blank": True,
    }
    if spec.kind in (RAG, CHOICE, MONTH, SCORE):
        return {**common, "validate": "list", "source": spec.list_range,
                "error_message": "Choose a value from the dropdown list in this cell."}
    if spec.kind in (COUNT, GRID):
        low = int(spec.minimum if spec.minimum is not None else 0)
        if spec.maximum is not None:
            return {**common, "validate": "integer", "criteria": "between", "minimum": low,
                    "maximum": int(spec.maximum),
                    "error_message": f"Type a whole number from {low:,} to "
                                     f"{int(spec.maximum):,}, without words or units."}
        return {**common, "validate": "integer", "criteria": ">=", "value": low,
                "error_message": f"Type a whole number, {low} or more, without words or units."}
    if spec.kind == PERCENT:
        return {**common, "validate": "decimal", "criteria": "between", "minimum": 0,
                "maximum": 1,
                "error_message": "Type a percentage from 0 to 100 as a number, e.g. 6.06 "
                                 "for 6.06%. If that is refused too, type it with the % "
                                 "sign: 6.06%."}
    if spec.kind in (DAYS, DECIMAL):
        least = spec.minimum if spec.minimum is not None else 0
        most = spec.maximum if spec.maximum is not None else EXCEL_LARGEST
        what = "a number of days" if spec.kind == DAYS else "a number"
        return {**common, "validate": "decimal", "criteria": "between",
                "minimum": least, "maximum": most,
                "error_message": f"Type {what} from {least:,g} to {most:,g}, decimals "
                                 "allowed, without words or units."}
    if spec.kind == MONEY:
        least = spec.minimum if spec.minimum is not None else -EXCEL_LARGEST
        most = spec.maximum if spec.maximum is not None else EXCEL_LARGEST
        floor = "0 or more" if least == 0 else f"from {money(least)} to {money(most)}"
        return {**common, "validate": "decimal", "criteria": "between",
                "minimum": least, "maximum": most,
                "error_message": f"Type an amount in pounds, {floor}, e.g. 17287."}
    limit = spec.max_length or 32767
    return {**common, "validate": "length", "criteria": "<=", "value": limit,
            "error_message": f"This text is too long: at most {limit:,} characters."}


def _breaks_rule(spec: InputSpec) -> str | None:
    """A conditional-format formula that is TRUE when the cell's value breaks its rule
    (the same condition as the cell's row on the Check sheet)."""
    condition = breaks_formula(spec, a1(spec.row, spec.col))
    return None if condition is None else "=" + condition


def _query_highlights(ws: Worksheet, styles: _Styles, layout: FormLayout, sheet: SheetLayout,
                      inputs: dict[str, InputSpec]) -> None:
    """While a figure raises a query that is not explained, it and its explanation cell
    turn orange: the same rule as the Check sheet row and the validator."""
    def ref_of(field_key: str) -> str:
        spec = inputs[field_key]
        if spec.sheet == sheet.name:
            return a1(spec.row, spec.col, True)
        return f"{quote_sheet(spec.sheet)}!{a1(spec.row, spec.col, True)}"

    for check in layout.queries:
        fig = inputs[check.field]
        if fig.sheet != sheet.name:
            continue
        criteria = "=" + formula_open(check, ref_of)
        for spec in (fig, inputs[check.explanation]):
            ws.conditional_format(spec.row, spec.col, spec.row, spec.col, {
                "type": "formula", "criteria": criteria, "format": styles.query})


def _check_formats(ws: Worksheet, styles: _Styles, sheet: SheetLayout) -> None:
    status_cells = [c for c in sheet.fixed if c.style == "status"]
    if not status_cells:
        return
    first, last = status_cells[0].row, status_cells[-1].row
    ws.conditional_format(first, 2, last, 2, {"type": "cell", "criteria": "==",
                                               "value": '"Missing"', "format": styles.missing})
    ws.conditional_format(first, 2, last, 2, {"type": "cell", "criteria": "==",
                                               "value": '"OK"', "format": styles.ok})
    ws.conditional_format(first, 2, last, 2, {"type": "cell", "criteria": "==",
                                               "value": '"Query"', "format": styles.query})
    ws.conditional_format(first, 2, last, 2, {"type": "cell", "criteria": "==",
                                               "value": '"Wrong"', "format": styles.missing})
    ws.conditional_format(first, 2, last, 2, {"type": "cell", "criteria": "==",
                                               "value": '"Not needed"', "format": styles.blank})


def _print_setup(ws: Worksheet, layout: FormLayout, sheet: SheetLayout) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if sheet.header_row is not None:
        ws.repeat_rows(sheet.header_row)
    ws.set_footer(_footer(f"{layout.programme.title} - {layout.period.label}", sheet.name))


#: Excel's limit on a page header or footer (UTF-16 units, codes included); XlsxWriter
#: drops a longer one with only a warning, so the title is shortened to fit.
FOOTER_LIMIT = 255


def _footer(title: str, sheet_name: str) -> str:
    """The form's footer with the title cut (with an ellipsis) to fit Excel's limit."""
    def made(text: str) -> str:
        return (f"&L{text.replace('&', '&&')}&C{sheet_name.replace('&', '&&')}"
                "&RPage &P of &N")

    keep = min(len(title), FOOTER_LIMIT)
    footer = made(title if keep == len(title) else title[:keep] + "…")
    while len(footer.encode("utf-16-le")) // 2 > FOOTER_LIMIT and keep > 0:
        keep -= 1
        footer = made(title[:keep].rstrip() + "…")
    return footer


def _identity_sheet(workbook: Workbook, styles: _Styles, layout: FormLayout, password: str) -> None:
    """The identity also lives in a very hidden sheet: cross-checked with the properties."""
    ws = workbook.add_worksheet(IDENTITY_SHEET)
    for row, (key, value) in enumerate(layout.identity.as_pairs()):
        check_write(ws.write_string(row, 0, key, styles.identity), f"{IDENTITY_SHEET}!A{row + 1}",
                    key)
        check_write(ws.write_string(row, 1, value, styles.identity), f"{IDENTITY_SHEET}!B{row + 1}",
                    value)
    ws.protect(password)
    ws.very_hidden()
    for spec in layout.inputs:
        target = f"={quote_sheet(spec.sheet)}!{a1(spec.row, spec.col, True)}"
        workbook.define_name(spec.name, target)
    workbook.define_name("hnbxl_lists", f"={quote_sheet(LISTS)}!$A$1")
    for name, cells in layout.list_ranges.items():
        workbook.define_name(name, f"={cells}")


_WORKBOOK_PR = re.compile(rb"(<workbookPr\b[^>]*/>)")


def _lock_structure(data: bytes, password: str) -> bytes:
    """Add ``<workbookProtection lockStructure="1">``, which XlsxWriter cannot write.

    The element goes straight after ``workbookPr``, where the schema wants it;
    the zip is rewritten with XlsxWriter's fixed timestamps so output stays
    deterministic.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    protection = (
        f'<workbookProtection workbookPassword="{legacy_password_hash(password)}" '
        'lockStructure="1"/>'
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                content, count = _WORKBOOK_PR.subn(lambda m: m.group(1) + protection, content, 1)
                if count != 1:
                    raise WriteError("xl/workbook.xml has no workbookPr to protect after")
            clone = zipfile.ZipInfo(info.filename, info.date_time)
            clone.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(clone, content)
    return out.getvalue()
