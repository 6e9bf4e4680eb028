"""The committee workbook: the seed's content, accessible tables, safe text, print and PDF.

The fixture rebuilds the Wiltshire highlight report of February 2024 (the
seed) by hand, so these tests pin the output to the committee's own words and
figures without depending on the rest of the pipeline.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from hnbxl.core.issues import HnbxlError, Issue, Severity
from hnbxl.programme.definition import RagScale, RagState, load_programme
from hnbxl.report import workbook as output
from hnbxl.report.model import (
    FinanceLine,
    MeasureRow,
    RatedRow,
    RatingView,
    Report,
    ReturnUsed,
    RiskLine,
    SourceLine,
    Trend,
)
from hnbxl.report.workbook import WriteResult, render_report, write_report

GREEN = RagState("green", "Green - On Track", "#00B050", "#000000", 0)
AMBER = RagState("amber", "Amber - Off Track", "#FFC000", "#000000", 1)
RED = RagState("red", "Red - At Risk", "#C00000", "#FFFFFF", 2)
NO_DATA = RagState("no_data", "No data", "#D9D9D9", "#000000", 3)
SCALE = RagScale((GREEN, AMBER, RED), NO_DATA)

SECTION_TITLES = {
    "overview": "Transformation Summary - Overview",
    "conditions": "Deal Condition RAG Ratings",
    "measures": "Transformation Summary - Key Measures",
    "finance": "Finance Summary",
    "risks": "Programme Risk Log",
}

SHEET_TITLES = {
    "Cover": "High Needs Block Sustainability Highlight Report",
    "Overview": "High Needs Block Sustainability Highlight Report",
    "Deal Conditions": "Deal Condition RAG Ratings",
    "Key Measures": "Transformation Summary - Key Measures",
    "Finance": "Finance Summary",
    "Programme mitigations": "Programme mitigations",
    "Risk Log": "Programme Risk Log",
    "Data Quality": "Data Quality - Figures to Read with Care",
    "RAG Key": "RAG Key - What Each Rating Means",
    "Notes": "Notes - How to Read This Report",
}


HYPERLINK = '=HYPERLINK("http://x","y")'


def view(state: RagState) -> RatingView:
    return RatingView(state.key, state.label, state.colour, state.font_colour)


G, A, R, ND = view(GREEN), view(AMBER), view(RED), view(NO_DATA)


def rated(key: str, name: str, this: RatingView) -> RatedRow:
    # The seed is the first month reported: last period is empty, so no trend.
    return RatedRow(key, name, ND, this, None)


def measure(key: str, name: str, detail: str, figure: str, update: str,
            this: RatingView) -> MeasureRow:
    return MeasureRow(key, name, detail, figure, update, ND, this, None)


def money(key: str, name: str, baseline: float, budget: float) -> FinanceLine:
    return FinanceLine(key, name, baseline, budget, None, "NA", None, "NA", G, None)


def risk(rid: str, name: str, text: str, lik: int, imp: int, band: RatingView,
         direction: str, mark: str, words: str, action: str, target: int) -> RiskLine:
    return RiskLine(rid, name, text, lik, imp, lik * imp, band, direction, mark, words,
                    action, target, "Feb-24", "open")


SHA = "3f" * 32
WILTSHIRE = load_programme()


def seed_report() -> Report:
    """The seed report of 04/03/2024 (period Feb-24), as the model holds it."""
    return Report(
        programme_id="wiltshire-hnb",
        definition_hash="ab" * 32,
        council="Wiltshire Council",
        title="High Needs Block Sustainability Highlight Report",
        committee="Children's Select Committee",
        period_key="2024-02",
        period_label="Feb-24",
        last_period_label="Jan-24",
        extracted_on=date(2024, 3, 4),
        section_titles=dict(SECTION_TITLES),
        scale=SCALE,
        overview=(
            rated("overview.overall", "Overall Programme RAG rating", G),
            rated("overview.dsg_trajectory", "DSG Deficit Trajectory RAG rating", G),
        ),
        overview_narrative=(
            "Work has been focussed on getting the Programme achitecture in place so that we "
            "can accurately report on progress and respond in an agile manner to changing "
            "circumstance.",
            "Formally, the plan does not begin until the new financial year, so reporting this "
            "month is slightly artificial, however activity is beginning on the change "
            "programmes so these are amber turning green wheras most of the measures are red / "
            "amber which is what we woudl expect at this stage.",
            "We are still waiting to hear from the DfE about the status of the deal and the "
            "capital bids that will underpin the work to deliver Workstream 2. The expectation "
            "is that we will hear before the end of the financial year.",
            "Programme team are in the proces of being recruited, two out of three posts filled "
            "and starting in April. Despite this, work towards priority or medium/long-term "
            "projects has begun and the governance has been established to monitor and drive "
            "progress.",
        ),
        conditions=(
            rated("conditions.c1", "1 - Improving support pre-EHCP to increase parental and "
                  "professional confidence in mainstream inclusion", G),
            rated("conditions.c2", "2 - Preventing the need for escalation of support by "
                  "ensuring the right support, first time", A),
            rated("conditions.c3", "3 - Ensuring value for money and the right contributions "
                  "from partners", A),
            rated("conditions.c4", "4 - Enhance transition pathways to provide a range of "
                  "opportunities to prepare for adulthood", G),
            rated("conditions.c5", "5 - Developing better communication and processes to "
                  "change the culture in our SEND system", A),
        ),
        measures=(
            measure("measures.needs_assessment_requests",
                    "Reduction in the number of ECH Needs Assessment requests submitted",
                    "If support outside of an EHCP improves, this figure should reduce - "
                    "measured YTD", "169", "Jan-24", R),
            measure("measures.ehcp_population_share",
                    "Reduction in the percentage of school population who have an EHCP",
                    "If we improve support and proactively cease this should reduce against "
                    "forecast", "On forecast", "Jan-24", A),
            measure("measures.independent_special_school",
                    "Percentage of EHCP cohort who are in Independent Special School",
                    "If our local provision is right, we will reduce the INMSS placements - "
                    "measured YTD", "6.06%", "Jan-24", A),
            measure("measures.move_up_provision",
                    "Percentage of EHCP cohort who move up provision within 1 year of "
                    "placement", "", "Still need to clean up the data to report accurately",
                    "Not reported", ND),
            measure("measures.average_cost_per_ehcp", "Average cost per EHCP",
                    "This figure should come down as we reduce reliance on expensive "
                    "placements", "£17,287", "Jan-24", A),
            measure("measures.ad_hoc_funding_decisions",
                    "Number of ad hoc funding decisions being made", "",
                    "Data feed is being established", "Not reported", ND),
            measure("measures.ceased_not_neet",
                    "Number of EHCPs ceased that do not result in NEET within 6 months",
                    "This should go up. Numbers are too small to be meaningful - measured YTD",
                    "2 (33%)", "Jan-24", A),
            measure("measures.post16_isp", "Percentage of post 16 EHCPs in ISP",
                    "As we enable other pathways, this figures should come down - measured "
                    "YTD", "Data coming", "Jan-24", A),
            measure("measures.statutory_timeliness",
                    "Percentage compliance with Statutory SEND timeliness measures",
                    "Performance should improve as we sort the system", "NA", "Jan-24", R),
            measure("measures.poet_positive",
                    "Percentage of POET survey returns showing positive experience of SEND "
                    "system", "We should begin to see this annual survey show positivity "
                    "against previous year", "", "Jan-24", A),
        ),
        finance_narrative=(
            "Financial reporting is being set up to enable monitoring of the progress. This is "
            "ready for the start of the new Financial Year.",
            "Quarterly budget monitoring will enable us to report at every meeting on key "
            "finance metrics to assess where we are on track and where further work is "
            "required.",
        ),
        kpis=(
            money("finance.total_hnb_spend", "Total High Needs Block Spend",
                  97098336, 103744143),
            money("finance.hnb_in_year", "High Needs Block In-year surplus/deficit",
                  24503927, 28279577),
            money("finance.dsg_in_year", "DSG in year variance", 21033244, 28279577),
            money("finance.cumulative_dsg", "Cumulative DSG variance after all contributions",
                  56247009, 83548046),
        ),
        mitigations=(
            money("finance.ws1", "Workstream 1 Savings", 0, 1753000),
            money("finance.ws2", "Workstream 2 Savings", 0, 1995000),
            money("finance.ws3", "Workstream 3 Savings", 0, 979000),
            money("finance.ws4", "Workstream 4 Savings", 0, 0),
            money("finance.ws5", "Workstream 5 Savings", 0, 0),
        ),
        risks=(
            risk("R1", "Failure to deliver the required trajectory",
                 "If this happens then the DfE will make us responsible for the whole deficit "
                 "and the council will be at risk of S.114", 3, 4, R, "same", "→", "→ No change",
                 "Creation of a credible plan to mitigate this risk as far as possible, "
                 "creation of a High Needs Block reserve.", 4),
            risk("R2", "Partners struggle to engage at required pace",
                 "If this happens then the plan cannot be delivered and we will struggle to "
                 "meet our statutory obligations", 3, 3, A, "new", "★", "★ New",
                 "Continue to engage and co-design work.", 3),
            risk("R3", "Failure to recruit appropriately",
                 "If this happens then we will be severely hampered in delivering the "
                 "programme", 3, 3, A, "same", "→", "→ No change",
                 "Recruitment successful for 2 of 3 programme posts. Early engagement with "
                 "recruitment team for specialists", 3),
            risk("R4", "Failure to access capital required",
                 "If this happens then the plan is unachievable. Without an increase in "
                 "capacity, the plan will fail", 2, 4, A, "down", "↓", "↓ Decreasing",
                 "Submission of additional DfE capital bid and anticipating a positive "
                 "response based on feedback.", 2),
            risk("R5", "Capacity within stretched SEND team",
                 "If this happens then it will be impossible to deliver the change required, "
                 "and could result in staff fatigue and vacancy", 2, 3, A, "down", "↓",
                 "↓ Decreasing", "MTFS and additional pressures money being used to bolster "
                 "SEND and inclusion teams.", 3),
        ),
        issues=(
            Issue("text-number-accepted", Severity.WARNING,
                  "Average cost per EHCP was typed as text; read as 17287.",
                  file="returns/send-2024-02.xlsx", sheet="Key Measures", cell="F11",
                  field="measures.average_cost_per_ehcp", found="£17,287",
                  expected="a number"),
        ),
        sources=(
            SourceLine("Key Measures: Average cost per EHCP", "figure", "£17,287",
                       "returns/send-2024-02.xlsx", SHA, "Key Measures", "F11"),
            SourceLine("Finance: Total High Needs Block Spend", "this quarter", "NA",
                       "returns/finance-2024-02.xlsx", "4e" * 32, "Finance", "E8"),
        ),
        returns=(
            ReturnUsed("returns/send-2024-02.xlsx", SHA, "SEND",
                       ("conditions", "measures", "risks")),
            ReturnUsed("returns/finance-2024-02.xlsx", "4e" * 32, "Finance", ("finance",)),
        ),
        notes=("Figures for January 2024 were the latest available on 04/03/2024.",),
        # Wiltshire's own words come from its definition, as a compile takes them
        section_tabs={k: sec.tab for k, sec in WILTSHIRE.sections.items()},
        section_names={k: sec.name for k, sec in WILTSHIRE.sections.items()},
        words=WILTSHIRE.words,
    )


@pytest.fixture
def report() -> Report:
    return seed_report()


@pytest.fixture
def written(report: Report, tmp_path: Path) -> tuple[WriteResult, openpyxl.Workbook]:
    result = write_report(report, tmp_path / "report.xlsx")
    return result, openpyxl.load_workbook(result.path)


def find(ws, value: str):
    """The first cell holding exactly ``value``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not on {ws.title}")


def table_rows(ws, name: str) -> list[list]:
    table = ws.tables[name]
    return [[c.value for c in row] for row in ws[table.ref]]


# --------------------------------------------------------------------------- structure


def test_sheets_in_seed_order_with_titles_in_a1(written) -> None:
    result, wb = written
    # Wiltshire's tabs are its definition's; this model has no trajectory (no sheet for it)
    assert wb.sheetnames == list(result.sheets) == [
        "Cover", "Overview", "Deal Conditions", "Key Measures", "Finance",
        "Programme mitigations", "Risk Log", "Ratings Over Time", "Figures Over Time",
        "Data Quality", "RAG Key", "Notes"]
    for name, title in SHEET_TITLES.items():
        assert wb[name]["A1"].value == title
    assert result.counts == {"measures": 10, "risks": 5, "issues": 1, "sources": 2}
    assert result.pdf_path is None


def test_tables_have_one_row_of_unique_headers_and_no_blanks(written) -> None:
    _, wb = written
    names = set()
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        assert ws.tables, f"{ws.title} has no table"
        for table in ws.tables.values():
            name = table.name
            names.add(name)
            headers = [c.name for c in table.tableColumns]
            assert len({h.casefold() for h in headers}) == len(headers), name
            assert table.headerRowCount in (None, 1)
            rows = table_rows(ws, name)
            assert rows[0] == headers
            blank_ok = {i for i, h in enumerate(headers) if h in ("Note", "Detail")}
            for row in rows:  # empty only where the seed printed nothing (notes, detail)
                assert all(v is not None and str(v).strip() != "" for i, v in enumerate(row)
                           if i not in blank_ok), (name, row)
    assert {"Contents", "OverviewRatings", "Conditions", "Measures", "FinanceLines",
            "Mitigations", "RiskLog", "RatingsOverTime", "FiguresOverTime", "DataQuality",
            "RagKey", "ReportNotes"} == names
    for ws in wb.worksheets:  # one table per sheet, no filters (the GSS standard)
        assert len(ws.tables) == 1, ws.title
        assert all(t.autoFilter is None for t in ws.tables.values()), ws.title


def test_overview_title_block_and_narrative(written, report: Report) -> None:
    _, wb = written
    ws = wb["Overview"]
    column_a = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    for line in ("Extracted for: Children's Select Committee", "Extracted on: 04/03/2024",
                 "Wiltshire Council", "Period: Feb-24", "Transformation Summary - Overview"):
        assert line in column_a
    for paragraph in report.overview_narrative:
        cell = find(ws, paragraph)
        assert cell.alignment.wrap_text
    rows = table_rows(ws, "OverviewRatings")
    # No row has a note (the owners' own ratings): no Note column, as in the seed.
    assert rows[0] == ["Rating", "Last Period", "This Period", "Trend"]
    assert rows[1] == ["Overall Programme RAG rating", "No data", "Green - On Track",
                       "No trend"]


def test_measures_keep_the_seed_figures_as_text(written) -> None:
    _, wb = written
    rows = table_rows(wb["Key Measures"], "Measures")
    assert rows[0] == ["Measure", "Detail", "Figure", "Last Update", "Last Period",
                       "This Period", "Trend"]
    figures = [r[2] for r in rows[1:]]
    assert figures == ["169", "On forecast", "6.06%",
                       "Still need to clean up the data to report accurately", "£17,287",
                       "Data feed is being established", "2 (33%)", "Data coming", "NA",
                       "Not reported"]
    assert rows[4][5] == "No data" and rows[4][1] is None  # the seed printed no detail
    assert [r[5] for r in rows[1:]].count("Amber - Off Track") == 6


def test_figures_are_numbers_with_formats(report: Report, tmp_path: Path) -> None:
    """The GSS standard: a figure the model holds as a number is a number in the workbook,
    formatted to read as the seed does; words stay words."""
    m = report.measures
    numbers = (dataclasses.replace(m[0], value=169, unit="count"),
               dataclasses.replace(m[2], value=0.0606, unit="percent"),
               dataclasses.replace(m[4], value=17287, unit="money"),
               dataclasses.replace(m[6], value=2, unit="count_with_share", share=2 / 6))
    changed = dataclasses.replace(report, measures=(numbers[0], m[1], numbers[1], m[3],
                                                    numbers[2], m[5], numbers[3], *m[7:]))
    ws = openpyxl.load_workbook(write_report(changed, tmp_path / "n.xlsx").path)["Key Measures"]
    cells = [row[2] for row in ws[ws.tables["Measures"].ref][1:]]
    shown = {c.value: c.number_format for c in cells if c.data_type == "n"}
    assert shown == {169: "#,##0", 0.0606: "0.00%", 17287: "£#,##0;-£#,##0",
                     2: '#,##0" (33%)"'}
    assert cells[1].value == "On forecast" and cells[1].data_type == "s"


def test_rag_cells_carry_words_and_colour(written) -> None:
    _, wb = written
    ws = wb["Deal Conditions"]
    rows = table_rows(ws, "Conditions")
    assert [r[2] for r in rows[1:]] == ["Green - On Track", "Amber - Off Track",
                                       "Amber - Off Track", "Green - On Track",
                                       "Amber - Off Track"]
    table = ws.tables["Conditions"]
    first = ws[table.ref][1]
    assert first[2].fill.fgColor.rgb.endswith("00B050")
    assert first[2].font.color.rgb.endswith("000000")
    risk = wb["Risk Log"]
    red = risk[risk.tables["RiskLog"].ref][1][5]
    assert red.value == "Red - At Risk"
    assert red.fill.fgColor.rgb.endswith("C00000")
    assert red.font.color.rgb.endswith("FFFFFF")


def test_finance_money_is_numbers_in_pounds(written) -> None:
    _, wb = written
    ws = wb["Finance"]
    kpi = ws[ws.tables["FinanceLines"].ref]
    assert [c.value for c in kpi[0]] == ["KPI", "Baseline", "Budget", "This Quarter",
                                         "Variance", "RAG", "Trend"]
    baseline, budget, quarter, variance = kpi[1][1], kpi[1][2], kpi[1][3], kpi[1][4]
    assert baseline.value == 97098336 and budget.value == 103744143
    for cell in (baseline, budget):
        assert cell.data_type == "n"
        assert cell.number_format.startswith("£#,##0")
    assert quarter.value == "NA" and variance.value == "NA"
    mitigations = wb["Programme mitigations"]
    mit = mitigations[mitigations.tables["Mitigations"].ref]
    assert mit[0][0].value == "Programme Mitigations"
    assert [r[2].value for r in mit[1:]] == [1753000, 1995000, 979000, 0, 0]
    assert kpi[1][5].value == "Green - On Track"


def test_risk_log_as_the_seed_shows_it(written) -> None:
    _, wb = written
    rows = [r[1:] for r in table_rows(wb["Risk Log"], "RiskLog")]  # after the id column
    assert rows[0] == ["Risk name", "Risk", "Last score", "Score", "Band", "Action",
                       "Direction", "Target", "Updated", "Status"]
    rows = [r[:2] + r[3:9] for r in rows]  # the seed's columns
    assert [r[0] for r in table_rows(wb["Risk Log"], "RiskLog")[1:]] == [
        "R1", "R2", "R3", "R4", "R5"]
    assert [r[2] for r in rows[1:]] == [12, 9, 9, 8, 6]
    assert [r[6] for r in rows[1:]] == [4, 3, 3, 2, 3]
    assert rows[1][4] == ("→ Creation of a credible plan to mitigate this risk as far as "
                          "possible, creation of a High Needs Block reserve.")
    assert rows[2][4] == "★ Continue to engage and co-design work."
    assert rows[4][5] == "↓ Decreasing"
    assert {r[7] for r in rows[1:]} == {"Feb-24"}
    assert [r[3] for r in rows[1:]] == ["Red - At Risk"] + ["Amber - Off Track"] * 4


def test_data_quality_in_words_and_sources_for_the_officer(report: Report,
                                                          tmp_path: Path) -> None:
    said = dataclasses.replace(report, quality_notes=(
        "Average cost per EHCP: number typed as text.",))
    result = write_report(said, tmp_path / "report.xlsx", officer=True)
    dq = table_rows(openpyxl.load_workbook(result.path)["Data Quality"], "DataQuality")
    assert dq == [["Number", "What to read with care"],
                  [1, "Average cost per EHCP: number typed as text."]]
    officer = openpyxl.load_workbook(output.officer_path(result.path))
    assert officer.sheetnames == list(output.OFFICER_SHEETS)
    checks = table_rows(officer["Checks by Cell"], "ChecksByCell")
    assert checks[0] == ["Severity", "Issue", "Code", "File", "Place", "Found", "Expected",
                         "Message", "Shown to the committee"]
    assert checks[1][:6] == ["Warning", "Number typed as text", "text-number-accepted",
                             "returns/send-2024-02.xlsx", "Key Measures!F11", "£17,287"]
    src = table_rows(officer["Sources"], "FigureSources")
    assert src[1] == ["Key Measures: Average cost per EHCP", "figure", "£17,287",
                      "returns/send-2024-02.xlsx", SHA, "Key Measures", "F11"]
    used = table_rows(officer["Returns Used"], "ReturnsUsed")
    assert used[1][0] == "returns/send-2024-02.xlsx" and used[1][4] == SHA
    assert used[1][2] == "Deal Conditions, Key Measures, Risk Log"


def test_empty_tables_say_so_in_words(report: Report, tmp_path: Path) -> None:
    empty = dataclasses.replace(report, issues=(), sources=(), returns=(), risks=())
    wb = openpyxl.load_workbook(write_report(empty, tmp_path / "e.xlsx").path)
    dq = table_rows(wb["Data Quality"], "DataQuality")
    assert len(dq) == 2 and dq[1][0] == "Every figure was received on time and is shown in full"
    assert table_rows(wb["Risk Log"], "RiskLog")[1][0] == "No risks recorded"
    officer = openpyxl.load_workbook(io.BytesIO(output.render_officer(empty)))
    assert table_rows(officer["Sources"], "FigureSources")[1][0] == "No sources recorded"
    assert table_rows(officer["Checks by Cell"], "ChecksByCell")[1][0] == "No issues found"


def test_override_and_trend_are_written_in_words(report: Report, tmp_path: Path) -> None:
    overridden = dataclasses.replace(
        G, overridden=True, computed_label="Amber - Off Track",
        reason="The DfE has confirmed the capital bid.",
    )
    row = dataclasses.replace(report.overview[1], this=overridden,
                              trend=Trend("better", "↑", "↑ Improving"),
                              note="The DfE has confirmed the capital bid.")
    changed = dataclasses.replace(report, overview=(report.overview[0], row))
    wb = openpyxl.load_workbook(write_report(changed, tmp_path / "o.xlsx").path)
    rows = table_rows(wb["Overview"], "OverviewRatings")
    assert rows[2][2] == "Green - On Track"
    assert rows[2][3] == "↑ Improving"
    assert rows[2][4] == "The DfE has confirmed the capital bid."  # the owner's reason


# --------------------------------------------------------------------------- safety


def test_formula_and_link_text_stay_text(report: Report, tmp_path: Path) -> None:
    risky = dataclasses.replace(
        report,
        overview_narrative=(HYPERLINK, "http://example.com/a", "+1", "0123"),
        finance_narrative=("=1+1",),
    )
    path = write_report(risky, tmp_path / "risky.xlsx").path
    wb = openpyxl.load_workbook(path)
    ws = wb["Overview"]
    for text in (HYPERLINK, "http://example.com/a", "+1", "0123"):
        cell = find(ws, text)
        assert cell.data_type == "s", text
        assert cell.hyperlink is None
    assert find(wb["Finance"], "=1+1").data_type == "s"
    assert not ws._hyperlinks


def test_text_too_long_for_excel_is_an_error(report: Report, tmp_path: Path) -> None:
    long = dataclasses.replace(report, overview_narrative=("x" * 40_000,))
    target = tmp_path / "long.xlsx"
    with pytest.raises(HnbxlError, match="32,767"):
        write_report(long, target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_same_report_gives_identical_bytes(report: Report, tmp_path: Path) -> None:
    a = write_report(report, tmp_path / "a.xlsx").path.read_bytes()
    b = write_report(seed_report(), tmp_path / "b.xlsx").path.read_bytes()
    assert a == b
    assert render_report(report) == a


def test_document_properties(written) -> None:
    _, wb = written
    props = wb.properties
    assert props.title == "High Needs Block Sustainability Highlight Report - Feb-24"
    assert props.creator == "Wiltshire Council"
    assert props.created.date() == date(2024, 3, 4)
    assert props.keywords and "wiltshire-hnb" not in props.keywords  # no internal key
    assert "ab" * 8 not in (props.description or "")  # nor the definition's hash
    assert props.subject.startswith("Children's Select Committee")
    core = zipfile.ZipFile(written[0].path).read("docProps/core.xml").decode()
    assert "<dc:language>en-GB</dc:language>" in core


def test_print_setup(written) -> None:
    _, wb = written
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize in (9, "9")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
        assert ws.print_area
        assert "Page &P of &N" in ws.oddFooter.center.text
        assert ws.oddFooter.right.text == "Extracted on 04/03/2024"
    assert wb["Key Measures"].print_title_rows
    assert wb["Risk Log"].print_title_rows


def test_failed_build_leaves_existing_output(report: Report, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the previous month's report")

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(output, "with_language", boom)  # after every sheet, before writing
    with pytest.raises(RuntimeError):
        write_report(report, target)
    assert target.read_bytes() == b"the previous month's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_failed_rename_leaves_existing_output(report: Report, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the previous month's report")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    import hnbxl.core.fileio

    monkeypatch.setattr(hnbxl.core.fileio.os, "replace", refuse)
    with pytest.raises(HnbxlError, match=r"report\.xlsx: could not write \(the disk is full\)"):
        write_report(report, target)
    assert target.read_bytes() == b"the previous month's report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.xlsx"]


def test_failed_pdf_leaves_both_outputs(report: Report, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "report.xlsx").write_bytes(b"old workbook")
    (tmp_path / "report.pdf").write_bytes(b"old pdf")

    def fail(report: Report) -> bytes:
        raise output.OutputError("the PDF could not be typeset")

    monkeypatch.setattr(output, "paper_pdf", fail)
    with pytest.raises(HnbxlError):
        write_report(report, tmp_path / "report.xlsx", pdf=True)
    assert (tmp_path / "report.xlsx").read_bytes() == b"old workbook"
    assert (tmp_path / "report.pdf").read_bytes() == b"old pdf"
    assert len(list(tmp_path.iterdir())) == 2


def test_ampersand_in_footer_is_escaped(report: Report, tmp_path: Path) -> None:
    changed = dataclasses.replace(report, title="Health & Care Report", council="B & NES")
    wb = openpyxl.load_workbook(write_report(changed, tmp_path / "a.xlsx").path)
    ws = wb["Risk Log"]
    assert ws.oddFooter.left.text == "Health && Care Report - Feb-24"
    assert ws.oddHeader.left.text == "B && NES"


def test_the_pdf_needs_no_libreoffice(report: Report, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = write_report(report, tmp_path / "report.xlsx", pdf=True)
    assert result.pdf_path is not None and result.pdf_path.read_bytes().startswith(b"%PDF")


# --------------------------------------------------------------------------- PDF


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_pdf_reads_like_the_seed(report: Report, tmp_path: Path) -> None:
    result = write_report(report, tmp_path / "report.xlsx", pdf=True)
    assert result.pdf_path == tmp_path / "report.pdf"
    assert result.pdf_path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(result.pdf_path), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    for expected in (
        "High Needs Block Sustainability Highlight Report",
        "Extracted for: Children's Select Committee",
        "Extracted on: 04/03/2024",
        "Wiltshire Council",
        "Period: Feb-24",
        *SECTION_TITLES.values(),
        "£97,098,336",
        "£103,744,143",
        "Amber - Off Track",
        "Red - At Risk",
        "2 (33%)",
        "£17,287",
        "6.06%",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf", "report.xlsx"]
