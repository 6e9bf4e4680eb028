"""Reading a definition's tables into a :class:`Programme`, section by section.

The order matters and is kept here: ``[programme]`` first (the financial
year orders a monthly profile), the scale before anything rated, the owners
before the sections they fill, the risk scoring before the risks it scores;
the checks across tables (``checks.py``) run last.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from hnbxl.core.periods import Period, PeriodError, parse_financial_year
from hnbxl.programme.checks import check_ids, check_queries, check_rules
from hnbxl.programme.kinds.variance import VarianceParams
from hnbxl.programme.model import (
    DEFAULT_HEADINGS,
    GRADES,
    QUERY_KINDS,
    RISK_DIRECTIONS,
    SECTION_KEYS,
    WORD_DEFAULTS,
    FinanceAmounts,
    FinanceRow,
    Limits,
    Narrative,
    Owner,
    Programme,
    QueryRule,
    QuerySettings,
    RagScale,
    RagState,
    RatedItem,
    Risk,
    RiskBand,
    RiskScoring,
    Rule,
    Section,
    Words,
    in_sentence,
)
from hnbxl.programme.parse_rules import RuleReader
from hnbxl.programme.rhythm import MONTHLY
from hnbxl.programme.rule_kinds import QUERY_PARAMS, params_of
from hnbxl.programme.toml_table import IDENT, Table

#: Sheet names hnbxl uses itself (forms and report); a section's tab may not take one.
RESERVED_TABS = frozenset(name.casefold() for name in (
    "Instructions", "Check", "Lists", "Data Quality", "Notes", "Sources", "Officer Checks",
    "Identity", "History"))
_TAB_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class ProgrammeLoader(RuleReader):
    """Reads one definition's tables; ``programme`` is the only entry point."""

    # -- sections of the file

    def limits(self, t: Table) -> Limits:
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
        root = Table(self, data, "")
        prog = root.table("programme")
        self.fy_start = prog.integer("financial_year_start_month", 2, 12, 4)
        scale = self.scale(root)
        owners = self.owners(root.table("owners"))
        self.owner_keys = tuple(owners)
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
        rows, year_notes = self.years(root.table("years", None), rows)
        scoring = self.scoring(root.table("risk_scoring"))
        risks = tuple(self.risk(t, scoring) for t in root.tables("risks", required=False))
        if not scoring.id_prefix:
            scoring = replace(scoring, id_prefix=default_risk_prefix(r.id for r in risks))
        limits = self.limits(root.table("limits", None))
        queries = self.queries(root.table("queries", None))

        programme = Programme(
            id=self.programme_id(prog),
            council=prog.text("council"),
            title=prog.text("title"),
            committee=prog.text("committee"),
            frequency=prog.choice("frequency", ("monthly",), "monthly"),
            financial_year_start_month=self.fy_start,
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
            year_notes=year_notes,
            words=self.words(root.table("words", None), sections, rows, overview),
        )
        prog.done()
        root.done()
        paths = check_ids(self, programme)
        check_rules(self, programme, paths)
        check_queries(self, programme)
        return programme
    def programme_id(self, table: Table) -> str:
        value = table.text("id")
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", value):
            self.fail(table.key("id"),
                      f"'{value}' is not a usable programme id; use a-z, 0-9 and -")
        return value
    def scale(self, root: Table) -> RagScale:
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

    def rag_state(self, t: Table, rank: int, gradeable: bool = True) -> RagState:
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
    def owners(self, t: Table) -> dict[str, Owner]:
        owners = {}
        for key in t.data:
            sub = t.table(key)
            if not IDENT.match(key):
                self.fail(sub.path, "is not a usable owner id")
            owners[key] = Owner(key, sub.text("name"), sub.text("fills", "", allow_empty=True))
            sub.done()
        if not owners:
            self.fail("owners", "is empty; name at least one owner")
        return owners

    def sections(self, t: Table, owners: dict[str, Owner]) -> dict[str, Section]:
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
            tab = tab or tab_name(title)
            rhythm = self.rhythm(sub, MONTHLY) or MONTHLY
            out[key] = Section(key, title, owner, tab, sub.text("name", tab), rhythm)
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

    def words(self, t: Table, sections: dict[str, Section], rows: list[FinanceRow],
              rated: tuple[RatedItem, ...]) -> Words:
        """``[words]``: every key optional; see :class:`Words` for the defaults."""
        cap = next((r.rule for r in rated if r.rule.kind == "cap"), None)
        source = cap.params.get("source", "") if cap else ""
        subject = next((r.name for r in rows if f"finance.{r.id}" == source), "figure")
        words = Words(
            condition=t.text("condition", sections["conditions"].title),
            **{key: t.text(key, default, allow_empty=key == "kpis")
               for key, default in WORD_DEFAULTS.items()},
            trajectory_subject=t.text("trajectory_subject", in_sentence(subject)),
            keywords=tuple(self.text_list(t, "keywords")) if "keywords" in t.data else (),
        )
        t.done()
        problem = _tab_problem(words.trajectory_tab)
        if problem:
            self.fail(t.key("trajectory_tab"), problem)
        clash = [s.key for s in sections.values()
                 if s.tab.casefold() == words.trajectory_tab.casefold()]
        if cap is not None and (clash or words.trajectory_tab.casefold() in RESERVED_TABS):
            self.fail(t.key("trajectory_tab"), f"'{words.trajectory_tab}' is also "
                      + (f"section {clash[0]}'s tab" if clash else "a tab hnbxl uses")
                      + '; give trajectory_tab = "..." a tab of its own')
        return words

    def headings(self, root: Table) -> dict[str, str]:
        t = root.table("headings", None)
        out = {key: t.text(key, default) for key, default in DEFAULT_HEADINGS.items()}
        t.done()
        return out

    def narratives(self, t: Table) -> dict[str, Narrative]:
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
    def year_key(self, t: Table, year: str) -> None:
        try:
            parse_financial_year(year)
        except PeriodError as exc:
            self.fail(t.key(year), str(exc))

    def finance_row(self, t: Table, table: str, amber: float, red: float) -> FinanceRow:
        amounts_t = t.table("amounts", None)
        amounts = {}
        for year in amounts_t.data:
            self.year_key(amounts_t, year)
            a = amounts_t.table(year)
            amounts[year] = FinanceAmounts(a.number("baseline"), a.number("budget"))
            a.done()
        rule = self.rule(t, Rule("variance", VarianceParams(amber_tolerance=amber,
                                                            red_tolerance=red)))
        row = FinanceRow(
            id=self.ident(t, "id"),
            name=t.text("name"),
            table=table,
            favourable=t.choice("favourable", ("under", "over")),
            amounts=amounts,
            rule=rule,
            owner=self.row_owner(t),
            rhythm=self.rhythm(t),
        )
        t.done()
        return row

    def years(self, t: Table, rows: list[FinanceRow]
              ) -> tuple[list[FinanceRow], dict[str, str]]:
        """``[years."2024/25"]``: a year's note and its amounts, row by row.

        A new year's baselines and budgets arrive together, so they may stand
        in one table per year (``hnbxl definition next-year`` writes it)
        instead of one edit in each row; a year given both ways is refused.
        """
        notes: dict[str, str] = {}
        extra: dict[str, dict[str, FinanceAmounts]] = {r.id: {} for r in rows}
        owner = {r.id: r for r in rows}
        for year in t.data:
            self.year_key(t, year)
            sub = t.table(year)
            note = sub.text("note", None)
            if note is not None:
                notes[year] = note
            amounts = sub.table("amounts", None)
            for row_id in amounts.data:
                if row_id not in owner:
                    close = difflib.get_close_matches(row_id, list(owner), n=1)
                    self.fail(amounts.key(row_id), "is not a finance row"
                              + (f" (did you mean {close[0]}?)" if close else
                                 f"; finance rows are {', '.join(owner)}"))
                if year in owner[row_id].amounts:
                    self.fail(amounts.key(row_id), f"{year} is also in finance row "
                              f"'{row_id}''s own amounts; give the year's amounts once")
                a = amounts.table(row_id)
                extra[row_id][year] = FinanceAmounts(a.number("baseline"), a.number("budget"))
                a.done()
            amounts.done()
            sub.done()
        t.done()
        merged = [replace(r, amounts={**r.amounts, **extra[r.id]}) if extra[r.id] else r
                  for r in rows]
        return merged, notes

    def scoring(self, t: Table) -> RiskScoring:
        bands = []
        for i, raw in enumerate(t.get("bands", list)):
            b = Table(self, raw, f"risk_scoring.bands[{i}]")
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

    def risk(self, t: Table, scoring: RiskScoring) -> Risk:
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

    def queries(self, t: Table) -> QuerySettings:
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
            rules.append(QueryRule(kind, of, params_of(QUERY_PARAMS, kind, params),
                                   r.text("message", "", allow_empty=True)))
            r.done()
        t.done()
        return QuerySettings(small, limit, tuple(rules))

    # -- cross checks

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


def default_risk_prefix(ids: Iterable[str]) -> str:
    """The letters the existing risk ids share (``NR`` for NR1..NR5), else ``R``."""
    prefixes = {m.group(1) for i in ids if (m := re.fullmatch(r"([A-Za-z][A-Za-z_-]*?)\d+", i))}
    return prefixes.pop() if len(prefixes) == 1 else "R"
