"""A rule kind is one module plus its registration: a kind made here, registered for the
test, is read from a definition, rated, worded and put on a form through the registry
alone (docs/architecture.md, "A rule kind"), and forgotten afterwards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from hnbxl.core.periods import Period
from hnbxl.forms.ratings import build_rating, rating_formula, rating_label
from hnbxl.forms.words import rule_words
from hnbxl.programme.definition import (
    GRADES,
    DefinitionError,
    FinanceRow,
    Measure,
    Programme,
    Rule,
    parse_programme,
)
from hnbxl.programme.kinds import KindBase, Rating, RowToRate, kind_names, register, unregister
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.toml_table import Table, TableReader
from hnbxl.report.rules import RuleInputs, evaluate_all
from tests.report.test_rules import FEB_24, SMALL

TOY = SMALL.replace('id = "c2"\nname = "Condition 2"\n',
                    'id = "c2"\nname = "Condition 2"\nrule = { kind = "fixed", grade = "amber" }\n')


@dataclass(frozen=True)
class FixedParams(Params):
    """The grade the row always takes."""

    grade: str


class Fixed(KindBase):
    """A toy kind: every row it rates takes the grade the definition gives."""

    name = "fixed"
    params = FixedParams

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        return {"grade": sub.choice("grade", GRADES)}

    def rate(self, row: RowToRate) -> Rating:
        state = row.programme.scale.for_grade(row.rule.params["grade"])
        return Rating(state.key, f"Always {state.label}.")

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        return f"Always {rule.params['grade']}."


@pytest.fixture
def fixed() -> Iterator[Fixed]:
    kind = Fixed()
    register(kind)
    try:
        yield kind
    finally:
        unregister(kind.name)


def test_a_registered_kind_is_read_rated_and_worded(fixed: Fixed) -> None:
    assert kind_names()[-1] == "fixed"
    programme = parse_programme(TOY, "toy.toml")
    rule = dict((key, r) for key, _name, r in programme.rated_items())["conditions.c2"]
    assert rule == Rule("fixed", FixedParams(grade="amber"))

    results = evaluate_all(programme, FEB_24, RuleInputs(manual={"conditions.c1": "green"}))
    c2 = results["conditions.c2"]
    assert (c2.key, c2.computed, c2.basis) == ("amber", "amber", "Always Amber - Off Track.")
    # A computed rule: an override with a reason wins, and flows into a derived row.
    overridden = evaluate_all(programme, FEB_24, RuleInputs(
        manual={"conditions.c1": "red"},
        overrides={"conditions.c2": ("green", "Agreed at the board.")}))
    assert overridden["conditions.c2"].overridden
    assert overridden["overview.conditions_rag"].key == "red"  # c1 red: count rule

    assert rule_words(programme, rule) == "Always amber."
    # No form hooks given: the form says it is worked out when compiled.
    check = build_rating(programme, FEB_24, "conditions.c2", rule, lambda _f: True, ())
    assert rating_formula(check, str) is None
    assert rating_label(check, {}) == "Worked out when compiled"


def test_a_kind_cannot_be_registered_twice(fixed: Fixed) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(Fixed())


def test_an_unregistered_kind_is_refused_by_the_definition() -> None:
    assert "fixed" not in kind_names()
    with pytest.raises(DefinitionError, match="conditions"):
        parse_programme(TOY, "toy.toml")
