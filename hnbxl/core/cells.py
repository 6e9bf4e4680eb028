"""Cell addresses, written and ordered one way everywhere.

The forms, the reader, the issue list and the report all name cells as a
person sees them (``F7``); these helpers are the only code that turns row and
column numbers into letters and back, and that sorts addresses the way a
person reads a sheet (row by row, then left to right: ``B2`` before ``A10``).
"""

from __future__ import annotations


def col_letters(number: int) -> str:
    """One-based column number to letters: 1 -> ``A``, 16384 -> ``XFD``."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_number(letters: str) -> int:
    """Letters to a one-based column number: ``A`` -> 1, ``XFD`` -> 16384."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def a1(row: int, col: int, absolute: bool = False) -> str:
    """Zero-based (row, col), as XlsxWriter counts, to ``F7`` (or ``$F$7``)."""
    letters = col_letters(col + 1)
    return f"${letters}${row + 1}" if absolute else f"{letters}{row + 1}"


def cell_order(cell: str) -> tuple[int, str]:
    """A sort key reading a sheet row by row: ``B2`` < ``A10`` < ``AA10``; '' first."""
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters.rjust(3))


__all__ = ["a1", "cell_order", "col_letters", "col_number"]
