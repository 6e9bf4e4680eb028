"""The rating a row's rule gives, worked out in the form as it is typed.

Every rule-rated row of a form has a locked cell beside its figure that shows
the rating the compile will give, by formula, so the owner sees it change as
they type and is asked for a rating of their own only where they disagree.
Each rule kind is turned here, and only here, into a :class:`RatingCheck`
(the rule with this period's numbers baked in), and each check is judged in
two ways from the same object, as the queries are (:mod:`hnbxl.forms.queries`):

* :func:`rating_formula`: a spreadsheet formula giving the state's label, and
* :func:`rating_label`: the same in Python, for the result XlsxWriter stores
  (LibreOffice shows a stored result until it recalculates).

``tests/forms/test_agreement.py`` recalculates hundreds of filled forms in
LibreOffice and checks that the cell equals what ``compile`` rates.  A rule
that cannot be worked out inside this workbook (its figure is on another
owner's form) is a check of kind ``elsewhere``, whose cell says so in words.
A new rule kind gets its case in :func:`build_rating`, :func:`rating_formula`
and :func:`rating_label`, side by side below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hnbxl.core.fmt import is_number
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.forms.queries import num
from hnbxl.programme.definition import Programme, Rule
from hnbxl.programme.thresholds import threshold_at
from hnbxl.xlsx.formulas import string_literal

#: What the cell of a manual row says: there is no rule, the owner rates it.
NO_RULE = "No rule: give your rating"


@dataclass(frozen=True)
class RatingCheck:
    """One row's rule as the form works it out: the fields it reads and its constants.

    ``kind`` is ``threshold`` (bands of a figure, best first), ``variance``,
    ``cap``, ``elsewhere`` (cannot be worked out here: ``words`` says why)
    or ``manual``.
    """

    item: str
    kind: str
    operands: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    words: str = ""


# --------------------------------------------------------------------------- building


def build_rating(p: Programme, period: Period, item: str, rule: Rule,
                 has: Callable[[str], bool], months: tuple[str, ...]) -> RatingCheck:
    """The check for one rated row; ``has`` says whether this form holds a field.

    ``months`` are the labels a last-update dropdown offers (a profiled target
    depends on the month the figure is from).
    """
    no_data = p.scale.no_data.label
    if rule.kind == "manual":
        return RatingCheck(item, "manual", words=NO_RULE)
    if rule.kind == "threshold":
        measure = p.measure(ItemKey(item).ident)
        direction = rule.params.get("direction", measure.direction)
        figure = ItemKey(item).field("figure")
        by_month = _threshold_bands(p, rule, months)
        return RatingCheck(item, "threshold", (figure, ItemKey(item).field("last_update")), {
            "lower": direction == "lower", "by_month": by_month,
            "default": _bands(p, rule, period), "no_data": no_data})
    if rule.kind == "variance":
        row = p.finance_row(ItemKey(item).ident)
        budget = p.finance_for(row, period).budget
        return RatingCheck(item, "variance", (ItemKey(item).field("this_quarter"),), {
            "budget": budget, "under": row.favourable == "under",
            "amber": rule.params["amber_tolerance"], "red": rule.params["red_tolerance"],
            "labels": _grade_labels(p), "no_data": no_data})
    if rule.kind == "cap":
        source = rule.params["source"]
        row = p.finance_row(ItemKey(source).ident)
        year = period.financial_year(p.financial_year_start_month)
        found = _cap_for_year(rule.params["caps"], year)
        amounts = row.amounts.get(year)
        if found is None:
            return RatingCheck(item, "elsewhere", words=f"{no_data}: no cap for {year} or later")
        if not has(f"{source}.this_quarter"):
            return RatingCheck(item, "elsewhere", words=(
                f"Worked out when compiled, from {row.name} on the "
                f"{p.sections['finance'].title} return"))
        cap = found[1]
        return RatingCheck(item, "cap", (f"{source}.this_quarter",), {
            "amber": cap * rule.params["amber_from"], "red": cap * rule.params["red_from"],
            "cap": cap, "amber_from": rule.params["amber_from"],
            "red_from": rule.params["red_from"],
            "budget": amounts.budget if amounts else None,
            "labels": _grade_labels(p), "no_data": no_data})
    return RatingCheck(item, "elsewhere", words=(
        "Worked out when compiled, from other rows' ratings" if rule.kind == "derived"
        else "Worked out when compiled"))


def _grade_labels(p: Programme) -> tuple[str, str, str]:
    return tuple(p.scale.for_grade(g).label for g in ("green", "amber", "red"))  # type: ignore


def _bands(p: Programme, rule: Rule, month: Period | None
           ) -> tuple[tuple[str, float | None], ...]:
    """The rule's bands for a month, best first: (label, bound), the last without a bound."""
    if "bands" in rule.params:
        return tuple((p.scale.get(state).label, bound) for state, bound in rule.params["bands"])
    found = threshold_at(rule.params, month, p.financial_year_start_month)
    green, amber, red = _grade_labels(p)
    return ((green, found.target), (amber, found.amber_limit), (red, None))


def _threshold_bands(p: Programme, rule: Rule, months: tuple[str, ...]
                     ) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """For a profiled target, each offered month's bands (grouped later); else none."""
    if not rule.params.get("profile"):
        return ()
    out = []
    for label in months:
        month = Period.parse(label)
        out.append((label, _bands(p, rule, month)))
    return tuple(out)


def _cap_for_year(caps: Mapping[str, float], year: str) -> tuple[str, float] | None:
    """The cap that applies in a year: its own, else the earliest later one (as the compile)."""
    if year in caps:
        return year, caps[year]
    start = int(year.split("/", 1)[0])
    later = sorted((y for y in caps if int(y.split("/", 1)[0]) > start),
                   key=lambda y: int(y.split("/", 1)[0]))
    return (later[0], caps[later[0]]) if later else None


def derived_check(p: Programme, item: str, rule: Rule,
                  rows: Mapping[str, tuple[RatingCheck, str]]) -> RatingCheck:
    """A derived rule worked out in the form when every row it is made from is on it.

    ``rows`` maps each rated row of this form to its check and the cell of its
    rule's rating (``'Key Measures'!$J$6``).  A row's final rating is the owner's
    own where one is chosen with a reason, else its rule's; a manual row's is its
    rating.  A referenced row not on this form, derived itself or worked out
    elsewhere leaves the rule to the compile, and the cell says so.
    """
    from hnbxl.programme.derived import expand_refs

    keys = [key for key, _name, _rule in p.rated_items()]
    refs = expand_refs(rule.params["of"], keys, item)
    parts = []
    for key in refs:
        found = rows.get(key)
        if found is None or found[0].kind not in ("manual", "threshold", "variance", "cap"):
            return RatingCheck(item, "elsewhere", words=(
                "Worked out when compiled, from rows rated on other forms"))
        check, cell = found
        parts.append((key, check.kind == "manual", cell))
    operands = tuple(f"{key}.rating" if manual else f"{key}.override" for key, manual, _ in parts)
    operands += tuple(f"{key}.override_reason" for key, manual, _ in parts if not manual)
    states = [(s.label, s.rank) for s in p.scale.states]
    return RatingCheck(item, "derived", operands, {
        "refs": tuple(parts), "method": rule.params["method"],
        "when": tuple((p.scale.get(k).label, n, p.scale.get(t).label)
                      for k, n, t in rule.params.get("when", ())),
        "worst_first": tuple(label for label, _rank in sorted(states, key=lambda s: -s[1])),
        "best": p.scale.for_grade("green").label, "no_data": p.scale.no_data.label})


# --------------------------------------------------------------------------- formula side



def _band_formula(x: str, bands: tuple[tuple[str, float | None], ...], lower: bool) -> str:
    out = ""
    for label, bound in bands:
        if bound is None:
            return out + string_literal(label) + ")" * out.count("IF(")
        out += f"IF({x}{'<=' if lower else '>='}{num(bound)},{string_literal(label)},"
    raise ValueError("the last band has no bound")  # pragma: no cover - loader checks


def rating_formula(check: RatingCheck, ref: Callable[[str], str]) -> str | None:
    """The rating's label as a spreadsheet formula (with ``=``); ``ref`` gives a field's cell.

    None when there is nothing to work out (``words`` is what the cell says).
    """
    r = [ref(f) for f in check.operands]
    p = check.params
    if check.kind == "threshold":
        x, month = r
        rated = _band_formula(x, p["default"], p["lower"])
        groups: dict[tuple[Any, ...], list[str]] = {}
        for label, bands in p["by_month"]:
            if bands != p["default"]:
                groups.setdefault(bands, []).append(label)
        for bands, labels in groups.items():
            test = ",".join(f"{month}={string_literal(m)}" for m in labels)
            rated = f"IF(OR({test}),{_band_formula(x, bands, p['lower'])},{rated})"
        return f"=IF(ISNUMBER({x}),{rated},{string_literal(p['no_data'])})"
    if check.kind == "variance":
        x = r[0]
        green, amber, red = (string_literal(label) for label in p["labels"])
        budget = p["budget"]
        adverse = f"({x}-{num(budget)})" if p["under"] else f"({num(budget)}-{x})"
        if budget == 0:
            rated = f"IF({adverse}>0,{red},{green})"
        else:
            share = f"{adverse}/{num(abs(budget))}"
            rated = (f"IF({adverse}<=0,{green},IF({share}<={num(p['amber'])},{green},"
                     f"IF({share}<={num(p['red'])},{amber},{red})))")
        return f"=IF(ISNUMBER({x}),{rated},{string_literal(p['no_data'])})"
    if check.kind == "cap":
        x = r[0]
        green, amber, red = (string_literal(label) for label in p["labels"])
        value = x if p["budget"] is None else f"IF(ISNUMBER({x}),{x},{num(p['budget'])})"
        cap = num(p["cap"])
        rated = (f"IF({value}<{cap}*{num(p['amber_from'])},{green},"
                 f"IF({value}<{cap}*{num(p['red_from'])},{amber},{red}))")
        if p["budget"] is None:
            return f"=IF(ISNUMBER({x}),{rated},{string_literal(p['no_data'])})"
        return "=" + rated
    if check.kind == "derived":
        return _derived_formula(p, ref)
    return None


def _derived_formula(p: Mapping[str, Any], ref: Callable[[str], str]) -> str:
    """Each referenced row's final rating (the owner's own with a reason, else the rule's),
    then the worst of them, or the first count rule met; no data when none is rated."""
    q = string_literal
    finals = []
    for key, manual, cell in p["refs"]:
        if manual:
            finals.append(ref(f"{key}.rating"))
        else:
            own, why = ref(f"{key}.override"), ref(f"{key}.override_reason")
            finals.append(f'IF(AND({own}<>"",LEN(TRIM({why}))>0),{own},{cell})')
    no_data = q(p["no_data"])
    rated = "+".join(f'AND({f}<>"",{f}<>{no_data})' for f in finals)
    if p["method"] == "worst_of":
        out = no_data
        for label in reversed(p["worst_first"]):  # best innermost, so the worst wins
            out = f"IF(OR({','.join(f'{f}={q(label)}' for f in finals)}),{q(label)},{out})"
    else:
        out = q(p["best"])
        for label, at_least, then in reversed(p["when"]):
            count = "+".join(f"({f}={q(label)})" for f in finals)
            out = f"IF({count}>={at_least},{q(then)},{out})"
    return f"=IF(({rated})=0,{no_data},{out})"


# --------------------------------------------------------------------------- Python side


def _exact(value: float) -> Fraction:
    """The number as written (``0.05`` is 1/20), as the compile's rules compare it."""
    return Fraction(value) if isinstance(value, int) else Fraction(repr(float(value)))


def _band_label(x: float, bands: tuple[tuple[str, float | None], ...], lower: bool) -> str:
    for label, bound in bands:
        if bound is None or (_exact(x) <= _exact(bound) if lower else
                             _exact(x) >= _exact(bound)):
            return label
    raise ValueError("the last band has no bound")  # pragma: no cover - loader checks


def rating_label(check: RatingCheck, values: Mapping[str, Any],
                 rules: Mapping[str, str] | None = None) -> str:
    """What :func:`rating_formula` gives for these values (field -> value as written);
    ``rules`` holds the other rows' rule ratings (labels) a derived rule reads."""
    v = [values.get(f) for f in check.operands]
    p = check.params
    if check.kind == "derived":
        finals = []
        for key, manual, _cell in p["refs"]:
            if manual:
                finals.append(values.get(f"{key}.rating") or "")
                continue
            own, why = values.get(f"{key}.override"), values.get(f"{key}.override_reason")
            chosen = own not in (None, "") and isinstance(why, str) and why.strip() != ""
            finals.append(own if chosen else (rules or {}).get(key, ""))
        rated = [f for f in finals if f not in ("", p["no_data"])]
        if not rated:
            return str(p["no_data"])
        if p["method"] == "worst_of":
            return str(next(label for label in p["worst_first"] if label in rated))
        for label, at_least, then in p["when"]:
            if sum(f == label for f in finals) >= at_least:
                return str(then)
        return str(p["best"])
    if check.kind == "threshold":
        x, month = v
        if not is_number(x):
            return str(p["no_data"])
        bands = dict(p["by_month"]).get(month, p["default"])
        return _band_label(x, bands, p["lower"])
    if check.kind == "variance":
        x = v[0]
        if not is_number(x):
            return str(p["no_data"])
        green, amber, red = (str(label) for label in p["labels"])
        budget = _exact(p["budget"])
        adverse = _exact(x) - budget if p["under"] else budget - _exact(x)
        if budget == 0:
            return red if adverse > 0 else green
        if adverse <= 0 or adverse / abs(budget) <= _exact(p["amber"]):
            return green
        return amber if adverse / abs(budget) <= _exact(p["red"]) else red
    if check.kind == "cap":
        x = v[0]
        if not is_number(x):
            if p["budget"] is None:
                return str(p["no_data"])
            x = p["budget"]
        green, amber, red = (str(label) for label in p["labels"])
        cap = _exact(p["cap"])
        if _exact(x) < cap * _exact(p["amber_from"]):
            return green
        return amber if _exact(x) < cap * _exact(p["red_from"]) else red
    return check.words
