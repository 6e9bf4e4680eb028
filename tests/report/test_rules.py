"""RAG rules: every boundary of every rule kind, overrides, derived ratings and Wiltshire."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnbxl.core.periods import Period
from hnbxl.programme.definition import (
    DefinitionError,
    Programme,
    Rule,
    load_programme,
    parse_programme,
)
from hnbxl.report.rules import (
    Rating,
    RatingResult,
    RuleInputs,
    apply_override,
    band_for_score,
    cap_for_year,
    derived_order,
    evaluate_all,
    expand_refs,
    rate_band,
    rate_cap,
    rate_derived,
    rate_manual,
    rate_threshold,
    rate_variance,
)

WILTSHIRE = Path(__file__).resolve().parents[2] / "templates" / "wiltshire-hnb.toml"
FEB_24 = Period(2024, 2)  # financial year 2023/24

# A cut-down programme in the Wiltshire file's shape.  ``overall`` is made from
# ``conditions_rag``, which comes after it in report order, so the evaluator
# must order derived rows by dependency, not by position.
SMALL = """
[programme]
id = "test-hnb"
council = "Test Council"
title = "Test Highlight Report"
committee = "Test Committee"

[[rag]]
key = "green"
label = "Green - On Track"
colour = "#00B050"

[[rag]]
key = "amber"
label = "Amber - Off Track"
colour = "#FFC000"

[[rag]]
key = "red"
label = "Red - At Risk"
colour = "#C00000"
font_colour = "#FFFFFF"

[no_data]
key = "no_data"
label = "No data"
colour = "#D9D9D9"

[owners.lead]
name = "Programme lead"
fills = "Everything."

[sections.overview]
title = "Overview"
owner = "lead"

[sections.conditions]
title = "Conditions"
owner = "lead"

[sections.measures]
title = "Measures"
owner = "lead"

[sections.finance]
title = "Finance"
owner = "lead"

[sections.risks]
title = "Risks"
owner = "lead"

[narratives.overview]
label = "Overview narrative"
word_limit = 600

[narratives.finance]
label = "Finance narrative"
word_limit = 400

[[overview]]
id = "overall"
name = "Overall"
rule = { kind = "derived", method = "worst_of", of = ["overview.*", "measures.*"] }

[[overview]]
id = "trajectory"
name = "Trajectory"
rule = { kind = "cap", source = "finance.spend", caps = { "2024/25" = 1100 } }

[[overview]]
id = "conditions_rag"
name = "Conditions"

[overview.rule]
kind = "derived"
method = "count"
of = ["conditions.*"]
when = [
  { count = "red", at_least = 1, then = "red" },
  { count = "amber", at_least = 2, then = "amber" },
]

[[conditions]]
id = "c1"
name = "Condition 1"

[[conditions]]
id = "c2"
name = "Condition 2"

[[conditions]]
id = "c3"
name = "Condition 3"

[[measures]]
id = "requests"
name = "Requests"
unit = "count"
direction = "lower"
rule = { kind = "threshold", target = 150, amber_limit = 170 }

[[measures]]
id = "timeliness"
name = "Timeliness"
unit = "percent"
direction = "higher"
rule = { kind = "threshold", target = 0.9, amber_limit = 0.8 }

[[measures]]
id = "flipped"
name = "Direction given by the rule"
unit = "count"
direction = "lower"
rule = { kind = "threshold", target = 10, amber_limit = 5, direction = "higher" }

[figure_statuses]
reasons = ["Data coming", "NA"]

[finance]
amber_tolerance = 0.0
red_tolerance = 0.05

[[finance.kpis]]
id = "spend"
name = "Spend"
favourable = "under"
amounts = { "2023/24" = { baseline = 900, budget = 1000 } }

[[finance.mitigations]]
id = "savings"
name = "Savings"
favourable = "over"
amounts = { "2023/24" = { baseline = 0, budget = 200 } }
rule = { kind = "variance", amber_tolerance = 0.02, red_tolerance = 0.10 }

[[finance.mitigations]]
id = "none_planned"
name = "Nothing planned"
favourable = "over"
amounts = { "2023/24" = { baseline = 0, budget = 0 } }

[risk_scoring]
likelihood_max = 4
impact_max = 4
bands = [
  { rag = "green", min = 1, max = 4 },
  { rag = "amber", min = 6, max = 9 },
  { rag = "red", min = 12, max = 16 },
]
"""


@pytest.fixture(scope="module")
def small() -> Programme:
    return parse_programme(SMALL, "small.toml")


@pytest.fixture(scope="module")
def wiltshire() -> Programme:
    return load_programme(WILTSHIRE)


@pytest.fixture(scope="module")
def scale(small: Programme):
    return small.scale


def rate(programme: Programme, period: Period = FEB_24, **inputs) -> dict[str, RatingResult]:
    return evaluate_all(programme, period, RuleInputs(**inputs))


# --------------------------------------------------------------------------- manual


def test_manual_gives_the_owners_rating(scale) -> None:
    assert rate_manual(scale, "amber") == Rating("amber", "Rated by the owner.")


def test_manual_without_a_rating_is_no_data(scale) -> None:
    assert rate_manual(scale, None).key == "no_data"


def test_manual_refuses_a_key_not_on_the_scale(scale) -> None:
    with pytest.raises(ValueError, match="'purple' is not a key"):
        rate_manual(scale, "purple")


# --------------------------------------------------------------------------- threshold

LOWER = {"target": 150, "amber_limit": 170}
HIGHER = {"target": 0.9, "amber_limit": 0.8}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (100, "green"),
        (150, "green"),  # exactly at target
        (150.0001, "amber"),  # a hair past target
        (170, "amber"),  # exactly at the amber limit
        (170.0001, "red"),  # a hair past the limit
        (1000, "red"),
    ],
)
def test_threshold_lower_is_better(scale, value: float, expected: str) -> None:
    assert rate_threshold(scale, LOWER, value, "lower").key == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.95, "green"),
        (0.9, "green"),  # exactly at target
        (0.8999, "amber"),
        (0.8, "amber"),  # exactly at the amber limit
        (0.7999, "red"),
        (0.0, "red"),
    ],
)
def test_threshold_higher_is_better(scale, value: float, expected: str) -> None:
    assert rate_threshold(scale, HIGHER, value, "higher", "percent").key == expected


def test_threshold_rule_direction_beats_the_measures(scale) -> None:
    params = {"target": 10, "amber_limit": 5, "direction": "higher"}
    assert rate_threshold(scale, params, 12, "lower").key == "green"
    assert rate_threshold(scale, params, 4, "lower").key == "red"


def test_threshold_without_a_figure_is_no_data(scale) -> None:
    got = rate_threshold(scale, LOWER, None, "lower")
    assert got == Rating("no_data", "No figure this period.")
    assert rate_threshold(scale, LOWER, float("nan"), "lower").key == "no_data"


def test_threshold_needs_a_direction(scale) -> None:
    with pytest.raises(ValueError, match="direction"):
        rate_threshold(scale, LOWER, 1, None)


def test_threshold_basis_formats_percentages(scale) -> None:
    params = {"target": 0.05, "amber_limit": 0.07}
    basis = rate_threshold(scale, params, 0.0606, "lower", "percent").basis
    assert basis == "6.06% is above the target of 5%, within the limit of 7%."


def test_threshold_basis_formats_money(scale) -> None:
    params = {"target": 50000, "amber_limit": 55000}
    basis = rate_threshold(scale, params, 17287, "lower", "money").basis
    assert basis == "£17,287 is at or below the target of £50,000."


def test_threshold_rules_from_a_definition(small: Programme) -> None:
    got = rate(
        small,
        figures={"measures.requests": 150, "measures.timeliness": 0.8, "measures.flipped": 4},
    )
    assert got["measures.requests"].key == "green"
    assert got["measures.timeliness"].key == "amber"
    assert got["measures.flipped"].key == "red"  # the rule's "higher" wins over "lower"
    assert got["measures.requests"].computed == "green"


# --------------------------------------------------------------------------- variance

SPEND = {"amber_tolerance": 0.02, "red_tolerance": 0.05}


@pytest.mark.parametrize(
    ("this_quarter", "expected"),
    [
        (900, "green"),  # under budget: favourable
        (1000, "green"),  # no adverse variance
        (1020, "green"),  # exactly at the amber tolerance
        (1020.01, "amber"),  # a hair past it
        (1050, "amber"),  # exactly at the red tolerance
        (1050.01, "red"),  # a hair past it
    ],
)
def test_variance_spend_boundaries(scale, this_quarter: float, expected: str) -> None:
    assert rate_variance(scale, SPEND, "under", 1000, this_quarter).key == expected


@pytest.mark.parametrize(
    ("this_quarter", "expected"),
    [
        (250, "green"),  # more saved than planned: favourable
        (200, "green"),
        (196, "green"),  # 2% short, exactly at the amber tolerance
        (195.99, "amber"),
        (190, "amber"),  # 5% short, exactly at the red tolerance
        (189.99, "red"),
    ],
)
def test_variance_savings_boundaries(scale, this_quarter: float, expected: str) -> None:
    assert rate_variance(scale, SPEND, "over", 200, this_quarter).key == expected


def test_variance_zero_amber_tolerance_makes_any_adverse_amber(scale) -> None:
    params = {"amber_tolerance": 0.0, "red_tolerance": 0.05}
    assert rate_variance(scale, params, "under", 1000, 1000).key == "green"
    assert rate_variance(scale, params, "under", 1000, 1000.01).key == "amber"
    assert rate_variance(scale, params, "under", 1000, 999.99).key == "green"


def test_variance_is_exact_at_a_boundary_binary_rounding_would_miss(scale) -> None:
    # 103,744,143 * 1.05 is 108,931,350.15 exactly: 5% adverse, so amber, not red.
    params = {"amber_tolerance": 0.0, "red_tolerance": 0.05}
    assert (108931350.15 - 103744143) / 103744143 > 0.05  # what floats alone would say
    assert rate_variance(scale, params, "under", 103744143, 108931350.15).key == "amber"


def test_variance_zero_budget(scale) -> None:
    assert rate_variance(scale, SPEND, "under", 0, 0).key == "green"
    assert rate_variance(scale, SPEND, "under", 0, 5).key == "red"  # any adverse: infinite
    assert rate_variance(scale, SPEND, "under", 0, -5).key == "green"
    assert rate_variance(scale, SPEND, "over", 0, 5).key == "green"
    assert rate_variance(scale, SPEND, "over", 0, -5).key == "red"


def test_variance_without_a_figure_or_budget_is_no_data(scale) -> None:
    assert rate_variance(scale, SPEND, "under", 1000, None).key == "no_data"
    assert rate_variance(scale, SPEND, "under", None, 1000).key == "no_data"


def test_variance_basis_in_plain_words(scale) -> None:
    params = {"amber_tolerance": 0.0, "red_tolerance": 0.05}
    got = rate_variance(scale, params, "under", 100000, 101200)
    assert got == Rating(
        "amber", "Variance £1,200 over budget (1.2%), beyond the 0% tolerance, within 5%.")
    assert rate_variance(scale, params, "under", 100000, 110000).basis == (
        "Variance £10,000 over budget (10%), beyond the 5% tolerance."
    )
    assert rate_variance(scale, params, "under", 1000, 1000).basis == "On budget."


def test_variance_rules_from_a_definition(small: Programme) -> None:
    got = rate(
        small,
        this_quarter={
            "finance.spend": 1050,  # tolerances from [finance]: amber above 0%, red above 5%
            "finance.savings": 196,  # the row's own rule: 2% short is still green
            "finance.none_planned": 0,
        },
    )
    assert got["finance.spend"].key == "amber"
    assert got["finance.savings"].key == "green"
    assert got["finance.none_planned"].key == "green"


def test_variance_for_a_year_without_amounts_is_no_data(small: Programme) -> None:
    got = rate(small, Period(2024, 5), this_quarter={"finance.spend": 1000})
    assert got["finance.spend"].key == "no_data"
    assert "No budget" in got["finance.spend"].basis


# --------------------------------------------------------------------------- band


def test_band_for_score(wiltshire: Programme) -> None:
    scoring = wiltshire.risk_scoring
    assert [band_for_score(scoring, s) for s in (1, 4, 6, 9, 12, 16)] == [
        "green", "green", "amber", "amber", "red", "red",
    ]
    assert band_for_score(scoring, 5) is None  # no 4x4 grid cell gives 5


def test_rate_band(wiltshire: Programme) -> None:
    scale, scoring = wiltshire.scale, wiltshire.risk_scoring
    assert rate_band(scale, scoring, 12).key == "red"
    assert rate_band(scale, scoring, 5).key == "no_data"
    assert rate_band(scale, scoring, None).key == "no_data"


# --------------------------------------------------------------------------- cap

CAP = {"caps": {"2024/25": 1000}, "amber_from": 1.0, "red_from": 1.05}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (999.99, "green"),
        (1000, "amber"),  # exactly at cap * amber_from
        (1049.99, "amber"),
        (1050, "red"),  # exactly at cap * red_from
        (2000, "red"),
    ],
)
def test_cap_boundaries(scale, value: float, expected: str) -> None:
    assert rate_cap(scale, CAP, "2024/25", value, None).key == expected


def test_cap_amber_from_below_one(scale) -> None:
    params = {"caps": {"2024/25": 1000}, "amber_from": 0.9, "red_from": 1.0}
    assert rate_cap(scale, params, "2024/25", 899.99, None).key == "green"
    assert rate_cap(scale, params, "2024/25", 900, None).key == "amber"
    assert rate_cap(scale, params, "2024/25", 1000, None).key == "red"


def test_cap_is_exact_at_a_boundary_binary_rounding_would_miss(scale) -> None:
    params = {"caps": {"2024/25": 3}, "amber_from": 1.1, "red_from": 1.2}
    assert 3.3 < 3 * 1.1  # what floats alone would say
    assert rate_cap(scale, params, "2024/25", 3.3, None).key == "amber"


def test_cap_uses_this_quarter_before_the_forecast(scale) -> None:
    assert rate_cap(scale, CAP, "2024/25", 1050, 500).key == "red"
    assert rate_cap(scale, CAP, "2024/25", None, 500).key == "green"
    assert rate_cap(scale, CAP, "2024/25", float("nan"), 500).key == "green"


def test_cap_falls_back_to_the_earliest_later_year(scale) -> None:
    caps = {"2026/27": 5000, "2024/25": 1000, "2022/23": 10}
    params = {**CAP, "caps": caps}
    assert cap_for_year(caps, "2023/24") == ("2024/25", 1000)
    assert cap_for_year(caps, "2025/26") == ("2026/27", 5000)
    assert cap_for_year(caps, "2022/23") == ("2022/23", 10)
    got = rate_cap(scale, params, "2023/24", None, 999)
    assert got == Rating("green", "Forecast £999 is within the cap of £1,000 (2024/25).")


def test_cap_without_a_cap_ahead_is_no_data(scale) -> None:
    got = rate_cap(scale, CAP, "2025/26", 10, None)
    assert got == Rating("no_data", "No cap is set for 2025/26 or a later year.")


def test_cap_without_figure_or_budget_is_no_data(scale) -> None:
    got = rate_cap(scale, CAP, "2024/25", None, None)
    assert got.key == "no_data"
    assert "no budget" in got.basis


def test_cap_basis_names_the_share(scale) -> None:
    assert rate_cap(scale, CAP, "2024/25", 1000, None).basis == (
        "This quarter £1,000 is at or above the cap of £1,000 (2024/25)."
    )
    assert rate_cap(scale, CAP, "2024/25", 1050, None).basis == (
        "This quarter £1,050 is at or above 105% of the cap of £1,000 (2024/25)."
    )


# --------------------------------------------------------------------------- derived

KEYS = ("conditions.c1", "conditions.c2", "conditions.c3", "measures.m1")
COUNT = {
    "method": "count",
    "of": ("conditions.*",),
    "when": (("red", 1, "red"), ("amber", 2, "amber")),
}


def test_expand_refs_patterns_and_exact_keys() -> None:
    assert expand_refs(("conditions.*",), KEYS) == KEYS[:3]
    assert expand_refs(("measures.m1", "conditions.c2"), KEYS) == ("conditions.c2", "measures.m1")
    assert expand_refs(("conditions.*",), KEYS, "conditions.c1") == KEYS[1:3]
    with pytest.raises(ValueError, match="points at no rated row"):
        expand_refs(("measures.nope",), KEYS)


def test_worst_of_with_patterns(scale) -> None:
    params = {"method": "worst_of", "of": ("conditions.*", "measures.m1")}
    ratings = dict(zip(KEYS, ("green", "amber", "no_data", "green"), strict=True))
    got = rate_derived(scale, params, ratings)
    assert got == Rating("amber", "Worst of 3 ratings (1 without a rating): Amber - Off Track.")
    ratings["measures.m1"] = "red"
    assert rate_derived(scale, params, ratings).key == "red"


def test_worst_of_all_no_data_is_no_data(scale) -> None:
    params = {"method": "worst_of", "of": ("conditions.*",)}
    ratings = dict.fromkeys(KEYS, "no_data")
    assert rate_derived(scale, params, ratings).key == "no_data"


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        (("green", "green", "green"), "green"),
        (("amber", "green", "green"), "green"),  # one amber: no rule met, the best
        (("amber", "amber", "green"), "amber"),  # exactly at_least 2
        (("amber", "amber", "red"), "red"),  # the first rule that matches wins
        (("red", "no_data", "no_data"), "red"),
        (("no_data", "no_data", "no_data"), "no_data"),
    ],
)
def test_count(scale, ratings: tuple[str, ...], expected: str) -> None:
    got = rate_derived(scale, COUNT, dict(zip(KEYS[:3], ratings, strict=True)))
    assert got.key == expected


def test_count_basis(scale) -> None:
    ratings = dict(zip(KEYS[:3], ("amber", "amber", "green"), strict=True))
    assert rate_derived(scale, COUNT, ratings).basis == (
        "2 of 3 rated Amber - Off Track, at least 2: Amber - Off Track.")


def test_derived_rules_from_a_definition(small: Programme) -> None:
    got = rate(
        small,
        manual={"conditions.c1": "amber", "conditions.c2": "amber", "conditions.c3": "green"},
        figures={"measures.requests": 100, "measures.timeliness": 0.95, "measures.flipped": 20},
        this_quarter={"finance.spend": 100},
    )
    assert got["overview.trajectory"].key == "green"
    assert got["overview.conditions_rag"].key == "amber"
    # overall is the worst of the other overview rows and the measures: the
    # count rule's amber, rated after overall in report order, still counts.
    assert got["overview.overall"].key == "amber"
    assert list(got) == [key for key, _name, _rule in small.rated_items()]


def test_derived_uses_ratings_after_overrides(small: Programme) -> None:
    got = rate(
        small,
        figures={"measures.requests": 100},
        overrides={"measures.requests": ("red", "Figures known to undercount.")},
        this_quarter={"finance.spend": 100},
    )
    assert got["measures.requests"].key == "red"
    assert got["overview.overall"].key == "red"


def test_derived_order_puts_sources_first() -> None:
    rules = {
        "overview.a": Rule("derived", {"method": "worst_of", "of": ("overview.b",)}),
        "overview.b": Rule("derived", {"method": "worst_of", "of": ("conditions.*",)}),
        "conditions.c1": Rule("manual"),
    }
    assert derived_order(rules) == ("overview.b", "overview.a")


def test_derived_order_finds_a_loop() -> None:
    rules = {
        "overview.a": Rule("derived", {"method": "worst_of", "of": ("overview.b",)}),
        "overview.b": Rule("derived", {"method": "worst_of", "of": ("overview.c",)}),
        "overview.c": Rule("derived", {"method": "worst_of", "of": ("overview.a",)}),
    }
    with pytest.raises(ValueError, match=r"overview\.a -> overview\.b -> overview\.c"):
        derived_order(rules)


def test_derived_order_finds_a_row_made_from_itself() -> None:
    rules = {"overview.a": Rule("derived", {"method": "worst_of", "of": ("overview.a",)})}
    with pytest.raises(ValueError, match=r"overview\.a -> overview\.a"):
        derived_order(rules)


def test_a_loop_in_a_definition_is_refused() -> None:
    text = SMALL.replace(
        'of = ["overview.*", "measures.*"]', 'of = ["overview.conditions_rag"]'
    ).replace('of = ["conditions.*"]', 'of = ["overview.overall"]')
    with pytest.raises(DefinitionError, match="loop") as caught:
        parse_programme(text, "loop.toml")
    assert "overview.overall" in str(caught.value)
    assert "overview.conditions_rag" in str(caught.value)


# --------------------------------------------------------------------------- overrides


def test_override_with_a_reason_is_applied(scale) -> None:
    got = apply_override(scale, Rating("green", "x."), ("amber", "Data known to be late."))
    assert got == RatingResult(
        "amber", "green", True, "Data known to be late.",
        "Set by the owner; the rule gave Green - On Track."
    )


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_override_without_a_reason_is_refused(scale, reason: str | None) -> None:
    got = apply_override(scale, Rating("green", "x."), ("amber", reason))
    assert got == RatingResult("green", "green", False, None, "x.", override_refused=True)


def test_override_to_the_computed_rating_changes_nothing(scale) -> None:
    got = apply_override(scale, Rating("green", "x."), ("green", None))
    assert got == RatingResult("green", "green", False, None, "x.")


def test_override_to_a_key_not_on_the_scale_is_an_error(scale) -> None:
    with pytest.raises(ValueError, match="override"):
        apply_override(scale, Rating("green", "x."), ("purple", "why"))


def test_overrides_in_the_evaluator(small: Programme) -> None:
    got = rate(
        small,
        manual={"conditions.c1": "green"},
        figures={"measures.requests": 200, "measures.timeliness": 0.95},
        overrides={
            "measures.requests": ("amber", "A one-off spike from a school closure."),
            "measures.timeliness": ("red", None),
            "conditions.c1": ("red", "Manual rows are not overridden."),
        },
    )
    requests = got["measures.requests"]
    assert (requests.key, requests.computed, requests.overridden) == ("amber", "red", True)
    assert requests.reason == "A one-off spike from a school closure."
    timeliness = got["measures.timeliness"]
    assert (timeliness.key, timeliness.overridden, timeliness.override_refused) == (
        "green", False, True,
    )
    condition = got["conditions.c1"]
    assert (condition.key, condition.computed, condition.overridden) == ("green", None, False)


# --------------------------------------------------------------------------- Wiltshire


def test_wiltshire_dsg_trajectory_is_green_on_the_forecast(wiltshire: Programme) -> None:
    got = evaluate_all(wiltshire, FEB_24, RuleInputs(manual={}, overrides={}, figures={},
                                                      this_quarter={}))
    assert list(got) == [key for key, _name, _rule in wiltshire.rated_items()]
    trajectory = got["overview.dsg_trajectory"]
    assert trajectory.key == "green"
    assert trajectory.computed == "green"
    assert trajectory.basis == "Forecast £83,548,046 is within the cap of £84,500,000 (2024/25)."
    assert got["overview.overall"] == RatingResult(
        "no_data", None, False, None, "Not rated this period."
    )
    assert got["finance.cumulative_dsg"].key == "no_data"


def test_wiltshire_quarter_figure_over_the_cap(wiltshire: Programme) -> None:
    got = rate(wiltshire, this_quarter={"finance.cumulative_dsg": 85_000_000})
    assert got["overview.dsg_trajectory"].key == "amber"
    assert got["finance.cumulative_dsg"].key == "amber"  # any adverse variance is amber
    assert got["finance.cumulative_dsg"].basis == (
        "Variance £1,451,954 over budget (1.74%), beyond the 0% tolerance, within 5%."
    )


def test_wiltshire_workstream_savings(wiltshire: Programme) -> None:
    got = rate(wiltshire, this_quarter={"finance.ws1": 1_753_000, "finance.ws2": 1_800_000,
                                        "finance.ws4": 0})
    assert got["finance.ws1"].key == "green"
    assert got["finance.ws2"].key == "red"  # 9.77% short of the savings planned
    assert got["finance.ws4"].key == "green"


def test_wiltshire_after_the_cap_year_has_no_cap(wiltshire: Programme) -> None:
    got = rate(wiltshire, Period(2025, 5), this_quarter={"finance.cumulative_dsg": 1})
    assert got["overview.dsg_trajectory"].key == "no_data"
    assert "2025/26" in got["overview.dsg_trajectory"].basis
