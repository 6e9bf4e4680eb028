"""One check of XlsxWriter's return codes, for the forms and the report alike.

XlsxWriter does not raise when it cuts a string at Excel's 32,767 characters
or is asked to write outside the sheet: it returns a negative code and carries
on.  Every write hnbxl makes goes through :func:`check_write`, so a definition
or a return that would produce a silently shortened cell is refused with a
message naming the sheet and cell instead.
"""

from __future__ import annotations

from hnbxl.core import fmt
from hnbxl.core.errors import WriteError

#: Excel's limit on the characters in one cell (counted in UTF-16 units).
CELL_TEXT_LIMIT = 32_767

_CODES = {
    -1: "is outside the sheet (row or column out of range)",
    -2: f"is longer than the {CELL_TEXT_LIMIT:,} characters an Excel cell holds and would be "
        "cut short",
    -3: "is a link longer than Excel allows",
    -4: "has an invalid formula or range",
}


def check_write(code: int | None, where: str, value: object = None,
                error: type[WriteError] = WriteError) -> None:
    """Raise ``error`` naming ``where`` (``Sheet!B7``) unless XlsxWriter's ``code`` is OK.

    ``value``, when given, is what was being written: its length and start are
    put in the message so the officer can find it in the definition.
    """
    if code in (0, None):
        return
    what = "the value"
    if isinstance(value, str):
        what = f"the text '{fmt.clip(value, 41)}' ({len(value):,} characters)"
    why = _CODES.get(code, f"was refused by XlsxWriter (code {code})")
    raise error(fmt.one_line(f"{where}: {what} {why}"))


__all__ = ["CELL_TEXT_LIMIT", "WriteError", "check_write"]
