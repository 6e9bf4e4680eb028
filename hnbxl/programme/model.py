"""The programme model: the typed, checked objects a definition is read into.

Every layer above ``programme`` works from these frozen dataclasses, never from
the TOML, so a rule, a form or the report cannot see a key the loader did not
check.  The names of units and grades live here too because the loader checks
against them and the layers above switch on them; rule kinds are registered
in ``programme/kinds/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hnbxl.core.issues import HnbxlError
from hnbxl.core.keys import ItemKey, matches
from hnbxl.core.periods import Period
from hnbxl.programme.rhythm import MONTHLY, Rhythm
from hnbxl.programme.rule_kinds import QUERY_PARAMS, RULE_PARAMS, NoParams, Params, params_of
from hnbxl.programme.toml_write import toml_key, toml_value

# days: a number of days (decimals allowed); number: a plain number with decimals
# (a ratio, a rate per 10,000)
UNITS = ("count", "percent", "money", "count_with_share", "status", "days", "number")
DIRECTIONS = ("lower", "higher")
RISK_DIRECTIONS = ("same", "up", "down", "new")
GRADES = ("green", "amber", "red")
SECTION_KEYS = ("overview", "conditions", "measures", "finance", "risks")
# Query rules: a figure that looks wrong is not always wrong; the return explains it.
QUERY_KINDS = ("moved", "unchanged", "rating_vs_figure", "savings_over_budget", "risk_action",
               "small_number", "share")
NUMERIC_UNITS = ("count", "percent", "money", "count_with_share", "days", "number")
COUNT_UNITS = ("count", "count_with_share")
#: Column headings of the report's tables: the seed report's words unless ``[headings]`` says.
DEFAULT_HEADINGS = {
    "last_period": "Last Period",
    "this_period": "This Period",
    "baseline": "Baseline",
    "budget": "Budget",
    "this_quarter": "This Quarter",
    "variance": "Variance",
}


class DefinitionError(HnbxlError):
    """A bad programme definition: names the file, the key and the line."""

    def __init__(self, source: str, key: str, message: str, line: int | None = None):
        self.source, self.key, self.line = source, key, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {key}: {message}")



@dataclass(frozen=True)
class RagState:
    key: str
    label: str
    colour: str
    font_colour: str
    rank: int  # position in the scale, 0 is best; the no-data state ranks after the worst
    grade: str | None = None  # green, amber or red: what a rule's result shows as this state


@dataclass(frozen=True)
class RagScale:
    """The programme's rating states, best first, and what a rule's grade shows as.

    Rules give a *grade* (green, amber or red), never a position: a BRAG scale
    puts a blue "Complete" first, so "first state = best grade" would rate a
    measure between target and limit "On track".  Each grade shows as the
    first state in scale order that carries it.  States without a grade
    (Complete, Not started, Paused) are chosen only by owners.  A scale that
    carries no amber shows an amber result as its red state (the cautious
    side); green and red must always be carried.
    """

    states: tuple[RagState, ...]
    no_data: RagState

    def get(self, key: str) -> RagState:
        for state in (*self.states, self.no_data):
            if state.key == key:
                return state
        raise KeyError(key)

    def for_grade(self, grade: str) -> RagState:
        """The state a rule's ``grade`` shows as (see the class docstring)."""
        if grade not in GRADES:
            raise ValueError(f"{grade!r} is not a grade ({', '.join(GRADES)})")
        for wanted in (grade, "red") if grade == "amber" else (grade,):
            for state in self.states:
                if state.grade == wanted:
                    return state
        raise KeyError(grade)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(state.label for state in self.states)



@dataclass(frozen=True)
class Rule:
    """A RAG rule as data.  ``params`` holds the kind's own settings, checked on load,
    as the kind's parameter type (:mod:`hnbxl.programme.rule_kinds`; a plain mapping
    given is turned into it)."""

    kind: str  # a registered kind (programme/kinds/), made into its parameter type below
    params: Params = field(default_factory=NoParams)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", params_of(RULE_PARAMS, self.kind, self.params))

    @property
    def computed(self) -> bool:
        """Computed rules may be overridden by an owner with a written reason."""
        return self.kind != "manual"


@dataclass(frozen=True)
class QueryRule:
    """A query rule as data: which rows it looks at (``of``) and its own settings.

    ``params`` holds the kind's settings, checked on load: ``share`` and
    ``amount`` (moved), ``rose`` and ``above_target`` (risk_action),
    ``share``/``count``/``base`` field keys and ``tolerance`` (share).
    """

    kind: str
    of: tuple[str, ...]
    params: Params = field(default_factory=NoParams)
    message: str = ""  # what the committee's officer reads; the kind's wording when empty

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", params_of(QUERY_PARAMS, self.kind, self.params))


@dataclass(frozen=True)
class QuerySettings:
    small_number: int = 5  # a count from 1 up to this, less one, is a small number
    explanation_limit: int = 1000  # characters an explanation cell takes
    rules: tuple[QueryRule, ...] = ()


@dataclass(frozen=True)
class Owner:
    key: str
    name: str
    fills: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    owner: str
    tab: str = ""  # the sheet tab: ``tab``, else the title made a legal tab name
    # how lists name the section (Ratings Over Time, the export): ``name``, else the tab
    name: str = ""
    rhythm: Rhythm = MONTHLY  # how often the section reports (rows may differ)


#: ``[words]`` keys whose neutral default is a fixed word (the others default to
#: words of the definition itself: see :class:`Words`).
WORD_DEFAULTS = {
    "kpi": "Finance line",
    "kpis": "",
    "mitigation": "Mitigation",
    "mitigations": "Mitigations",
    "trajectory_tab": "Trajectory",
    "trajectory_title": "Trajectory against the cap",
    "trajectory_figure": "Figure",
    "cap": "Cap",
    "the_cap": "the cap",
}


@dataclass(frozen=True)
class Words:
    """The forms' and report's fixed words that are a programme's own (``[words]``).

    Wiltshire's "Deal condition", "KPI" or "the deal's cap" are not another
    council's words, so none is in code: each has a neutral default, and
    those a definition already says (a section's title, the cap rule's
    figure) default to it.  The loader fills every one, so the layers above
    read finished words.
    """

    condition: str = "Condition"  # first column of the conditions table (its section title)
    kpi: str = WORD_DEFAULTS["kpi"]  # first column of the KPIs table
    kpis: str = WORD_DEFAULTS["kpis"]  # the caption above it ("" for none)
    mitigation: str = WORD_DEFAULTS["mitigation"]  # first column of the mitigations table
    mitigations: str = WORD_DEFAULTS["mitigations"]  # the caption above it
    trajectory_tab: str = WORD_DEFAULTS["trajectory_tab"]  # the cap rule's sheet
    trajectory_title: str = WORD_DEFAULTS["trajectory_title"]
    trajectory_figure: str = WORD_DEFAULTS["trajectory_figure"]  # column, axis, series
    trajectory_subject: str = "figure"  # in sentences (the cap rule's figure's name)
    cap: str = WORD_DEFAULTS["cap"]  # as a column and series name
    the_cap: str = WORD_DEFAULTS["the_cap"]  # in a sentence
    keywords: tuple[str, ...] = ()  # the report's document keywords


def in_sentence(words: str) -> str:
    """``Deal conditions`` as in "No deal conditions"; ``KPIs`` and ``DSG ...`` stay."""
    if len(words) > 1 and words[0].isupper() and not words[1].isupper():
        return words[0].lower() + words[1:]
    return words


def sentence_start(words: str) -> str:
    """``cumulative DSG deficit`` at the start of a title: ``Cumulative DSG deficit``."""
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class Narrative:
    key: str
    label: str
    word_limit: int
    guidance: str


@dataclass(frozen=True)
class RatedItem:
    """An overview rating or a deal condition."""

    id: str
    name: str
    rule: Rule
    owner: str | None = None  # the row's own owner; None: the section's
    rhythm: Rhythm | None = None  # how often the row reports; None: as its section


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    detail: str
    unit: str
    direction: str | None
    rule: Rule
    statuses: tuple[str, ...] = ()
    figure_required: bool = True
    # a year-to-date total: it grows through the financial year and starts again at its
    # start, so queries compare the month's increment, not the total
    cumulative: bool = False
    owner: str | None = None  # the row's own owner; None: the section's
    rhythm: Rhythm | None = None  # how often the row reports; None: as its section


@dataclass(frozen=True)
class FinanceAmounts:
    baseline: float
    budget: float


@dataclass(frozen=True)
class FinanceRow:
    id: str
    name: str
    table: str  # "kpis" or "mitigations"
    favourable: str  # "under" (spend) or "over" (savings)
    amounts: dict[str, FinanceAmounts]
    rule: Rule
    owner: str | None = None  # the row's own owner; None: the section's
    rhythm: Rhythm | None = None  # how often the row reports; None: as its section


#: A rated row of a section: what :meth:`Programme.rows` gives (risks are not rows).
SectionRow = RatedItem | Measure | FinanceRow


@dataclass(frozen=True)
class RiskBand:
    rag: str
    min: int
    max: int


@dataclass(frozen=True)
class Limits:
    """The plausible range of a count and of an amount of money, from ``[limits]``.

    A pasted 1e308 is a number a workbook can hold, but no council counts ten
    million children or spends ten billion pounds on one line; a figure past
    these limits is an error naming the cell, not a 411-digit count in a
    committee report.  The form's validation uses the same limits.
    """

    count_max: int = 10_000_000
    money_min: float = -10_000_000_000.0
    money_max: float = 10_000_000_000.0


@dataclass(frozen=True)
class RiskScoring:
    likelihood_max: int
    impact_max: int
    bands: tuple[RiskBand, ...]
    spare_rows: int
    # a new risk's id is this prefix and the next free number (R -> R6, NR -> NR6)
    id_prefix: str = "R"

    @property
    def valid_scores(self) -> tuple[int, ...]:
        return tuple(
            sorted(
                {
                    a * b
                    for a in range(1, self.likelihood_max + 1)
                    for b in range(1, self.impact_max + 1)
                }
            )
        )

    def band_for(self, score: int) -> str | None:
        for band in self.bands:
            if band.min <= score <= band.max:
                return band.rag
        return None


@dataclass(frozen=True)
class Risk:
    id: str
    name: str
    risk: str
    likelihood: int
    impact: int
    action: str
    direction: str
    target: int
    updated: Period
    status: str = "open"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


@dataclass(frozen=True)
class Programme:
    id: str
    council: str
    title: str
    committee: str
    frequency: str
    financial_year_start_month: int
    form_version: int
    not_applicable: str  # the figure reason that n/a, NA or - typed in a figure cell means
    not_reported_label: str
    return_to: str
    scale: RagScale
    owners: dict[str, Owner]
    sections: dict[str, Section]
    narratives: dict[str, Narrative]
    overview: tuple[RatedItem, ...]
    conditions: tuple[RatedItem, ...]
    measures: tuple[Measure, ...]
    figure_reasons: tuple[str, ...]
    finance_rows: tuple[FinanceRow, ...]
    risk_scoring: RiskScoring
    risks: tuple[Risk, ...]
    source: str
    hash: str
    limits: Limits = Limits()
    headings: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_HEADINGS))
    # the TOML as read: history keeps it, keyed by hash, so returns made from this
    # version can be read through its own layout after the definition changes
    text: str = field(default="", repr=False, compare=False)
    queries: QuerySettings = QuerySettings()
    # a financial year's note from ``[years."2024/25"] note``: "illustrative figures"
    year_notes: dict[str, str] = field(default_factory=dict)
    words: Words = Words()

    def sections_of(self, owner: str | None) -> tuple[str, ...]:
        """Section keys an owner fills (all of it, or rows of it), in report order.

        ``None`` means all.  A row may name its own owner (``owner`` on the row),
        so an owner also fills the sections where only some rows are theirs.
        """
        return tuple(
            key for key, sec in self.sections.items()
            if owner is None or sec.owner == owner
            or any(self.owner_of(key, row) == owner for row in self.rows(key))
        )

    def rows(self, section: str) -> tuple[SectionRow, ...]:
        """The rated rows of a section, in order (risks are the section owner's)."""
        rows: dict[str, tuple[SectionRow, ...]] = {
            "overview": self.overview, "conditions": self.conditions,
            "measures": self.measures, "finance": self.finance_rows}
        return rows.get(section, ())

    def owner_of(self, section: str, row: SectionRow | None = None) -> str:
        """Who fills a row (its own owner, else the section's); no row: the section's."""
        own = row.owner if row is not None else None
        return own if own is not None else self.sections[section].owner

    def rhythm_of(self, section: str, row: SectionRow | None = None) -> Rhythm:
        """How often a row reports (its own rhythm, else its section's)."""
        own = row.rhythm if row is not None else None
        return own if own is not None else self.sections[section].rhythm

    def due(self, section: str, row: SectionRow | None, period: Period) -> bool:
        """Whether the form for ``period`` asks for the row (``None``: the section's own fields)."""
        return self.rhythm_of(section, row).is_due(period)

    def sections_due(self, owner: str | None, period: Period) -> tuple[str, ...]:
        """The sections an owner's form for ``period`` holds: some row or field of theirs is due."""
        return tuple(
            key for key in self.sections_of(owner)
            if (self.holds(owner, f"{key}.narrative") and self.due(key, None, period))
            or any(self.holds(owner, f"{key}.{r.id}") and self.due(key, r, period)
                   for r in self.rows(key)))

    def row_of(self, item_key: str) -> tuple[str, Any]:
        """(section, row) of an item key; the row is None for a section's own fields."""
        section, _, item_id = item_key.partition(".")
        return section, next((r for r in self.rows(section) if r.id == item_id), None)

    def shared(self, section: str) -> bool:
        """Whether some row of the section has an owner other than the section's."""
        return any(self.owner_of(section, r) != self.sections[section].owner
                   for r in self.rows(section))

    def holds(self, owner: str | None, item_key: str) -> bool:
        """Whether the form of ``owner`` (None or "all": every section) holds an item.

        A rated row is its owner's; anything else of a section (a narrative,
        the risks) is the section owner's.
        """
        if owner is None or owner == "all":
            return True
        section, item_id = ItemKey(item_key).section, ItemKey(item_key).ident
        if section not in self.sections:
            return False
        row = next((r for r in self.rows(section) if r.id == item_id), None)
        return self.owner_of(section, row) == owner

    def finance_for(self, row: FinanceRow, period: Period) -> FinanceAmounts:
        """The year's baseline and budget; a definition error naming the year when absent."""
        year = period.financial_year(self.financial_year_start_month)
        try:
            return row.amounts[year]
        except KeyError:
            raise missing_amounts_error(self, year, period) from None

    def rated_items(self) -> Iterator[tuple[ItemKey, str, Rule]]:
        """Every rated row as (item key, name, rule), in report order."""
        for item in self.overview:
            yield ItemKey.make("overview", item.id), item.name, item.rule
        for item in self.conditions:
            yield ItemKey.make("conditions", item.id), item.name, item.rule
        for measure in self.measures:
            yield ItemKey.make("measures", measure.id), measure.name, measure.rule
        for row in self.finance_rows:
            yield ItemKey.make("finance", row.id), row.name, row.rule

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def finance_row(self, row_id: str) -> FinanceRow:
        return next(r for r in self.finance_rows if r.id == row_id)



def missing_amounts_error(p: Programme, year: str, period: Period) -> DefinitionError:
    """One error naming every finance row without ``year``'s amounts, with the lines to add.

    A new financial year is the month the plan starts; naming one row per run
    meant nine runs and nine edits.  The lines carry each row's latest amounts
    forward, to be edited, and ``hnbxl definition next-year`` writes them.
    """
    missing = [r.id for r in p.finance_rows if year not in r.amounts]
    error = DefinitionError(
        p.source, "finance amounts",
        f"no baseline and budget for {year} (the financial year of {period.label}) for "
        f"{len(missing)} finance row{'s' if len(missing) != 1 else ''}: {', '.join(missing)}. "
        f"Run `hnbxl definition next-year {year}` to add them, carried forward from each "
        "row's latest year for you to edit, or add the lines below to the definition:")
    error.detail = "\n".join(amounts_lines(p, year))
    return error


def amounts_lines(p: Programme, year: str) -> list[str]:
    """``[years."2024/25".amounts]`` and a line for each finance row lacking ``year``.

    Each line carries the row's latest earlier amounts forward (whole pounds
    stay whole) with a comment saying whose they are, so nothing reads as an
    agreed budget until someone edits it; a row with no earlier year gets zeros.
    """
    out = [f"[years.{toml_key(year)}.amounts]"]
    for row in p.finance_rows:
        if year in row.amounts:
            continue
        earlier = sorted(y for y in row.amounts if y < year)
        src = row.amounts[earlier[-1]] if earlier else FinanceAmounts(0, 0)
        value = {"baseline": _pounds(src.baseline), "budget": _pounds(src.budget)}
        said = f"{earlier[-1]}'s carried forward: edit" if earlier else "fill in"
        out.append(f"{toml_key(row.id)} = {toml_value(value)}  # {said}")
    return out


def _pounds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def query_items(p: Programme, rule: QueryRule) -> tuple[ItemKey, ...]:
    """The item keys a query rule looks at, in form order (risks: ``risks.*`` patterns kept).

    A pattern takes in only the rows the kind applies to (a moved rule on
    ``measures.*`` skips status measures); the loader refuses an exact key the
    kind cannot apply to.
    """
    out = []
    for key in query_candidates(p, rule.kind):
        if any(matches(ref, key) for ref in rule.of):
            out.append(key)
    return tuple(out)


def query_candidates(p: Programme, kind: str) -> tuple[ItemKey, ...]:
    measures = {
        "moved": NUMERIC_UNITS, "unchanged": NUMERIC_UNITS, "rating_vs_figure": NUMERIC_UNITS,
        "small_number": COUNT_UNITS,
    }.get(kind, ())
    keys = [ItemKey.make("measures", m.id) for m in p.measures if m.unit in measures
            and (kind != "rating_vs_figure" or m.direction is not None)]
    if kind in ("moved", "unchanged"):
        keys += [ItemKey.make("finance", r.id) for r in p.finance_rows]
    if kind == "savings_over_budget":
        keys += [ItemKey.make("finance", r.id) for r in p.finance_rows if r.favourable == "over"]
    return tuple(keys)

