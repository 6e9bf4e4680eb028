"""Threshold values in a measure's unit, and targets profiled through the year.

Officers write a percentage target the way they say it (``target = "60%"``);
the rules compare fractions (0.6), as the forms store them.  A bare number is
taken in the measure's own unit (a fraction for a percentage) and refused when
it lies outside the unit's range, because ``target = 60`` on a percentage
measure would otherwise rate every figure red without a word.

A year-to-date measure is compared with a target that grows through the year:
``profile`` gives the target and amber limit for each month (``Apr`` ...
``Mar``) or quarter (``Q1`` ... ``Q4``), either as numbers in the unit
(``Apr = { target = 25, amber_limit = 30 }``) or as a cumulative share of the
annual ``target`` and ``amber_limit`` (``Apr = "8%"``).  :func:`threshold_at`
picks the one for a month and says which month it was, for the rule's note.

Pure: no files; the loader turns every ``ValueError`` here into a definition
error naming the key and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from hnbxl.core import fmt
from hnbxl.core.periods import Period

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
_PERCENT_TEXT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class Threshold:
    """The target and amber limit that apply to one figure."""

    target: float
    amber_limit: float
    when: str | None = None  # "Apr-24" or "Q1 2024/25" when profiled, else None


def unit_value(value: object, unit: str) -> float:
    """A threshold as written in the definition -> the number the rules compare.

    ``"60%"`` is 0.6 for a percentage measure; a bare number is in the unit
    (0.6).  Percentages lie in 0%-100%, counts are 0 or more.  ``ValueError``
    says what was found and what to write instead.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number{' or a percentage' if unit == 'percent' else ''}")
    if isinstance(value, str):
        m = _PERCENT_TEXT.match(value)
        if unit != "percent":
            raise ValueError(f"'{value}' is text; a {unit} threshold is a number")
        if not m:
            raise ValueError(f"'{value}' is not a percentage; write it as \"60%\"")
        number = float(Decimal(m[1]) / 100)
        if not 0 <= number <= 1:
            raise ValueError(f"'{value}' is outside 0%-100%, the range of a percentage")
        return number
    if unit == "percent" and not 0 <= value <= 1:
        raise ValueError(
            f"{value:g} is outside 0-1, the range of a percentage written as a number "
            f"(0.6 is 60%); write \"{value:g}%\" for {value:g} percent"
        )
    if unit in ("count", "count_with_share", "days") and value < 0:
        what = "a number of days" if unit == "days" else "a count"
        raise ValueError(f"{value:g} is below 0; {what} cannot be negative")
    return value


def share_value(value: object) -> Fraction:
    """A cumulative share of the annual figure: ``"8%"`` or 0.08, within 0%-100%."""
    try:
        number = unit_value(value, "percent")
    except ValueError as exc:
        raise ValueError(f"{exc} (a share of the annual target)") from None
    try:
        return Fraction(Decimal(repr(number)))
    except InvalidOperation:  # pragma: no cover - repr of a float is always a decimal
        raise ValueError(f"{value!r} is not a share") from None


def profile_keys(keys: list[str], fy_start_month: int) -> tuple[str, ...]:
    """The profile's periods in financial-year order; ``ValueError`` unless complete."""
    months = tuple(MONTHS[(fy_start_month - 1 + i) % 12] for i in range(12))
    for names in (months, QUARTERS):
        if set(keys) <= set(names) and keys:
            missing = [n for n in names if n not in keys]
            if missing:
                raise ValueError(f"no entry for {', '.join(missing)}; a profile gives "
                                 "every month (Apr ... Mar) or every quarter (Q1 ... Q4)")
            return names
    bad = [k for k in keys if k not in months and k not in QUARTERS]
    if bad:
        raise ValueError(f"'{bad[0]}' is not a month (Apr ... Mar) or a quarter (Q1 ... Q4)")
    raise ValueError("mixes months and quarters; give every month or every quarter")


def threshold_at(params: Mapping[str, Any], month: Period | None,
                 fy_start_month: int = 4) -> Threshold:
    """The target and limit for a figure of ``month`` (the month its data is from).

    Without a profile the annual ``target`` and ``amber_limit`` apply all year.
    """
    profile = params.get("profile")
    if not profile:
        return Threshold(params["target"], params["amber_limit"])
    if month is None:
        raise ValueError("a profiled threshold needs the month of the figure")
    if profile["by"] == "quarter":
        quarter = month.quarter(fy_start_month)
        key = f"Q{quarter}"
        when = f"Q{quarter} {month.financial_year(fy_start_month)}"
    else:
        key, when = MONTHS[month.month - 1], month.label
    point = profile["points"][key]
    if profile["kind"] == "share":
        share = point
        target = float(Fraction(Decimal(repr(params["target"]))) * share)
        limit = float(Fraction(Decimal(repr(params["amber_limit"]))) * share)
        return Threshold(target, limit, when)
    return Threshold(point[0], point[1], when)


def format_in_unit(value: float, unit: str) -> str:
    """A figure or threshold as a person reads it: ``60%``, ``£1,200``, ``1,234``,
    ``12.5``, ``18 days``; the one place a unit's number is put in words."""
    if unit == "percent":
        return fmt.percent(value)
    if unit == "money":
        return fmt.money(value)
    if unit == "days":
        return fmt.days(value)
    return fmt.number(value)
