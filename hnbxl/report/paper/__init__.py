"""The committee paper: a tagged, accessible PDF typeset from the report model.

:func:`paper_pdf` writes the report as typst markup (:mod:`.document`, with
every text quoted by :mod:`.markup`) and compiles it with the ``typst``
package: no LibreOffice, no system fonts (the bundled Liberation Sans, under
the SIL Open Font Licence, and typst's own fonts only), PDF/UA-1 checked at
every compile.  The same report gives the same bytes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hnbxl.report.model import Report
from hnbxl.report.paper.document import document
from hnbxl.report.sheet import OutputError

FONTS = Path(__file__).resolve().parents[2] / "data" / "fonts"


def paper_pdf(report: Report) -> bytes:
    """The committee's PDF of ``report``, as bytes."""
    import typst  # imported here: a compile without --pdf never loads it

    source = document(report).encode("utf-8")
    # typst's stub ties the source's type to the font paths' (one TypeVar), so
    # bytes of source with str paths cannot be typed; the call is checked here.
    compile_: Any = typst.compile
    try:
        data = compile_(source, font_paths=[str(FONTS)], ignore_system_fonts=True,
                        pdf_standards=["ua-1"])
    except Exception as exc:  # typst's own error types
        raise OutputError(_explained(str(exc))) from exc
    assert isinstance(data, bytes)
    return data


_NO_GLYPH = re.compile(r'the text `"(.+?)"` could not be displayed')


def _explained(message: str) -> str:
    """typst's refusal in the officer's terms: a character the paper's fonts cannot show
    (an emoji, a script other than Latin, Greek or Cyrillic) is named, with what to do."""
    found = _NO_GLYPH.search(message)
    if found:
        text = found.group(1)
        codes = ", ".join(f"U+{ord(c):04X}" for c in text[:3])
        return (f"the PDF cannot show {text!r} ({codes}), which is in the report's text: its "
                "fonts have no such character. Take it out of the return, or compile "
                "without --pdf")
    return f"the PDF could not be typeset: {message}"
