"""Small numbers in the public papers: published with a reason, or suppressed.

February's sample publishes "2 (33%)" (the seed does) with a reason; March's
sample suppresses its count of 3 out of 8.  The report, its PDF text, the
trend sheets and the export must agree on what is shown; history keeps 3.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from hnbxl.api import compile_returns
from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import build_layout
from hnbxl.store.export import export_history
from hnbxl.store.workspace import Workspace
from tests.conftest import SAMPLES, TESTS

ITEM = "measures.ceased_not_neet"
NAME = "Number of EHCPs ceased that do not result in NEET within 6 months"


def _cells(path: Path, sheet: str) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [str(c.value) for row in book[sheet].iter_rows() for c in row if c.value is not None]


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    ws = Workspace(tmp_path_factory.mktemp("small") / "work")
    for period, day in (("2024-02", date(2024, 3, 4)), ("2024-03", date(2024, 4, 8))):
        result = compile_returns(ws, sorted((SAMPLES / period).glob("*.xlsx")),
                                 extracted_on=day, pdf=period == "2024-03" )
        assert result.written, [i for i in result.issues if i.blocks()]
    return ws, ws.output_dir / "wiltshire-hnb-2024-03.xlsx"


def test_published_count_is_shown_with_its_share(compiled: tuple[Workspace, Path]) -> None:
    ws, _ = compiled
    feb = openpyxl.load_workbook(ws.output_dir / "wiltshire-hnb-2024-02.xlsx")
    [row] = [r for r in feb["Key Measures"].iter_rows() if r[0].value == NAME]
    assert row[2].value == 2 and row[2].number_format == '#,##0" (33%)"'  # shows "2 (33%)"
    dq = "\n".join(_cells(ws.output_dir / "wiltshire-hnb-2024-02.xlsx", "Data Quality"))
    assert "count is of plans ceased" in dq  # the owner's reason to publish, in words
    # The officer's check: the figure is its own sentence, not the label's last words.
    checks = "\n".join(_cells(ws.output_dir / "wiltshire-hnb-2024-02-officer.xlsx",
                              "Checks by Cell"))
    assert "or suppress. Found: 2. Resolved. Published. Reason: The count" in checks
    assert "suppress (2)" not in checks


def test_officer_sheets_quote_values_as_the_cells_held_them(compiled: tuple[Workspace, Path]
                                                            ) -> None:
    ws, _ = compiled
    book = openpyxl.load_workbook(ws.output_dir / "wiltshire-hnb-2024-03-officer.xlsx")
    # A resolved query quotes its figure in the message; Found is blank, never "Nothing".
    checks = list(book["Checks by Cell"].iter_rows(values_only=True))
    header = checks.index(next(r for r in checks if r[:2] == ("Severity", "Issue")))
    found = checks[header].index("Found")
    savings = next(r for r in checks if r[2] == "query-savings-over-budget")
    assert "Found: £2,000,000. Resolved." in savings[found + 2]
    assert savings[found] is None
    # Sources: a whole amount as typed (103100000), not as Python's float (103100000.0).
    values = [r[2] for r in book["Sources"].iter_rows(values_only=True)]
    assert "103100000" in values and "0.059" in values
    assert not [v for v in values if isinstance(v, str) and v.endswith(".0")]


def committee_leaks(path: Path, name: str, numbers: set[float], words: tuple[str, ...]
                    ) -> list[str]:
    """Where a committee workbook gives a suppressed figure away: a number of its row
    (``numbers``: the count, its share, its base), or any of ``words`` in any part of
    the package (cells, chart caches, notes, document properties)."""
    found = []
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            if any(c.value == name for c in row):
                found += [f"{ws.title}!{c.coordinate}={c.value!r}" for c in row
                          if isinstance(c.value, int | float) and float(c.value) in numbers]
    with zipfile.ZipFile(path) as package:
        for part in package.namelist():
            text = package.read(part).decode("utf-8", "replace")
            found += [f"{part}: {w!r}" for w in words if w in text]
    return found


def test_suppressed_count_is_in_no_committee_output(compiled: tuple[Workspace, Path]) -> None:
    """March suppresses 3 of 8: no cell, note, share, trend, chart cache or property of the
    committee workbook shows 3, 38% or the explanation; the officer workbook does."""
    _ws, report = compiled
    assert "fewer than 5" in _cells(report, "Key Measures")
    assert committee_leaks(report, NAME, {3.0, 8.0, 0.375}, (
        "3 (38%)", "38%", "One more plan ceased", "is above the", "is below the")) == []
    book = openpyxl.load_workbook(report)
    [row] = [[c.value for c in r] for r in book["Key Measures"].iter_rows()
             if r[0].value == NAME]
    assert row[2] == "fewer than 5" and "Withheld (small number)" in row  # its direction would tell
    # The trend sheet leaves March's count out as [c] (February's 2 was published).
    [over] = [r for r in book["Figures Over Time"].iter_rows(values_only=True) if NAME in r]
    assert over[2:] == (2, "[c]")
    quality = "\n".join(_cells(report, "Data Quality"))
    assert f"{NAME}: shown as 'fewer than 5'" in quality
    # The officer workbook keeps the whole story: the figure, its share and why.
    officer = openpyxl.load_workbook(report.with_name("wiltshire-hnb-2024-03-officer.xlsx"))
    [line] = [[c.value for c in r] for r in officer["Ratings and Figures"].iter_rows()
              if r[1].value == NAME]
    assert line[3] == "3 (38%)" and line[4] == "fewer than 5"
    sources = [r for r in officer["Sources"].iter_rows(values_only=True) if r[0] == NAME]
    assert {r[2] for r in sources if r[1] in ("figure", "share base")} == {"3", "8"}
    checks = "\n".join(str(c) for r in officer["Checks by Cell"].iter_rows(values_only=True)
                       for c in r)
    assert "One more plan ceased" in checks and "Withheld (small number)" in checks


def test_history_keeps_the_real_figure_and_the_export_marks_it(
        compiled: tuple[Workspace, Path], tmp_path: Path) -> None:
    ws, _ = compiled
    snapshot = ws.history().snapshot(ws.programme().id, Period(2024, 3))
    assert snapshot is not None and snapshot.values[f"{ITEM}.figure"] == 3
    out = tmp_path / "tidy.csv"
    export_history(ws.history(), ws.programme(), out)
    tidy = pd.read_csv(out, dtype=str, keep_default_na=False)
    rows = tidy[(tidy["item"] == ITEM) & tidy["field"].isin(["figure", "share_base"])]
    marked = {(r.period[:7], r.field): (r.value_number, r.suppressed) for r in rows.itertuples()}
    assert marked[("2024-03", "figure")] == ("3.0", "fewer than 5")
    assert marked[("2024-03", "share_base")] == ("8.0", "fewer than 5")
    assert marked[("2024-02", "figure")] == ("2.0", "")  # published
    assert (tidy["suppressed"] != "").sum() == 2


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="pdftotext is not installed")
def test_suppressed_count_in_the_pdf(compiled: tuple[Workspace, Path]) -> None:
    _ws, report = compiled
    pdf = report.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "fewer than 5" in text
    assert "3 (38%)" not in text and "One more plan ceased" not in text


def _feb_returns(tmp_path: Path, definition_text: str, send: dict, drop: tuple[str, ...]
                 ) -> tuple[Workspace, list[Path]]:
    """February's sample returns under another definition, the send owner's values changed."""
    definition = tmp_path / "programme.toml"
    definition.write_text(definition_text, encoding="utf-8")
    ws = Workspace(tmp_path / "work", definition_override=definition)
    programme = ws.programme()
    values = tomllib.loads((SAMPLES / "returns.toml").read_text(encoding="utf-8"))["2024-02"]
    files = []
    for owner, typed in values.items():
        typed = dict(typed)
        if owner == "send":
            for key in drop:
                typed.pop(key, None)
            typed.update(send)
        layout = build_layout(programme, Period(2024, 2), owner, None, date(2024, 3, 1))
        path = tmp_path / f"{owner}.xlsx"
        path.write_bytes(render_form(layout, values=typed))
        files.append(path)
    return ws, files


def test_secondary_suppression_of_a_share(tmp_path: Path) -> None:
    """A share rule ties 6.06% to ad hoc decisions out of assessment requests: when the
    count of decisions is suppressed, the share would give it away and is suppressed too."""
    text = (TESTS.parent / "templates" / "wiltshire-hnb.toml").read_text(encoding="utf-8")
    text += ('\n[[queries.rules]]\nkind = "share"\n'
             'share = "measures.independent_special_school.figure"\n'
             'count = "measures.ad_hoc_funding_decisions.figure"\n'
             'base = "measures.needs_assessment_requests.figure"\n')
    ws, files = _feb_returns(tmp_path, text, {
        "measures.ad_hoc_funding_decisions.figure": 3,
        "measures.ad_hoc_funding_decisions.disclosure": "Suppress",
        "measures.ad_hoc_funding_decisions.last_update": "Jan-24",
        "measures.ad_hoc_funding_decisions.rating": "Amber - Off Track",
        "measures.independent_special_school.explanation": "Share of the cohort, "
        "not of requests."}, ("measures.ad_hoc_funding_decisions.reason",))
    result = compile_returns(ws, files, extracted_on=date(2024, 3, 4))
    assert result.written, [i for i in result.issues if i.blocks()]
    measures = _cells(ws.output_dir / "wiltshire-hnb-2024-02.xlsx", "Key Measures")
    assert "fewer than 5" in measures
    assert "Suppressed (would reveal a small number)" in measures
    assert "6.06%" not in measures


def test_a_rated_count_of_4_against_a_target_of_3_is_withheld(tmp_path: Path) -> None:
    """A rule's reason ("4 is above the target of 3, within the limit of 5") pins a
    suppressed "fewer than 5" down: no committee output gives it (workbook cells, chart
    caches, notes, the publishable export); the officer workbook and history keep it."""
    text = (TESTS.parent / "templates" / "wiltshire-hnb.toml").read_text(encoding="utf-8")
    rated = text.replace(
        'unit = "count_with_share"\ndirection = "higher"\n',
        'unit = "count_with_share"\ndirection = "lower"\n'
        'rule = { kind = "threshold", target = 3, amber_limit = 5 }\n')
    assert rated != text
    ws, files = _feb_returns(tmp_path, rated, {f"{ITEM}.figure": 4,
                                               f"{ITEM}.disclosure": "Suppress"},
                             (f"{ITEM}.rating",))
    programme = ws.programme()
    result = compile_returns(ws, files, extracted_on=date(2024, 3, 4), allow_queries=True)
    assert result.written, [i.message for i in result.issues if i.blocks()]
    assert result.output is not None and result.officer is not None
    assert "fewer than 5" in _cells(result.output, "Key Measures")
    assert committee_leaks(result.output, NAME, {4.0, 4 / 6}, (
        "4 (67%)", "67%", "4 is above", "target of 3", "limit of 5")) == []
    officer = "\n".join(str(c) for sheet in openpyxl.load_workbook(result.officer).worksheets
                        for row in sheet.iter_rows(values_only=True) for c in row)
    assert "4 is above the target of 3" in officer and "4 (67%)" in officer
    assert ws.history().snapshot(programme.id, Period(2024, 2)).values[f"{ITEM}.figure"] == 4
    for publishable in (False, True):
        out = tmp_path / f"tidy-{publishable}.csv"
        export_history(ws.history(), programme, out, publishable=publishable)
        tidy = pd.read_csv(out, dtype=str, keep_default_na=False)
        rows = tidy[tidy["item"] == ITEM]
        shown = "\n".join(rows.to_csv().splitlines())
        figure = rows[rows["field"] == "figure"]
        assert (figure["suppressed"] == "fewer than 5").all()
        if publishable:  # fit to publish: the value, its share and the reason withheld
            assert figure["value_number"].tolist() == [""]
            assert figure["value_text"].tolist() == ["fewer than 5"]
            assert "target of 3" not in shown and "4 (67%)" not in shown
        else:  # the officer's export keeps the real figure
            assert figure["value_number"].tolist() == ["4.0"]
            assert "target of 3" in shown
