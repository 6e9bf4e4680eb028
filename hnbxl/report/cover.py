"""The cover sheet of each workbook: what it is, for whom, and what each sheet holds.

The Analysis Function's spreadsheet standard puts a cover sheet first: the
title, the period, who published it and whom to ask, what each sheet holds
with a link to it, and what the short markers in the tables mean.  The
committee's and the officer's workbooks each get one, from the same writer.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlsxwriter.workbook import Workbook

from hnbxl.report.model import Report
from hnbxl.report.sheet import Cell, Column, Sheet, Styles, report_date, text_cell, widths_of

COVER = "Cover"

CONTENTS_COLUMNS: tuple[Column[tuple[str, str]], ...] = (
    Column("Sheet", 26, lambda row: Cell(row[0], "link")),
    Column("What it holds", 100, lambda row: text_cell(row[1])),
)


def cover(workbook: Workbook, styles: Styles, report: Report, *, title: str, audience: str,
          contents: Sequence[tuple[str, str]], markers: Sequence[tuple[str, str]] = ()
          ) -> None:
    """Title block, contact, markers, then the contents table with a link to each sheet."""
    sheet = Sheet(workbook, styles, report, COVER, widths_of(CONTENTS_COLUMNS))
    sheet.line(title, styles.title)
    sheet.line(f"Extracted for: {report.committee}", styles.info)
    sheet.line(f"Extracted on: {report_date(report)}", styles.info)
    sheet.line(report.council, styles.info)
    sheet.line(f"Period: {report.period_label}", styles.info)
    if report.contact:
        sheet.line(f"Contact: {report.contact}", styles.info)
    sheet.line(audience, styles.info)  # one line, running across the empty columns
    for mark, words in markers:
        sheet.line(f"{mark} {words}", styles.info)
    sheet.gap()
    sheet.records("Contents", CONTENTS_COLUMNS, contents,
                  title="Contents: each sheet of this workbook and what it holds",
                  empty="No sheets", main=True)
    sheet.finish()
