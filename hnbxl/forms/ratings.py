"""The rating a row's rule gives, worked out in the form as it is typed.

Every rule-rated row of a form has a locked cell beside its figure that shows
the rating the compile will give, by formula, so the owner sees it change as
they type and is asked for a rating of their own only where they disagree.
Each rule kind turns its rule into a :class:`RatingCheck` (the rule with this
period's numbers baked in) in its own module (``programme/kinds/``: ``form``),
and each check is judged in two ways from the same object, side by side
there, as the queries are (:mod:`hnbxl.forms.queries`):

* :func:`rating_formula`: a spreadsheet formula giving the state's label, and
* :func:`rating_label`: the same in Python, for the result XlsxWriter stores
  (LibreOffice shows a stored result until it recalculates).

``tests/forms/test_agreement.py`` recalculates hundreds of filled forms in
LibreOffice and checks that the cell equals what ``compile`` rates.  A rule
that cannot be worked out inside this workbook (its figure is on another
owner's form) is a check of kind ``elsewhere``, whose cell says so in words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme, Rule
from hnbxl.programme.kinds import FormRow, RatingCheck, form_kind, kind_of
from hnbxl.programme.kinds.base import NO_RULE

__all__ = ["NO_RULE", "RatingCheck", "build_rating", "rating_formula", "rating_label",
           "reads_other_rows"]


def reads_other_rows(rule: Rule) -> bool:
    """Whether a row's rating is made from other rows' (worked out in the second pass)."""
    return kind_of(rule.kind).reads(rule.params) is not None


def build_rating(p: Programme, period: Period, item: str, rule: Rule,
                 has: Callable[[str], bool], months: tuple[str, ...],
                 rows: Mapping[str, tuple[RatingCheck, str]] | None = None) -> RatingCheck:
    """The check for one rated row; ``has`` says whether this form holds a field.

    ``months`` are the labels a last-update dropdown offers (a profiled target
    depends on the month the figure is from).  ``rows``, for a rule that
    :func:`reads_other_rows`, maps the rows already built to their check and
    the cell of their rating.
    """
    return kind_of(rule.kind).form(FormRow(p, period, item, rule, has, months, rows or {}))


def rating_formula(check: RatingCheck, ref: Callable[[str], str]) -> str | None:
    """The rating's label as a spreadsheet formula (with ``=``); ``ref`` gives a field's cell.

    None when there is nothing to work out (``words`` is what the cell says).
    """
    kind = form_kind(check)
    return kind.formula(check, ref) if kind is not None else None


def rating_label(check: RatingCheck, values: Mapping[str, Any],
                 rules: Mapping[str, str] | None = None) -> str:
    """What :func:`rating_formula` gives for these values (field -> value as written);
    ``rules`` holds the other rows' rule ratings (labels) a derived rule reads."""
    kind = form_kind(check)
    return kind.label(check, values, rules or {}) if kind is not None else check.words
