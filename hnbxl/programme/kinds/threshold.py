"""``threshold``: a measure's figure against a target and amber limit, or named bands.

The numbers are in the measure's unit ("60%" for a percentage,
:mod:`hnbxl.programme.thresholds`); a target may follow a profile through the
year, and the figure is rated against the target of the month its data is
from.  Bands name states of the scale, so a five-state scale can be rated by
rule.  The boundaries are inclusive on the good side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from hnbxl.core.fmt import is_number
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.programme.kinds.base import NO_FIGURE, FormRow, KindBase, Rating, RatingCheck, RowToRate
from hnbxl.programme.kinds.compare import exact, grade_labels, grades, label, missing
from hnbxl.programme.model import DIRECTIONS, FinanceRow, Measure, Programme, RagScale, Rule
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.thresholds import (
    format_in_unit,
    profile_keys,
    share_value,
    threshold_at,
    unit_value,
)
from hnbxl.programme.toml_table import Table, TableReader
from hnbxl.xlsx.formulas import number_literal, string_literal

Bands = tuple[tuple[str, float | None], ...]


@dataclass(frozen=True)
class ThresholdParams(Params):
    """A measure's figure against a target and amber limit (or named bands), in its unit."""

    target: float | None = None
    amber_limit: float | None = None
    # {"by": "month" | "quarter", "kind": "values" | "share", "points": {...}}
    profile: Mapping[str, Any] | None = None
    # ((state key, bound), ...) best first, the last without a bound
    bands: Bands | None = None
    direction: str | None = None  # "lower" | "higher": the measure's own when absent


# --------------------------------------------------------------------------- reading


def in_unit(reader: TableReader, t: Table, name: str, unit: str | None,
            default: object = ...) -> float | None:
    """A threshold number in the measure's unit ("60%" for a percentage)."""
    value = t.get(name, (int, float, str), default)
    if value is None:
        return None
    try:
        return unit_value(value, unit or "number")
    except ValueError as exc:
        reader.fail(t.key(name), str(exc))


def read_threshold(reader: TableReader, sub: Table, unit: str | None, fy_start: int
                   ) -> dict[str, Any]:
    """Target, amber limit and profile, in the measure's unit (see thresholds.py).

    Or ``bands``: each names a state of the programme's scale and the bound
    up to (direction lower) or from (higher) which a figure takes it, best
    first, the last without a bound; a five-state scale is rated by rule.
    """
    if "bands" in sub.data:
        return {"bands": read_bands(reader, sub, unit)}
    raw = sub.get("profile", dict, None)
    out: dict[str, Any] = {}
    points: dict[str, Any] = {}
    kind = None
    if raw is not None:
        prof = Table(reader, raw, sub.key("profile"))
        try:
            order = profile_keys(list(prof.data), fy_start)
        except ValueError as exc:
            reader.fail(prof.path, str(exc))
        tables = [isinstance(prof.data[k], dict) for k in order]
        kind = "values" if all(tables) else "share" if not any(tables) else None
        if kind is None:
            reader.fail(prof.path, "mixes tables and shares; give every entry as "
                        "{ target = ..., amber_limit = ... } or every entry as a share")
        last = None
        for key in order:
            if kind == "values":
                point = prof.table(key)
                points[key] = (in_unit(reader, point, "target", unit),
                               in_unit(reader, point, "amber_limit", unit))
                point.done()
                continue
            prof.used.add(key)
            try:
                share = share_value(prof.data[key])
            except ValueError as exc:
                reader.fail(prof.key(key), str(exc))
            if last is not None and share < last:
                reader.fail(prof.key(key), "is below the share before it; a cumulative "
                            "share grows through the year")
            points[key], last = share, share
        prof.done()
        out["profile"] = {"by": "quarter" if order[0] == "Q1" else "month",
                          "kind": kind, "points": points}
    required = ... if kind != "values" else None
    out["target"] = in_unit(reader, sub, "target", unit, required)
    out["amber_limit"] = in_unit(reader, sub, "amber_limit", unit, required)
    if kind == "values" and (out["target"] is None) != (out["amber_limit"] is None):
        reader.fail(sub.key("target"), "give both target and amber_limit, or neither")
    if out["target"] is None:  # a values profile alone: the year-end point is the annual
        out["target"], out["amber_limit"] = points[list(points)[-1]]
    return out


def read_bands(reader: TableReader, sub: Table, unit: str | None) -> Bands:
    """``bands = [{ state = "on_track", bound = 15 }, ..., { state = "off_track" }]``."""
    out: list[tuple[str, float | None]] = []
    raw = sub.get("bands", list)
    if len(raw) < 2:
        reader.fail(sub.key("bands"), "give at least two bands, best first")
    for i, item in enumerate(raw):
        where = f"{sub.key('bands')}[{i}]"
        if not isinstance(item, dict):
            reader.fail(where, "expected a table { state = ..., bound = ... }")
        band = Table(reader, item, where)
        state = band.text("state")
        last = i == len(raw) - 1
        bound = in_unit(reader, band, "bound", unit, None)
        if last and bound is not None:
            reader.fail(band.key("bound"), "the last band takes every other figure; "
                        "give it no bound")
        if not last and bound is None:
            reader.fail(band.key("bound"), "every band but the last needs a bound")
        band.done()
        out.append((state, bound))
    return tuple(out)


def check_bands(reader: TableReader, where: str, bands: Bands, better_low: bool) -> None:
    """Bounds run from the best band to the worst: rising for lower, falling for higher."""
    bounds = [b for _state, b in bands if b is not None]
    for i, (a, b) in enumerate(pairwise(bounds)):
        if (b <= a) if better_low else (b >= a):
            reader.fail(f"{where}[{i + 1}].bound",
                        f"{b:g} does not follow {a:g}; bands go best first, so bounds "
                        + ("rise" if better_low else "fall") + " from band to band")


# --------------------------------------------------------------------------- rating


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
    if missing(value):
        return Rating(scale.no_data.key, NO_FIGURE)
    assert value is not None
    if "bands" in params:
        return _rate_bands(scale, params["bands"], value, direction, unit)
    found = threshold_at(params, month, fy_start_month)
    target, limit = found.target, found.amber_limit
    shown = format_in_unit(value, unit)
    t, a = format_in_unit(target, unit), format_in_unit(limit, unit)
    the = f"the {found.when} " if found.when else "the "
    green, amber, red = grades(scale)
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


def _rate_bands(scale: RagScale, bands: Bands, value: float, direction: str, unit: str
                ) -> Rating:
    """The first band (best first) whose bound the figure is within, inclusively.

    Each band names a state of the scale itself, so a five-state scale's
    "Minor slippage" can come from a rule, not only from an owner's override.
    """
    shown = format_in_unit(value, unit)
    previous: float | None = None
    for state, bound in bands:
        if bound is None or _within(value, bound, direction == "lower"):
            name = label(scale, state)
            if bound is None:
                side = "above" if direction == "lower" else "below"
                assert previous is not None
                return Rating(state, f"{shown} is {side} {format_in_unit(previous, unit)}: "
                                     f"{name}.")
            side = "at or below" if direction == "lower" else "at or above"
            return Rating(state, f"{shown} is {side} {format_in_unit(bound, unit)}: {name}.")
        previous = bound
    raise AssertionError("the last band has no bound")  # pragma: no cover - loader checks


def _within(value: float, bound: float, lower: bool) -> bool:
    """Whether a figure is on the good side of a band's bound, the bound included."""
    return exact(value) <= exact(bound) if lower else exact(value) >= exact(bound)


# --------------------------------------------------------------------------- the form


def _bands(p: Programme, rule: Rule, month: Period | None) -> tuple[tuple[str, float | None], ...]:
    """The rule's bands for a month, best first: (label, bound), the last without a bound."""
    if "bands" in rule.params:
        return tuple((p.scale.get(state).label, bound) for state, bound in rule.params["bands"])
    found = threshold_at(rule.params, month, p.financial_year_start_month)
    green, amber, red = grade_labels(p.scale)
    return ((green, found.target), (amber, found.amber_limit), (red, None))


def _threshold_bands(p: Programme, rule: Rule, months: tuple[str, ...]
                     ) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """For a profiled target, each offered month's bands (grouped later); else none."""
    if not rule.params.get("profile"):
        return ()
    return tuple((month, _bands(p, rule, Period.parse(month))) for month in months)


def _band_formula(x: str, bands: Bands, lower: bool) -> str:
    out = ""
    for name, bound in bands:
        if bound is None:
            return out + string_literal(name) + ")" * out.count("IF(")
        out += f"IF({x}{'<=' if lower else '>='}{number_literal(bound)},{string_literal(name)},"
    raise ValueError("the last band has no bound")  # pragma: no cover - loader checks


def _profiled_words(p: Programme, params: Mapping[str, Any], unit: str, side: str,
                    period: Period) -> str:
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


# --------------------------------------------------------------------------- the kind


class Threshold(KindBase):
    """Rates measures only; the figure and its last-update month are on the form."""

    name = "threshold"
    params = ThresholdParams

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        params = read_threshold(reader, sub, unit, fy_start)
        direction = sub.choice("direction", DIRECTIONS, None)
        if direction is not None:
            params["direction"] = direction
        return params

    def check_measure(self, reader: TableReader, t: Table, measure: Measure) -> None:
        params = measure.rule.params
        better_low = params.get("direction", measure.direction) == "lower"
        profile = params.get("profile")
        if "bands" in params:
            check_bands(reader, t.key("rule") + ".bands", params["bands"], better_low)
        pairs = [("", params["target"], params["amber_limit"])] if "target" in params else []
        if profile and profile["kind"] == "values":
            pairs = [(f".profile.{k}", *v) for k, v in profile["points"].items()]
        for where, target, limit in pairs:
            if (limit < target) if better_low else (limit > target):
                reader.fail(t.key("rule") + where,
                            f"amber_limit {limit:g} is on the wrong side of target {target:g}"
                            f" for direction '{params.get('direction', measure.direction)}'")
        if measure.unit == "status":
            reader.fail(t.key("rule"), "a status measure cannot have a threshold rule")
        if params.get("direction", measure.direction) is None:
            reader.fail(t.key("direction"), "a threshold rule needs direction = lower or higher")

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> None:
        if not key.startswith("measures."):
            reader.fail(where, "a threshold rule needs a figure; only measures have one")
        for i, (state, _bound) in enumerate(rule.params.get("bands", ())):
            if state not in {s.key for s in programme.scale.states}:
                reader.fail(f"{where}.bands[{i}].state",
                            f"'{state}' is not a state of the RAG scale "
                            f"({', '.join(s.key for s in programme.scale.states)})")

    def rate(self, row: RowToRate) -> Rating:
        p = row.programme
        measure = p.measure(ItemKey(row.key).ident)
        return rate_threshold(
            p.scale, row.rule.params, row.inputs.figures.get(row.key), measure.direction,
            measure.unit, row.inputs.figure_months.get(row.key, row.period),
            p.financial_year_start_month)

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        p, params = programme, rule.params
        unit = measure.unit if measure is not None else "count"
        direction = params.get("direction", measure.direction if measure else None)
        side = "up to" if direction == "lower" else "from"
        if "bands" in params:
            parts = [f"{p.scale.get(state).label} {side} {format_in_unit(bound, unit)}"
                     if bound is not None else f"else {p.scale.get(state).label}"
                     for state, bound in params["bands"]]
            return f"Worked out from the figure: {'; '.join(parts)}."
        if params.get("profile") and period is not None:
            return _profiled_words(p, params, unit, side, period)
        found = threshold_at(params, period, p.financial_year_start_month)
        t = format_in_unit(found.target, unit)
        a = format_in_unit(found.amber_limit, unit)
        return f"Worked out from the figure: target {t}, amber {side} {a}."

    def form(self, row: FormRow) -> RatingCheck:
        p, item = row.programme, ItemKey(row.item)
        measure = p.measure(item.ident)
        direction = row.rule.params.get("direction", measure.direction)
        return RatingCheck(row.item, self.name, (item.field("figure"), item.field("last_update")), {
            "lower": direction == "lower", "by_month": _threshold_bands(p, row.rule, row.months),
            "default": _bands(p, row.rule, row.period), "no_data": p.scale.no_data.label})

    def formula(self, check: RatingCheck, ref: Callable[[str], str]) -> str | None:
        x, month = (ref(f) for f in check.operands)
        p = check.params
        rated = _band_formula(x, p["default"], p["lower"])
        groups: dict[tuple[Any, ...], list[str]] = {}
        for name, bands in p["by_month"]:
            if bands != p["default"]:
                groups.setdefault(bands, []).append(name)
        for bands, names in groups.items():
            test = ",".join(f"{month}={string_literal(m)}" for m in names)
            rated = f"IF(OR({test}),{_band_formula(x, bands, p['lower'])},{rated})"
        return f"=IF(ISNUMBER({x}),{rated},{string_literal(p['no_data'])})"

    def label(self, check: RatingCheck, values: Mapping[str, Any],
              rules: Mapping[str, str]) -> str:
        x, month = (values.get(f) for f in check.operands)
        p = check.params
        if not is_number(x):
            return str(p["no_data"])
        bands = dict(p["by_month"]).get(month, p["default"])
        return str(next(name for name, bound in bands
                        if bound is None or _within(x, bound, p["lower"])))


KIND = Threshold()
