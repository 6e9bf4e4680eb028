"""What every sheet builder shares: the programme, the period, last period, and the lists.

A :class:`Builder` holds what building one form needs across its sheets: the
completeness checks collected so far (the Check sheet lists them in the order
the sheets add them), the dropdown lists (each gets the next column of the
hidden Lists sheet the first time a sheet asks for it) and which rows can
raise a query.  The sheet builders (:mod:`hnbxl.forms.rated`,
:mod:`~hnbxl.forms.measures`, :mod:`~hnbxl.forms.finance`,
:mod:`~hnbxl.forms.risks`) are functions of a ``Builder``, so each sheet lives
in its own module and the order in which they are called stays in one place,
:func:`hnbxl.forms.layout.build_layout`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypedDict, Unpack

from hnbxl.core import fmt
from hnbxl.core.keys import FieldKey, ItemKey
from hnbxl.core.periods import Period
from hnbxl.forms.model import (
    COUNT,
    DAYS,
    DECIMAL,
    EXCEL_TEXT_LIMIT,
    LISTS,
    MONEY,
    MONTHS_OFFERED,
    NARRATIVE,
    RISK_DIRECTION_LABELS,
    SHORT_TEXT_LIMIT,
    CheckItem,
    FixedCell,
    Identity,
    InputSpec,
    SheetLayout,
    list_name,
)
from hnbxl.forms.queries import QueryCheck
from hnbxl.forms.words import clip_prompt
from hnbxl.programme.definition import Limits, Programme, Risk, Rule, query_items
from hnbxl.programme.snapshot import PeriodSnapshot
from hnbxl.xlsx.columns import Table


class Builder:
    """One form in the making: what its sheets share, and what they have added so far."""

    def __init__(self, programme: Programme, period: Period, identity: Identity,
                 last: PeriodSnapshot | None):
        self.programme = programme
        self.period = period
        self.identity = identity
        self.last = last
        self.checks: list[CheckItem] = []
        self.spare_risk_ids: tuple[str, ...] = ()  # what each spare risk row's risk will be
        self.lists: dict[str, tuple[Any, ...]] = {}
        self._list_cols: dict[str, int] = {}
        self.queries: list[QueryCheck] = []
        # Rated rows: (item, rule, sheet, row, column of the rule's rating), in form order.
        self.rating_cells: list[tuple[str, Rule, str, int, int]] = []
        # Rows that can raise a query get an explanation cell; small counts a disclosure choice.
        self.explained_items: set[str] = set()
        self.small_items: set[str] = set()
        self.risk_rules = [r for r in programme.queries.rules if r.kind == "risk_action"]
        self.queries_possible = bool(programme.queries.rules)
        for rule in programme.queries.rules:
            if rule.kind == "share":
                self.explained_items.add(FieldKey(rule.params["share"]).item)
            elif rule.kind != "risk_action":
                items = query_items(programme, rule)
                self.explained_items.update(items)
                if rule.kind == "small_number":
                    self.small_items.update(items)

    def mine(self, section: str, rows: tuple[Any, ...]) -> list[Any]:
        """The rows of a section this form asks for: this owner's (each row's owner, else
        the section's) and due this period (a quarterly row only in its due months)."""
        owner = self.identity.owner
        return [r for r in rows if self.programme.holds(owner, ItemKey.make(section, r.id))
                and self.programme.due(section, r, self.period)]

    def owns_section(self, section: str) -> bool:
        """Whether this form holds the section's own fields (its narrative, the risks)."""
        return (self.programme.holds(self.identity.owner, ItemKey.make(section).field("narrative"))
                and self.programme.due(section, None, self.period))

    # -- lists on the hidden Lists sheet (dropdown sources; no 255-character limit)

    def list_range(self, name: str, values: tuple[Any, ...]) -> str:
        """The defined name (``=hnbxl_list_3``) a dropdown and its red-mark rule refer to."""
        if name not in self.lists:
            self._list_cols[name] = len(self.lists)
            self.lists[name] = tuple(values)
        return "=" + list_name(self._list_cols[name])

    @property
    def rag_range(self) -> str:
        return self.list_range("RAG rating", self.programme.scale.labels)

    @property
    def reason_range(self) -> str:
        return self.list_range("No figure because", self.programme.figure_reasons)

    def lists_sheet(self) -> SheetLayout:
        """The hidden Lists sheet: one column per dropdown list, in the order first asked for."""
        fixed = []
        for name, values in self.lists.items():
            col = self._list_cols[name]
            fixed.append(FixedCell(LISTS, 0, col, name, "header"))
            for i, value in enumerate(values):
                fixed.append(FixedCell(LISTS, 1 + i, col, value, "value"))
        widths = tuple(30.0 for _ in self.lists) or (30.0,)
        return SheetLayout(LISTS, None, widths, tuple(fixed), (), hidden=True)

    def months(self) -> tuple[str, ...]:
        out, month = [], self.period
        for _ in range(MONTHS_OFFERED):
            out.append(month.label)
            month = month.previous()
        return tuple(out)

    def last_label(self, item_key: ItemKey) -> str:
        if not self.last:
            return self.programme.scale.no_data.label
        key = self.last.ratings.get(item_key)
        if key is None:
            return self.programme.scale.no_data.label
        try:
            return self.programme.scale.get(key).label
        except KeyError:
            return self.programme.scale.no_data.label

    def last_explanation(self, item_key: ItemKey) -> str | None:
        return self.last.explanations.get(item_key) if self.last else None

    def explanation_cells(self, section: str, sheet: str, row: int, table: Table,
                          item_key: ItemKey, name: str, explained_row: bool
                          ) -> tuple[list[InputSpec], list[FixedCell]]:
        """The explanation input and last period's explanation, in the table's columns.

        Only rows that can raise a query get them; other rows' cells stay blank.
        """
        if not explained_row:
            return [], [blank(table, sheet, row, "explanation"),
                        blank(table, sheet, row, "last_explanation")]
        limit = self.programme.queries.explanation_limit
        spec = InputSpec(
            item_key.field("explanation"), section, sheet, row, table.input_col("explanation"),
            table["explanation"].kind,
            f"{fmt.clip(name, 60)}: explanation of a query",
            prompt_title="Explain a query",
            prompt=clip_prompt("Only when this row's figure is highlighted (a query: it "
                               "looks unusual, see the Check sheet): say why it is right, in "
                               "words the programme office can check. Up to "
                               f"{limit:,} characters."),
            max_length=limit,
        )
        return [spec], [locked(table, sheet, row, "last_explanation",
                               self.last_explanation(item_key))]

    def last_figure(self, item_key: ItemKey) -> str:
        if not self.last:
            return self.programme.not_reported_label
        return self.last.figures.get(item_key, self.programme.not_reported_label)

    def item_name(self, item_key: ItemKey) -> str:
        section, ident = item_key.section, item_key.ident
        if section == "measures":
            return fmt.clip(self.programme.measure(ident).name, 60)
        if section == "finance":
            return fmt.clip(self.programme.finance_row(ident).name, 60)
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
        p = self.programme
        owner = p.owners.get(p.sections[self._section_of(sheet)].owner)
        due = f" Return by {fmt.long_date(self.identity.due)}." if self.identity.due else ""
        return [
            FixedCell(sheet, 0, 0, f"{title} - {self.period.label} return", "title"),
            FixedCell(
                sheet, 1, 0,
                f"{p.council}: {p.title}. Period {self.period.label} "
                f"(financial year {self.period.financial_year(p.financial_year_start_month)},"
                f" quarter {self.period.quarter(p.financial_year_start_month)}). "
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

    def initial_direction(self, risk: Risk | None) -> str | None:
        """A risk from the definition starts at its own direction; carried ones at "same"."""
        if risk is None:
            return None
        return RISK_DIRECTION_LABELS[risk.direction if self.last is None else "same"]

    def _section_of(self, sheet: str) -> str:
        return next(k for k, v in self.programme.sections.items() if v.tab == sheet)

    def header(self, sheet: str, row: int, table: Table) -> list[FixedCell]:
        """A table's header row, from its columns."""
        return [FixedCell(sheet, row, col, text, "header")
                for col, text in enumerate(table.headers)]

    def rating_inputs(
        self, section: str, sheet: str, row: int, table: Table, item_key: ItemKey, name: str,
        rule: Rule, how: str,
    ) -> tuple[list[InputSpec], list[FixedCell]]:
        """The rating cells of a row: the rule's rating, the owner's own and its reason.

        The rule's rating (the table's ``rule_rating`` column) is a locked formula
        the layout fills in once every input's cell is known (:mod:`~hnbxl.forms.ratings`).
        The owner's rating goes in ``rating`` on every form: for a rule-rated row
        only where they disagree, with the reason beside it (``override_reason``);
        for a row no rule rates, always.
        """
        inputs, fixed = [], []
        col = table.input_col("rating")
        reason_col = table.input_col("override_reason")
        short = fmt.clip(name, 60)
        self.rating_cells.append((item_key, rule, sheet, row, table.col("rule_rating")))
        if rule.computed:
            inputs.append(InputSpec(
                item_key.field("override"), section, sheet, row, col, table["rating"].kind,
                f"{short}: your rating (overriding the rule's)",
                prompt_title="Your rating (optional)",
                prompt=clip_prompt(f"The rating from the rule is in the cell to the left. "
                                   f"{how} Leave this empty to use it; choose a rating only "
                                   "if you disagree, and say why in the next cell."),
                choices=self.programme.scale.labels, list_range=self.rag_range,
            ))
            inputs.append(InputSpec(
                item_key.field("override_reason"), section, sheet, row, reason_col,
                table["override_reason"].kind, f"{short}: why you disagree with the rule",
                prompt_title="Why you disagree",
                prompt="Only when you chose your own rating: say why, in words the "
                       "committee will read.",
                max_length=SHORT_TEXT_LIMIT,
            ))
            self.checks.append(CheckItem(
                f"{short}: why you disagree with the rule", (item_key.field("override_reason"),),
                "error", when=item_key.field("override")))
        else:
            inputs.append(InputSpec(
                item_key.field("rating"), section, sheet, row, col, table["rating"].kind,
                f"{short}: your rating",
                prompt_title="Your rating",
                prompt=clip_prompt(f"No rule rates this row: choose the rating for {name}."),
                choices=self.programme.scale.labels, list_range=self.rag_range,
            ))
            fixed.append(FixedCell(sheet, row, reason_col, None, "blank"))
        return inputs, fixed

    # -- sheets

    def narrative_label(self, key: str) -> str:
        n = self.programme.narratives[key]
        return f"{n.label} (up to {n.word_limit} words)"

    def narrative_block(self, section: str, sheet: str, row: int, table: Table,
                        span: tuple[str, str], height: float
                        ) -> tuple[list[InputSpec], list[FixedCell], dict[int, float]]:
        """The section's narrative at ``row`` (label, then a cell across ``span``'s columns),
        or nothing when this form does not hold it (another owner's rows, or not due)."""
        if not self.owns_section(section):
            return [], [], {}
        spec = self.narrative_input(section, sheet, row, section, table.col(span[0]),
                                    table.col(span[1]))
        label = locked(table, sheet, row, "name", self.narrative_label(section))
        return [spec], [label], {row: height}

    def narrative_input(self, section: str, sheet: str, row: int, key: str, col: int,
                        to_col: int) -> InputSpec:
        n = self.programme.narratives[key]
        self.checks.append(CheckItem(n.label, (ItemKey.make(section).field("narrative"),)))
        return InputSpec(
            ItemKey.make(section).field("narrative"), section, sheet, row, col, NARRATIVE, n.label,
            prompt_title=clip_prompt(n.label, 32),
            prompt=clip_prompt(f"{n.guidance} Up to {n.word_limit} words."),
            max_length=EXCEL_TEXT_LIMIT, word_limit=n.word_limit, merge_to_col=to_col,
        )


def plausible(spec: InputSpec, limits: Limits) -> InputSpec:
    """A count or money input bounded by the definition's plausible range.

    Form validation and the validator both read these bounds from the spec,
    so a pasted 1e308 is refused alike by Excel, LibreOffice and hnbxl.
    """
    if spec.kind in (COUNT, DAYS, DECIMAL) and spec.maximum is None:
        return replace(spec, maximum=limits.count_max)
    if spec.kind == MONEY:
        low = limits.money_min if spec.minimum is None else max(spec.minimum, limits.money_min)
        high = limits.money_max if spec.maximum is None else min(spec.maximum, limits.money_max)
        return replace(spec, minimum=low, maximum=high)
    return spec


class LockedOptions(TypedDict, total=False):
    """What :func:`locked` passes on to :class:`FixedCell` beyond its place and value."""

    style: str
    formula: str | None
    merge_to_col: int | None
    checked: bool
    operation: str
    operands: tuple[str, ...]
    constant: float


class InputOptions(TypedDict, total=False):
    """What :func:`table_input` passes on to :class:`InputSpec` (``kind`` overrides the
    column's)."""

    kind: str
    prompt_title: str
    prompt: str
    choices: tuple[str, ...]
    list_range: str
    minimum: float | None
    maximum: float | None
    max_length: int | None
    word_limit: int | None
    prefill: Any
    merge_to_col: int | None
    height: float | None


def locked(table: Table, sheet: str, row: int, field_name: str, value: Any,
           **options: Unpack[LockedOptions]) -> FixedCell:
    """A locked cell in a table's column, styled as the column says (unless told otherwise)."""
    options.setdefault("style", table[field_name].kind or "label")
    return FixedCell(sheet, row, table.col(field_name), value, **options)


def blank(table: Table, sheet: str, row: int, field_name: str) -> FixedCell:
    """A locked empty cell where a row has nothing to show or fill (its column stays drawn)."""
    return FixedCell(sheet, row, table.col(field_name), None, "blank")


def table_input(table: Table, item_key: ItemKey, section: str, sheet: str, row: int,
                part: str, label: str, **options: Unpack[InputOptions]) -> InputSpec:
    """The input for ``part`` of a row (field ``<item_key>.<part>``), in the column of that name.

    Its kind is the column's unless ``kind`` is given (a measure's figure
    follows the measure's unit).
    """
    options["kind"] = options.get("kind") or table[part].kind
    return InputSpec(item_key.field(part), section, sheet, row, table.input_col(part),
                     label=label, **options)
