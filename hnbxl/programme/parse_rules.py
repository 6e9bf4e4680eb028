"""Reading the rules and measures of a definition: how each row is rated.

A rule's parameters depend on its kind and a threshold's numbers on the
measure's unit ("60%" for a percentage), so a measure and its rule are read
together and checked against each other (a target on the wrong side of its
amber limit, a threshold on a status measure) before any form is made.  Each
kind reads and checks its own parameters (``parse`` and ``check_measure`` of
its module in ``programme/kinds/``); this module finds the kind by name.
"""

from __future__ import annotations

from hnbxl.programme.kinds import kind_names, kind_of
from hnbxl.programme.model import DIRECTIONS, UNITS, Measure, RatedItem, Rule
from hnbxl.programme.rhythm import FREQUENCIES, Rhythm, parse_rhythm
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
        kind = kind_of(sub.choice("kind", kind_names()))
        params = kind.parse(self, sub, unit, self.fy_start)
        sub.done()
        return Rule(kind.name, kind.params(**params))

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
        kind_of(measure.rule.kind).check_measure(self, t, measure)
        if len(measure.detail) > 240:
            self.fail(t.key("detail"), "is longer than 240 characters, too long for a cell prompt")
        t.done()
        return measure

