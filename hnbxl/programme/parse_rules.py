"""Reading the rules and measures of a definition: how each row is rated.

A rule's parameters depend on its kind and a threshold's numbers on the
measure's unit ("60%" for a percentage), so a measure and its rule are read
together and checked against each other here (a target on the wrong side of
its amber limit, a threshold on a status measure) before any form is made.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hnbxl.core.periods import PeriodError, parse_financial_year
from hnbxl.programme.model import DIRECTIONS, RULE_KINDS, UNITS, Measure, RatedItem, Rule
from hnbxl.programme.rhythm import FREQUENCIES, Rhythm, parse_rhythm
from hnbxl.programme.rule_kinds import RULE_PARAMS, params_of
from hnbxl.programme.thresholds import profile_keys, share_value, unit_value
from hnbxl.programme.toml_table import Table, TableReader


class RuleReader(TableReader):
    """The rule-reading part of the loader; ``fy_start`` orders a monthly profile."""

    def __init__(self, source: str, text: str):
        super().__init__(source, text)
        self.fy_start = 4  # read from [programme] before any rule needs it
        self.owner_keys: tuple[str, ...] = ()  # read from [owners] before any row

    def rule(self, t: Table, default: Rule | None = None, unit: str | None = None) -> Rule:
        """The row's ``[rule]``; without one, ``default`` (a manual rating if None)."""
        raw = t.get("rule", dict, None)
        if raw is None:
            return default or Rule("manual")
        sub = Table(self, raw, t.key("rule"))
        kind = sub.choice("kind", RULE_KINDS)
        params: dict[str, Any] = {}
        if kind == "threshold":
            params.update(self.threshold(sub, unit))
            direction = sub.choice("direction", DIRECTIONS, None)
            if direction is not None:
                params["direction"] = direction
        elif kind == "variance":
            params["amber_tolerance"] = sub.number("amber_tolerance")
            params["red_tolerance"] = sub.number("red_tolerance")
            if not 0 <= params["amber_tolerance"] <= params["red_tolerance"]:
                self.fail(sub.key("red_tolerance"),
                          "tolerances must be 0 or more, with red_tolerance >= amber_tolerance")
        elif kind == "derived":
            params["method"] = sub.choice("method", ("worst_of", "count"))
            params["of"] = tuple(self.text_list(sub, "of"))
            if params["method"] == "count":
                whens = []
                for w in sub.tables("when"):
                    whens.append(
                        (w.text("count"), w.integer("at_least", 1, 1000), w.text("then"))
                    )
                    w.done()
                params["when"] = tuple(whens)
        elif kind == "cap":
            params["source"] = sub.text("source")
            params["amber_from"] = sub.number("amber_from", 1.0)
            params["red_from"] = sub.number("red_from", 1.05)
            caps = sub.table("caps")
            parsed = {}
            for year in caps.data:
                try:
                    parse_financial_year(year)
                except PeriodError as exc:
                    self.fail(caps.key(year), str(exc))
                parsed[year] = caps.number(year)
            if not parsed:
                self.fail(caps.path, "is empty; give at least one year's cap")
            params["caps"] = parsed
            if params["red_from"] < params["amber_from"]:
                self.fail(sub.key("red_from"), "must not be below amber_from")
        sub.done()
        return Rule(kind, params_of(RULE_PARAMS, kind, params))

    def threshold(self, sub: Table, unit: str | None) -> dict[str, Any]:
        """Target, amber limit and profile, in the measure's unit (see thresholds.py).

        Or ``bands``: each names a state of the programme's scale and the bound
        up to (direction lower) or from (higher) which a figure takes it, best
        first, the last without a bound; a five-state scale is rated by rule.
        """
        if "bands" in sub.data:
            return {"bands": self.bands(sub, unit)}
        raw = sub.get("profile", dict, None)
        out: dict[str, Any] = {}
        points: dict[str, Any] = {}
        kind = None
        if raw is not None:
            prof = Table(self, raw, sub.key("profile"))
            try:
                order = profile_keys(list(prof.data), self.fy_start)
            except ValueError as exc:
                self.fail(prof.path, str(exc))
            tables = [isinstance(prof.data[k], dict) for k in order]
            kind = "values" if all(tables) else "share" if not any(tables) else None
            if kind is None:
                self.fail(prof.path, "mixes tables and shares; give every entry as "
                          "{ target = ..., amber_limit = ... } or every entry as a share")
            last = None
            for key in order:
                if kind == "values":
                    point = prof.table(key)
                    points[key] = (self.in_unit(point, "target", unit),
                                   self.in_unit(point, "amber_limit", unit))
                    point.done()
                    continue
                prof.used.add(key)
                try:
                    share = share_value(prof.data[key])
                except ValueError as exc:
                    self.fail(prof.key(key), str(exc))
                if last is not None and share < last:
                    self.fail(prof.key(key), "is below the share before it; a cumulative "
                              "share grows through the year")
                points[key], last = share, share
            prof.done()
            out["profile"] = {"by": "quarter" if order[0] == "Q1" else "month",
                              "kind": kind, "points": points}
        required = ... if kind != "values" else None
        out["target"] = self.in_unit(sub, "target", unit, required)
        out["amber_limit"] = self.in_unit(sub, "amber_limit", unit, required)
        if kind == "values" and (out["target"] is None) != (out["amber_limit"] is None):
            self.fail(sub.key("target"), "give both target and amber_limit, or neither")
        if out["target"] is None:  # a values profile alone: the year-end point is the annual
            out["target"], out["amber_limit"] = points[list(points)[-1]]
        return out

    def bands(self, sub: Table, unit: str | None) -> tuple[tuple[str, float | None], ...]:
        """``bands = [{ state = "on_track", bound = 15 }, ..., { state = "off_track" }]``."""
        out: list[tuple[str, float | None]] = []
        raw = sub.get("bands", list)
        if len(raw) < 2:
            self.fail(sub.key("bands"), "give at least two bands, best first")
        for i, item in enumerate(raw):
            where = f"{sub.key('bands')}[{i}]"
            if not isinstance(item, dict):
                self.fail(where, "expected a table { state = ..., bound = ... }")
            band = Table(self, item, where)
            state = band.text("state")
            last = i == len(raw) - 1
            bound = self.in_unit(band, "bound", unit, None)
            if last and bound is not None:
                self.fail(band.key("bound"), "the last band takes every other figure; "
                          "give it no bound")
            if not last and bound is None:
                self.fail(band.key("bound"), "every band but the last needs a bound")
            band.done()
            out.append((state, bound))
        return tuple(out)

    def in_unit(self, t: Table, name: str, unit: str | None, default: Any = ...) -> Any:
        """A threshold number in the measure's unit ("60%" for a percentage)."""
        value = t.get(name, (int, float, str), default)
        if value is None:
            return None
        try:
            return unit_value(value, unit or "number")
        except ValueError as exc:
            self.fail(t.key(name), str(exc))

    def check_bands(self, where: str, bands: Any, better_low: bool) -> None:
        """Bounds run from the best band to the worst: rising for lower, falling for higher."""
        bounds = [b for _state, b in bands if b is not None]
        for i, (a, b) in enumerate(pairwise(bounds)):
            if (b <= a) if better_low else (b >= a):
                self.fail(f"{where}[{i + 1}].bound",
                          f"{b:g} does not follow {a:g}; bands go best first, so bounds "
                          + ("rise" if better_low else "fall") + " from band to band")

    def row_owner(self, t: Table) -> str | None:
        """A row's own ``owner``, overriding its section's; checked against ``[owners]``."""
        owner = t.text("owner", None)
        if owner is not None and owner not in self.owner_keys:
            self.fail(t.key("owner"), f"'{owner}' is not an owner; owners are "
                      f"{', '.join(self.owner_keys)}")
        return owner

    def rhythm(self, t: Table, default: Rhythm | None = None) -> Rhythm | None:
        """``frequency`` and ``due``: how often a section or a row reports."""
        frequency = t.get("frequency", str, None)
        due = t.get("due", list, None)
        if frequency is None:
            if due is not None:
                self.fail(t.key("due"), "give frequency = \"quarterly\" or \"annually\" "
                          "with due")
            return default
        try:
            return parse_rhythm(frequency, due, self.fy_start)
        except ValueError as exc:
            self.fail(t.key("due" if due is not None and frequency in FREQUENCIES
                            else "frequency"), str(exc))
        raise AssertionError  # pragma: no cover - fail raises

    def rated(self, t: Table) -> RatedItem:
        item = RatedItem(self.ident(t, "id"), t.text("name"), self.rule(t), self.row_owner(t),
                         self.rhythm(t))
        t.done()
        return item

    def measure(self, t: Table) -> Measure:
        unit = t.choice("unit", UNITS)
        statuses = tuple(self.text_list(t, "statuses")) if "statuses" in t.data else ()
        if unit == "status" and not statuses:
            self.fail(t.key("statuses"), "a status measure needs its list of statuses")
        if unit != "status" and statuses:
            self.fail(t.key("statuses"), "only a measure with unit = \"status\" has statuses")
        measure = Measure(
            id=self.ident(t, "id"),
            name=t.text("name"),
            detail=t.text("detail", "", allow_empty=True),
            unit=unit,
            direction=t.choice("direction", DIRECTIONS, None),
            rule=self.rule(t, unit=unit),
            statuses=statuses,
            figure_required=t.get("figure_required", bool, True),
            cumulative=t.get("cumulative", bool, False),
            owner=self.row_owner(t),
            rhythm=self.rhythm(t),
        )
        if measure.cumulative and unit not in ("count", "money", "count_with_share"):
            self.fail(t.key("cumulative"), f"a {unit} measure is not a running total; only "
                      "count and money measures can be year to date")
        if measure.rule.kind == "threshold":
            params = measure.rule.params
            better_low = params.get("direction", measure.direction) == "lower"
            profile = params.get("profile")
            if "bands" in params:
                self.check_bands(t.key("rule") + ".bands", params["bands"], better_low)
            pairs = [("", params["target"], params["amber_limit"])] if "target" in params else []
            if profile and profile["kind"] == "values":
                pairs = [(f".profile.{k}", *v) for k, v in profile["points"].items()]
            for where, target, limit in pairs:
                if (limit < target) if better_low else (limit > target):
                    self.fail(t.key("rule") + where,
                              f"amber_limit {limit:g} is on the wrong side of target {target:g}"
                              f" for direction '{params.get('direction', measure.direction)}'")
            if unit == "status":
                self.fail(t.key("rule"), "a status measure cannot have a threshold rule")
            if measure.rule.params.get("direction", measure.direction) is None:
                self.fail(t.key("direction"), "a threshold rule needs direction = lower or higher")
        if len(measure.detail) > 240:
            self.fail(t.key("detail"), "is longer than 240 characters, too long for a cell prompt")
        t.done()
        return measure

