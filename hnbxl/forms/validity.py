"""Whether one input cell's value will be refused: as a formula, and the same in Python.

The form checks each cell as it is typed in two places, the red mark on the
cell (a conditional format) and its row on the Check sheet, from the one
condition :func:`breaks_formula` writes: a number cell holding words, a
whole-number cell holding a fraction, a value outside its range (a
percentage above 100%, an amount past the definition's limits), a choice not
on its list, text longer than the cell takes.  These are what ``validate``
refuses in a cell on its own (its coercion errors); the agreement test fills
forms with such values, recalculates them in LibreOffice and compares the
Check sheet's verdict for each cell with ``validate``'s.  :func:`breaks` is
the same test in Python, for the result XlsxWriter stores.
"""

from __future__ import annotations

import math
from typing import Any

from hnbxl.core.fmt import is_number
from hnbxl.forms.model import (
    CHOICE,
    COUNT,
    DAYS,
    DECIMAL,
    GRID,
    MONEY,
    MONTH,
    NARRATIVE,
    PERCENT,
    RAG,
    SCORE,
    TEXT,
    InputSpec,
)

LIST_KINDS = (RAG, CHOICE, MONTH, SCORE)


def literal(value: float) -> str:
    """A number as a formula literal: 10000000, not 1e+07."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def breaks_formula(spec: InputSpec, c: str) -> str | None:
    """A condition (no ``=``), TRUE when cell ``c`` holds a value its rule refuses."""
    filled = f"NOT(ISBLANK({c}))"

    def number(*tests: str) -> str:
        # Text is refused before any arithmetic: INT("lots") is #VALUE!, which would make
        # the whole test an error (no red mark, no verdict) rather than TRUE.
        return f"AND({filled},IF(ISNUMBER({c}),OR({','.join(tests) or 'FALSE'}),TRUE))"

    if spec.kind in (COUNT, GRID):
        least = spec.minimum if spec.minimum is not None else 0
        high = [f"{c}>{literal(spec.maximum)}"] if spec.maximum is not None else []
        return number(f"{c}<{literal(least)}", f"{c}<>INT({c})", *high)
    if spec.kind == PERCENT:
        return number(f"{c}<0", f"{c}>1")
    if spec.kind in (MONEY, DAYS, DECIMAL):
        low = [f"{c}<{literal(spec.minimum)}"] if spec.minimum is not None else []
        high = [f"{c}>{literal(spec.maximum)}"] if spec.maximum is not None else []
        return number(*low, *high)
    if spec.kind in LIST_KINDS:
        return f"AND({filled},COUNTIF({spec.list_range.lstrip('=')},{c})=0)"
    if spec.kind in (TEXT, NARRATIVE) and spec.max_length:
        return f"LEN({c})>{spec.max_length}"
    return None


def _listed(value: object, choices: tuple[object, ...]) -> bool:
    """COUNTIF's match: case-insensitive, a number matching its own digits."""
    def key(v: object) -> str:
        if is_number(v) and float(v).is_integer():
            return str(int(v))
        return str(v).casefold()
    return key(value) in {key(c) for c in choices}


def breaks(spec: InputSpec, value: Any) -> bool:
    """What :func:`breaks_formula` gives for ``value`` as written into the cell."""
    if value is None or value == "":
        return False
    number = is_number(value) and math.isfinite(value)
    if spec.kind in (COUNT, GRID):
        least = spec.minimum if spec.minimum is not None else 0
        return not number or value < least or value != int(value) or (
            spec.maximum is not None and value > spec.maximum)
    if spec.kind == PERCENT:
        return not number or not 0 <= value <= 1
    if spec.kind in (MONEY, DAYS, DECIMAL):
        return not number or (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum)
    if spec.kind in LIST_KINDS:
        return not _listed(value, spec.choices)
    if spec.kind in (TEXT, NARRATIVE) and spec.max_length:
        return len(str(value)) > spec.max_length
    return False
