"""Number formats, as evidence of what a person saw: is this number shown as a date?

The reader hands values over as stored; number formats are otherwise ignored
(a count formatted ``0.0`` is still the count).  A *date* format is the one
exception worth reading: Excel turns a count typed as ``3/4`` into the date
4 March 2024, stores 45355 and formats the cell as a date, so every client
shows a date.  The caller uses :func:`is_date_format` to refuse such a value
and :func:`excel_date` to name the date the person saw, in the workbook's
date system (1900, or 1904 as old Mac workbooks and an Excel option use).
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from functools import lru_cache

__all__ = ["BUILTIN_FORMATS", "excel_date", "format_code", "is_date_format"]

#: ECMA-376 Part 1, 18.8.30: the built-in formats a style may name by id alone.
#: Ids 27-36 and 50-58 are locale-dependent date formats (East Asian Excel);
#: their exact code varies, so they are given as a representative date code.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0",
    48: "##0.0E+0", 49: "@",
    **{i: "yyyy/m/d" for i in range(27, 37)},
    **{i: "yyyy/m/d" for i in range(50, 59)},
}

# Parts of a format code that never mean a date: quoted text, [colour],
# [$currency-locale] and [condition] brackets, \-escaped characters, the
# _x (space as wide as x) and *x (repeat x) directives.  [h], [m] and [s]
# (elapsed time) do mean time, so those brackets are kept.
_LITERALS = re.compile(r'"[^"]*"|\[(?![hms]+\])[^\]]*\]|\\.|_.|\*.', re.I)
_DATE_CHARS = re.compile(r"[dmyhsDMYHS]")


@lru_cache(maxsize=1024)
def is_date_format(code: str) -> bool:
    """Whether a number shown in format ``code`` is shown as a date or time.

    Excel's own test: after removing literal text, a ``d``, ``m``, ``y``,
    ``h`` or ``s`` makes it a date format.  ``General`` is not a date.
    """
    if not code or code.strip().lower() == "general":
        return False
    stripped = _LITERALS.sub("", code)
    stripped = re.sub(r"(?i)general", "", stripped)
    return bool(_DATE_CHARS.search(stripped))


def format_code(num_fmt_id: int, custom: dict[int, str]) -> str:
    """The code of format ``num_fmt_id``: the workbook's own, else the built-in one."""
    if num_fmt_id in custom:
        return custom[num_fmt_id]
    return BUILTIN_FORMATS.get(num_fmt_id, "General")


_MAX_SERIAL_1900 = 2958465  # 31 December 9999
_MAX_SERIAL_1904 = _MAX_SERIAL_1900 - 1462


def excel_date(serial: float, date1904: bool = False) -> date | None:
    """The day Excel shows for ``serial`` (the time of day is dropped), or None.

    In the 1900 system serial 1 is 1 January 1900 and serial 60 the 29
    February 1900 Excel keeps from Lotus 1-2-3 (returned as 28 February, the
    nearest real day, since Python has no such date); in the 1904 system
    serial 0 is 1 January 1904.  Serials Excel cannot show as a date
    (negative, beyond 9999) give None.
    """
    if isinstance(serial, bool) or not math.isfinite(serial):
        return None
    days = math.floor(serial)
    if date1904:
        if not 0 <= days <= _MAX_SERIAL_1904:
            return None
        return date(1904, 1, 1) + timedelta(days=days)
    if not 1 <= days <= _MAX_SERIAL_1900:
        return None
    if days <= 60:
        return date(1899, 12, 31) + timedelta(days=min(days, 59))
    return date(1899, 12, 30) + timedelta(days=days)
