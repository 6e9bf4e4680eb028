"""A whole year through the command line: 2024-02 to 2024-05, across 1 April.

The officer's cycle as it really runs: the definition changes while forms are
out, an owner is late, a return is resubmitted after an error, a period is
compiled again, risks come and go, and a RAG state history holds is removed.
Every step goes through ``hnbxl`` as the officer types it; the returns are the
generated forms filled in (as build.py fills the samples) and saved at known
times.
"""

from __future__ import annotations

import re
import sqlite3
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from hnbxl.cli import main
from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import build_layout
from hnbxl.store.keeping import officer_path
from hnbxl.store.workspace import Workspace
from tests.conftest import SAMPLES
from tests.returns.test_validate_corpus import set_modified

pytestmark = pytest.mark.slow

SAMPLE = tomllib.loads((SAMPLES / "returns.toml").read_text(encoding="utf-8"))
DUE = {"2024-02": "2024-03-01", "2024-03": "2024-04-01", "2024-04": "2024-05-01",
       "2024-05": "2024-06-03"}
TYPO = "Number of ad hoc funding decisions being made"
FIXED = "Number of ad hoc funding decisions made"
COMPLETE = """[[rag]]
key = "complete"
label = "Complete"
colour = "#0070C0"
font_colour = "#FFFFFF"

"""
NEW_MEASURE = """[[measures]]
id = "placement_reviews"
name = "Placements reviewed within 12 weeks"
detail = ""
unit = "count"
direction = "higher"

"""


def stamp(now: datetime, minutes: int) -> str:
    """A save time ``minutes`` from ``now``, as docProps writes it."""
    return (now + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def hnbxl(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert result.exit_code == code, result.output
    return result.output


def edit_definition(work: Path, old: str, new: str, count: int = 1) -> None:
    path = work / "programme.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def fill(work: Path, period: str, owner: str, values: dict[str, Any], name: str,
         saved: str, programme: Any = None) -> Path:
    """The owner's form as generated (from ``programme``, default the current
    definition), filled in and saved at ``saved`` (UTC)."""
    from datetime import date

    ws = Workspace(work)
    programme = programme or ws.programme()
    p = Period.parse(period)
    last = ws.history().snapshot_before(programme.id, p)
    layout = build_layout(programme, p, owner, last, date.fromisoformat(DUE[period]))
    known = {spec.field for spec in layout.inputs}
    unknown = sorted(set(values) - known)
    assert not unknown, unknown
    path = work / "returned" / period / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_form(layout, values=values))
    set_modified(path, saved)
    return path


def month_values(period: str, owner: str, risk_rows: dict[str, dict[str, Any]] | None = None
                 ) -> dict[str, Any]:
    """March's sample values moved to ``period``: months updated, risks as given."""
    before = Period.parse(period).previous().label
    values = {k: v for k, v in SAMPLE["2024-03"][owner].items() if not k.startswith("risks.")}
    for key in list(values):
        if key.endswith(".last_update") and values[key] == "Feb-24":
            values[key] = before
    for row, fields in (risk_rows or {}).items():
        for k, v in fields.items():
            values[f"risks.{row}.{k}"] = v
    return values


def written(output: str) -> Path:
    """The committee workbook a compile says it wrote."""
    found = re.search(r"^Wrote (.+?\.xlsx)", output, re.M)
    assert found, output
    return Path(found.group(1))


def report_rows(path: Path, sheet: str) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def register(path: Path) -> dict[str, list[Any]]:
    """Risk Log rows by id."""
    rows = report_rows(path, "Risk Log")
    header = next(i for i, r in enumerate(rows) if r[:2] == ["ID", "Risk name"])
    return {r[0]: r for r in rows[header + 1:] if r[0]}


def test_a_year(tmp_path: Path) -> None:
    work = tmp_path / "council"
    w = ("-w", str(work))
    hnbxl("init", work)

    # ---------------------------------------------------------------- February
    hnbxl("generate", *w, "-p", "2024-02", "--split", "--due", DUE["2024-02"])
    feb = [fill(work, "2024-02", owner, SAMPLE["2024-02"][owner], f"{owner}.xlsx",
                "2024-02-28T10:00:00Z") for owner in ("lead", "send", "finance")]
    # A one-word fix after the forms went out: old returns still compile.
    edit_definition(work, TYPO, FIXED)
    out = hnbxl("definition", "diff", feb[1], *w)
    assert f'measures[ad_hoc_funding_decisions].name: "{TYPO}" -> "{FIXED}"' in out
    out = hnbxl("validate", *w, "-p", "2024-02", *feb)
    assert "wrong-definition" not in out and "nothing blocks" in out
    assert out.count("label-changed") == 1  # on the send return only: it shows that row
    issues = out.split("Returns for")[0]
    assert str(feb[0]) not in issues and str(feb[2]) not in issues  # untouched: no noise
    assert issues.count("earlier-definition") == 1
    out = hnbxl("compile", *w, "-p", "2024-02", "--extracted-on", "2024-03-04", *feb)
    feb_report = written(out)
    measures = "\n".join(str(r) for r in report_rows(feb_report, "Key Measures"))
    assert FIXED in measures and TYPO not in measures

    # ---------------------------------------------------------------- March
    hnbxl("generate", *w, "-p", "2024-03", "--split", "--due", DUE["2024-03"])
    # Spare risk rows show the id a new risk on them will get (R6, R7...), not N1.
    form = openpyxl.load_workbook(work / "forms" / "wiltshire-hnb-2024-03-send.xlsx")
    shown = {c.value for row in form["Risk Log"].iter_rows() for c in row}
    assert {"R6", "R7", "New risk R6"} & shown == {"R6", "R7"} and "N1" not in shown
    mar = [fill(work, "2024-03", owner, SAMPLE["2024-03"][owner], f"{owner}.xlsx",
                "2024-03-29T10:00:00Z") for owner in ("lead", "send")]
    # Finance is late and the committee date is fixed.
    out = hnbxl("validate", *w, "-p", "2024-03", *mar, code=1)
    assert "section-missing" in out
    hnbxl("compile", *w, "-p", "2024-03", *mar, code=1)
    out = hnbxl("compile", *w, "-p", "2024-03", "--missing-owner", "finance",
                "--extracted-on", "2024-04-08", *mar)
    mar_report = written(out)
    first_bytes = mar_report.read_bytes()
    finance = "\n".join(str(r) for r in report_rows(mar_report, "Finance"))
    assert "Not received from Finance" in finance
    # The new risk gets its id in the month it is added; the closed one shows as Closed.
    risks = register(mar_report)
    assert risks["R6"][1] == "Rising demand for specialist placements"
    assert risks["R3"][-1] == "Closed" and "All three programme posts filled" in risks["R3"][6]
    # The real return arrives: compile again; both compiles are in history.
    late = fill(work, "2024-03", "finance", SAMPLE["2024-03"]["finance"], "finance.xlsx",
                "2024-04-09T10:00:00Z")
    out = hnbxl("compile", *w, "-p", "2024-03", "--extracted-on", "2024-04-10", *mar, late)
    recompiled = written(out)
    assert "Not received" not in "\n".join(str(r) for r in report_rows(recompiled, "Finance"))
    assert register(recompiled)["R6"][1] == "Rising demand for specialist placements"
    assert recompiled.name == "wiltshire-hnb-2024-03-v2.xlsx"  # the committee's file is kept
    assert mar_report.read_bytes() == first_bytes
    out = hnbxl("history", *w, "--all")
    first_id = re.search(r"Mar-24 +(\d+) .* replaced by compile (\d+)", out)
    assert first_id, out
    assert re.search(rf"Mar-24 +{first_id[2]} .* in use; replaces compile {first_id[1]}", out)
    assert "workbook output/wiltshire-hnb-2024-03-v2.xlsx" in out
    assert out.count("present") >= 3 and "MISSING" not in out

    # ---------------------------------------------------------------- April (2024/25)
    # The bundled programme carries illustrative 2024/25 budgets, so April's forms need
    # no edit for the year; before them the council adds a blue "Complete" state.
    path = work / "programme.toml"
    text = path.read_text()
    text = text.replace('[[rag]]\nkey = "green"', COMPLETE + '[[rag]]\nkey = "green"', 1)
    for key in ("green", "amber", "red"):
        state = f'[[rag]]\nkey = "{key}"\n'
        text = text.replace(state, f'{state}grade = "{key}"\n')
    path.write_text(text)
    hnbxl("generate", *w, "-p", "2024-04", "--split", "--due", DUE["2024-04"])
    as_sent = Workspace(work).programme()
    # A measure added mid-year, after April's forms went out.
    edit_definition(work, "[[measures]]\nid = \"ceased_not_neet\"",
                    NEW_MEASURE + "[[measures]]\nid = \"ceased_not_neet\"")
    apr_risks = {r: {"updated": "Apr-24"} for r in ("R1", "R2", "R4", "R5", "R6")}
    send = month_values("2024-04", "send", apr_risks)
    send["conditions.c1.rating"] = "Complete"
    lead = fill(work, "2024-04", "lead", month_values("2024-04", "lead"), "lead.xlsx",
                "2024-04-29T10:00:00Z", as_sent)
    finance = fill(work, "2024-04", "finance", month_values("2024-04", "finance"),
                   "finance.xlsx", "2024-04-29T10:00:00Z", as_sent)
    broken = dict(send, **{"measures.needs_assessment_requests.figure": "about 190"})
    # --newest-wins trusts only save times after the form was generated (today, in this
    # simulated year) and not in the future, so the two copies are saved minutes ago.
    now = datetime.now(UTC)
    first = fill(work, "2024-04", "send", broken, "send.xlsx", stamp(now, minutes=-2), as_sent)
    again = fill(work, "2024-04", "send", send, "send-corrected.xlsx", stamp(now, minutes=-1),
                 as_sent)
    apr = [lead, first, again, finance]
    out = hnbxl("validate", *w, "-p", "2024-04", *apr, code=1)
    assert "returned 2 times" in out and out.count(" resubmission:") == 1
    # Months repeat March's figures: the unchanged-figure queries are let through.
    out = hnbxl("compile", *w, "-p", "2024-04", "--newest-wins", "--allow-queries",
                "--extracted-on", "2024-05-07", *apr)
    assert "set-aside-issue" in out and "field-not-on-form" in out
    apr_report = written(out)
    # The audit trail is the officer's: the returns used (once Sources' first table) are
    # in the officer workbook beside the committee's, which names no file.
    assert "Returns Used" not in openpyxl.load_workbook(apr_report).sheetnames
    used = "\n".join(str(r) for r in report_rows(officer_path(apr_report), "Returns Used"))
    assert "set aside: send.xlsx" in used
    notes = "\n".join(str(r) for r in report_rows(apr_report, "Notes"))
    assert "Illustrative baselines and budgets" in notes  # the bundled 2024/25 amounts
    assert "Illustrative" not in "\n".join(str(r) for r in report_rows(mar_report, "Notes"))
    measures = "\n".join(str(r) for r in report_rows(apr_report, "Key Measures"))
    assert "Placements reviewed within 12 weeks" in measures
    risks = register(apr_report)
    assert "R3" not in risks and risks["R6"][3] == 9  # last period's score, same id

    # ---------------------------------------------------------------- May
    hnbxl("generate", *w, "-p", "2024-05", "--split", "--due", DUE["2024-05"])
    may_risks = {r: {"updated": "May-24"} for r in ("R1", "R2", "R4", "R5")}
    may_risks["R6"] = {"updated": "May-24", "status": "Closed",
                       "closing_note": "Panel in place; placements back on trajectory."}
    send = month_values("2024-05", "send", may_risks)
    send["measures.placement_reviews.figure"] = 41
    send["measures.placement_reviews.last_update"] = "Apr-24"
    send["measures.placement_reviews.rating"] = "Green - On Track"
    may = [fill(work, "2024-05", "send", send, "send.xlsx", "2024-05-30T10:00:00Z")] + [
        fill(work, "2024-05", owner, month_values("2024-05", owner), f"{owner}.xlsx",
             "2024-05-30T10:00:00Z") for owner in ("lead", "finance")]
    hnbxl("validate", *w, "-p", "2024-05", "--allow-queries", *may)
    out = hnbxl("compile", *w, "-p", "2024-05", "--allow-queries", "--extracted-on",
                "2024-06-10", *may)
    may_report = written(out)
    risks = register(may_report)
    assert risks["R6"][-1] == "Closed" and "Panel in place" in risks["R6"][6]
    assert risks["R6"][5] == "Closed" and not risks["R6"][6].startswith("Closed")  # no band
    measures = "\n".join(str(r) for r in report_rows(may_report, "Key Measures"))
    assert "Placements reviewed within 12 weeks" in measures and "41" in measures
    # One id for good: the export holds R6's values and log from March to May.
    hnbxl("history", *w, "--export", tmp_path / "tidy.csv")
    tidy = pd.read_csv(tmp_path / "tidy.csv", dtype=str, keep_default_na=False)
    r6 = tidy[tidy["item"].str.contains("R6")]
    assert {p[:7] for p in r6["period"]} >= {"2024-03", "2024-04", "2024-05"}, r6
    assert not tidy["item"].str.contains(r"risks\.N\d").any()
    with sqlite3.connect(work / "history.sqlite") as conn:
        ids = conn.execute("SELECT DISTINCT c.period, r.risk_id FROM risks r JOIN compiles c"
                           " ON c.id = r.compile_id WHERE c.active = 1 AND r.name LIKE"
                           " 'Rising demand%'").fetchall()
        stored = conn.execute("SELECT COUNT(*) FROM definitions").fetchone()[0]
    assert {i for _p, i in ids} == {"R6"} and {p for p, _i in ids} == {
        "2024-03", "2024-04", "2024-05"}
    assert stored >= 4  # each version forms were made from (and compiled with)

    # ---------------------------------------------------------------- June: a state removed
    text = (work / "programme.toml").read_text()
    (work / "programme.toml").write_text(text.replace(COMPLETE, ""))
    out = hnbxl("generate", *w, "-p", "2024-06", "--split", code=1)
    assert "no longer has the state(s) 'complete'" in out
    assert "conditions.c1 in Apr-24" in out
    out = hnbxl("compile", *w, "-p", "2024-05", *may, code=1)
    assert "'complete'" in out
    (work / "programme.toml").write_text(text)

    # ---------------------------------------------------------------- April 2025: a new year
    # generate names every row without the year's amounts at once, with the lines to add.
    out = hnbxl("generate", *w, "-p", "2025-04", "--split", code=1)
    assert "no baseline and budget for 2025/26" in out and "for 9 finance rows" in out
    assert out.count("carried forward: edit") == 9 and '[years."2025/26".amounts]' in out
    out = hnbxl("definition", "next-year", *w)  # the year after the latest one given
    assert 'Added 2025/26' in out and "ws5 = { baseline = 0, budget = 0 }" in out
    assert "2025/26 baselines and budgets carried forward" in (work / "programme.toml"
                                                                ).read_text()
    out = hnbxl("generate", *w, "-p", "2025-04", "--split")
    assert "Wrote 3 workbooks for Apr-25" in out, out
    out = hnbxl("definition", "next-year", *w, "2025/26", code=1)
    assert "already has amounts for 2025/26" in out
