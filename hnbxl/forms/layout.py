"""The form layout: the one place that says which field lives in which cell.

``build_layout(programme, period, ...)`` turns a programme definition (and last
period's snapshot) into a :class:`FormLayout`: every sheet, every locked cell
with the text it must hold, every input cell with its field key, type,
validation, guidance and defined name, and the completeness checks.  The
generator renders this layout with XlsxWriter; the reader reads returns back
through the very same object, so no cell address is written twice in the code
and the tamper check knows exactly what every locked cell should say.

Rows and columns are zero-based here, as XlsxWriter counts; ``a1()`` turns
them into the ``F7`` that people read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

from hnbxl.core import fmt
from hnbxl.core.cells import a1
from hnbxl.core.periods import Period
from hnbxl.forms.queries import (
    DISCLOSURE_CHOICES,
    QueryCheck,
    build_checks,
    explained,
    formula_open,
    raised,
)
from hnbxl.programme.definition import Limits, Programme, Risk, query_items
from hnbxl.programme.derived import matches
from hnbxl.programme.snapshot import PeriodSnapshot
from hnbxl.programme.thresholds import format_in_unit, threshold_at

FORM_SCHEMA = 2  # bump when the layout code changes shape; stored in the identity

INSTRUCTIONS = "Instructions"
LISTS = "Lists"
CHECK = "Check"
IDENTITY_SHEET = "_hnbxl"
IDENTITY_PREFIX = "hnbxl_"  # before each identity key in the document properties
RISK_DIRECTION_LABELS = {
    "same": "→ Same",
    "up": "↑ Up",
    "down": "↓ Down",
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
MONTH = "month"
TEXT = "text"
NARRATIVE = "narrative"
GRID = "grid"  # likelihood or impact: a whole number 1..max
SCORE = "score"  # a target score: one of the grid's products
NUMERIC_KINDS = (COUNT, PERCENT, MONEY, GRID, SCORE)
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
    return "f_" + field_key.replace(".", "__")


@dataclass(frozen=True)
class InputSpec:
    """One cell a person fills in."""

    field: str
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
    name: str
    section: str | None
    widths: tuple[float, ...]
    fixed: tuple[FixedCell, ...]
    inputs: tuple[InputSpec, ...]
    header_row: int | None = None
    freeze: tuple[int, int] | None = None
    hidden: bool = False
    row_heights: dict[int, float] = field(default_factory=dict)


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


# --------------------------------------------------------------------------- building


def build_layout(
    programme: Programme,
    period: Period,
    owner: str | None = None,
    last: PeriodSnapshot | None = None,
    due: date | None = None,
) -> FormLayout:
    """The form for one period and one owner (``None``: every section).

    Raises :class:`~hnbxl.programme.definition.DefinitionError` when the definition lacks
    something this period needs (such as the year's finance budget).
    """
    sections = programme.sections_of(owner)
    if not sections:
        raise ValueError(f"owner '{owner}' fills no section")
    identity = Identity(
        programme=programme.id,
        definition_hash=programme.hash,
        period=period.key,
        form_version=programme.form_version,
        form_schema=FORM_SCHEMA,
        owner=owner or "all",
        sections=sections,
        due=due.isoformat() if due else "",
        last_period=last.period.key if last else "",
        last_digest=last.digest if last else "",
    )
    builder = _Builder(programme, period, identity, last)
    return builder.build()


class _Builder:
    def __init__(self, programme: Programme, period: Period, identity: Identity,
                 last: PeriodSnapshot | None):
        self.p = programme
        self.period = period
        self.identity = identity
        self.last = last
        self.checks: list[CheckItem] = []
        self.lists: dict[str, tuple[Any, ...]] = {}
        self._list_cols: dict[str, int] = {}
        self.queries: list[QueryCheck] = []
        # Rows that can raise a query get an explanation cell; small counts a disclosure choice.
        self.explained_items: set[str] = set()
        self.small_items: set[str] = set()
        self.risk_rules = [r for r in programme.queries.rules if r.kind == "risk_action"]
        self.queries_possible = bool(programme.queries.rules)
        for rule in programme.queries.rules:
            if rule.kind == "share":
                self.explained_items.add(rule.params["share"].rsplit(".", 1)[0])
            elif rule.kind != "risk_action":
                items = query_items(programme, rule)
                self.explained_items.update(items)
                if rule.kind == "small_number":
                    self.small_items.update(items)

    # -- lists on the hidden Lists sheet (dropdown sources; no 255-character limit)

    def list_range(self, name: str, values: tuple[Any, ...]) -> str:
        """The defined name (``=hnbxl_list_3``) a dropdown and its red-mark rule refer to."""
        if name not in self.lists:
            self._list_cols[name] = len(self.lists)
            self.lists[name] = tuple(values)
        return "=" + list_name(self._list_cols[name])

    @property
    def rag_range(self) -> str:
        return self.list_range("RAG rating", self.p.scale.labels)

    @property
    def reason_range(self) -> str:
        return self.list_range("No figure because", self.p.figure_reasons)

    def months(self) -> tuple[str, ...]:
        out, month = [], self.period
        for _ in range(MONTHS_OFFERED):
            out.append(month.label)
            month = month.previous()
        return tuple(out)

    def last_label(self, item_key: str) -> str:
        if not self.last:
            return self.p.scale.no_data.label
        key = self.last.ratings.get(item_key)
        if key is None:
            return self.p.scale.no_data.label
        try:
            return self.p.scale.get(key).label
        except KeyError:
            return self.p.scale.no_data.label

    def last_explanation(self, item_key: str) -> str | None:
        return self.last.explanations.get(item_key) if self.last else None

    def explanation_cells(self, section: str, sheet: str, row: int, col: int, item_key: str,
                          name: str, explained_row: bool) -> tuple[list[InputSpec],
                                                                   list[FixedCell]]:
        """The explanation input and, locked beside it, last period's explanation."""
        if not explained_row:
            return [], [FixedCell(sheet, row, col, None, "blank"),
                        FixedCell(sheet, row, col + 1, None, "blank")]
        limit = self.p.queries.explanation_limit
        spec = InputSpec(
            f"{item_key}.explanation", section, sheet, row, col, TEXT,
            f"{fmt.clip(name, 60)}: explanation of a query",
            prompt_title="Explain a query",
            prompt=_clip("Only when this row's figure is highlighted (a query: it looks "
                         "unusual, see the Check sheet): say why it is right, in words the "
                         f"programme office can check. Up to {limit:,} characters."),
            max_length=limit,
        )
        return [spec], [FixedCell(sheet, row, col + 1, self.last_explanation(item_key), "last")]

    def last_figure(self, item_key: str) -> str:
        if not self.last:
            return self.p.not_reported_label
        return self.last.figures.get(item_key, self.p.not_reported_label)

    # -- the whole form

    def build(self) -> FormLayout:
        sheets = [self.instructions()]
        makers = {
            "overview": self.overview,
            "conditions": self.conditions,
            "measures": self.measures,
            "finance": self.finance,
            "risks": self.risks,
        }
        for section in self.identity.sections:
            sheets.append(makers[section]())
        sheets = [replace(sheet, inputs=tuple(_plausible(spec, self.p.limits)
                                              for spec in sheet.inputs)) for sheet in sheets]
        fields = {spec.field for sheet in sheets for spec in sheet.inputs}
        self.queries = build_checks(self.p, self.period, self.last, fields.__contains__,
                                    self.last_action_ref, self.item_name)
        sheets.append(self.check_sheet(sheets))
        sheets.append(self.lists_sheet())
        return FormLayout(self.p, self.period, self.identity, tuple(sheets),
                          tuple(self.checks), dict(self.lists), tuple(self.queries))

    def item_name(self, item_key: str) -> str:
        section, _, ident = item_key.partition(".")
        if section == "measures":
            return fmt.clip(self.p.measure(ident).name, 60)
        if section == "finance":
            return fmt.clip(self.p.finance_row(ident).name, 60)
        if section == "risks" and self.last:
            return fmt.clip(next((r.name for r in self.last.risks if r.id == ident), ident), 60)
        return item_key

    def last_action_ref(self, risk_id: str) -> str:
        """The locked Lists cell holding a carried risk's last action (no 255-character limit)."""
        assert self.last is not None
        actions = tuple(r.action for r in self.last.open_risks)
        ids = [r.id for r in self.last.open_risks]
        # By the list's defined name: a conditional format may not name another sheet.
        name = self.list_range("Last period's action", actions).lstrip("=")
        return f"INDEX({name},{ids.index(risk_id) + 1})"

    def heading(self, sheet: str, title: str) -> list[FixedCell]:
        """Rows 1-3 of every section sheet: title, what and when, how to fill in."""
        owner = self.p.owners.get(self.p.sections[self._section_of(sheet)].owner)
        due = f" Return by {fmt.long_date(self.identity.due)}." if self.identity.due else ""
        return [
            FixedCell(sheet, 0, 0, f"{title} - {self.period.label} return", "title"),
            FixedCell(
                sheet, 1, 0,
                f"{self.p.council}: {self.p.title}. Period {self.period.label} "
                f"(financial year {self.period.financial_year(self.p.financial_year_start_month)},"
                f" quarter {self.period.quarter(self.p.financial_year_start_month)}). "
                f"Filled in by {owner.name if owner else 'the owner'}.{due}",
                "subtitle",
            ),
            FixedCell(
                sheet, 2, 0,
                "Type in the yellow cells only; grey cells are locked. Choose ratings from "
                "the dropdown. Select a cell to see its guidance.",
                "note",
            ),
        ]

    def _initial_direction(self, risk: Risk | None) -> str | None:
        """A risk from the definition starts at its own direction; carried ones at "same"."""
        if risk is None:
            return None
        return RISK_DIRECTION_LABELS[risk.direction if self.last is None else "same"]

    def _section_of(self, sheet: str) -> str:
        return next(k for k, v in self.p.sections.items() if v.tab == sheet)

    def header(self, sheet: str, row: int, titles: list[str]) -> list[FixedCell]:
        return [FixedCell(sheet, row, col, text, "header") for col, text in enumerate(titles)]

    def rating_inputs(
        self, section: str, sheet: str, row: int, col: int, item_key: str, name: str,
        computed: bool, how: str, reason_col: int | None,
    ) -> tuple[list[InputSpec], list[FixedCell]]:
        """The rating cell of a row: the rating itself (manual) or an override and its reason."""
        inputs, fixed = [], []
        short = fmt.clip(name, 60)
        if computed:
            inputs.append(InputSpec(
                f"{item_key}.override", section, sheet, row, col, RAG,
                f"{short}: override rating",
                prompt_title="Override (optional)",
                prompt=_clip(f"{how} Leave empty to use it. Choose a rating only to override it, "
                             "and give the reason."),
                choices=self.p.scale.labels, list_range=self.rag_range,
            ))
            if reason_col is not None:
                inputs.append(InputSpec(
                    f"{item_key}.override_reason", section, sheet, row, reason_col, TEXT,
                    f"{short}: reason for override",
                    prompt_title="Reason for override",
                    prompt="Required when you override the computed rating: say why, "
                           "in words the committee will read.",
                    max_length=SHORT_TEXT_LIMIT,
                ))
                self.checks.append(CheckItem(
                    f"{short}: reason for the override", (f"{item_key}.override_reason",),
                    "error", when=f"{item_key}.override"))
        else:
            inputs.append(InputSpec(
                f"{item_key}.rating", section, sheet, row, col, RAG,
                f"{short}: this period's rating",
                prompt_title="This period's rating",
                prompt=_clip(f"Choose the rating for {name}."),
                choices=self.p.scale.labels, list_range=self.rag_range,
            ))
            if reason_col is not None:
                fixed.append(FixedCell(sheet, row, reason_col, None, "blank"))
        return inputs, fixed

    # -- sheets

    def instructions(self) -> SheetLayout:
        s = INSTRUCTIONS
        fy_start = self.p.financial_year_start_month
        lines: list[tuple[str, str]] = [
            (f"{self.p.title} - {self.period.label} return", "title"),
            (f"{self.p.council}. For the {self.p.committee}.", "subtitle"),
            ("", "blank"),
            (f"Period: {self.period.label} (financial year "
             f"{self.period.financial_year(fy_start)}, quarter {self.period.quarter(fy_start)})",
             "label"),
            (f"Return by: {fmt.long_date(self.identity.due)}" if self.identity.due
             else "Return by: the date in the covering email", "label"),
            (f"Return to: {self.p.return_to}", "label"),
            ("", "blank"),
            ("Who fills what", "header"),
        ]
        for section in self.identity.sections:
            sec = self.p.sections[section]
            owner = self.p.owners[sec.owner]
            lines.append((f"{sec.tab} sheet ({sec.title}): {owner.name}", "label"))
        lines += [
            ("", "blank"),
            ("How to fill it in", "header"),
            ("1. Type only in the yellow cells. Grey cells are locked: they hold the labels, "
             "budgets and last period's values the committee already has.", "label"),
            ("2. Choose ratings, statuses and months from the dropdown in the cell.", "label"),
            ("3. Select a cell to see its guidance. A cell turns red when its value breaks "
             "the rule for that cell (this can happen when you paste).", "label"),
            ("4. If a figure is not available, leave the figure empty and choose why in "
             "'If no figure, why'.", "label"),
            ("5. Paste values only (Paste Special > Values), so the checks stay in place.",
             "label"),
            (f"6. Open the {CHECK} sheet before you send it: it counts what is still "
             "missing, and the queries not yet explained.", "label"),
            ("7. Save as .xlsx with the same file name and send it back. Do not rename, add "
             "or remove sheets.", "label"),
        ]
        if self.queries_possible:
            lines.append((
                "8. A figure turning orange is a query: it looks unusual (a big change, no "
                "change, a small number...). If it is right, say why in 'Explain a query' on "
                "the same row; for a small number choose Suppress or Publish.", "label"))
        lines += [
            ("", "blank"),
            ("Ratings", "header"),
        ]
        for state in self.p.scale.states:
            lines.append((state.label, f"rag:{state.key}"))
        lines.append((f"{self.p.scale.no_data.label}: shown in the report when there is "
                       "nothing to rate.", f"rag:{self.p.scale.no_data.key}"))
        fixed = [FixedCell(s, i, 0, text or None, style) for i, (text, style) in enumerate(lines)]
        return SheetLayout(s, None, (110,), tuple(fixed), ())

    def rated_table(self, section: str, first_header: str, items: tuple[Any, ...]
                    ) -> tuple[list[FixedCell], list[InputSpec], int]:
        """Heading and one row per rated item: name, last period, this period, override reason.

        Returns the cells and the next free row.  Shared by the overview and the
        deal conditions, which differ only in their items (and the overview's narrative).
        """
        s = self.p.sections[section].tab
        fixed = self.heading(s, self.p.sections[section].title)
        fixed += self.header(s, HEADER_ROW, [first_header, "Last period", "This period",
                                             "Reason for override", "How it is rated"])
        inputs: list[InputSpec] = []
        row = HEADER_ROW + 1
        for item in items:
            key = f"{section}.{item.id}"
            how = _rule_words(self.p, item.rule)
            fixed += [
                FixedCell(s, row, 0, item.name, "label"),
                FixedCell(s, row, 1, self.last_label(key), "last"),
                FixedCell(s, row, 4, how, "guidance"),
            ]
            ins, fx = self.rating_inputs(section, s, row, 2, key, item.name,
                                         item.rule.computed, how, 3)
            inputs += ins
            fixed += fx
            if not item.rule.computed:
                self.checks.append(CheckItem(f"{fmt.clip(item.name, 60)}: rating",
                                             (f"{key}.rating",)))
            row += 1
        return fixed, inputs, row

    def overview(self) -> SheetLayout:
        section = "overview"
        s = self.p.sections[section].tab
        fixed, inputs, row = self.rated_table(section, "Rating", self.p.overview)
        row += 1
        inputs.append(self.narrative_input(section, s, row, "overview", 1, 4))
        fixed.append(FixedCell(s, row, 0, self.narrative_label("overview"), "label"))
        return SheetLayout(s, section, (48, 20, 22, 36, 50), tuple(fixed), tuple(inputs),
                           header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1),
                           row_heights={row: 300})

    def narrative_label(self, key: str) -> str:
        n = self.p.narratives[key]
        return f"{n.label} (up to {n.word_limit} words)"

    def narrative_input(self, section: str, sheet: str, row: int, key: str, col: int,
                        to_col: int) -> InputSpec:
        n = self.p.narratives[key]
        self.checks.append(CheckItem(n.label, (f"{section}.narrative",)))
        return InputSpec(
            f"{section}.narrative", section, sheet, row, col, NARRATIVE, n.label,
            prompt_title=_clip(n.label, 32),
            prompt=_clip(f"{n.guidance} Up to {n.word_limit} words."),
            max_length=EXCEL_TEXT_LIMIT, word_limit=n.word_limit, merge_to_col=to_col,
        )

    def conditions(self) -> SheetLayout:
        section = "conditions"
        fixed, inputs, _row = self.rated_table(section, "Deal condition", self.p.conditions)
        tab = self.p.sections[section].tab
        return SheetLayout(tab, section, (70, 20, 22, 30, 40), tuple(fixed),
                           tuple(inputs), header_row=HEADER_ROW, freeze=(HEADER_ROW + 1, 1))

    def measures(self) -> SheetLayout:
        s, section = self.p.sections["measures"].tab, "measures"
        fixed = self.heading(s, self.p.sections[section].title)
        header_row = 4
        titles = ["Measure", "Detail", "Unit", "Last period figure", "Last period rating",
                  "Figure", "Out of (for a share)", "If no figure, why", "Last update (month)",
                  "This period rating", "Reason for override", "Explain a query",
                  "Last period's explanation", "Small number: publish or suppress"]
        fixed += self.header(s, header_row, titles)
        inputs: list[InputSpec] = []
        month_range = self.list_range("Month", self.months())
        for i, m in enumerate(self.p.measures):
            row = header_row + 1 + i
            key = f"measures.{m.id}"
            short = fmt.clip(m.name, 60)
            unit_words = _UNIT_WORDS[m.unit]
            fixed += [
                FixedCell(s, row, 0, m.name, "label"),
                FixedCell(s, row, 1, m.detail or None, "guidance"),
                FixedCell(s, row, 2, unit_words, "guidance"),
                FixedCell(s, row, 3, self.last_figure(key), "last"),
                FixedCell(s, row, 4, self.last_label(key), "last"),
            ]
            guidance = m.detail or m.name
            figure = InputSpec(
                f"{key}.figure", section, s, row, 5, _FIGURE_KIND[m.unit],
                f"{short}: figure",
                prompt_title=_clip(unit_words, 32),
                prompt=_clip(f"{guidance}. {_UNIT_PROMPTS[m.unit]}"),
                minimum=0,
                maximum=1 if m.unit == "percent" else None,
            )
            if m.unit == "status":
                figure = replace(figure, choices=m.statuses,
                                 list_range=self.list_range(f"Status: {m.id}", m.statuses))
            inputs.append(figure)
            if m.unit == "count_with_share":
                inputs.append(InputSpec(
                    f"{key}.share_base", section, s, row, 6, COUNT, f"{short}: out of",
                    prompt_title="Out of",
                    prompt="The whole group the figure is a share of (a whole number). "
                           "The report shows the figure with its share, e.g. 2 (33%).",
                    minimum=1,
                ))
                self.checks.append(CheckItem(f"{short}: out of", (f"{key}.share_base",),
                                             when=f"{key}.figure"))
            else:
                fixed.append(FixedCell(s, row, 6, None, "blank"))
            inputs.append(InputSpec(
                f"{key}.reason", section, s, row, 7, CHOICE, f"{short}: if no figure, why",
                prompt_title="If no figure, why",
                prompt="Only when there is no figure this period: choose why. "
                       "Leave empty when you give a figure.",
                choices=self.p.figure_reasons, list_range=self.reason_range,
            ))
            inputs.append(InputSpec(
                f"{key}.last_update", section, s, row, 8, MONTH, f"{short}: last update",
                prompt_title="Last update",
                prompt="The month the figure's data is from, e.g. "
                       f"{self.period.previous().label}.",
                choices=self.months(), list_range=month_range,
            ))
            how = _rule_words(self.p, m.rule, measure=m, period=self.period)
            ins, fx = self.rating_inputs(section, s, row, 9, key, m.name, m.rule.computed, how, 10)
            inputs += ins
            fixed += fx
            ins, fx = self.explanation_cells(section, s, row, 11, key, m.name,
                                             key in self.explained_items)
            inputs += ins
            fixed += fx
            if key in self.small_items:
                n = self.p.queries.small_number
                inputs.append(InputSpec(
                    f"{key}.disclosure", section, s, row, 13, CHOICE,
                    f"{short}: publish or suppress a small number",
                    prompt_title="Small number",
                    prompt=_clip(f"Only when the figure is from 1 to {n - 1}: choose Suppress "
                                 f"(the committee papers show 'fewer than {n}'), or Publish and "
                                 "give the reason in 'Explain a query'."),
                    choices=DISCLOSURE_CHOICES,
                    list_range=self.list_range("Small number", DISCLOSURE_CHOICES),
                ))
            else:
                fixed.append(FixedCell(s, row, 13, None, "blank"))
            if m.figure_required:
                self.checks.append(CheckItem(f"{short}: figure, or why there is none",
                                             (f"{key}.figure", f"{key}.reason")))
            self.checks.append(CheckItem(f"{short}: last update", (f"{key}.last_update",),
                                         "warning", when=f"{key}.figure"))
            if not m.rule.computed:
                self.checks.append(CheckItem(f"{short}: rating",
                                             (f"{key}.rating", f"{key}.reason")))
        return SheetLayout(s, section, (44, 44, 14, 16, 18, 16, 12, 26, 14, 20, 30, 36, 30, 18),
                           tuple(fixed), tuple(inputs), header_row=header_row,
                           freeze=(header_row + 1, 1))

    def finance(self) -> SheetLayout:
        s, section = self.p.sections["finance"].tab, "finance"
        fixed = self.heading(s, self.p.sections[section].title)
        inputs: list[InputSpec] = []
        titles = ["Baseline", "Budget", "This quarter", "If no figure, why", "Variance",
                  "Last period rating", "Override rating", "Reason for override",
                  "Explain a query", "Last period's explanation"]
        row = 4
        first_header = row
        for table, table_title in (("kpis", "KPI"), ("mitigations", "Programme Mitigations")):
            rows = [r for r in self.p.finance_rows if r.table == table]
            if not rows:
                continue
            fixed += self.header(s, row, [table_title, *titles])
            row += 1
            for fr in rows:
                key = f"finance.{fr.id}"
                amounts = self.p.finance_for(fr, self.period)
                short = fmt.clip(fr.name, 60)
                last_q = self.last.figures.get(f"{key}.this_quarter") if self.last else None
                fixed += [
                    FixedCell(s, row, 0, fr.name, "label"),
                    FixedCell(s, row, 1, amounts.baseline, "money"),
                    FixedCell(s, row, 2, amounts.budget, "money"),
                    FixedCell(
                        s, row, 5, "",
                        formula=f"=IF(ISNUMBER({a1(row, 3)}),{a1(row, 3)}-{a1(row, 2)},\"\")",
                        style="money", operation="minus",
                        operands=(f"{key}.this_quarter",), constant=amounts.budget,
                    ),
                    FixedCell(s, row, 6, self.last_label(key), "last"),
                ]
                inputs.append(InputSpec(
                    f"{key}.this_quarter", section, s, row, 3, MONEY, f"{short}: this quarter",
                    prompt_title="This quarter (£)",
                    prompt=_clip(
                        "This quarter's forecast for the year, in pounds. "
                        f"{_FAVOURABLE_WORDS[fr.favourable]} is good. "
                        f"Last period: {last_q or self.p.not_reported_label}."),
                ))
                inputs.append(InputSpec(
                    f"{key}.reason", section, s, row, 4, CHOICE, f"{short}: if no figure, why",
                    prompt_title="If no figure, why",
                    prompt="Only when there is no figure this quarter: choose why.",
                    choices=self.p.figure_reasons, list_range=self.reason_range,
                ))
                how = _rule_words(self.p, fr.rule, fr)
                ins, fx = self.rating_inputs(section, s, row, 7, key, fr.name,
                                             fr.rule.computed, how, 8)
                inputs += ins
                fixed += fx
                ins, fx = self.explanation_cells(section, s, row, 9, key, fr.name,
                                                 key in self.explained_items)
                inputs += ins
                fixed += fx
                self.checks.append(CheckItem(f"{short}: this quarter, or why there is none",
                                             (f"{key}.this_quarter", f"{key}.reason")))
                if not fr.rule.computed:
                    self.checks.append(CheckItem(f"{short}: rating", (f"{key}.rating",)))
                row += 1
            row += 1
        inputs.append(self.narrative_input(section, s, row, "finance", 1, 8))
        fixed.append(FixedCell(s, row, 0, self.narrative_label("finance"), "label"))
        return SheetLayout(s, section, (44, 15, 15, 15, 22, 14, 18, 18, 30, 36, 30),
                           tuple(fixed),
                           tuple(inputs), header_row=first_header, freeze=(first_header + 1, 1),
                           row_heights={row: 240})

    def risks(self) -> SheetLayout:
        s, section = self.p.sections["risks"].tab, "risks"
        scoring = self.p.risk_scoring
        fixed = self.heading(s, self.p.sections[section].title)
        header_row = 4
        fixed += self.header(s, header_row, ["ID", "Risk name", "Risk (if ... then ...)",
                                             "Likelihood", "Impact", "Score", "Action",
                                             "Direction", "Target score", "Updated (month)",
                                             "Status", "Explain a query",
                                             "Last period's explanation"])
        carried: tuple[Risk, ...] = self.last.open_risks if self.last else self.p.risks
        carried = tuple(r for r in carried if r.status == "open")
        inputs: list[InputSpec] = []
        direction_labels = tuple(RISK_DIRECTION_LABELS.values())
        dir_range = self.list_range("Direction", direction_labels)
        status_range = self.list_range("Risk status", tuple(RISK_STATUS_LABELS.values()))
        score_range = self.list_range("Risk score", scoring.valid_scores)
        month_range = self.list_range("Month", self.months())
        rows: list[tuple[str, Risk | None]] = [(r.id, r) for r in carried]
        rows += [(f"N{i + 1}", None) for i in range(scoring.spare_rows)]
        for i, (risk_id, risk) in enumerate(rows):
            row = header_row + 1 + i
            key = f"risks.{risk_id}"
            label = risk.name if risk else f"New risk {risk_id[1:]}"
            short = fmt.clip(label, 60)
            fixed.append(FixedCell(s, row, 0, risk_id, "label"))
            if risk:
                fixed += [FixedCell(s, row, 1, risk.name, "label"),
                          FixedCell(s, row, 2, risk.risk, "guidance")]
            else:
                inputs += [
                    InputSpec(f"{key}.name", section, s, row, 1, TEXT, f"{label}: name",
                              prompt_title="New risk: name",
                              prompt="A short name for a new risk. Leave the row empty if "
                                     "there is no new risk.", max_length=200),
                    InputSpec(f"{key}.risk", section, s, row, 2, TEXT, f"{label}: risk",
                              prompt_title="New risk: description",
                              prompt="If this happens then ... (what would follow).",
                              max_length=SHORT_TEXT_LIMIT),
                ]
            grid_prompt = (f"A whole number from 1 to {{max}}. Score = likelihood x impact; "
                           f"bands: {_band_words(self.p)}.")
            inputs += [
                InputSpec(f"{key}.likelihood", section, s, row, 3, GRID, f"{short}: likelihood",
                          prompt_title="Likelihood",
                          prompt=grid_prompt.format(max=scoring.likelihood_max),
                          minimum=1, maximum=scoring.likelihood_max,
                          prefill=risk.likelihood if risk else None),
                InputSpec(f"{key}.impact", section, s, row, 4, GRID, f"{short}: impact",
                          prompt_title="Impact", prompt=grid_prompt.format(max=scoring.impact_max),
                          minimum=1, maximum=scoring.impact_max,
                          prefill=risk.impact if risk else None),
            ]
            score = risk.score if risk else ""
            fixed.append(FixedCell(
                s, row, 5, score,
                formula=f"=IF(AND(ISNUMBER({a1(row, 3)}),ISNUMBER({a1(row, 4)})),"
                        f"{a1(row, 3)}*{a1(row, 4)},\"\")",
                style="value", operation="product",
                operands=(f"{key}.likelihood", f"{key}.impact"),
            ))
            inputs += [
                InputSpec(f"{key}.action", section, s, row, 6, TEXT, f"{short}: action",
                          prompt_title="Action",
                          prompt="What is being done about this risk now.",
                          max_length=SHORT_TEXT_LIMIT, prefill=risk.action if risk else None),
                InputSpec(f"{key}.direction", section, s, row, 7, CHOICE, f"{short}: direction",
                          prompt_title="Direction since last period",
                          prompt="→ Same, ↑ Up (risk increasing), ↓ Down (decreasing), "
                                 "★ New (first reported).",
                          choices=direction_labels, list_range=dir_range,
                          prefill=self._initial_direction(risk)),
                InputSpec(f"{key}.target", section, s, row, 8, SCORE, f"{short}: target score",
                          prompt_title="Target score",
                          prompt="The score this risk should come down to; never above its "
                                 "current score.",
                          choices=tuple(str(v) for v in scoring.valid_scores),
                          list_range=score_range, prefill=risk.target if risk else None),
                InputSpec(f"{key}.updated", section, s, row, 9, MONTH, f"{short}: updated",
                          prompt_title="Updated",
                          prompt="The month this risk was last reviewed.",
                          choices=self.months(), list_range=month_range,
                          prefill=risk.updated.label if risk else None),
                InputSpec(f"{key}.status", section, s, row, 10, CHOICE, f"{short}: status",
                          prompt_title="Status",
                          prompt="Open, or Closed to take it off the log from next period.",
                          choices=tuple(RISK_STATUS_LABELS.values()), list_range=status_range,
                          prefill=RISK_STATUS_LABELS["open"] if risk else None),
            ]
            ins, fx = self.explanation_cells(
                section, s, row, 11, key, label, risk is not None and any(
                    matches(ref, key) for rule in self.risk_rules for ref in rule.of))
            inputs += ins
            fixed += fx
            needed = ("likelihood", "impact", "action", "direction", "target", "updated", "status")
            for part in needed:
                self.checks.append(CheckItem(
                    f"{short}: {part}", (f"{key}.{part}",),
                    when=None if risk else f"{key}.name"))
            if not risk:
                self.checks.append(CheckItem(f"{label}: description", (f"{key}.risk",),
                                             when=f"{key}.name"))
        return SheetLayout(s, section, (6, 30, 50, 11, 9, 8, 50, 14, 10, 12, 10, 36, 30),
                           tuple(fixed),
                           tuple(inputs), header_row=header_row, freeze=(header_row + 1, 2))

    def check_sheet(self, sheets: list[SheetLayout]) -> SheetLayout:
        """Formulas that count what is still missing, with correct cached results."""
        s = CHECK
        by_field = {spec.field: spec for sheet in sheets for spec in sheet.inputs}
        fixed = [
            FixedCell(s, 0, 0, "Check before you return", "title"),
            FixedCell(s, 1, 0, "Required inputs still empty:", "label"),
            FixedCell(s, 2, 0, "Queries not explained:", "label"),
            FixedCell(s, 2, 2, "Rows marked Check are worth a second look but do not stop "
                      "the return. A query is a figure that looks unusual: explain it in the "
                      "cell named, or correct the figure.", "note"),
            FixedCell(s, 3, 0, "What is needed", "header"),
            FixedCell(s, 3, 1, "Where", "header"),
            FixedCell(s, 3, 2, "Status", "header"),
        ]
        cached = check_results(self.checks, by_field, {})
        for i, check in enumerate(self.checks):
            row = CHECK_FIRST_ROW + i
            specs = [by_field[f] for f in check.any_of]
            empty_test = "AND(" + ",".join(
                f"ISBLANK({ref(sp.sheet, sp.row, sp.col, False)})" for sp in specs) + ")"
            if len(specs) == 1:
                empty_test = empty_test[4:-1]
            word = _check_word(check)
            if check.when:
                cond = by_field[check.when]
                formula = (f'=IF(AND(NOT(ISBLANK({ref(cond.sheet, cond.row, cond.col, False)})),'
                           f'{empty_test}),"{word}","OK")')
            else:
                formula = f'=IF({empty_test},"{word}","OK")'
            where = " or ".join(f"{sp.sheet}!{sp.cell}" for sp in specs)
            fixed += [
                FixedCell(s, row, 0, check.label, "label"),
                FixedCell(s, row, 1, where, "guidance"),
                FixedCell(s, row, 2, cached[(row, 2)], "status", formula=formula),
            ]
        last = CHECK_FIRST_ROW + max(len(self.checks), 1) - 1
        fixed.append(FixedCell(
            s, *CHECK_COUNT_CELL, cached[CHECK_COUNT_CELL], "count",
            formula=f'=COUNTIF({a1(CHECK_FIRST_ROW, 2, True)}:{a1(last, 2, True)},"Missing")'))
        fixed += self.query_rows(by_field, last + 2)
        # The Check sheet only helps the person filling in; what it says has no bearing on
        # the values read, so reading skips it (it is half the form's cells).
        fixed = [replace(cell, checked=False) for cell in fixed]
        return SheetLayout(s, None, (60, 40, 14), tuple(fixed), (), header_row=3,
                           freeze=(4, 0))

    def query_rows(self, by_field: dict[str, InputSpec], first: int) -> list[FixedCell]:
        """One Check row per query (Query or OK) and the count of those not explained."""
        s = CHECK
        cached = query_results(self.queries, by_field, {}, first)

        def ref_of(field_key: str) -> str:
            if field_key.startswith("="):
                return field_key[1:]
            spec = by_field[field_key]
            return ref(spec.sheet, spec.row, spec.col, False)

        fixed = [FixedCell(s, first - 1, 0, "Queries: figures to explain (or correct)", "header")]
        for i, check in enumerate(self.queries):
            row = first + i
            fig, note = by_field[check.field], by_field[check.explanation]
            where = f"{fig.sheet}!{fig.cell}; explain in {note.sheet}!{note.cell}"
            if check.disclosure:
                choice = by_field[check.disclosure]
                where += f", or choose in {choice.sheet}!{choice.cell}"
            fixed += [
                FixedCell(s, row, 0, check.label, "label"),
                FixedCell(s, row, 1, where, "guidance"),
                FixedCell(s, row, 2, cached[(row, 2)], "status",
                          formula=f'=IF({formula_open(check, ref_of)},"Query","OK")'),
            ]
        last = first + max(len(self.queries), 1) - 1
        fixed.append(FixedCell(
            s, *QUERY_COUNT_CELL, cached[QUERY_COUNT_CELL], "count",
            formula=f'=COUNTIF({a1(first, 2, True)}:{a1(last, 2, True)},"Query")'))
        return fixed

    def lists_sheet(self) -> SheetLayout:
        fixed = []
        for name, values in self.lists.items():
            col = self._list_cols[name]
            fixed.append(FixedCell(LISTS, 0, col, name, "header"))
            for i, value in enumerate(values):
                fixed.append(FixedCell(LISTS, 1 + i, col, value, "value"))
        widths = tuple(30.0 for _ in self.lists) or (30.0,)
        return SheetLayout(LISTS, None, widths, tuple(fixed), (), hidden=True)


CHECK_FIRST_ROW = 4  # the Check sheet's first check row (zero-based)
CHECK_COUNT_CELL = (1, 1)  # where it counts what is missing
QUERY_COUNT_CELL = (2, 1)  # where it counts the queries not explained


def _plausible(spec: InputSpec, limits: Limits) -> InputSpec:
    """A count or money input bounded by the definition's plausible range.

    Form validation and the validator both read these bounds from the spec,
    so a pasted 1e308 is refused alike by Excel, LibreOffice and hnbxl.
    """
    if spec.kind == COUNT and spec.maximum is None:
        return replace(spec, maximum=limits.count_max)
    if spec.kind == MONEY:
        low = limits.money_min if spec.minimum is None else max(spec.minimum, limits.money_min)
        high = limits.money_max if spec.maximum is None else min(spec.maximum, limits.money_max)
        return replace(spec, minimum=low, maximum=high)
    return spec


def _check_word(check: CheckItem) -> str:
    return "Missing" if check.severity == "error" else "Check"


def formula_result(cell: FixedCell, inputs: dict[str, InputSpec], values: dict[str, Any]
                   ) -> Any:
    """The stored result of a row formula (risk score, variance) for these values."""
    numbers = []
    for field_key in cell.operands:
        value = values.get(field_key, inputs[field_key].prefill)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        numbers.append(value)
    result = (numbers[0] * numbers[1] if cell.operation == "product"
              else numbers[0] - cell.constant)
    # A pasted 1e200 x 1e200 overflows; Excel shows #NUM! there, and a stored
    # "inf" is a non-number in a number cell, which Excel repairs.
    return result if math.isfinite(result) else NUM_ERROR


def check_results(checks: tuple[CheckItem, ...] | list[CheckItem],
                  inputs: dict[str, InputSpec], values: dict[str, Any]
                  ) -> dict[tuple[int, int], Any]:
    """What the Check sheet's formulas give for these values (prefills where none given).

    XlsxWriter stores a formula's result as written and LibreOffice shows that
    until it recalculates, so the stored results must be right for the values
    the workbook is written with: the blank form, a sample, a feedback copy.
    """
    def filled(field_key: str) -> bool:
        value = values.get(field_key, inputs[field_key].prefill)
        return value not in (None, "")

    results: dict[tuple[int, int], Any] = {}
    missing = 0
    for i, check in enumerate(checks):
        applies = check.when is None or filled(check.when)
        status = _check_word(check) if applies and not any(map(filled, check.any_of)) else "OK"
        missing += status == "Missing"
        results[(CHECK_FIRST_ROW + i, 2)] = status
    results[CHECK_COUNT_CELL] = missing
    return results


def query_first_row(layout: FormLayout) -> int:
    """The Check sheet's first query row (zero-based)."""
    return CHECK_FIRST_ROW + max(len(layout.checks), 1) + 1


def canonical_values(inputs: dict[str, InputSpec], values: dict[str, Any],
                     labels: dict[str, str]) -> dict[str, Any]:
    """Values as written into a form (prefills where none given), as the validator types them.

    Only what the query checks compare needs translating: a rating label to its key.
    """
    out = {}
    for key, spec in inputs.items():
        value = values.get(key, spec.prefill)
        if value in (None, ""):
            continue
        out[key] = labels.get(value, value) if spec.kind == RAG else value
    return out


def query_results(queries: tuple[QueryCheck, ...] | list[QueryCheck],
                  inputs: dict[str, InputSpec], values: dict[str, Any], first: int,
                  labels: dict[str, str] | None = None) -> dict[tuple[int, int], Any]:
    """What the Check sheet's query formulas give for these values (see check_results)."""
    typed = canonical_values(inputs, values, labels or {})
    results: dict[tuple[int, int], Any] = {}
    open_ = 0
    for i, check in enumerate(queries):
        status = "Query" if raised(check, typed) and not explained(check, typed) else "OK"
        open_ += status == "Query"
        results[(first + i, 2)] = status
    results[QUERY_COUNT_CELL] = open_
    return results


def _clip(text: str, limit: int = 255) -> str:
    """Excel refuses an input message over 255 characters (titles over 32)."""
    return fmt.clip(fmt.one_line(text), limit)


def _band_words(p: Programme) -> str:
    return ", ".join(
        f"{p.scale.get(b.rag).label.split(' - ')[0].lower()} {b.min}-{b.max}"
        for b in p.risk_scoring.bands
    )


def _rule_words(p: Programme, rule: Any, finance_row: Any = None, measure: Any = None,
                period: Period | None = None) -> str:
    """How a row is rated, in words (and the measure's unit) for the person filling in."""
    kind, params = rule.kind, rule.params
    if kind == "manual":
        return "Rated by the owner."
    if kind == "threshold":
        unit = measure.unit if measure is not None else "count"
        direction = params.get("direction", measure.direction if measure else None)
        found = threshold_at(params, period, p.financial_year_start_month)
        t = format_in_unit(found.target, unit)
        a = format_in_unit(found.amber_limit, unit)
        when = f"{found.when} target" if found.when else "target"
        side = "up to" if direction == "lower" else "from"
        profiled = " (the target is profiled through the year)" if found.when else ""
        return f"Worked out from the figure: {when} {t}, amber {side} {a}{profiled}."
    if kind == "variance":
        side = "under" if finance_row is None or finance_row.favourable == "under" else "over"
        return (f"Worked out from the variance: {side} budget is good; adverse by more than "
                f"{params['amber_tolerance']:.0%} is amber, more than "
                f"{params['red_tolerance']:.0%} red.")
    if kind == "cap":
        caps = ", ".join(f"{fmt.money(v)} in {y}" for y, v in params["caps"].items())
        source = params["source"].split(".", 1)[1]
        row = next((r for r in p.finance_rows if r.id == source), None)
        name = row.name if row else source
        return f"Worked out from {name} against the deal's cap ({caps})."
    if kind == "derived":
        return f"Worked out from {_refs_words(p, params['of'])}."
    return "Worked out by rule."


def _refs_words(p: Programme, refs: tuple[str, ...]) -> str:
    """Derived-rule references as people read them: section titles and row names, not keys."""
    names = {key: name for key, name, _rule in p.rated_items()}
    words = []
    for ref in refs:
        section, _, item = ref.partition(".")
        title = p.sections[section].title if section in p.sections else section
        if item == "*":
            words.append(f"every row of {title}")
        elif ref in names:
            words.append(names[ref])
        else:
            words.append(f"rows of {title}")
    return ", ".join(words)


_FAVOURABLE_WORDS = {"under": "Spend under budget", "over": "Savings over budget"}
_FIGURE_KIND = {
    "count": COUNT,
    "percent": PERCENT,
    "money": MONEY,
    "count_with_share": COUNT,
    "status": CHOICE,
}
_UNIT_WORDS = {
    "count": "Number",
    "percent": "Percentage",
    "money": "Money (£)",
    "count_with_share": "Number (with share)",
    "status": "Status",
}
_UNIT_PROMPTS = {
    "count": "A whole number, 0 or more.",
    # How a percentage is entered.  The input holds the fraction (0.0606 for 6.06%) in
    # a 0.00% cell, validated from 0 to 1.  Typed on the keyboard, Excel's automatic
    # percent entry and LibreOffice 7.4 both turn "6.06" into 6.06% (measured in
    # tests/forms/test_libreoffice_client.py); Excel also takes "6.06%", which
    # LibreOffice refuses as "6.06%%"; a number pasted, or typed where there is no
    # automatic percent entry (older LibreOffice, macros), is 606%, which the
    # validation refuses.  So every way the clients differ on a number of 1 or
    # more ends in a refusal, and the alert says what to type then.  The other
    # design, a cell holding 6.06 with a 0.00"%" format, behaves alike in both
    # but silently stores 0.0606 (shown 0.06%) for "6.06%", most people's habit:
    # a wrong figure no check can see.  What still differs is a number below 1
    # typed without the sign (Excel: 0.5 is 50%; LibreOffice: 0.5%), so the prompt
    # asks people to check what the cell shows.
    "percent": "A percentage from 0 to 100: type 6.06 for 6.06% (Excel and LibreOffice "
               "add the % sign). Check that the cell shows 6.06%.",
    "money": "An amount in pounds, e.g. 17287.",
    "count_with_share": "A whole number; give the group it is out of in the next cell.",
    "status": "Choose from the list.",
}
