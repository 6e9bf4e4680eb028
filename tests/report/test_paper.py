"""The committee paper (``--pdf``): typeset from the report model, tagged, readable, clean.

Both sample months are compiled with ``--pdf`` and no LibreOffice on the
PATH, then read back as a screen reader and a member would: the structure
tree (headings, tables, the chart's alt text), the language and PDF/UA
identification, the number of pages and how full they are, every
character's size, and the text, which must hold the seed's facts and no
internal token (file name, cell reference, hash, issue code, command, id).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hnbxl.api import compile_returns
from hnbxl.core.codes import CATALOGUE
from hnbxl.core.errors import HnbxlError
from hnbxl.programme.definition import Words, load_programme
from hnbxl.report.model import Trajectory, TrajectoryPoint
from hnbxl.report.paper import paper_pdf
from hnbxl.report.paper.chart import STYLES, chart, runs
from hnbxl.report.paper.colours import AA, contrast, legible
from hnbxl.report.paper.markup import colour, lit
from hnbxl.store.workspace import Workspace
from tests.conftest import ROOT, SAMPLES, TESTS
from tests.report.pdfread import ReadPdf, read_pdf
from tests.report.test_output import seed_report

SEED = TESTS / "data" / "seed-highlight-report.txt"
MONTHS = {"2024-02": date(2024, 3, 4), "2024-03": date(2024, 4, 8)}
MAX_PAGES = {"2024-02": 5, "2024-03": 7}
MM = 72 / 25.4
TOP, BOTTOM = 20 * MM, 18 * MM  # the paper's margins (page.py)


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReadPdf]:
    """Both months compiled with --pdf, with no soffice anywhere on the PATH."""
    root = tmp_path_factory.mktemp("paper")
    (root / "bin").mkdir()
    out: dict[str, ReadPdf] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(root / "bin"))
        assert shutil.which("soffice") is None and shutil.which("libreoffice") is None
        ws = Workspace(root)
        for period, day in MONTHS.items():
            result = compile_returns(ws, sorted((SAMPLES / period).glob("*.xlsx")),
                                     extracted_on=day, pdf=True, allow_queries=True)
            assert result.written and result.pdf is not None, [i.to_dict() for i in
                                                               result.issues]
            out[period] = read_pdf(result.pdf)
    return out


def seed_facts() -> list[str]:
    """Every field of the seed report's text (its title block, rows and paragraphs)."""
    facts: list[str] = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        row = line.split("\t")
        if not row[0] or row[0].startswith("The logo"):
            continue  # the overview's repeated header rows; the logo's description
        facts.extend(f.strip() for f in row if f.strip())
    # The seed prints a zero baseline as "0" but a zero budget as "£0"; the paper
    # shows money one way (£0), and the seed's table headers are not facts.
    headers = {"Measure", "Detail", "Figure", "Last Update", "Last Period", "This Period",
               "KPI", "Baseline", "Budget", "This Quarter", "Variance", "RAG", "Risk name",
               "Risk", "Score", "Action", "Target", "Updated", "Programme Mitigations",
               "Deal Condition RAG Ratings"}
    return [("£0" if f == "0" else f) for f in dict.fromkeys(facts) if f not in headers]


# --------------------------------------------------------------------------- sample months


@pytest.mark.slow
@pytest.mark.parametrize("period", MONTHS)
def test_tags_language_and_pdf_ua(papers: dict[str, ReadPdf], period: str) -> None:
    paper = papers[period]
    kinds = paper.kinds()
    assert kinds["H1"] == 1 and kinds["H2"] >= 6 and kinds["H3"] >= 2
    assert kinds["Table"] >= 6 and kinds["THead"] == kinds["Table"]
    assert kinds["TH"] >= 30 and kinds["TD"] >= 150
    assert paper.lang == "en-GB"
    assert "<pdfuaid:part>1</pdfuaid:part>" in paper.xmp
    assert "High Needs Block Sustainability Highlight Report" in paper.xmp  # title
    assert "<rdf:li>Wiltshire Council</rdf:li>" in paper.xmp  # author
    assert "Children&apos;s Select Committee" in paper.xmp  # subject
    assert "<rdf:li>en-GB</rdf:li>" in paper.xmp
    figures = [e for e in paper.elements if e.kind == "Figure"]
    if period == "2024-02":
        assert not figures  # one period: no appendix, no chart
        assert "Appendix" not in paper.text
    else:
        (figure,) = figures
        assert figure.alt and "Line chart" in figure.alt and "gap" in figure.alt
        assert "Ratings over time" in paper.text


@pytest.mark.slow
@pytest.mark.parametrize("period", MONTHS)
def test_pages_are_few_and_none_before_the_last_mostly_empty(papers: dict[str, ReadPdf],
                                                             period: str) -> None:
    paper = papers[period]
    assert paper.pages <= MAX_PAGES[period]
    body = paper.page_height - TOP - BOTTOM
    for number, fill in enumerate(paper.fill[:-1], start=1):
        used = (fill * paper.page_height - TOP) / body
        assert used > 1 / 3, f"page {number} of {paper.pages} is only {used:.0%} full"
    assert f"Page 1 of {paper.pages}" in paper.page_text[0]


@pytest.mark.slow
@pytest.mark.parametrize("period", MONTHS)
def test_the_running_header_and_footer_are_artifacts(papers: dict[str, ReadPdf],
                                                     period: str) -> None:
    """On every page, but in no tag: a screen reader reads the report once."""
    paper = papers[period]
    day = MONTHS[period].strftime("%d/%m/%Y")
    for text in paper.page_text:
        assert f"Extracted on {day}" in text and "Page " in text
    tagged = paper.text
    assert f"Extracted on {day}" not in tagged and "Page 1 of" not in tagged
    assert f"Extracted on: {day}" in tagged  # the title block is content


@pytest.mark.slow
@pytest.mark.parametrize("period", MONTHS)
def test_type_sizes(papers: dict[str, ReadPdf], period: str) -> None:
    paper = papers[period]
    assert min(paper.all_sizes) >= 8
    assert set(paper.sizes["P"]) == {10.0}  # one body size
    assert min(paper.sizes["TD"]) >= 9.5 and min(paper.sizes["TH"]) >= 9.5
    small = sum(1 for s in paper.all_sizes if s < 9.5)
    assert small / len(paper.all_sizes) < 0.1  # only the running header and footer


INTERNAL = {
    "a hash": re.compile(r"\b[0-9a-fA-F]{16,}\b"),
    "a file name": re.compile(r"\.(xlsx|toml|sqlite|csv)\b", re.IGNORECASE),
    "a cell reference": re.compile(r"[A-Za-z][\w ]*!\$?[A-Z]{1,3}\$?\d+"),
    "a command": re.compile(r"\bhnbxl\b"),
    "an id": re.compile(r"wiltshire-hnb|\b(measures|finance|overview|conditions)\.[a-z_]+"),
}


def internal_tokens(text: str) -> list[str]:
    found = [f"{what}: {m.group(0)}" for what, rx in INTERNAL.items()
             for m in rx.finditer(text)]
    found += [f"an issue code: {code}" for code in CATALOGUE
              if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("period", MONTHS)
def test_no_internal_token_reaches_the_paper(papers: dict[str, ReadPdf], period: str) -> None:
    text = papers[period].text + "\n".join(papers[period].page_text)
    assert internal_tokens(text) == []


@pytest.mark.slow
def test_the_seed_facts_are_in_the_paper(papers: dict[str, ReadPdf]) -> None:
    paper = papers["2024-02"]
    facts = seed_facts()
    assert len(facts) >= 85
    missing = [f for f in facts if not any(f in e.text for e in paper.elements)]
    assert missing == []


@pytest.mark.slow
def test_the_suppressed_count_is_not_in_the_march_paper(papers: dict[str, ReadPdf]) -> None:
    paper = papers["2024-03"]
    cells = [e.text for e in paper.elements if e.kind == "TD"]
    row = next(i for i, text in enumerate(cells) if text.startswith("Number of EHCPs ceased"))
    assert cells[row + 2] == "fewer than 5"  # the key measures' Figure column
    # 3 of 8: neither the count nor its share is anywhere in the paper
    assert not re.search(r"\b3 \(|38%|37\.5", paper.text + "\n".join(paper.page_text))


# --------------------------------------------------------------------------- the parts


def test_every_text_is_quoted_so_it_cannot_run(tmp_path: Path) -> None:
    hostile = ('#panic("x") ] *bold* $x$ <l> @ref \\ "quoted" // not a comment\n'
               "#set page(width: 1cm)")
    code = lit(hostile)
    assert code.startswith('"') and code.endswith('"')
    assert "\n" not in code and '\\"quoted\\"' in code and "\\\\" in code
    report = dataclasses.replace(seed_report(), overview_narrative=(hostile,),
                                 council='Council "#x" ]', title="A [b] #c report")
    path = tmp_path / "hostile.pdf"
    path.write_bytes(paper_pdf(report))
    paper = read_pdf(path)
    said = [e.text for e in paper.elements if e.kind == "P"]
    assert '#panic("x") ] *bold* $x$ <l> @ref \\ "quoted" // not a comment #set page(width: ' \
           '1cm)' in said
    assert [e.text for e in paper.elements if e.kind == "H1"] == ["A [b] #c report"]
    assert paper.page_height > 800  # A4 still: the narrative set no page


def test_invisible_characters_are_left_out_and_a_missing_glyph_is_named() -> None:
    assert lit("a\x00b\x1bc\x7fd\u2028e") == '"abcd\\ne"'
    fine = dataclasses.replace(seed_report(), overview_narrative=("tab\there\r\nand £ € ½ ✓",))
    assert paper_pdf(fine).startswith(b"%PDF")
    emoji = dataclasses.replace(seed_report(), overview_narrative=("On track 😀",))
    with pytest.raises(HnbxlError, match=r"cannot show '😀' \(U\+1F600\).*without --pdf"):
        paper_pdf(emoji)


def test_the_same_report_gives_the_same_bytes_in_another_process() -> None:
    here = hashlib.sha256(paper_pdf(seed_report())).hexdigest()
    there = subprocess.run(
        [sys.executable, "-c", "import hashlib; from hnbxl.report.paper import paper_pdf; "
         "from tests.report.test_output import seed_report; "
         "print(hashlib.sha256(paper_pdf(seed_report())).hexdigest())"],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert here == there


def test_a_missing_period_is_a_gap_not_zero() -> None:
    assert runs([None, 1.0, 2.0, None, 3.0]) == [[1, 2], [4]]
    assert runs([None, None]) == []
    # Drawn: a segment only between two reported periods, a marker on each figure,
    # and nothing at all (no line to the axis) for the missing one.
    points = tuple(TrajectoryPoint(label, actual, 83_548_046.0, 84_500_000.0)
                   for label, actual in (("Jan-24", 84.0e6), ("Feb-24", None),
                                         ("Mar-24", 84.1e6), ("Apr-24", 84.2e6)))
    code = chart(Trajectory("Cumulative deficit", "DSG rating", points), Words())
    navy = colour(STYLES[0][0])
    assert code.count(f"paint: {navy}") == 1 + 1  # Mar-Apr's segment, and the legend's
    assert code.count(f"fill: {navy}") == 3  # Jan, Mar and Apr


@pytest.mark.parametrize("definition", [None, TESTS / "data" / "northshire.toml"])
def test_every_rating_fill_reads_at_aa_contrast(definition: Path | None) -> None:
    scale = load_programme(definition).scale
    for state in (*scale.states, scale.no_data):
        fill, ink = legible(state.colour, state.font_colour)
        assert contrast(fill, ink) >= AA, state.label


def test_contrast_is_wcag_and_every_fill_gets_legible_text() -> None:
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48
    assert legible("#FFC000", "#FFFFFF") == ("#FFC000", "#000000")  # not white on amber
    assert legible("#C00000", "#FFFFFF") == ("#C00000", "#FFFFFF")  # the definition's choice
    for grey in range(0, 256, 5):  # the hardest fills are the mid greys
        fill, ink = legible(f"#{grey:02X}{grey:02X}{grey:02X}")
        assert contrast(fill, ink) >= AA
