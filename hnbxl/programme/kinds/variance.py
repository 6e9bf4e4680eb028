"""``variance``: a finance row's forecast for this quarter against its budget.

Judged by how far it is on the adverse side, as a share of the budget
(exact fractions of the numbers as written, so 5% adverse against a 5%
tolerance is within it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hnbxl.core import fmt
from hnbxl.core.fmt import is_number
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.programme.kinds.base import FormRow, KindBase, Rating, RatingCheck, RowToRate
from hnbxl.programme.kinds.compare import exact, grade_labels, grades, missing
from hnbxl.programme.model import FinanceRow, Measure, Programme, RagScale, Rule
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.toml_table import Table, TableReader
from hnbxl.xlsx.formulas import number_literal, string_literal


@dataclass(frozen=True)
class VarianceParams(Params):
    """A finance row's forecast against its budget: adverse by more than a share of it."""

    amber_tolerance: float
    red_tolerance: float


def rate_variance(
    scale: RagScale,
    params: Mapping[str, Any],
    favourable: str,
    budget: float | None,
    this_quarter: float | None,
) -> Rating:
    """This quarter against budget, judged by how far it is on the wrong side.

    ``favourable`` says which side is good: ``"under"`` for spend (under budget
    is good), ``"over"`` for savings (delivering more than planned is good).
    The adverse amount as a fraction of the budget is compared with the
    tolerances, inclusively: at ``amber_tolerance`` is still green, at
    ``red_tolerance`` still amber.  ``amber_tolerance = 0`` makes any adverse
    variance amber.  A zero budget has no fraction: any adverse amount is red.
    """
    if favourable not in ("under", "over"):
        raise ValueError(f"favourable must be under or over, not {favourable!r}")
    if missing(this_quarter):
        return Rating(scale.no_data.key, "No figure this quarter.")
    if budget is None:
        return Rating(scale.no_data.key, "No budget for this financial year in the definition.")
    assert this_quarter is not None
    variance = exact(this_quarter) - exact(budget)
    adverse = max(Fraction(0), variance if favourable == "under" else -variance)
    amber_tol = exact(params["amber_tolerance"])
    red_tol = exact(params["red_tolerance"])
    green, amber, red = grades(scale)

    if variance == 0:
        return Rating(green, "On budget.")
    side = "over" if variance > 0 else "under"
    if budget == 0:
        said = f"Variance {fmt.money(abs(variance))} {side} a budget of £0"
        if adverse == 0:
            return Rating(green, f"{said}, on the favourable side.")
        return Rating(red, f"{said}, on the adverse side.")
    fraction = adverse / abs(exact(budget))
    shown = abs(variance) / abs(exact(budget))
    said = f"Variance {fmt.money(abs(variance))} {side} budget ({fmt.percent(shown)})"
    if adverse == 0:
        return Rating(green, f"{said}, on the favourable side.")
    if fraction <= amber_tol:
        return Rating(green, f"{said}, within the {fmt.percent(amber_tol)} tolerance.")
    if fraction <= red_tol:
        return Rating(amber, f"{said}, beyond the {fmt.percent(amber_tol)} tolerance, "
                             f"within {fmt.percent(red_tol)}.")
    return Rating(red, f"{said}, beyond the {fmt.percent(red_tol)} tolerance.")


def budget_for(row: FinanceRow, year: str) -> float | None:
    """A finance row's budget for a financial year; None when the definition has none."""
    amounts = row.amounts.get(year)
    return amounts.budget if amounts is not None else None


class Variance(KindBase):
    """Rates finance rows only: they have a budget; the figure is this quarter's."""

    name = "variance"
    params = VarianceParams

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        params = {"amber_tolerance": sub.number("amber_tolerance"),
                  "red_tolerance": sub.number("red_tolerance")}
        if not 0 <= params["amber_tolerance"] <= params["red_tolerance"]:
            reader.fail(sub.key("red_tolerance"),
                        "tolerances must be 0 or more, with red_tolerance >= amber_tolerance")
        return params

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> None:
        if not key.startswith("finance."):
            reader.fail(where, "a variance rule needs a budget; only finance rows have one")

    def rate(self, row: RowToRate) -> Rating:
        p = row.programme
        finance = p.finance_row(ItemKey(row.key).ident)
        year = row.period.financial_year(p.financial_year_start_month)
        return rate_variance(p.scale, row.rule.params, finance.favourable,
                             budget_for(finance, year), row.inputs.this_quarter.get(row.key))

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        side = "under" if finance_row is None or finance_row.favourable == "under" else "over"
        return (f"Worked out from the variance: {side} budget is good; adverse by more than "
                f"{rule.params['amber_tolerance']:.0%} is amber, more than "
                f"{rule.params['red_tolerance']:.0%} red.")

    def form(self, row: FormRow) -> RatingCheck:
        p, rule = row.programme, row.rule
        finance = p.finance_row(ItemKey(row.item).ident)
        return RatingCheck(row.item, self.name, (ItemKey(row.item).field("this_quarter"),), {
            "budget": p.finance_for(finance, row.period).budget,
            "under": finance.favourable == "under",
            "amber": rule.params["amber_tolerance"], "red": rule.params["red_tolerance"],
            "labels": grade_labels(p.scale), "no_data": p.scale.no_data.label})

    def formula(self, check: RatingCheck, ref: Callable[[str], str]) -> str | None:
        x, p, num = ref(check.operands[0]), check.params, number_literal
        green, amber, red = (string_literal(name) for name in p["labels"])
        budget = p["budget"]
        adverse = f"({x}-{num(budget)})" if p["under"] else f"({num(budget)}-{x})"
        if budget == 0:
            rated = f"IF({adverse}>0,{red},{green})"
        else:
            share = f"{adverse}/{num(abs(budget))}"
            rated = (f"IF({adverse}<=0,{green},IF({share}<={num(p['amber'])},{green},"
                     f"IF({share}<={num(p['red'])},{amber},{red})))")
        return f"=IF(ISNUMBER({x}),{rated},{string_literal(p['no_data'])})"

    def label(self, check: RatingCheck, values: Mapping[str, Any],
              rules: Mapping[str, str]) -> str:
        x, p = values.get(check.operands[0]), check.params
        if not is_number(x):
            return str(p["no_data"])
        green, amber, red = (str(name) for name in p["labels"])
        budget = exact(p["budget"])
        adverse = exact(x) - budget if p["under"] else budget - exact(x)
        if budget == 0:
            return red if adverse > 0 else green
        if adverse <= 0 or adverse / abs(budget) <= exact(p["amber"]):
            return green
        return amber if adverse / abs(budget) <= exact(p["red"]) else red


KIND = Variance()
