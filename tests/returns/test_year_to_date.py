"""Year-to-date measures: queries compare the month's increase, and the year starts again."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hnbxl.core.periods import Period
from hnbxl.forms.queries import build_checks, raised
from hnbxl.programme.definition import DefinitionError, Programme, parse_programme
from tests.programme.test_definition import WILTSHIRE

ITEM = "measures.needs_assessment_requests"
FIELD = f"{ITEM}.figure"


@pytest.fixture(scope="module")
def ytd() -> Programme:
    text = WILTSHIRE.replace('unit = "count"\ndirection = "lower"',
                             'unit = "count"\ndirection = "lower"\ncumulative = true', 1)
    programme = parse_programme(text, "ytd.toml")
    assert programme.measure("needs_assessment_requests").cumulative
    return programme


def _moved(programme: Programme, last: str, before: float, period: str) -> object:
    snapshot = SimpleNamespace(period=Period.parse(last), values={FIELD: before},
                               open_risks=(), ratings={})
    checks = build_checks(programme, Period.parse(period), snapshot,
                          lambda f: f.startswith("measures."), lambda r: "A1",
                          lambda i: "Requests")
    return next(c for c in checks if c.kind == "moved" and c.item == ITEM)


@pytest.mark.parametrize(("figure", "fires"), [(140, False), (157, False), (158, True),
                                               (123, False), (122, True)])
def test_moved_compares_the_months_increase_not_the_total(ytd: Programme, figure: int,
                                                          fires: bool) -> None:
    # April 70 (one month): May is expected near 140; 25% of a 70 increase is 17.5.
    check = _moved(ytd, "2024-04", 70, "2024-05")
    assert raised(check, {FIELD: figure}) is fires
    assert "the year's average of 70 a month" in check.label
    assert "about 140 now" in check.label


def test_the_year_starts_again_at_the_financial_years_start(ytd: Programme) -> None:
    # March's 840 is twelve months of 70; April's total starts again near 70.
    check = _moved(ytd, "2024-03", 840, "2024-04")
    assert not raised(check, {FIELD: 75})
    assert raised(check, {FIELD: 900})  # the year-end total carried on: a query
    assert "starts again in 2024/25" in check.label


def test_a_total_without_the_mark_is_compared_as_before(programme: Programme) -> None:
    check = _moved(programme, "2024-04", 70, "2024-05")
    assert raised(check, {FIELD: 158}) and not raised(check, {FIELD: 80})
    assert "last period's 70" in check.label


def test_only_counts_and_money_can_be_year_to_date() -> None:
    text = WILTSHIRE.replace('unit = "percent"\ndirection = "lower"',
                             'unit = "percent"\ndirection = "lower"\ncumulative = true', 1)
    with pytest.raises(DefinitionError, match="cumulative: a percent measure"):
        parse_programme(text, "bad.toml")
