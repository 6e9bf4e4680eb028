"""What the reader hands back: cells, sheets and the workbook's metadata.

Kept apart from the parsing so the records the rest of hnbxl depends on
(:mod:`hnbxl.returns.read` reads nothing else) are visible at a glance.  All
of them are re-exported by :mod:`hnbxl.xlsx.reader`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["PENDING", "Cell", "CellFormats", "SheetInfo", "WorkbookData", "make_cell"]


@dataclass(frozen=True)
class Cell:
    """One stored cell.

    ``type`` is ``"s"`` (shared, inline or formula string), ``"n"``, ``"b"``,
    ``"e"`` (error, ``value`` is the text such as ``"#DIV/0!"``), ``"d"`` (ISO
    date text) or ``""`` when there is no value.  ``formula`` is the formula
    text without ``=`` (for a shared-formula follower, the master's formula
    moved to this cell, as Excel shows it) or None.
    ``has_cached`` is False when the cell stores no value, which for a
    formula means nothing ever calculated it (e.g. a file saved by openpyxl).
    """

    value: object
    type: str
    formula: str | None = None
    has_cached: bool = True


_new = object.__new__


def make_cell(value: object, type_: str, formula: str | None, has_cached: bool) -> Cell:
    """Build a :class:`Cell` without the frozen-dataclass ``__init__``.

    A frozen dataclass assigns each field through ``object.__setattr__``,
    which triples the cost of the hundreds of cells read per return; filling
    the instance dict directly gives an identical, equal object.
    """
    cell = _new(Cell)
    d = cell.__dict__
    d["value"] = value
    d["type"] = type_
    d["formula"] = formula
    d["has_cached"] = has_cached
    return cell


#: Stands in for a shared-string cell until the string table has been read.
PENDING = make_cell(None, "s", None, True)


class CellFormats(Mapping[str, str]):
    """The number format code of each kept number cell whose style gives one (not
    General), found when asked: a return asks for a few input cells' formats (is
    this number shown as a date?), so the rest are never looked up.

    ``styles`` holds each kept number cell's ``s=""`` text as written, ``codes``
    the workbook's format code by that text (:func:`hnbxl.xlsx.styles.cell_formats`).
    Read only once the sheet's cells are final; equal to the plain dict of them all.
    """

    __slots__ = ("_cells", "_codes", "_styles")

    def __init__(self, styles: dict[str, str], cells: dict[str, Cell],
                 codes: dict[str, str]) -> None:
        self._styles, self._cells, self._codes = styles, cells, codes

    def _code(self, ref: str) -> str | None:
        style = self._styles.get(ref)
        if style is None:
            return None
        kept = self._cells.get(ref)
        if kept is None or kept.type != "n":
            return None
        code = self._codes.get(style)
        if code is None:
            if style.isascii() and style.isdigit() and style[0] != "0":
                return None  # General
            try:  # an index spelt " 5" or "05"; anything else Excel shows as General
                code = self._codes.get(str(int(style)))
            except ValueError:
                return None
        return code

    def get(self, ref: str, default: str | None = None) -> str | None:  # type: ignore[override]
        code = self._code(ref)
        return default if code is None else code

    def __getitem__(self, ref: str) -> str:
        code = self._code(ref)
        if code is None:
            raise KeyError(ref)
        return code

    def _all(self) -> dict[str, str]:
        return {ref: code for ref in self._styles if (code := self._code(ref)) is not None}

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


@dataclass
class SheetInfo:
    """One sheet: its name, visibility and protection, and the cells asked for."""

    name: str
    state: str  # "visible" | "hidden" | "veryHidden"
    protected: bool
    cells: dict[str, Cell]  # only the addresses asked for that exist in the file
    path: str  # zip member
    # number format code of each kept number cell whose style gives one (not General)
    formats: Mapping[str, str] = field(default_factory=dict)


@dataclass
class WorkbookData:
    """Everything one pass read: all sheets (in workbook order) and the book's metadata.

    ``cells_seen`` counts every cell in every sheet, kept or not (it is what
    the cell limit is applied to).
    """

    sheets: list[SheetInfo]  # workbook order, all sheets
    structure_locked: bool
    defined_names: dict[str, str]  # global names only: name -> refers-to text
    custom_properties: dict[str, str]
    modified: str | None
    is_macro: bool
    cells_seen: int
    sha256: str = ""  # of the file bytes read, for provenance
    size: int = 0
    date1904: bool = False  # serials count days from 1 January 1904 (old Mac default)
    application: str | None = None  # docProps/app.xml <Application>: what saved the file

    def sheet(self, name: str) -> SheetInfo | None:
        """The sheet called ``name`` (Excel compares names case-insensitively)."""
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        folded = name.casefold()
        for sheet in self.sheets:
            if sheet.name.casefold() == folded:
                return sheet
        return None
