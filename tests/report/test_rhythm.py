"""Rows not due this period: carried with their period and next due month (issue 19)."""

from __future__ import annotations

from hnbxl.core.periods import Period
from hnbxl.core.provenance import FieldValue, Provenance
from hnbxl.programme.definition import load_programme
from hnbxl.report.rhythm import carry, not_due, with_rhythm
from hnbxl.report.rules import RuleInputs, evaluate_all
from hnbxl.store.history import PeriodRecord
from tests.conftest import TESTS

EASTMERE = load_programme(TESTS / "data" / "eastmere.toml")
HERE = Provenance("money.xlsx", "0" * 64, "Money", "D6")


def _record(period: Period, values: dict[str, object]) -> PeriodRecord:
    return PeriodRecord(1, period, EASTMERE.hash, {},
                        {k: FieldValue(k, v, HERE) for k, v in values.items()}, ())


def test_what_is_not_due_and_when_it_is_next() -> None:
    april = not_due(EASTMERE, Period(2024, 4))
    assert april["finance.placements"] == Period(2024, 6)
    assert april["finance.narrative"] == Period(2024, 6)
    assert april["measures.unit_cost"] == Period(2024, 6)  # its own rhythm, its own owner
    assert april["measures.family_survey"] == Period(2025, 3)
    assert "measures.plan_days" not in april and "risks.narrative" not in april
    assert "finance.placements" not in not_due(EASTMERE, Period(2024, 9))


def test_the_latest_figure_is_carried_and_rated_as_then() -> None:
    june = _record(Period(2024, 6), {"finance.placements.this_quarter": 9_600_000,
                                     "finance.narrative": "Quarter 1 monitoring."})
    may = _record(Period(2024, 5), {"measures.plan_days.figure": 120})
    carried, nothing = carry(EASTMERE, Period(2024, 8), [may, june])
    placements = carried["finance.placements"]
    assert placements.given == Period(2024, 6) and placements.belongs_to == "Q1 2024/25"
    assert placements.words == "Q1 2024/25 figure; next due Sep-24."
    assert carried["finance.narrative"].values["finance.narrative"].value.startswith("Quarter")
    assert nothing == {"finance.saving_a": Period(2024, 9),
                       "measures.unit_cost": Period(2024, 9),
                       "measures.family_survey": Period(2025, 3)}
    values = {k: v.value for c in carried.values() for k, v in c.values.items()}
    ratings = evaluate_all(EASTMERE, Period(2024, 8),
                           RuleInputs(this_quarter={"finance.placements": values[
                               "finance.placements.this_quarter"]}))
    shown = with_rhythm(ratings, carried, nothing, EASTMERE)
    assert shown["finance.placements"].key == "significant"  # 1.05% over: as in June
    assert shown["finance.placements"].basis.startswith("Q1 2024/25 figure; next due Sep-24. ")
    assert shown["measures.family_survey"].basis == (
        "Not due until Mar-25 (annually (due Mar)).")
