"""Days and plain numbers with decimals: typed, coerced, checked and shown like every unit.

A programme of Northshire's shape gains a days measure (average days to issue
a plan) and a rate per 10,000: the form asks for them with their own
validation and words, the reader takes 12.5 and refuses -3 or words, the rules
compare them in their unit, and the report and its history show "18.5 days"
and "45.3" (issue 19).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hnbxl.api import compile_returns, generate_forms
from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import DAYS, DECIMAL, build_layout
from hnbxl.programme.definition import DefinitionError, parse_programme
from hnbxl.programme.thresholds import format_in_unit
from hnbxl.returns.coerce import coerce as _coerce
from hnbxl.store.workspace import init_workspace
from tests.conftest import TESTS
from tests.report.test_second_programme import VALUES

NORTHSHIRE = TESTS / "data" / "northshire.toml"
NEW_MEASURES = """
[[measures]]
id = "m_days"
name = "Average days to issue a plan"
unit = "days"
direction = "lower"
rule = { kind = "threshold", target = 140, amber_limit = 154 }

[[measures]]
id = "m_rate"
name = "Plans per 10,000 children"
unit = "number"
direction = "lower"
rule = { kind = "threshold", target = 40.5, amber_limit = 44.25 }
"""
PERIOD = Period(2024, 5)


def _definition(tmp_path: Path) -> Path:
    text = NORTHSHIRE.read_text(encoding="utf-8")
    at = text.index("[[measures]]\nid = \"m_forecast\"")
    path = tmp_path / "units.toml"
    path.write_text(text[:at] + NEW_MEASURES.lstrip() + "\n" + text[at:], encoding="utf-8")
    return path


def test_units_in_words() -> None:
    assert format_in_unit(18.5, "days") == "18.5 days"
    assert format_in_unit(1, "days") == "1 day"
    assert format_in_unit(45.25, "number") == "45.25"
    assert format_in_unit(1234.5, "number") == "1,234.5"


def test_a_negative_days_threshold_is_refused(tmp_path: Path) -> None:
    text = _definition(tmp_path).read_text(encoding="utf-8").replace(
        "target = 140, amber_limit = 154", "target = -1, amber_limit = 154")
    with pytest.raises(DefinitionError, match="a number of days cannot be negative"):
        parse_programme(text)


def test_the_form_asks_and_the_reader_checks(tmp_path: Path) -> None:
    programme = parse_programme(_definition(tmp_path).read_text(encoding="utf-8"))
    layout = build_layout(programme, PERIOD, None)
    days, rate = layout.input("measures.m_days.figure"), layout.input("measures.m_rate.figure")
    assert (days.kind, rate.kind) == (DAYS, DECIMAL)
    assert days.maximum == programme.limits.count_max and days.minimum == 0
    assert "number of days" in days.prompt and "decimals" in rate.prompt
    assert coerce(days, 12.5, "n").value == 12.5
    assert coerce(rate, 45.3, "n").value == 45.3
    typed = coerce(days, "12.5", "s")
    assert typed.value == 12.5 and [p.code for p in typed.problems] == ["text-number-accepted"]
    assert [p.code for p in coerce(days, -3, "n").problems] == ["negative-count"]
    assert [p.code for p in coerce(rate, "about 4", "s").problems] != []
    assert coerce(rate, "4%", "s").problems[0].code == "wrong-unit"
    # the workbook's own validation: a decimal between 0 and the limit
    book = openpyxl.load_workbook(_render(layout, tmp_path))
    sheet = book[days.sheet]
    rules = [dv for dv in sheet.data_validations.dataValidation if days.cell in str(dv.sqref)]
    assert rules and rules[0].type == "decimal" and (rules[0].formula1, rules[0].formula2) == (
        "0", "10000000")  # between (the default operator): 0 and [limits] count_max


def coerce(spec: Any, raw: object, cell_type: str) -> Any:
    return _coerce(spec, raw, cell_type, scale_labels={})


def _render(layout: Any, tmp_path: Path, values: dict[str, Any] | None = None) -> Path:
    path = tmp_path / "form.xlsx"
    path.write_bytes(render_form(layout, values=values or {}))
    return path


def test_rated_and_shown_in_their_unit(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "work", _definition(tmp_path))
    programme = ws.programme()
    forms = generate_forms(ws, PERIOD, split=True, due=date(2024, 6, 3),
                           out_dir=tmp_path / "forms")
    values = {
        **{k: v for owner in VALUES.values() for k, v in owner.items()},
        "measures.m_days.figure": 150.5, "measures.m_days.last_update": "May-24",
        "measures.m_rate.figure": 39.75, "measures.m_rate.last_update": "May-24",
    }
    returned = []
    for form in forms:
        layout = build_layout(programme, PERIOD, form.owner, None, date(2024, 6, 3))
        mine = {k: v for k, v in values.items() if any(s.field == k for s in layout.inputs)}
        path = tmp_path / "returned" / form.path.name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(render_form(layout, values=mine))
        returned.append(path)
    result = compile_returns(ws, returned, extracted_on=date(2024, 6, 10),
                             allow_warnings=True, allow_queries=True)
    assert result.written, [str(i) for i in result.issues]
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(result.output)[
        programme.sections["measures"].tab].iter_rows()]
    days = next(r for r in rows if r[0] == "Average days to issue a plan")
    rate = next(r for r in rows if r[0] == "Plans per 10,000 children")
    text = " ".join(str(v) for v in days + rate if v is not None)
    assert "150.5 days is above the target of 140 days, within the limit of 154 days." in text
    assert "Some concern" in days and "On track" in rate  # amber and green on this scale
    assert "39.75 is at or below the target of 40.5." in text
    figures = [[c.value for c in row] for row in openpyxl.load_workbook(result.output)[
        "Figures Over Time"].iter_rows()]
    assert [r[-1] for r in figures if r[1] == "Average days to issue a plan"] == [150.5]
