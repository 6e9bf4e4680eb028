"""The form's model: what a form is made of, and how its cells are addressed.

A :class:`FormLayout` is every sheet of one form, every locked cell with the
text it must hold (:class:`FixedCell`), every input cell with its field key,
type, validation and guidance (:class:`InputSpec`) and the completeness checks
(:class:`CheckItem`).  The builders (:mod:`hnbxl.forms.layout`) make one, the
generator writes it and the reader reads returns back through it.  Kept apart
from the builders so that the reader, the coercer and the validator depend on
these plain records only, not on how a programme is laid out.

Rows and columns are zero-based here, as XlsxWriter counts; ``a1()`` turns
them into the ``F7`` that people read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from hnbxl.core.cells import a1
from hnbxl.core.keys import FieldKey
from hnbxl.core.periods import Period
from hnbxl.forms.queries import QueryCheck
from hnbxl.forms.ratings import RatingCheck
from hnbxl.programme.definition import Programme
from hnbxl.xlsx.columns import Table

FORM_SCHEMA = 4  # bump when the layout code changes shape; stored in the identity

INSTRUCTIONS = "Instructions"
LISTS = "Lists"
CHECK = "Check"
IDENTITY_SHEET = "_hnbxl"
IDENTITY_PREFIX = "hnbxl_"  # before each identity key in the document properties
#: A risk's direction in the words the report uses (report.model.RISK_DIRECTION_WORDS).
RISK_DIRECTION_LABELS = {
    "same": "→ No change",
    "up": "↑ Increasing",
    "down": "↓ Decreasing",
    "new": "★ New",
}
RISK_STATUS_LABELS = {"open": "Open", "closed": "Closed"}
HEADER_ROW = 4  # rows 1-3 say what the sheet is; row 5 heads its table
MONTHS_OFFERED = 24  # month dropdowns offer the period and the 23 months before it
EXCEL_TEXT_LIMIT = 32767
SHORT_TEXT_LIMIT = 2000

# Input kinds: how a cell is validated, formatted and coerced on reading.
RAG = "rag"
CHOICE = "choice"
COUNT = "count"
PERCENT = "percent"
MONEY = "money"
DAYS = "days"  # a number of days, 0 or more, decimals allowed
DECIMAL = "decimal"  # a plain number with decimals, 0 or more (a ratio, a rate)
MONTH = "month"
TEXT = "text"
NARRATIVE = "narrative"
GRID = "grid"  # likelihood or impact: a whole number 1..max
SCORE = "score"  # a target score: one of the grid's products
NUMERIC_KINDS = (COUNT, PERCENT, MONEY, GRID, SCORE, DAYS, DECIMAL)
NUM_ERROR = "#NUM!"  # what Excel shows for a result too large for a number


def quote_sheet(name: str) -> str:
    """A sheet name as formulas need it: quoted, apostrophes doubled."""
    return "'" + name.replace("'", "''") + "'"


def ref(sheet: str, row: int, col: int, absolute: bool = True) -> str:
    return f"{quote_sheet(sheet)}!{a1(row, col, absolute)}"


def list_name(col: int) -> str:
    """The workbook-level name of the dropdown list in column ``col`` of the Lists sheet.

    Dropdowns and conditional formats refer to their lists by name, not as
    ``'Lists'!$A$2:$A$6``: Excel 2007 refuses a reference to another sheet in
    either, and Excel 2010 and later move cross-sheet conditional formats
    into an extension of their own; a defined name works in every version
    and in LibreOffice.
    """
    return f"hnbxl_list_{col + 1}"


def defined_name(field_key: str) -> str:
    """``measures.x.figure`` -> ``f_measures__x__figure``: valid in Excel and LibreOffice."""
    return FieldKey(field_key).defined_name


@dataclass(frozen=True)
class InputSpec:
    """One cell a person fills in."""

    field: FieldKey
    section: str
    sheet: str
    row: int
    col: int
    kind: str
    label: str  # what the officer reads in a message: "Average cost per EHCP: figure"
    prompt_title: str = ""
    prompt: str = ""
    choices: tuple[str, ...] = ()
    list_range: str = ""  # =hnbxl_list_1, the defined name of a dropdown's list
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    word_limit: int | None = None
    prefill: Any = None
    merge_to_col: int | None = None  # narrative cells span several columns
    height: float | None = None

    def __post_init__(self) -> None:
        if type(self.field) is not FieldKey:  # a plain dotted string given: the same key
            object.__setattr__(self, "field", FieldKey(self.field))

    @cached_property
    def cell(self) -> str:
        return a1(self.row, self.col)

    @property
    def name(self) -> str:
        return defined_name(self.field)


@dataclass(frozen=True)
class FixedCell:
    """A locked cell and exactly what it must hold (text, number or formula)."""

    sheet: str
    row: int
    col: int
    value: Any
    # title, subtitle, note, header, label, guidance, value, last, money, blank, status, count
    style: str = "label"
    formula: str | None = None  # the cached result is ``value``
    merge_to_col: int | None = None
    checked: bool = True  # compared on reading (formulas: their text)
    # A formula over inputs, so its stored result can follow the values written:
    # "product" of the operand fields, or the first operand "minus" ``constant``.
    operation: str = ""
    operands: tuple[str, ...] = ()
    constant: float = 0.0

    @cached_property
    def cell(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class CheckItem:
    """A completeness check: satisfied when any of ``any_of`` is filled.

    With ``when`` set, the check applies only when that field is filled (an
    override needs its reason).  The same items drive the workbook's Check
    sheet formulas and the validator, so the person filling in and the
    officer compiling see the same list.
    """

    label: str
    any_of: tuple[str, ...]
    severity: str = "error"
    when: str | None = None


@dataclass(frozen=True)
class SheetLayout:
    """One sheet of a form: its widths, its locked cells and its inputs, in writing order."""

    name: str
    section: str | None
    widths: tuple[float, ...]
    fixed: tuple[FixedCell, ...]
    inputs: tuple[InputSpec, ...]
    header_row: int | None = None
    freeze: tuple[int, int] | None = None
    hidden: bool = False
    row_heights: dict[int, float] = field(default_factory=dict)
    # The columns of the sheet's table, when it has one: where its headers and widths came from.
    table: Table | None = None


@dataclass(frozen=True)
class Identity:
    """Who a workbook is: survives Excel, LibreOffice and openpyxl saving it."""

    programme: str
    definition_hash: str
    period: str
    form_version: int
    form_schema: int
    owner: str  # an owner key, or "all"
    sections: tuple[str, ...]
    due: str  # ISO date or ""
    last_period: str  # period key of the snapshot used, or ""
    last_digest: str  # its content digest, or ""
    generator: str = "hnbxl"

    def as_pairs(self) -> list[tuple[str, str]]:
        return [
            ("generator", self.generator),
            ("programme", self.programme),
            ("definition_hash", self.definition_hash),
            ("period", self.period),
            ("form_version", str(self.form_version)),
            ("form_schema", str(self.form_schema)),
            ("owner", self.owner),
            ("sections", ",".join(self.sections)),
            ("due", self.due),
            ("last_period", self.last_period),
            ("last_digest", self.last_digest),
        ]

    @classmethod
    def from_pairs(cls, pairs: dict[str, str]) -> Identity:
        """Raises KeyError/ValueError on a missing or malformed entry."""
        return cls(
            programme=pairs["programme"],
            definition_hash=pairs["definition_hash"],
            period=pairs["period"],
            form_version=int(pairs["form_version"]),
            form_schema=int(pairs["form_schema"]),
            owner=pairs["owner"],
            sections=tuple(s for s in pairs["sections"].split(",") if s),
            due=pairs.get("due", ""),
            last_period=pairs.get("last_period", ""),
            last_digest=pairs.get("last_digest", ""),
            generator=pairs.get("generator", "hnbxl"),
        )


@dataclass(frozen=True)
class FormLayout:
    programme: Programme
    period: Period
    identity: Identity
    sheets: tuple[SheetLayout, ...]
    checks: tuple[CheckItem, ...]
    lists: dict[str, tuple[Any, ...]]  # list name -> values, on the Lists sheet
    queries: tuple[QueryCheck, ...] = ()  # figures that may need explaining
    ratings: tuple[RatingCheck, ...] = ()  # each rated row's rule, as the form works it out

    def rating(self, item: str) -> RatingCheck:
        return next(r for r in self.ratings if r.item == item)

    @property
    def inputs(self) -> tuple[InputSpec, ...]:
        return tuple(spec for sheet in self.sheets for spec in sheet.inputs)

    def input(self, field_key: str) -> InputSpec:
        return self._by_field()[field_key]

    def _by_field(self) -> dict[str, InputSpec]:
        cache = self.__dict__.get("_by_field_cache")
        if cache is None:
            cache = {spec.field: spec for spec in self.inputs}
            object.__setattr__(self, "_by_field_cache", cache)
        return cache

    def has(self, field_key: str) -> bool:
        return field_key in self._by_field()

    @property
    def list_ranges(self) -> dict[str, str]:
        """Each dropdown list's defined name and the cells it names on the Lists sheet."""
        return {list_name(col): f"{quote_sheet(LISTS)}!{a1(1, col, True)}:{a1(len(v), col, True)}"
                for col, v in enumerate(self.lists.values())}

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(sheet.name for sheet in self.sheets)

    @cached_property
    def cells_by_sheet(self) -> dict[str, tuple[str, ...]]:
        """The cells a reader looks at, per sheet: every input and every checked locked cell."""
        return {
            sheet.name: tuple(c.cell for c in sheet.fixed if c.checked)
            + tuple(s.cell for s in sheet.inputs)
            for sheet in self.sheets
        }

    def sheet(self, name: str) -> SheetLayout:
        return next(s for s in self.sheets if s.name == name)
