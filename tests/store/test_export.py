"""The typed tidy export: read back with pandas, every report figure is a number with its source.

Feb-24 and Mar-24 are compiled from the samples; the export is written as CSV,
xlsx and (when pyarrow is installed) Parquet, read back with pandas and
compared with the numbers in the committee workbook itself.  A return whose
texts start like formulas shows that the CSV neutralises them (OWASP) while a
negative number stays a number.
"""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import warnings
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from hnbxl.api import compile_returns
from hnbxl.cli import main
from hnbxl.store.export import COLUMNS, FORMULA_TRIGGERS, export_history, neutralise
from hnbxl.store.workspace import Workspace
from tests.conftest import SAMPLES
from tests.report.test_trends import compile_months, workspace_for_2024_25

FEB = sorted((SAMPLES / "2024-02").glob("*.xlsx"))
MAR = sorted((SAMPLES / "2024-03").glob("*.xlsx"))
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None
CHECKER = Path("/work/shared/tools/check_ooxml.py")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    ws = Workspace(tmp_path_factory.mktemp("export") / "work")
    for files, extracted in ((FEB, date(2024, 3, 4)), (MAR, date(2024, 4, 8))):
        result = compile_returns(ws, files, extracted_on=extracted)
        assert result.written
    assert result.output is not None
    return ws, result.output


def read_back(path: Path) -> pd.DataFrame:
    """The export as an analyst opens it: dates parsed, numbers as numbers."""
    if path.suffix == ".csv":
        table = pd.read_csv(path, parse_dates=["period", "value_date"], keep_default_na=False,
                            na_values={c: [""] for c in ("value_number", "risk_score",
                                                         "variance")})
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
        return table
    if path.suffix == ".xlsx":
        return pd.read_excel(path, engine="openpyxl")
    return pd.read_parquet(path)


def _report_numbers(report: Path) -> dict[tuple[str, str], float]:
    """(item name, field) -> number, as the committee workbook shows them (Mar-24)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(report)
    found: dict[tuple[str, str], float] = {}
    for sheet, name in (("Finance", "FinanceLines"), ("Programme mitigations", "Mitigations")):
        finance = book[sheet]  # one table per sheet (the GSS standard)
        rows = list(finance[finance.tables[name].ref])
        header = [c.value for c in rows[0]]
        for row in rows[1:]:
            values = dict(zip(header, (c.value for c in row), strict=False))
            for column, field in (("Baseline", "baseline"), ("Budget", "budget"),
                                  ("This Quarter", "this_quarter"), ("Variance", "variance")):
                if isinstance(values[column], int | float):
                    found[(values[header[0]], field)] = float(values[column])
    over = book["Figures Over Time"]
    rows = list(over[over.tables["FiguresOverTime"].ref])
    for row in rows[1:]:
        if row[0].value == "Key measures" and isinstance(row[-1].value, int | float):
            found[(row[1].value, "figure")] = float(row[-1].value)
    risks = book["Risk Log"]
    rows = list(risks[risks.tables["RiskLog"].ref])
    header = [c.value for c in rows[0]]
    for row in rows[1:]:
        values = dict(zip(header, (c.value for c in row), strict=False))
        found[(values["Risk name"], "score")] = float(values["Score"])
    return found


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_every_report_figure_comes_back_as_a_number_with_its_source(
        compiled, tmp_path: Path, suffix: str) -> None:
    if suffix == ".parquet" and not HAS_PYARROW:
        pytest.skip("pyarrow (the 'parquet' extra) is not installed")
    ws, report = compiled
    out = tmp_path / f"tidy{suffix}"
    rows = export_history(ws.history(), ws.programme(), out)
    table = read_back(out)
    assert len(table) == rows and list(table.columns) == list(COLUMNS)
    assert not table.duplicated(["period", "item", "field"]).any()  # one row each
    assert str(table["period"].dtype).startswith("datetime64")
    assert str(table["value_number"].dtype) == "float64"
    mar = table[table["period"] == pd.Timestamp(2024, 3, 1)]
    numbers = _report_numbers(report)
    assert len(numbers) >= 30
    for (name, field), expected in numbers.items():
        if field == "score":
            hit = mar[(mar["field"] == "score") & mar["item_name"].str.endswith(name)]
        else:
            hit = mar[(mar["item_name"] == name) & (mar["field"] == field)]
        assert len(hit) == 1, (name, field)
        got = hit.iloc[0]
        assert got["value_number"] == pytest.approx(expected, abs=0.5), (name, field)
        if field in ("this_quarter", "variance", "figure"):
            assert got["source_cell"] and len(got["source_sha256"]) == 64, (name, field)
            assert got["source_file"].endswith(".xlsx")
    # the context columns: rating words and grade, variance on every row of the item
    spend = mar[mar["item"] == "finance.total_hnb_spend"]
    assert set(spend["variance"]) == {-644143.0}
    assert set(spend["rating_label"]) == {"Green - On Track"} and set(spend["grade"]) == {"green"}
    r1 = mar[(mar["item"] == "risks.R1") & (mar["field"] == "score")].iloc[0]
    assert (r1["risk_score"], r1["risk_band"]) == (12, "Red - At Risk")
    month = mar[(mar["item"] == "measures.average_cost_per_ehcp")
                & (mar["field"] == "last_update")].iloc[0]
    assert month["value_date"] == pd.Timestamp(2024, 2, 1) and month["unit"] == "month"
    share = mar[(mar["item"] == "measures.independent_special_school")
                & (mar["field"] == "figure")].iloc[0]
    assert share["unit"] == "percent" and share["value_number"] == pytest.approx(0.059)


def test_the_xlsx_is_one_excel_table_that_conforms(compiled, tmp_path: Path) -> None:
    ws, _report = compiled
    out = tmp_path / "tidy.xlsx"
    rows = export_history(ws.history(), ws.programme(), out)
    sheet = openpyxl.load_workbook(out)["Tidy history"]
    (table,) = sheet.tables.values()
    assert table.name == "TidyHistory" and table.ref == f"A1:X{rows + 1}"
    assert sheet["A2"].is_date and isinstance(sheet["G2"].value, int | float | type(None))
    if CHECKER.exists() and Path("/usr/bin/python3").exists():
        done = subprocess.run(["/usr/bin/python3", str(CHECKER), str(out)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout


HOSTILE = {
    "overview.narrative": '=HYPERLINK("http://evil.example","Click")',
    "finance.narrative": "@SUM(1+1)\n-2+3 is fine in words",
}


def test_csv_neutralises_formula_text_but_keeps_numbers(tmp_path: Path) -> None:
    ws = workspace_for_2024_25(tmp_path / "work")
    compile_months(ws, [("2024-02", "2024-02")], overrides=HOSTILE)
    out = tmp_path / "tidy.csv"
    export_history(ws.history(), ws.programme(), out)
    with out.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.reader(handle))
    header = records[0]
    for record in records[1:]:
        for column, field in zip(header, record, strict=True):
            assert not field.startswith(FORMULA_TRIGGERS), (column, field)
    text = pd.read_csv(out, keep_default_na=False)
    narrative = text[text["item"] == "overview"]["value_text"].tolist()
    assert narrative == ["'" + HOSTILE["overview.narrative"]]
    assert text[text["item"] == "finance"]["value_text"].tolist() == [
        "'" + HOSTILE["finance.narrative"]]
    # the xlsx keeps the text exactly, as text (no formula)
    xlsx = tmp_path / "tidy.xlsx"
    export_history(ws.history(), ws.programme(), xlsx)
    book = openpyxl.load_workbook(xlsx)
    cells = [c for row in book.active.iter_rows() for c in row
             if c.value == HOSTILE["overview.narrative"]]
    assert cells and all(c.data_type == "s" for c in cells)


def test_negative_numbers_stay_numbers_in_the_csv(compiled, tmp_path: Path) -> None:
    ws, _report = compiled
    out = tmp_path / "tidy.csv"
    export_history(ws.history(), ws.programme(), out)
    raw = out.read_text(encoding="utf-8-sig")
    assert ',-644143.0,' in raw  # unquoted and not prefixed: a number column
    table = read_back(out)
    assert (table["variance"] < 0).any()
    assert neutralise("-5") == "'-5" and neutralise("5") == "5"
    assert neutralise("\tx") == "'\tx" and neutralise("\rx") == "'\rx"


def test_parquet_without_pyarrow_is_one_line(compiled, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("No module named 'pyarrow'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    ws, _report = compiled
    out = tmp_path / "tidy.parquet"
    result = CliRunner().invoke(main, ["history", "-w", str(ws.root), "--export", str(out)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "hnbxl: writing Parquet needs pyarrow: pip install 'hnbxl[parquet]' "
        "(or export to .csv or .xlsx)")
    assert not out.exists()


def test_an_unknown_export_format_is_refused(compiled, tmp_path: Path) -> None:
    ws, _report = compiled
    result = CliRunner().invoke(main, ["history", "-w", str(ws.root), "--export",
                                       str(tmp_path / "tidy.json")])
    assert result.exit_code == 1 and "export to .csv, .xlsx, .parquet" in result.output


def test_history_prints_ratings_over_time(compiled) -> None:
    ws, _report = compiled
    result = CliRunner().invoke(main, ["history", "-w", str(ws.root), "--ratings"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Item", "Feb-24", "Mar-24"]
    row = next(line for line in lines if line.startswith("5 - Developing better"))
    assert row.split()[-2:] == ["Amber", "Red"]
    risk = next(line for line in lines if line.startswith("R6 "))
    assert risk.endswith("Not yet added  New Amber")
    one = CliRunner().invoke(main, ["history", "-w", str(ws.root), "--ratings",
                                    "--periods", "1"])
    assert one.output.splitlines()[0].split() == ["Item", "Mar-24"]
