"""The workbook-level parts of a package: what the sheets are and what saved the file.

* ``xl/workbook.xml`` (or wherever the root relationship points): the sheets
  in order with their visibility, structure protection, global defined names
  and the 1904 date system flag;
* its relationships: which zip part holds each sheet, the shared strings and
  the styles (targets may be relative or absolute, parts renamed);
* ``docProps/core.xml``, ``docProps/app.xml`` and ``docProps/custom.xml``:
  the last-modified time, the application that saved the file, and hnbxl's
  identity properties.

These parts are small and read once per workbook, by expat events,
namespace prefixes allowed everywhere; the two that cost most that way (the
workbook part, with a defined name per form field, and ``app.xml``, with a
title per sheet and name) are validated in C and then cut from their plain
text by ``findall`` when their shape allows, as sheets are
(:func:`hnbxl.xlsx.xmltext.plain_text`), and go to events otherwise.  The
tests read every workbook both ways and require identical results.  What the
custom properties and the relationships gave is kept by the digest of their
bytes, and the workbook part's cut by its text: the returns of one form share
them byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar, cast

from hnbxl.xlsx.safety import WorkbookZip
from hnbxl.xlsx.sharedstrings import TAG_ATTRS
from hnbxl.xlsx.xmltext import (
    _BadContent,
    feed,
    feed_bytes,
    local_name,
    new_parser,
    parse_attrs,
    plain_text,
    truthy,
    xml_text,
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
    data: bytes | None = None,
) -> None:
    """The event path for the small parts (workbook, rels, properties); from ``data``
    when the part was read already, else streamed."""
    parser = new_parser()
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if chars is not None:
        parser.CharacterDataHandler = chars
    if data is not None:
        feed_bytes(part, parser, data)
    else:
        feed(wz, part, parser)


#: What the events gave for a small part met before, by (which, SHA-256 of its
#: bytes): the returns of one form share their custom properties and the workbook's
#: relationships byte for byte.  Only what parsed is kept; emptied when full.
_EVENTS_KEPT: dict[tuple[str, bytes], object] = {}
_EVENTS_KEPT_MAX = 256
T = TypeVar("T")
_SMALL = 64 * 1024


def _small_part(wz: WorkbookZip, part: str) -> bytes | None:
    """The bytes of ``part`` when it is small enough to read whole and keep."""
    info = wz.info(part)
    return wz.read(part) if info is not None and info.file_size <= _SMALL else None


def _kept_events(which: str, data: bytes | None, events: Callable[[], T]) -> T:
    """``events()`` for these bytes, run once per distinct bytes (``data`` None: always)."""
    if data is None:
        return events()
    key = (which, hashlib.sha256(data).digest())
    if key in _EVENTS_KEPT:
        return cast(T, _EVENTS_KEPT[key])  # kept under "which": what events() gave then
    found = events()
    if len(_EVENTS_KEPT) >= _EVENTS_KEPT_MAX:
        _EVENTS_KEPT.clear()
    _EVENTS_KEPT[key] = found
    return found


def read_book_part(wz: WorkbookZip) -> BookPart:
    """The sheets, structure lock, global names and date system of the workbook part.

    Elements inside ``<extLst>`` belong to extensions and are not read: Excel
    2013 and later write an ``<x15:workbookPr chartTrackingRefBase="1"/>``
    there, which says nothing about the date system.  A plain part is cut
    by :func:`_book_fast` (a name's attributes are parsed in Python only when
    they are not the usual ``name="..."``), anything else read by events.
    """
    part = wz.workbook_part
    info = wz.info(part)
    if info is not None and info.file_size <= _FAST_MAX:
        data = wz.read(part)
        text = _plain_text(part, data)
        book = None if text is None else (
            _book_fast_kept(text) if len(text) <= _KEPT_MAX else _book_fast(text))
        if book is not None:  # a copy: the kept one is shared by every return of the form
            return BookPart(list(book.entries), book.locked, dict(book.names), book.date1904)
    return _book_events(wz)


@lru_cache(maxsize=32)
def _book_fast_kept(text: str) -> BookPart | None:
    """:func:`_book_fast`, kept for the workbook parts of the last few forms.  The
    returns of one form share the part byte for byte, and :func:`plain_text` then
    gives the same text object, so the look-up costs no hashing of the text."""
    return _book_fast(text)


#: Parts up to this size (inflated) may take the fast path; they are validated whole.
_FAST_MAX = 4 * 1024 * 1024
#: Workbook parts up to this size are kept (:func:`_book_fast_kept`), 32 at most.
_KEPT_MAX = 256 * 1024
#: Validates a part and gives its text when it may be cut up (patched by tests).
_plain_text = plain_text

# Attribute text is matched quote-aware (TAG_ATTRS): a value may hold ">".
_SHEET = re.compile(r"<sheet(\s" + TAG_ATTRS + r")/?>")
# A defined name as Excel, LibreOffice and XlsxWriter write it (any other
# attribute layout sends the part to events): name, then the optional
# localSheetId and hidden; a value between quotes cannot hide a tag end.
_DEFINED_NAME = re.compile(r'<definedName name="([^"&]*)"( localSheetId="[^"]*")?'
                           r'(?: hidden="[^"]*")?(?:/>|>([^<]*)</definedName>)')
_BOOK_FLAG = re.compile(r"<(workbookPr|workbookProtection)((?:\s" + TAG_ATTRS + r")?)/?>")
#: Any prefixed element the cut must see (``<x:sheet``, ``</x:extLst>``...): events.
_PREFIXED = (":sheet", ":workbookPr", ":definedName", ":extLst")


def _sheet_entry(attrs: dict[str, str]) -> SheetEntry:
    """A ``<sheet>``'s name, visibility and link (``r:id``, or any prefix's ``id``)."""
    rid = attrs.get("r:id")
    if rid is None:
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
    sheet_name = attrs.get("name")
    if not sheet_name or not rid:
        raise _BadContent("a sheet has no name or no link to its contents")
    return SheetEntry(sheet_name, attrs.get("state", "visible"), rid)


def _book_fast(text: str) -> BookPart | None:
    """The workbook part from its validated plain text, or None when events must read it.

    Exact for the shapes taken: every ``<sheet``, ``<definedName`` and flag
    element must be cut whole (the counts are checked), none may carry a
    namespace prefix, and an ``<extLst>`` is left out only when it is one
    simple block (else events, which track its depth).  With a defined name
    per form field this is the workbook's biggest small part: a ``findall``
    into tuples costs a third of expat's three callbacks per name.
    """
    if "<extLst" in text:
        start = text.find("<extLst")
        end = text.find("</extLst>", start)
        if end < 0 or text.count("<extLst") != 1 or text.count("</extLst") != 1:
            return None
        text = text[:start] + text[end + len("</extLst>"):]
    if any(tag in text for tag in _PREFIXED):
        return None
    book = BookPart([], False, {}, False)
    sheets = _SHEET.findall(text)
    if len(sheets) != text.count("<sheet") - text.count("<sheets"):
        return None
    book.entries.extend(_sheet_entry(parse_attrs(raw)) for raw in sheets)
    flags = _BOOK_FLAG.findall(text)
    if len(flags) != text.count("<workbookPr"):  # counts both: workbookPr is a prefix
        return None
    for tag, raw in flags:
        attrs = parse_attrs(raw)
        if tag == "workbookPr":
            book.date1904 = truthy(attrs.get("date1904"))
        else:
            book.locked = truthy(attrs.get("lockStructure"))
    found = _DEFINED_NAME.findall(text)
    if len(found) != text.count("<definedName") - text.count("<definedNames"):
        return None
    names = book.names
    for key, local, value in found:
        if key and not local:
            names[key] = xml_text(value) if "&" in value or "\r" in value else value
    return book


def _book_events(wz: WorkbookZip) -> BookPart:
    """The general path for the workbook part (any XML: prefixes, nested extensions)."""
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
            entries.append(_sheet_entry(attrs))
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
    folder, _, name = wz.workbook_part.rpartition("/")
    rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
    if wz.has(rels):
        data = _small_part(wz, rels)
        kept = _kept_events(f"rels of {wz.workbook_part}", data,
                            lambda: _relationships_events(wz, rels, data))
        targets.update(kept[0])
        sst.extend(kept[1])
        styles.extend(kept[2])
    if not sst and wz.has("xl/sharedStrings.xml"):
        sst.append("xl/sharedStrings.xml")
    if not styles and wz.has("xl/styles.xml"):
        styles.append("xl/styles.xml")
    return targets, (sst[0] if sst else None), (styles[0] if styles else None)


def _relationships_events(wz: WorkbookZip, rels: str, data: bytes | None
                          ) -> tuple[dict[str, str], list[str], list[str]]:
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

    parse(wz, rels, start, data=data)
    return targets, sst, styles


def custom_properties(wz: WorkbookZip) -> dict[str, str]:
    """docProps/custom.xml: each property's value as text, whatever its type.

    The value is the text of the property's value element (``vt:lpwstr``
    and the like) exactly; whitespace between elements, which indenting
    writers such as .NET's ``XmlDocument.Save`` add, is not part of it.
    """
    if not wz.has(CUSTOM):
        return {}
    data = _small_part(wz, CUSTOM)
    return dict(_kept_events("custom", data, lambda: _custom_events(wz, data)))


def _custom_events(wz: WorkbookZip, data: bytes | None) -> dict[str, str]:
    props: dict[str, str] = {}
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

    parse(wz, CUSTOM, start, end, chars, data=data)
    return props


def text_property(wz: WorkbookZip, part: str, name: str) -> str | None:
    """The text of element ``name`` in a properties part (core.xml, app.xml), or None.

    Stripped: these are dates and application names, never text whose
    edge spaces matter, and indenting writers put line breaks around them.
    A plain part (app.xml; core.xml never is, its elements are prefixed) is
    cut by :func:`_texts_fast`; otherwise one event parse.
    """
    if not wz.has(part):
        return None
    found: list[str] | None = None
    if part != CORE:
        info = wz.info(part)
        if info is not None and info.file_size <= _FAST_MAX:
            text = _plain_text(part, wz.read(part))
            if text is not None:
                found = _texts_fast(text, name)
    if found is None:
        found = _texts_events(wz, part, name)
    return found[-1] if found and found[-1] else None


def _texts_events(wz: WorkbookZip, part: str, name: str) -> list[str]:
    """The stripped text of each element called ``name`` (any prefix), by events."""
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
    return found


@lru_cache(maxsize=16)
def _simple_element(name: str) -> re.Pattern[str]:
    tag = re.escape(name)
    return re.compile(f"<{tag}(?:\\s{TAG_ATTRS})?>([^<]*)</{tag}\\s*>")


def _texts_fast(text: str, name: str) -> list[str] | None:
    """The stripped text of each ``<name>`` of a plain part, or None for events.

    Exact only when every mention of ``name`` is the start or end tag of an
    unprefixed element holding text alone (the count is checked).
    """
    found = _simple_element(name).findall(text)
    if text.count(name) != 2 * len(found):
        return None
    return [(xml_text(t) if "&" in t or "\r" in t else t).strip() for t in found]
