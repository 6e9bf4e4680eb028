"""A small, strict, streaming reader for the returns councils send back.

Why not openpyxl: it parses styles and builds an object for every cell, far
too slow for validating a hundred returns, and in read-only mode it trusts the
``<dimension>`` a sheet declares (``A1:XFD1048576`` makes it walk a billion
empty cells).  This reader keeps only the cells asked for, never touches
styles and never looks at ``<dimension>``.

Why it is safe: every part comes through :class:`hnbxl.xlsx.safety.WorkbookZip`,
which inflates in metered chunks, and every part is parsed to the end by an
expat parser that refuses a DTD outright, so entity expansion (billion laughs)
and external entities cannot happen.  Malformed XML is refused as
``corrupt-xml`` naming the part.

How it is fast: calling Python for every XML element costs more than the
parse itself, so a sheet or shared-strings part is first parsed by expat with
no element handlers at all (pure C: this is the well-formedness and safety
check), and the cells are then cut out of the *validated* text by one regex
pass.  That is exact for what Excel, LibreOffice, XlsxWriter and openpyxl
write; any part with comments, CDATA, processing instructions, a non-UTF-8
encoding, a namespace prefix on its root, a cell without an address or with
unusual attribute layout, or larger than :data:`FAST_PATH_MAX` bytes is read
by the general event-driven path instead, which handles all of XML (and
streams, for big parts).  The tests read every workbook both ways and require
identical results.

Values are returned as stored, without number formats: dates arrive as serial
numbers and the caller, which knows what each cell should hold, interprets
them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from hnbxl.core.cells import col_letters, col_number
from hnbxl.core.fileio import sha256_hex
from hnbxl.xlsx.formulas import SheetFormulas
from hnbxl.xlsx.numformats import format_code
from hnbxl.xlsx.safety import (
    DEFAULT_LIMITS,
    CheckedWorkbook,
    Limits,
    UnsafeWorkbook,
    WorkbookZip,
    open_workbook_zip,
    read_file,
)
from hnbxl.xlsx.xmltext import (
    _BadContent,
    _NotPlain,
    content_error,
    feed,
    feed_bytes,
    local_name,
    new_parser,
    parse_attrs,
    parse_number,
    truthy,
    unescape,
    xml_text,
)

__all__ = [
    "FAST_PATH_MAX",
    "Cell",
    "SheetInfo",
    "Workbook",
    "WorkbookData",
    "col_letters",
    "col_number",
    "normalise_ref",
    "read_workbook",
]

#: Parts up to this many bytes (inflated) are validated whole then cut up;
#: larger ones stream through the event path so memory stays bounded.
FAST_PATH_MAX = 8 * 1024 * 1024

#: Validated text kept between passes of one :class:`Workbook`, at most.
_TEXT_CACHE_MAX = 16 * 1024 * 1024

#: Element name -> pattern for its text in a plain properties part (see _property).
_PROPERTY: dict[str, re.Pattern[str]] = {}

#: Number format code per cell style, by digest of the styles part (see _cell_formats).
_FORMATS_CACHE: dict[bytes, list[str]] = {}

_CORE = "docProps/core.xml"
_CUSTOM = "docProps/custom.xml"
_APP = "docProps/app.xml"
_RESAVE = "open it in Excel, save it again and resend it"


@dataclass(frozen=True)
class Cell:
    """One stored cell.

    ``type`` is ``"s"`` (shared, inline or formula string), ``"n"``, ``"b"``,
    ``"e"`` (error, ``value`` is the text such as ``"#DIV/0!"``), ``"d"`` (ISO
    date text) or ``""`` when there is no value.  ``formula`` is the formula
    text without ``=`` (for a shared-formula follower, the master's formula
    moved to this cell, as Excel shows it) or None.
    ``has_cached`` is False when the cell stores no value, which for a
    formula means nothing ever calculated it (e.g. a file saved by openpyxl).
    """

    value: object
    type: str
    formula: str | None = None
    has_cached: bool = True


_new = object.__new__


def _cell(value: object, type_: str, formula: str | None, has_cached: bool) -> Cell:
    """Build a :class:`Cell` without the frozen-dataclass ``__init__``.

    A frozen dataclass assigns each field through ``object.__setattr__``,
    which triples the cost of the hundreds of cells read per return; filling
    the instance dict directly gives an identical, equal object.
    """
    cell = _new(Cell)
    d = cell.__dict__
    d["value"] = value
    d["type"] = type_
    d["formula"] = formula
    d["has_cached"] = has_cached
    return cell


#: Stands in for a shared-string cell until the string table has been read.
_PENDING = _cell(None, "s", None, True)


@dataclass
class SheetInfo:
    """One sheet: its name, visibility and protection, and the cells asked for."""

    name: str
    state: str  # "visible" | "hidden" | "veryHidden"
    protected: bool
    cells: dict[str, Cell]  # only the addresses asked for that exist in the file
    path: str  # zip member
    # number format code of each kept number cell whose style gives one (not General)
    formats: dict[str, str] = field(default_factory=dict)


@dataclass
class WorkbookData:
    """Everything one pass read: all sheets (in workbook order) and the book's metadata.

    ``cells_seen`` counts every cell in every sheet, kept or not (it is what
    the cell limit is applied to).
    """

    sheets: list[SheetInfo]  # workbook order, all sheets
    structure_locked: bool
    defined_names: dict[str, str]  # global names only: name -> refers-to text
    custom_properties: dict[str, str]
    modified: str | None
    is_macro: bool
    cells_seen: int
    sha256: str = ""  # of the file bytes read, for provenance
    size: int = 0
    date1904: bool = False  # serials count days from 1 January 1904 (old Mac default)
    application: str | None = None  # docProps/app.xml <Application>: what saved the file

    def sheet(self, name: str) -> SheetInfo | None:
        """The sheet called ``name`` (Excel compares names case-insensitively)."""
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        folded = name.casefold()
        for sheet in self.sheets:
            if sheet.name.casefold() == folded:
                return sheet
        return None


def read_workbook(
    data: bytes | Path | str | CheckedWorkbook,
    wanted: Mapping[str, Iterable[str]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> WorkbookData:
    """Read the sheets, names and properties of a workbook, keeping only ``wanted`` cells.

    ``wanted`` maps sheet name to cell addresses (``"F7"``, ``"$F$7"``); sheets
    not named are still listed (with their protection) but with no cells.
    ``None`` keeps every cell of every sheet, for tests and tools.

    Given a path, the file is read once, hashed (``WorkbookData.sha256``) and
    checked here, so there is no need to call :func:`hnbxl.xlsx.safety.check_file`
    first.  Raises :class:`hnbxl.xlsx.safety.UnsafeWorkbook` (``sha256`` set when
    the bytes were read).  To read in several passes (say the identity cells
    first, then the cells the identity says to read), use :class:`Workbook`.
    """
    with Workbook(data, limits) as book:
        return book.read(wanted)


class Workbook:
    """A workbook opened and checked once, then read in as many passes as needed.

    Opening reads the file, hashes it, runs the checks of
    :mod:`hnbxl.xlsx.safety` and parses the workbook part, its relationships and
    the document properties.  Each :meth:`read` then parses the sheets; the
    validated text of each part is kept between passes, so a second pass
    costs only the cutting out of cells, not inflating and validating again.
    Raises :class:`hnbxl.xlsx.safety.UnsafeWorkbook` (``sha256`` set once known).
    """

    def __init__(
        self, data: bytes | Path | str | CheckedWorkbook, limits: Limits = DEFAULT_LIMITS
    ) -> None:
        is_macro: bool | None = None
        if isinstance(data, CheckedWorkbook):
            digest, is_macro, data = data.sha256, data.is_macro, data.data
        else:
            if isinstance(data, (str, Path)):
                data = read_file(data, limits)
            digest = sha256_hex(data)
        self.sha256 = digest
        self.size = len(data)
        try:
            self._wz = open_workbook_zip(data, limits, is_macro)
            try:
                self._reader = _WorkbookReader(self._wz, limits)
            except BaseException:
                self._wz.close()
                raise
        except UnsafeWorkbook as exc:
            exc.sha256 = digest
            raise

    @property
    def is_macro(self) -> bool:
        return self._wz.is_macro

    @property
    def sheet_names(self) -> list[str]:
        return [entry.name for entry in self._reader.entries]

    @property
    def custom_properties(self) -> dict[str, str]:
        return dict(self._reader.custom)

    @property
    def modified(self) -> str | None:
        return self._reader.modified

    @property
    def application(self) -> str | None:
        """What saved the file, from docProps/app.xml (``Microsoft Excel``, ``LibreOffice``)."""
        return self._reader.application

    def read(self, wanted: Mapping[str, Iterable[str]] | None = None) -> WorkbookData:
        """One pass over every sheet, keeping ``wanted`` cells (see :func:`read_workbook`)."""
        try:
            book = self._reader.read(wanted)
        except UnsafeWorkbook as exc:
            exc.sha256 = self.sha256
            raise
        book.sha256 = self.sha256
        book.size = self.size
        return book

    def close(self) -> None:
        self._wz.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# -- cell addresses ---------------------------------------------------------

_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})")


@functools.lru_cache(maxsize=65536)
def normalise_ref(ref: str) -> str:
    """``"$f$7"`` -> ``"F7"``; raises ValueError for anything not a single cell.

    Cached because the same few hundred layout addresses are asked for in
    every return.
    """
    match = _REF.fullmatch(ref.strip())
    if not match:
        raise ValueError(f"not a cell address: {ref!r}")
    return match.group(1).upper() + match.group(2)


def _split_ref(ref: str) -> tuple[int, int]:
    """``"F7"`` -> (column 6, row 7), for cells stored without ``r``."""
    match = _REF.fullmatch(ref)
    if not match:
        raise _BadContent(f"a cell has an invalid address {ref[:20]!r}")
    return col_number(match.group(1)), int(match.group(2))


_ROOT = re.compile(r"\s*(?:<\?xml(?:[^?]|\?(?!>))*\?>)?\s*<([^\s/>]+)")


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


def _store(
    cells: dict[str, Cell],
    shared: list[tuple[str, int, str | None]],
    ref: str,
    t: str,
    v: str | None,
    formula: str | None,
    inline: str | None,
) -> None:
    """Turn one cell's raw parts into a :class:`Cell` (both parse paths end here).

    ``v`` is the ``<v>`` text (None when absent), ``inline`` the joined ``<t>``
    text of an ``<is>`` (None when absent).  Shared strings are recorded in
    ``shared`` and resolved once the string table has been read.
    """
    if t == "n":
        if v is None or not v.strip():
            cells[ref] = _cell(None, "", formula, False)
        else:
            cells[ref] = _cell(parse_number(v), "n", formula, True)
    elif t == "s":
        if v is None or not v.strip():
            cells[ref] = _cell(None, "", formula, False)
            return
        try:
            index = int(v)
        except ValueError:
            raise _BadContent(f"cell {ref} has a bad text index {v[:20]!r}") from None
        cells[ref] = _PENDING  # placeholder keeps the order
        shared.append((ref, index, formula))
    elif t == "str":
        if v is None:
            cells[ref] = _cell(None, "", formula, False)
        else:
            cells[ref] = _cell(unescape(v), "s", formula, True)
    elif t == "inlineStr":
        if inline is None:
            cells[ref] = _cell(None, "", formula, False)
        else:
            cells[ref] = _cell(unescape(inline), "s", formula, True)
    elif t == "b":
        flag = None if v is None else v.strip().lower()
        if not flag:
            cells[ref] = _cell(None, "", formula, False)
        elif flag in ("1", "true"):
            cells[ref] = _cell(True, "b", formula, True)
        elif flag in ("0", "false"):
            cells[ref] = _cell(False, "b", formula, True)
        else:
            raise _BadContent(f"cell {ref} has a bad TRUE/FALSE value {flag[:20]!r}")
    elif t in ("e", "d"):
        if v is None or not v.strip():
            cells[ref] = _cell(None, "", formula, False)
        else:
            cells[ref] = _cell(v.strip(), t, formula, True)
    else:
        raise _BadContent(f"cell {ref} has an unknown type {t[:20]!r}")


# Element patterns for the *insides* of one kept cell or string item: small
# strings, already validated, so these never scan a whole part.
_TAG_ATTRS = r"""(?:[^>/"']|"[^"]*"|'[^']*'|/(?!>))*"""
_V_EL = re.compile(r"<v(?=[\s/>])" + _TAG_ATTRS + r"(?:/>|>([^<]*)</v>)")
_F_EL = re.compile(r"<f(?=[\s/>])(" + _TAG_ATTRS + r")(?:/>|>([^<]*)</f>)")
_T_EL = re.compile(r"<t(?=[\s/>])" + _TAG_ATTRS + r"(?:/>|>([^<]*)</t>)")
_IS_EL = re.compile(r"<is(?=[\s/>])" + _TAG_ATTRS + r"(?:/>|>(.*?)</is>)", re.S)
_RPH_EL = re.compile(r"<rPh(?=[\s/>])" + _TAG_ATTRS + r"(?:/>|>.*?</rPh>)", re.S)
_PROTECTION = re.compile(r"<sheetProtection(?=[\s/>])(" + _TAG_ATTRS + r")/?>")


def _run_text(body: str) -> str:
    """The text of a string item: all ``<t>`` runs, phonetic runs left out."""
    if "<rPh" in body:
        body = _RPH_EL.sub("", body)
    return "".join(_T_EL.findall(body))


# -- the reader -----------------------------------------------------------------


@dataclass
class _SheetEntry:
    name: str
    state: str
    rid: str


@dataclass
class _SheetResult:
    cells: dict[str, Cell] = field(default_factory=dict)
    protected: bool = False
    # (ref, shared string index, formula) for cells resolved after the sst is read
    shared: list[tuple[str, int, str | None]] = field(default_factory=list)
    seen: int = 0
    styles: dict[str, str] = field(default_factory=dict)  # kept cell -> its s="" index
    formulas: SheetFormulas = field(default_factory=SheetFormulas)


class _WorkbookReader:
    """Parses the workbook-level parts once; :meth:`read` is one pass over the sheets."""

    def __init__(self, wz: WorkbookZip, limits: Limits) -> None:
        self.wz = wz
        self.limits = limits
        self.cells_seen = 0
        # validated text of plain parts, kept for later passes (bounded, see _plain)
        self._texts: dict[str, str] = {}
        self._texts_size = 0
        self.date1904 = False
        self.entries, self.locked, self.names = self._workbook()
        self.targets, self.sst_part, self.styles_part = self._relationships()
        self.custom = self._custom_properties()
        self.modified = self._property(_CORE, "modified")
        self.application = self._property(_APP, "Application")
        self._xf_formats: list[str] | None = None

    def read(self, wanted: Mapping[str, Iterable[str]] | None) -> WorkbookData:
        entries, targets, sst_part = self.entries, self.targets, self.sst_part
        keep_by_sheet = _keep_sets(entries, wanted)
        self.cells_seen = 0

        sheets: list[SheetInfo] = []
        results: list[_SheetResult] = []
        for index, entry in enumerate(entries):
            part = targets.get(entry.rid)
            if part is None or not self.wz.has(part):
                raise UnsafeWorkbook(
                    "corrupt-workbook",
                    f"The workbook is damaged (sheet {entry.name!r} has no contents); {_RESAVE}.",
                    part or self.wz.workbook_part,
                )
            result = self._sheet(part, keep_by_sheet[index])
            results.append(result)
            sheets.append(SheetInfo(entry.name, entry.state, result.protected, result.cells, part))

        needed = {idx for result in results for _, idx, _ in result.shared}
        if needed:
            strings = self._shared_strings(sst_part, needed)
            for sheet, result in zip(sheets, results, strict=True):
                for ref, idx, formula in result.shared:
                    text = strings.get(idx)
                    if text is None:
                        raise UnsafeWorkbook(
                            "corrupt-workbook",
                            f"The workbook is damaged (cell {sheet.name}!{ref} refers to a "
                            f"missing text entry); {_RESAVE}.",
                            sst_part or sheet.path,
                        )
                    sheet.cells[ref] = _cell(text, "s", formula, True)
        for sheet, result in zip(sheets, results, strict=True):
            self._finish(sheet, result)

        return WorkbookData(
            sheets=sheets,
            structure_locked=self.locked,
            defined_names=dict(self.names),
            custom_properties=dict(self.custom),
            modified=self.modified,
            is_macro=self.wz.is_macro,
            cells_seen=self.cells_seen,
            date1904=self.date1904,
            application=self.application,
        )

    def _finish(self, sheet: SheetInfo, result: _SheetResult) -> None:
        """Give shared-formula and array cells their formula, and kept numbers their format."""
        cells = sheet.cells
        formulas = result.formulas
        if formulas.followers or formulas.arrays:
            missing = [ref for ref, cell in cells.items() if cell.formula is None]
            for ref, text in formulas.resolved(missing).items():
                cell = cells[ref]
                cells[ref] = _cell(cell.value, cell.type, text, cell.has_cached)
        numbers = [(ref, style) for ref, style in result.styles.items()
                   if (cell := cells.get(ref)) is not None and cell.type == "n"]
        if numbers:
            xf_formats = self._cell_formats()
            for ref, style in numbers:
                try:
                    code = xf_formats[int(style)]
                except (ValueError, IndexError):
                    continue  # Excel shows an unknown style as General
                if code != "General":
                    sheet.formats[ref] = code

    # -- workbook.xml and its relationships ---------------------------------

    def _workbook(self) -> tuple[list[_SheetEntry], bool, dict[str, str]]:
        entries: list[_SheetEntry] = []
        names: dict[str, str] = {}
        locked = False
        name_text: list[str] | None = None
        name_key = ""

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal locked, name_text, name_key
            local = local_name(tag)
            if local == "sheet":
                rid = attrs.get("r:id")
                if rid is None:
                    rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
                sheet_name = attrs.get("name")
                if not sheet_name or not rid:
                    raise _BadContent("a sheet has no name or no link to its contents")
                entries.append(_SheetEntry(sheet_name, attrs.get("state", "visible"), rid))
            elif local == "workbookProtection":
                locked = truthy(attrs.get("lockStructure"))
            elif local == "workbookPr":
                self.date1904 = truthy(attrs.get("date1904"))
            elif local == "definedName" and "localSheetId" not in attrs:
                name_key = attrs.get("name", "")
                name_text = []

        def end(tag: str) -> None:
            nonlocal name_text
            if name_text is not None and local_name(tag) == "definedName":
                if name_key:
                    names[name_key] = "".join(name_text)
                name_text = None

        def chars(text: str) -> None:
            if name_text is not None:
                name_text.append(text)

        self._parse(self.wz.workbook_part, start, end, chars)
        return entries, locked, names

    def _relationships(self) -> tuple[dict[str, str], str | None, str | None]:
        """rId -> zip part for sheets, and the shared strings and styles parts if any."""
        targets: dict[str, str] = {}
        sst: list[str] = []
        styles: list[str] = []
        wz = self.wz

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
            self._parse(rels, start)
        if not sst and wz.has("xl/sharedStrings.xml"):
            sst.append("xl/sharedStrings.xml")
        if not styles and wz.has("xl/styles.xml"):
            styles.append("xl/styles.xml")
        return targets, (sst[0] if sst else None), (styles[0] if styles else None)

    def _cell_formats(self) -> list[str]:
        """The number format code of each cell style (``s=""`` index), read once.

        Only ``<numFmt>`` and the ``<xf>`` of ``<cellXfs>`` are looked at;
        fonts, fills and borders are never read.  Returns of one form share
        their styles part byte for byte, so the result is kept by content
        digest across workbooks: a batch parses it once.
        """
        if self._xf_formats is not None:
            return self._xf_formats
        part = self.styles_part
        if part is None or not self.wz.has(part):
            self._xf_formats = []
            return self._xf_formats
        data = self.wz.read(part)
        key = hashlib.blake2b(data, digest_size=16).digest()
        cached = _FORMATS_CACHE.get(key)
        if cached is not None:
            self._xf_formats = cached
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
        self._xf_formats = [format_code(i, custom) for i in ids]
        if len(_FORMATS_CACHE) >= 64:
            _FORMATS_CACHE.clear()
        _FORMATS_CACHE[key] = self._xf_formats
        return self._xf_formats

    # -- sheets -----------------------------------------------------------------

    def _sheet(self, part: str, keep: frozenset[str] | None) -> _SheetResult:
        """Read one sheet to the end, keeping cells whose address is in ``keep``."""
        data, text = self._plain(part)
        if text is not None:
            try:
                result = _sheet_fast(text, keep, self.limits.max_cells, self.cells_seen, part)
            except _NotPlain:
                pass
            except _BadContent as exc:
                raise content_error(part, exc) from None
            else:
                self.cells_seen += result.seen
                return result
        return self._sheet_events(part, keep, data)

    def _plain(self, part: str) -> tuple[bytes | None, str | None]:
        """A part's validated text if the fast path may cut it, else its bytes or nothing.

        Returns (None, text) for a plain part (from the cache on later
        passes), (bytes, None) for a small part the event path must read,
        and (None, None) for a part too big to hold, which is streamed.
        """
        text = self._texts.get(part)
        if text is not None:
            return None, text
        info = self.wz.info(part)
        if info is None or info.file_size > FAST_PATH_MAX:
            return None, None
        data = self.wz.read(part)
        text = _plain_text(part, data)
        if text is None:
            return data, None
        if self._texts_size + len(text) <= _TEXT_CACHE_MAX:
            self._texts[part] = text
            self._texts_size += len(text)
        return None, text

    def _sheet_events(
        self, part: str, keep: frozenset[str] | None, data: bytes | None = None
    ) -> _SheetResult:
        """The general path: expat events for every element, streaming.

        For a cell not kept this costs one counter bump and one set lookup;
        end and text handlers are attached only while inside a kept cell.
        ``<dimension>`` is never consulted, so a lying one costs nothing.
        """
        result = _SheetResult()
        cells = result.cells
        shared = result.shared
        styles = result.styles
        shared_formulas = result.formulas
        parser = new_parser()
        max_cells = self.limits.max_cells
        seen = self.cells_seen

        row_no = 0
        last_ref = ""
        # state of the kept cell being read
        ref = ""
        ctype = "n"
        v_buf: list[str] | None = None
        f_buf: list[str] | None = None
        t_buf: list[str] | None = None
        target: list[str] | None = None
        in_rph = False
        f_attrs: dict[str, str] = {}
        master: tuple[str, dict[str, str], list[str]] | None = None  # of a cell not kept

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal seen, row_no, last_ref, ref, ctype, v_buf, f_buf, t_buf, target, in_rph
            nonlocal f_attrs, master
            if tag == "c":
                seen += 1
                if seen > max_cells:
                    raise _too_many_cells(max_cells, part)
                r = attrs.get("r")
                if r is None:
                    r = _next_ref(last_ref, row_no)
                last_ref = r
                if keep is None or r in keep:
                    ref = r
                    ctype = attrs.get("t", "n")
                    style = attrs.get("s")
                    if style and style != "0" and ctype == "n":
                        styles[r] = style
                    v_buf = f_buf = t_buf = target = None
                    in_rph = False
                    f_attrs = {}
                    parser.StartElementHandler = start_in_cell
                    parser.EndElementHandler = end_in_cell
                    parser.CharacterDataHandler = chars
            elif tag == "row":
                r = attrs.get("r")
                if r is None:
                    row_no += 1
                else:
                    try:
                        row_no = int(r)
                    except ValueError:
                        raise _BadContent(f"a row has an invalid number {r[:20]!r}") from None
                last_ref = ""
            elif tag == "sheetProtection":
                result.protected = truthy(attrs.get("sheet"))
            elif tag == "f" and attrs.get("ref"):  # a shared or array master in a cell not kept
                master = (last_ref, attrs, [])
                parser.CharacterDataHandler = master[2].append
                parser.EndElementHandler = end_master
            elif ":" in tag:
                start(local_name(tag), attrs)

        def end_master(tag: str) -> None:
            nonlocal master
            if local_name(tag) == "f" and master is not None:
                shared_formulas.note(master[0], master[1], "".join(master[2]))
                master = None
                parser.CharacterDataHandler = None
                parser.EndElementHandler = None

        def start_in_cell(tag: str, attrs: dict[str, str]) -> None:
            nonlocal v_buf, f_buf, t_buf, target, in_rph, f_attrs
            if tag == "v":
                target = v_buf = []
            elif tag == "f":
                target = f_buf = []
                f_attrs = attrs
            elif tag == "is":
                t_buf = []
            elif tag == "t":
                if not in_rph and t_buf is not None:
                    target = t_buf
            elif tag == "rPh":
                in_rph = True
                target = None
            elif ":" in tag:
                start_in_cell(local_name(tag), attrs)

        def end_in_cell(tag: str) -> None:
            nonlocal target, in_rph
            if tag == "c":
                parser.StartElementHandler = start
                parser.EndElementHandler = None
                parser.CharacterDataHandler = None
                formula = None if f_buf is None else "".join(f_buf)
                _store(
                    cells,
                    shared,
                    ref,
                    ctype,
                    None if v_buf is None else "".join(v_buf),
                    formula,
                    None if t_buf is None else "".join(t_buf),
                )
                if f_attrs:
                    shared_formulas.note(ref, f_attrs, formula or "")
            elif tag in ("v", "f", "t"):
                target = None
            elif tag == "rPh":
                in_rph = False
            elif ":" in tag:
                end_in_cell(local_name(tag))

        def chars(text: str) -> None:
            if target is not None:
                target.append(text)

        parser.StartElementHandler = start
        self._feed_part(part, parser, data)
        result.seen = seen - self.cells_seen
        self.cells_seen = seen
        return result

    def _feed_part(self, part: str, parser: expat.XMLParserType, data: bytes | None) -> None:
        """Parse ``part``, from ``data`` if the fast path already read it, else streaming."""
        if data is not None:
            feed_bytes(part, parser, data)
        else:
            feed(self.wz, part, parser)

    # -- shared strings and properties -----------------------------------------

    def _shared_strings(self, part: str | None, needed: set[int]) -> dict[int, str]:
        """Index -> text for the ``needed`` indexes.

        Rich text is the concatenation of its runs; phonetic runs (``rPh``)
        are annotations, not content, and are left out.
        """
        if part is None:
            return {}
        data, text = self._plain(part)
        if text is not None:
            strings = _strings_fast(text, needed)
            if strings is not None:
                return strings
        return self._shared_strings_events(part, needed, data)

    def _shared_strings_events(
        self, part: str, needed: set[int], data: bytes | None = None
    ) -> dict[int, str]:
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
        self._feed_part(part, parser, data)
        return strings

    def _custom_properties(self) -> dict[str, str]:
        """docProps/custom.xml: each property's value as text, whatever its type.

        The value is the text of the property's value element (``vt:lpwstr``
        and the like) exactly; whitespace between elements, which indenting
        writers such as .NET's ``XmlDocument.Save`` add, is not part of it.
        """
        props: dict[str, str] = {}
        if not self.wz.has(_CUSTOM):
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

        self._parse(_CUSTOM, start, end, chars)
        return props

    def _property(self, part: str, name: str) -> str | None:
        """The text of element ``name`` in a properties part (core.xml, app.xml), or None.

        Stripped: these are dates and application names, never text whose
        edge spaces matter, and indenting writers put line breaks around them.
        """
        if not self.wz.has(part):
            return None
        data, text = self._plain(part)
        if text is not None:  # validated and plain: one regex, no Python per element
            pattern = _PROPERTY.get(name) or _PROPERTY.setdefault(name, re.compile(
                rf"<(?:[\w.-]+:)?{name}(?:\s[^>]*)?>([^<]*)</(?:[\w.-]+:)?{name}>"))
            values = pattern.findall(text)
            value = xml_text(values[-1]).strip() if values else ""
            return value or None
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

        if data is not None:
            parser = new_parser()
            parser.StartElementHandler = start
            parser.EndElementHandler = end
            parser.CharacterDataHandler = chars
            feed_bytes(part, parser, data)
        else:
            self._parse(part, start, end, chars)
        return found[-1] if found and found[-1] else None

    def _parse(
        self,
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
        feed(self.wz, part, parser)


# Any cell start tag not of the form <c r="...": left to the event path.
_ODD_CELL = re.compile(r'<c(?:[>/\t\n\r]| (?!r="))')
_CANON_CELL = re.compile(
    r'<c r="([^"&]*)"(?: s="([^"&]*)")?(?: t="([^"&]*)")?((?: [\w:.-]+="[^"&]*")*) ?(/?)>'
    r"(?:(?:<f>([^<]*)</f>)?<v>([^<]*)</v>(</c>))?"
)


def _sheet_fast(
    text: str, keep: frozenset[str] | None, max_cells: int, seen_before: int, part: str
) -> _SheetResult:
    """Cut the kept cells out of a validated, plain sheet.

    Exact here because in well-formed XML without comments, CDATA or
    processing instructions ``<`` only ever starts markup, so ``<c r="F7"``
    can only be the start tag of cell F7.  One regex pass matches every cell
    start tag (and, for the usual ``[<f>..</f>]<v>..</v></c>`` shape, its
    contents); only kept cells are looked at further.  Shapes Excel never
    writes (a cell without ``r`` or with ``r`` not first, attributes over
    several lines, single quotes, entities in attributes) are caught by the
    count check and raise :class:`_NotPlain`: the sheet goes to the event path.
    """
    if _ODD_CELL.search(text):
        raise _NotPlain()
    seen = text.count('<c r="')
    if seen_before + seen > max_cells:
        raise _too_many_cells(max_cells, part)
    result = _SheetResult(seen=seen)
    if keep is not None and not keep:  # nothing wanted here: counting was enough
        _read_protection(text, result)
        return result
    cells = result.cells
    shared = result.shared
    styles = result.styles
    shared_formulas = result.formulas
    find = text.find
    matched = 0
    for match in _CANON_CELL.finditer(text):
        matched += 1
        ref = match.group(1)
        if keep is not None and ref not in keep:
            continue
        _, style, t, rest, empty, formula, v, closed = match.groups()
        if rest:
            if " t=" in rest:
                raise _NotPlain()
            if " s=" in rest:
                style = parse_attrs(rest).get("s")
        if style and style != "0" and (t is None or t == "n"):  # formats matter for numbers
            styles[ref] = style
        pos = match.end()
        if closed:  # <c ...>[<f>text</f>]<v>text</v></c>, by far the most common shape
            if "&" in v or "\r" in v:
                v = xml_text(v)
            if formula is not None and ("&" in formula or "\r" in formula):
                formula = xml_text(formula)
            if t is None and v:  # a number: the hot case, inlined
                number = int(v) if v.isdigit() and v.isascii() else parse_number(v)
                cell = _new(Cell)
                d = cell.__dict__
                d["value"] = number
                d["type"] = "n"
                d["formula"] = formula
                d["has_cached"] = True
                cells[ref] = cell
            elif t == "s" and v:  # a shared string, resolved after the table is read
                try:
                    shared.append((ref, int(v), formula))
                except ValueError:
                    raise _BadContent(f"cell {ref} has a bad text index {v[:20]!r}") from None
                cells[ref] = _PENDING
            else:
                _store(cells, shared, ref, t or "n", v, formula, None)
        elif empty:
            _store(cells, shared, ref, t or "n", None, None, None)
        else:
            body = text[pos : find("</c>", pos)]
            inline: str | None = None
            found = _V_EL.search(body)
            v = xml_text(found.group(1) or "") if found else None
            found = _F_EL.search(body)
            if found:
                formula = xml_text(found.group(2) or "")
                if found.group(1).strip():
                    shared_formulas.note(ref, parse_attrs(found.group(1)), formula)
            if "<is" in body:
                found = _IS_EL.search(body)
                if found:
                    inline = xml_text(_run_text(found.group(1) or ""))
            _store(cells, shared, ref, t or "n", v, formula, inline)
    if matched != seen:  # a cell start tag the pattern did not take
        raise _NotPlain()
    if shared_formulas.needs_scan or "array" in text:
        shared_formulas.scan(text, parse_attrs, xml_text)
    _read_protection(text, result)
    return result


def _read_protection(text: str, result: _SheetResult) -> None:
    protection = _PROTECTION.search(text)
    if protection:
        result.protected = truthy(parse_attrs(protection.group(1)).get("sheet"))


def _strings_fast(text: str, needed: set[int]) -> dict[int, str] | None:
    """The ``needed`` items of a validated, plain shared-strings part.

    Every ``<si`` starts an item (the table holds only items and extensions),
    so item *n* is piece *n + 1* of a split.
    """
    pieces = text.split("<si")
    strings: dict[int, str] = {}
    count = len(pieces) - 1
    for index in needed:
        if index >= count:
            continue
        piece = pieces[index + 1]
        if piece[:1] not in (">", " ", "/", "\t", "\n", "\r"):
            return None  # an element called <si...> that is not an item
        gt = piece.find(">")
        if piece[gt - 1 : gt] == "/":
            strings[index] = ""
            continue
        close = piece.rfind("</si>")
        if close < 0:
            return None
        body = piece[gt + 1 : close]
        if body.startswith("<t>") and body.endswith("</t>") and body.count("<") == 2:
            raw = body[3:-4]
        else:
            raw = _run_text(body)
        strings[index] = unescape(xml_text(raw))
    return strings


def _keep_sets(
    entries: list[_SheetEntry], wanted: Mapping[str, Iterable[str]] | None
) -> list[frozenset[str] | None]:
    """Per sheet, the normalised addresses to keep (None = all, empty = none).

    Sheet names match exactly first, then case-insensitively as Excel does.
    """
    if wanted is None:
        return [None] * len(entries)
    by_name: dict[str, set[str]] = {}
    for sheet_name, refs in wanted.items():
        by_name.setdefault(sheet_name, set()).update(map(normalise_ref, refs))
    folded: dict[str, set[str]] = {}
    for sheet_name, refs in by_name.items():
        folded.setdefault(sheet_name.casefold(), set()).update(refs)
    keep: list[frozenset[str] | None] = []
    for entry in entries:
        refs = by_name.get(entry.name)
        if refs is None:
            refs = folded.get(entry.name.casefold(), set())
        keep.append(frozenset(refs))
    return keep


def _next_ref(last_ref: str, row_no: int) -> str:
    """The address of a cell stored without ``r``: one right of the previous."""
    if last_ref:
        col, row = _split_ref(last_ref)
        return col_letters(col + 1) + str(row)
    return "A" + str(max(row_no, 1))


def _too_many_cells(max_cells: int, part: str) -> UnsafeWorkbook:
    return UnsafeWorkbook(
        "too-large",
        f"The workbook holds more than {max_cells:,} cells; this is not a normal return, "
        "check it is the right file.",
        part,
    )
