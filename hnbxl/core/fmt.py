"""Numbers, money, percentages, dates and shortened text, written one way everywhere.

The committee report, the rating notes, the form prompts and the messages
about a return all show figures to the same people, so they must agree: a
negative amount is ``-£1,234`` (never ``£-1,234``), a percentage has at most
two decimals, a date is ``4 March 2024``.  Nothing else in hnbxl puts a ``£``
in front of a number (a test checks).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TypeGuard

from hnbxl.core.periods import MONTH_FULL


def is_number(value: object) -> TypeGuard[int | float]:
    """A real number to show or compare: ``int`` or ``float``, never a ``bool`` (an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def money(amount: float | int | Decimal | Fraction, *, exact: bool = False) -> str:
    """``£17,287``; a negative ``-£1,234``; whole pounds unless ``exact``.

    ``exact`` shows the amount as given (``£17,287.5``), for telling someone
    what was read from their cell.  A whole-pound amount that rounds to
    nothing is ``£0``, never ``-£0``.
    """
    if exact:
        if isinstance(amount, float | Fraction):
            value = float(amount)
            amount = int(value) if value.is_integer() else Decimal(repr(value))
        text = f"£{abs(amount):,}"
        return f"-{text}" if amount < 0 else text
    rounded = round(float(amount))
    return f"-£{-rounded:,}" if rounded < 0 else f"£{rounded:,}"


def money_millions(amount: float | int, places: int = 1) -> str:
    """``£84.5m``: pounds in millions with ``places`` decimals (a chart's axis); ``-£1.2m``."""
    text = f"£{abs(amount) / 1_000_000:,.{places}f}m"
    return f"-{text}" if amount < 0 and text != "£0m" else text


def percent(fraction: float | Fraction) -> str:
    """0.0606 -> ``6.06%``; 0.1 -> ``10%``; at most two decimals, no trailing zeros.

    A tiny non-zero share is ``<0.01%`` (not a misleading ``0%``).
    """
    value = float(fraction)
    if math.isinf(value):
        return "∞%" if value > 0 else "-∞%"
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    if text in ("0", "-0"):
        if value == 0:
            return "0%"
        return "<0.01%" if value > 0 else "-<0.01%"
    return f"{text}%"


def number(value: float | int) -> str:
    """A count as people write it: ``1,234``, or ``12.5`` when not whole."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def days(value: float | int) -> str:
    """A number of days: ``1 day``, ``18 days``, ``12.5 days``."""
    return f"{number(value)} day" + ("" if value == 1 else "s")


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 issue``, ``2 issues``, ``0 issues``: the count with its word in the right number."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def long_date(day: date | str) -> str:
    """``4 March 2024`` (no leading zero); ``day`` may be an ISO date string."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.day} {MONTH_FULL[day.month - 1]} {day.year}"


def one_line(text: str) -> str:
    """Runs of spaces, tabs and line breaks made one space."""
    return " ".join(text.split())


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = ["clip", "days", "long_date", "money", "number", "one_line", "percent", "plural"]
