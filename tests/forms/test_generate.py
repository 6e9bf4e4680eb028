"""The locked input workbook, read back with openpyxl as an auditor would."""

from __future__ import annotations

import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from hnbxl.api import generate_forms
from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import IDENTITY_SHEET, LISTS, a1, build_layout
from hnbxl.programme.definition import Programme
from hnbxl.store.workspace import Workspace
from tests.conftest import soffice

SEED = Path(__file__).resolve().parents[1] / "data" / "seed-rows.txt"


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = Workspace(tmp_path_factory.mktemp("gen"))
    [generated] = generate_forms(ws, "2024-02", due=date(2024, 3, 1))
    return generated.path


@pytest.fixture(scope="module")
def book(form: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(form)


def _unlocked(ws) -> set[str]:
    return {c.coordinate for row in ws.iter_rows() for c in row
            if c.protection.locked is False}


def _validated(ws) -> set[str]:
    cells = set()
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in CellRange(rng.coord).cells:
                cells.add(openpyxl.utils.get_column_letter(row[1]) + str(row[0]))
    return cells


def test_every_sheet_protected_and_structure_locked(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        if ws.title == IDENTITY_SHEET:
            continue
        assert ws.protection.selectLockedCells is False  # selecting is allowed
        assert ws.protection.formatCells is False  # formatting is allowed
    assert book.security is not None and book.security.lockStructure


def test_exactly_the_input_cells_are_unlocked_and_validated(
        book: openpyxl.Workbook, programme: Programme) -> None:
    layout = build_layout(programme, Period(2024, 2), None, None, date(2024, 3, 1))
    for sheet in layout.sheets:
        ws = book[sheet.name]
        expected = {spec.cell for spec in sheet.inputs}
        merged_parts = {  # a narrative spans merged cells: one input, typed in its first cell
            a1(spec.row, col) for spec in sheet.inputs if spec.merge_to_col
            for col in range(spec.col + 1, spec.merge_to_col + 1)}
        assert _unlocked(ws) - merged_parts == expected, sheet.name
        assert expected <= _validated(ws), sheet.name
    assert _unlocked(book[IDENTITY_SHEET]) == set()


def test_defined_names_resolve_to_their_inputs(book: openpyxl.Workbook,
                                               programme: Programme) -> None:
    layout = build_layout(programme, Period(2024, 2), None, None, date(2024, 3, 1))
    names = book.defined_names
    for spec in layout.inputs:
        dn = names[spec.name]
        [(sheet, ref)] = list(dn.destinations)
        assert sheet == spec.sheet
        assert ref.replace("$", "") == spec.cell
    # 177 inputs (a closing note on each of the 5 risks and 5 spare rows), and 26 for
    # queries: an explanation beside every figure a query rule can raise (9 measures,
    # 9 finance rows, 5 risks) and 3 small-number choices.
    assert len(layout.inputs) == 203
    assert names["f_measures__average_cost_per_ehcp__explanation"].attr_text == (
        "'Key Measures'!$N$10")
    assert names["f_measures__ceased_not_neet__disclosure"].attr_text == "'Key Measures'!$M$12"
    assert names["f_risks__R1__explanation"].attr_text == "'Risk Log'!$M$6"  # after the note
    assert names["f_risks__R1__closing_note"].attr_text == "'Risk Log'!$L$6"


def test_identity_survives_openpyxl_save(form: Path, tmp_path: Path,
                                         programme: Programme) -> None:
    book = openpyxl.load_workbook(form)
    book.save(tmp_path / "resaved.xlsx")
    again = openpyxl.load_workbook(tmp_path / "resaved.xlsx")
    props = {p.name: p.value for p in again.custom_doc_props.props}
    assert props["hnbxl_programme"] == "wiltshire-hnb"
    assert props["hnbxl_definition_hash"] == programme.hash
    assert props["hnbxl_period"] == "2024-02"
    assert again[IDENTITY_SHEET].sheet_state == "veryHidden"
    rows = {r[0].value: r[1].value for r in again[IDENTITY_SHEET].iter_rows()}
    assert rows["period"] == "2024-02" and rows["owner"] == "all"
    assert again[LISTS].sheet_state == "hidden"


def test_every_seed_row_appears_with_its_exact_wording(book: openpyxl.Workbook) -> None:
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            assert line in texts, line


def test_check_sheet_starts_with_the_right_count(book: openpyxl.Workbook, form: Path) -> None:
    # XlsxWriter caches 0 unless told; LibreOffice shows the cache until recalculated.
    with zipfile.ZipFile(form) as z:
        names = z.namelist()
    assert names  # a real zip
    book_values = openpyxl.load_workbook(form, data_only=True)
    missing = book_values["Check"]["B2"].value
    assert isinstance(missing, int) and missing > 30
    statuses = [r[2].value for r in book_values["Check"].iter_rows(min_row=5)]
    assert statuses.count("Missing") == missing


def test_generation_is_deterministic(programme: Programme) -> None:
    layout = build_layout(programme, Period(2024, 2), "send", None, date(2024, 3, 1))
    assert render_form(layout) == render_form(layout)


def test_split_writes_one_workbook_per_owner(workspace: Workspace) -> None:
    forms = generate_forms(workspace, "Feb-24", split=True)
    assert sorted(f.owner for f in forms) == ["finance", "lead", "send"]
    finance = openpyxl.load_workbook(next(f.path for f in forms if f.owner == "finance"))
    assert "Finance" in finance.sheetnames and "Key Measures" not in finance.sheetnames


def test_a_second_programme_needs_no_code(northshire: Programme, tmp_path: Path) -> None:
    layout = build_layout(northshire, Period(2024, 6), None, None, None)
    path = tmp_path / "north.xlsx"
    path.write_bytes(render_form(layout))
    book = openpyxl.load_workbook(path)
    # Sheet tabs follow the programme's own section titles.
    assert book.sheetnames[1:6] == [
        "Programme Overview", "Agreement Conditions", "Measures", "Finance", "Risks"]
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "Parents' confidence in the local offer" in texts
    assert "Some concern" in texts  # the RAG scale is the programme's own
    for sheet in layout.sheets:
        merged = {a1(s.row, c) for s in sheet.inputs if s.merge_to_col
                  for c in range(s.col + 1, s.merge_to_col + 1)}
        assert _unlocked(book[sheet.name]) - merged == {s.cell for s in sheet.inputs}


def test_missing_budget_for_the_year_is_a_clear_error(programme: Programme) -> None:
    from hnbxl.programme.definition import DefinitionError

    with pytest.raises(DefinitionError, match=r"2025/26.*for 9 finance rows") as caught:
        build_layout(programme, Period(2025, 5))  # the bundled file has 2024/25 (illustrative)
    assert caught.value.detail.startswith('[years."2025/26".amounts]')


@pytest.mark.slow
@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_form(form: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(form)],
        capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (form.stem + ".pdf")
    assert pdf.exists(), result.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "Transformation Summary - Key Measures - Feb-24 return" in text


def test_last_period_comes_from_history(tmp_path: Path) -> None:
    from hnbxl.api import compile_returns
    from tests.conftest import SAMPLES

    ws = Workspace(tmp_path / "work")
    feb = sorted((SAMPLES / "2024-02").glob("*.xlsx"))
    assert compile_returns(ws, feb, extracted_on=date(2024, 3, 4)).written
    [form] = generate_forms(ws, "2024-03", owner="send")
    book = openpyxl.load_workbook(form.path)
    conditions = book["Deal Conditions"]
    assert [conditions[f"B{r}"].value for r in range(6, 11)] == [
        "Green - On Track", "Amber - Off Track", "Amber - Off Track", "Green - On Track",
        "Amber - Off Track"]
    measures = book["Key Measures"]
    assert measures["D6"].value == "169" and measures["E6"].value == "Red - At Risk"
    assert measures["D12"].value == "2 (33%)"
    assert measures["D9"].value == "Still need to clean up the data to report accurately"
    risks = book["Risk Log"]
    assert [risks[f"A{r}"].value for r in range(6, 12)] == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert (risks["D6"].value, risks["E6"].value, risks["I6"].value) == (3, 4, 4)
    assert risks["H7"].value == "→ No change"  # direction starts at "same" each period
    assert risks["J6"].value == "Feb-24"


def test_stored_formula_results_follow_the_values_written() -> None:
    # LibreOffice shows stored results until it recalculates: a filled workbook must
    # not claim inputs are missing, nor show a blank score or variance.
    from tests.conftest import SAMPLES

    send = openpyxl.load_workbook(SAMPLES / "2024-03" / "wiltshire-hnb-2024-03-send.xlsx",
                                  data_only=True)
    check = send["Check"]
    assert check["B2"].value == 0
    assert check["B3"].value == 0  # every query the sample raises is explained
    assert check["B4"].value == 0  # no value the return will refuse
    statuses = {r[2].value for r in check.iter_rows(min_row=7)} - {None}
    assert statuses <= {"OK", "Check", "Not needed"}
    assert "Not needed" in statuses  # a reason for your own rating, none chosen
    assert send["Risk Log"]["F11"].value == 9  # the new risk: 3 x 3
    finance = openpyxl.load_workbook(SAMPLES / "2024-03" / "wiltshire-hnb-2024-03-finance.xlsx",
                                     data_only=True)
    assert finance["Finance"]["F6"].value == 103100000 - 103744143


def test_dropdowns_and_red_marks_refer_to_their_lists_by_defined_name(
        form: Path, book: openpyxl.Workbook) -> None:
    """No rule refers to another sheet: Excel 2007 refuses that, later versions move it."""
    with zipfile.ZipFile(form) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = {n: package.read(n).decode() for n in sheets}
    rules = [f for text in xml.values()
             for f in re.findall(r"<(?:formula|formula1)>([^<]*)</", text)]
    assert any("COUNTIF(hnbxl_list_" in f for f in rules)
    assert [f for f in rules if "!" in f] == []
    lists = book[LISTS]
    for name, defined in book.defined_names.items():
        if name.startswith("hnbxl_list_"):
            [(sheet, cells)] = defined.destinations
            assert sheet == LISTS
            header = lists[cells.split(":")[0].replace("$", "")].offset(-1, 0).value
            assert header  # the list's title sits above the range it names


@pytest.mark.parametrize("umask", [0o002, 0o022])
def test_forms_and_reports_get_the_folders_normal_mode(tmp_path: Path, umask: int) -> None:
    # mkstemp's 0600 would leave a form on a shared drive that no colleague can open.
    import os

    from hnbxl.api import compile_returns
    from tests.conftest import SAMPLES

    old = os.umask(umask)
    try:
        ws = Workspace(tmp_path / "work")
        forms = generate_forms(ws, "Feb-24", split=True)
        feb = sorted((SAMPLES / "2024-02").glob("*.xlsx"))
        result = compile_returns(ws, feb, extracted_on=date(2024, 3, 4))
    finally:
        os.umask(old)
    assert result.written and result.output is not None
    for path in (*(f.path for f in forms), result.output):
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
