"""Figures are written one way everywhere; a negative amount is ``-£1,234``."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest

from hnbxl.core import fmt
from hnbxl.forms.layout import MONEY, InputSpec
from hnbxl.programme.definition import load_programme
from hnbxl.report.rules import rate_threshold
from hnbxl.returns.coerce import coerce

PACKAGE = Path(__file__).resolve().parents[2] / "hnbxl"


@pytest.mark.parametrize(("amount", "shown"), [
    (17287, "£17,287"), (-1234, "-£1,234"), (-1234.4, "-£1,234"), (-0.4, "£0"),
    (0, "£0"), (1234567.5, "£1,234,568"), (Fraction(-5, 2), "-£2"),
])
def test_money(amount: float, shown: str) -> None:
    assert fmt.money(amount) == shown


@pytest.mark.parametrize(("amount", "shown"), [
    (Decimal("17287.50"), "£17,287.50"), (Decimal("-1234.5"), "-£1,234.5"),
    (1000.0, "£1,000"), (-2500000.0, "-£2,500,000"), (0.5, "£0.5"),
])
def test_money_exact(amount: float, shown: str) -> None:
    assert fmt.money(amount, exact=True) == shown


@pytest.mark.parametrize(("fraction", "shown"), [
    (0.0606, "6.06%"), (0.1, "10%"), (0, "0%"), (-0.0, "0%"), (0.00001, "<0.01%"),
    (-0.05, "-5%"), (float("inf"), "∞%"),
])
def test_percent(fraction: float, shown: str) -> None:
    assert fmt.percent(fraction) == shown


def test_dates_numbers_and_text() -> None:
    assert fmt.long_date(date(2024, 3, 4)) == fmt.long_date("2024-03-04") == "4 March 2024"
    assert fmt.number(1234) == "1,234" and fmt.number(12.5) == "12.5"
    assert fmt.clip("abcdef", 4) == "abc…" and fmt.clip("abc", 4) == "abc"
    assert fmt.one_line(" a\n\tb  c ") == "a b c"


def test_no_pound_sign_is_put_before_a_number_outside_fmt() -> None:
    """``f"£{x:,}"`` writes ``£-1,234`` for a negative; only core/fmt.py may write money."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() == "core/fmt.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                parts = node.values
                for here, after in pairwise(parts):
                    if (isinstance(here, ast.Constant) and str(here.value).endswith("£")
                            and isinstance(after, ast.FormattedValue)):
                        offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not offenders, f"format money with hnbxl.core.fmt.money: {offenders}"


def test_negative_money_in_rating_notes() -> None:
    scale = load_programme().scale
    rating = rate_threshold(scale, {"target": -1000, "amber_limit": -5000}, -2500.4, "higher",
                            "money")
    assert "-£2,500 is below the target of -£1,000, within the limit of -£5,000" in rating.basis
    assert "£-" not in rating.basis


def test_negative_money_in_messages_about_a_cell() -> None:
    spec = InputSpec("finance.x.figure", "finance", "Finance", 5, 5, MONEY, "X",
                     minimum=-1000.0)  # type: ignore[arg-type]
    got = coerce(spec, "-£2,500.50", "s", scale_labels={})
    assert [p.code for p in got.problems] == ["below-minimum"]
    assert "is below -£1,000" in got.problems[0].message
    read = coerce(InputSpec("finance.x.figure", "finance", "Finance", 5, 5, MONEY, "X"),
                  "-£2,500.50", "s", scale_labels={})
    assert "read as -£2,500.50" in read.problems[0].message


def test_negative_money_in_the_committee_report() -> None:
    """The March sample has variances under budget: shown -£644,143, never £-644,143."""
    import openpyxl

    book = PACKAGE.parent / "samples" / "expected" / "wiltshire-hnb-2024-03.xlsx"
    negatives = 0
    for ws in openpyxl.load_workbook(book):
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert "£-" not in cell.value, (ws.title, cell.coordinate, cell.value)
                elif isinstance(cell.value, int | float) and "£" in cell.number_format:
                    assert cell.number_format.split(";")[1].startswith("-£"), cell.number_format
                    negatives += cell.value < 0
    assert negatives >= 2  # the test looked at real negative amounts
