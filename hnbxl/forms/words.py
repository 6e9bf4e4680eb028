"""The words a form shows beside its cells: how a row is rated, what a unit means.

Prompts are what the person filling in reads when a cell is selected, so they
are written for that person (section titles and row names, never keys) and
clipped to what Excel accepts.  Kept out of the sheet builders because the
same words serve every sheet.
"""

from __future__ import annotations

from hnbxl.core import fmt
from hnbxl.core.periods import Period
from hnbxl.forms.model import CHOICE, COUNT, DAYS, DECIMAL, MONEY, PERCENT
from hnbxl.programme.definition import FinanceRow, Measure, Programme, Rule
from hnbxl.programme.kinds import kind_of


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


def rule_words(p: Programme, rule: Rule, finance_row: FinanceRow | None = None,
               measure: Measure | None = None, period: Period | None = None) -> str:
    """How a row is rated, in words (and the measure's unit) for the person filling in;
    each kind says it in its own module (``programme/kinds/``)."""
    return kind_of(rule.kind).words(p, rule, measure=measure, finance_row=finance_row,
                                    period=period)


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
