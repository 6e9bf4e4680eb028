"""The second council's programme, from generate to PDF, with no code change.

Northshire (``tests/data/northshire.toml``) has a four-state BRAG scale with
grades, a year-to-date target profiled by month, percentage thresholds written
as "60%", section titles of its own and its own column headings.  Its keys all
differ from their labels, so the test can also look for any internal key (of
the scale, a measure, a rule or an owner) in everything a person reads: the
report workbook, its PDF and the validation messages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hnbxl.api import compile_returns, generate_forms, validate_returns
from hnbxl.cli_format import describe
from hnbxl.core.periods import Period
from hnbxl.forms.layout import build_layout
from hnbxl.programme.definition import Programme, load_programme
from hnbxl.store.workspace import init_workspace
from tests.conftest import TESTS

NORTHSHIRE = TESTS / "data" / "northshire.toml"
PERIOD = Period(2024, 5)
DUE = date(2024, 6, 3)

VALUES: dict[str, dict[str, Any]] = {
    "o_board": {
        "overview.narrative": "Plans are on course; the finance position is tight.",
    },
    "o_data": {
        "conditions.c_inclusion.rating": "On track",
        "conditions.c_confidence.rating": "Complete",  # chosen by the owner, no rule gives it
        "measures.m_new_plans.figure": 55,  # May's target: 17% of 300 = 51, limit 56.1
        "measures.m_new_plans.last_update": "May-24",
        "measures.m_timely.figure": 0.52,  # below 60%, above 45%
        "measures.m_timely.last_update": "Apr-24",
        "measures.m_forecast.figure": "On forecast",
        "measures.m_forecast.last_update": "May-24",
        "measures.m_forecast.rating": "On track",
        "risks.K1.action": 42,  # a number in a text cell: an item for the officer only
    },
    "o_money": {
        "finance.f_deficit.this_quarter": 12_500_000,  # 4.2% over budget
        "finance.f_savings.this_quarter": 520_000,
        "finance.narrative": "The deficit is above plan this quarter; savings are ahead.",
    },
}


def _internal_keys(programme: Programme) -> list[str]:
    """Every key a person should never read, each different from its label."""
    keys = [s.key for s in (*programme.scale.states, programme.scale.no_data)]
    keys += [i.id for i in (*programme.overview, *programme.conditions)]
    keys += [m.id for m in programme.measures] + [r.id for r in programme.finance_rows]
    keys += list(programme.owners)
    keys += ["amber_limit", "amber_tolerance", "red_tolerance", "worst_of", "amber_from",
             "red_from", "this_quarter", "last_update", "override_reason"]
    labels = {s.label for s in programme.scale.states} | {m.name for m in programme.measures}
    assert not set(keys) & labels
    return keys


def _leaks(text: str, keys: list[str]) -> list[str]:
    text = re.sub(r"\S+\.xlsx\b", "", text)  # file names carry the owner key, safely
    found = [k for k in keys if re.search(rf"(?<![A-Za-z0-9]){re.escape(k)}(?![A-Za-z0-9])",
                                          text)]
    found += re.findall(r"\b(?:overview|conditions|measures|finance|risks)\.[A-Za-z_*]+", text)
    return found


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _compile(tmp_path_factory.mktemp("north"), NORTHSHIRE)


def _compile(root: Path, definition: Path) -> dict[str, Any]:
    """Generate Northshire's forms, fill them with VALUES, validate and compile."""
    ws = init_workspace(root / "work", definition)
    programme = ws.programme()
    forms = generate_forms(ws, PERIOD, split=True, due=DUE, out_dir=root / "forms")
    assert sorted(f.owner for f in forms) == sorted(VALUES)
    returned = []
    for form in forms:
        layout = build_layout(programme, PERIOD, form.owner, None, DUE)
        path = root / "returned" / form.path.name
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(form.path, path)
        book = openpyxl.load_workbook(path)
        for key, value in VALUES[form.owner].items():
            spec = layout.input(key)
            book[spec.sheet][spec.cell].value = value
        book.save(path)
        returned.append(path)
    validation = validate_returns(ws, returned)
    result = compile_returns(ws, returned, extracted_on=date(2024, 6, 10),
                             allow_warnings=True, pdf=True)
    assert result.written, [str(i) for i in result.issues]
    return {"programme": programme, "validation": validation, "result": result,
            "forms": forms}


def _texts(path: Path) -> dict[str, list[str]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [str(c.value) for row in ws.iter_rows() for c in row
                       if c.value is not None] for ws in book.worksheets}


def test_forms_follow_the_programme(compiled: dict[str, Any]) -> None:
    data = next(f for f in compiled["forms"] if f.owner == "o_data")
    book = openpyxl.load_workbook(data.path)
    assert {"Agreement Conditions", "Measures", "Risks"} <= set(book.sheetnames)
    risks = book["Risks"]
    cells = [str(c.value) for row in risks.iter_rows() for c in row if c.value is not None]
    assert "↑ Increasing" in cells  # the definition's initial direction, not "→ No change"
    prompts = " ".join(dv.prompt or "" for ws in book.worksheets
                       for dv in ws.data_validations.dataValidation)
    # The rule uses the target of the month in "Last update": the form names both
    # candidates with their months, so form and report cannot disagree (issue 19).
    assert ("Rated against the target of the month in 'Last update': Apr-24 target 24, "
            "amber up to 26.4; May-24 target 51, amber up to 56.1.") in prompts
    assert "target 60%, amber from 45%" in prompts


def test_ratings_on_a_brag_scale_with_a_profiled_target(compiled: dict[str, Any]) -> None:
    texts = _texts(compiled["result"].output)
    measures = texts["Measures"]
    assert "55 is above the May-24 target of 51, within the May-24 limit of 56.1." in measures
    assert "52% is below the target of 60%, within the limit of 45%." in measures
    assert "Some concern" in measures  # both thresholds amber: the state with grade amber
    conditions = texts["Agreement Conditions"]
    assert "Complete" in conditions and "On track" in conditions
    overview = texts["Programme Overview"]
    assert "Worst of 5 ratings: Significant concern." not in overview
    assert any(t.startswith("Worst of") and t.endswith("Some concern.") for t in overview)
    finance = texts["Finance"]
    assert "Forecast Outturn" in finance and "This Quarter" not in finance


def test_tabs_follow_section_titles_and_officer_items_stay_out(
        compiled: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(compiled["result"].output)
    assert book.sheetnames[:7] == ["Cover", "Programme Overview", "Agreement Conditions",
                                   "Measures", "Finance", "Mitigations", "Risks"]
    assert book.sheetnames[-3:] == ["Data Quality", "RAG Key", "Notes"]
    texts = _texts(compiled["result"].output)
    assert not any("Number in a text cell" in t for ts in texts.values() for t in ts)
    officer = _texts(compiled["result"].officer)
    assert "Number in a text cell" in officer["Checks by Cell"]
    codes = {i.code for i in compiled["validation"].issues}
    assert "number-as-text" in codes  # the officer still sees it in the terminal and JSON
    assert not any("#" in t and re.search(r"#[0-9A-F]{6}", t) for t in texts["Notes"])


def test_no_internal_key_in_the_report_or_messages(compiled: dict[str, Any]) -> None:
    keys = _internal_keys(compiled["programme"])
    for sheet, texts in _texts(compiled["result"].output).items():
        for text in texts:
            assert not _leaks(text, keys), (sheet, text)
    from tests.report.test_audiences import internal_tokens, visible_text

    # Nor a file name, cell reference, hash, code or command (issue 17): those are the
    # officer workbook's.
    assert internal_tokens(visible_text(compiled["result"].output)) == []
    for issue in compiled["validation"].issues:
        assert not _leaks(issue.message, keys), issue.message
    assert not _leaks(describe(compiled["result"]), keys)


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="pdftotext is not installed")
def test_the_pdf_reads_in_words_without_officer_items(compiled: dict[str, Any]) -> None:
    pdf = compiled["result"].pdf
    assert pdf is not None and pdf.exists()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Agreement Conditions" in text and "Forecast" in text and "Outturn" in text
    assert "Forecast Outturn £12,500,000 is at or above 105% of the cap" in " ".join(text.split())
    assert "Officer Checks - How the Returns" not in text
    assert "Number in a text cell" not in text
    flat = " ".join(text.split())
    assert not _leaks(flat, _internal_keys(load_programme(NORTHSHIRE)))


#: Words of Wiltshire's report that are its own, not any programme's (issue 19).
WILTSHIRE_WORDS = ("Deal condition", "Deal Condition", "deal's cap", "Deal cap", "KPI",
                   "Key performance indicators", "Programme mitigations",
                   "Programme Mitigations", "DSG", "Key measures", "Key Measures",
                   "High Needs Block", "Transformation Summary", "Wiltshire",
                   "Cumulative deficit", "no cap rule", "highlight report")


def _all_words(path: Path) -> str:
    """Every cell, table title, chart title and document property of a workbook."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]
    return "\n".join([*parts, *(t for ts in _texts(path).values() for t in ts)])


def test_none_of_wiltshires_words_in_another_programme(compiled: dict[str, Any]) -> None:
    own = NORTHSHIRE.read_text(encoding="utf-8")
    foreign = [w for w in WILTSHIRE_WORDS if w not in own]
    assert "DSG" not in foreign  # Northshire's title says DSG itself
    files = [compiled["result"].output, *(f.path for f in compiled["forms"])]
    for path in files:
        text = _all_words(path)
        assert [w for w in foreign if w in text] == [], path
    book = openpyxl.load_workbook(compiled["result"].output)
    assert "Trajectory" in book.sheetnames  # the neutral tab of its cap rule
    assert "Finance line" in _texts(compiled["result"].output)["Finance"]


def test_no_trajectory_page_without_a_cap_rule(tmp_path: Path) -> None:
    text = NORTHSHIRE.read_text(encoding="utf-8")
    cap = re.search(r'^rule = \{ kind = "cap".*$', text, re.M)
    assert cap is not None
    definition = tmp_path / "no-cap.toml"
    definition.write_text(text.replace(cap.group(0), 'rule = { kind = "manual" }'),
                          encoding="utf-8")
    values = VALUES["o_board"]
    VALUES["o_board"] = {**values, "overview.ov_deficit.rating": "On track"}
    try:
        result = _compile(tmp_path, definition)["result"]
    finally:
        VALUES["o_board"] = values
    book = openpyxl.load_workbook(result.output)
    assert "Trajectory" not in book.sheetnames and book.sheetnames[7] == "Ratings Over Time"
    words = _all_words(result.output)
    assert "cap rule" not in words and "trajectory to show" not in words
    assert "Trajectory" not in " ".join(_texts(result.output)["Notes"])
