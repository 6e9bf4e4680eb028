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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from hnbxl.core.cells import col_letters, col_number

__all__ = [
    "SheetFormulas", "normalise_formula", "number_literal", "string_literal", "tokens", "translate",
]

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


def number_literal(value: float) -> str:
    """A number as formula text, never in E notation (which some clients misread)."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def string_literal(text: str) -> str:
    """``text`` as a string inside a formula: in double quotes, each ``"`` doubled."""
    return '"' + text.replace('"', '""') + '"'


def tokens(formula: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs covering ``formula`` exactly (joined, they give it back)."""
    out = []
    for match in _TOKEN.finditer(formula):
        kind = match.lastgroup or "other"
        if kind in ("sheet", "area"):  # inner groups of a reference
            kind = "ref"
        out.append((kind, match.group(0)))
    return out


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
    number = col_number(letters) + cols
    if not 1 <= number <= _MAX_COL:
        raise _OffSheet()
    return col_letters(number)


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


# -- formulas as a sheet stores them -------------------------------------------

_CELL_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]+)")
_F_TAG = re.compile(r"""<f\s((?:[^>/"']|"[^"]*"|'[^']*'|/(?!>))*)(/?)>""")


def _address(ref: str) -> tuple[int, int] | None:
    """``"F14"`` -> (column 6, row 14), or None for anything else."""
    match = _CELL_ADDRESS.fullmatch(ref)
    if match is None:
        return None
    return col_number(match.group(1)), int(match.group(2))


def _in_range(ref: str, area: str) -> bool:
    """Whether cell ``ref`` lies in ``area`` (``"A1:B3"`` or one cell)."""
    here = _address(ref)
    ends = [_address(part) for part in area.split(":")]
    if here is None or None in ends or not 1 <= len(ends) <= 2:
        return False
    first, last = ends[0], ends[-1]
    assert first is not None and last is not None
    return (min(first[0], last[0]) <= here[0] <= max(first[0], last[0])
            and min(first[1], last[1]) <= here[1] <= max(first[1], last[1]))


@dataclass
class SheetFormulas:
    """The shared and array formulas of one sheet, to give each covered cell its formula.

    ``masters`` maps a shared formula's ``si`` to the cell that holds its
    text and the text; ``followers`` are kept cells that only point at a
    master; ``arrays`` are (anchor cell, range, text) of array formulas,
    whose text Excel shows unchanged in every cell of the range.
    """

    masters: dict[str, tuple[str, str]] = field(default_factory=dict)
    followers: list[tuple[str, str]] = field(default_factory=list)
    arrays: list[tuple[str, str, str]] = field(default_factory=list)

    def note(self, ref: str, attrs: Mapping[str, str], text: str) -> None:
        """Record cell ``ref``'s ``<f>`` (its attributes and text) if it is shared or array."""
        kind = attrs.get("t")
        if kind == "shared":
            si = attrs.get("si")
            if si is None:
                return
            if text:
                if attrs.get("ref"):
                    self.masters.setdefault(si, (ref, text))
            else:
                self.followers.append((ref, si))
        elif kind == "array" and attrs.get("ref") and text:
            self.arrays.append((ref, attrs["ref"], text))

    def scan(self, text: str, attrs_of: Callable[[str], dict[str, str]],
             decode: Callable[[str], str]) -> None:
        """Find every master and array formula in a plain sheet's text.

        The fast path looks only at the cells it keeps, but a kept follower's
        master may sit in a cell that is not kept.  Every cell start tag of a
        plain sheet begins ``<c r="``, so the owner of an ``<f>`` is the last
        one before it.
        """
        self.masters.clear()
        self.arrays.clear()
        for match in _F_TAG.finditer(text):
            raw = match.group(1)
            if "ref" not in raw or match.group(2):
                continue
            attrs = attrs_of(raw)
            if attrs.get("t") not in ("shared", "array") or not attrs.get("ref"):
                continue
            start = text.rfind('<c r="', 0, match.start())
            if start < 0:
                continue
            owner = text[start + 6 : text.index('"', start + 6)]
            end = text.find("</f>", match.end())
            self.note(owner, attrs, decode(text[match.end() : end]))

    @property
    def needs_scan(self) -> bool:
        return bool(self.followers)

    def resolved(self, missing: Iterable[str]) -> dict[str, str]:
        """Formula text for each follower, and for each cell of ``missing`` in an array range.

        ``missing`` are the kept cells that store no formula of their own.
        A follower whose master cannot be found keeps its empty formula:
        it is reported as changed, never guessed.
        """
        out: dict[str, str] = {}
        for ref, si in self.followers:
            master = self.masters.get(si)
            here = _address(ref)
            if master is None or here is None:
                continue
            anchor = _address(master[0])
            if anchor is None:
                continue
            out[ref] = translate(master[1], here[1] - anchor[1], here[0] - anchor[0])
        if self.arrays:
            for ref in missing:
                for top_left, area, text in self.arrays:
                    if ref != top_left and _in_range(ref, area):
                        out[ref] = text
                        break
        return out
