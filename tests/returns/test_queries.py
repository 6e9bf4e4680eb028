"""Query rules at their boundaries, explained and unexplained, through real returns.

The February samples are compiled into a working folder; March forms carry
February as last period.  Each test fills a March return with values either
side of one rule's boundary and reads it back through ``validate``.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hnbxl.api import compile_returns, validate_returns
from hnbxl.core.issues import Issue, Severity
from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import FormLayout, build_layout
from hnbxl.store.workspace import Workspace
from tests.conftest import SAMPLES, TESTS

MARCH = Period(2024, 3)
DUE = date(2024, 4, 5)
SAMPLE_VALUES = tomllib.loads((SAMPLES / "returns.toml").read_text(encoding="utf-8"))


def _quiet_march(owner: str) -> dict[str, Any]:
    """March's sample values with every query taken away (so each test adds one)."""
    values = {k: v for k, v in SAMPLE_VALUES["2024-03"][owner].items()
              if not k.endswith((".explanation", ".disclosure"))}
    if owner == "send":
        for key in ("figure", "share_base"):
            values.pop(f"measures.ceased_not_neet.{key}")
        values["measures.ceased_not_neet.reason"] = "Data coming"
        for risk in ("R2", "R4", "R5"):
            values[f"risks.{risk}.action"] = f"Reviewed in March: the {risk} action goes on."
    if owner == "finance":
        values["finance.ws2.this_quarter"] = 1995000
    return values


@pytest.fixture(scope="module")
def history_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("queries") / "work")
    result = compile_returns(ws, sorted((SAMPLES / "2024-02").glob("*.xlsx")),
                             extracted_on=date(2024, 3, 4))
    assert result.written, result.issues
    return ws


def _layout(ws: Workspace, owner: str) -> FormLayout:
    last = ws.history().snapshot_before(ws.programme().id, MARCH)
    return build_layout(ws.programme(), MARCH, owner, last, DUE)


def queries(ws: Workspace, tmp_path: Path, owner: str, **changes: Any) -> list[Issue]:
    """The query issues of a March return: the quiet values with ``changes`` (__ for .)."""
    layout = _layout(ws, owner)
    values = _quiet_march(owner)
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    path = tmp_path / f"march-{owner}.xlsx"
    path.write_bytes(render_form(layout, values=values))
    validation = validate_returns(ws, [path])
    assert not validation.blocking(allow_queries=True), validation.issues
    return [i for i in validation.issues if i.code.startswith("query-")]


def _one(issues: list[Issue], code: str, severity: Severity) -> Issue:
    assert [(i.code, i.severity) for i in issues] == [(code, severity)], issues
    return issues[0]


def test_quiet_return_raises_no_query(history_ws: Workspace, tmp_path: Path) -> None:
    for owner in ("send", "finance"):
        assert queries(history_ws, tmp_path, owner) == []


NAR = "measures__needs_assessment_requests"  # a count; last period 169, moved share 25%


@pytest.mark.parametrize(("figure", "raised"), [(211, False), (212, True), (127, False),
                                                (126, True)])
def test_moved_at_its_boundary(history_ws: Workspace, tmp_path: Path, figure: int,
                               raised: bool) -> None:
    issues = queries(history_ws, tmp_path, "send", **{f"{NAR}__figure": figure})
    if not raised:
        assert issues == []
        return
    issue = _one(issues, "query-moved", Severity.QUERY)
    assert (issue.sheet, issue.cell, issue.found) == ("Key Measures", "F6", str(figure))
    assert "25% from last period's 169" in issue.message
    assert issue.expected == "an explanation in Key Measures!N6"
    explained = queries(history_ws, tmp_path, "send", **{
        f"{NAR}__figure": figure, f"{NAR}__explanation": "A new school opened in the area."})
    issue = _one(explained, "query-moved", Severity.INFO)
    assert "Explained: A new school opened in the area." in issue.message


@pytest.mark.parametrize(("figure", "raised"), [(17287, True), (17287.01, False),
                                                (17286.99, False)])
def test_unchanged_at_its_boundary(history_ws: Workspace, tmp_path: Path, figure: float,
                                   raised: bool) -> None:
    key = "measures__average_cost_per_ehcp"
    issues = queries(history_ws, tmp_path, "send", **{f"{key}__figure": figure})
    if not raised:
        assert issues == []
        return
    _one(issues, "query-unchanged", Severity.QUERY)
    explained = queries(history_ws, tmp_path, "send", **{
        f"{key}__figure": figure, f"{key}__explanation": "Costs were frozen this month."})
    _one(explained, "query-unchanged", Severity.INFO)


@pytest.mark.parametrize(("rating", "figure", "raised"), [
    ("Green - On Track", 0.0607, True),   # better rating, higher (worse) share
    ("Green - On Track", 0.0606, False),  # the same figure is not worse
    ("Amber - Off Track", 0.07, False),   # the same rating
    ("Red - At Risk", 0.07, False),       # a worse rating
])
def test_rating_against_figure(history_ws: Workspace, tmp_path: Path, rating: str,
                               figure: float, raised: bool) -> None:
    key = "measures__independent_special_school"  # lower is better; last 6.06%, amber
    changes = {f"{key}__figure": figure, f"{key}__rating": rating}
    issues = queries(history_ws, tmp_path, "send", **changes)
    if not raised:
        assert issues == []
        return
    _one(issues, "query-rating-figure", Severity.QUERY)
    _one(queries(history_ws, tmp_path, "send", **changes,
                 **{f"{key}__explanation": "Rated on the trend, not the month."}),
         "query-rating-figure", Severity.INFO)


@pytest.mark.parametrize(("figure", "raised"), [(0, False), (1, True), (4, True), (5, False)])
def test_small_number_at_its_boundary(history_ws: Workspace, tmp_path: Path, figure: int,
                                      raised: bool) -> None:
    key = "measures__ad_hoc_funding_decisions"  # no figure last period: only the count counts
    changes = {f"{key}__figure": figure, f"{key}__reason": None}
    issues = queries(history_ws, tmp_path, "send", **changes)
    if not raised:
        assert issues == []
        return
    issue = _one(issues, "query-small-number", Severity.QUERY)
    assert "choose Suppress or Publish in Key Measures!M11" in issue.message
    # Publish needs its reason; Suppress needs none.
    _one(queries(history_ws, tmp_path, "send", **changes, **{f"{key}__disclosure": "Publish"}),
         "query-small-number", Severity.QUERY)
    published = _one(queries(history_ws, tmp_path, "send", **changes, **{
        f"{key}__disclosure": "Publish", f"{key}__explanation": "Decisions, not children."}),
        "query-small-number", Severity.INFO)
    assert "Resolved. Published. Reason: Decisions, not children." in published.message
    assert f"or suppress. Found: {figure}. Resolved." in published.message
    assert not published.found and not published.expected  # resolved: no found/expected pair
    suppressed = _one(queries(history_ws, tmp_path, "send", **changes,
                              **{f"{key}__disclosure": "Suppress"}),
                      "query-small-number", Severity.INFO)
    assert "Suppressed" in suppressed.message


@pytest.mark.parametrize(("figure", "raised"), [(1753000, False), (1753001, True)])
def test_savings_over_budget(history_ws: Workspace, tmp_path: Path, figure: int,
                             raised: bool) -> None:
    issues = queries(history_ws, tmp_path, "finance", finance__ws1__this_quarter=figure)
    if not raised:
        assert issues == []
        return
    issue = _one(issues, "query-savings-over-budget", Severity.QUERY)
    assert issue.expected == "an explanation in Finance!K12"
    _one(queries(history_ws, tmp_path, "finance", finance__ws1__this_quarter=figure,
                 finance__ws1__explanation="A placement ended early."),
         "query-savings-over-budget", Severity.INFO)


@pytest.mark.parametrize(("changes", "raised"), [
    ({}, True),                                          # 12 is above its target of 4
    ({"risks__R1__target": 12}, False),                  # at target, and not risen
    ({"risks__R1__target": 12, "risks__R1__likelihood": 4}, True),  # rose from 12 to 16
    ({"risks__R1__action": "A new plan."}, False),       # the action changed
    ({"risks__R1__status": "Closed"}, False),            # closed
])
def test_risk_action(history_ws: Workspace, tmp_path: Path, changes: dict[str, Any],
                     raised: bool) -> None:
    base = {"risks__R1__action": SAMPLE_VALUES["2024-02"]["send"].get(
        "risks.R1.action", history_ws.programme().risks[0].action)}
    issues = queries(history_ws, tmp_path, "send", **{**base, **changes})
    if not raised:
        assert issues == []
        return
    issue = _one(issues, "query-risk-action", Severity.QUERY)
    assert issue.expected == "an explanation in Risk Log!M6"
    _one(queries(history_ws, tmp_path, "send", **{**base, **changes},
                 risks__R1__explanation="Waiting for the DfE."),
         "query-risk-action", Severity.INFO)


def test_share_against_count_and_base(tmp_path: Path) -> None:
    """A share rule (none in the Wiltshire defaults): 6.06% of 169 is 10.24 requests."""
    text = (TESTS.parent / "templates" / "wiltshire-hnb.toml").read_text(encoding="utf-8")
    text += ('\n[[queries.rules]]\nkind = "share"\n'
             'share = "measures.independent_special_school.figure"\n'
             'count = "measures.ad_hoc_funding_decisions.figure"\n'
             'base = "measures.needs_assessment_requests.figure"\ntolerance = 0.005\n')
    definition = tmp_path / "programme.toml"
    definition.write_text(text, encoding="utf-8")
    ws = Workspace(tmp_path / "work", definition_override=definition)
    layout = build_layout(ws.programme(), Period(2024, 2), "send", None, date(2024, 3, 1))
    values = dict(SAMPLE_VALUES["2024-02"]["send"])
    values.pop("measures.ad_hoc_funding_decisions.reason")

    def run(count: int, **extra: Any) -> list[Issue]:
        path = tmp_path / "send.xlsx"
        path.write_bytes(render_form(layout, values={
            **values, "measures.ad_hoc_funding_decisions.figure": count, **extra}))
        return [i for i in validate_returns(ws, [path]).issues
                if i.code == "query-share"]

    assert run(10) == []  # 10/169 = 5.92%: within half a point of 6.06%
    assert run(11) == []  # 6.51%
    issue = _one(run(12), "query-share", Severity.QUERY)  # 7.10%
    assert issue.cell == "F8"
    _one(run(12, **{"measures.independent_special_school.explanation": "Rounded."}),
         "query-share", Severity.INFO)


def test_compile_stops_on_an_unexplained_query_unless_allowed(history_ws: Workspace,
                                                              tmp_path: Path) -> None:
    layout = _layout(history_ws, "send")
    values = _quiet_march("send")
    values[f"{NAR.replace('__', '.')}.figure"] = 300
    path = tmp_path / "send.xlsx"
    path.write_bytes(render_form(layout, values=values))
    others = [SAMPLES / "2024-03" / f"wiltshire-hnb-2024-03-{o}.xlsx" for o in ("lead",
                                                                               "finance")]
    ws = Workspace(tmp_path / "work")
    assert compile_returns(ws, sorted((SAMPLES / "2024-02").glob("*.xlsx")),
                           extracted_on=date(2024, 3, 4)).written
    refused = compile_returns(ws, [path, *others], extracted_on=date(2024, 4, 8))
    assert not refused.written
    assert [i.code for i in refused.issues if i.blocks()] == ["query-moved"]
    assert not (ws.output_dir / "wiltshire-hnb-2024-03.xlsx").exists()
    assert not compile_returns(ws, [path, *others], allow_warnings=True).written
    allowed = compile_returns(ws, [path, *others], extracted_on=date(2024, 4, 8),
                              allow_queries=True)
    assert allowed.written


def test_explanation_reaches_data_quality_and_next_period_form(tmp_path: Path) -> None:
    """The sample March explanations: in the report's Data Quality sheet, then shown
    locked beside the same cells in April's form, which still validates."""
    ws = Workspace(tmp_path / "work")
    for period, day in (("2024-02", date(2024, 3, 4)), ("2024-03", date(2024, 4, 8))):
        result = compile_returns(ws, sorted((SAMPLES / period).glob("*.xlsx")),
                                 extracted_on=day)
        assert result.written, [i for i in result.issues if i.blocks()]
    explanation = SAMPLE_VALUES["2024-03"]["finance"]["finance.ws2.explanation"]
    report = openpyxl.load_workbook(ws.output_dir / "wiltshire-hnb-2024-03.xlsx")
    dq = [str(c.value) for row in report["Data Quality"].iter_rows() for c in row if c.value]
    assert any(explanation in text and "Workstream 2" in text for text in dq)

    april = Period(2024, 4)
    last = ws.history().snapshot_before(ws.programme().id, april)
    assert last is not None and last.explanations["finance.ws2"] == explanation
    risk_note = SAMPLE_VALUES["2024-03"]["send"]["risks.R2.explanation"]
    layout = build_layout(ws.programme(), april, "send", last, date(2024, 5, 3))
    [shown] = [c for c in layout.sheet("Risk Log").fixed if c.value == risk_note]
    assert (shown.cell, shown.style) == ("N7", "last")
    path = tmp_path / "april-send.xlsx"
    path.write_bytes(render_form(layout))
    book = openpyxl.load_workbook(path)
    assert book["Risk Log"]["N7"].value == risk_note
    assert book["Risk Log"]["N7"].protection.locked
    assert not book["Risk Log"]["M7"].protection.locked
    validation = validate_returns(ws, [path])
    assert not [i for i in validation.issues if i.code == "locked-cell-changed"]
    # An edited explanation of last period is caught like any other locked cell.
    book["Risk Log"]["N7"] = "Something else"
    book.save(path)
    changed = [i for i in validate_returns(ws, [path]).issues
               if i.code == "locked-cell-changed"]
    assert [(i.sheet, i.cell) for i in changed] == [("Risk Log", "N7")]


def test_feedback_round_trip_explains_queries(tmp_path: Path) -> None:
    """A March return without its explanations goes back through ``hnbxl feedback``; the
    copy is explained in its unlocked cells only, validates clean and compiles with the
    explanations in Data Quality."""
    from click.testing import CliRunner

    from hnbxl.cli import main

    ws = Workspace(tmp_path / "work")
    assert compile_returns(ws, sorted((SAMPLES / "2024-02").glob("*.xlsx")),
                           extracted_on=date(2024, 3, 4)).written
    layout = _layout(ws, "send")
    sample = SAMPLE_VALUES["2024-03"]["send"]
    explanations = {k: v for k, v in sample.items() if k.endswith((".explanation",
                                                                    ".disclosure"))}
    path = tmp_path / "returned" / "send.xlsx"
    path.parent.mkdir()
    path.write_bytes(render_form(layout, values={k: v for k, v in sample.items()
                                                 if k not in explanations}))
    before = validate_returns(ws, [path])
    assert {i.code for i in before.blocking()} == {"query-moved", "query-small-number",
                                                   "query-risk-action"}

    result = CliRunner().invoke(main, ["feedback", "-w", str(ws.root), str(path)])
    assert result.exit_code == 0, result.output
    for field in ("risks.R2.explanation", "measures.ceased_not_neet.explanation"):
        assert f"to explain in Risk Log!{layout.input(field).cell}" in result.output or (
            f"to explain in Key Measures!{layout.input(field).cell}" in result.output)
    copy = ws.root / "feedback" / "send-feedback.xlsx"
    book = openpyxl.load_workbook(copy)
    note_cell = layout.input("risks.R4.explanation")
    comment = book[note_cell.sheet][note_cell.cell].comment
    assert comment is not None and "QUERY to explain here" in comment.text

    for field, value in explanations.items():  # typed as a person would
        spec = layout.input(field)
        cell = book[spec.sheet][spec.cell]
        assert cell.protection.locked is False, field
        cell.value = value
    book.save(copy)
    after = validate_returns(ws, [copy])
    assert not after.blocking(), after.blocking()
    assert {i.severity for i in after.issues if i.code.startswith("query-")} == {
        Severity.INFO}

    others = [SAMPLES / "2024-03" / f"wiltshire-hnb-2024-03-{o}.xlsx"
              for o in ("lead", "finance")]
    compiled = compile_returns(ws, [copy, *others], extracted_on=date(2024, 4, 8))
    assert compiled.written, [i for i in compiled.issues if i.blocks()]
    dq = "\n".join(str(c.value) for row in openpyxl.load_workbook(compiled.output)[
        "Data Quality"].iter_rows() for c in row if c.value)
    assert explanations["risks.R4.explanation"] in dq
