"""Reading a PDF back as a person and a screen reader would: tags, text, type sizes.

pdfplumber (pdfminer) gives the structure tree, each tagged element's text
(its marked-content ids), every character's size and place, the catalogue's
/Lang and the XMP metadata.  No lxml: openpyxl changes behaviour with it.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdftypes import resolve1


@dataclass
class Element:
    kind: str  # H1, P, TD, Figure...
    text: str
    alt: str | None


@dataclass
class ReadPdf:
    pages: int
    page_height: float
    elements: list[Element]
    sizes: dict[str, list[float]]  # element kind -> its characters' sizes
    all_sizes: list[float]
    fill: list[float]  # how far down each page its lowest text reaches, 0..1
    lang: str
    xmp: str
    page_text: list[str] = field(default_factory=list)

    def kinds(self) -> collections.Counter[str]:
        return collections.Counter(e.kind for e in self.elements)

    @property
    def text(self) -> str:
        return "\n".join(e.text for e in self.elements if e.text)


def _joined(chars: list[dict[str, Any]]) -> str:
    """Characters in content order, a space where a line wraps (not after a hyphen: a
    word broken at its hyphen, "co-design") or a gap opens."""
    out: list[str] = []
    prev: dict[str, Any] | None = None
    for c in chars:
        wrapped = prev is not None and abs(c["top"] - prev["top"]) > 2
        gap = prev is not None and not wrapped and c["x0"] - prev["x1"] > 1.5
        if (out and out[-1] != " " and c["text"] != " "
                and ((wrapped and out[-1] != "-") or gap)):
            out.append(" ")
        out.append(c["text"])
        prev = c
    return "".join(out).strip()


def read_pdf(path: Path) -> ReadPdf:
    with pdfplumber.open(path) as pdf:
        chars: dict[tuple[int, int | None], list[dict[str, Any]]] = collections.defaultdict(list)
        for page in pdf.pages:
            for c in page.chars:
                chars[(page.page_number, c.get("mcid"))].append(c)
        elements: list[Element] = []
        sizes: dict[str, list[float]] = collections.defaultdict(list)

        def walk(items: list[dict[str, Any]]) -> None:
            for item in items:
                mine = [c for m in item.get("mcids") or ()
                        for c in chars[(item["page_number"], m)]]
                elements.append(Element(item["type"], _joined(mine), item.get("alt_text")))
                sizes[item["type"]].extend(round(c["size"], 2) for c in mine)
                walk(item.get("children") or [])

        walk(pdf.structure_tree)
        catalog = pdf.doc.catalog
        lang = resolve1(catalog["Lang"])
        xmp = resolve1(catalog["Metadata"]).get_data().decode("utf-8")
        fill = [max((c["bottom"] for c in p.chars if c["size"] > 9), default=0) / p.height
                for p in pdf.pages]
        return ReadPdf(
            pages=len(pdf.pages), page_height=pdf.pages[0].height, elements=elements,
            sizes=dict(sizes), all_sizes=[round(c["size"], 2) for p in pdf.pages
                                          for c in p.chars],
            fill=fill, lang=lang.decode() if isinstance(lang, bytes) else str(lang), xmp=xmp,
            page_text=[p.extract_text() or "" for p in pdf.pages])
