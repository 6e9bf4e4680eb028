"""Cell styles, read only for their number formats: which number a person saw as a date.

A cell's ``s=""`` attribute indexes the ``<xf>`` list of ``<cellXfs>`` in the
styles part; each ``<xf>`` names a number format, built in or the workbook's
own ``<numFmt>``.  Only that chain is read: fonts, fills and borders never.
"""

from __future__ import annotations

import contextlib
import hashlib

from hnbxl.xlsx.numformats import format_code
from hnbxl.xlsx.safety import WorkbookZip
from hnbxl.xlsx.xmltext import feed_bytes, local_name, new_parser

__all__ = ["cell_formats"]

#: Format code per cell style, by digest of the styles part.
_FORMATS_CACHE: dict[bytes, dict[str, str]] = {}


def cell_formats(wz: WorkbookZip, part: str | None) -> dict[str, str]:
    """The number format code of each cell style that has one, by ``s=""`` text.

    Keyed by the attribute text as written (``"5"``), so a cell's style is
    one dict lookup, no int conversion; styles showing General are left out.
    (An index spelt oddly, ``"05"``, is looked up by number by the caller.)
    Returns of one form share their styles part byte for byte, so the result
    is kept by content digest across workbooks: a batch parses it once.
    """
    if part is None or not wz.has(part):
        return {}
    data = wz.read(part)
    key = hashlib.blake2b(data, digest_size=16).digest()
    cached = _FORMATS_CACHE.get(key)
    if cached is not None:
        return cached
    custom: dict[int, str] = {}
    ids: list[int] = []
    depth = [0]  # > 0 inside <cellXfs>

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = local_name(tag)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth[0] += 1
        elif local == "xf" and depth[0]:
            try:
                ids.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                ids.append(0)

    def end(tag: str) -> None:
        if local_name(tag) == "cellXfs":
            depth[0] -= 1

    parser = new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    feed_bytes(part, parser, data)
    formats = {str(index): code for index, num_fmt in enumerate(ids)
               if (code := format_code(num_fmt, custom)) != "General"}
    if len(_FORMATS_CACHE) >= 64:
        _FORMATS_CACHE.clear()
    _FORMATS_CACHE[key] = formats
    return formats
