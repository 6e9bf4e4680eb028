"""Render a :class:`~hnbxl.report.model.Report` as the committee's workbook (and PDF).

The committee reads this workbook printed, or as a PDF appendix to its
papers, so it mirrors the Wiltshire highlight report section by section and
in its words, and it is built to the UK government analysis function's
checklist for accessible spreadsheets:

* the sheet's title in A1 of every sheet, meaningful sheet and table names;
* every table a real Excel table with one row of unique headers, no merged
  cells, no blank rows or blank cells inside a table (words instead: the
  no-data label, "No trend", "None");
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

This module is the entry point: it makes the workbook, orders its sheets and
writes the files.  The sheets are written by ``sections.py`` (the seed
report's five sections), ``trends.py`` (the sheets over time) and
``supporting.py`` (Data Quality, Sources, Notes, Officer Checks), all through
``sheet.py``.  The PDF is not printed from this workbook: it is typeset from
the same report model by :mod:`hnbxl.report.paper`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from hnbxl.core.fileio import write_atomically
from hnbxl.report.model import Report
from hnbxl.report.paper import paper_pdf
from hnbxl.report.sections import SECTION_SHEETS, tab_of
from hnbxl.report.sections import conditions as _conditions
from hnbxl.report.sections import finance as _finance
from hnbxl.report.sections import measures as _measures
from hnbxl.report.sections import overview as _overview
from hnbxl.report.sections import risks as _risks
from hnbxl.report.sheet import FONT, FONT_SIZE, OutputError
from hnbxl.report.sheet import Styles as _Styles
from hnbxl.report.sheet import report_date as _date
from hnbxl.report.supporting import DATA_QUALITY, NOTES, OFFICER, SOURCES
from hnbxl.report.supporting import data_quality as _data_quality
from hnbxl.report.supporting import notes as _notes
from hnbxl.report.supporting import officer as _officer
from hnbxl.report.supporting import sources as _sources
from hnbxl.report.trends import FIGURES_OVER_TIME, RATINGS_OVER_TIME
from hnbxl.report.trends import figures_over_time as _figures_over_time
from hnbxl.report.trends import ratings_over_time as _ratings_over_time
from hnbxl.report.trends import trajectory as _trajectory

__all__ = [
    "OutputError",
    "WriteResult",
    "write_report",
]

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


def write_report(report: Report, path: Path, *, pdf: bool = False) -> WriteResult:
    """Write the committee workbook to ``path`` and, when ``pdf``, a PDF beside it.

    Both files are built completely before either replaces anything, so a
    failure at any point leaves earlier outputs untouched.  The PDF goes to
    ``path`` with the suffix ``.pdf``.
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


def render_report(report: Report, *, for_print: bool = False) -> bytes:
    """The workbook as bytes: the same report always gives the same bytes.

    ``for_print`` leaves out the Sources sheet: the committee's PDF carries the
    report, its data-quality notes and the key, while the file-by-file
    provenance (pages of SHA-256s) stays in the workbook for whoever audits it.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    # The Normal style's font sets the unit of column widths; make it the
    # cells' font so widths and the row heights measured from them agree.
    workbook.formats[0].set_font_name(FONT)
    workbook.formats[0].set_font_size(FONT_SIZE)
    workbook.set_properties(_properties(report))
    styles = _Styles(workbook, for_print)
    for build in _BUILDERS:
        if for_print and build in (_sources, _officer):
            continue  # the officer's sheets; LibreOffice prints hidden sheets, so left out
        if build is _trajectory and report.trajectory is None:
            continue  # no cap rule, no trajectory: no page for a feature not used
        build(workbook, styles, report)
    workbook.close()
    return buffer.getvalue()


def report_pdf(report: Report) -> bytes:
    """The committee's PDF of ``report`` as bytes, typeset from the model (no LibreOffice)."""
    return paper_pdf(report)


# --------------------------------------------------------------------------- workbook


def _properties(report: Report) -> dict[str, Any]:
    """Document properties; ``created`` is fixed so the bytes do not depend on the clock."""
    title = f"{report.title} - {report.period_label}"
    return {
        "title": title,
        "subject": f"{report.committee}: {title}",
        "author": report.council,
        "company": report.council,
        "category": "Committee report",
        "keywords": ", ".join([*report.words.keywords, report.programme_id, report.period_key]),
        "comments": (
            f"Extracted for {report.committee} on {_date(report)} from "
            f"{len(report.returns)} returns; programme definition "
            f"{report.definition_hash[:16] or 'not recorded'}. Made by hnbxl."
        ),
        "created": datetime.combine(report.extracted_on, datetime.min.time()),
    }


def sheet_names(report: Report) -> tuple[str, ...]:
    """The workbook's sheets in order: the sections' tabs (from the definition), then ours."""
    trajectory = (report.words.trajectory_tab,) if report.trajectory is not None else ()
    return (*(tab_of(report, key) for key in SECTION_SHEETS), *trajectory, RATINGS_OVER_TIME,
            FIGURES_OVER_TIME, DATA_QUALITY, SOURCES, NOTES, OFFICER)


# One builder per sheet, in the order of sheet_names.
_BUILDERS: tuple[Callable[[Any, _Styles, Report], None], ...] = (
    _overview, _conditions, _measures, _finance, _risks, _trajectory, _ratings_over_time,
    _figures_over_time, _data_quality, _sources, _notes, _officer,
)
