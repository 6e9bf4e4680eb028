"""Reporting periods: one month, written ``2024-02`` and shown ``Feb-24``.

Councils write a month many ways; the officer may type any of them on the
command line, so parsing accepts the unambiguous spellings and refuses the
rest with the accepted forms in the message.  The financial year starts in a
month the programme sets (April for English councils), so ``2024-02`` is
2023/24, quarter 4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from hnbxl.core.errors import HnbxlError

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_FULL = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
_MONTH_BY_NAME = {name.lower(): i + 1 for i, name in enumerate(MONTH_ABBR)} | {
    name.lower(): i + 1 for i, name in enumerate(MONTH_FULL)
}
_MONTH_BY_NAME["sept"] = 9

ACCEPTED_FORMS = "2024-02, Feb-24, Feb 2024 or February 2024"


class PeriodError(HnbxlError, ValueError):
    """A period that cannot be read unambiguously."""


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month.  Ordered, hashable, and cheap to make."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodError(f"month {self.month} is not between 1 and 12")
        if not 1900 <= self.year <= 2999:
            raise PeriodError(f"year {self.year} is outside 1900-2999")

    @classmethod
    def parse(cls, text: str | Period | date) -> Period:
        """Read ``2024-02``, ``Feb-24``, ``Feb 2024`` or ``February 2024``."""
        if isinstance(text, Period):
            return text
        if isinstance(text, date):
            return cls(text.year, text.month)
        found = _parse(str(text))
        if found is None:
            raise PeriodError(f"'{text}' is not a month; expected {ACCEPTED_FORMS}")
        return found

    @property
    def key(self) -> str:
        """The storage form, ``2024-02``; sorts in time order as text."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """The display form the report uses, ``Feb-24``."""
        return f"{MONTH_ABBR[self.month - 1]}-{self.year % 100:02d}"

    @property
    def long_label(self) -> str:
        return f"{MONTH_FULL[self.month - 1]} {self.year}"

    def financial_year(self, start_month: int = 4) -> str:
        """``2023/24`` for Feb 2024 when the year starts in April."""
        first = self.year if self.month >= start_month else self.year - 1
        if start_month == 1:
            return f"{first}"
        return f"{first}/{(first + 1) % 100:02d}"

    def quarter(self, start_month: int = 4) -> int:
        """Quarter of the financial year, 1-4."""
        return ((self.month - start_month) % 12) // 3 + 1

    def month_of_year(self, start_month: int = 4) -> int:
        """Months into the financial year, 1-12: April is 1 when the year starts in April."""
        return (self.month - start_month) % 12 + 1

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def __str__(self) -> str:
        return self.key


_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_SHORT = re.compile(r"^([A-Za-z]{3,9})[-\s'](\d{2})$")
_LONG = re.compile(r"^([A-Za-z]{3,9})[-\s](\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})/(\d{4})$")


def _parse(text: str) -> Period | None:
    """A short text's month is kept (a return's month cells hold the same few months,
    and a :class:`Period` is immutable, so one may be shared); a long one is not."""
    return _parse_kept(text) if len(text) <= 40 else _read_period(text)


@lru_cache(maxsize=1024)
def _parse_kept(text: str) -> Period | None:
    return _read_period(text)


def _read_period(text: str) -> Period | None:
    text = text.strip()
    try:
        if m := _ISO.match(text):
            return Period(int(m[1]), int(m[2]))
        if m := _NUMERIC.match(text):
            return Period(int(m[2]), int(m[1]))
        if m := _LONG.match(text):
            month = _MONTH_BY_NAME.get(m[1].lower())
            return Period(int(m[2]), month) if month else None
        if m := _SHORT.match(text):
            month = _MONTH_BY_NAME.get(m[1].lower())
            return Period(2000 + int(m[2]), month) if month else None
    except PeriodError:
        return None
    return None


def parse_financial_year(text: str) -> tuple[int, int]:
    """``2023/24`` -> (2023, 2024); a clear error for anything else."""
    m = re.match(r"^(\d{4})/(\d{2})$", text.strip())
    if not m or (int(m[1]) + 1) % 100 != int(m[2]):
        raise PeriodError(f"'{text}' is not a financial year; expected the form 2023/24")
    return int(m[1]), int(m[1]) + 1
