"""Query checks: one object per figure that may raise a query, judged twice from one rule.

A query is a figure that looks wrong but may be right (the DfE COLLECT
meaning): the return clears it with an explanation.  The definition's query
rules (``[[queries.rules]]``) and last period's snapshot are turned here into
:class:`QueryCheck` objects, with last period's figures baked in as numbers.
Each check is then judged in two places from the same object:

* :func:`raised` / :func:`explained` on the values read from a return
  (the validator), and
* :func:`formula_raised` / :func:`formula_explained` as spreadsheet formulas
  (the form's highlight and its Check sheet),

so the form the person types into and the validator cannot drift apart; a
test recalculates filled forms in LibreOffice and compares the two counts.

Comparisons carry a small explicit margin (``TOLERANCE`` of the figure's
size): spreadsheets treat numbers within about 1e-15 of each other as equal,
Python does not, so every limit is moved a little off the exact boundary and
both sides agree on which side of it a figure lies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from hnbxl.core.fmt import is_number
from hnbxl.core.keys import FieldKey, ItemKey, matches
from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme
from hnbxl.programme.disclosure import PUBLISH, SUPPRESS
from hnbxl.programme.snapshot import PeriodSnapshot
from hnbxl.programme.thresholds import format_in_unit
from hnbxl.xlsx.formulas import number_literal as num
from hnbxl.xlsx.formulas import string_literal

TOLERANCE = 1e-9

CODES = {  # kind -> issue code (catalogued in hnbxl/core/codes.py)
    "moved": "query-moved",
    "unchanged": "query-unchanged",
    "rating_vs_figure": "query-rating-figure",
    "savings_over_budget": "query-savings-over-budget",
    "risk_action": "query-risk-action",
    "small_number": "query-small-number",
    "share": "query-share",
}

@dataclass(frozen=True)
class QueryCheck:
    """One rule applied to one row, with last period's numbers baked in.

    ``operands`` are the fields read, first the one the query sits on; ``params``
    the kind's constants.  ``explanation`` is the field that explains it and
    ``disclosure`` (small numbers only) the publish-or-suppress choice.
    """

    kind: str
    item: str
    label: str
    operands: tuple[str, ...]
    explanation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    disclosure: str = ""

    @property
    def code(self) -> str:
        return CODES[self.kind]

    @property
    def field(self) -> str:
        return self.operands[0]


# --------------------------------------------------------------------------- Python side


def _has_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.strip(" ") != ""


def raised(check: QueryCheck, values: Mapping[str, Any]) -> bool:
    """Whether the values (field -> canonical value, absent when empty) raise the query."""
    v = [values.get(f) for f in check.operands]
    p = check.params
    if check.kind == "moved":
        return is_number(v[0]) and any(abs(v[0] - p["last"]) > lim for lim in p["limits"])
    if check.kind == "unchanged":
        return is_number(v[0]) and abs(v[0] - p["last"]) <= p["tol"]
    if check.kind == "rating_vs_figure":
        if not is_number(v[0]) or v[1] not in p["better_keys"]:
            return False
        return bool(v[0] > p["last"] + p["tol"] if p["lower"] else v[0] < p["last"] - p["tol"])
    if check.kind == "savings_over_budget":
        return is_number(v[0]) and v[0] > p["limit"]
    if check.kind == "risk_action":
        like, imp, action, target, status = v
        if not (is_number(like) and is_number(imp)) or action != p["last_action"]:
            return False
        if status == "Closed":
            return False
        score = like * imp
        return (p["rose"] and score > p["last_score"]) or (
            p["above_target"] and is_number(target) and score > target)
    if check.kind == "small_number":
        return is_number(v[0]) and 1 <= v[0] < p["threshold"]
    if check.kind == "share":
        share, count, base = v
        if not (is_number(share) and is_number(count) and is_number(base)) or base <= 0:
            return False
        return bool(abs(share - count / base) > p["limit"])
    raise ValueError(check.kind)


def explained(check: QueryCheck, values: Mapping[str, Any]) -> bool:
    note = values.get(check.explanation)
    if check.kind == "small_number":
        choice = values.get(check.disclosure)
        return choice == SUPPRESS or (choice == PUBLISH and _has_text(note))
    return _has_text(note)


# --------------------------------------------------------------------------- formula side





def formula_raised(check: QueryCheck, ref: Callable[[str], str]) -> str:
    """The query as a spreadsheet condition (no ``=``); ``ref`` gives a field's cell."""
    r = [ref(f) for f in check.operands]
    p = check.params
    if check.kind == "moved":
        over = ",".join(f"ABS({r[0]}-{num(p['last'])})>{num(lim)}" for lim in p["limits"])
        return f"AND(ISNUMBER({r[0]}),OR({over}))"
    if check.kind == "unchanged":
        return f"AND(ISNUMBER({r[0]}),ABS({r[0]}-{num(p['last'])})<={num(p['tol'])})"
    if check.kind == "rating_vs_figure":
        better = ",".join(f"{r[1]}={string_literal(label)}" for label in p["better_labels"])
        worse = (f"{r[0]}>{num(p['last'] + p['tol'])}" if p["lower"]
                 else f"{r[0]}<{num(p['last'] - p['tol'])}")
        return f"AND(ISNUMBER({r[0]}),OR({better}),{worse})"
    if check.kind == "savings_over_budget":
        return f"AND(ISNUMBER({r[0]}),{r[0]}>{num(p['limit'])})"
    if check.kind == "risk_action":
        like, imp, action, target, status = r
        tests = []
        if p["rose"]:
            tests.append(f"{like}*{imp}>{num(p['last_score'])}")
        if p["above_target"]:
            tests.append(f"AND(ISNUMBER({target}),{like}*{imp}>{target})")
        return (f"AND(ISNUMBER({like}),ISNUMBER({imp}),EXACT({action},{p['last_action_ref']}),"
                f"{status}<>\"Closed\",OR({','.join(tests)}))")
    if check.kind == "small_number":
        return f"AND(ISNUMBER({r[0]}),{r[0]}>=1,{r[0]}<{p['threshold']})"
    if check.kind == "share":
        share, count, base = r
        return (f"AND(ISNUMBER({share}),ISNUMBER({count}),ISNUMBER({base}),{base}>0,"
                f"ABS({share}-{count}/{base})>{num(p['limit'])})")
    raise ValueError(check.kind)


def formula_explained(check: QueryCheck, ref: Callable[[str], str]) -> str:
    note = f'LEN(TRIM({ref(check.explanation)}))>0'
    if check.kind == "small_number":
        choice = ref(check.disclosure)
        return f'OR({choice}="{SUPPRESS}",AND({choice}="{PUBLISH}",{note}))'
    return note


def formula_open(check: QueryCheck, ref: Callable[[str], str]) -> str:
    """TRUE while the query is raised and not explained: the highlight and the Check row."""
    return f"AND({formula_raised(check, ref)},NOT({formula_explained(check, ref)}))"


def tolerance(*numbers: float) -> float:
    return TOLERANCE * max([1.0, *(abs(n) for n in numbers)])


# --------------------------------------------------------------------------- building


def build_checks(programme: Programme, period: Period, last: PeriodSnapshot | None,
                 has: Callable[[str], bool],
                 last_action_ref: Callable[[str], str], short: Callable[[ItemKey], str]
                 ) -> list[QueryCheck]:
    """Every query check of a form: the definition's rules on the rows this form holds.

    ``has`` says whether the form holds a field; ``last_action_ref`` gives the
    locked cell holding a carried risk's last action; ``short`` a row's name.
    Rules that compare with last period make no check when there is no last
    period's figure to compare with.
    """
    from hnbxl.programme.definition import query_items

    q = programme.queries
    out: list[QueryCheck] = []
    last_values = last.values if last else {}
    units: dict[str, str] = {ItemKey.make("measures", m.id): m.unit for m in programme.measures}
    units.update({ItemKey.make("finance", r.id): "money" for r in programme.finance_rows})

    def figure_field(item: ItemKey) -> FieldKey:
        return item.field("this_quarter" if item.section == "finance" else "figure")

    def prev(item: ItemKey) -> float | None:
        value = last_values.get(figure_field(item))
        return value if is_number(value) else None

    for rule in q.rules:
        if rule.kind == "share":
            share = rule.params["share"]
            item = FieldKey(share).item
            if all(has(rule.params[k]) for k in ("share", "count", "base")):
                out.append(QueryCheck(
                    "share", item,
                    rule.message or f"{short(item)}: the share does not agree with its count "
                    f"and base (within {rule.params['tolerance'] * 100:g} points)",
                    (share, rule.params["count"], rule.params["base"]), item.field("explanation"),
                    {"limit": rule.params["tolerance"] + TOLERANCE}))
            continue
        if rule.kind == "risk_action":
            if last is None:
                continue  # no last period: the action shown is the definition's, not a return's
            for risk in last.open_risks:
                base = ItemKey.make("risks", risk.id)
                if not any(matches(ref, base) for ref in rule.of) or not has(base.field("action")):
                    continue
                why = " or ".join(w for w, on in (("rose", rule.params["rose"]),
                                                   ("is above its target",
                                                    rule.params["above_target"])) if on)
                out.append(QueryCheck(
                    "risk_action", base,
                    rule.message or f"{risk.id} {short(base)}: the score {why} and the action "
                    "is last period's",
                    tuple(base.field(part) for part in
                          ("likelihood", "impact", "action", "target", "status")),
                    base.field("explanation"),
                    {"last_score": risk.score, "last_action": risk.action,
                     "last_action_ref": last_action_ref(risk.id),
                     "rose": rule.params["rose"], "above_target": rule.params["above_target"]}))
            continue
        for item in query_items(programme, rule):
            fig = figure_field(item)
            if not has(fig):
                continue
            unit = units[item]
            before = prev(item)
            explanation = item.field("explanation")
            if rule.kind == "small_number":
                n = q.small_number
                out.append(QueryCheck(
                    "small_number", item,
                    rule.message or f"{short(item)}: fewer than {n}; publish with a reason, "
                    "or suppress", (fig,), explanation, {"threshold": n},
                    disclosure=item.field("disclosure")))
                continue
            if rule.kind == "savings_over_budget":
                row = programme.finance_row(item.ident)
                budget = programme.finance_for(row, period)
                out.append(QueryCheck(
                    "savings_over_budget", item,
                    rule.message or f"{short(item)}: savings above the budget of "
                    f"{format_in_unit(budget.budget, 'money')}", (fig,), explanation,
                    {"limit": budget.budget + tolerance(budget.budget)}))
                continue
            if before is None:
                continue
            tol = tolerance(before)
            if rule.kind == "moved":
                said = f"last period's {format_in_unit(before, unit)}"
                expected, step = before, abs(before)
                ytd = year_to_date(programme, item, before, last, period)
                if ytd is not None:
                    expected, step, said = ytd
                limits, words = [], []
                if "share" in rule.params:
                    limits.append(rule.params["share"] * step + tol)
                    words.append(f"{rule.params['share'] * 100:g}%")
                if "amount" in rule.params:
                    limits.append(rule.params["amount"] + tol)
                    words.append(format_in_unit(rule.params["amount"], unit))
                moved = "moved" if ytd is None else "the increase since last period differs"
                out.append(QueryCheck(
                    "moved", item,
                    rule.message or f"{short(item)}: {moved} by more than {' or '.join(words)} "
                    f"from {said}", (fig,), explanation,
                    {"last": expected, "limits": tuple(limits)}))
            elif rule.kind == "unchanged":
                out.append(QueryCheck(
                    "unchanged", item,
                    rule.message or f"{short(item)}: the same as last period's "
                    f"{format_in_unit(before, unit)}, where a change is expected", (fig,),
                    explanation, {"last": before, "tol": tol}))
            elif rule.kind == "rating_vs_figure":
                ytd = year_to_date(programme, item, before, last, period)
                before = before if ytd is None else ytd[0]
                check = _rating_check(programme, last, item, fig, before, tol, has, short,
                                      rule.message)
                if check:
                    out.append(check)
    return out


def year_to_date(programme: Programme, item: ItemKey, before: float,
                 last: PeriodSnapshot | None, period: Period
                 ) -> tuple[float, float, str] | None:
    """For a year-to-date measure: the expected total, the expected increment, and words.

    A running total always grows, so "moved by 25%" on the total fires every
    month (70 -> 158 is +126%).  Like is compared with like instead: the months
    since last period's figure at the year's average month so far (last
    period's total over its months of the year).  At the financial year's
    start the total starts again, so the expected figure is last year's
    average month times the months of the new year.  ``None`` for any other row.
    """
    if not item.startswith("measures."):
        return None
    measure = programme.measure(item.ident)
    if not measure.cumulative or last is None:
        return None
    fy = programme.financial_year_start_month
    average = before / last.period.month_of_year(fy)
    month = format_in_unit(average, measure.unit)
    if last.period.financial_year(fy) == period.financial_year(fy):
        gap = period.month_of_year(fy) - last.period.month_of_year(fy)
        expected = before + average * gap
        return expected, abs(average * gap), (
            f"the year's average of {month} a month (year to date "
            f"{format_in_unit(before, measure.unit)} last period, so about "
            f"{format_in_unit(expected, measure.unit)} now)")
    expected = average * period.month_of_year(fy)
    return expected, abs(expected), (
        f"last year's average of {month} a month (the year-to-date total starts again "
        f"in {period.financial_year(fy)}, so about {format_in_unit(expected, measure.unit)} now)")


def _rating_check(programme: Programme, last: PeriodSnapshot | None, item: ItemKey, fig: str,
                  before: float, tol: float,
                  has: Callable[[str], bool], short: Callable[[ItemKey], str], message: str
                  ) -> QueryCheck | None:
    measure = programme.measure(item.ident)
    rating_field = item.field("override") if measure.rule.computed else item.field("rating")
    last_key = last.ratings.get(item) if last else None
    scale = programme.scale
    states = [s for s in scale.states if s.key == last_key]
    if not states or not has(rating_field):
        return None
    better = [s for s in scale.states if s.rank < states[0].rank]
    if not better:
        return None
    lower = measure.direction == "lower"
    return QueryCheck(
        "rating_vs_figure", item,
        message or f"{short(item)}: rated better than last period's {states[0].label} while "
        f"the figure got worse than {format_in_unit(before, measure.unit)}",
        (fig, rating_field), item.field("explanation"),
        {"last": before, "tol": tol, "lower": lower,
         "better_keys": frozenset(s.key for s in better),
         "better_labels": tuple(s.label for s in better)})
