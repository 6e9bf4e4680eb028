"""The shared-strings table: the text of the string items a sheet's cells point at.

Only the indexes some kept cell needs are decoded.  Rich text is the
concatenation of its runs; phonetic runs (``rPh``, Japanese reading aids) are
annotations, not content, and are left out.  As for sheets, a validated plain
part is cut up by string operations (:func:`strings_fast`) and anything else
goes through expat events (:func:`strings_events`); both give the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.parsers import expat

from hnbxl.xlsx.xmltext import local_name, new_parser, unescape, xml_text

__all__ = ["TAG_ATTRS", "run_text", "strings_events", "strings_fast"]

#: The attributes of a start tag, up to its ``>`` or ``/>`` (validated text only).
TAG_ATTRS = r"""(?:[^>/"']|"[^"]*"|'[^']*'|/(?!>))*"""
_T_EL = re.compile(r"<t(?=[\s/>])" + TAG_ATTRS + r"(?:/>|>([^<]*)</t>)")
_RPH_EL = re.compile(r"<rPh(?=[\s/>])" + TAG_ATTRS + r"(?:/>|>.*?</rPh>)", re.S)


def run_text(body: str) -> str:
    """The text of a string item: all ``<t>`` runs, phonetic runs left out."""
    if "<rPh" in body:
        body = _RPH_EL.sub("", body)
    return "".join(_T_EL.findall(body))


# One item of the table: the plain shape XlsxWriter, Excel and LibreOffice write for
# most text gives its raw text (group 1); any other item only marks its start (group 2
# is the character after "<si", never empty), to be cut out of the part by its number.
_ITEM = re.compile(r'<si>(?:<t(?: xml:space="preserve")?>([^<]*)</t>)?</si>|<si([\s/>])')


def strings_fast(text: str, needed: set[int]) -> dict[int, str] | None:
    """The ``needed`` items of a validated, plain shared-strings part.

    Every ``<si`` starts an item (the table holds only items and extensions),
    so one ``findall`` lists every item in order, each plain one with its
    text: item *n* is entry *n*.  Rich text and other shapes are cut from
    piece *n + 1* of a split.  None when the part is not of that shape and
    the event path must read it.
    """
    items = _ITEM.findall(text)
    if len(items) != text.count("<si"):
        return None  # an element called <si...> that is not an item
    strings: dict[int, str] = {}
    count = len(items)
    pieces: list[str] | None = None
    for index in needed:
        if index >= count:
            continue
        raw, odd = items[index]
        if not odd:
            if "&" in raw or "\r" in raw or "_x" in raw:
                raw = unescape(xml_text(raw))
            strings[index] = raw
            continue
        if pieces is None:
            pieces = text.split("<si")
        piece = pieces[index + 1]
        gt = piece.find(">")
        if piece[gt - 1 : gt] == "/":
            strings[index] = ""
            continue
        close = piece.rfind("</si>")
        if close < 0:
            return None
        strings[index] = unescape(xml_text(run_text(piece[gt + 1 : close])))
    return strings


def strings_events(
    needed: set[int], feed: Callable[[expat.XMLParserType], None]
) -> dict[int, str]:
    """The ``needed`` items, from expat events; ``feed`` runs the part through a parser."""
    strings: dict[int, str] = {}
    index = -1
    buf: list[str] | None = None
    collecting = False
    in_rph = False

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal index, buf, collecting, in_rph
        if tag == "si":
            index += 1
            buf = [] if index in needed else None
        elif tag == "t":
            collecting = buf is not None and not in_rph
        elif tag == "rPh":
            in_rph = True
        elif ":" in tag:
            start(local_name(tag), attrs)

    def end(tag: str) -> None:
        nonlocal buf, collecting, in_rph
        if tag == "t":
            collecting = False
        elif tag == "si":
            if buf is not None:
                strings[index] = unescape("".join(buf))
            buf = None
        elif tag == "rPh":
            in_rph = False
        elif ":" in tag:
            end(local_name(tag))

    def chars(text: str) -> None:
        if collecting and buf is not None:
            buf.append(text)

    parser = new_parser()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    feed(parser)
    return strings
