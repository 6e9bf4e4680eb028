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
    ref,
)
from hnbxl.forms.queries import QueryCheck, explained, formula_open, raised
from hnbxl.xlsx.columns import Column, Table

#: The Check sheet's one table: a row per check, then a row per query.
CHECK_COLUMNS = Table((
    Column("label", "What is needed", 60, "label"),
    Column("where", "Where", 40, "guidance"),
    Column("status", "Status", 14, "status"),  # a formula: Missing, Check, Query or OK
))
CHECK_HEADER_ROW = 3  # under the title and the two counts
CHECK_FIRST_ROW = CHECK_HEADER_ROW + 1  # the Check sheet's first check row (zero-based)
STATUS_COL = CHECK_COLUMNS.col("status")
CHECK_COUNT_CELL = (1, 1)  # where it counts what is missing
QUERY_COUNT_CELL = (2, 1)  # where it counts the queries not explained


def check_sheet(b: Builder, sheets: list[SheetLayout]) -> SheetLayout:
    """Formulas that count what is still missing, with correct cached results."""
    s, t = CHECK, CHECK_COLUMNS
    by_field: dict[str, InputSpec] = {spec.field: spec for sheet in sheets for spec in sheet.inputs}
    fixed = [
        FixedCell(s, 0, 0, "Check before you return", "title"),
        FixedCell(s, 1, 0, "Required inputs still empty:", "label"),
        FixedCell(s, 2, 0, "Queries not explained:", "label"),
        FixedCell(s, 2, STATUS_COL, "Rows marked Check are worth a second look but do not stop "
                  "the return. A query is a figure that looks unusual: explain it in the "
                  "cell named, or correct the figure.", "note"),
        *b.header(s, CHECK_HEADER_ROW, t),
    ]
    cached = check_results(b.checks, by_field, {})
    for i, check in enumerate(b.checks):
        row = CHECK_FIRST_ROW + i
        specs = [by_field[f] for f in check.any_of]
        empty_test = "AND(" + ",".join(
            f"ISBLANK({ref(sp.sheet, sp.row, sp.col, False)})" for sp in specs) + ")"
        if len(specs) == 1:
            empty_test = empty_test[4:-1]
        word = check_word(check)
        if check.when:
            cond = by_field[check.when]
            formula = (f'=IF(AND(NOT(ISBLANK({ref(cond.sheet, cond.row, cond.col, False)})),'
                       f'{empty_test}),"{word}","OK")')
        else:
            formula = f'=IF({empty_test},"{word}","OK")'
        where = " or ".join(f"{sp.sheet}!{sp.cell}" for sp in specs)
        fixed += [
            locked(t, s, row, "label", check.label),
            locked(t, s, row, "where", where),
            locked(t, s, row, "status", cached[(row, STATUS_COL)], formula=formula),
        ]
    last = CHECK_FIRST_ROW + max(len(b.checks), 1) - 1
    fixed.append(FixedCell(
        s, *CHECK_COUNT_CELL, cached[CHECK_COUNT_CELL], "count",
        formula=f'=COUNTIF({_status_range(CHECK_FIRST_ROW, last)},"Missing")'))
    fixed += query_rows(b, by_field, last + 2)
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
        fixed += [
            locked(t, s, row, "label", check.label),
            locked(t, s, row, "where", where),
            locked(t, s, row, "status", cached[(row, STATUS_COL)],
                   formula=f'=IF({formula_open(check, ref_of)},"Query","OK")'),
        ]
    last = first + max(len(b.queries), 1) - 1
    fixed.append(FixedCell(
        s, *QUERY_COUNT_CELL, cached[QUERY_COUNT_CELL], "count",
        formula=f'=COUNTIF({_status_range(first, last)},"Query")'))
    return fixed


def check_word(check: CheckItem) -> str:
    """What an unmet check shows: Missing stops the return (it is counted), Check does not."""
    return "Missing" if check.severity == "error" else "Check"


def formula_result(cell: FixedCell, inputs: dict[str, InputSpec], values: dict[str, Any]
                   ) -> Any:
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
    for i, check in enumerate(checks):
        applies = check.when is None or filled(check.when)
        status = check_word(check) if applies and not any(map(filled, check.any_of)) else "OK"
        missing += status == "Missing"
        results[(CHECK_FIRST_ROW + i, STATUS_COL)] = status
    results[CHECK_COUNT_CELL] = missing
    return results


def query_first_row(layout: FormLayout) -> int:
    """The Check sheet's first query row (zero-based)."""
    return CHECK_FIRST_ROW + max(len(layout.checks), 1) + 1


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
