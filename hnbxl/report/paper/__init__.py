"""The committee paper: a tagged, accessible PDF typeset from the report model.

:func:`paper_pdf` writes the report as typst markup (:mod:`.document`, with
every text quoted by :mod:`.markup`) and compiles it with the ``typst``
package: no LibreOffice, no system fonts (the bundled Liberation Sans, under
the SIL Open Font Licence, and typst's own fonts only), PDF/UA-1 checked at
every compile.  The same report gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from hnbxl.report.model import Report
from hnbxl.report.paper.document import document
from hnbxl.report.sheet import OutputError

FONTS = Path(__file__).resolve().parents[2] / "data" / "fonts"


def paper_pdf(report: Report) -> bytes:
    """The committee's PDF of ``report``, as bytes."""
    import typst  # imported here: a compile without --pdf never loads it

    source = document(report).encode("utf-8")
    try:
        data = typst.compile(source, font_paths=[str(FONTS)], ignore_system_fonts=True,
                             pdf_standards=["ua-1"])
    except Exception as exc:  # typst's own error types; a bug here, not in the returns
        raise OutputError(f"the PDF could not be typeset: {exc}") from exc
    assert isinstance(data, bytes)
    return data
