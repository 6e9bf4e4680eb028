"""XML plumbing shared by the reader's parts: safe expat parsers, refusals, text decoding.

Split out of :mod:`hnbxl.xlsx.reader` so that module stays about reading
workbooks; nothing here knows about cells or sheets beyond decoding their
text.  :func:`plain_text` is the gate of the fast path: it validates a part in
C and says whether its text may be cut up by regex.  Every parser is made by
:func:`new_parser`, which refuses DTDs (and so entities) before they are used.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from typing import NoReturn
from xml.parsers import expat

from hnbxl.xlsx.safety import UnsafeWorkbook, WorkbookZip

RESAVE = "open it in Excel, save it again and resend it"
_RESAVE = RESAVE


# -- XML plumbing -------------------------------------------------------------


class _Refused(Exception):
    """Raised inside expat handlers on any DTD; becomes ``xml-entities``."""


class _BadContent(Exception):
    """Well-formed XML with impossible content; becomes ``corrupt-xml``."""


class _NotPlain(Exception):
    """The fast path met something it does not handle; use the event path."""


def _refuse(*_args: object) -> NoReturn:
    raise _Refused()


def new_parser() -> expat.XMLParserType:
    """An expat parser that refuses DTDs, and so entities, before they are used.

    Excel and LibreOffice never write a DOCTYPE, so any DTD is hostile or
    broken: refusing it at the declaration means no entity is ever defined,
    let alone expanded or fetched.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def run_parse(part: str, parse: Callable[[], object]) -> None:
    """Run ``parse`` and turn parser failures into refusals naming ``part``."""
    try:
        parse()
    except _Refused:
        raise UnsafeWorkbook(
            "xml-entities",
            f"The workbook contains XML declarations Excel never writes (in {part}); "
            f"it was not read, {_RESAVE}.",
            part,
        ) from None
    except (LookupError, ValueError) as exc:  # e.g. an unknown or multi-byte encoding
        raise UnsafeWorkbook(
            "corrupt-xml",
            f"The workbook is damaged ({part} cannot be decoded: {exc}); {_RESAVE}.",
            part,
        ) from None
    except expat.ExpatError as exc:
        where = f"line {exc.lineno}, column {exc.offset}"
        reason = expat.errors.messages.get(exc.code, "bad XML")
        raise UnsafeWorkbook(
            "corrupt-xml",
            f"The workbook is damaged ({part} is not well-formed: {reason} at {where}); {_RESAVE}.",
            part,
        ) from None
    except _BadContent as exc:
        raise content_error(part, exc) from None


def content_error(part: str, exc: _BadContent) -> UnsafeWorkbook:
    return UnsafeWorkbook(
        "corrupt-xml", f"The workbook is damaged ({part}: {exc}); {_RESAVE}.", part
    )


def feed(wz: WorkbookZip, part: str, parser: expat.XMLParserType) -> None:
    """Stream ``part`` through ``parser`` chunk by chunk, to the end."""

    def parse() -> None:
        for chunk in wz.chunks(part):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)

    run_parse(part, parse)


def feed_bytes(part: str, parser: expat.XMLParserType, data: bytes) -> None:
    run_parse(part, lambda: parser.Parse(data, True))


_ROOT = re.compile(r"\s*(?:<\?xml(?:[^?]|\?(?!>))*\?>)?\s*<([^\s/>]+)")


#: Validated text of parts met before, by the SHA-256 digest of their bytes: the
#: returns of one form share many parts byte for byte (a sheet nobody typed in,
#: the workbook part, document properties), and validating them is the reader's
#: biggest cost.  A digest seen once is noted (None); the text is kept the second
#: time, so parts met once (most filled-in sheets) never take memory.  Bounded
#: in keys and characters; emptied when full, as the styles cache is.
_VALIDATED: dict[bytes, str | None] = {}
#: The lengths of the parts met: bytes of a length never met cannot have been seen,
#: so they are not hashed (parts that differ, as filled-in sheets do, cost nothing).
_LENGTHS: set[int] = set()
_VALIDATED_KEYS = 4096
_VALIDATED_CHARS = 8 * 1024 * 1024
_validated_chars = 0


def plain_text(part: str, data: bytes) -> str | None:
    """Validate ``data`` (or find it validated before) and return it as text if the
    fast path may cut it up (see :func:`_plain_text`).

    The same bytes always validate the same way, so bytes met before give the
    text they gave then without another parse; a refusal is never kept (it
    raises again, naming this part).
    """
    global _validated_chars
    if len(data) not in _LENGTHS:  # never met bytes this long: nothing to look up
        if len(_LENGTHS) >= _VALIDATED_KEYS:
            _LENGTHS.clear()
        _LENGTHS.add(len(data))
        return _plain_text(part, data)
    key = hashlib.sha256(data).digest()  # SHA-NI: twice BLAKE2b's speed here
    known = _VALIDATED.get(key, False)
    if isinstance(known, str):
        return known
    text = _plain_text(part, data)
    if text is None:
        return None
    if len(_VALIDATED) >= _VALIDATED_KEYS or _validated_chars + len(text) > _VALIDATED_CHARS:
        _VALIDATED.clear()
        _validated_chars = 0
    if known is None and len(text) <= _VALIDATED_CHARS:  # the second time: keep it
        _VALIDATED[key] = text
        _validated_chars += len(text)
    else:
        _VALIDATED[key] = None
    return text


def _plain_text(part: str, data: bytes) -> str | None:
    """Validate ``data`` in C and return it as text if the fast path may cut it up.

    The handler-less parse is the strictness and safety check (DTDs refused,
    well-formedness enforced).  Its few handlers fire only on the constructs
    the fast path cannot handle (comments, CDATA, processing instructions, a
    non-UTF-8 declaration), so they cost nothing on ordinary files.  Returns
    None when the event path must be used.
    """
    plain = [True]

    def impure(*_args: object) -> None:
        plain[0] = False

    def declaration(_version: str, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            plain[0] = False

    parser = new_parser()
    parser.CommentHandler = impure
    parser.StartCdataSectionHandler = impure
    parser.ProcessingInstructionHandler = impure
    parser.XmlDeclHandler = declaration
    feed_bytes(part, parser, data)
    if not plain[0] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    root = _ROOT.match(text)
    if root is None or ":" in root.group(1):
        return None
    return text


def local_name(name: str) -> str:
    """Strip a namespace prefix (``x:c`` -> ``c``); parsers run without namespaces."""
    return name.rpartition(":")[2]


def truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "on")


_ENTITY = re.compile(r"&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    hex_, dec, name = match.groups()
    if name:
        return _PREDEFINED[name]
    return chr(int(hex_, 16) if hex_ else int(dec))


def xml_text(raw: str) -> str:
    """Character data as expat would report it, from validated raw text.

    Line ends are normalised to LF first (character references such as
    ``&#13;`` are not), then the five predefined entities and character
    references are replaced: no other entity can exist without a DTD.
    """
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        raw = _ENTITY.sub(_entity, raw)
    return raw


def attr_text(raw: str) -> str:
    """An attribute value as expat reports it (whitespace characters become spaces)."""
    raw = raw.replace("\r\n", " ").translate(_ATTR_WS)
    return _ENTITY.sub(_entity, raw) if "&" in raw else raw


_ATTR_WS = str.maketrans("\t\n\r", "   ")
_ATTR = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def parse_attrs(raw: str) -> dict[str, str]:
    """Parse the attributes of a validated start tag."""
    return {name: attr_text(dq or sq) for name, dq, sq in _ATTR.findall(raw)}


_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Undo OOXML ST_Xstring escapes: ``_x000D_`` -> CR, ``_x005F_`` -> ``_``."""
    if "_x" not in text:
        return text
    text = _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        # An escaped surrogate pair is one character; a lone surrogate is kept as it
        # is (not silently made U+FFFD), so the cell's check can warn about it.
        text = _PAIR.sub(lambda m: m.group().encode("utf-16", "surrogatepass")
                         .decode("utf-16"), text)
    return text


_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def parse_number(text: str) -> int | float:
    """An int for an integer literal (``"12"``, ``"-3"``), else a finite float.

    Python's ``float`` also takes ``1_000``, ``nan`` and ``inf``, which no
    spreadsheet stores; they are refused rather than read.
    """
    text = text.strip()
    digits = text[1:] if text[:1] in ("-", "+") else text
    if digits.isdigit() and digits.isascii():
        return int(text)
    try:
        if "_" in text or not text.isascii():
            raise ValueError(text)
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
    except ValueError:
        raise _BadContent(f"a number cell holds {text[:20]!r}") from None
    return number
