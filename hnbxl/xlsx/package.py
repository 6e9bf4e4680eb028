"""The workbook-level parts of a package: what the sheets are and what saved the file.

* ``xl/workbook.xml`` (or wherever the root relationship points): the sheets
  in order with their visibility, structure protection, global defined names
  and the 1904 date system flag;
* its relationships: which zip part holds each sheet, the shared strings and
  the styles (targets may be relative or absolute, parts renamed);
* ``docProps/core.xml``, ``docProps/app.xml`` and ``docProps/custom.xml``:
  the last-modified time, the application that saved the file, and hnbxl's
  identity properties.

These parts are small and read once per workbook, by expat events (or one
regex over validated plain text, for the properties), namespace prefixes
allowed everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hnbxl.xlsx.safety import WorkbookZip
from hnbxl.xlsx.xmltext import (
    _BadContent,
    feed,
    local_name,
    new_parser,
    truthy,
)

__all__ = [
    "APP",
    "CORE",
    "CUSTOM",
    "BookPart",
    "SheetEntry",
    "custom_properties",
    "parse",
    "read_book_part",
    "relationships",
    "text_property",
]

CORE = "docProps/core.xml"
CUSTOM = "docProps/custom.xml"
APP = "docProps/app.xml"



@dataclass
class SheetEntry:
    """One ``<sheet>`` of the workbook part: its name, visibility and relationship id."""

    name: str
    state: str
    rid: str


@dataclass
class BookPart:
    """What the workbook part says about the whole book."""

    entries: list[SheetEntry]
    locked: bool  # structure protection (lockStructure)
    names: dict[str, str]  # global defined names: name -> refers-to text
    date1904: bool


def parse(
    wz: WorkbookZip,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    chars: Callable[[str], None] | None = None,
) -> None:
    """The event path for the small parts (workbook, rels, properties)."""
    parser = new_parser()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if chars is not None:
        parser.CharacterDataHandler = chars
    feed(wz, part, parser)


def read_book_part(wz: WorkbookZip) -> BookPart:
    """The sheets, structure lock, global names and date system of the workbook part.

    Elements inside ``<extLst>`` belong to extensions and are not read: Excel
    2013 and later write an ``<x15:workbookPr chartTrackingRefBase="1"/>``
    there, which says nothing about the date system.  (Events, not a regex
    over the text as for sheets: with a hundred defined names, expat's
    callbacks are cheaper than parsing each tag's attributes in Python.)
    """
    book = BookPart([], False, {}, False)
    entries, names = book.entries, book.names
    name_text: list[str] | None = None
    name_key = ""
    in_ext = 0  # depth of <extLst>

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal name_text, name_key, in_ext
        local = local_name(tag)
        if local == "extLst":
            in_ext += 1
        elif in_ext:
            return
        elif local == "sheet":
            rid = attrs.get("r:id")
            if rid is None:
                rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
            sheet_name = attrs.get("name")
            if not sheet_name or not rid:
                raise _BadContent("a sheet has no name or no link to its contents")
            entries.append(SheetEntry(sheet_name, attrs.get("state", "visible"), rid))
        elif local == "workbookProtection":
            book.locked = truthy(attrs.get("lockStructure"))
        elif local == "workbookPr":
            book.date1904 = truthy(attrs.get("date1904"))
        elif local == "definedName" and "localSheetId" not in attrs:
            name_key = attrs.get("name", "")
            name_text = []

    def end(tag: str) -> None:
        nonlocal name_text, in_ext
        if name_text is not None and local_name(tag) == "definedName":
            if name_key:
                names[name_key] = "".join(name_text)
            name_text = None
        elif in_ext and local_name(tag) == "extLst":
            in_ext -= 1

    def chars(text: str) -> None:
        if name_text is not None:
            name_text.append(text)

    parse(wz, wz.workbook_part, start, end, chars)
    return book


def relationships(wz: WorkbookZip) -> tuple[dict[str, str], str | None, str | None]:
    """rId -> zip part for sheets, and the shared strings and styles parts if any."""
    targets: dict[str, str] = {}
    sst: list[str] = []
    styles: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if local_name(tag) != "Relationship" or attrs.get("TargetMode") == "External":
            return
        rid, target = attrs.get("Id"), attrs.get("Target")
        if not rid or not target:
            return
        part = wz.resolve(wz.workbook_part, target)
        targets[rid] = part
        kind = attrs.get("Type", "")
        if kind.endswith("/sharedStrings"):
            sst.append(part)
        elif kind.endswith("/styles"):
            styles.append(part)

    folder, _, name = wz.workbook_part.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if wz.has(rels):
        parse(wz, rels, start)
    if not sst and wz.has("xl/sharedStrings.xml"):
        sst.append("xl/sharedStrings.xml")
    if not styles and wz.has("xl/styles.xml"):
        styles.append("xl/styles.xml")
    return targets, (sst[0] if sst else None), (styles[0] if styles else None)


def custom_properties(wz: WorkbookZip) -> dict[str, str]:
    """docProps/custom.xml: each property's value as text, whatever its type.

    The value is the text of the property's value element (``vt:lpwstr``
    and the like) exactly; whitespace between elements, which indenting
    writers such as .NET's ``XmlDocument.Save`` add, is not part of it.
    """
    props: dict[str, str] = {}
    if not wz.has(CUSTOM):
        return props
    current: str | None = None
    depth = 0
    buf: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal current, depth, buf
        if local_name(tag) == "property":
            current, depth, buf = attrs.get("name"), 0, []
        elif current is not None:
            depth += 1
            buf = []  # text belongs to the innermost value element only

    def end(tag: str) -> None:
        nonlocal current, depth
        if local_name(tag) == "property" and current is not None:
            props[current] = "".join(buf)
            current = None
        elif current is not None:
            depth -= 1

    def chars(text: str) -> None:
        if current is not None and depth:
            buf.append(text)

    parse(wz, CUSTOM, start, end, chars)
    return props


def text_property(wz: WorkbookZip, part: str, name: str) -> str | None:
    """The text of element ``name`` in a properties part (core.xml, app.xml), or None.

    Stripped: these are dates and application names, never text whose
    edge spaces matter, and indenting writers put line breaks around them.
    One event parse: the parts are small, and a fast path would parse twice.
    """
    if not wz.has(part):
        return None
    found: list[str] = []
    buf: list[str] | None = None

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal buf
        if local_name(tag) == name:
            buf = []

    def end(tag: str) -> None:
        nonlocal buf
        if buf is not None and local_name(tag) == name:
            found.append("".join(buf).strip())
            buf = None

    def chars(text: str) -> None:
        if buf is not None:
            buf.append(text)

    parse(wz, part, start, end, chars)
    return found[-1] if found and found[-1] else None
