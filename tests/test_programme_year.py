"""A third council's programme through a whole financial year, April to March (issue 19).

Eastmere's definition (tests/data/eastmere.toml) was written from the docs
alone and shares no word with the bundled programme.  Every month goes
through ``hnbxl`` as the officer types it: generate the split forms, fill
them, validate, compile.  It checks what the issue asked for: finance asked
for only in its quarter's due month and shown between with its quarter and
next due date; a row with its own owner and rhythm; a five-state scale rated
by threshold bands; a year-to-date count compared by its increase; an
annual survey; a risk closed with a note; and the ratings and words of the
committee's report.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from hnbxl.cli import main
from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import build_layout
from hnbxl.store.workspace import Workspace
from tests.conftest import TESTS, soffice
from tests.report.test_second_programme import WILTSHIRE_WORDS, _all_words
from tests.returns.test_validate_corpus import set_modified
from tests.test_year import hnbxl, report_rows, written

EASTMERE = TESTS / "data" / "eastmere.toml"
PDF = soffice() is not None and shutil.which("pdftotext") is not None
MONTHS = [Period(2024, m) for m in range(4, 13)] + [Period(2025, m) for m in range(1, 4)]
QUARTER_ENDS = {6, 9, 12, 3}
# Average days to issue a plan, month by month: bands 100 / 140 / 150 / 170.
DAYS = [175, 160, 145, 130, 95, 120, 150, 151, 170, 171, 100, 101]
# New plans this month; the return gives the running total from April.
NEW_PLANS = [40, 45, 50, 48, 52, 50, 49, 90, 50, 47, 53, 50]  # Nov: a spike
SPEND = {6: 9_400_000, 9: 9_600_000, 12: 10_100_000, 3: 9_500_000}


def due_date(period: Period) -> date:
    return period.next().first_day().replace(day=3)


def fill(work: Path, period: Period, owner: str, values: dict[str, Any]) -> Path:
    """The owner's form as generated, filled in and saved."""
    ws = Workspace(work)
    programme = ws.programme()
    last = ws.history().snapshot_before(programme.id, period)
    layout = build_layout(programme, period, owner, last, due_date(period))
    known = {spec.field for spec in layout.inputs}
    assert not set(values) - known, sorted(set(values) - known)
    path = work / "returned" / period.key / f"{owner}.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_form(layout, values=values))
    set_modified(path, f"{due_date(period).isoformat()}T09:00:00Z")
    return path


def values_for(period: Period, i: int, owner: str) -> dict[str, Any]:
    month = period.label
    before = period.previous().label
    if owner == "board":
        return {"overview.narrative": f"The board met in {month}. Plans are moving."}
    if owner == "casework":
        out: dict[str, Any] = {"conditions.early_help.rating": "On schedule",
                               "conditions.local_places.rating":
                                   "Achieved" if i >= 9 else "Minor slippage"}
        for risk in ("H1", "H2") if i <= 6 else ("H1",):  # H2 is closed in October
            out[f"risks.{risk}.updated"] = month
        if period == Period(2024, 10):  # H2 closed with its note
            out["risks.H2.status"] = "Closed"
            out["risks.H2.action"] = "Resource base opened in October: 24 places."
        return out
    if owner == "insight":
        ytd = sum(NEW_PLANS[:i + 1])
        out = {"measures.plan_days.figure": DAYS[i], "measures.plan_days.last_update": before,
               "measures.plans_issued.figure": ytd, "measures.plans_issued.last_update": month}
        if period.month == 3:
            out["measures.family_survey.figure"] = 0.64
            out["measures.family_survey.last_update"] = month
        return out
    assert owner == "money"
    return {"finance.placements.this_quarter": SPEND[period.month],
            "finance.saving_a.this_quarter": 100_000 * (i // 3 + 1),
            "finance.narrative": f"Quarter {period.quarter()} monitoring.",
            "measures.unit_cost.figure": 43_000 if period.month == 12 else 41_000,
            "measures.unit_cost.last_update": month}


def sheet_text(path: Path, sheet: str) -> str:
    ws = openpyxl.load_workbook(path)[sheet]
    return "\n".join(" | ".join(str(c) for c in row if c is not None)
                     for row in ws.iter_rows(values_only=True))


def state_of(path: Path, name: str) -> str:
    return str(rows_by_name(path, "Indicators")[name][5])


def rows_by_name(path: Path, sheet: str) -> dict[str, list[Any]]:
    return {r[0]: r for r in report_rows(path, sheet) if isinstance(r[0], str)}


def formats_by_name(path: Path, sheet: str) -> dict[str, list[str]]:
    """Each named row's number formats: a figure is stored as a number, and its format
    is what shows it as "95 days", "£43,000" or "64%"."""
    ws = openpyxl.load_workbook(path)[sheet]
    return {row[0].value: [c.number_format for c in row] for row in ws.iter_rows()
            if isinstance(row[0].value, str)}


@pytest.mark.slow
def test_a_year_of_a_new_programme(tmp_path: Path) -> None:
    work = tmp_path / "eastmere"
    w = ("-w", str(work))
    hnbxl("init", work)
    (work / "programme.toml").write_text(EASTMERE.read_text(encoding="utf-8"),
                                         encoding="utf-8")
    # The finance partner has nothing due in April: --owner says when it next is.
    out = hnbxl("generate", *w, "-p", "2024-04", "--owner", "money", code=1)
    assert ("Finance partner has nothing due in Apr-24: every row they fill reports "
            "quarterly (due Jun, Sep, Dec, Mar); next due Jun-24") in out, out
    reports: dict[str, Path] = {}
    validations: dict[str, str] = {}
    texts: dict[str, dict[str, str]] = {}
    rows: dict[str, dict[str, list[Any]]] = {}
    formats: dict[str, dict[str, list[str]]] = {}
    for i, period in enumerate(MONTHS):
        out = hnbxl("generate", *w, "-p", period.key, "--split", "--due",
                    due_date(period).isoformat())
        owners = sorted(p.stem.rsplit("-", 1)[-1]
                        for p in (work / "forms").glob(f"*-{period.key}-*.xlsx"))
        quarterly = period.month in QUARTER_ENDS
        if not quarterly:
            assert (f"No form for Finance partner: nothing due in {period.label} (quarterly "
                    "(due Jun, Sep, Dec, Mar); next due") in out, out
        assert owners == sorted(["board", "casework", "insight"]
                                + (["money"] if quarterly else [])), (period, out)
        files = [fill(work, period, owner, values_for(period, i, owner)) for owner in owners]
        result = CliRunner().invoke(main, ["validate", *w, "-p", period.key, *map(str, files)])
        assert "Traceback" not in result.output, result.output
        validations[period.key] = result.output
        pdf = ("--pdf",) if period.month == 3 and PDF else ()
        out = hnbxl("compile", *w, "-p", period.key, "--extracted-on",
                    due_date(period).isoformat(), "--allow-queries", *pdf, *files)
        reports[period.key] = written(out)
        if period.month in (4, 8, 10, 11, 1, 3):
            texts[period.key] = {sheet: sheet_text(reports[period.key], sheet)
                                 for sheet in ("Indicators", "Money", "Hazards")}
            rows[period.key] = {**rows_by_name(reports[period.key], "Indicators"),
                                **rows_by_name(reports[period.key], "Money")}
            formats[period.key] = formats_by_name(reports[period.key], "Indicators")

    # A five-state scale rated by threshold bands: every state but the no-data one
    # comes from the rule, month by month (Minor slippage is no grade of a rule).
    got = [state_of(reports[p.key], "Average days to issue a plan") for p in MONTHS]
    assert got == ["Off course", "Significant slippage", "Minor slippage", "On schedule",
                   "Achieved", "On schedule", "Minor slippage", "Significant slippage",
                   "Significant slippage", "Off course", "Achieved", "On schedule"]
    assert rows["2024-08"]["Average days to issue a plan"][2:4] == [95, "Jul-24"]
    assert formats["2024-08"]["Average days to issue a plan"][2] == '#,##0" days"'
    assert "150 days is at or below 150 days: Minor slippage." in texts["2024-10"]["Indicators"]

    # The year-to-date count: its query compares the month's increase with the
    # year's average month, so steady growth raises none and November's spike one.
    queried = [k for k, out in validations.items() if "query-moved" in out]
    assert queried == ["2024-11"], queried
    assert "the increase since last period differs by more than 25%" in validations["2024-11"]
    assert "New plans issued" in validations["2024-11"]
    assert rows["2025-03"]["New plans issued"][2] == 624
    assert formats["2025-03"]["New plans issued"][2] == "#,##0"
    assert "624 is above the Q4 2024/25 target of 600" in texts["2025-03"]["Indicators"]

    # Quarterly finance: not asked for between due months, and shown there with its
    # quarter and next due month; before the first due month it is not due yet.
    april = rows["2024-04"]["Placement spend"]
    assert april[3] == "Not due until Jun-24" and april[5] == "Awaiting data"
    august = rows["2024-08"]["Placement spend"]
    assert august[3:6] == [9_400_000, -100_000, "On schedule"]
    assert august[7].startswith("Q1 2024/25 figure; next due Sep-24.")
    assert "From the Q1 2024/25 return (Jun-24); next due Sep-24." in texts["2024-08"]["Money"]
    assert rows["2025-01"]["Placement spend"][5] == "Off course"
    assert rows["2025-01"]["Placement spend"][7].startswith("Q3 2024/25 figure; next due Mar-25.")
    assert rows["2025-03"]["Placement spend"][5:7] == ["On schedule", "↑ Improving"]
    # History keeps each quarterly figure in the period it was given, not every month.
    with sqlite3.connect(work / "history.sqlite") as conn:
        given = [r[0] for r in conn.execute(
            "SELECT c.period FROM field_values f JOIN compiles c ON c.id = f.compile_id"
            " WHERE f.field = 'finance.placements.this_quarter' ORDER BY c.period")]
    assert given == ["2024-06", "2024-09", "2024-12", "2025-03"]

    # A row with its own owner and rhythm: Finance's quarterly cost in the indicators.
    cost = rows["2025-01"]["Cost of a specialist place"]
    assert cost[2:6] == [43_000, "Q3 2024/25", "Significant slippage", "Significant slippage"]
    assert formats["2025-01"]["Cost of a specialist place"][2] == "£#,##0;-£#,##0"
    assert cost[7].startswith("Q3 2024/25 figure; next due Mar-25.")
    # The annual survey: not due until March, then rated by its bands.
    assert rows["2024-10"]["Families who feel heard"][2] == "Not due until Mar-25"
    survey = rows["2025-03"]["Families who feel heard"]
    assert survey[2:6] == [0.64, "2024/25", "Awaiting data", "Minor slippage"]
    assert formats["2025-03"]["Families who feel heard"][2] == "0%"

    # A risk closed in October: shown closed with its note that month, then gone.
    assert "Resource base opened in October: 24 places." in texts["2024-10"]["Hazards"]
    assert "| Closed" in texts["2024-10"]["Hazards"]
    assert "Specialist places run short" not in texts["2024-11"]["Hazards"]

    # None of the bundled programme's words in this programme's committee outputs.
    own = EASTMERE.read_text(encoding="utf-8")
    foreign = [w for w in WILTSHIRE_WORDS if w not in own]
    for path in reports.values():
        text = _all_words(path)
        assert [w for w in foreign if w in text] == [], path
    if PDF:  # the committee's PDF of the year's last month
        pdf_path = reports["2025-03"].with_suffix(".pdf")
        text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "Families who feel heard" in text
        assert [w for w in foreign if w in text] == []
