"""Render a filled form and its Check sheet as the README shows them, through LibreOffice.

    PYTHONPATH=. python docs/form_images.py

Takes the Mar-24 finance sample return (``samples/2024-03``), converts it to
PDF with LibreOffice (``soffice --convert-to pdf``, in a profile of its own)
and turns the page that shows the Finance sheet and the first page of the
Check sheet into ``docs/images/form-finance.png`` and
``docs/images/form-check.png`` with poppler's ``pdftoppm``.  Pages are found
by their text (``pdftotext``), so the script follows the form when it grows.
Run it again when the form's look changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "samples" / "2024-03" / "wiltshire-hnb-2024-03-finance.xlsx"
IMAGES = {  # image -> words only its page holds
    "form-finance.png": "Finance Summary - Mar-24 return",
    "form-check.png": "Check before you return",
}
DPI = 80


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")


def main() -> int:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None or shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        print("LibreOffice (soffice) and poppler-utils (pdftoppm, pdftotext) are needed",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run([office, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", tmp, str(FORM)],
                       check=True, capture_output=True, timeout=300)
        pdf = Path(tmp) / (FORM.stem + ".pdf")
        pages = _pages(pdf)
        out = ROOT / "docs" / "images"
        out.mkdir(parents=True, exist_ok=True)
        for image, words in IMAGES.items():
            page = next(i + 1 for i, text in enumerate(pages) if words in text)
            subprocess.run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(DPI),
                            "-png", "-singlefile", str(pdf), str(out / image.removesuffix(".png"))],
                           check=True)
            print(f"wrote {out / image} (page {page} of {pdf.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
