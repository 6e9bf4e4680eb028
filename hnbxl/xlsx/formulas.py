"""Formula text as Excel means it: shared-formula translation and spelling-free comparison.

Two jobs, both done on tokens so that string literals (``"D14-C14"``) and
quoted sheet names (``'Risk Log'!``) are never mistaken for references:

* **Shared formulas.**  Excel stores a formula filled down a column once, on
  the first cell (``<f t="shared" ref="F13:F16" si="0">D13-C13</f>``), and
  the cells it covers only point back to it (``<f t="shared" si="0"/>``).
  What Excel shows in F14 is the master with every *relative* row and column
  moved by the distance from F13 (``D14-C14``); ``$`` parts stay put.
  :func:`translate` does exactly that.
* **Comparison by meaning.**  Clients re-spell a formula when they save it:
  ``_xlfn.``/``_xlws.`` prefixes on newer functions, quotes added to or
  dropped from sheet names, upper/lower case, spaces, ``$`` added or dropped
  (LibreOffice), a leading ``=``.  :func:`normalise_formula` maps all of
  these spellings to one text, leaving string literals exactly as typed.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["normalise_formula", "tokens", "translate"]

_MAX_ROW = 1_048_576
_MAX_COL = 16_384

# One alternation, tried left to right at each position; ``ref`` before ``word``
# and ``num`` so "A1", "A:A" and "1:3" are references, and a reference must not
# run on into a name, a call or a sheet prefix.
_TOKEN = re.compile(
    r"""
    (?P<str>"(?:[^"]|"")*"?)
   |(?P<ref>
      (?P<sheet>(?:'(?:[^']|'')*'|[A-Za-z_\\\u00a1-\uffff][\w.\u00a1-\uffff]*)!)?
      (?P<area>
         \$?[A-Za-z]{1,3}\$?[0-9]+(?::\$?[A-Za-z]{1,3}\$?[0-9]+)?
        |\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}
        |\$?[0-9]+:\$?[0-9]+
      )
      (?![\w.(!\u00a1-\uffff])
    )
   |(?P<word>(?:'(?:[^']|'')*'!|[A-Za-z_\\\u00a1-\uffff][\w.\u00a1-\uffff]*!?))
   |(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?)
   |(?P<err>\#[A-Za-z0-9/]+[!?]?)
   |(?P<bracket>\[[^\]]*\])
   |(?P<space>\s+)
   |(?P<other>.)
    """,
    re.X | re.S,
)

_CELL_PART = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)")
_COL_PART = re.compile(r"(\$?)([A-Za-z]{1,3})")
_ROW_PART = re.compile(r"(\$?)([0-9]+)")
_PREFIXES = re.compile(r"_xl(?:fn|ws|pm)\.", re.I)


def tokens(formula: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs covering ``formula`` exactly (joined, they give it back)."""
    out = []
    for match in _TOKEN.finditer(formula):
        kind = match.lastgroup or "other"
        if kind in ("sheet", "area"):  # inner groups of a reference
            kind = "ref"
        out.append((kind, match.group(0)))
    return out


def _col_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def _col_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _split_area(ref: str) -> tuple[str, str]:
    """``"'Risk Log'!$A1:B2"`` -> (``"'Risk Log'!"``, ``"$A1:B2"``)."""
    if "!" not in ref:
        return "", ref
    cut = ref.rindex("!") + 1
    return ref[:cut], ref[cut:]


def translate(formula: str, rows: int, cols: int) -> str:
    """``formula`` as it reads ``rows`` down and ``cols`` right of where it was written.

    Relative rows and columns move; ``$`` ones do not.  A reference moved off
    the sheet becomes ``#REF!``, as in Excel.
    """
    if not rows and not cols:
        return formula
    return _translate(formula, rows, cols)


@lru_cache(maxsize=4096)
def _translate(formula: str, rows: int, cols: int) -> str:
    out: list[str] = []
    for kind, text in tokens(formula):
        if kind != "ref":
            out.append(text)
            continue
        sheet, area = _split_area(text)
        try:
            moved = ":".join(_move(part, rows, cols) for part in area.split(":"))
        except _OffSheet:
            out.append(sheet + "#REF!")
            continue
        out.append(sheet + moved)
    return "".join(out)


class _OffSheet(Exception):
    pass


def _move(part: str, rows: int, cols: int) -> str:
    """One end of a reference (``$A1``, ``B``, ``$7``) moved by rows and columns."""
    cell = _CELL_PART.fullmatch(part)
    if cell:
        col_abs, col, row_abs, row = cell.groups()
        return _move_col(col_abs, col, cols) + _move_row(row_abs, row, rows)
    col_only = _COL_PART.fullmatch(part)
    if col_only:
        return _move_col(col_only.group(1), col_only.group(2), cols)
    row_only = _ROW_PART.fullmatch(part)
    if row_only:
        return _move_row(row_only.group(1), row_only.group(2), rows)
    return part


def _move_col(dollar: str, letters: str, cols: int) -> str:
    if dollar or not cols:
        return dollar + letters
    number = _col_number(letters) + cols
    if not 1 <= number <= _MAX_COL:
        raise _OffSheet()
    return _col_letters(number)


def _move_row(dollar: str, digits: str, rows: int) -> str:
    if dollar or not rows:
        return dollar + digits
    number = int(digits) + rows
    if not 1 <= number <= _MAX_ROW:
        raise _OffSheet()
    return str(number)


@lru_cache(maxsize=8192)
def normalise_formula(formula: str) -> str:
    """One spelling for every way a client may store the same formula.

    Drops a leading ``=``, spaces and line breaks outside strings, ``$``
    marks, the ``_xlfn.``/``_xlws.``/``_xlpm.`` prefixes and the quotes around
    sheet names; upper-cases names, functions and references; writes numbers
    in one form (``.5`` and ``0.50`` are ``0.5``).  String literals are kept
    exactly: ``"Missing"`` and ``"missing"`` are different formulas.
    """
    text = formula.strip()
    if text.startswith("="):
        text = text[1:]
    out: list[str] = []
    for kind, tok in tokens(text):
        if kind == "str" or kind == "bracket":
            out.append(tok)
        elif kind == "space":
            continue
        elif kind == "ref":
            sheet, area = _split_area(tok)
            out.append((_sheet_key(sheet) if sheet else "") + area.replace("$", "").upper())
        elif kind == "word":
            if tok.endswith("!"):
                out.append(_sheet_key(tok))
            else:
                out.append(_PREFIXES.sub("", tok).upper())
        elif kind == "num":
            out.append(_number_key(tok))
        else:
            out.append(tok.upper())
    return "\x00".join(out)


def _sheet_key(prefix: str) -> str:
    """``'Risk Log'!`` and ``risk log!`` alike: unquoted, upper-case (Excel ignores case)."""
    name = prefix[:-1]
    if len(name) >= 2 and name[0] == name[-1] == "'":
        name = name[1:-1].replace("''", "'")
    return name.upper() + "!"


def _number_key(text: str) -> str:
    try:
        return repr(float(text))
    except ValueError:
        return text.upper()
