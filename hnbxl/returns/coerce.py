"""Turn one raw cell into a typed value, as the person who typed it would expect.

The reader hands over what the workbook holds (``raw``, with its cell type:
``"s"`` text, ``"n"`` number, ``"b"`` true/false, ``"e"`` a formula error,
``"d"`` ISO date text, ``""`` empty) and the :class:`~hnbxl.forms.layout.InputSpec`
that says what the cell is for.  :func:`coerce` returns the canonical value
and, for anything it had to interpret or could not use, a :class:`Problem`
with the value as found and the form expected, in words a council finance or
SEND officer can act on.

The rule throughout is *read, never guess*.  Text that can only mean one
number (``£17,287``, ``(1,234)``, `` 169 ``) is read, with a warning that
says what was read, because a text cell is a sign something was pasted or
formatted oddly.  Text that could mean two things (``12,34``: 1,234 or 12.34;
``01/02/2024``: 1 February or 2 January; ``0.5`` in a percentage: 50% or
0.5%; ``£1.2m``) is refused with an error, because a wrong figure in a
committee report is worse than a missing one.

Invariant: whenever a problem is an ERROR, ``value`` is ``None``; the value
as found is in the problem's ``found``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from hnbxl.core import codes, fmt
from hnbxl.core.issues import Severity
from hnbxl.core.periods import MONTH_ABBR, MONTH_FULL, Period, PeriodError
from hnbxl.forms.layout import (
    CHOICE,
    COUNT,
    GRID,
    MONEY,
    MONTH,
    NARRATIVE,
    NUMERIC_KINDS,
    PERCENT,
    RAG,
    SCORE,
    TEXT,
    InputSpec,
)

__all__ = [
    "NO_FIGURE_WORDS",
    "PROBLEM_CODES",
    "Coerced",
    "Problem",
    "coerce",
    "excel_serial_date",
]

# Text that means "there is no figure" in a figure cell.  Dashes cover what
# autocorrect and other fonts make of a typed hyphen.
NO_FIGURE_WORDS: tuple[str, ...] = ("n/a", "na", "n.a.", "n.a", "-", "–", "—")

# Every code :func:`coerce` can return, with its severity and title: a view of
# the catalogue (hnbxl.core.codes), where each is declared with what to do.
PROBLEM_CODES: dict[str, tuple[str, str]] = {
    code: ("/".join(codes.CATALOGUE[code].severities), codes.CATALOGUE[code].title)
    for code in codes.in_group("cell")
}

_EXCEL_MAX_SERIAL = 2958465  # 31 December 9999
_LIST_SHOWN = 6  # choices named in a message before "and N more"
_SCORES_SHOWN = 40  # scores are short numbers: name them all


@dataclass(frozen=True)
class Problem:
    """One thing wrong with, or interpreted in, a cell; the caller adds the place."""

    code: str
    severity: Severity
    found: str
    expected: str
    message: str

    def __post_init__(self) -> None:
        codes.check(self.code, self.severity)


@dataclass(frozen=True)
class Coerced:
    """The typed value of a cell and what was noticed reading it."""

    value: object | None
    no_figure: bool = False
    problems: tuple[Problem, ...] = ()

    @property
    def has_error(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


# --------------------------------------------------------------------------- entry point


def coerce(
    spec: InputSpec,
    raw: object,
    cell_type: str,
    *,
    scale_labels: Mapping[str, str],
    no_figure_words: Iterable[str] = NO_FIGURE_WORDS,
    application: str | None = None,
) -> Coerced:
    """Read ``raw`` (as the workbook held it) as a value of ``spec.kind``.

    ``scale_labels`` maps each RAG label to its key.  ``no_figure_words`` is
    the text that means "no figure" in a figure cell.  Never raises for a
    known kind, whatever the text; an unknown kind is a programming error.
    """
    if cell_type == "e":
        found = _visible(str(raw)) if raw not in (None, "") else "an error"
        return _fail(Problem(
            "error-value", Severity.ERROR, found, "a value, not a formula error",
            f"The cell shows the error '{found}' instead of a value; type the value itself.",
        ))
    if raw is None or (isinstance(raw, str) and (raw == "" or raw.isspace())):
        return Coerced(None)
    shape, value = _shape(raw, cell_type)
    kind = spec.kind
    if kind in NUMERIC_KINDS:
        return _numeric(spec, shape, value, frozenset(w.casefold() for w in no_figure_words),
                        application)
    if kind == MONTH:
        return _month(spec, shape, value)
    if kind == RAG:
        return _rag(shape, value, scale_labels)
    if kind == CHOICE:
        return _choice(spec, shape, value)
    if kind in (TEXT, NARRATIVE):
        return _text(spec, shape, value)
    raise ValueError(f"unknown input kind '{kind}' for {spec.field}")


def _shape(raw: object, cell_type: str) -> tuple[str, object]:
    """What the cell holds: ("bool", bool), ("date", date), ("number", float|int) or text."""
    if isinstance(raw, bool):
        return "bool", raw
    if cell_type == "b":
        if isinstance(raw, int | float):
            return "bool", bool(raw)
        return "bool", str(raw).strip().upper() in ("1", "TRUE")
    if isinstance(raw, datetime | date):
        return "date", raw
    if cell_type == "d" and isinstance(raw, str):
        parsed = _iso_date(raw)
        if parsed is not None:
            return "date", parsed
    if isinstance(raw, int | float):
        return "number", raw
    if isinstance(raw, Decimal):
        return "number", float(raw)
    if cell_type == "n" and isinstance(raw, str):
        try:
            return "number", float(raw.strip())
        except ValueError:
            pass
    return "text", raw if isinstance(raw, str) else str(raw)


def _iso_date(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _fail(*problems: Problem) -> Coerced:
    return Coerced(None, False, problems)


# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class _Reading:
    """A number read from text: the figure, and the marks that came with it."""

    number: Decimal
    percent: bool
    pound: bool
    grouped: bool  # had thousands commas
    frac_digits: int


class _Unreadable(Exception):
    def __init__(self, code: str, message: str, expected: str | None = None):
        super().__init__(message)
        self.code, self.message, self.expected = code, message, expected


_NUM_TEXT = re.compile(r"^(?P<pre>[-+\u2212£$€\s]*)(?P<body>[0-9][0-9,.]*|\.[0-9]+)(?P<post>.*)$",
                       re.S)
_GROUPED = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+$")
_EURO_GROUPED = re.compile(r"^[0-9]{1,3}(\.[0-9]{3})+$")
_UNIT_WORD = re.compile(
    r"^(k|m|mn|bn|b|p|million|millions|thousand|thousands|billion|billions|mil)\.?$", re.I)
_PARENS = re.compile(r"^([£$€]?)\s*\((.+)\)$", re.S)
_MINUS = ("-", "\u2212")


def _read_number_text(text: str) -> _Reading:
    """Read a number typed as text, or raise :class:`_Unreadable` saying why."""
    s = text.strip()
    negative = False
    if m := _PARENS.match(s):  # accounting negative: (1,234) or £(1,234)
        negative, s = True, m[1] + m[2].strip()
    m = _NUM_TEXT.match(s)
    if not m:
        raise _Unreadable("not-a-number", f"'{_visible(text)}' is not a number")
    pre, body, post = m["pre"], m["body"], m["post"].strip()
    signs = [c for c in pre if c in "+-\u2212"]
    currencies = [c for c in pre if c in "£$€"]
    if len(signs) > 1 or len(currencies) > 1 or (negative and signs):
        raise _Unreadable("not-a-number", f"'{_visible(text)}' is not a number")
    if signs and signs[0] in _MINUS:
        negative = True
    if currencies and currencies[0] != "£":
        raise _Unreadable(
            "wrong-unit",
            f"'{_visible(text)}' is in {'dollars' if currencies[0] == '$' else 'euros'}, "
            "not pounds; give the figure in pounds without the sign")
    percent = False
    if post.startswith("%"):
        percent, post = True, post[1:].strip()
    if post:
        if _UNIT_WORD.match(post):
            raise _Unreadable(
                "ambiguous-number",
                f"'{_visible(text)}' uses '{post}' for an amount, which can be misread; "
                "type the whole number in figures, without letters",
                "the whole number in figures, e.g. 1200000")
        if post[0].isdigit() or (post[0] in ",." and post[1:2].isdigit()):
            raise _Unreadable(
                "ambiguous-number",
                f"'{_visible(text)}' has a space inside the number, so it could be two numbers; "
                "type it again without spaces")
        raise _Unreadable("not-a-number", f"'{_visible(text)}' is not a number")
    return _read_body(text, body, negative, percent, bool(currencies))


def _read_body(text: str, body: str, negative: bool, percent: bool, pound: bool) -> _Reading:
    shown = _visible(text)
    if body.count(".") > 1:
        if "," not in body and _EURO_GROUPED.match(body):
            raise _Unreadable(
                "ambiguous-number",
                f"The number '{shown}' uses full stops between thousands, which reads as "
                "a decimal point here; type it again without them")
        raise _Unreadable("not-a-number", f"'{shown}' is not a number")
    whole, dot, frac = body.partition(".")
    if "," in frac:
        raise _Unreadable(
            "ambiguous-number",
            f"The number '{shown}' looks written the European way, with a comma for "
            "decimals; type it again with a full stop for decimals and no other separators")
    grouped = "," in whole
    if grouped and not _GROUPED.match(whole):
        parts = whole.split(",")
        if len(parts) == 2 and not dot and parts[0] and parts[1]:
            thousands = f"{int(parts[0] + parts[1]):,}"
            decimal_reading = f"{int(parts[0])}.{parts[1]}"
            message = (f"The number '{shown}' could mean {thousands} or {decimal_reading}; "
                       "type it again without the comma")
        else:
            message = (f"The number '{shown}' has commas that are not in groups of three "
                       "digits, so it could be read more than one way; type it again "
                       "without commas")
        raise _Unreadable("ambiguous-number", message)
    digits = whole.replace(",", "") or "0"
    try:
        number = Decimal(f"{digits}.{frac}" if frac else digits)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits digits only
        raise _Unreadable("not-a-number", f"'{shown}' is not a number") from exc
    if math.isinf(float(number)):
        raise _Unreadable("number-too-large", f"'{shown}' is too large a number for a workbook")
    return _Reading(-number if negative else number, percent, pound, grouped, len(frac))


def _numeric(spec: InputSpec, shape: str, value: object, no_figure: frozenset[str],
             application: str | None = None) -> Coerced:
    expected = _expected_number(spec)
    if shape == "bool":
        found = "TRUE" if value else "FALSE"
        return _fail(Problem(
            "bool-in-number", Severity.ERROR, found, expected,
            f"The cell holds {found} (a yes/no value), not a number; type the figure.",
        ))
    if shape == "date":
        found = fmt.long_date(value)  # type: ignore[arg-type]
        return _fail(Problem(
            "date-in-number", Severity.ERROR, found, expected,
            f"The cell holds the date {found}, not a number; type the figure.",
        ))
    if shape == "number":
        return _number_cell(spec, float(value), expected,  # type: ignore[arg-type]
                            application)
    text = str(value)
    found = _visible(text)
    if text.strip().casefold() in no_figure:
        if spec.kind in (GRID, SCORE):
            return _fail(Problem(
                "no-figure-text", Severity.ERROR, found, expected,
                f"'{found}' is not a score; every risk must be scored, so give "
                f"{expected}.",
            ))
        return Coerced(None, True, (Problem(
            "no-figure-text", Severity.WARNING, found, "a figure, or the cell left empty "
            "with the reason chosen in 'If no figure, why'",
            f"'{found}' was read as 'no figure'; leave the cell empty and choose why in "
            "'If no figure, why' instead.",
        ),))
    try:
        reading = _read_number_text(text)
    except _Unreadable as why:
        if why.code == "ambiguous-number" and why.expected is None:
            why.expected = "a number such as 1,234 or 12.34"
        return _fail(Problem(why.code, Severity.ERROR, found, why.expected or expected,
                             why.message + "."))
    return _number_text(spec, reading, found, expected, application)


def _number_cell(spec: InputSpec, number: float, expected: str,
                 application: str | None = None) -> Coerced:
    """A number cell: taken as it is, then checked against the kind's rules."""
    found = _number_words(number)
    if not math.isfinite(number):
        return _fail(Problem("not-a-number", Severity.ERROR, found, expected,
                             f"'{found}' is not a number a workbook can hold."))
    kind = spec.kind
    if kind == PERCENT:
        if 0 <= number <= 1:
            return Coerced(float(number))
        shown = _plain(Decimal(repr(number)).scaleb(2))
        if 1 < number <= 100:
            message = (f"The percentage cell holds the number {found}, which reads as "
                       f"{shown}%{_percent_cause(application)}. If you mean {found}%, "
                       f"{_percent_advice(found, application)}.")
        else:
            message = (f"The percentage cell holds the number {found}, which reads as "
                       f"{shown}%, outside 0% to 100%; type the percentage again: for "
                       f"6.06%, {_percent_advice('6.06', application)}.")
        return _fail(Problem("percent-out-of-range", Severity.ERROR, found, expected, message))
    if kind == MONEY:
        return _check_money(spec, number, Decimal(repr(number)), found, expected, ())
    notes: tuple[Problem, ...] = ()
    whole = _whole_float(number)
    if whole is not None and whole != number:
        notes = (Problem(
            "rounded-to-whole", Severity.INFO, repr(number), expected,
            f"The number {number!r} is a hair from whole and shows as {whole:,}; "
            f"it was read as {whole:,}.",
        ),)
    if whole is None:
        return _check_whole(spec, None, number < 0, found, expected, ())
    return _check_whole(spec, whole, whole < 0, found, expected, notes)


def _number_text(spec: InputSpec, reading: _Reading, found: str, expected: str,
                 application: str | None = None) -> Coerced:
    """Text that read as a number: checked like a number cell, with a warning if kept."""
    kind, number = spec.kind, reading.number
    if reading.percent and kind != PERCENT:
        return _fail(Problem(
            "wrong-unit", Severity.ERROR, found, expected,
            f"'{found}' is a percentage, but this cell takes {expected}.",
        ))
    if reading.pound and kind != MONEY:
        return _fail(Problem(
            "wrong-unit", Severity.ERROR, found, expected,
            f"'{found}' is an amount in pounds, but this cell takes {expected}.",
        ))
    if kind == PERCENT:
        return _percent_text(reading, found, expected, application)
    if kind == MONEY:
        if reading.frac_digits == 3 and not reading.grouped and abs(number) >= 1:
            return _fail(Problem(
                "ambiguous-number", Severity.ERROR, found, "an amount in pounds and pence, "
                "e.g. 17287.50",
                f"The amount '{found}' has three digits after the full stop, so it could "
                "be pounds with a full stop between thousands; type it again in pounds and "
                "pence, e.g. 17287.50.",
            ))
        read = fmt.money(number, exact=True)
        note = _text_note(found, read, expected)
        return _check_money(spec, float(number), number, found, expected, (note,))
    if number != number.to_integral_value():
        return _check_whole(spec, None, number < 0, found, expected, ())
    whole = int(number)
    return _check_whole(spec, whole, number < 0, found, expected,
                        (_text_note(found, f"{whole:,}", expected),))


def _percent_text(reading: _Reading, found: str, expected: str,
                  application: str | None = None) -> Coerced:
    number = reading.number
    if reading.percent:
        fraction = number.scaleb(-2)
        if 0 <= fraction <= 1:
            return Coerced(float(fraction), False, (
                _text_note(found, f"{_plain(number)}%", expected),))
        return _fail(Problem(
            "percent-out-of-range", Severity.ERROR, found, expected,
            f"The percentage '{found}' is outside 0% to 100%.",
        ))
    if number == 0:
        return Coerced(0.0, False, (_text_note(found, "0%", expected),))
    if 0 < number <= 1:
        as_pct = f"{_plain(number.scaleb(2))}%"
        return _fail(Problem(
            "ambiguous-percent", Severity.ERROR, found, expected,
            f"'{found}' typed as text could mean {as_pct} or {_plain(number)}%; type it with "
            f"the % sign, e.g. {as_pct}.",
        ))
    if 1 < number <= 100:
        message = (f"'{found}' typed as text could mean {_plain(number)}% or "
                   f"{_plain(number.scaleb(2))}%; if you mean {_plain(number)}%, "
                   f"{_percent_advice(_plain(number), application)}.")
    else:
        message = f"'{found}' is not a percentage from 0% to 100%."
    return _fail(Problem("percent-out-of-range", Severity.ERROR, found, expected, message))


# What to type into a percentage cell depends on the spreadsheet (docProps/app.xml
# names the one that saved the file).  Measured with LibreOffice 7.4 typing on the
# keyboard (tests/forms/test_libreoffice_client.py): like Excel's automatic percent
# entry it adds the % sign as a number is typed, so "52" gives 52% and "52%" is
# refused ("52%%"); pasted or macro-entered text gets no % sign, so "52" is 5200%.
# Older LibreOffice, Google Sheets and the rest are not known here: "52%" with
# the sign means 52% in every spreadsheet that reads a typed percent sign.


def spreadsheet_client(application: str | None) -> str | None:
    """"Excel" or "LibreOffice" from docProps/app.xml's <Application>, else None."""
    name = (application or "").casefold()
    if "excel" in name:
        return "Excel"
    if name.startswith("libreoffice"):
        return "LibreOffice"
    return None


def _percent_cause(application: str | None) -> str:
    client = spreadsheet_client(application)
    if client is None:
        return ""
    return f" ({client} adds no % sign to a number pasted in)"


def _percent_advice(number: str, application: str | None) -> str:
    """What to type so the form's percentage cell holds ``number``%."""
    client = spreadsheet_client(application)
    if client is None:
        return (f"type {number}% with the % sign in the form's percentage cell and check "
                f"that it shows {number}%")
    return (f"type {number} in the form's percentage cell ({client} adds the % sign) and "
            f"check that it shows {number}%")


def _check_whole(spec: InputSpec, whole: int | None, negative: bool, found: str,
                 expected: str, notes: tuple[Problem, ...]) -> Coerced:
    """COUNT, GRID and SCORE: a whole number within the cell's limits."""
    kind = spec.kind
    if kind == COUNT and negative:
        return _fail(Problem("negative-count", Severity.ERROR, found, expected,
                             f"'{found}' is below zero; a count cannot be negative."))
    if whole is None:
        return _fail(Problem("not-whole", Severity.ERROR, found, expected,
                             f"'{found}' is not a whole number; give {expected}."))
    if kind == GRID:
        low, high = spec.minimum, spec.maximum
        if (low is not None and whole < low) or (high is not None and whole > high):
            return _fail(Problem("out-of-range", Severity.ERROR, found, expected,
                                 f"'{found}' is outside the grid; give {expected}."))
        return Coerced(whole, False, notes)
    if kind == SCORE:
        if spec.choices and str(whole) not in spec.choices:
            return _fail(Problem(
                "not-in-list", Severity.ERROR, found, expected,
                f"{whole:,} is not a score the grid can give; choose one of "
                f"{_list_words(spec.choices, _SCORES_SHOWN)}.",
            ))
        return Coerced(whole, False, notes)
    minimum = spec.minimum if spec.minimum is not None else 0
    if whole < minimum:
        return _fail(Problem("below-minimum", Severity.ERROR, found, expected,
                             f"'{found}' is below {minimum:g}; give {expected}."))
    if spec.maximum is not None and whole > spec.maximum:
        return _fail(Problem("above-maximum", Severity.ERROR, found, expected,
                             f"'{found}' is above {spec.maximum:,.0f}, more than is "
                             f"plausible here; give {expected}."))
    return Coerced(whole, False, notes)


def _check_money(spec: InputSpec, number: float, exact: Decimal, found: str, expected: str,
                 notes: tuple[Problem, ...]) -> Coerced:
    if spec.minimum is not None and exact < Decimal(repr(float(spec.minimum))):
        why = "cannot be negative" if spec.minimum == 0 else f"is below {fmt.money(spec.minimum)}"
        return _fail(Problem("below-minimum", Severity.ERROR, found, expected,
                             f"The amount '{found}' {why}; give {expected}."))
    if spec.maximum is not None and exact > Decimal(repr(float(spec.maximum))):
        return _fail(Problem("above-maximum", Severity.ERROR, found, expected,
                             f"The amount '{found}' is above {fmt.money(spec.maximum)}, more "
                             "than is plausible here; check it and type the amount in pounds."))
    return Coerced(float(number), False, notes)


def _text_note(found: str, read: str, expected: str) -> Problem:
    return Problem(
        "text-number-accepted", Severity.WARNING, found, expected,
        f"'{found}' was typed as text and was read as {read}; check that is right.",
    )


def _expected_number(spec: InputSpec) -> str:
    kind = spec.kind
    if kind == PERCENT:
        return "a percentage from 0% to 100%, e.g. 6.06% (in the form, type 6.06)"
    if kind == MONEY:
        floor = ", 0 or more" if spec.minimum == 0 else ""
        return f"an amount in pounds{floor}, e.g. 17287.50"
    if kind == GRID:
        low = f"{spec.minimum:g}" if spec.minimum is not None else "1"
        if spec.maximum is None:
            return f"a whole number, {low} or more"
        return f"a whole number from {low} to {spec.maximum:g}"
    if kind == SCORE:
        if spec.choices:
            return f"a score from the list: {_list_words(spec.choices, _SCORES_SHOWN)}"
        return "a whole-number score"
    minimum = spec.minimum if spec.minimum is not None else 0
    if spec.maximum is not None:
        return f"a whole number from {minimum:,.0f} to {spec.maximum:,.0f}, e.g. 169"
    return f"a whole number, {minimum:g} or more, e.g. 169"


def _whole_float(number: float) -> int | None:
    """The whole number a float shows as in Excel (15 significant digits), if it is one."""
    shown = float(f"{number:.15g}")
    return int(shown) if shown.is_integer() else None


# --------------------------------------------------------------------------- months


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


def _month(spec: InputSpec, shape: str, value: object) -> Coerced:
    expected = _month_expected(spec)
    if shape == "bool":
        found = "TRUE" if value else "FALSE"
        return _fail(Problem("not-a-month", Severity.ERROR, found, expected,
                             f"The cell holds {found}, not a month; give {expected}."))
    if shape == "date":
        day = value if isinstance(value, date) else date.min
        return _dated(spec, (day.year, day.month, day.day), expected)
    if shape == "number":
        number = float(value)  # type: ignore[arg-type]
        ymd = excel_serial_date(number)
        if ymd is None:
            found = _number_words(number)
            return _fail(Problem("not-a-month", Severity.ERROR, found, expected,
                                 f"The number {found} is not a date or month; give {expected}."))
        return _dated(spec, ymd, expected)
    text = str(value)
    found, s = _visible(text), text.strip()
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
            return _fail(Problem(
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
        return _fail(Problem("not-a-month", Severity.ERROR, found, expected,
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
        return _fail(Problem("not-a-month", Severity.ERROR, found, expected,
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
        return _fail(Problem(
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


# --------------------------------------------------------------------------- lists


def _loose(text: str) -> str:
    """Case, spaces and dash styles removed: how two spellings of one label compare."""
    return re.sub(r"[\s\-\u2010-\u2015\u2212]+", "", text.casefold())


def _rag(shape: str, value: object, scale_labels: Mapping[str, str]) -> Coerced:
    labels = tuple(scale_labels)
    expected = f"one of the ratings: {_list_words(labels)}"
    found = _found_any(shape, value)
    if shape != "text":
        return _fail(_not_in_list(found, expected, labels, "rating"))
    wanted = str(value).strip().casefold()
    for label, key in scale_labels.items():
        if wanted == label.strip().casefold():
            return Coerced(key)
    loose = _unique({_loose(label): key for label, key in scale_labels.items()}.items())
    if (key := loose.get(_loose(wanted))) is not None:
        label = _label_of(scale_labels, key)
        return Coerced(key, False, (Problem(
            "label-spelling-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as the rating '{label}'.",
        ),))
    words: list[tuple[str, str]] = []
    for label, key in scale_labels.items():
        words.append((key.casefold(), key))
        words.append((re.split(r"\s+[-\u2010-\u2015]\s+", label.strip())[0].casefold(), key))
    short = _unique(words)
    if (key := short.get(wanted)) is not None:
        label = _label_of(scale_labels, key)
        return Coerced(key, False, (Problem(
            "rating-word-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as the rating '{label}'; choose it from the list next time.",
        ),))
    return _fail(_not_in_list(found, expected, labels, "rating"))


def _choice(spec: InputSpec, shape: str, value: object) -> Coerced:
    choices = spec.choices
    expected = f"one of: {_list_words(choices)}"
    found = _found_any(shape, value)
    if shape == "number":
        text = _number_words(float(value))  # type: ignore[arg-type]
        for choice in choices:
            if text == choice.strip():
                return Coerced(choice, False, (Problem(
                    "number-as-text", Severity.INFO, found, expected,
                    f"The number {found} was read as the choice '{choice}'.",
                ),))
    if shape != "text":
        return _fail(_not_in_list(found, expected, choices, "choice"))
    wanted = str(value).strip().casefold()
    for choice in choices:
        if wanted == choice.strip().casefold():
            return Coerced(choice)
    loose = _unique((_loose(c), c) for c in choices)
    if (choice := loose.get(_loose(wanted))) is not None:
        return Coerced(choice, False, (Problem(
            "label-spelling-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as '{choice}'.",
        ),))
    aliases: list[tuple[str, str]] = []
    for choice in choices:
        mark, _, word = choice.strip().partition(" ")
        if word.strip() and mark and not any(ch.isalnum() for ch in mark):
            aliases += [(mark, choice), (word.strip().casefold(), choice)]
    alias = _unique(aliases)
    if (choice := alias.get(wanted)) is not None:
        return Coerced(choice, False, (Problem(
            "choice-word-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as '{choice}'; choose it from the list next time.",
        ),))
    return _fail(_not_in_list(found, expected, choices, "choice"))


def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Aliases that point at exactly one entry; one shared by two entries is no alias."""
    seen: dict[str, set[str]] = {}
    for alias, target in pairs:
        if alias:
            seen.setdefault(alias, set()).add(target)
    return {alias: next(iter(t)) for alias, t in seen.items() if len(t) == 1}


def _label_of(scale_labels: Mapping[str, str], key: str) -> str:
    return next(label for label, k in scale_labels.items() if k == key)


def _not_in_list(found: str, expected: str, options: tuple[str, ...], what: str) -> Problem:
    if not options:
        message = f"'{found}' is not a {what} this cell offers; choose from the list."
    else:
        message = (f"'{found}' is not in the list; choose one of {_list_words(options)} "
                   "from the dropdown.")
    return Problem("not-in-list", Severity.ERROR, found, expected, message)


def _list_words(options: Iterable[str], limit: int = _LIST_SHOWN) -> str:
    """The options for a message, cut short so a long list stays one readable sentence."""
    options = tuple(options)
    shown = ", ".join(options[:limit])
    if len(options) > limit:
        shown += f" and {len(options) - limit} more"
    return shown


# --------------------------------------------------------------------------- text

# C0 controls other than tab, LF and CR, the two non-characters, and lone
# surrogates: none can be stored in a workbook (XML 1.0 forbids them).
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# Characters that show nothing themselves but change how text displays: the
# bidirectional embeddings, overrides, isolates and marks (a U+202E can make
# "pay 100" display as "001 yap"), zero-width spaces and joiners, the word
# joiner and invisible operators, the byte-order mark and the tag characters.
# They can be stored, so they are kept (nothing typed is silently changed),
# with a warning naming the cell.  The soft hyphen (U+00AD), common in text
# pasted from Word, shows as a hyphen at a line break and is left alone.
_INVISIBLE = re.compile(
    "[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\U000e0000-\U000e007f]")


def _invisible_note(text: str) -> Problem | None:
    """A warning naming each invisible or direction-changing character in ``text``."""
    found = _INVISIBLE.findall(text)
    if not found:
        return None
    names = ", ".join(dict.fromkeys(
        f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER').lower()}" for ch in found))
    many = len(found) > 1
    kept = "they were kept" if many else "it was kept"
    return Problem(
        "invisible-characters", Severity.WARNING, names, "text without invisible characters",
        f"The text holds {len(found)} invisible character{'s' if many else ''} ({names}) that "
        f"can change how it displays, for example in reverse order; {kept}. Check the text "
        "and type it again without them.",
    )


def _text(spec: InputSpec, shape: str, value: object) -> Coerced:
    notes: list[Problem] = []
    if shape == "number":
        text = _number_words(float(value))  # type: ignore[arg-type]
        notes.append(Problem("number-as-text", Severity.INFO, text, "text",
                             f"The number {text} was kept as the text '{text}'."))
    elif shape == "bool":
        text = "TRUE" if value else "FALSE"
        notes.append(Problem("bool-as-text", Severity.INFO, text, "text",
                             f"The cell held {text} as a yes/no value; it was kept as text."))
    elif shape == "date":
        text = value.isoformat() if isinstance(value, date) else str(value)
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            text = value.date().isoformat()
        notes.append(Problem("date-as-text", Severity.INFO, text, "text",
                             f"The cell held a date; it was kept as the text '{text}'."))
    else:
        text = str(value)
    bad = _UNHOLDABLE.findall(text)
    if bad:
        text = _UNHOLDABLE.sub("", text)
        codes = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in bad))
        notes.append(Problem(
            "control-characters", Severity.WARNING, codes, "plain text",
            f"The text held {len(bad)} hidden control character{'s' if len(bad) > 1 else ''} "
            f"({codes}) that a workbook cannot store; {'they were' if len(bad) > 1 else 'it was'}"
            " removed.",
        ))
        if text == "" or text.isspace():
            return Coerced(None, False, tuple(notes))
    invisible = _invisible_note(text)
    if invisible is not None:
        notes.append(invisible)
    errors: list[Problem] = []
    length = len(text.encode("utf-16-le")) // 2  # as Excel counts, and limits, text
    if spec.max_length is not None and length > spec.max_length:
        errors.append(Problem(
            "too-long", Severity.ERROR, f"{length:,} characters",
            f"at most {spec.max_length:,} characters",
            f"The text is {length:,} characters long, more than the {spec.max_length:,} this "
            "cell takes; shorten it.",
        ))
    if spec.kind == NARRATIVE and spec.word_limit is not None:
        words = len(text.split())
        if words > spec.word_limit:
            errors.append(Problem(
                "too-many-words", Severity.ERROR, f"{words:,} words",
                f"at most {spec.word_limit:,} words",
                f"The narrative has {words:,} words, more than the limit of "
                f"{spec.word_limit:,}; shorten it.",
            ))
    if errors:
        return _fail(*notes, *errors)
    return Coerced(text, False, tuple(notes))


# --------------------------------------------------------------------------- wording


def _visible(text: str, limit: int = 80) -> str:
    """The value as found, safe to quote in a message and to write into a workbook."""
    text = _UNHOLDABLE.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)
    text = re.sub(r"[\t\r\n]", " ", text)
    return fmt.clip(text, limit)


def _found_any(shape: str, value: object) -> str:
    if shape == "bool":
        return "TRUE" if value else "FALSE"
    if shape == "number":
        return _number_words(float(value))  # type: ignore[arg-type]
    if shape == "date":
        return fmt.long_date(value)  # type: ignore[arg-type]
    return _visible(str(value))


def _number_words(number: float) -> str:
    """A number as Excel's General format would show it (15 significant digits)."""
    if not math.isfinite(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}"


def _plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 6.0600 -> 6.06."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


