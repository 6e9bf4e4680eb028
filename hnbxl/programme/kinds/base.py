"""What a rule kind is: the protocol, its default hooks, and what the hooks are given.

A rule kind (how a row is rated: ``threshold``, ``variance``...) is one module
in this package exposing an object that satisfies :class:`RuleKind`: its
parameter type and how the definition gives them (``parse``), how the
compile rates a row with it (``rate``), how the form says so in words
(``words``), and the rating the form works out as it is typed (``form``, then
``formula`` for the spreadsheet and ``label`` for the same in Python, side by
side).  ``kinds/__init__.py`` registers each with one line; the loader, the
compile, the words and the form find a kind here by ``Rule.kind`` and never
name one.

Most kinds rate a row from its own figures.  A kind whose ``reads`` gives the
rows it is made from (``derived``) is rated after them, from their final
ratings (:attr:`RowToRate.ratings`), and worked out in the form from their
rating cells (:attr:`FormRow.rows`): that is the second pass, and the only
one such a kind gets.

Everything here is plain data and pure functions of it, below the forms and
the report, so a kind can be tested without a workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from hnbxl.core.periods import Period
from hnbxl.programme.model import FinanceRow, Measure, Programme, Rule
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.toml_table import Table, TableReader

# --------------------------------------------------------------------------- rating


class Rating(NamedTuple):
    """What one rule gave: a RAG key and the sentence that explains it."""

    key: str
    basis: str


NO_FIGURE = "No figure this period."


@dataclass(frozen=True)
class RuleInputs:
    """What the returns supplied for one period, keyed by item key (``"measures.x"``)."""

    manual: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    figures: dict[str, float | None] = field(default_factory=dict)
    this_quarter: dict[str, float | None] = field(default_factory=dict)
    figure_months: dict[str, Period] = field(default_factory=dict)  # data month, if given


@dataclass(frozen=True)
class RowToRate:
    """One rated row as the compile rates it: its rule and this period's inputs.

    ``ratings`` holds the final rating (after overrides) of every row rated
    before this one, in report order: a kind whose ``reads`` names other rows
    is rated after all of them; for any other kind it is empty.
    """

    programme: Programme
    period: Period
    key: str
    rule: Rule
    inputs: RuleInputs
    ratings: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- the form


#: What the cell of a manual row says: there is no rule, the owner rates it.
NO_RULE = "No rule: give your rating"
#: A check the form cannot work out (its figure is on another owner's form): words only.
ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class RatingCheck:
    """One row's rule as the form works it out: the fields it reads and its constants.

    ``kind`` is the rule's kind, or ``elsewhere`` when it cannot be worked out
    in this workbook (``words`` says why, and is what the cell shows).
    ``params`` are the kind's numbers for this period, baked in.
    """

    item: str
    kind: str
    operands: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    words: str = ""


@dataclass(frozen=True)
class FormRow:
    """One rated row as a form works out its rating.

    ``has`` says whether this form holds a field; ``months`` are the labels a
    last-update dropdown offers.  ``rows`` (the second pass, for a kind that
    reads other rows) maps each rated row of this form whose rating the form
    works out to its check and the cell of that rating.
    """

    programme: Programme
    period: Period
    item: str
    rule: Rule
    has: Callable[[str], bool]
    months: tuple[str, ...]
    rows: Mapping[str, tuple[RatingCheck, str]] = field(default_factory=dict)


# --------------------------------------------------------------------------- the protocol


class RuleKind(Protocol):
    """A rule kind: one module's object, registered by :attr:`name`."""

    @property
    def name(self) -> str:
        """What ``kind = "..."`` says in the definition."""
        ...

    @property
    def params(self) -> type[Params]:
        """Its parameter type: a frozen dataclass deriving from ``Params``."""
        ...

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        """The rule's parameters from its ``[rule]`` table (``unit``: the measure's)."""
        ...

    def check_measure(self, reader: TableReader, t: Table, measure: Measure) -> None:
        """Refuse a measure this rule cannot rate, once the measure is read."""
        ...

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> None:
        """Refuse the rule on a row it cannot rate, or a reference to nothing, once every
        table is read (``where``: the rule's key in the definition)."""
        ...

    def reads(self, params: Params) -> tuple[str, ...] | None:
        """The rows (item keys or ``section.*``) whose final ratings this rule is made
        from; None when it rates a row from the row's own figures."""
        ...

    def rate(self, row: RowToRate) -> Rating:
        """The compile's rating of one row and the sentence that explains it."""
        ...

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        """How the row is rated, in words for the person filling in the form."""
        ...

    def form(self, row: FormRow) -> RatingCheck:
        """The rule with this period's numbers baked in, as the form works it out."""
        ...

    def formula(self, check: RatingCheck, ref: Callable[[str], str]) -> str | None:
        """The rating's label as a spreadsheet formula (with ``=``); ``ref`` gives a
        field's cell.  None when there is nothing to work out (the cell shows words)."""
        ...

    def label(self, check: RatingCheck, values: Mapping[str, Any],
              rules: Mapping[str, str]) -> str:
        """What :meth:`formula` gives for these values (field -> value as written);
        ``rules`` holds the other rows' rule ratings (labels)."""
        ...


class KindBase:
    """What most kinds share: no parameters to read, no measure or definition checks,
    reads no other row, and worked out only when compiled (the form's cell says so
    in words).  A kind overrides what it does differently."""

    name: str
    params: type[Params]

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        return {}

    def check_measure(self, reader: TableReader, t: Table, measure: Measure) -> None:
        return None

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> None:
        return None

    def reads(self, params: Params) -> tuple[str, ...] | None:
        return None

    def form(self, row: FormRow) -> RatingCheck:
        return RatingCheck(row.item, ELSEWHERE, words="Worked out when compiled")

    def formula(self, check: RatingCheck, ref: Callable[[str], str]) -> str | None:
        return None

    def label(self, check: RatingCheck, values: Mapping[str, Any],
              rules: Mapping[str, str]) -> str:
        return check.words
