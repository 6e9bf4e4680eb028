"""Thresholds in the measure's unit, profiled targets, typo suggestions and error lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnbxl.core.periods import Period
from hnbxl.programme.definition import DefinitionError, Programme, parse_programme
from hnbxl.report.rules import RuleInputs, evaluate_all, rate_threshold

WILTSHIRE = (Path(__file__).resolve().parents[2] / "templates" / "wiltshire-hnb.toml").read_text(
    encoding="utf-8")
# Wiltshire's first threshold measure is replaced by the rows below.
PERCENT = '''
[[measures]]
id = "within_20"
name = "Plans issued within 20 weeks"
unit = "percent"
direction = "higher"
rule = { kind = "threshold", target = TARGET, amber_limit = LIMIT }
'''
YTD = '''
[[measures]]
id = "new_plans"
name = "New plans issued, year to date"
unit = "count"
direction = "lower"

[measures.rule]
kind = "threshold"
target = 300
amber_limit = 330

[measures.rule.profile]
PROFILE
'''


def _with_measure(block: str) -> str:
    head, sep, rest = WILTSHIRE.partition("[[measures]]")
    return head + block.strip() + "\n\n" + sep + rest


def _refused(text: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_programme(text, "council.toml")
    assert "\n" not in str(info.value)
    return info.value


def _line_of(text: str, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


@pytest.mark.parametrize(("target", "limit", "want"), [
    ('"60%"', '"45%"', (0.6, 0.45)), ("0.6", "0.45", (0.6, 0.45)),
    ('"12.5%"', '"0%"', (0.125, 0.0)), ('"100%"', "0.5", (1.0, 0.5)),
])
def test_percent_thresholds_as_people_write_them(target, limit, want) -> None:
    block = PERCENT.replace("TARGET", target).replace("LIMIT", limit)
    programme = parse_programme(_with_measure(block))
    params = programme.measure("within_20").rule.params
    assert (params["target"], params["amber_limit"]) == want


@pytest.mark.parametrize(("target", "limit", "bad", "words"), [
    ("60", "45", "target", '"60%"'),  # the mistake from the issue: rated every figure red
    ('"60%"', '"145%"', "amber_limit", "0%-100%"),
    ('"sixty"', "0.4", "target", "not a percentage"),
    ("0.6", "-0.1", "amber_limit", "outside 0-1"),
])
def test_percent_thresholds_outside_the_unit_are_refused(target, limit, bad, words) -> None:
    text = _with_measure(PERCENT.replace("TARGET", target).replace("LIMIT", limit))
    err = _refused(text)
    assert err.key.endswith(f".rule.{bad}")
    assert words in str(err)
    assert err.line == _line_of(text, 'id = "within_20"') + 4


def test_count_thresholds_refuse_percent_text_and_negatives() -> None:
    text = _with_measure(YTD.replace("target = 300", 'target = "30%"')
                         .replace("[measures.rule.profile]\nPROFILE", ""))
    assert "is text" in str(_refused(text))
    text = _with_measure(YTD.replace("target = 300", "target = -3")
                         .replace("[measures.rule.profile]\nPROFILE", ""))
    assert "below 0" in str(_refused(text))


MONTHLY_SHARES = "\n".join(f'{m} = "{s}%"' for m, s in zip(
    ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"),
    (8, 17, 25, 33, 42, 50, 58, 67, 75, 83, 92, 100), strict=True))


def _ytd(profile: str) -> Programme:
    return parse_programme(_with_measure(YTD.replace("PROFILE", profile)), "ytd.toml")


def _rate(programme: Programme, period: Period, figure: float, month: Period | None = None):
    months = {"measures.new_plans": month} if month else {}
    inputs = RuleInputs(figures={"measures.new_plans": figure}, figure_months=months)
    return evaluate_all(programme, period, inputs)["measures.new_plans"]


def test_a_profiled_ytd_target_in_april_and_in_march() -> None:
    programme = _ytd(MONTHLY_SHARES)
    april = Period(2024, 4)
    # April's 38 against an annual 300 was rated green; April's target is 8%: 24, limit 26.4.
    got = _rate(programme, april, 38)
    assert got.key == "red"
    assert got.basis == "38 is above the Apr-24 limit of 26.4."
    assert _rate(programme, april, 24).key == "green"
    assert _rate(programme, april, 25).basis == (
        "25 is above the Apr-24 target of 24, within the Apr-24 limit of 26.4.")
    march = Period(2025, 3)
    assert _rate(programme, march, 300).basis == "300 is at or below the Mar-25 target of 300."
    assert _rate(programme, march, 330).key == "amber"
    assert _rate(programme, march, 331).key == "red"
    # The month the figure's data is from decides, not the report's month.
    assert _rate(programme, Period(2024, 5), 38, month=april).key == "red"
    assert "Apr-24" in _rate(programme, Period(2024, 5), 38, month=april).basis


def test_a_profile_by_quarter_with_its_own_targets() -> None:
    quarters = "\n".join(f"Q{q} = {{ target = {75 * q}, amber_limit = {80 * q} }}"
                         for q in range(1, 5))
    programme = _ytd(quarters)
    got = _rate(programme, Period(2024, 6), 76)
    assert got.key == "amber"
    assert got.basis == ("76 is above the Q1 2024/25 target of 75, within the Q1 2024/25 "
                         "limit of 80.")
    assert _rate(programme, Period(2025, 1), 225).key == "green"  # Q4: 300
    assert rate_threshold(programme.scale, programme.measure("new_plans").rule.params, 150,
                          "lower", "count", Period(2024, 9)).key == "green"  # Q2: 150


@pytest.mark.parametrize(("profile", "bad", "words"), [
    (MONTHLY_SHARES.replace('Mar = "100%"', ""), "profile", "no entry for Mar"),
    (MONTHLY_SHARES.replace('May = "17%"', 'May = "7%"'), "profile.May", "below the share"),
    (MONTHLY_SHARES.replace('Apr = "8%"', 'Apr = "8 percent"'), "profile.Apr",
     "not a percentage"),
    (MONTHLY_SHARES.replace("Apr =", "April ="), "profile", "'April' is not a month"),
    ("Q1 = { target = 80, amber_limit = 75 }\nQ2 = { target = 1, amber_limit = 2 }\n"
     "Q3 = { target = 1, amber_limit = 2 }\nQ4 = { target = 1, amber_limit = 2 }",
     "profile.Q1", "wrong side"),
])
def test_a_bad_profile_names_the_entry_and_line(profile, bad, words) -> None:
    text = _with_measure(YTD.replace("PROFILE", profile))
    err = _refused(text)
    assert err.key.endswith(f".rule.{bad}"), err.key
    assert words in str(err)
    needle = bad.rsplit(".", 1)[-1] + " =" if "." in bad else "[measures.rule.profile]"
    if needle.startswith("Q1"):
        needle = "Q1 ="
    assert err.line == _line_of(text, needle), str(err)


def test_a_typo_names_the_typo_and_the_key_it_meant() -> None:
    text = _with_measure(PERCENT.replace("TARGET", "0.6").replace("amber_limit = LIMIT",
                                                                  "amber_limt = 0.4"))
    err = _refused(text)
    assert str(err).endswith("unknown key 'amber_limt' (did you mean amber_limit?)")
    assert err.line == _line_of(text, "amber_limt")
    text = WILTSHIRE.replace('frequency = "monthly"', 'frequncy = "monthly"')
    assert "unknown key 'frequncy' (did you mean frequency?)" in str(_refused(text))


def test_a_duplicate_measure_id_points_at_the_second_one() -> None:
    text = _with_measure(PERCENT.replace("TARGET", "0.6").replace("LIMIT", "0.4")
                         .replace("within_20", "average_cost_per_ehcp"))
    err = _refused(text)
    lines = [i + 1 for i, line in enumerate(text.splitlines())
             if line == 'id = "average_cost_per_ehcp"']
    assert err.line == lines[1]
    assert f"first at line {lines[0]}" in str(err)
