"""RAG rules as pure functions: one small function per rule kind, and an evaluator.

A rating is a key of the programme's RAG scale or the scale's no-data key.
Rules decide a *grade* (green, amber, red) and show it as the state that
carries it (:meth:`RagScale.for_grade`), so a BRAG scale with "Complete" first
or a two- or five-state scale rates correctly; sentences name states by label.
Every function here takes plain values and returns a :class:`Rating` (the key
and a one-sentence basis in plain words), so the committee can be told *why* a
row is amber and the rules can be tested without a workbook.  Nothing here
reads files or knows about cells.

Comparisons that involve arithmetic (variance fractions, cap multiples) are done
on exact fractions of the numbers as written, so a value that sits exactly on a
boundary the definition gives (5% adverse against a 5% tolerance) lands on the
side the definition says, not on whichever side binary rounding pushes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from hnbxl.core import fmt
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.programme.definition import (
    DEFAULT_HEADINGS,
    FinanceRow,
    Programme,
    RagScale,
    RiskScoring,
    Rule,
)
from hnbxl.programme.derived import derived_order, expand_refs
from hnbxl.programme.thresholds import format_in_unit, threshold_at

__all__ = [
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


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class RatingResult:
    """The final rating of one rated row, with what the rule gave and why."""

    key: str  # final RAG key (scale key or scale.no_data.key)
    computed: str | None  # what the rule gave (None for manual)
    overridden: bool
    reason: str | None  # override reason
    basis: str  # one short sentence in plain words: how it was rated
    override_refused: bool = False  # an override was chosen without a reason


@dataclass(frozen=True)
class RuleInputs:
    """What the returns supplied for one period, keyed by item key (``"measures.x"``)."""

    manual: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    figures: dict[str, float | None] = field(default_factory=dict)
    this_quarter: dict[str, float | None] = field(default_factory=dict)
    figure_months: dict[str, Period] = field(default_factory=dict)  # data month, if given


class Rating(NamedTuple):
    """What one rule gave: a RAG key and the sentence that explains it."""

    key: str
    basis: str


NO_FIGURE = "No figure this period."


# --------------------------------------------------------------------------- formatting


def _figure(value: float, unit: str) -> str:
    return format_in_unit(value, unit)


def _exact(value: float | int) -> Fraction:
    """The number as written, exactly: ``0.05`` is 1/20, not the nearest binary double.

    ``repr`` of a float is the shortest text that reads back to it, which is the
    text the officer typed for any number with up to 15 significant digits.
    """
    if isinstance(value, bool):
        raise TypeError("a rating figure cannot be true/false")
    if isinstance(value, int):
        return Fraction(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a usable figure")
    return Fraction(repr(float(value)))


def _missing(value: float | None) -> bool:
    """None, and NaN (what a blank cell becomes in pandas), both mean no figure."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _check_key(scale: RagScale, key: str, what: str) -> str:
    try:
        return scale.get(key).key
    except KeyError:
        known = ", ".join(s.key for s in (*scale.states, scale.no_data))
        raise ValueError(f"{what} '{key}' is not a key of the RAG scale ({known})") from None


# --------------------------------------------------------------------------- per kind


def rate_manual(scale: RagScale, chosen: str | None) -> Rating:
    """The owner's own rating; no data when the owner gave none."""
    if chosen is None:
        return Rating(scale.no_data.key, "Not rated this period.")
    return Rating(_check_key(scale, chosen, "the rating"), "Rated by the owner.")


def rate_threshold(
    scale: RagScale,
    params: Mapping[str, Any],
    value: float | None,
    direction: str | None = None,
    unit: str = "count",
    month: Period | None = None,
    fy_start_month: int = 4,
) -> Rating:
    """A measure against its target: green at or better than target, amber to the limit.

    ``direction`` is the measure's own (which way is better); the rule's
    ``direction`` param wins when given.  ``unit`` only shapes the sentence.
    The boundaries are inclusive on the good side: exactly on target is green,
    exactly on the amber limit is amber.  A profiled target is the one for
    ``month`` (the month the figure's data is from), and the sentence names it.
    """
    direction = params.get("direction", direction)
    if direction not in ("lower", "higher"):
        raise ValueError(f"a threshold rule needs direction lower or higher, not {direction!r}")
    if _missing(value):
        return Rating(scale.no_data.key, NO_FIGURE)
    assert value is not None
    if "bands" in params:
        return _rate_bands(scale, params["bands"], value, direction, unit)
    found = threshold_at(params, month, fy_start_month)
    target, limit = found.target, found.amber_limit
    shown = _figure(value, unit)
    t, a = _figure(target, unit), _figure(limit, unit)
    the = f"the {found.when} " if found.when else "the "
    green, amber, red = _grades(scale)
    if direction == "lower":
        if value <= target:
            return Rating(green, f"{shown} is at or below {the}target of {t}.")
        if value <= limit:
            return Rating(amber, f"{shown} is above {the}target of {t}, within {the}limit of {a}.")
        return Rating(red, f"{shown} is above {the}limit of {a}.")
    if value >= target:
        return Rating(green, f"{shown} is at or above {the}target of {t}.")
    if value >= limit:
        return Rating(amber, f"{shown} is below {the}target of {t}, within {the}limit of {a}.")
    return Rating(red, f"{shown} is below {the}limit of {a}.")


def _rate_bands(scale: RagScale, bands: tuple[tuple[str, float | None], ...], value: float,
                direction: str, unit: str) -> Rating:
    """The first band (best first) whose bound the figure is within, inclusively.

    Each band names a state of the scale itself, so a five-state scale's
    "Minor slippage" can come from a rule, not only from an owner's override.
    """
    shown = _figure(value, unit)
    exact = _exact(value)
    previous: float | None = None
    for state, bound in bands:
        within = bound is None or (exact <= _exact(bound) if direction == "lower"
                                   else exact >= _exact(bound))
        if within:
            label = _label(scale, state)
            if bound is None:
                side = "above" if direction == "lower" else "below"
                assert previous is not None
                return Rating(state, f"{shown} is {side} {_figure(previous, unit)}: {label}.")
            side = "at or below" if direction == "lower" else "at or above"
            return Rating(state, f"{shown} is {side} {_figure(bound, unit)}: {label}.")
        previous = bound
    raise AssertionError("the last band has no bound")  # pragma: no cover - loader checks


def _grades(scale: RagScale) -> tuple[str, str, str]:
    """The state keys that show a green, an amber and a red result (``RagScale.for_grade``)."""
    return (scale.for_grade("green").key, scale.for_grade("amber").key,
            scale.for_grade("red").key)


def _label(scale: RagScale, key: str) -> str:
    """What a person reads for a state: its label, never its key."""
    return scale.get(key).label


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
    if _missing(this_quarter):
        return Rating(scale.no_data.key, "No figure this quarter.")
    if budget is None:
        return Rating(scale.no_data.key, "No budget for this financial year in the definition.")
    assert this_quarter is not None
    variance = _exact(this_quarter) - _exact(budget)
    adverse = max(Fraction(0), variance if favourable == "under" else -variance)
    amber_tol = _exact(params["amber_tolerance"])
    red_tol = _exact(params["red_tolerance"])
    green, amber, red = _grades(scale)

    if variance == 0:
        return Rating(green, "On budget.")
    side = "over" if variance > 0 else "under"
    if budget == 0:
        said = f"Variance {fmt.money(abs(variance))} {side} a budget of £0"
        if adverse == 0:
            return Rating(green, f"{said}, on the favourable side.")
        return Rating(red, f"{said}, on the adverse side.")
    fraction = adverse / abs(_exact(budget))
    shown = abs(variance) / abs(_exact(budget))
    said = f"Variance {fmt.money(abs(variance))} {side} budget ({fmt.percent(shown)})"
    if adverse == 0:
        return Rating(green, f"{said}, on the favourable side.")
    if fraction <= amber_tol:
        return Rating(green, f"{said}, within the {fmt.percent(amber_tol)} tolerance.")
    if fraction <= red_tol:
        return Rating(amber, f"{said}, beyond the {fmt.percent(amber_tol)} tolerance, "
                             f"within {fmt.percent(red_tol)}.")
    return Rating(red, f"{said}, beyond the {fmt.percent(red_tol)} tolerance.")


def band_for_score(scoring: RiskScoring, score: int) -> str | None:
    """The RAG key of the band a risk score falls in; None when no band covers it."""
    return scoring.band_for(score)


def rate_band(scale: RagScale, scoring: RiskScoring, score: int | None) -> Rating:
    """A risk score rated by the programme's bands (likelihood x impact)."""
    if score is None:
        return Rating(scale.no_data.key, "No score this period.")
    key = band_for_score(scoring, score)
    if key is None:
        return Rating(scale.no_data.key, f"Score {score} is in no band.")
    return Rating(key, f"Score {score} is in the {_label(scale, key)} band.")


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
    if not _missing(this_quarter):
        assert this_quarter is not None
        value, what = this_quarter, quarter_words
    elif budget is not None:
        value, what = budget, "Forecast"
    else:
        return Rating(
            scale.no_data.key, f"No figure this quarter and no budget for {financial_year}."
        )
    exact, exact_cap = _exact(value), _exact(cap)
    amber_from, red_from = _exact(params["amber_from"]), _exact(params["red_from"])
    green, amber, red = _grades(scale)
    said = f"{what} {fmt.money(value)}"
    of_cap = f"the cap of {fmt.money(cap)} ({cap_year})"

    def share(factor: Fraction) -> str:
        return of_cap if factor == 1 else f"{fmt.percent(factor)} of {of_cap}"

    if exact < exact_cap * amber_from:
        if amber_from == 1:
            return Rating(green, f"{said} is within {of_cap}.")
        return Rating(green, f"{said} is below {share(amber_from)}.")
    if exact < exact_cap * red_from:
        return Rating(amber, f"{said} is at or above {share(amber_from)}.")
    return Rating(red, f"{said} is at or above {share(red_from)}.")


def rate_derived(
    scale: RagScale,
    params: Mapping[str, Any],
    ratings: Mapping[str, str],
    own_key: str | None = None,
) -> Rating:
    """A rating made from other rows' final ratings.

    ``ratings`` maps item keys to final RAG keys (after overrides) and must hold
    every row the rule refers to.  ``worst_of`` takes the worst rating that has
    data.  ``count`` counts the rows rated exactly ``count`` for each ``when``
    in order, and the first that reaches ``at_least`` gives ``then``; when none
    does, the scale's best.  Either way, when no referenced row has data the
    result is no data: an unrated set of rows is not evidence of being on track.
    """
    refs = expand_refs(params["of"], ratings, own_key)
    no_data = scale.no_data.key
    rated = [ratings[k] for k in refs if ratings[k] != no_data]
    if not rated:
        return Rating(no_data, f"None of the {len(refs)} rows it is made from has a rating.")
    missing = len(refs) - len(rated)
    unrated = f" ({missing} without a rating)" if missing else ""
    method = params["method"]
    if method == "worst_of":
        worst = max((scale.get(k) for k in rated), key=lambda s: s.rank)
        return Rating(worst.key, f"Worst of {len(rated)} ratings{unrated}: {worst.label}.")
    if method == "count":
        for count_key, at_least, then in params["when"]:
            n = sum(1 for k in rated if k == count_key)
            if n >= at_least:
                then = _check_key(scale, then, "the derived rating")
                return Rating(
                    then,
                    f"{n} of {len(rated)} rated {_label(scale, count_key)}{unrated}, "
                    f"at least {at_least}: {_label(scale, then)}.",
                )
        best = scale.for_grade("green")
        return Rating(
            best.key, f"No count rule met by {len(rated)} ratings{unrated}: {best.label}.")
    raise ValueError(f"unknown derived method {method!r}")


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
    key = _check_key(scale, key, "the override")
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


def _rate_row(
    programme: Programme, period: Period, key: str, rule: Rule, inputs: RuleInputs
) -> Rating:
    """One non-derived, computed row's rating from this period's inputs."""
    scale = programme.scale
    year = period.financial_year(programme.financial_year_start_month)
    section, item_id = ItemKey(key).section, ItemKey(key).ident
    if rule.kind == "threshold":
        measure = programme.measure(item_id)
        return rate_threshold(
            scale, rule.params, inputs.figures.get(key), measure.direction, measure.unit,
            inputs.figure_months.get(key, period), programme.financial_year_start_month,
        )
    if rule.kind == "variance":
        row = programme.finance_row(item_id)
        return rate_variance(
            scale, rule.params, row.favourable, _budget(row, year), inputs.this_quarter.get(key)
        )
    if rule.kind == "cap":
        source = rule.params["source"]
        row = programme.finance_row(ItemKey(source).ident)
        heading = programme.headings["this_quarter"]
        # The seed's column heading is title case; inside a sentence it reads "This quarter".
        words = "This quarter" if heading == DEFAULT_HEADINGS["this_quarter"] else heading
        return rate_cap(
            scale, rule.params, year, inputs.this_quarter.get(source), _budget(row, year), words
        )
    raise ValueError(f"{key}: a {rule.kind} rule cannot rate a {section} row")


def _budget(row: FinanceRow, year: str) -> float | None:
    amounts = row.amounts.get(year)
    return amounts.budget if amounts is not None else None


def evaluate_all(
    programme: Programme, period: Period, inputs: RuleInputs
) -> dict[str, RatingResult]:
    """Rate every row of ``programme.rated_items()`` for a period, in report order.

    Manual rows take the owner's rating (overrides do not apply to them: the
    owner's rating already is the owner's judgement).  Computed rows take their
    rule's rating, replaced by an override that has a reason.  Derived rows are
    rated last, in dependency order, from the final ratings of the rows they
    are made from, so an override flows into the overall rating.
    """
    scale = programme.scale
    items: list[tuple[str, Rule]] = [(key, rule) for key, _name, rule in programme.rated_items()]
    rules = dict(items)
    order = derived_order(rules)  # fails on a loop before anything is rated
    results: dict[str, RatingResult] = {}
    for key, rule in items:
        if rule.kind == "manual":
            rating = rate_manual(scale, inputs.manual.get(key))
            results[key] = RatingResult(rating.key, None, False, None, rating.basis)
        elif rule.kind != "derived":
            rating = _rate_row(programme, period, key, rule, inputs)
            results[key] = apply_override(scale, rating, inputs.overrides.get(key))
    keys = tuple(rules)
    for key in order:
        refs = expand_refs(rules[key].params["of"], keys, key)
        rating = rate_derived(
            scale, rules[key].params, {k: results[k].key for k in refs}, key
        )
        results[key] = apply_override(scale, rating, inputs.overrides.get(key))
    return {key: results[key] for key, _rule in items}
