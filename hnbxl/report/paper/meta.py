"""The paper's document metadata: title, author, subject, keywords, date, language.

PDF/UA asks for a title shown in the reader's window (typst writes
``/DisplayDocTitle``), the natural language (``set text(lang: "en", region:
"GB")`` gives ``/Lang (en-GB)``) and identifies itself in the XMP metadata
(``pdfuaid:part 1``, from ``pdf_standards=["ua-1"]``).  The date is the
report's "extracted on" day, so the same report gives the same file.  No
internal id, file name or hash goes here: the committee's PDF readers show
these fields.
"""

from __future__ import annotations

from hnbxl.report.model import Report
from hnbxl.report.paper.markup import Code, array, call, lit


def document_title(report: Report) -> str:
    return f"{report.title}, {report.period_label}"


def metadata(report: Report) -> Code:
    """``#set document(...)`` for ``report``."""
    day = report.extracted_on
    when = call("datetime", year=Code(str(day.year)), month=Code(str(day.month)),
                day=Code(str(day.day)))
    return Code("#" + call(
        "set document",
        title=lit(document_title(report)),
        author=lit(report.council),
        description=lit(f"{report.committee}: {report.title} for {report.period_label}, "
                        f"extracted on {day.strftime('%d/%m/%Y')}"),
        keywords=array(lit(k) for k in (*report.words.keywords, report.committee,
                                        report.period_label)),
        date=when,
    ) + "\n")
