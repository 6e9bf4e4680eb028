"""The programme definition: a TOML file read once into typed, checked objects.

Everything the form, the reader, the rules and the report need to know about a
programme lives here, so another council's programme is a new TOML file, not
new code.  Loading checks every key (unknown, missing, wrong type, duplicate
id, a rule that points at nothing) and names the key and, where it can be
found in the text, the line, because the person editing the file is an
officer, not a programmer.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from hnbxl.core.fileio import sha256_hex
from hnbxl.core.issues import HnbxlError
from hnbxl.core.periods import Period, PeriodError, parse_financial_year
from hnbxl.programme.derived import derived_order, matches
from hnbxl.programme.thresholds import profile_keys, share_value, unit_value

UNITS = ("count", "percent", "money", "count_with_share", "status")
DIRECTIONS = ("lower", "higher")
RULE_KINDS = ("manual", "threshold", "variance", "band", "derived", "cap")
RISK_DIRECTIONS = ("same", "up", "down", "new")
GRADES = ("green", "amber", "red")
SECTION_KEYS = ("overview", "conditions", "measures", "finance", "risks")
# Query rules: a figure that looks wrong is not always wrong; the return explains it.
QUERY_KINDS = ("moved", "unchanged", "rating_vs_figure", "savings_over_budget", "risk_action",
               "small_number", "share")
NUMERIC_UNITS = ("count", "percent", "money", "count_with_share")
COUNT_UNITS = ("count", "count_with_share")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
DEFAULT_DEFINITION = "wiltshire-hnb.toml"
#: Column headings of the report's tables: the seed report's words unless ``[headings]`` says.
DEFAULT_HEADINGS = {
    "last_period": "Last Period",
    "this_period": "This Period",
    "baseline": "Baseline",
    "budget": "Budget",
    "this_quarter": "This Quarter",
    "variance": "Variance",
}
#: Sheet names hnbxl uses itself (forms and report); a section's tab may not take one.
RESERVED_TABS = frozenset(name.casefold() for name in (
    "Instructions", "Check", "Lists", "Data Quality", "Notes", "Sources", "Officer Checks",
    "Identity", "History"))
_TAB_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class DefinitionError(HnbxlError):
    """A bad programme definition: names the file, the key and the line."""

    def __init__(self, source: str, key: str, message: str, line: int | None = None):
        self.source, self.key, self.line = source, key, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {key}: {message}")


# --------------------------------------------------------------------------- model


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
    """A RAG rule as data.  ``params`` holds the kind's own settings, checked on load."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)

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
    params: dict[str, Any] = field(default_factory=dict)
    message: str = ""  # what the committee's officer reads; the kind's wording when empty


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

    def sections_of(self, owner: str | None) -> tuple[str, ...]:
        """Section keys an owner fills, in report order; ``None`` means all."""
        return tuple(
            key for key, sec in self.sections.items() if owner is None or sec.owner == owner
        )

    def finance_for(self, row: FinanceRow, period: Period) -> FinanceAmounts:
        """The year's baseline and budget; a definition error naming the year when absent."""
        year = period.financial_year(self.financial_year_start_month)
        try:
            return row.amounts[year]
        except KeyError:
            raise DefinitionError(
                self.source,
                f"finance row '{row.id}' amounts",
                f"no baseline and budget for {year}, the financial year of {period.label}; "
                f'add amounts."{year}" = {{ baseline = ..., budget = ... }}',
            ) from None

    def rated_items(self) -> Iterator[tuple[str, str, Rule]]:
        """Every rated row as (item key, name, rule), in report order."""
        for item in self.overview:
            yield f"overview.{item.id}", item.name, item.rule
        for item in self.conditions:
            yield f"conditions.{item.id}", item.name, item.rule
        for measure in self.measures:
            yield f"measures.{measure.id}", measure.name, measure.rule
        for row in self.finance_rows:
            yield f"finance.{row.id}", row.name, row.rule

    def measure(self, measure_id: str) -> Measure:
        return next(m for m in self.measures if m.id == measure_id)

    def finance_row(self, row_id: str) -> FinanceRow:
        return next(r for r in self.finance_rows if r.id == row_id)


# --------------------------------------------------------------------------- loading


def default_definition_path() -> Path:
    """The embedded Wiltshire programme, wherever the package is installed."""
    return Path(str(resources.files("hnbxl") / "data" / DEFAULT_DEFINITION))


def load_programme(path: str | Path | None = None) -> Programme:
    """Read and check a programme definition; the embedded default when ``path`` is None."""
    path = Path(path) if path is not None else default_definition_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HnbxlError(f"{path}: no such programme definition") from None
    except UnicodeDecodeError as exc:
        raise HnbxlError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_programme(text, str(path))


def parse_programme(text: str, source: str = "<definition>") -> Programme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise DefinitionError(source, "TOML", str(exc), line) from None
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = sha256_hex(canonical.encode("utf-8"))
    return _Loader(source, text).programme(data, digest)


def _line_from_message(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m[1]) if m else None


class _Table:
    """A TOML table being read: tracks its key path and which keys were used."""

    def __init__(self, loader: _Loader, data: Any, path: str):
        self.loader, self.path = loader, path
        if not isinstance(data, dict):
            loader.fail(path, f"expected a table, found {_type_name(data)}")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is ...:
                typo = difflib.get_close_matches(name, [k for k in self.data if k not in
                                                        self.used], n=1, cutoff=0.75)
                if typo:  # the typo is the error, not the key it hides
                    self.loader.fail(self.key(typo[0]),
                                     f"unknown key '{typo[0]}' (did you mean {name}?)")
                self.loader.fail(self.key(name), "missing; this key is required")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.loader.fail(self.key(name), f"expected {_kind_words(kinds)}, found true/false")
        if int in kinds and float in kinds and isinstance(value, int):
            return value
        if not isinstance(value, kinds):
            self.loader.fail(
                self.key(name), f"expected {_kind_words(kinds)}, found {_type_name(value)}"
            )
        return value

    def text(self, name: str, default: Any = ..., allow_empty: bool = False) -> str:
        value = self.get(name, str, default)
        if isinstance(value, str) and not allow_empty and not value.strip():
            self.loader.fail(self.key(name), "is empty; give the text")
        return value

    def choice(self, name: str, options: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(name, str, default)
        if value is not None and value not in options:
            self.loader.fail(
                self.key(name), f"'{value}' is not one of: {', '.join(options)}"
            )
        return value

    def integer(self, name: str, low: int, high: int, default: Any = ...) -> int:
        value = self.get(name, int, default)
        if value is not None and not low <= value <= high:
            self.loader.fail(self.key(name), f"{value} is outside {low}-{high}")
        return value

    def number(self, name: str, default: Any = ...) -> float:
        return self.get(name, (int, float), default)

    def table(self, name: str, default: Any = ...) -> _Table:
        value = self.get(name, dict, default)
        return _Table(self.loader, value if value is not None else {}, self.key(name))

    def tables(self, name: str, required: bool = True) -> list[_Table]:
        value = self.get(name, list, ... if required else [])
        out = []
        for i, item in enumerate(value):
            out.append(_Table(self.loader, item, f"{self.key(name)}[{i}]"))
        if required and not out:
            self.loader.fail(self.key(name), "is empty; at least one entry is needed")
        return out

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(self.used), n=1, cutoff=0.6)
            hint = (f"did you mean {close[0]}?" if close else
                    f"known keys here are: {', '.join(sorted(self.used))}")
            self.loader.fail(self.key(unknown[0]), f"unknown key '{unknown[0]}' ({hint})")


def _type_name(value: Any) -> str:
    return {
        str: "text", int: "a whole number", float: "a number", bool: "true/false",
        list: "a list", dict: "a table",
    }.get(type(value), type(value).__name__)


def _kind_words(kinds: tuple[type, ...]) -> str:
    return " or ".join(_type_name(k()) if k is not type(None) else "nothing" for k in kinds)


class _Loader:
    def __init__(self, source: str, text: str):
        self.source, self.text = source, text
        self.fy_start = 4  # read from [programme] before any rule needs it
        self.paths: dict[str, str] = {}  # item key ("measures.x") -> its table ("measures[3]")

    def fail(self, key: str, message: str) -> None:
        raise DefinitionError(self.source, key, message, _find_line(self.text, key))

    # -- sections of the file

    def limits(self, t: _Table) -> Limits:
        """``[limits]``: every key optional; the defaults suit a council programme."""
        default = Limits()
        count_max = t.integer("count_max", 1, 10**15, default.count_max)
        money_min = t.number("money_min", default.money_min)
        money_max = t.number("money_max", default.money_max)
        for key, value in (("money_min", money_min), ("money_max", money_max)):
            if not -1e15 <= value <= 1e15:
                self.fail(t.key(key), f"{value:g} is outside -1e15 to 1e15 (pounds)")
        if money_min >= money_max:
            self.fail(t.key("money_max"), f"{money_max:g} is not above money_min {money_min:g}")
        t.done()
        return Limits(count_max, float(money_min), float(money_max))

    def programme(self, data: dict[str, Any], digest: str) -> Programme:
        root = _Table(self, data, "")
        prog = root.table("programme")
        self.fy_start = prog.integer("financial_year_start_month", 2, 12, 4)
        scale = self.scale(root)
        owners = self.owners(root.table("owners"))
        sections = self.sections(root.table("sections"), owners)
        narratives = self.narratives(root.table("narratives"))
        overview = tuple(self.rated(t) for t in root.tables("overview"))
        conditions = tuple(self.rated(t) for t in root.tables("conditions"))
        measures = tuple(self.measure(t) for t in root.tables("measures"))
        statuses = root.table("figure_statuses")
        reasons = tuple(self.text_list(statuses, "reasons"))
        not_applicable = statuses.text("not_applicable", "NA")
        statuses.done()
        finance = root.table("finance")
        amber_tol = finance.number("amber_tolerance", 0.0)
        red_tol = finance.number("red_tolerance", 0.05)
        rows = [
            self.finance_row(t, "kpis", amber_tol, red_tol) for t in finance.tables("kpis")
        ] + [
            self.finance_row(t, "mitigations", amber_tol, red_tol)
            for t in finance.tables("mitigations", required=False)
        ]
        finance.done()
        scoring = self.scoring(root.table("risk_scoring"))
        risks = tuple(self.risk(t, scoring) for t in root.tables("risks", required=False))
        if not scoring.id_prefix:
            scoring = replace(scoring, id_prefix=default_risk_prefix(r.id for r in risks))
        limits = self.limits(root.table("limits", None))
        queries = self.queries(root.table("queries", None), measures)

        programme = Programme(
            id=self.programme_id(prog),
            council=prog.text("council"),
            title=prog.text("title"),
            committee=prog.text("committee"),
            frequency=prog.choice("frequency", ("monthly",), "monthly"),
            financial_year_start_month=prog.integer("financial_year_start_month", 2, 12, 4),
            form_version=prog.integer("form_version", 1, 9999, 1),
            not_applicable=not_applicable,
            not_reported_label=prog.text("not_reported_label", "Not reported"),
            return_to=prog.text("return_to", "the programme officer"),
            scale=scale,
            owners=owners,
            sections=sections,
            narratives=narratives,
            overview=overview,
            conditions=conditions,
            measures=measures,
            figure_reasons=reasons if not_applicable in reasons else (*reasons, not_applicable),
            finance_rows=tuple(rows),
            risk_scoring=scoring,
            risks=risks,
            source=self.source,
            hash=digest,
            limits=limits,
            headings=self.headings(root),
            text=self.text,
            queries=queries,
        )
        prog.done()
        root.done()
        self.check_ids(programme)
        self.check_rules(programme)
        self.check_queries(programme)
        return programme

    def ident(self, table: _Table, name: str) -> str:
        value = table.text(name)
        if not _ID.match(value):
            self.fail(
                table.key(name),
                f"'{value}' is not a usable id; use letters, digits and _ "
                "(start with a letter, at most 40)",
            )
        return value

    def programme_id(self, table: _Table) -> str:
        value = table.text("id")
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", value):
            self.fail(table.key("id"),
                      f"'{value}' is not a usable programme id; use a-z, 0-9 and -")
        return value

    def text_list(self, table: _Table, name: str) -> list[str]:
        values = table.get(name, list)
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                self.fail(f"{table.key(name)}[{i}]", "expected non-empty text")
        if len(set(values)) != len(values):
            self.fail(table.key(name), "has the same entry twice")
        return values

    def scale(self, root: _Table) -> RagScale:
        states = []
        tables = root.tables("rag")
        for i, t in enumerate(tables):
            states.append(self.rag_state(t, i))
        if len(states) < 2:
            self.fail("rag", "needs at least two states, best first")
        graded = [s for s in states if s.grade is not None]
        if not graded:
            if len(states) != 3:
                self.fail("rag[0].grade" if states else "rag",
                          f"the scale has {len(states)} states, so each state a rule may give "
                          'needs grade = "green", "amber" or "red" (only a three-state scale '
                          "may leave grades out: then they are green, amber, red in order)")
            states = [replace(s, grade=g) for s, g in zip(states, GRADES, strict=True)]
        else:
            for grade in ("green", "red"):
                if not any(s.grade == grade for s in states):
                    self.fail("rag", f'no state has grade = "{grade}"; rules need one to show '
                              f"a {grade} result")
            last = -1
            for i, s in enumerate(states):
                if s.grade is None:
                    continue
                order = GRADES.index(s.grade)
                if order < last:
                    self.fail(f"rag[{i}].grade", f"'{s.grade}' comes after a worse grade; "
                              "list the scale best first")
                last = order
        no_data = self.rag_state(root.table("no_data"), len(states), gradeable=False)
        keys = [s.key for s in (*states, no_data)]
        labels = [s.label for s in (*states, no_data)]
        for what, values in (("key", keys), ("label", labels)):
            dupes = {v for v in values if values.count(v) > 1}
            if dupes:
                self.fail("rag", f"the {what} '{sorted(dupes)[0]}' is used twice")
        return RagScale(tuple(states), no_data)

    def rag_state(self, t: _Table, rank: int, gradeable: bool = True) -> RagState:
        state = RagState(
            key=self.ident(t, "key"),
            label=t.text("label"),
            colour=self.colour(t, "colour"),
            font_colour=self.colour(t, "font_colour", "#000000"),
            rank=rank,
            grade=t.choice("grade", GRADES, None) if gradeable else None,
        )
        t.done()
        return state

    def colour(self, t: _Table, name: str, default: Any = ...) -> str:
        value = t.text(name, default)
        if not _COLOUR.match(value):
            self.fail(t.key(name), f"'{value}' is not a colour; write it as #RRGGBB")
        return value.upper()

    def owners(self, t: _Table) -> dict[str, Owner]:
        owners = {}
        for key in t.data:
            sub = t.table(key)
            if not _ID.match(key):
                self.fail(sub.path, "is not a usable owner id")
            owners[key] = Owner(key, sub.text("name"), sub.text("fills", "", allow_empty=True))
            sub.done()
        if not owners:
            self.fail("owners", "is empty; name at least one owner")
        return owners

    def sections(self, t: _Table, owners: dict[str, Owner]) -> dict[str, Section]:
        out = {}
        for key in SECTION_KEYS:
            sub = t.table(key)
            owner = sub.text("owner")
            if owner not in owners:
                self.fail(sub.key("owner"),
                          f"'{owner}' is not an owner; owners are {', '.join(owners)}")
            title = sub.text("title")
            tab = sub.text("tab", None)
            if tab is not None:
                problem = _tab_problem(tab)
                if problem:
                    self.fail(sub.key("tab"), problem)
            out[key] = Section(key, title, owner, tab or tab_name(title))
            sub.done()
        t.done()
        titles = [s.title for s in out.values()]
        if len(set(titles)) != len(titles):
            self.fail("sections", "two sections have the same title")
        tabs: dict[str, str] = {}
        for key, sec in out.items():
            clash = sec.tab.casefold() in RESERVED_TABS and sec.tab
            if sec.tab.casefold() in tabs or clash:
                self.fail(f"sections.{key}", f"its sheet tab '{sec.tab}' is "
                          + ("used by hnbxl" if clash else f"also {tabs[sec.tab.casefold()]}'s")
                          + "; give this section its own tab = \"...\" (at most 31 "
                          "characters)")
            tabs[sec.tab.casefold()] = key
        return out

    def headings(self, root: _Table) -> dict[str, str]:
        t = root.table("headings", None)
        out = {key: t.text(key, default) for key, default in DEFAULT_HEADINGS.items()}
        t.done()
        return out

    def narratives(self, t: _Table) -> dict[str, Narrative]:
        out = {}
        for key in ("overview", "finance"):
            sub = t.table(key)
            out[key] = Narrative(
                key,
                sub.text("label"),
                sub.integer("word_limit", 10, 5000),
                sub.text("guidance", "", allow_empty=True),
            )
            sub.done()
        t.done()
        return out

    def rule(self, t: _Table, default_kind: str = "manual", unit: str | None = None) -> Rule:
        raw = t.get("rule", dict, None)
        if raw is None:
            return Rule(default_kind)
        sub = _Table(self, raw, t.key("rule"))
        kind = sub.choice("kind", RULE_KINDS)
        params: dict[str, Any] = {}
        if kind == "threshold":
            params.update(self.threshold(sub, unit))
            direction = sub.choice("direction", DIRECTIONS, None)
            if direction is not None:
                params["direction"] = direction
        elif kind == "variance":
            params["amber_tolerance"] = sub.number("amber_tolerance")
            params["red_tolerance"] = sub.number("red_tolerance")
            if not 0 <= params["amber_tolerance"] <= params["red_tolerance"]:
                self.fail(sub.key("red_tolerance"),
                          "tolerances must be 0 or more, with red_tolerance >= amber_tolerance")
        elif kind == "derived":
            params["method"] = sub.choice("method", ("worst_of", "count"))
            params["of"] = tuple(self.text_list(sub, "of"))
            if params["method"] == "count":
                whens = []
                for w in sub.tables("when"):
                    whens.append(
                        (w.text("count"), w.integer("at_least", 1, 1000), w.text("then"))
                    )
                    w.done()
                params["when"] = tuple(whens)
        elif kind == "cap":
            params["source"] = sub.text("source")
            params["amber_from"] = sub.number("amber_from", 1.0)
            params["red_from"] = sub.number("red_from", 1.05)
            caps = sub.table("caps")
            parsed = {}
            for year in caps.data:
                try:
                    parse_financial_year(year)
                except PeriodError as exc:
                    self.fail(caps.key(year), str(exc))
                parsed[year] = caps.number(year)
            if not parsed:
                self.fail(caps.path, "is empty; give at least one year's cap")
            params["caps"] = parsed
            if params["red_from"] < params["amber_from"]:
                self.fail(sub.key("red_from"), "must not be below amber_from")
        sub.done()
        return Rule(kind, params)

    def threshold(self, sub: _Table, unit: str | None) -> dict[str, Any]:
        """Target, amber limit and profile, in the measure's unit (see thresholds.py)."""
        raw = sub.get("profile", dict, None)
        out: dict[str, Any] = {}
        points: dict[str, Any] = {}
        kind = None
        if raw is not None:
            prof = _Table(self, raw, sub.key("profile"))
            try:
                order = profile_keys(list(prof.data), self.fy_start)
            except ValueError as exc:
                self.fail(prof.path, str(exc))
            tables = [isinstance(prof.data[k], dict) for k in order]
            kind = "values" if all(tables) else "share" if not any(tables) else None
            if kind is None:
                self.fail(prof.path, "mixes tables and shares; give every entry as "
                          "{ target = ..., amber_limit = ... } or every entry as a share")
            last = None
            for key in order:
                if kind == "values":
                    point = prof.table(key)
                    points[key] = (self.in_unit(point, "target", unit),
                                   self.in_unit(point, "amber_limit", unit))
                    point.done()
                    continue
                prof.used.add(key)
                try:
                    share = share_value(prof.data[key])
                except ValueError as exc:
                    self.fail(prof.key(key), str(exc))
                if last is not None and share < last:
                    self.fail(prof.key(key), "is below the share before it; a cumulative "
                              "share grows through the year")
                points[key], last = share, share
            prof.done()
            out["profile"] = {"by": "quarter" if order[0] == "Q1" else "month",
                              "kind": kind, "points": points}
        required = ... if kind != "values" else None
        out["target"] = self.in_unit(sub, "target", unit, required)
        out["amber_limit"] = self.in_unit(sub, "amber_limit", unit, required)
        if kind == "values" and (out["target"] is None) != (out["amber_limit"] is None):
            self.fail(sub.key("target"), "give both target and amber_limit, or neither")
        if out["target"] is None:  # a values profile alone: the year-end point is the annual
            out["target"], out["amber_limit"] = points[list(points)[-1]]
        return out

    def in_unit(self, t: _Table, name: str, unit: str | None, default: Any = ...) -> Any:
        """A threshold number in the measure's unit ("60%" for a percentage)."""
        value = t.get(name, (int, float, str), default)
        if value is None:
            return None
        try:
            return unit_value(value, unit or "number")
        except ValueError as exc:
            self.fail(t.key(name), str(exc))

    def rated(self, t: _Table) -> RatedItem:
        item = RatedItem(self.ident(t, "id"), t.text("name"), self.rule(t))
        t.done()
        return item

    def measure(self, t: _Table) -> Measure:
        unit = t.choice("unit", UNITS)
        statuses = tuple(self.text_list(t, "statuses")) if "statuses" in t.data else ()
        if unit == "status" and not statuses:
            self.fail(t.key("statuses"), "a status measure needs its list of statuses")
        if unit != "status" and statuses:
            self.fail(t.key("statuses"), "only a measure with unit = \"status\" has statuses")
        measure = Measure(
            id=self.ident(t, "id"),
            name=t.text("name"),
            detail=t.text("detail", "", allow_empty=True),
            unit=unit,
            direction=t.choice("direction", DIRECTIONS, None),
            rule=self.rule(t, unit=unit),
            statuses=statuses,
            figure_required=t.get("figure_required", bool, True),
        )
        if measure.rule.kind == "threshold":
            params = measure.rule.params
            better_low = params.get("direction", measure.direction) == "lower"
            profile = params.get("profile")
            pairs = [("", params["target"], params["amber_limit"])]
            if profile and profile["kind"] == "values":
                pairs = [(f".profile.{k}", *v) for k, v in profile["points"].items()]
            for where, target, limit in pairs:
                if (limit < target) if better_low else (limit > target):
                    self.fail(t.key("rule") + where,
                              f"amber_limit {limit:g} is on the wrong side of target {target:g}"
                              f" for direction '{params.get('direction', measure.direction)}'")
            if unit == "status":
                self.fail(t.key("rule"), "a status measure cannot have a threshold rule")
            if measure.rule.params.get("direction", measure.direction) is None:
                self.fail(t.key("direction"), "a threshold rule needs direction = lower or higher")
        if len(measure.detail) > 240:
            self.fail(t.key("detail"), "is longer than 240 characters, too long for a cell prompt")
        t.done()
        return measure

    def finance_row(self, t: _Table, table: str, amber: float, red: float) -> FinanceRow:
        amounts_t = t.table("amounts")
        amounts = {}
        for year in amounts_t.data:
            try:
                parse_financial_year(year)
            except PeriodError as exc:
                self.fail(amounts_t.key(year), str(exc))
            a = amounts_t.table(year)
            amounts[year] = FinanceAmounts(a.number("baseline"), a.number("budget"))
            a.done()
        rule = self.rule(t, "variance")
        if rule.kind == "variance" and not rule.params:
            rule = Rule("variance", {"amber_tolerance": amber, "red_tolerance": red})
        row = FinanceRow(
            id=self.ident(t, "id"),
            name=t.text("name"),
            table=table,
            favourable=t.choice("favourable", ("under", "over")),
            amounts=amounts,
            rule=rule,
        )
        t.done()
        return row

    def scoring(self, t: _Table) -> RiskScoring:
        bands = []
        for i, raw in enumerate(t.get("bands", list)):
            b = _Table(self, raw, f"risk_scoring.bands[{i}]")
            bands.append(
                RiskBand(b.text("rag"), b.integer("min", 1, 100), b.integer("max", 1, 100)))
            b.done()
        scoring = RiskScoring(
            likelihood_max=t.integer("likelihood_max", 2, 10),
            impact_max=t.integer("impact_max", 2, 10),
            bands=tuple(bands),
            spare_rows=t.integer("spare_rows", 0, 50, 5),
            id_prefix=t.text("id_prefix", "", allow_empty=True),
        )
        t.done()
        if scoring.id_prefix and not re.fullmatch(r"[A-Za-z][A-Za-z_-]*", scoring.id_prefix):
            self.fail("risk_scoring.id_prefix",
                      f"'{scoring.id_prefix}' is not a prefix of letters (e.g. R or NR): a new "
                      "risk's id is the prefix and a number")
        for score in scoring.valid_scores:
            if scoring.band_for(score) is None:
                self.fail("risk_scoring.bands", f"no band covers the score {score}")
        return scoring

    def risk(self, t: _Table, scoring: RiskScoring) -> Risk:
        try:
            updated = Period.parse(t.text("updated"))
        except PeriodError as exc:
            self.fail(t.key("updated"), str(exc))
        risk = Risk(
            id=self.ident(t, "id"),
            name=t.text("name"),
            risk=t.text("risk"),
            likelihood=t.integer("likelihood", 1, scoring.likelihood_max),
            impact=t.integer("impact", 1, scoring.impact_max),
            action=t.text("action"),
            direction=t.choice("direction", RISK_DIRECTIONS),
            target=t.integer("target", 1, scoring.likelihood_max * scoring.impact_max),
            updated=updated,
            status=t.choice("status", ("open", "closed"), "open"),
        )
        if risk.target not in scoring.valid_scores:
            self.fail(t.key("target"), f"{risk.target} is not a score the grid can give")
        if risk.target > risk.score:
            self.fail(t.key("target"), f"{risk.target} is above the current score {risk.score}")
        t.done()
        return risk

    def queries(self, t: _Table, measures: tuple[Measure, ...]) -> QuerySettings:
        """The ``[queries]`` table: the small-number setting and the query rules."""
        small = t.integer("small_number", 1, 1000, 5)
        limit = t.integer("explanation_limit", 20, 32767, 1000)
        rules = []
        for r in t.tables("rules", required=False):
            kind = r.choice("kind", QUERY_KINDS)
            params: dict[str, Any] = {}
            of: tuple[str, ...] = ()
            if kind == "share":
                for name in ("share", "count", "base"):
                    params[name] = r.text(name)
                params["tolerance"] = r.number("tolerance", 0.005)
                if params["tolerance"] < 0:
                    self.fail(r.key("tolerance"), "must be 0 or more")
            else:
                of = tuple(self.text_list(r, "of"))
            if kind == "moved":
                share, amount = r.number("share", None), r.number("amount", None)
                if share is None and amount is None:
                    self.fail(r.key("share"), "a moved rule needs share (0.25 is 25%) or amount")
                for name, value in (("share", share), ("amount", amount)):
                    if value is not None:
                        if value <= 0:
                            self.fail(r.key(name), "must be more than 0")
                        params[name] = value
            elif kind == "risk_action":
                params["rose"] = r.get("rose", bool, True)
                params["above_target"] = r.get("above_target", bool, True)
                if not (params["rose"] or params["above_target"]):
                    self.fail(r.key("rose"), "rose or above_target must be true")
            rules.append(QueryRule(kind, of, params, r.text("message", "", allow_empty=True)))
            r.done()
        t.done()
        return QuerySettings(small, limit, tuple(rules))

    # -- cross checks

    def check_ids(self, p: Programme) -> None:
        kpis = [r for r in p.finance_rows if r.table == "kpis"]
        groups = {
            "overview": [(f"overview[{n}]", i.id) for n, i in enumerate(p.overview)],
            "conditions": [(f"conditions[{n}]", i.id) for n, i in enumerate(p.conditions)],
            "measures": [(f"measures[{n}]", m.id) for n, m in enumerate(p.measures)],
            "finance": [(f"finance.kpis[{n}]", r.id) for n, r in enumerate(kpis)] + [
                (f"finance.mitigations[{n}]", r.id)
                for n, r in enumerate(r for r in p.finance_rows if r.table != "kpis")],
            "risks": [(f"risks[{n}]", r.id) for n, r in enumerate(p.risks)],
        }
        self.paths = {f"{group}.{ident}": path
                      for group, ids in groups.items() for path, ident in ids}
        for name, ids in groups.items():
            seen: dict[str, str] = {}
            for path, ident in ids:
                if ident in seen:  # point at the second one: that is the line to change
                    self.fail(f"{path}.id", f"the {name} id '{ident}' is used twice "
                              f"(first at line {_find_line(self.text, seen[ident] + '.id')})")
                seen[ident] = path

    def check_rules(self, p: Programme) -> None:
        rated = {key for key, _, _ in p.rated_items()}
        scale_keys = {s.key for s in p.scale.states}
        for band in p.risk_scoring.bands:
            if band.rag not in scale_keys:
                self.fail("risk_scoring.bands", f"'{band.rag}' is not a key of the RAG scale")
        try:
            derived_order({key: rule for key, _n, rule in p.rated_items()})
        except ValueError as exc:
            self.fail("derived rules", str(exc))
        for key, _name, rule in p.rated_items():
            where = f"{self.paths.get(key, key)}.rule"
            if rule.kind == "derived":
                for ref in rule.params["of"]:
                    if not any(matches(ref, r) for r in rated if r != key):
                        self.fail(where, f"'{ref}' points at no rated row")
                for count_key, _n, then in rule.params.get("when", ()):
                    for k in (count_key, then):
                        if k not in scale_keys:
                            self.fail(where, f"'{k}' is not a key of the RAG scale")
            elif rule.kind == "cap":
                src = rule.params["source"]
                if not src.startswith("finance.") or src.split(".", 1)[1] not in {
                    r.id for r in p.finance_rows
                }:
                    self.fail(where, f"source '{src}' is not a finance row (finance.<id>)")
            elif rule.kind == "band":
                self.fail(where, "a band rule rates risk scores; rows take manual, threshold, "
                          "variance, derived or cap")
            elif rule.kind == "variance" and not key.startswith("finance."):
                self.fail(where, "a variance rule needs a budget; only finance rows have one")
            elif rule.kind == "threshold" and not key.startswith("measures."):
                self.fail(where, "a threshold rule needs a figure; only measures have one")

    def check_queries(self, p: Programme) -> None:
        numeric = {f"measures.{m.id}.figure": m.unit for m in p.measures
                   if m.unit in NUMERIC_UNITS}
        bases = {f"measures.{m.id}.share_base" for m in p.measures
                 if m.unit == "count_with_share"}
        for i, rule in enumerate(p.queries.rules):
            where = f"queries.rules[{i}]"
            if rule.kind == "share":
                wanted = (("share", ("percent",)), ("count", COUNT_UNITS), ("base", COUNT_UNITS))
                for name, units in wanted:
                    key = rule.params[name]
                    if not (numeric.get(key) in units or (name == "base" and key in bases)):
                        self.fail(f"{where}.{name}", f"'{key}' is not the figure of a "
                                  f"{' or '.join(units)} measure (measures.<id>.figure"
                                  + (", or measures.<id>.share_base)" if name == "base" else ")"))
                continue
            if rule.kind == "risk_action":
                ids = {r.id for r in p.risks}
                for ref in rule.of:
                    if ref != "risks.*" and not (ref.startswith("risks.")
                                                 and ref.split(".", 1)[1] in ids):
                        self.fail(f"{where}.of", f"'{ref}' is not risks.* or risks.<id> of "
                                  "the risk log")
                continue
            candidates = _query_candidates(p, rule.kind)
            for ref in rule.of:
                if not any(matches(ref, key) for key in candidates):
                    self.fail(f"{where}.of", f"'{ref}' points at no row a {rule.kind} rule "
                              f"applies to; it applies to: {', '.join(candidates) or 'none'}")


def query_items(p: Programme, rule: QueryRule) -> tuple[str, ...]:
    """The item keys a query rule looks at, in form order (risks: ``risks.*`` patterns kept).

    A pattern takes in only the rows the kind applies to (a moved rule on
    ``measures.*`` skips status measures); the loader refuses an exact key the
    kind cannot apply to.
    """
    out = []
    for key in _query_candidates(p, rule.kind):
        if any(matches(ref, key) for ref in rule.of):
            out.append(key)
    return tuple(out)


def _query_candidates(p: Programme, kind: str) -> tuple[str, ...]:
    measures = {
        "moved": NUMERIC_UNITS, "unchanged": NUMERIC_UNITS, "rating_vs_figure": NUMERIC_UNITS,
        "small_number": COUNT_UNITS,
    }.get(kind, ())
    keys = [f"measures.{m.id}" for m in p.measures if m.unit in measures
            and (kind != "rating_vs_figure" or m.direction is not None)]
    if kind in ("moved", "unchanged"):
        keys += [f"finance.{r.id}" for r in p.finance_rows]
    if kind == "savings_over_budget":
        keys += [f"finance.{r.id}" for r in p.finance_rows if r.favourable == "over"]
    return tuple(keys)


def tab_name(title: str) -> str:
    """A section title as an Excel sheet tab: no []:*?/\\ and at most 31 characters.

    Forbidden characters become "-"; a long title is cut at the last word that
    fits, so "Transformation Summary - Key Measures" is
    "Transformation Summary - Key" rather than a word broken in two.
    """
    name = " ".join(_TAB_FORBIDDEN.sub("-", title).split()).strip("'")
    if len(name) > 31:
        cut = name[:32].rsplit(" ", 1)[0] if " " in name[:32] else name[:31]
        name = cut.rstrip(" -'")[:31]
    return name or "Section"


def _tab_problem(tab: str) -> str | None:
    if not tab.strip():
        return "is empty"
    if len(tab) > 31:
        return f"'{tab}' is {len(tab)} characters; Excel allows at most 31 in a sheet tab"
    if _TAB_FORBIDDEN.search(tab) or tab.startswith("'") or tab.endswith("'"):
        return f"'{tab}' has a character Excel refuses in a sheet tab ([ ] : * ? / \\ or ')"
    return None


def _find_line(text: str, key: str) -> int | None:
    """Best effort: the line of ``key`` (``measures[3].unit``) in the TOML text.

    tomllib reports lines only for syntax errors, so for a semantic error we
    walk the text: find the n-th ``[[array]]`` header, then the key after it.
    """
    if not key or key == "TOML":
        return None
    parts = re.findall(r"([^.\[\]]+)(?:\[(\d+)\])?", key)
    lines = text.splitlines()
    start = 0
    header_path: list[str] = []
    for name, index in parts:
        header_path.append(name)
        if index:
            header = "[[" + ".".join(header_path) + "]]"
            seen = -1
            for i in range(start, len(lines)):
                if lines[i].strip().startswith(header):
                    seen += 1
                    if seen == int(index):
                        start = i
                        break
            else:
                return None
            continue
        header = "[" + ".".join(header_path) + "]"
        for i in range(start, len(lines)):
            stripped = lines[i].strip()
            if stripped.startswith(header):
                start = i
                break
            if re.match(rf"^{re.escape(name)}\s*=", stripped) or re.search(
                rf"[{{,]\s*{re.escape(name)}\s*=", stripped
            ):
                start = i
                break
    return start + 1


def default_risk_prefix(ids: Iterable[str]) -> str:
    """The letters the existing risk ids share (``NR`` for NR1..NR5), else ``R``."""
    prefixes = {m.group(1) for i in ids if (m := re.fullmatch(r"([A-Za-z][A-Za-z_-]*?)\d+", i))}
    return prefixes.pop() if len(prefixes) == 1 else "R"
