"""Say where two workbooks differ: the zip part, and the first differing cell or element.

Golden-file tests compare hnbxl's outputs byte for byte with committed
samples.  "out of date: <file>" sends a person unzipping two workbooks by
hand; this names the part (``xl/worksheets/sheet3.xml``, sheet ``Finance``)
and the first cell (``E9``) or XML element that differs, with both values,
as XlsxWriter's own comparison tests do.  For trusted files only (the
samples hnbxl wrote): it parses with the standard library, not the strict
reader.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.etree import ElementTree

_SHOWN = 60


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _short(text: str | None) -> str:
    text = "" if text is None else text
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…")


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Part name -> sheet name, from the workbook and its relationships."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    names = {}
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        names[part] = sheet.get("name", "")
    return names


def _element_difference(old: ElementTree.Element, new: ElementTree.Element,
                        path: str, index: int = 0) -> str | None:
    """The first difference between two elements, depth first, or None."""
    here = f"{path}/{_local(new.tag)}" + (f"[{index}]" if index else "")
    if old.tag != new.tag:
        return f"{path}: element <{_local(old.tag)}> committed, <{_local(new.tag)}> built"
    ref = new.get("r") if _local(new.tag) in ("c", "row") else None
    if ref is not None:
        here = f"{'cell' if _local(new.tag) == 'c' else 'row'} {ref}"
    if old.attrib != new.attrib:
        for key in sorted(set(old.attrib) | set(new.attrib)):
            if old.get(key) != new.get(key):
                return (f"{here}: attribute {_local(key)} {_short(old.get(key))} committed, "
                        f"{_short(new.get(key))} built")
    if (old.text or "").strip() != (new.text or "").strip() or old.text != new.text:
        return f"{here}: text {_short(old.text)} committed, {_short(new.text)} built"
    old_children, new_children = list(old), list(new)
    several = len(new_children) > 1
    for i, (a, b) in enumerate(zip(old_children, new_children, strict=False)):
        found = _element_difference(a, b, here, i + 1 if several else 0)
        if found:
            return found
    if len(old_children) != len(new_children):
        extra = (new_children or old_children)[min(len(old_children), len(new_children))]
        which = "built" if len(new_children) > len(old_children) else "committed"
        return (f"{here}: {len(old_children)} child elements committed, {len(new_children)} "
                f"built (first extra, in the {which} file: <{_local(extra.tag)}>)")
    if (old.tail or "") != (new.tail or ""):
        return f"{here}: text after it {_short(old.tail)} committed, {_short(new.tail)} built"
    return None


def _part_difference(name: str, old: bytes, new: bytes) -> str:
    if name.endswith((".xml", ".rels", ".vml")):
        try:
            found = _element_difference(ElementTree.fromstring(old),
                                        ElementTree.fromstring(new), "")
        except ElementTree.ParseError as exc:
            return f"not readable XML ({exc})"
        if found:
            return found
        return "same elements, different bytes (declaration, spacing or attribute order)"
    return f"binary part differs ({len(old):,} bytes committed, {len(new):,} built)"


def _strings(data: bytes) -> list[str]:
    root = ElementTree.fromstring(data)
    return ["".join(t.text or "" for t in si.iter() if _local(t.tag) == "t")
            for si in root if _local(si.tag) == "si"]


def _shared_string_difference(old: bytes, new: bytes, book: zipfile.ZipFile,
                              sheets: dict[str, str]) -> str | None:
    """A changed text named by the first cell that shows it (the sheets are the same)."""
    try:
        a, b = _strings(old), _strings(new)
    except ElementTree.ParseError:
        return None
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
    if index is None:
        return None
    for part, sheet in sheets.items():
        for cell in ElementTree.fromstring(book.read(part)).iter():
            if _local(cell.tag) != "c" or cell.get("t") != "s":
                continue
            value = next((v.text for v in cell if _local(v.tag) == "v"), None)
            if value == str(index):
                return (f"{part} (sheet '{sheet}'): cell {cell.get('r')}: text "
                        f"{_short(a[index])} committed, {_short(b[index])} built")
    return (f"xl/sharedStrings.xml: string {index} {_short(a[index])} committed, "
            f"{_short(b[index])} built")


def _zip(data: bytes) -> zipfile.ZipFile | None:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None


def first_difference(committed: bytes, built: bytes) -> str | None:
    """Where ``built`` first differs from ``committed``, in words; None if identical.

    Worksheets are compared before the other parts, so a changed figure is
    named by its sheet and cell rather than by a shared string.
    """
    if committed == built:
        return None
    old, new = _zip(committed), _zip(built)
    if old is None or new is None:
        return "not a zip workbook: the files differ byte for byte"
    with old, new:
        old_names, new_names = old.namelist(), new.namelist()
        added = [n for n in new_names if n not in old_names]
        removed = [n for n in old_names if n not in new_names]
        if added or removed:
            return (f"parts only in the built file: {', '.join(added) or 'none'}; "
                    f"only in the committed file: {', '.join(removed) or 'none'}")
        sheets = _sheet_names(new)
        ordered = sorted(new_names, key=lambda n: (n not in sheets, new_names.index(n)))
        for name in ordered:
            a, b = old.read(name), new.read(name)
            if a != b:
                if name == "xl/sharedStrings.xml":
                    found = _shared_string_difference(a, b, new, sheets)
                    if found:
                        return found
                where = f"{name} (sheet '{sheets[name]}')" if name in sheets else name
                return f"{where}: {_part_difference(name, a, b)}"
        if old_names != new_names:
            return "the same parts in another order"
        return "the same parts, stored differently (zip dates or compression)"


__all__ = ["first_difference"]
