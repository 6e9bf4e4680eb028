"""Returns saved by every client hnbxl's users have read exactly as the original.

Each sample return is rewritten in the storage conventions of another client
(:mod:`tests.xlsx.dialects`).  For each variant an independent reader
(openpyxl, an ElementTree reader, and python-calamine where it copes)
first confirms the values are unchanged; hnbxl must then read the same
identity and values, and report the same issues, as from the original.
"""

from __future__ import annotations

import io
import re
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme
from hnbxl.returns.read import ReturnRead, read_return
from hnbxl.store.history import History
from hnbxl.xlsx.reader import read_workbook
from tests.conftest import SAMPLES
from tests.xlsx import dialects
from tests.xlsx.dialects import VARIANTS, Package, et_cells, unpack, variant
from tests.xlsx.test_reader import read_both

RETURNS = {
    "finance": SAMPLES / "2024-02" / "wiltshire-hnb-2024-02-finance.xlsx",
    "send": SAMPLES / "2024-02" / "wiltshire-hnb-2024-02-send.xlsx",
}
# Variants that re-spell formulas (same meaning, other text): their formula text is
# compared by hnbxl's tamper check, not by the independent readers.
RESPELLED = {"libreoffice", "wps", "formula-spellings"}
# openpyxl shows a Strict workbook as empty sheets, without raising (FACTS.md), and
# a workbook whose relationship targets use backslashes as one without sheets.
OPENPYXL_BLIND = {"excel-strict", "excel-strict-shared", "backslash-targets"}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return History(tmp_path_factory.mktemp("dialects") / "history.sqlite")


def _read(path: Path, programme: Programme, history: History) -> ReturnRead:
    return read_return(path, programme, history)


def _outcome(read: ReturnRead) -> tuple[Any, dict[str, Any], set[tuple[str, str, str, str]]]:
    values = {key: value.value for key, value in read.values.items()}
    issues = {(i.code, i.severity.value, i.sheet, i.cell) for i in read.issues}
    return read.identity, values, issues


def _openpyxl_cells(data: bytes) -> dict[str, dict[str, Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                       if c.value not in (None, "")} for ws in book.worksheets}


def _without_formulas(cells: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {sheet: {ref: ("=formula" if isinstance(v, str) and v.startswith("=") else v)
                    for ref, v in got.items()} for sheet, got in cells.items()}


def _calamine_cells(data: bytes) -> dict[str, list[list[Any]]] | None:
    """Every sheet's values by python-calamine, or None where it cannot read the file."""
    calamine = pytest.importorskip("python_calamine")
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    except Exception:  # calamine fails on some valid packages (FACTS.md)
        return None


def test_there_are_at_least_thirty_dialects() -> None:
    assert len(VARIANTS) >= 30
    for name, transform in VARIANTS.items():
        assert transform.__doc__, name


@pytest.mark.parametrize("which", sorted(RETURNS))
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_dialect_reads_as_the_original(name: str, which: str, tmp_path: Path,
                                             programme: Programme, history: History) -> None:
    original = RETURNS[which].read_bytes()
    pkg = variant(original, name)
    data = pkg.to_bytes()
    assert dialects.crc_ok(data)

    # 1. independent readers: the variant holds the same values as the original
    before, after = et_cells(original), et_cells(data)
    if name in RESPELLED:
        before, after = _without_formulas(before), _without_formulas(after)
    assert after == before
    if name not in OPENPYXL_BLIND:
        before, after = _openpyxl_cells(original), _openpyxl_cells(data)
        if name in RESPELLED:
            before, after = _without_formulas(before), _without_formulas(after)
        assert after == before
    else:  # the limitation is real: openpyxl sees no values at all
        assert all(not cells for cells in _openpyxl_cells(data).values())
    calamine_after = _calamine_cells(data)
    if calamine_after is not None and not pkg.drops_cached_values:
        assert calamine_after == _calamine_cells(original)

    # 2. hnbxl: both parse paths agree; same identity, values and issues as the original
    assert read_both(data) == read_workbook(data)
    path = tmp_path / RETURNS[which].name
    path.write_bytes(data)
    got = _outcome(_read(path, programme, history))
    expected = _outcome(_read(RETURNS[which], programme, history))
    if pkg.drops_cached_values:
        assert got[:2] == expected[:2]
    else:
        assert got == expected
    assert got[1], "no values read"


# --------------------------------------------------------------------------- single problems


def test_shared_formulas_are_what_excel_shows(programme: Programme, history: History,
                                              tmp_path: Path) -> None:
    """Issue 7 point 1: F14 pointing at F13's formula was read as empty and blocked."""
    pkg = variant(RETURNS["finance"].read_bytes(), "excel-shared-formulas")
    sheet = pkg.members["xl/worksheets/sheet2.xml"].decode()
    assert '<f t="shared" si="0"/>' in sheet
    path = tmp_path / "finance.xlsx"
    path.write_bytes(pkg.to_bytes())
    book = read_workbook(path)
    finance = book.sheet("Finance")
    assert finance is not None
    assert finance.cells["F14"].formula == 'IF(ISNUMBER(D14),D14-C14,"")'
    read = _read(path, programme, history)
    assert not [i for i in read.issues if i.code == "locked-cell-changed"]


def test_formulas_compare_by_meaning(programme: Programme, history: History,
                                     tmp_path: Path) -> None:
    """Issue 7 point 2: ``_xlfn.`` prefixes, case, spaces and ``$`` do not change a formula."""
    pkg = variant(RETURNS["send"].read_bytes(), "formula-spellings")
    assert "_xlfn.if(" in pkg.members["xl/worksheets/sheet4.xml"].decode()
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    read = _read(path, programme, history)
    assert not [i for i in read.issues if i.code == "locked-cell-changed"]


def test_a_changed_formula_is_still_caught(programme: Programme, history: History,
                                           tmp_path: Path) -> None:
    """Comparing by meaning must not hide a real edit, in a formula or in its strings."""
    pkg = unpack(RETURNS["send"].read_bytes())
    dialects._edit(pkg, "xl/worksheets/sheet4.xml", lambda t: t.replace(
        "D7*E7", "D7+E7", 1).replace('D8*E8,"")', 'D8*E8," ")', 1))
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    changed = {i.cell for i in _read(path, programme, history).issues
               if i.code == "locked-cell-changed"}
    assert changed == {"F7", "F8"}


def test_indented_metadata_keeps_the_identity(programme: Programme, history: History,
                                              tmp_path: Path) -> None:
    """Issue 7 point 3: .NET-indented custom.xml gave identity-mismatch on definition_hash."""
    pkg = unpack(RETURNS["send"].read_bytes())
    dialects._edit(pkg, "docProps/custom.xml", dialects._indent)
    assert "\r\n    <vt:lpwstr>" in pkg.members["docProps/custom.xml"].decode()
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    read = _read(path, programme, history)
    assert read.identity is not None and not read.issues
    assert read.identity == _read(RETURNS["send"], programme, history).identity


def _with_date_cell(pkg: Package, ref: str, serial: int, num_fmt_id: int = 14,
                    format_code: str | None = None) -> None:
    """Put ``serial`` in Key Measures ``ref`` with a date number format, as Excel would."""
    styles = pkg.members["xl/styles.xml"].decode()
    if format_code is not None:
        styles = styles.replace("</numFmts>", f'<numFmt numFmtId="{num_fmt_id}" '
                                f'formatCode="{escape(format_code)}"/></numFmts>')
    count = int(re.search(r'<cellXfs count="([0-9]+)"', styles).group(1))  # type: ignore[union-attr]
    styles = styles.replace(f'<cellXfs count="{count}">', f'<cellXfs count="{count + 1}">')
    styles = styles.replace("</cellXfs>", f'<xf numFmtId="{num_fmt_id}" fontId="0" fillId="0" '
                            'borderId="0" xfId="0" applyNumberFormat="1" '
                            'applyProtection="1"><protection locked="0"/></xf></cellXfs>')
    pkg.members["xl/styles.xml"] = styles.encode()
    dialects._edit(pkg, "xl/worksheets/sheet3.xml", lambda t: re.sub(
        rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', f'<c r="{ref}" s="{count}"><v>{serial}</v></c>', t,
        count=1, flags=re.S))


@pytest.mark.parametrize(("ref", "field"), [
    ("F6", "measures.needs_assessment_requests.figure"),  # a count
    ("F10", "measures.average_cost_per_ehcp.figure"),  # money
    ("F8", "measures.independent_special_school.figure"),  # a percentage
])
def test_a_date_format_on_a_figure_is_an_error(ref: str, field: str, programme: Programme,
                                               history: History, tmp_path: Path) -> None:
    """Issue 7 point 7: a count typed as 3/4 became 4 March 2024 (45355 as a date)."""
    pkg = unpack(RETURNS["send"].read_bytes())
    _with_date_cell(pkg, ref, 45355)
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    assert openpyxl.load_workbook(path)["Key Measures"][ref].is_date
    read = _read(path, programme, history)
    errors = [i for i in read.issues if i.severity.value == "error"]
    assert [(i.code, i.sheet, i.cell) for i in errors] == [("date-in-number", "Key Measures", ref)]
    assert "4 March 2024" in errors[0].message and errors[0].found == "4 March 2024"
    assert field not in read.values


@pytest.mark.parametrize("code", ['d/m/yyyy', '[$-809]dd mmmm yyyy', 'yyyy-mm-dd;@'])
def test_custom_date_formats_count(code: str, programme: Programme, history: History,
                                   tmp_path: Path) -> None:
    pkg = unpack(RETURNS["send"].read_bytes())
    _with_date_cell(pkg, "F6", 45355, 200, code)
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    codes = [i.code for i in _read(path, programme, history).issues]
    assert codes == ["date-in-number"]


def test_a_number_format_that_is_not_a_date_is_ignored(programme: Programme, history: History,
                                                      tmp_path: Path) -> None:
    pkg = unpack(RETURNS["send"].read_bytes())
    _with_date_cell(pkg, "F6", 169, 201, '#,##0" days"')
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    read = _read(path, programme, history)
    assert not read.issues
    assert read.values["measures.needs_assessment_requests.figure"].value == 169


@pytest.mark.parametrize("system", ["1900", "1904", "1904-true"])
def test_months_read_in_the_workbooks_date_system(system: str, programme: Programme,
                                                  history: History, tmp_path: Path) -> None:
    """Issue 7 point 4 (1904 date system): months stored as dates read four years early."""
    pkg = unpack(RETURNS["send"].read_bytes())
    serial = (date(2024, 1, 15) - date(1899, 12, 30)).days
    if system != "1900":
        dialects.date1904(pkg)
        if system == "1904-true":  # how LibreOffice and some generators spell it
            dialects._edit(pkg, "xl/workbook.xml", lambda t: t.replace(
                'date1904="1"', 'date1904="true"'))
        serial -= 1462
    _with_date_cell(pkg, "I6", serial, 17)  # mmm-yy
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    shown = openpyxl.load_workbook(path)["Key Measures"]["I6"].value
    assert shown.date() == date(2024, 1, 15)
    read = _read(path, programme, history)
    assert read.values["measures.needs_assessment_requests.last_update"].value == Period(2024, 1)
    assert [i.code for i in read.issues] == ["date-as-month"]
    assert "15 January 2024" in read.issues[0].message


def test_xstring_escapes_are_decoded_as_excel_does() -> None:
    """``_x000D_`` is a carriage return, ``_x005F_`` escapes the underscore of a literal."""
    pkg = unpack(RETURNS["send"].read_bytes())
    dialects._edit(pkg, "xl/sharedStrings.xml", lambda t: t.replace(
        "<si><t>", "<si><t>a_x000D_b _x005F_x0041_ c_x0041_", 1))
    book = read_workbook(pkg.to_bytes())
    texts = [c.value for s in book.sheets for c in s.cells.values() if isinstance(c.value, str)]
    assert any(v.startswith("a\rb _x0041_ cA") for v in texts)


@pytest.mark.parametrize("stored", ["2024-01-15T00:00:00Z", "2024-01-15T00:00:00", "2024-01-15"])
def test_iso_dates_as_strict_and_sheetjs_store_them(stored: str, programme: Programme,
                                                    history: History, tmp_path: Path) -> None:
    """``t="d"`` cells (Strict files, SheetJS ``cellDates``): a month read, a figure refused."""
    pkg = unpack(RETURNS["send"].read_bytes())
    dialects._edit(pkg, "xl/worksheets/sheet3.xml", lambda t: re.sub(
        r'<c r="(I6|F6)"( s="[0-9]+")?[^>]*?(/>|>.*?</c>)',
        lambda m: f'<c r="{m.group(1)}"{m.group(2) or ""} t="d"><v>{stored}</v></c>', t,
        flags=re.S))
    path = tmp_path / "send.xlsx"
    path.write_bytes(pkg.to_bytes())
    read = _read(path, programme, history)
    assert read.values["measures.needs_assessment_requests.last_update"].value == Period(2024, 1)
    assert {(i.code, i.cell) for i in read.issues} == {("date-as-month", "I6"),
                                                      ("date-in-number", "F6")}
