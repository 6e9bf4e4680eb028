"""Converting a workbook to PDF with LibreOffice: the command, its limits, its errors.

LibreOffice runs headless with a private profile in a temporary folder, asked
for a tagged PDF (screen readers need the tags), within a timeout, through
``pdf.run_grouped`` so that it never outlives hnbxl.  A missing or failing
LibreOffice is one clear :class:`~hnbxl.report.sheet.OutputError`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from hnbxl.core.fileio import write_atomically
from hnbxl.report.pdf import run_grouped
from hnbxl.report.sheet import OutputError

PDF_TIMEOUT = 120  # seconds; LibreOffice's first start with a fresh profile is slow


def convert_to_pdf(xlsx: Path, pdf: Path) -> Path:
    """Convert a workbook to PDF with LibreOffice and put it at ``pdf`` atomically.

    LibreOffice runs headless with a private profile in a temporary folder, so
    two conversions at once (or a user's open LibreOffice) do not collide.
    """
    xlsx, pdf = Path(xlsx), Path(pdf)
    if not xlsx.is_file():
        raise OutputError(f"{xlsx}: no such workbook to convert to PDF")
    with tempfile.TemporaryDirectory(prefix="hnbxl-pdf-") as tmp:
        data = convert(xlsx, Path(tmp) / "out")
    write_atomically((pdf, data), error=OutputError)
    return pdf


def soffice() -> str:
    """The LibreOffice program, or an error saying how to do without the PDF."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise OutputError(
        "LibreOffice is not installed (no 'soffice' on the PATH), so no PDF can be made; "
        "install LibreOffice or write the workbook without the PDF option"
    )


def convert(xlsx: Path, outdir: Path) -> bytes:
    """Run LibreOffice on ``xlsx`` and return the PDF's bytes.

    A tagged PDF is asked for, since screen readers need the tags; the export
    filter's options are given as JSON, which LibreOffice 7.4 and later accept.
    """
    program = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = (outdir.parent / "profile").resolve().as_uri()
    target = 'pdf:calc_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'
    command = [
        program,
        f"-env:UserInstallation={profile}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        str(xlsx),
    ]
    try:
        code, said = run_grouped(command, outdir.parent, PDF_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise OutputError(
            f"{xlsx}: LibreOffice did not finish the PDF within {PDF_TIMEOUT} seconds"
        ) from None
    except OSError as exc:
        raise OutputError(f"{xlsx}: could not start LibreOffice ({exc})") from None
    produced = outdir / (xlsx.stem + ".pdf")
    if code != 0 or not produced.is_file():
        detail = (said or "no message").strip().splitlines()
        raise OutputError(
            f"{xlsx}: LibreOffice could not make a PDF (exit {code}): "
            f"{detail[-1] if detail else 'no message'}"
        )
    return produced.read_bytes()
