"""RAG rules: rating every row of a period, and an owner's override.

A rating is a key of the programme's RAG scale or the scale's no-data key.
Rules decide a *grade* (green, amber, red) and show it as the state that
carries it (:meth:`RagScale.for_grade`), so a BRAG scale with "Complete" first
or a two- or five-state scale rates correctly; sentences name states by label.
Each rule kind rates in its own module (``programme/kinds/``: ``rate_threshold``,
``rate_variance``... re-exported here) and returns a :class:`Rating` (the key
and a one-sentence basis in plain words), so the committee can be told *why* a
row is amber and the rules can be tested without a workbook.  This module
finds each row's kind in the registry, applies overrides, and rates rows made
from other rows' ratings last.  Nothing here reads files or knows about cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme, RagScale, Rule
from hnbxl.programme.derived import derived_order, expand_refs
from hnbxl.programme.kinds import kind_of
from hnbxl.programme.kinds.band import band_for_score, rate_band
from hnbxl.programme.kinds.base import NO_FIGURE, Rating, RowToRate, RuleInputs
from hnbxl.programme.kinds.cap import cap_for_year, rate_cap
from hnbxl.programme.kinds.compare import check_key
from hnbxl.programme.kinds.derived import rate_derived
from hnbxl.programme.kinds.manual import rate_manual
from hnbxl.programme.kinds.threshold import rate_threshold
from hnbxl.programme.kinds.variance import rate_variance

__all__ = [
    "NO_FIGURE",
    "Rating",
    "RatingResult",
    "RuleInputs",
    "apply_override",
    "band_for_score",
    "cap_for_year",
    "derived_order",
    "evaluate_all",
    "expand_refs",
    "rate_band",
    "rate_cap",
    "rate_derived",
    "rate_manual",
    "rate_threshold",
    "rate_variance",
]


@dataclass(frozen=True)
class RatingResult:
    """The final rating of one rated row, with what the rule gave and why."""

    key: str  # final RAG key (scale key or scale.no_data.key)
    computed: str | None  # what the rule gave (None for manual)
    overridden: bool
    reason: str | None  # override reason
    basis: str  # one short sentence in plain words: how it was rated
    override_refused: bool = False  # an override was chosen without a reason


# --------------------------------------------------------------------------- overrides


def apply_override(
    scale: RagScale, computed: Rating, override: tuple[str, str | None] | None
) -> RatingResult:
    """The final rating of a computed rule, given an owner's override, if any.

    An override needs a written reason, because the committee sees an
    overridden rating as the owner's judgement over the rule's.  Without one the
    computed rating stands and ``override_refused`` tells the caller to report
    it.  An override to the rating the rule already gave changes nothing and is
    not an override.
    """
    if override is None:
        return RatingResult(computed.key, computed.key, False, None, computed.basis)
    key, reason = override
    key = check_key(scale, key, "the override")
    if key == computed.key:
        return RatingResult(computed.key, computed.key, False, None, computed.basis)
    reason = reason.strip() if reason else ""
    if not reason:
        return RatingResult(
            computed.key, computed.key, False, None, computed.basis, override_refused=True
        )
    gave = scale.get(computed.key).label
    return RatingResult(key, computed.key, True, reason, f"Set by the owner; the rule gave {gave}.")


# --------------------------------------------------------------------------- evaluator


def evaluate_all(
    programme: Programme, period: Period, inputs: RuleInputs
) -> dict[str, RatingResult]:
    """Rate every row of ``programme.rated_items()`` for a period, in report order.

    Manual rows take the owner's rating (overrides do not apply to them: the
    owner's rating already is the owner's judgement).  Computed rows take their
    rule's rating, replaced by an override that has a reason.  Rows whose kind
    reads other rows (derived) are rated last, in dependency order, from the
    final ratings of the rows they are made from, so an override flows into
    the overall rating.
    """
    scale = programme.scale
    items: list[tuple[str, Rule]] = [(key, rule) for key, _name, rule in programme.rated_items()]
    rules = dict(items)
    order = derived_order(rules)  # fails on a loop before anything is rated
    results: dict[str, RatingResult] = {}

    def rate(key: str, ratings: dict[str, str]) -> None:
        rule = rules[key]
        rating = kind_of(rule.kind).rate(RowToRate(programme, period, key, rule, inputs, ratings))
        if rule.computed:
            results[key] = apply_override(scale, rating, inputs.overrides.get(key))
        else:
            results[key] = RatingResult(rating.key, None, False, None, rating.basis)

    for key, _rule in items:
        if key not in order:
            rate(key, {})
    for key in order:
        rate(key, {k: results[k].key for k in rules if k in results})
    return {key: results[key] for key, _rule in items}
