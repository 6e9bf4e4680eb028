"""The committee's view over time: trajectory chart, ratings over time, sparklines, PDF.

Three months are compiled from the sample returns (Jan-24 and Feb-24 with the
seed's values, Mar-24 with the next month's), each form generated from the
history before it, as the officer would.  The workbook is read back with
openpyxl (charts, tables, cells) and its XML (sparklines, which openpyxl drops).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import warnings
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hnbxl.api import compile_returns
from hnbxl.core.periods import Period
from hnbxl.forms.generate import form_filename, render_form
from hnbxl.forms.layout import build_layout
from hnbxl.programme.definition import default_definition_path
from hnbxl.report.trends import FIGURES_OVER_TIME, RATINGS_OVER_TIME
from hnbxl.store.workspace import Workspace
from tests.conftest import SAMPLES

TRAJECTORY = "DSG Trajectory"  # Wiltshire's [words] trajectory_tab
#: (period, the returns.toml month whose values are typed): April is a new financial year.
MONTHS = (("2024-02", "2024-02"), ("2024-03", "2024-03"), ("2024-04", "2024-03"))
CHECKER = Path("/work/shared/tools/check_ooxml.py")


def workspace_for_2024_25(root: Path) -> Workspace:
    """The Wiltshire programme, whose 2024/25 finance amounts are the 2023/24 ones again."""
    text = default_definition_path().read_text(encoding="utf-8")
    root.mkdir(parents=True)
    (root / "programme.toml").write_text(text, encoding="utf-8")
    return Workspace(root)


def compile_months(ws: Workspace, months, pdf_last: bool = False,
                   overrides: dict[str, str] | None = None) -> list[Path]:
    """Generate, fill (from samples/returns.toml, then ``overrides``) and compile each month."""
    returns = tomllib.loads((SAMPLES / "returns.toml").read_text(encoding="utf-8"))
    programme = ws.programme()
    outputs = []
    for i, (period_key, values_key) in enumerate(months):
        period = Period.parse(period_key)
        last = ws.history().snapshot_before(programme.id, period)
        files = []
        shown = Period.parse(values_key).label
        for owner, typed in returns[values_key].items():
            # a month of the values' own period becomes this period's month
            layout = build_layout(programme, period, owner, last, period.next().first_day())
            # ... for the form's fields; a month typed again does not add its new risk again
            fields = {s.field for s in layout.inputs}
            values = {k: period.label if v == shown else v for k, v in typed.items()
                      if k in fields and (values_key == period_key or ".N" not in k)}
            values.update({k: v for k, v in (overrides or {}).items() if k in fields})
            path = ws.root / "returned" / period_key / form_filename(programme, layout)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(render_form(layout, values=values))
            files.append(path)
        # April repeats March's figures: the unchanged-figure queries are let through.
        result = compile_returns(ws, files, extracted_on=period.next().first_day(),
                                 pdf=pdf_last and i == len(months) - 1, allow_queries=True)
        assert result.written, [i.to_dict() for i in result.issues if i.blocks()]
        outputs.append(result.output)
    return outputs


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, list[Path]]:
    ws = workspace_for_2024_25(tmp_path_factory.mktemp("three") / "work")
    return ws, compile_months(ws, MONTHS)


def _book(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "Sparkline Group extension"
        return openpyxl.load_workbook(path)


def _sparklines(path: Path, sheet: str) -> dict[str, str]:
    """Cell -> data range of every sparkline on a sheet, from the XML."""
    book = _book(path)
    index = book.sheetnames.index(sheet) + 1
    xml = zipfile.ZipFile(path).read(f"xl/worksheets/sheet{index}.xml").decode()
    return {cell: rng for rng, cell in
            re.findall(r"<xm:f>(.*?)</xm:f><xm:sqref>(.*?)</xm:sqref>", xml)}


def test_the_chart_plots_the_table_beside_it(three) -> None:
    _ws, outputs = three
    ws = _book(outputs[-1])[TRAJECTORY]
    table = ws.tables["TrajectoryData"]
    assert table.ref == "A8:D11"
    rows = [[c.value for c in row] for row in ws["A8:D11"]]
    assert rows[0] == ["Period", "Cumulative deficit (£)", "Budgeted path (£)", "Deal cap (£)"]
    assert [r[0] for r in rows[1:]] == ["Feb-24", "Mar-24", "Apr-24"]
    assert rows[2][1:] == [84100000, 83548046, 84500000]  # Mar-24: reported, budget, cap
    assert rows[1][1] is None  # no figure in Feb: an empty cell, which the chart leaves a gap
    chart_xml = zipfile.ZipFile(outputs[-1]).read("xl/charts/chart1.xml").decode()
    assert '<c:dispBlanksAs val="gap"/>' in chart_xml
    # The chart's cached points of the reported series hold Mar-24 and Apr-24 only: no
    # zero (nor any point) for Feb-24, which a reader drawing the cache would plot.
    first = chart_xml.split("<c:val>")[1].split("</c:val>")[0]
    points = re.findall(r'<c:pt idx="(\d+)"><c:v>([^<]*)</c:v></c:pt>', first)
    assert [idx for idx, _ in points] == ["1", "2"] and "0" not in [v for _, v in points]
    (chart,) = ws._charts
    refs = [(s.tx.strRef.f if s.tx.strRef else s.tx.v, s.cat.strRef.f, s.val.numRef.f)
            for s in chart.series]
    assert [r[1:] for r in refs] == [
        ("'DSG Trajectory'!$A$9:$A$11", f"'DSG Trajectory'!${col}$9:${col}$11")
        for col in "BCD"]
    assert chart.title.tx.rich.p[0].r[0].t == "Cumulative DSG deficit against the deal's cap"
    assert chart.y_axis.title.tx.rich.p[0].r[0].t == "Cumulative deficit (£)"
    drawing = zipfile.ZipFile(outputs[-1]).read("xl/drawings/drawing1.xml").decode()
    assert 'descr="Line chart: Cumulative DSG variance after all contributions by period ' \
           'from Feb-24 to Apr-24' in drawing


def test_one_period_gets_a_sentence_instead_of_a_chart(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "one")  # the bundled definition
    (output,) = compile_months(ws, MONTHS[:1])
    sheet = _book(output)[TRAJECTORY]
    assert not sheet._charts
    assert sheet["A4"].value.startswith("Only one period (Feb-24) has been compiled")
    assert [[c.value for c in r] for r in sheet["A6:D7"]][1][0] == "Feb-24"
    assert _sparklines(output, "Key Measures") == {}


def test_ratings_over_time_in_words_and_colour(three) -> None:
    _ws, outputs = three
    ws = _book(outputs[-1])[RATINGS_OVER_TIME]
    assert ws.tables["RatingsOverTime"].ref.startswith("A4:E")
    assert not ws.merged_cells.ranges
    header = [c.value for c in ws[4]][:5]
    assert header == ["Section", "Item", "Feb-24", "Mar-24", "Apr-24"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    c5 = rows["5 - Developing better communication and processes to change the culture in our "
              "SEND system"]
    assert c5[:5] == ("Deal conditions", c5[1], "Amber - Off Track", "Red - At Risk",
                      "Red - At Risk")
    r3 = rows["R3 Failure to recruit appropriately"]
    assert r3[2:5] == ("Amber - Off Track (score 9)", "Closed", "Closed earlier")
    r6 = rows["R6 Rising demand for specialist placements"]
    assert r6[2:5] == ("Not yet added", "New: Amber - Off Track (score 9)",
                       "Amber - Off Track (score 9)")
    # colour follows the words
    for row in ws.iter_rows(min_row=5, max_row=8):
        for cell in row[2:5]:
            if cell.value == "Red - At Risk":
                assert cell.fill.fgColor.rgb.endswith("C00000")
            if cell.value == "Amber - Off Track":
                assert cell.fill.fgColor.rgb.endswith("FFC000")


def test_sparklines_point_at_each_figures_row(three) -> None:
    _ws, outputs = three
    book = _book(outputs[-1])
    over = book[FIGURES_OVER_TIME]
    assert over.tables["FiguresOverTime"].ref.startswith("A5:E")
    for sheet, header in (("Key Measures", True), ("Finance", False),
                          ("Programme mitigations", False)):
        sparks = _sparklines(outputs[-1], sheet)
        assert len(sparks) >= (7 if sheet == "Key Measures" else 4)
        ws = book[sheet]
        if header:
            assert "Last 12 Periods" in [c.value for c in ws[4]]
        for cell, rng in sparks.items():
            name, cells = rng.split("!")
            assert name == f"'{FIGURES_OVER_TIME}'"
            first, last = cells.split(":")
            assert first[0] == "C" and last[0] == "E" and first[1:] == last[1:]
            assert over[f"B{first[1:]}"].value == ws[f"A{cell[1:]}"].value
            assert ws[cell].value == "Feb-24 to Apr-24"
    (cost,) = (r for r in over.iter_rows(values_only=True) if r[1] == "Average cost per EHCP")
    assert cost[2:5] == (17287, 17105, 17105)


def test_the_workbook_conforms(three) -> None:
    if not CHECKER.exists() or not Path("/usr/bin/python3").exists():
        pytest.skip("check_ooxml.py is not available")
    _ws, outputs = three
    done = subprocess.run(["/usr/bin/python3", str(CHECKER), *map(str, outputs)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                    reason="pdftotext or pdftoppm is not installed")
@pytest.mark.slow
def test_the_pdf_draws_the_chart_and_prints_ratings_over_time(tmp_path: Path) -> None:
    ws = workspace_for_2024_25(tmp_path / "pdf")
    outputs = compile_months(ws, MONTHS, pdf_last=True)
    pdf = outputs[-1].with_suffix(".pdf")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    (page,) = [i for i, text in enumerate(pages) if "DSG Deficit Trajectory\n" in text
               and "Deal cap" in text]
    assert "Apr-24" in pages[page] and "£84,100,000" in pages[page]
    rated = "\n".join(pages[page:])
    for words in ("Ratings over time", "Item", "Feb-24", "Mar-24", "Apr-24",
                  "R6 Rising demand for specialist placements", "Not yet added", "Closed"):
        assert words in rated, words
    # The chart is drawn: the deal cap's dark red line and the deficit's navy line.
    subprocess.run(["pdftoppm", "-f", str(page + 1), "-l", str(page + 1), "-r", "50",
                    str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    (image,) = tmp_path.glob("page*.ppm")
    assert _has_colour(image, (0xC0, 0x00, 0x00)), "no deal-cap line on the page"
    assert _has_colour(image, (0x1F, 0x38, 0x64)), "no reported-deficit line on the page"


def _has_colour(ppm: Path, rgb: tuple[int, int, int]) -> bool:
    """Whether a rendered page (binary PPM, as pdftoppm writes) has pixels of this colour."""
    data = ppm.read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert magic == b"P6" and depth == b"255"
    pixels = pixels[: int(width) * int(height) * 3]
    return any(all(abs(pixels[i + k] - rgb[k]) < 24 for k in range(3))
               for i in range(0, len(pixels), 3))


def test_print_keeps_the_latest_12_periods_and_sparklines_draw_the_last_12(
        tmp_path: Path) -> None:
    import dataclasses

    from hnbxl.report.model import FigureSeries, TimelineCell, TimelineRow
    from hnbxl.report.workbook import render_report
    from tests.report.test_output import G, seed_report

    labels = tuple(Period(2023, 1 + i).label if i < 12 else Period(2024, i - 11).label
                   for i in range(14))
    base = seed_report()
    key = base.measures[0].key
    report = dataclasses.replace(
        base, periods=labels,
        ratings_over_time=(TimelineRow("Overview", "overview.overall", "Overall",
                                       tuple(TimelineCell(G.label, G) for _ in labels)),),
        series=(FigureSeries(key, base.measures[0].name, "count",
                             (None, *(float(i) for i in range(1, 14)))),))
    screen = render_report(report)
    path = tmp_path / "screen.xlsx"
    path.write_bytes(screen)
    book = _book(path)
    assert [c.value for c in book[RATINGS_OVER_TIME][4]][2:] == list(labels)
    figures = [c.value for c in book[FIGURES_OVER_TIME][6]]
    assert figures[2] == "[x]" and figures[3:] == [float(i) for i in range(1, 14)]
    (rng,) = _sparklines(path, "Key Measures").values()
    assert rng == f"'{FIGURES_OVER_TIME}'!E6:P6"  # the latest 12 of 14 columns (C..P)


def test_a_section_not_received_is_said_in_words_over_time(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "late")
    feb = sorted((SAMPLES / "2024-02").glob("*.xlsx"))
    mar = sorted((SAMPLES / "2024-03").glob("*.xlsx"))
    assert compile_returns(ws, feb, extracted_on=date(2024, 3, 4)).written
    late = compile_returns(ws, [f for f in mar if not f.name.endswith("-finance.xlsx")],
                           extracted_on=date(2024, 4, 8), allow_missing=["finance"])
    assert late.written, [i.message for i in late.issues if i.blocks()]
    sheet = _book(late.output)[RATINGS_OVER_TIME]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=5, values_only=True)}
    spend = rows["Total High Needs Block Spend"]
    assert spend[2] == "Green - On Track" and spend[3].startswith("Not received from Finance")
