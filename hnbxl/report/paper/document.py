"""The committee paper as typst markup, in the seed report's order.

Page 1 carries the title block (report, committee, date, council), the
overview ratings and narrative and the deal conditions; the key measures,
finance and the risk log follow, then what the ratings mean and what the
committee should know about the figures.  An appendix over time (the
deficit trajectory drawn and tabled, every rating by period) follows only
when more than one period has been compiled.  Sections flow on from one
another, a heading kept with what follows it, so no page is left mostly
empty.  Only committee material is here: no file, cell, hash or code.
"""

from __future__ import annotations

import hnbxl.report.paper.tables as tables
from hnbxl.report.model import Report, rag_key
from hnbxl.report.paper.chart import chart
from hnbxl.report.paper.markup import Code, call, lit
from hnbxl.report.paper.meta import metadata
from hnbxl.report.paper.page import preamble
from hnbxl.report.sections import section_title

PRINT_PERIODS = 12  # ratings over time: the latest periods the paper shows
PORTRAIT_PERIODS = 4  # more periods than this and ratings over time go on landscape pages

def heading(level: int, words: str) -> Code:
    return Code("#" + call("heading", lit(words), level=Code(str(level))) + "\n")


def paragraph(words: str) -> Code:
    return Code("#" + call("par", lit(words)) + "\n")


def lead_in(words: str) -> Code:
    """A sentence that introduces what follows: kept on the same page as it (sticky)."""
    return Code("#" + call("block", call("par", lit(words)), sticky=Code("true")) + "\n")


def paragraphs(texts: tuple[str, ...] | list[str]) -> Code:
    return Code("".join(paragraph(t) for t in texts if t.strip()))


def title_block(report: Report) -> Code:
    day = report.extracted_on.strftime("%d/%m/%Y")
    lines = [f"Extracted for: {report.committee}", f"Extracted on: {day}"]
    # in the first period the Last Period column is empty (as in the seed): say why,
    # as the workbook's Overview does
    lines.append(f"Period: {report.period_label} (last period: "
                 f"{report.last_period_label or 'none, the first period reported'})")
    return Code(heading(1, report.title)
                + "".join(paragraph(words) for words in lines)
                + "#" + call("par", Code(f"strong({lit(report.council)})")) + "\n")


def about(report: Report) -> Code:
    """What the ratings mean, whom to ask, and what the committee should know about the
    figures: the model's committee words (the RAG key, the data-quality note, the notes),
    never the officer's issues."""
    key = report.rag_key or rag_key(report.scale)
    parts = [heading(2, "About this report"), heading(3, "What the ratings mean"),
             tables.rag_key(key),
             paragraph("Every rating is given in words as well as colour. Under this period's "
                       "rating, the trend compares it with last period's.")]
    if report.contact.strip():
        parts.append(paragraph(f"Questions about this report: {report.contact.strip()}."))
    said = [n for n in (*report.quality_notes, *report.notes) if n.strip()]
    if said:
        parts += [heading(3, "About the figures this period"),
                  Code("#" + call("list", *(lit(s) for s in said)) + "\n")]
    return Code("".join(parts))


def appendix(report: Report) -> Code:
    """The programme over time: only with more than one period."""
    if len(report.periods) < 2:
        return Code("")
    parts = [heading(2, "Appendix: the programme over time")]
    t = report.trajectory
    if t is not None and len(t.points) >= 2:
        parts += [heading(3, report.words.trajectory_title), chart(t, report.words),
                  tables.trajectory(t, report.words)]
        if any(p.actual is None for p in t.points):
            parts.append(paragraph("No figure means none was reported for that period; "
                                   "the chart leaves a gap there."))
    if report.ratings_over_time:
        first = max(0, len(report.periods) - PRINT_PERIODS)
        shown = ("every compiled period" if first == 0
                 else f"the latest {len(report.periods) - first} periods")
        over_time = Code(heading(3, "Ratings over time")
                         + lead_in(f"Every rated item's rating over {shown}, in words and "
                                   "colour.")
                         + tables.ratings_over_time(report, report.ratings_over_time, first))
        if len(report.periods) - first > PORTRAIT_PERIODS:  # too wide for a portrait page
            over_time = Code(f"#page(flipped: true)[\n{over_time}]\n")
        parts.append(over_time)
    return Code("".join(parts))


def document(report: Report) -> str:
    """The whole paper as typst source."""
    day = report.extracted_on.strftime("%d/%m/%Y")
    words = report.words  # the programme's own words for its tables (``[words]``)
    parts = [
        metadata(report),
        preamble(f"{report.title}, {report.period_label}", f"Extracted on {day}",
                 report.council),
        title_block(report),
        heading(2, section_title(report, "overview")),
        tables.rated(report, "Rating", report.overview),
        paragraphs(report.overview_narrative),
        heading(2, section_title(report, "conditions")),
        tables.rated(report, words.condition, report.conditions),
        heading(2, section_title(report, "measures")),
        tables.measures(report),
        heading(2, section_title(report, "finance")),
        paragraphs(report.finance_narrative),
        heading(3, words.kpis) if words.kpis else Code(""),
        tables.finance(report, words.kpi, report.kpis),
        heading(3, words.mitigations) if words.mitigations else Code(""),
        tables.finance(report, words.mitigation, report.mitigations),
        heading(2, section_title(report, "risks")),
        tables.risks(report),
        about(report),
        appendix(report),
    ]
    return "".join(parts)
