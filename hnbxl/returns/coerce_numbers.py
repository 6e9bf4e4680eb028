"""Numbers typed into figure cells: counts, money, percentages and risk scores.

The hardest kind: a pasted figure may be text (``£17,287``, ``(1,234)``,
``12,34``), a percentage may be 0.5 or 50, and the same text can be read two
ways.  What can only mean one number is read with a warning saying what was
read; what could mean two is refused (see ``coerce.py`` for the rule).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hnbxl.core import fmt
from hnbxl.core.issues import Severity
from hnbxl.forms.layout import COUNT, DAYS, DECIMAL, GRID, MONEY, PERCENT, SCORE, InputSpec
from hnbxl.returns.coerce_result import (
    Coerced,
    Problem,
    fail,
    list_words,
    number_words,
    plain,
    visible,
)

_SCORES_SHOWN = 40  # scores are short numbers: name them all


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
        raise _Unreadable("not-a-number", f"'{visible(text)}' is not a number")
    pre, body, post = m["pre"], m["body"], m["post"].strip()
    signs = [c for c in pre if c in "+-\u2212"]
    currencies = [c for c in pre if c in "£$€"]
    if len(signs) > 1 or len(currencies) > 1 or (negative and signs):
        raise _Unreadable("not-a-number", f"'{visible(text)}' is not a number")
    if signs and signs[0] in _MINUS:
        negative = True
    if currencies and currencies[0] != "£":
        raise _Unreadable(
            "wrong-unit",
            f"'{visible(text)}' is in {'dollars' if currencies[0] == '$' else 'euros'}, "
            "not pounds; give the figure in pounds without the sign")
    percent = False
    if post.startswith("%"):
        percent, post = True, post[1:].strip()
    if post:
        if _UNIT_WORD.match(post):
            raise _Unreadable(
                "ambiguous-number",
                f"'{visible(text)}' uses '{post}' for an amount, which can be misread; "
                "type the whole number in figures, without letters",
                "the whole number in figures, e.g. 1200000")
        if post[0].isdigit() or (post[0] in ",." and post[1:2].isdigit()):
            raise _Unreadable(
                "ambiguous-number",
                f"'{visible(text)}' has a space inside the number, so it could be two numbers; "
                "type it again without spaces")
        raise _Unreadable("not-a-number", f"'{visible(text)}' is not a number")
    return _read_body(text, body, negative, percent, bool(currencies))


def _read_body(text: str, body: str, negative: bool, percent: bool, pound: bool) -> _Reading:
    shown = visible(text)
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


def numeric_value(spec: InputSpec, shape: str, value: object, no_figure: frozenset[str],
                  application: str | None = None) -> Coerced:
    """A count, amount, percentage or score, or "no figure"; text read only when unambiguous."""
    expected = _expected_number(spec)
    if shape == "bool":
        found = "TRUE" if value else "FALSE"
        return fail(Problem(
            "bool-in-number", Severity.ERROR, found, expected,
            f"The cell holds {found} (a yes/no value), not a number; type the figure.",
        ))
    if shape == "date":
        found = fmt.long_date(value)  # type: ignore[arg-type]
        return fail(Problem(
            "date-in-number", Severity.ERROR, found, expected,
            f"The cell holds the date {found}, not a number; type the figure.",
        ))
    if shape == "number":
        return _number_cell(spec, float(value), expected,  # type: ignore[arg-type]
                            application)
    text = str(value)
    found = visible(text)
    if text.strip().casefold() in no_figure:
        if spec.kind in (GRID, SCORE):
            return fail(Problem(
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
        return fail(Problem(why.code, Severity.ERROR, found, why.expected or expected,
                             why.message + "."))
    return _number_text(spec, reading, found, expected, application)


def _number_cell(spec: InputSpec, number: float, expected: str,
                 application: str | None = None) -> Coerced:
    """A number cell: taken as it is, then checked against the kind's rules."""
    found = number_words(number)
    if not math.isfinite(number):
        return fail(Problem("not-a-number", Severity.ERROR, found, expected,
                             f"'{found}' is not a number a workbook can hold."))
    kind = spec.kind
    if kind == PERCENT:
        if 0 <= number <= 1:
            return Coerced(float(number))
        shown = plain(Decimal(repr(number)).scaleb(2))
        if 1 < number <= 100:
            message = (f"The percentage cell holds the number {found}, which reads as "
                       f"{shown}%{_percent_cause(application)}. If you mean {found}%, "
                       f"{_percent_advice(found, application)}.")
        else:
            message = (f"The percentage cell holds the number {found}, which reads as "
                       f"{shown}%, outside 0% to 100%; type the percentage again: for "
                       f"6.06%, {_percent_advice('6.06', application)}.")
        return fail(Problem("percent-out-of-range", Severity.ERROR, found, expected, message))
    if kind == MONEY:
        return _check_money(spec, number, Decimal(repr(number)), found, expected, ())
    if kind in (DAYS, DECIMAL):
        return _check_decimal(spec, number, found, expected, ())
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
        return fail(Problem(
            "wrong-unit", Severity.ERROR, found, expected,
            f"'{found}' is a percentage, but this cell takes {expected}.",
        ))
    if reading.pound and kind != MONEY:
        return fail(Problem(
            "wrong-unit", Severity.ERROR, found, expected,
            f"'{found}' is an amount in pounds, but this cell takes {expected}.",
        ))
    if kind == PERCENT:
        return _percent_text(reading, found, expected, application)
    if kind == MONEY:
        if reading.frac_digits == 3 and not reading.grouped and abs(number) >= 1:
            return fail(Problem(
                "ambiguous-number", Severity.ERROR, found, "an amount in pounds and pence, "
                "e.g. 17287.50",
                f"The amount '{found}' has three digits after the full stop, so it could "
                "be pounds with a full stop between thousands; type it again in pounds and "
                "pence, e.g. 17287.50.",
            ))
        read = fmt.money(number, exact=True)
        note = _text_note(found, read, expected)
        return _check_money(spec, float(number), number, found, expected, (note,))
    if kind in (DAYS, DECIMAL):
        note = _text_note(found, fmt.number(float(number)), expected)
        return _check_decimal(spec, float(number), found, expected, (note,))
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
                _text_note(found, f"{plain(number)}%", expected),))
        return fail(Problem(
            "percent-out-of-range", Severity.ERROR, found, expected,
            f"The percentage '{found}' is outside 0% to 100%.",
        ))
    if number == 0:
        return Coerced(0.0, False, (_text_note(found, "0%", expected),))
    if 0 < number <= 1:
        as_pct = f"{plain(number.scaleb(2))}%"
        return fail(Problem(
            "ambiguous-percent", Severity.ERROR, found, expected,
            f"'{found}' typed as text could mean {as_pct} or {plain(number)}%; type it with "
            f"the % sign, e.g. {as_pct}.",
        ))
    if 1 < number <= 100:
        message = (f"'{found}' typed as text could mean {plain(number)}% or "
                   f"{plain(number.scaleb(2))}%; if you mean {plain(number)}%, "
                   f"{_percent_advice(plain(number), application)}.")
    else:
        message = f"'{found}' is not a percentage from 0% to 100%."
    return fail(Problem("percent-out-of-range", Severity.ERROR, found, expected, message))


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
        return fail(Problem("negative-count", Severity.ERROR, found, expected,
                             f"'{found}' is below zero; a count cannot be negative."))
    if whole is None:
        return fail(Problem("not-whole", Severity.ERROR, found, expected,
                             f"'{found}' is not a whole number; give {expected}."))
    if kind == GRID:
        low, high = spec.minimum, spec.maximum
        if (low is not None and whole < low) or (high is not None and whole > high):
            return fail(Problem("out-of-range", Severity.ERROR, found, expected,
                                 f"'{found}' is outside the grid; give {expected}."))
        return Coerced(whole, False, notes)
    if kind == SCORE:
        if spec.choices and str(whole) not in spec.choices:
            return fail(Problem(
                "not-in-list", Severity.ERROR, found, expected,
                f"{whole:,} is not a score the grid can give; choose one of "
                f"{list_words(spec.choices, _SCORES_SHOWN)}.",
            ))
        return Coerced(whole, False, notes)
    minimum = spec.minimum if spec.minimum is not None else 0
    if whole < minimum:
        return fail(Problem("below-minimum", Severity.ERROR, found, expected,
                             f"'{found}' is below {minimum:g}; give {expected}."))
    if spec.maximum is not None and whole > spec.maximum:
        return fail(Problem("above-maximum", Severity.ERROR, found, expected,
                             f"'{found}' is above {spec.maximum:,.0f}, more than is "
                             f"plausible here; give {expected}."))
    return Coerced(whole, False, notes)


def _check_money(spec: InputSpec, number: float, exact: Decimal, found: str, expected: str,
                 notes: tuple[Problem, ...]) -> Coerced:
    if spec.minimum is not None and exact < Decimal(repr(float(spec.minimum))):
        why = "cannot be negative" if spec.minimum == 0 else f"is below {fmt.money(spec.minimum)}"
        return fail(Problem("below-minimum", Severity.ERROR, found, expected,
                             f"The amount '{found}' {why}; give {expected}."))
    if spec.maximum is not None and exact > Decimal(repr(float(spec.maximum))):
        return fail(Problem("above-maximum", Severity.ERROR, found, expected,
                             f"The amount '{found}' is above {fmt.money(spec.maximum)}, more "
                             "than is plausible here; check it and type the amount in pounds."))
    return Coerced(float(number), False, notes)


def _check_decimal(spec: InputSpec, number: float, found: str, expected: str,
                   notes: tuple[Problem, ...]) -> Coerced:
    """DAYS and DECIMAL: any number within the cell's limits, decimals kept."""
    minimum = spec.minimum if spec.minimum is not None else 0
    if number < minimum:
        code = "negative-count" if minimum == 0 else "below-minimum"
        return fail(Problem(code, Severity.ERROR, found, expected,
                             f"'{found}' is below {minimum:g}; give {expected}."))
    if spec.maximum is not None and number > spec.maximum:
        return fail(Problem("above-maximum", Severity.ERROR, found, expected,
                             f"'{found}' is above {spec.maximum:,.0f}, more than is "
                             f"plausible here; give {expected}."))
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
    if kind in (DAYS, DECIMAL):
        what = "a number of days" if kind == DAYS else "a number"
        least = spec.minimum if spec.minimum is not None else 0
        most = f" to {spec.maximum:,.0f}" if spec.maximum is not None else " or more"
        return f"{what} from {least:g}{most}, decimals allowed, e.g. 12.5"
    if kind == GRID:
        low = f"{spec.minimum:g}" if spec.minimum is not None else "1"
        if spec.maximum is None:
            return f"a whole number, {low} or more"
        return f"a whole number from {low} to {spec.maximum:g}"
    if kind == SCORE:
        if spec.choices:
            return f"a score from the list: {list_words(spec.choices, _SCORES_SHOWN)}"
        return "a whole-number score"
    minimum = spec.minimum if spec.minimum is not None else 0
    if spec.maximum is not None:
        return f"a whole number from {minimum:,.0f} to {spec.maximum:,.0f}, e.g. 169"
    return f"a whole number, {minimum:g} or more, e.g. 169"


def _whole_float(number: float) -> int | None:
    """The whole number a float shows as in Excel (15 significant digits), if it is one."""
    shown = float(f"{number:.15g}")
    return int(shown) if shown.is_integer() else None

