"""The Check sheet: its formulas, and what they give, worked out in Python.

The Check sheet counts what is still missing and the queries not yet
explained, with formulas so it follows what the person types.  XlsxWriter
stores each formula's result as written and LibreOffice shows that until it
recalculates, so every formula here has its result worked out in Python too
(:func:`check_results`, :func:`query_results`, :func:`formula_result`) for the
values the workbook is written with: the blank form, a sample, a feedback copy.
Formula and evaluation sit side by side so they cannot drift apart.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from hnbxl.core.cells import a1
from hnbxl.forms.builder import Builder, locked
from hnbxl.forms.model import (
    CHECK,
    NUM_ERROR,
    RAG,
    CheckItem,
    FixedCell,
    FormLayout,
    InputSpec,
    SheetLayout,
    quote_sheet,
    ref,
)
from hnbxl.forms.queries import QueryCheck, explained, formula_open, raised
from hnbxl.forms.validity import breaks, breaks_formula
from hnbxl.xlsx.columns import Column, Table

#: The Check sheet's one table: a row per check, then a row per query, then a row per cell.
CHECK_COLUMNS = Table((
    Column("label", "What is needed", 60, "label"),
    Column("where", "Where (click to go there)", 40, "link"),
    # a formula: Missing, Check, Not needed, Query, Wrong or OK
    Column("status", "Status", 14, "status"),
))
CHECK_HEADER_ROW = 5  # under the title, the three counts and the note
CHECK_FIRST_ROW = CHECK_HEADER_ROW + 1  # the Check sheet's first check row (zero-based)
STATUS_COL = CHECK_COLUMNS.col("status")
CHECK_COUNT_CELL = (1, 1)  # where it counts what is missing
QUERY_COUNT_CELL = (2, 1)  # where it counts the queries not explained
WRONG_COUNT_CELL = (3, 1)  # where it counts the values that will be refused
NOT_NEEDED = "Not needed"  # a check that applies only when another cell is filled, now not


def check_rows(checks: tuple[CheckItem, ...] | list[CheckItem]
               ) -> tuple[list[tuple[int, CheckItem]], int | None, int]:
    """Where each check goes: those always needed first, then (under a heading of their
    own, out of the way) those needed only when another cell is filled, such as the
    reason for your own rating.  Returns the rows, the heading's row and the next free row.
    """
    always = [c for c in checks if c.when is None]
    only_when = [c for c in checks if c.when is not None]
    rows = [(CHECK_FIRST_ROW + i, c) for i, c in enumerate(always)]
    row = CHECK_FIRST_ROW + len(always)
    heading = None
    if only_when:
        heading = row
        rows += [(heading + 1 + i, c) for i, c in enumerate(only_when)]
        row = heading + 1 + len(only_when)
    return rows, heading, max(row, CHECK_FIRST_ROW + 1)


def query_first_row(layout: FormLayout) -> int:
    """The Check sheet's first query row (zero-based)."""
    return check_rows(layout.checks)[2] + 1


def cell_first_row(layout: FormLayout) -> int:
    """The Check sheet's first row checking one cell as typed (zero-based)."""
    return query_first_row(layout) + max(len(layout.queries), 1) + 1


def link(spec: InputSpec, text: str | None = None) -> tuple[str, str]:
    """A formula that takes the reader to an input cell, and the words it shows."""
    words = text or f"{spec.sheet}!{spec.cell}"
    target = f"#{quote_sheet(spec.sheet)}!{spec.cell}"
    return f'=HYPERLINK("{target}","{words.replace(chr(34), chr(34) * 2)}")', words


def check_sheet(b: Builder, sheets: list[SheetLayout]) -> SheetLayout:
    """Formulas that count what is missing, unexplained or refused, with correct cached results."""
    s, t = CHECK, CHECK_COLUMNS
    by_field: dict[str, InputSpec] = {spec.field: spec for sheet in sheets for spec in sheet.inputs}
    fixed = [
        FixedCell(s, 0, 0, "Check before you return", "title"),
        FixedCell(s, 1, 0, "Required inputs still empty:", "label"),
        FixedCell(s, 2, 0, "Queries not explained:", "label"),
        FixedCell(s, 3, 0, "Values that will be refused:", "label"),
        FixedCell(s, 4, 0, "Missing and Wrong stop the return; Check is worth a second look. "
                  "A query is a figure that looks unusual: explain it in the cell named, or "
                  "correct the figure. Click a place under Where to go to its cell.", "note"),
        *b.header(s, CHECK_HEADER_ROW, t),
    ]
    cached = check_results(b.checks, by_field, {})
    rows, heading, next_row = check_rows(b.checks)
    if heading is not None:
        fixed.append(locked(t, s, heading, "label", "Needed only when the cell before it is "
                            "filled (Not needed until then)", style="header"))
    for row, check in rows:
        specs = [by_field[f] for f in check.any_of]
        empty_test = "AND(" + ",".join(
            f"ISBLANK({ref(sp.sheet, sp.row, sp.col, False)})" for sp in specs) + ")"
        if len(specs) == 1:
            empty_test = empty_test[4:-1]
        word = check_word(check)
        if check.when:
            cond = by_field[check.when]
            formula = (f'=IF(ISBLANK({ref(cond.sheet, cond.row, cond.col, False)}),'
                       f'"{NOT_NEEDED}",IF({empty_test},"{word}","OK"))')
        else:
            formula = f'=IF({empty_test},"{word}","OK")'
        go, words = link(specs[0], " or ".join(f"{sp.sheet}!{sp.cell}" for sp in specs))
        fixed += [
            locked(t, s, row, "label", check.label),
            locked(t, s, row, "where", words, formula=go),
            locked(t, s, row, "status", cached[(row, STATUS_COL)], formula=formula),
        ]
    fixed.append(FixedCell(
        s, *CHECK_COUNT_CELL, cached[CHECK_COUNT_CELL], "count",
        formula=f'=COUNTIF({_status_range(CHECK_FIRST_ROW, next_row - 1)},"Missing")'))
    fixed += query_rows(b, by_field, next_row + 1)
    fixed += cell_rows(b, sheets, next_row + 1 + max(len(b.queries), 1) + 1)
    # The Check sheet only helps the person filling in; what it says has no bearing on
    # the values read, so reading skips it (it is half the form's cells).
    fixed = [replace(cell, checked=False) for cell in fixed]
    return SheetLayout(s, None, t.widths, tuple(fixed), (), header_row=CHECK_HEADER_ROW,
                       freeze=(CHECK_FIRST_ROW, 0), table=t)


def _status_range(first: int, last: int) -> str:
    """The status cells of rows ``first`` to ``last``, as the count formulas name them."""
    return f"{a1(first, STATUS_COL, True)}:{a1(last, STATUS_COL, True)}"


def query_rows(b: Builder, by_field: dict[str, InputSpec], first: int) -> list[FixedCell]:
    """One Check row per query (Query or OK) and the count of those not explained."""
    s, t = CHECK, CHECK_COLUMNS
    cached = query_results(b.queries, by_field, {}, first)

    def ref_of(field_key: str) -> str:
        if field_key.startswith("="):
            return field_key[1:]
        spec = by_field[field_key]
        return ref(spec.sheet, spec.row, spec.col, False)

    fixed = [locked(t, s, first - 1, "label", "Queries: figures to explain (or correct)",
                    style="header")]
    for i, check in enumerate(b.queries):
        row = first + i
        fig, note = by_field[check.field], by_field[check.explanation]
        where = f"{fig.sheet}!{fig.cell}; explain in {note.sheet}!{note.cell}"
        if check.disclosure:
            choice = by_field[check.disclosure]
            where += f", or choose in {choice.sheet}!{choice.cell}"
        go, words = link(fig, where)
        fixed += [
            locked(t, s, row, "label", check.label),
            locked(t, s, row, "where", words, formula=go),
            locked(t, s, row, "status", cached[(row, STATUS_COL)],
                   formula=f'=IF({formula_open(check, ref_of)},"Query","OK")'),
        ]
    last = first + max(len(b.queries), 1) - 1
    fixed.append(FixedCell(
        s, *QUERY_COUNT_CELL, cached[QUERY_COUNT_CELL], "count",
        formula=f'=COUNTIF({_status_range(first, last)},"Query")'))
    return fixed


def cell_rows(b: Builder, sheets: list[SheetLayout], first: int) -> list[FixedCell]:
    """One Check row per input cell that has a rule: Wrong while its value will be refused
    (what ``validate`` refuses in that cell alone), and the count of those."""
    s, t = CHECK, CHECK_COLUMNS
    specs = [spec for sheet in sheets for spec in sheet.inputs
             if breaks_formula(spec, "A1") is not None]
    fixed = [locked(t, s, first - 1, "label", "Each cell as typed (Wrong: the value will be "
                    "refused; the cell's guidance says what it takes)", style="header")]
    cached = cell_results(specs, {}, first)
    for i, spec in enumerate(specs):
        row = first + i
        go, words = link(spec)
        test = breaks_formula(spec, ref(spec.sheet, spec.row, spec.col, False))
        fixed += [
            locked(t, s, row, "label", spec.label),
            locked(t, s, row, "where", words, formula=go),
            locked(t, s, row, "status", cached[(row, STATUS_COL)],
                   formula=f'=IF({test},"Wrong","OK")'),
        ]
    last = first + max(len(specs), 1) - 1
    fixed.append(FixedCell(
        s, *WRONG_COUNT_CELL, cached[WRONG_COUNT_CELL], "count",
        formula=f'=COUNTIF({_status_range(first, last)},"Wrong")'))
    return fixed


def cell_specs(layout: FormLayout) -> list[InputSpec]:
    """The inputs with a Check row of their own, in the order of those rows."""
    return [spec for spec in layout.inputs if breaks_formula(spec, "A1") is not None]


def cell_results(specs: list[InputSpec], values: dict[str, Any], first: int
                 ) -> dict[tuple[int, int], Any]:
    """What the cell rows' formulas give for these values (prefills where none given)."""
    results: dict[tuple[int, int], Any] = {}
    wrong = 0
    for i, spec in enumerate(specs):
        bad = breaks(spec, values.get(spec.field, spec.prefill))
        wrong += bad
        results[(first + i, STATUS_COL)] = "Wrong" if bad else "OK"
    results[WRONG_COUNT_CELL] = wrong
    return results


def check_word(check: CheckItem) -> str:
    """What an unmet check shows: Missing stops the return (it is counted), Check does not."""
    return "Missing" if check.severity == "error" else "Check"


def formula_result(cell: FixedCell, inputs: dict[str, InputSpec], values: dict[str, Any]
                   ) -> float | str:
    """The stored result of a row formula (risk score, variance) for these values."""
    numbers = []
    for field_key in cell.operands:
        value = values.get(field_key, inputs[field_key].prefill)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        numbers.append(value)
    result = (numbers[0] * numbers[1] if cell.operation == "product"
              else numbers[0] - cell.constant)
    # A pasted 1e200 x 1e200 overflows; Excel shows #NUM! there, and a stored
    # "inf" is a non-number in a number cell, which Excel repairs.
    return result if math.isfinite(result) else NUM_ERROR


def check_results(checks: tuple[CheckItem, ...] | list[CheckItem],
                  inputs: dict[str, InputSpec], values: dict[str, Any]
                  ) -> dict[tuple[int, int], Any]:
    """What the Check sheet's formulas give for these values (prefills where none given).

    XlsxWriter stores a formula's result as written and LibreOffice shows that
    until it recalculates, so the stored results must be right for the values
    the workbook is written with: the blank form, a sample, a feedback copy.
    """
    def filled(field_key: str) -> bool:
        value = values.get(field_key, inputs[field_key].prefill)
        return value not in (None, "")

    results: dict[tuple[int, int], Any] = {}
    missing = 0
    for row, check in check_rows(checks)[0]:
        if check.when is not None and not filled(check.when):
            status = NOT_NEEDED
        else:
            status = check_word(check) if not any(map(filled, check.any_of)) else "OK"
        missing += status == "Missing"
        results[(row, STATUS_COL)] = status
    results[CHECK_COUNT_CELL] = missing
    return results


def _canonical_values(inputs: dict[str, InputSpec], values: dict[str, Any],
                     labels: dict[str, str]) -> dict[str, Any]:
    """Values as written into a form (prefills where none given), as the validator types them.

    Only what the query checks compare needs translating: a rating label to its key.
    """
    out = {}
    for key, spec in inputs.items():
        value = values.get(key, spec.prefill)
        if value in (None, ""):
            continue
        out[key] = labels.get(value, value) if spec.kind == RAG else value
    return out


def query_results(queries: tuple[QueryCheck, ...] | list[QueryCheck],
                  inputs: dict[str, InputSpec], values: dict[str, Any], first: int,
                  labels: dict[str, str] | None = None) -> dict[tuple[int, int], Any]:
    """What the Check sheet's query formulas give for these values (see check_results)."""
    typed = _canonical_values(inputs, values, labels or {})
    results: dict[tuple[int, int], Any] = {}
    open_ = 0
    for i, check in enumerate(queries):
        status = "Query" if raised(check, typed) and not explained(check, typed) else "OK"
        open_ += status == "Query"
        results[(first + i, STATUS_COL)] = status
    results[QUERY_COUNT_CELL] = open_
    return results
