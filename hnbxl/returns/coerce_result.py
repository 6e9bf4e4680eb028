"""What coercing one cell gives back, and the words every kind quotes a value in.

Each kind of value (numbers, months, lists, text) has its own module; they
share the result types and the way a value *as found* is quoted in a message,
so that "the cell holds 12,34" reads the same whichever kind refused it.
Invariant: whenever a problem is an ERROR, ``Coerced.value`` is ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from hnbxl.core import codes, fmt
from hnbxl.core.issues import Severity

LIST_SHOWN = 6  # choices named in a message before "and N more"


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


def fail(*problems: Problem) -> Coerced:
    """No value: what an ERROR gives, with the value as found in the problems."""
    return Coerced(None, False, problems)

# C0 controls other than tab, LF and CR, lone surrogates (an ``_xD800_`` escape)
# and the non-characters (U+FDD0-U+FDEF, U+FFFE and U+FFFF of every plane): none
# is text anyone typed, and most cannot be stored in a workbook (XML 1.0 forbids
# them), so each is removed with a warning naming it.
UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                        + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}"
                                  for plane in range(1, 17)) + "]")


def visible(text: str, limit: int = 80) -> str:
    """The value as found, safe to quote in a message and to write into a workbook."""
    text = UNHOLDABLE.sub(lambda m: f"[U+{ord(m[0]):04X}]", text)
    text = re.sub(r"[\t\r\n]", " ", text)
    return fmt.clip(text, limit)


def found_any(shape: str, value: object) -> str:
    """Any cell's value as the person who typed it would recognise it."""
    if shape == "bool":
        return "TRUE" if value else "FALSE"
    if shape == "number":
        return number_words(float(value))  # type: ignore[arg-type]
    if shape == "date":
        return fmt.long_date(value)  # type: ignore[arg-type]
    return visible(str(value))


def number_words(number: float) -> str:
    """A number as Excel's General format would show it (15 significant digits)."""
    if not math.isfinite(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}"


def plain(number: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 6.0600 -> 6.06."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"




def list_words(options: Iterable[str], limit: int = LIST_SHOWN) -> str:
    """The options for a message, cut short so a long list stays one readable sentence."""
    options = tuple(options)
    shown = ", ".join(options[:limit])
    if len(options) > limit:
        shown += f" and {len(options) - limit} more"
    return shown

