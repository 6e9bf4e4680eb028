"""Months typed into month cells: Jan-24, 2024-01, a date, a serial number.

A month may arrive as a real date, a date typed as text (``01/02/2024``,
which is refused: 1 February or 2 January?), or a bare Excel serial; each is
read to a :class:`~hnbxl.core.periods.Period` and checked against the months
the cell offers.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from functools import lru_cache

from hnbxl.core import fmt
from hnbxl.core.issues import Severity
from hnbxl.core.periods import MONTH_ABBR, MONTH_FULL, Period, PeriodError
from hnbxl.forms.layout import InputSpec
from hnbxl.returns.coerce_result import Coerced, Problem, fail, number_words, visible

_EXCEL_MAX_SERIAL = 2958465  # 31 December 9999
_MONTH_EXPECTED = "a month such as Jan-24 (or 2024-01, January 2024)"
_YMD = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})$")
_D_MON_Y = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,9})\.?,?[\s\-]+(\d{4}|\d{2})$", re.I)
_MON_D_Y = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.I)
_MONTH_NAMES = {name.casefold(): i + 1 for i, name in enumerate(MONTH_FULL)} | {
    name[:3].casefold(): i + 1 for i, name in enumerate(MONTH_FULL)
} | {"sept": 9}


def month_value(spec: InputSpec, shape: str, value: object) -> Coerced:
    """A month of the cell's list, from a date, a serial or text that can mean only one month."""
    if shape == "text":  # a month chosen from the list, the usual case, needs no words
        chosen = str(value).strip().casefold()
        for choice in spec.choices:
            if chosen == choice.strip().casefold():
                try:
                    return Coerced(Period.parse(choice))
                except PeriodError:
                    break
    expected = _month_expected(spec)
    if shape == "bool":
        found = "TRUE" if value else "FALSE"
        return fail(Problem("not-a-month", Severity.ERROR, found, expected,
                             f"The cell holds {found}, not a month; give {expected}."))
    if shape == "date":
        day = value if isinstance(value, date) else date.min
        return _dated(spec, (day.year, day.month, day.day), expected)
    if shape == "number":
        number = float(value)  # type: ignore[arg-type]
        ymd = excel_serial_date(number)
        if ymd is None:
            found = number_words(number)
            return fail(Problem("not-a-month", Severity.ERROR, found, expected,
                                 f"The number {found} is not a date or month; give {expected}."))
        return _dated(spec, ymd, expected)
    text = str(value)
    found, s = visible(text), text.strip()
    for choice in spec.choices:
        if s.casefold() == choice.strip().casefold():
            try:
                return Coerced(Period.parse(choice))
            except PeriodError:
                break
    try:
        period = Period.parse(s)
    except PeriodError:
        return _month_from_date_text(spec, s, found, expected)
    note = None
    if spec.choices or s != period.label:
        note = Problem("month-text-accepted", Severity.WARNING, found, expected,
                       f"'{found}' was read as the month {period.long_label}.")
    return _in_range(spec, period, found, expected, note)


def _month_from_date_text(spec: InputSpec, s: str, found: str, expected: str) -> Coerced:
    """A full date typed as text: its month, unless the UK and US read it differently."""
    ymd: tuple[int, int, int] | None = None
    if m := _YMD.match(s):
        ymd = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _DMY.match(s):
        first, second, year = int(m[1]), int(m[2]), _full_year(m[3])
        if first <= 12 and second <= 12 and first != second:
            uk, us = (year, second, first), (year, first, second)
            return fail(Problem(
                "ambiguous-date", Severity.ERROR, found, expected,
                f"The date '{found}' is {_date_words(uk)} in the UK but "
                f"{_date_words(us)} in the US; type the month in words instead, "
                f"e.g. {_short_month(year, second)} or {_short_month(year, first)}.",
            ))
        ymd = (year, second, first) if second <= 12 else (year, first, second)
    elif m := _D_MON_Y.match(s):
        month = _MONTH_NAMES.get(m[2].casefold())
        ymd = (_full_year(m[3]), month, int(m[1])) if month else None
    elif m := _MON_D_Y.match(s):
        month = _MONTH_NAMES.get(m[1].casefold())
        ymd = (int(m[3]), month, int(m[2])) if month else None
    if ymd is None or _safe_date(ymd) is None:
        return fail(Problem("not-a-month", Severity.ERROR, found, expected,
                             f"'{found}' is not a month; give {expected}."))
    return _dated(spec, ymd, expected, found)


def _dated(spec: InputSpec, ymd: tuple[int, int, int], expected: str,
           found: str | None = None) -> Coerced:
    year, month, day = ymd
    shown = f"{day} {MONTH_FULL[month - 1]} {year}"
    found = found or shown
    try:
        period = Period(year, month)
    except PeriodError:
        return fail(Problem("not-a-month", Severity.ERROR, found, expected,
                             f"The date {shown} is not a month this form can use; "
                             f"give {expected}."))
    note = Problem("date-as-month", Severity.WARNING, found, expected,
                   f"The cell holds the date {shown}; it was read as the month "
                   f"{period.long_label}.")
    return _in_range(spec, period, found, expected, note)


def _in_range(spec: InputSpec, period: Period, found: str, expected: str,
              note: Problem | None) -> Coerced:
    offered = _offered(spec)
    if offered and period not in offered:
        span = f"{min(offered).label} to {max(offered).label}"
        return fail(Problem(
            "month-out-of-range", Severity.ERROR, found, f"a month from {span}",
            f"The month {period.long_label} is outside the months offered, {span}.",
        ))
    return Coerced(period, False, (note,) if note else ())


def _offered(spec: InputSpec) -> frozenset[Period]:
    return _offered_months(spec.choices)


@lru_cache(maxsize=64)
def _offered_months(choices: tuple[str, ...]) -> frozenset[Period]:
    """The months a dropdown offers; cached, as every month cell of a form shares them."""
    out = set()
    for choice in choices:
        try:
            out.add(Period.parse(choice))
        except PeriodError:
            continue
    return frozenset(out)


def _month_expected(spec: InputSpec) -> str:
    return _month_expected_for(spec.choices)


@lru_cache(maxsize=64)
def _month_expected_for(choices: tuple[str, ...]) -> str:
    offered = _offered_months(choices)
    if offered:
        return f"a month from the list, {min(offered).label} to {max(offered).label}"
    return _MONTH_EXPECTED


def _short_month(year: int, month: int) -> str:
    return f"{MONTH_ABBR[month - 1]}-{year % 100:02d}"


def _full_year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _safe_date(ymd: tuple[int, int, int]) -> date | None:
    try:
        return date(*ymd)
    except ValueError:
        return None


def _date_words(ymd: tuple[int, int, int]) -> str:
    """``1 February 2024``, or "no such date" for 31/02."""
    try:
        return fmt.long_date(date(*ymd))
    except ValueError:
        return "no such date"


def excel_serial_date(serial: float) -> tuple[int, int, int] | None:
    """(year, month, day) of an Excel serial in the 1900 date system, or None.

    Serial 1 is 1 January 1900 and serial 60 is 29 February 1900, a day that
    never was but that Excel keeps (Lotus 1-2-3 thought 1900 a leap year), so
    serials from 61 on are one day ahead of a plain count.  A time of day (the
    fraction) is ignored.  Serials outside 1..2958465 (31 December 9999) are
    not dates.
    """
    if not math.isfinite(serial) or not 1 <= serial < _EXCEL_MAX_SERIAL + 1:
        return None
    days = int(serial)
    if days == 60:
        return (1900, 2, 29)
    base = date(1899, 12, 31) if days < 60 else date(1899, 12, 30)
    day = base + timedelta(days=days)
    return (day.year, day.month, day.day)

