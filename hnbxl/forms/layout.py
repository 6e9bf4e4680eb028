"""The form layout: the one place that says which field lives in which cell.

``build_layout(programme, period, ...)`` turns a programme definition (and last
period's snapshot) into a :class:`FormLayout`: every sheet, every locked cell
with the text it must hold, every input cell with its field key, type,
validation, guidance and defined name, and the completeness checks.  The
generator renders this layout with XlsxWriter; the reader reads returns back
through the very same object, so no cell address is written twice in the code
and the tamper check knows exactly what every locked cell should say.

This module is the way in: :func:`build_layout` calls the sheet builders in
order (one module per sheet: :mod:`~hnbxl.forms.instructions`,
:mod:`~hnbxl.forms.rated`, :mod:`~hnbxl.forms.measures`,
:mod:`~hnbxl.forms.finance`, :mod:`~hnbxl.forms.risks`,
:mod:`~hnbxl.forms.checks`), and the records they make
(:mod:`hnbxl.forms.model`) and the Check sheet's evaluation are importable from
here, so callers need not know how the building is split up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from hnbxl.core.cells import a1
from hnbxl.core.periods import Period
from hnbxl.forms import finance, instructions, measures, rated, risks
from hnbxl.forms.builder import Builder, plausible
from hnbxl.forms.checks import (
    CHECK_COUNT_CELL,
    QUERY_COUNT_CELL,
    WRONG_COUNT_CELL,
    cell_first_row,
    cell_results,
    cell_specs,
    check_results,
    check_sheet,
    formula_result,
    query_first_row,
    query_results,
)
from hnbxl.forms.model import (
    CHECK,
    CHOICE,
    COUNT,
    DAYS,
    DECIMAL,
    FORM_SCHEMA,
    GRID,
    IDENTITY_PREFIX,
    IDENTITY_SHEET,
    LISTS,
    MONEY,
    MONTH,
    NARRATIVE,
    NUMERIC_KINDS,
    PERCENT,
    RAG,
    RISK_DIRECTION_LABELS,
    RISK_STATUS_LABELS,
    SCORE,
    TEXT,
    CheckItem,
    FixedCell,
    FormLayout,
    Identity,
    InputSpec,
    SheetLayout,
    quote_sheet,
    ref,
)
from hnbxl.forms.queries import build_checks
from hnbxl.forms.ratings import RatingCheck, build_rating, rating_formula, reads_other_rows
from hnbxl.programme.definition import Programme, Rule
from hnbxl.programme.snapshot import PeriodSnapshot, spare_risk_ids

__all__ = [
    "CHECK", "CHECK_COUNT_CELL", "CHOICE", "COUNT", "DAYS", "DECIMAL", "FORM_SCHEMA", "GRID",
    "IDENTITY_PREFIX", "IDENTITY_SHEET", "LISTS", "MONEY", "MONTH", "NARRATIVE",
    "NUMERIC_KINDS", "PERCENT", "QUERY_COUNT_CELL", "RAG", "RISK_DIRECTION_LABELS",
    "RISK_STATUS_LABELS", "SCORE", "TEXT", "WRONG_COUNT_CELL", "CheckItem", "FixedCell",
    "FormLayout", "Identity", "InputSpec", "SheetLayout", "a1", "build_layout",
    "cell_first_row", "cell_results", "cell_specs", "check_results", "formula_result",
    "query_first_row", "query_results", "quote_sheet",
]

#: The section sheets' builders; a form has the sheets of its owner's sections, in their order.
SECTION_SHEETS: dict[str, Callable[[Builder], SheetLayout]] = {
    "overview": rated.overview,
    "conditions": rated.conditions,
    "measures": measures.measures,
    "finance": finance.finance,
    "risks": risks.risks,
}


def build_layout(
    programme: Programme,
    period: Period,
    owner: str | None = None,
    last: PeriodSnapshot | None = None,
    due: date | None = None,
    known_risk_ids: frozenset[str] = frozenset(),
) -> FormLayout:
    """The form for one period and one owner (``None``: every section).

    ``known_risk_ids`` (every risk id history holds) numbers the spare risk
    rows as the compile will (``R6``); without it the definition and last
    period number them, and the reader never compares those cells.

    Raises :class:`~hnbxl.programme.definition.DefinitionError` when the definition lacks
    something this period needs (such as the year's finance budget).
    """
    sections = programme.sections_due(owner, period)
    if not sections:
        raise ValueError(f"owner '{owner}' has nothing due in {period.label}")
    identity = Identity(
        programme=programme.id,
        definition_hash=programme.hash,
        period=period.key,
        form_version=programme.form_version,
        form_schema=FORM_SCHEMA,
        owner=owner or "all",
        sections=sections,
        due=due.isoformat() if due else "",
        last_period=last.period.key if last else "",
        last_digest=last.digest if last else "",
    )
    b = Builder(programme, period, identity, last)
    b.spare_risk_ids = spare_risk_ids(programme, last, known_risk_ids)
    return _build(b)


def _build(b: Builder) -> FormLayout:
    """Every sheet in order; the checks and lists they add go to the Check and Lists sheets."""
    sheets = [instructions.instructions(b)]
    for section in b.identity.sections:
        sheets.append(SECTION_SHEETS[section](b))
    sheets = [replace(sheet, inputs=tuple(plausible(spec, b.programme.limits)
                                          for spec in sheet.inputs)) for sheet in sheets]
    fields: set[str] = {spec.field for sheet in sheets for spec in sheet.inputs}
    b.queries = build_checks(b.programme, b.period, b.last, fields.__contains__,
                             b.last_action_ref, b.item_name)
    ratings, cells = rating_cells(b, sheets, fields)
    sheets = [replace(sheet, fixed=sheet.fixed + tuple(c for c in cells if c.sheet == sheet.name))
              for sheet in sheets]
    sheets.append(check_sheet(b, sheets))
    sheets.append(b.lists_sheet())
    return FormLayout(b.programme, b.period, b.identity, tuple(sheets),
                      tuple(b.checks), dict(b.lists), tuple(b.queries), ratings)


def rating_cells(b: Builder, sheets: list[SheetLayout], fields: set[str]
                 ) -> tuple[tuple[RatingCheck, ...], list[FixedCell]]:
    """Each rated row's rule as a check, and its locked cell holding the rating formula."""
    by_field: dict[str, InputSpec] = {spec.field: spec for sheet in sheets
                                      for spec in sheet.inputs}
    checks, cells = [], []
    # Rules made from other rows' ratings last: they read those rows' rating cells (all
    # placed by then).
    def build(item: str, rule: Rule, rows: dict[str, tuple[RatingCheck, str]] | None = None
              ) -> RatingCheck:
        return build_rating(b.programme, b.period, item, rule, fields.__contains__, b.months(),
                            rows)

    built = {item: build(item, rule) for item, rule, *_ in b.rating_cells
             if not reads_other_rows(rule)}
    rows = {item: (built[item], ref(sheet, row, col)) for item, _r, sheet, row, col
            in b.rating_cells if item in built}
    for item, rule, sheet, row, col in b.rating_cells:
        check = built.get(item) or build(item, rule, rows)
        checks.append(check)

        def ref_of(field_key: str, here: str = sheet) -> str:
            spec = by_field[field_key]
            return (a1(spec.row, spec.col) if spec.sheet == here
                    else ref(spec.sheet, spec.row, spec.col, False))

        formula = rating_formula(check, ref_of)
        if formula is None:  # nothing to work out: the words say who rates it, or where
            cells.append(FixedCell(sheet, row, col, check.words, "guidance", checked=False))
        else:
            cells.append(FixedCell(sheet, row, col, check.words, "rating", formula=formula,
                                   operation="rating", operands=(item,), checked=False))
    return tuple(checks), cells
