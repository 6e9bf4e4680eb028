"""Render a :class:`~hnbxl.report.model.Report` as the committee's and the officer's workbooks.

Two audiences, two files.  The committee workbook goes into the papers: built
to the Analysis Function's (GSS) standard for spreadsheets, it has a cover
sheet first (title, period, council, contact, what each sheet holds with a
link to it, the [x] and [c] markers), one table per sheet with one header row,
figures stored as numbers with number formats, no filters and no merged cells,
sheet names that say what they hold, and language en-GB.  It reads only the
model's committee-safe fields: no file names, cell references, hashes, codes,
commands or keys, and no figure suppressed as a small number.  The officer
workbook (``…-officer.xlsx``, :mod:`hnbxl.report.officer`) holds everything
needed to trust and trace the figures, suppressed ones included.

* a RAG is always its words *and* its colour, so it reads in black and white;
* A4 landscape, one page wide, header rows repeated, footers that say which
  report, which page and when it was extracted.

Text that came from a return is written with ``write_string`` and nothing
else, so a narrative that says ``=HYPERLINK(...)`` or ``http://...`` stays
text (a formula typed by a submitter must never run on a committee member's
machine); the workbook options that would convert strings are off as well.
Every XlsxWriter return code is checked: a string Excel would truncate is an
error, not a silently shortened report.

The output is deterministic (same report, same bytes: the document dates come
from the extraction date) and written atomically: a failed write leaves any
earlier output exactly as it was.

This module is the entry point: it makes the workbooks, orders their sheets
and writes the files.  The sheets are written by ``cover.py``, ``sections.py``
(the seed report's sections), ``trends.py`` (the sheets over time),
``supporting.py`` (Data Quality, RAG Key, Notes) and ``officer.py``, all
through ``sheet.py``.  The PDF is not printed from this workbook: it is
typeset from the same report model by :mod:`hnbxl.report.paper`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook

from hnbxl.core.fileio import write_atomically
from hnbxl.programme.definition import in_sentence
from hnbxl.report import officer as _officer_sheets
from hnbxl.report.cover import COVER
from hnbxl.report.cover import cover as _cover
from hnbxl.report.model import Report
from hnbxl.report.paper import paper_pdf
from hnbxl.report.sections import conditions as _conditions
from hnbxl.report.sections import finance as _finance
from hnbxl.report.sections import measures as _measures
from hnbxl.report.sections import mitigations as _mitigations
from hnbxl.report.sections import mitigations_tab, section_title, tab_of
from hnbxl.report.sections import overview as _overview
from hnbxl.report.sections import risks as _risks
from hnbxl.report.sheet import FONT, FONT_SIZE, OutputError
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import report_date as _date
from hnbxl.report.supporting import DATA_QUALITY, MARKERS, NOTES, RAG_KEY
from hnbxl.report.supporting import data_quality as _data_quality
from hnbxl.report.supporting import notes as _notes
from hnbxl.report.supporting import rag_key as _rag_key
from hnbxl.report.trends import FIGURES_OVER_TIME, RATINGS_OVER_TIME
from hnbxl.report.trends import figures_over_time as _figures_over_time
from hnbxl.report.trends import ratings_over_time as _ratings_over_time
from hnbxl.report.trends import trajectory as _trajectory
from hnbxl.store.keeping import officer_path

__all__ = [
    "OFFICER_SHEETS",
    "OutputError",
    "WriteResult",
    "officer_path",
    "render_officer",
    "render_report",
    "write_report",
]

# The committee workbook's sheets are :func:`sheet_names` (the definition names the
# sections'); the officer's are always these.
OFFICER_SHEETS = (COVER, _officer_sheets.CHECKS, _officer_sheets.RATINGS,
                  _officer_sheets.RETURNS, _officer_sheets.SOURCES, _officer_sheets.COMPILE)
LANGUAGE = "en-GB"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,
}


@dataclass(frozen=True)
class WriteResult:
    """What :func:`write_report` wrote, for the command line to print."""

    path: Path
    pdf_path: Path | None
    sheets: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- public API


def write_report(report: Report, path: Path, *, pdf: bool = False,
                 officer: bool = False) -> WriteResult:
    """Write the committee workbook to ``path`` and, when ``pdf``, a PDF beside it
    (``officer``: the officer workbook too, see :func:`officer_path`).

    All files are built completely before any replaces anything, so a failure at
    any point leaves earlier outputs untouched.  The PDF goes to ``path`` with the suffix ``.pdf``.
    """
    path = Path(path)
    data = render_report(report)
    pdf_path: Path | None = None
    outputs = [(path, data)]
    if pdf:
        pdf_path = path.with_suffix(".pdf")
        if pdf_path == path:
            raise OutputError(f"{path}: the workbook needs a name that does not end in .pdf")
        outputs.append((pdf_path, report_pdf(report)))
    if officer:
        outputs.append((officer_path(path), render_officer(report)))
    write_atomically(*outputs, error=OutputError)
    return WriteResult(
        path=path,
        pdf_path=pdf_path,
        sheets=sheet_names(report),
        counts={
            "measures": len(report.measures),
            "risks": len(report.risks),
            "issues": len(report.issues),
            "sources": len(report.sources),
        },
    )


def render_report(report: Report) -> bytes:
    """The committee workbook as bytes: the same report always gives the same bytes.

    Only committee-safe fields of the report are read (see :mod:`hnbxl.report.model`):
    no file names, cell references, hashes, codes or keys, and no suppressed
    figure.
    """
    builders = _committee_builders(report)
    return _render(report, builders, _properties(report))


def render_officer(report: Report) -> bytes:
    """The officer workbook as bytes: every check by file and cell, every rating's reason
    and override, every figure as read (suppressed ones too), sources and SHA-256s."""
    builders: list[Callable[[Any, _Styles, Report], None]] = [
        _officer_cover, _officer_sheets.checks, _officer_sheets.ratings,
        _officer_sheets.returns, _officer_sheets.sources, _officer_sheets.compile_info]
    properties = {**_properties(report), "title": f"{report.title} - {report.period_label} - "
                  "officer workbook", "category": "Officer workbook (not for the papers)",
                  "keywords": ", ".join([report.programme_id, report.period_key,
                                         "officer"]),
                  "comments": (f"Programme definition {report.definition_hash or 'not recorded'}"
                               ". Made by hnbxl.")}
    return _render(report, builders, properties)


def _render(report: Report, builders: Sequence[Callable[[Any, _Styles, Report], None]],
            properties: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    # The Normal style's font sets the unit of column widths; make it the
    # cells' font so widths and the row heights measured from them agree.
    workbook.formats[0].set_font_name(FONT)
    workbook.formats[0].set_font_size(FONT_SIZE)
    workbook.set_properties(properties)
    styles = _Styles(workbook)
    for build in builders:
        build(workbook, styles, report)
    workbook.close()
    return with_language(buffer.getvalue(), LANGUAGE)


def with_language(data: bytes, language: str) -> bytes:
    """The package with ``dc:language`` in its core properties (XlsxWriter writes none),
    and each chart saying outright that it leaves a gap for an empty cell.

    XlsxWriter leaves ``<c:dispBlanksAs val="gap"/>`` out as its default; the schema's
    default for the attribute is "zero", so it is written explicitly (where the
    schema puts it, after ``plotVisOnly``) and no reader has to guess.  Every entry
    is copied with its own zip header (name, date, compression), so the bytes stay
    deterministic.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                end = "</cp:coreProperties>"
                if end not in text or "<dc:language>" in text:
                    raise OutputError("docProps/core.xml: unexpected content; cannot set the "
                                      "workbook's language")
                content = text.replace(end, f"<dc:language>{language}</dc:language>{end}"
                                       ).encode("utf-8")
            elif info.filename.startswith("xl/charts/chart") and b"<c:dispBlanksAs" not in content:
                content = _GAP_AFTER.sub(rb'\g<0><c:dispBlanksAs val="gap"/>', content, count=1)
            target.writestr(info, content, compress_type=info.compress_type)
    return out.getvalue()


def report_pdf(report: Report) -> bytes:
    """The committee's PDF of ``report`` as bytes, typeset from the model (no LibreOffice)."""
    return paper_pdf(report)


# --------------------------------------------------------------------------- workbook


_GAP_AFTER = re.compile(rb"<c:plotVisOnly[^>]*/>")


def _properties(report: Report) -> dict[str, Any]:
    """Document properties; ``created`` is fixed so the bytes do not depend on the clock.
    Committee words only: no programme key, no definition hash."""
    title = f"{report.title} - {report.period_label}"
    return {
        "title": title,
        "subject": f"{report.committee}: {title}",
        "author": report.council,
        "company": report.council,
        "category": "Committee report",
        "keywords": ", ".join([*report.words.keywords, report.period_label]),
        "comments": f"Extracted for {report.committee} on {_date(report)}.",
        "created": datetime.combine(report.extracted_on, datetime.min.time()),
    }


def _committee_builders(report: Report) -> list[Callable[[Any, _Styles, Report], None]]:
    """The committee's sheets for this report: nothing for a feature it does not use."""
    builders: list[Callable[[Any, _Styles, Report], None]] = [
        _committee_cover, _overview, _conditions, _measures, _finance]
    if report.mitigations:
        builders.append(_mitigations)
    builders.append(_risks)
    if report.trajectory is not None:  # only with a cap rule
        builders.append(_trajectory)
    builders += [_ratings_over_time, _figures_over_time]
    return [*builders, _data_quality, _rag_key, _notes]


def sheet_names(report: Report) -> tuple[str, ...]:
    """The committee workbook's sheets in order (section tabs from the definition)."""
    tabs: dict[Callable[[Any, _Styles, Report], None], str] = {
        _overview: tab_of(report, "overview"), _conditions: tab_of(report, "conditions"),
        _measures: tab_of(report, "measures"), _finance: tab_of(report, "finance"),
        _risks: tab_of(report, "risks"), _mitigations: mitigations_tab(report),
        _trajectory: report.words.trajectory_tab}
    return tuple(tabs.get(b) or _NAMES[b] for b in _committee_builders(report))


def _contents(report: Report) -> list[tuple[str, str]]:
    """Each committee sheet after the cover and what it holds, in words."""
    words: dict[Callable[[Any, _Styles, Report], None], str] = {
        _overview: "The overall ratings and the programme narrative: "
                   + section_title(report, "overview") + ".",
        _conditions: f"The {report.words.condition.lower()} ratings, last period beside this "
                     "one.",
        _measures: "Each key measure's figure, when it was last updated, and its ratings.",
        _finance: "The finance narrative and the "
                  f"{in_sentence(report.words.kpis or report.words.kpi)} against budget.",
        _mitigations: f"The {in_sentence(report.words.mitigations)} against budget.",
        _risks: "The programme risk log: each risk's score, band, action and target.",
        _trajectory: f"A chart of the {report.words.trajectory_subject} against "
                     f"{report.words.the_cap} and the budgeted path, with its figures in a "
                     "table.",
        _ratings_over_time: "Every rating in every period reported, in words and colour.",
        _figures_over_time: "Every figure in every period reported.",
        _data_quality: "Figures to read with care: late, missing or withheld, and returns "
                       "that had not arrived.",
        _rag_key: "What each rating means.",
        _notes: "How to read this report.",
    }
    names = sheet_names(report)
    return [(name, words[b]) for name, b in zip(names, _committee_builders(report),
                                                 strict=True) if b is not _committee_cover]


def _committee_cover(workbook: Workbook, styles: _Styles, report: Report) -> None:
    _cover(workbook, styles, report, title=report.title,
           audience=f"This workbook holds the report for {report.committee}, one table per "
           "sheet. Ratings are written in words as well as colour.",
           contents=_contents(report), markers=MARKERS)


def _officer_cover(workbook: Workbook, styles: _Styles, report: Report) -> None:
    o = _officer_sheets
    _cover(workbook, styles, report, title=f"{report.title} - Officer Workbook",
           audience="For the programme officer; not part of the committee's papers. It holds "
           "what is needed to trust and trace each figure, suppressed small numbers included: "
           "keep it out of published papers.",
           contents=[
               (o.CHECKS, "Every issue found in the returns, by file and cell, with what was "
                          "found and whether the committee is told of it."),
               (o.RATINGS, "Every rating with the rule's reason or the owner's override, and "
                           "every figure as read beside what the papers show."),
               (o.RETURNS, "The returns used, their owners, SHA-256 and any copies set aside."),
               (o.SOURCES, "Where every value came from: file, SHA-256, sheet and cell."),
               (o.COMPILE, "The programme definition version and how the report was compiled."),
           ])


_NAMES: dict[Callable[[Any, _Styles, Report], None], str] = {
    _committee_cover: COVER, _ratings_over_time: RATINGS_OVER_TIME,
    _figures_over_time: FIGURES_OVER_TIME,
    _data_quality: DATA_QUALITY, _rag_key: RAG_KEY, _notes: NOTES,
}
