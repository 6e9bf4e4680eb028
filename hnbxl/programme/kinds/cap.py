"""``cap``: a finance row's figure against the deal's cap for the financial year.

The figure is this quarter's amount when given, else the row's budget (the
forecast).  Green below ``cap * amber_from``, amber below ``cap * red_from``:
exclusive on the good side, so exactly at ``cap * amber_from`` is amber.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hnbxl.core import fmt
from hnbxl.core.fmt import is_number
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period, PeriodError, parse_financial_year
from hnbxl.programme.kinds.base import ELSEWHERE, FormRow, KindBase, Rating, RatingCheck, RowToRate
from hnbxl.programme.kinds.compare import exact, grade_labels, grades, missing
from hnbxl.programme.kinds.variance import budget_for
from hnbxl.programme.model import DEFAULT_HEADINGS, FinanceRow, Measure, Programme, RagScale, Rule
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.toml_table import Table, TableReader
from hnbxl.xlsx.formulas import number_literal, string_literal


@dataclass(frozen=True)
class CapParams(Params):
    """A finance row's figure against the deal's cap for the year."""

    source: str  # the finance row's item key
    amber_from: float
    red_from: float
    caps: Mapping[str, float]  # financial year ("2024/25") -> cap


def _year_start(year: str) -> int:
    """The calendar year a financial year starts in: ``2023/24`` -> 2023, ``2024`` -> 2024."""
    return int(year.split("/", 1)[0])


def cap_for_year(caps: Mapping[str, float], financial_year: str) -> tuple[str, float] | None:
    """The cap that applies in a year: its own, else the earliest later one (the target ahead).

    A deal sets a cap for a future year; until then the programme is measured
    against that cap as the target it is heading for.  An earlier year's cap
    never applies to a later year: once the deal's year has passed, a new cap
    must be written into the definition.
    """
    if financial_year in caps:
        return financial_year, caps[financial_year]
    start = _year_start(financial_year)
    later = sorted((y for y in caps if _year_start(y) > start), key=_year_start)
    return (later[0], caps[later[0]]) if later else None


def rate_cap(
    scale: RagScale,
    params: Mapping[str, Any],
    financial_year: str,
    this_quarter: float | None,
    budget: float | None,
    quarter_words: str = "This quarter",
) -> Rating:
    """A figure against a cap: green below ``cap * amber_from``, amber below ``cap * red_from``.

    The figure is this quarter's amount when given, else the budget (the
    forecast) for the period's financial year.  The boundaries are exclusive on
    the good side: exactly at ``cap * amber_from`` is amber.
    """
    found = cap_for_year(params["caps"], financial_year)
    if found is None:
        return Rating(scale.no_data.key, f"No cap is set for {financial_year} or a later year.")
    cap_year, cap = found
    if not missing(this_quarter):
        assert this_quarter is not None
        value, what = this_quarter, quarter_words
    elif budget is not None:
        value, what = budget, "Forecast"
    else:
        return Rating(
            scale.no_data.key, f"No figure this quarter and no budget for {financial_year}."
        )
    exact_value, exact_cap = exact(value), exact(cap)
    amber_from, red_from = exact(params["amber_from"]), exact(params["red_from"])
    green, amber, red = grades(scale)
    said = f"{what} {fmt.money(value)}"
    of_cap = f"the cap of {fmt.money(cap)} ({cap_year})"

    def share(factor: Fraction) -> str:
        return of_cap if factor == 1 else f"{fmt.percent(factor)} of {of_cap}"

    if exact_value < exact_cap * amber_from:
        if amber_from == 1:
            return Rating(green, f"{said} is within {of_cap}.")
        return Rating(green, f"{said} is below {share(amber_from)}.")
    if exact_value < exact_cap * red_from:
        return Rating(amber, f"{said} is at or above {share(amber_from)}.")
    return Rating(red, f"{said} is at or above {share(red_from)}.")


class Cap(KindBase):
    """Reads another row's figure (``source``), so the form works it out only when
    that row is on the same form."""

    name = "cap"
    params = CapParams

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        params: dict[str, Any] = {"source": sub.text("source"),
                                  "amber_from": sub.number("amber_from", 1.0),
                                  "red_from": sub.number("red_from", 1.05)}
        caps = sub.table("caps")
        parsed = {}
        for year in caps.data:
            try:
                parse_financial_year(year)
            except PeriodError as exc:
                reader.fail(caps.key(year), str(exc))
            parsed[year] = caps.number(year)
        if not parsed:
            reader.fail(caps.path, "is empty; give at least one year's cap")
        params["caps"] = parsed
        if params["red_from"] < params["amber_from"]:
            reader.fail(sub.key("red_from"), "must not be below amber_from")
        return params

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> None:
        src = rule.params["source"]
        if not src.startswith("finance.") or ItemKey(src).ident not in {
            r.id for r in programme.finance_rows
        }:
            reader.fail(where, f"source '{src}' is not a finance row (finance.<id>)")

    def rate(self, row: RowToRate) -> Rating:
        p, source = row.programme, row.rule.params["source"]
        finance = p.finance_row(ItemKey(source).ident)
        year = row.period.financial_year(p.financial_year_start_month)
        heading = p.headings["this_quarter"]
        # The seed's column heading is title case; inside a sentence it reads "This quarter".
        words = "This quarter" if heading == DEFAULT_HEADINGS["this_quarter"] else heading
        return rate_cap(p.scale, row.rule.params, year, row.inputs.this_quarter.get(source),
                        budget_for(finance, year), words)

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        p, params = programme, rule.params
        caps = ", ".join(f"{fmt.money(v)} in {y}" for y, v in params["caps"].items())
        source = ItemKey(params["source"]).ident
        row = next((r for r in p.finance_rows if r.id == source), None)
        name = row.name if row else source
        return f"Worked out from {name} against {p.words.the_cap} ({caps})."

    def form(self, row: FormRow) -> RatingCheck:
        p, params = row.programme, row.rule.params
        source = params["source"]
        finance = p.finance_row(ItemKey(source).ident)
        year = row.period.financial_year(p.financial_year_start_month)
        found = cap_for_year(params["caps"], year)
        if found is None:
            return RatingCheck(row.item, ELSEWHERE,
                               words=f"{p.scale.no_data.label}: no cap for {year} or later")
        if not row.has(f"{source}.this_quarter"):
            return RatingCheck(row.item, ELSEWHERE, words=(
                f"Worked out when compiled, from {finance.name} on the "
                f"{p.sections['finance'].title} return"))
        cap = found[1]
        return RatingCheck(row.item, self.name, (f"{source}.this_quarter",), {
            "amber": cap * params["amber_from"], "red": cap * params["red_from"],
            "cap": cap, "amber_from": params["amber_from"], "red_from": params["red_from"],
            "budget": budget_for(finance, year),
            "labels": grade_labels(p.scale), "no_data": p.scale.no_data.label})

    def formula(self, check: RatingCheck, ref: Callable[[str], str]) -> str | None:
        x, p, num = ref(check.operands[0]), check.params, number_literal
        green, amber, red = (string_literal(name) for name in p["labels"])
        value = x if p["budget"] is None else f"IF(ISNUMBER({x}),{x},{num(p['budget'])})"
        cap = num(p["cap"])
        rated = (f"IF({value}<{cap}*{num(p['amber_from'])},{green},"
                 f"IF({value}<{cap}*{num(p['red_from'])},{amber},{red}))")
        if p["budget"] is None:
            return f"=IF(ISNUMBER({x}),{rated},{string_literal(p['no_data'])})"
        return "=" + rated

    def label(self, check: RatingCheck, values: Mapping[str, Any],
              rules: Mapping[str, str]) -> str:
        x, p = values.get(check.operands[0]), check.params
        if not is_number(x):
            if p["budget"] is None:
                return str(p["no_data"])
            x = p["budget"]
        green, amber, red = (str(name) for name in p["labels"])
        cap = exact(p["cap"])
        if exact(x) < cap * exact(p["amber_from"]):
            return green
        return amber if exact(x) < cap * exact(p["red_from"]) else red


KIND = Cap()
