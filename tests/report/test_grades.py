"""Rules give grades, shown as the state that carries them: BRAG, two- and five-state scales.

Every rule kind is rated at each boundary on each scale, with state keys that
differ from their labels, and the expected state is the one that carries the
grade (an amber result on a scale without amber shows as its red state).
"""

from __future__ import annotations

import re

import pytest

from hnbxl.core.periods import Period
from hnbxl.programme.definition import DefinitionError, Programme, parse_programme
from hnbxl.report.model import trend_between
from hnbxl.report.rules import RuleInputs, evaluate_all, rate_band
from tests.report.test_rules import SMALL

FEB_24 = Period(2024, 2)

BRAG = """
[[rag]]
key = "done"
label = "Complete"
colour = "#0070C0"
font_colour = "#FFFFFF"

[[rag]]
key = "ok"
label = "On track"
colour = "#00B050"
grade = "green"

[[rag]]
key = "some"
label = "Some concerns"
colour = "#FFC000"
grade = "amber"

[[rag]]
key = "sig"
label = "Significant concerns"
colour = "#C00000"
grade = "red"
"""

TWO = """
[[rag]]
key = "met"
label = "Met"
colour = "#00B050"
grade = "green"

[[rag]]
key = "unmet"
label = "Not met"
colour = "#C00000"
grade = "red"
"""

FIVE = """
[[rag]]
key = "achieved"
label = "Achieved"
colour = "#0070C0"

[[rag]]
key = "g"
label = "Green"
colour = "#00B050"
grade = "green"

[[rag]]
key = "a"
label = "Amber"
colour = "#FFC000"
grade = "amber"

[[rag]]
key = "r"
label = "Red"
colour = "#C00000"
grade = "red"

[[rag]]
key = "paused"
label = "Paused"
colour = "#A6A6A6"
"""

# scale -> (green, amber, red) state keys
SCALES = {
    "brag": (BRAG, ("ok", "some", "sig")),
    "two": (TWO, ("met", "unmet", "unmet")),
    "five": (FIVE, ("g", "a", "r")),
}


def _with_scale(rag: str, green: str, amber: str, red: str) -> str:
    """SMALL with another scale; count rules and risk bands name that scale's keys."""
    head, rest = SMALL.split("[[rag]]", 1)
    rest = rest[rest.index("[no_data]"):]
    text = head + rag.strip() + "\n\n" + rest
    text = re.sub(r'(count|then|rag) = "green"', rf'\1 = "{green}"', text)
    text = re.sub(r'(count|then|rag) = "amber"', rf'\1 = "{amber}"', text)
    return re.sub(r'(count|then|rag) = "red"', rf'\1 = "{red}"', text)


@pytest.fixture(scope="module", params=sorted(SCALES))
def case(request) -> tuple[Programme, dict[str, str]]:
    rag, (g, a, r) = SCALES[request.param]
    programme = parse_programme(_with_scale(rag, g, a, r), f"{request.param}.toml")
    return programme, {"green": g, "amber": a, "red": r}


def _rate(programme: Programme, **inputs) -> dict[str, str]:
    return {k: v.key for k, v in evaluate_all(programme, FEB_24, RuleInputs(**inputs)).items()}


@pytest.mark.parametrize(("figure", "grade"), [(150, "green"), (151, "amber"),
                                               (170, "amber"), (171, "red")])
def test_threshold_boundaries(case, figure: int, grade: str) -> None:
    programme, state = case
    got = _rate(programme, figures={"measures.requests": figure})
    assert got["measures.requests"] == state[grade]


@pytest.mark.parametrize(("spend", "savings", "spend_grade", "savings_grade"), [
    (1000, 196, "green", "green"), (1001, 195, "amber", "amber"),
    (1050, 180, "amber", "amber"), (1051, 179, "red", "red"),
    (900, 250, "green", "green"),  # favourable side
])
def test_variance_boundaries(case, spend, savings, spend_grade, savings_grade) -> None:
    programme, state = case
    got = _rate(programme, this_quarter={"finance.spend": spend, "finance.savings": savings})
    assert got["finance.spend"] == state[spend_grade]
    assert got["finance.savings"] == state[savings_grade]


@pytest.mark.parametrize(("spend", "grade"), [(1099, "green"), (1100, "amber"),
                                              (1154, "amber"), (1155, "red")])
def test_cap_boundaries(case, spend: int, grade: str) -> None:
    programme, state = case
    got = _rate(programme, this_quarter={"finance.spend": spend})
    assert got["overview.trajectory"] == state[grade]


@pytest.mark.parametrize(("score", "grade"), [(4, "green"), (6, "amber"), (9, "amber"),
                                              (12, "red")])
def test_band_boundaries(case, score: int, grade: str) -> None:
    programme, state = case
    rating = rate_band(programme.scale, programme.risk_scoring, score)
    assert rating.key == state[grade]
    assert programme.scale.get(rating.key).label in rating.basis
    assert f" {rating.key} " not in rating.basis


def test_derived_rules_on_each_scale(case) -> None:
    programme, state = case
    g, a, r = state["green"], state["amber"], state["red"]
    conditions = {"conditions.c1": g, "conditions.c2": g, "conditions.c3": g}
    got = _rate(programme, manual=conditions, figures={"measures.requests": 150})
    assert got["overview.conditions_rag"] == g  # no count rule met: green's state
    assert got["overview.overall"] == g
    amber_twice = {**conditions, "conditions.c1": a, "conditions.c2": a}
    got = _rate(programme, manual=amber_twice, figures={"measures.requests": 171})
    assert got["overview.conditions_rag"] == a
    assert got["overview.overall"] == r  # worst of: the red measure
    one_red = {**conditions, "conditions.c3": r}
    assert _rate(programme, manual=one_red)["overview.conditions_rag"] == r


def test_an_owner_chosen_ungraded_state_counts_by_position() -> None:
    programme = parse_programme(_with_scale(BRAG, "ok", "some", "sig"), "brag.toml")
    manual = {"conditions.c1": "done", "conditions.c2": "done", "conditions.c3": "done"}
    got = _rate(programme, manual=manual, figures={"measures.requests": 150})
    # Complete is first in the scale: the best position, never what a rule gives.
    assert got["overview.conditions_rag"] == "ok"
    assert got["overview.overall"] == "ok"
    scale = programme.scale
    assert trend_between(scale, "done", "ok").key == "worse"
    assert trend_between(scale, "some", "done").key == "better"
    assert trend_between(scale, "sig", "some").key == "better"


def test_three_states_without_grades_are_green_amber_red() -> None:
    programme = parse_programme(SMALL, "small.toml")
    assert [s.grade for s in programme.scale.states] == ["green", "amber", "red"]


def _refused(text: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_programme(text, "council.toml")
    return info.value


def test_four_states_without_grades_are_refused_with_the_key_and_line() -> None:
    text = _with_scale(re.sub(r'grade = "\w+"\n', "", BRAG), "ok", "some", "sig")
    err = _refused(text)
    assert err.key == "rag[0].grade"
    assert err.line == text.splitlines().index("[[rag]]") + 1
    assert "4 states" in str(err) and "grade" in str(err)


def test_a_scale_without_red_or_out_of_order_is_refused() -> None:
    text = _with_scale(BRAG.replace('grade = "red"', ""), "ok", "some", "sig")
    assert 'grade = "red"' in str(_refused(text))
    text = _with_scale(BRAG.replace('grade = "amber"', 'grade = "XX"')
                       .replace('grade = "green"', 'grade = "amber"')
                       .replace('grade = "XX"', 'grade = "green"'), "ok", "some", "sig")
    err = _refused(text)
    assert err.key == "rag[2].grade" and err.line is not None
    assert _refused(_with_scale(BRAG.replace('"amber"', '"yellow"'), "ok", "some",
                                "sig")).key == "rag[2].grade"


BANDS = ('rule = { kind = "threshold", bands = [{ state = "achieved", bound = 100 }, '
         '{ state = "g", bound = 150 }, { state = "a", bound = 170 }, { state = "paused" }] }')


def _banded() -> Programme:
    text = _with_scale(FIVE, "g", "a", "r")
    old = 'rule = { kind = "threshold", target = 150, amber_limit = 170 }'
    assert old in text
    return parse_programme(text.replace(old, BANDS, 1), "five.toml")


@pytest.mark.parametrize(("figure", "state"), [(90, "achieved"), (100, "achieved"),
                                               (101, "g"), (170, "a"), (171, "paused")])
def test_threshold_bands_name_any_state_of_the_scale(figure: int, state: str) -> None:
    programme = _banded()
    got = evaluate_all(programme, FEB_24, RuleInputs(figures={"measures.requests": figure}))
    assert got["measures.requests"].key == state
    label = programme.scale.get(state).label
    assert got["measures.requests"].basis.endswith(f": {label}.")


def test_threshold_bands_are_checked_against_the_scale_and_in_order() -> None:
    text = _with_scale(FIVE, "g", "a", "r").replace(
        'rule = { kind = "threshold", target = 150, amber_limit = 170 }', BANDS, 1)
    err = _refused(text.replace('state = "paused"', 'state = "slipping"'))
    assert err.key == "measures[0].rule.bands[3].state" and "not a state" in str(err)
    assert err.line is not None
    err = _refused(text.replace("bound = 150", "bound = 90"))
    assert err.key == "measures[0].rule.bands[1].bound" and "best first" in str(err)
    err = _refused(text.replace('{ state = "paused" }', '{ state = "paused", bound = 200 }'))
    assert "no bound" in str(err)
