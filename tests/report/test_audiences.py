"""Two audiences (issue 17): the committee workbook holds nothing internal.

No file name, cell reference, SHA-256 or definition hash, issue code, command,
programme key or officer wording appears in any text a member can see: cells,
document properties, chart titles and alt text.  The officer workbook beside
it holds them.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from hnbxl.core.codes import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "samples" / "expected"
WORDS = ("wiltshire-hnb", ".xlsx", "hnbxl", "--", "Expected:", "Not stated",
         "Rated by the owner", "No detail given", "Overridden by owner", "Rating 2 of 3",
         "best first", "definition diff", "SHA-256", "#N/A", "=NA()")
PATTERNS = (r"\b[0-9a-f]{16,}\b",  # a hash or a long part of one
            r"[A-Za-z]+!\$?[A-Z]{1,3}\$?[0-9]+")  # a cell reference: Key Measures!F12


def visible_text(path: Path) -> list[str]:
    """Every text a reader of the workbook can see, by cell, property, chart and drawing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path)
    texts = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    texts += list(book.sheetnames)
    with zipfile.ZipFile(path) as package:
        for part in package.namelist():
            xml = package.read(part).decode("utf-8", "replace")
            if part.startswith("docProps/"):
                texts += re.findall(r">([^<>]+)<", xml)
            if part.startswith(("xl/charts/", "xl/drawings/drawing")):
                texts += re.findall(r"<a:t>([^<]*)</a:t>", xml)
                texts += re.findall(r'descr="([^"]*)"', xml)
    return texts


def internal_tokens(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        found += [f"{w!r} in {text[:80]!r}" for w in WORDS if w in text]
        found += [f"{p!r} in {text[:80]!r}" for p in PATTERNS if re.search(p, text)]
        found += [f"code {c} in {text[:80]!r}" for c in CATALOGUE if "-" in c and c in text]
    return found


@pytest.mark.parametrize("month", ["2024-02", "2024-03"])
def test_no_internal_token_in_the_committee_workbook(month: str) -> None:
    committee = EXPECTED / f"wiltshire-hnb-{month}.xlsx"
    assert internal_tokens(visible_text(committee)) == []
    officer = "\n".join(visible_text(EXPECTED / f"wiltshire-hnb-{month}-officer.xlsx"))
    assert "wiltshire-hnb" in officer and "SHA-256" in officer  # the officer's are there
    assert re.search(r"\b[0-9a-f]{64}\b", officer)
