"""Render page 1 of the Feb-24 committee paper as the README shows it.

    PYTHONPATH=. python docs/make_images.py

Compiles the bundled Feb-24 sample returns with ``--pdf`` in a temporary
working folder and turns the PDF's first page into
``docs/images/paper-page-1.png`` with poppler's ``pdftoppm``, so a reader of
the README sees what the committee gets.  Run it again when the paper's look
changes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = ROOT / "docs" / "images" / "paper-page-1.png"
DPI = 80


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from hnbxl.api import compile_returns
    from hnbxl.store.workspace import Workspace

    if shutil.which("pdftoppm") is None:
        print("pdftoppm (poppler-utils) is needed to render the page", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        returns = sorted((ROOT / "samples" / "2024-02").glob("*.xlsx"))
        result = compile_returns(ws, returns, extracted_on=date(2024, 3, 4), pdf=True)
        assert result.pdf is not None, [i.to_dict() for i in result.issues]
        IMAGE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", str(DPI), "-png", "-singlefile",
                        str(result.pdf), str(IMAGE.with_suffix(""))], check=True)
    print(f"wrote {IMAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
