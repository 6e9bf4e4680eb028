"""What the reader hands back: cells, sheets and the workbook's metadata.

Kept apart from the parsing so the records the rest of hnbxl depends on
(:mod:`hnbxl.returns.read` reads nothing else) are visible at a glance.  All
of them are re-exported by :mod:`hnbxl.xlsx.reader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PENDING", "Cell", "SheetInfo", "WorkbookData", "make_cell"]


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


@dataclass
class SheetInfo:
    """One sheet: its name, visibility and protection, and the cells asked for."""

    name: str
    state: str  # "visible" | "hidden" | "veryHidden"
    protected: bool
    cells: dict[str, Cell]  # only the addresses asked for that exist in the file
    path: str  # zip member
    # number format code of each kept number cell whose style gives one (not General)
    formats: dict[str, str] = field(default_factory=dict)


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
