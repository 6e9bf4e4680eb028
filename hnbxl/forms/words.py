"""The words a form shows beside its cells: how a row is rated, what a unit means.

Prompts are what the person filling in reads when a cell is selected, so they
are written for that person (section titles and row names, never keys) and
clipped to what Excel accepts.  Kept out of the sheet builders because the
same words serve every sheet.
"""

from __future__ import annotations

from typing import Any

from hnbxl.core import fmt
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.forms.model import CHOICE, COUNT, DAYS, DECIMAL, MONEY, PERCENT
from hnbxl.programme.definition import Programme
from hnbxl.programme.thresholds import format_in_unit, threshold_at


def clip_prompt(text: str, limit: int = 255) -> str:
    """Excel refuses an input message over 255 characters (titles over 32)."""
    return fmt.clip(fmt.one_line(text), limit)


def sentence(text: str) -> str:
    """Text ending in one full stop: guidance that already ends in one keeps just that."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def band_words(p: Programme) -> str:
    return ", ".join(
        f"{p.scale.get(b.rag).label.split(' - ')[0].lower()} {b.min}-{b.max}"
        for b in p.risk_scoring.bands
    )


def rule_words(p: Programme, rule: Any, finance_row: Any = None, measure: Any = None,
               period: Period | None = None) -> str:
    """How a row is rated, in words (and the measure's unit) for the person filling in."""
    kind, params = rule.kind, rule.params
    if kind == "manual":
        return "Rated by the owner."
    if kind == "threshold":
        unit = measure.unit if measure is not None else "count"
        direction = params.get("direction", measure.direction if measure else None)
        if "bands" in params:
            side = "up to" if direction == "lower" else "from"
            parts = [f"{p.scale.get(state).label} {side} {format_in_unit(bound, unit)}"
                     if bound is not None else f"else {p.scale.get(state).label}"
                     for state, bound in params["bands"]]
            return f"Worked out from the figure: {'; '.join(parts)}."
        side = "up to" if direction == "lower" else "from"
        if params.get("profile") and period is not None:
            return _profiled_words(p, params, unit, side, period)
        found = threshold_at(params, period, p.financial_year_start_month)
        t = format_in_unit(found.target, unit)
        a = format_in_unit(found.amber_limit, unit)
        return f"Worked out from the figure: target {t}, amber {side} {a}."
    if kind == "variance":
        side = "under" if finance_row is None or finance_row.favourable == "under" else "over"
        return (f"Worked out from the variance: {side} budget is good; adverse by more than "
                f"{params['amber_tolerance']:.0%} is amber, more than "
                f"{params['red_tolerance']:.0%} red.")
    if kind == "cap":
        caps = ", ".join(f"{fmt.money(v)} in {y}" for y, v in params["caps"].items())
        source = ItemKey(params["source"]).ident
        row = next((r for r in p.finance_rows if r.id == source), None)
        name = row.name if row else source
        return f"Worked out from {name} against {p.words.the_cap} ({caps})."
    if kind == "derived":
        return f"Worked out from {refs_words(p, params['of'])}."
    return "Worked out by rule."


def _profiled_words(p: Programme, params: Any, unit: str, side: str, period: Period) -> str:
    """A profiled target names the month it is for: the one in the row's "Last update".

    The rule rates a figure against the target of the month its data is from,
    which is usually last month; so the form gives last month's target and this
    month's, each with its month, and says which applies, never one month's
    target alone that the report may not use.
    """
    parts = []
    for month in (period.previous(), period):
        found = threshold_at(params, month, p.financial_year_start_month)
        said = (f"{found.when} target {format_in_unit(found.target, unit)}, amber {side} "
                f"{format_in_unit(found.amber_limit, unit)}")
        if said not in parts:
            parts.append(said)
    return f"Rated against the target of the month in 'Last update': {'; '.join(parts)}."


def refs_words(p: Programme, refs: tuple[str, ...]) -> str:
    """Derived-rule references as people read them: section titles and row names, not keys."""
    names: dict[str, str] = {key: name for key, name, _rule in p.rated_items()}
    words = []
    for ref in refs:
        section, item = ItemKey(ref).section, ItemKey(ref).ident
        title = p.sections[section].title if section in p.sections else section
        if item == "*":
            words.append(f"every row of {title}")
        elif ref in names:
            words.append(names[ref])
        else:
            words.append(f"rows of {title}")
    return ", ".join(words)


#: The same three rating columns on every form: the rule's, the owner's own, and why.
RULE_RATING = "Rating from the rule"
YOUR_RATING = "Your rating (if you disagree)"
WHY_YOURS = "Why you disagree"

FAVOURABLE_WORDS = {"under": "Spend under budget", "over": "Savings over budget"}
FIGURE_KIND = {
    "count": COUNT,
    "percent": PERCENT,
    "money": MONEY,
    "count_with_share": COUNT,
    "status": CHOICE,
    "days": DAYS,
    "number": DECIMAL,
}
UNIT_WORDS = {
    "count": "Number",
    "percent": "Percentage",
    "money": "Money (£)",
    "count_with_share": "Number (with share)",
    "status": "Status",
    "days": "Days",
    "number": "Number (decimals)",
}
#: A unit as a sentence names it ("was a number on this form and is now pounds").
UNIT_NAMES = {
    "count": "a number",
    "percent": "a percentage",
    "money": "pounds",
    "count_with_share": "a number with its share",
    "status": "a status",
    "days": "a number of days",
    "number": "a number with decimals",
}
UNIT_PROMPTS = {
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
    "days": "A number of days, 0 or more (decimals allowed, e.g. 12.5), without the word days.",
    "number": "A number, 0 or more, with decimals if needed (e.g. 0.85 or 45.3).",
}
