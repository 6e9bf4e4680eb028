"""A small, strict, streaming reader for the returns councils send back.

Why not openpyxl: it parses styles and builds an object for every cell, far
too slow for validating a hundred returns, and in read-only mode it trusts the
``<dimension>`` a sheet declares (``A1:XFD1048576`` makes it walk a billion
empty cells).  This reader keeps only the cells asked for, reads styles only
for the number formats of kept number cells, and never looks at ``<dimension>``.

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

Values are returned as stored: dates arrive as serial numbers and the caller,
which knows what each cell should hold, interprets them (with the number
format of each kept number cell, ``SheetInfo.formats``, as evidence).

This module is the entry point and runs one pass; the work is done by
:mod:`~hnbxl.xlsx.package` (workbook part, relationships, properties),
:mod:`~hnbxl.xlsx.sheetcells` (a sheet's cells, both paths),
:mod:`~hnbxl.xlsx.sharedstrings`, :mod:`~hnbxl.xlsx.styles` (number formats),
:mod:`~hnbxl.xlsx.formulas` (shared and array formulas) and
:mod:`~hnbxl.xlsx.xmltext` (safe parsers, text decoding); the records it
returns are in :mod:`~hnbxl.xlsx.model`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from xml.parsers import expat

from hnbxl.core.cells import col_letters, col_number
from hnbxl.core.fileio import sha256_hex
from hnbxl.xlsx.model import Cell, CellFormats, SheetInfo, WorkbookData, make_cell
from hnbxl.xlsx.package import (
    APP,
    CORE,
    SheetEntry,
    custom_properties,
    read_book_part,
    relationships,
    text_property,
)
from hnbxl.xlsx.safety import (
    DEFAULT_LIMITS,
    CheckedWorkbook,
    Limits,
    UnsafeWorkbook,
    WorkbookZip,
    open_workbook_zip,
    read_file,
)
from hnbxl.xlsx.sharedstrings import strings_events, strings_fast
from hnbxl.xlsx.sheetcells import SheetResult, normalise_ref, sheet_events, sheet_fast
from hnbxl.xlsx.styles import cell_formats
from hnbxl.xlsx.xmltext import (
    RESAVE,
    _BadContent,
    _NotPlain,
    content_error,
    feed,
    feed_bytes,
)
from hnbxl.xlsx.xmltext import plain_text as _plain_text

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


class _WorkbookReader:
    """Parses the workbook-level parts once; :meth:`read` is one pass over the sheets."""

    def __init__(self, wz: WorkbookZip, limits: Limits) -> None:
        self.wz = wz
        self.limits = limits
        self.cells_seen = 0
        # validated text of plain parts, kept for later passes (bounded, see _plain)
        self._texts: dict[str, str] = {}
        self._texts_size = 0
        book = read_book_part(wz)
        self.entries, self.locked, self.names = book.entries, book.locked, book.names
        self.date1904 = book.date1904
        self.targets, self.sst_part, self.styles_part = relationships(wz)
        self.custom = custom_properties(wz)
        self.modified = text_property(wz, CORE, "modified")
        self.application = text_property(wz, APP, "Application")
        self._xf_formats: dict[str, str] | None = None

    def read(self, wanted: Mapping[str, Iterable[str]] | None) -> WorkbookData:
        entries, targets, sst_part = self.entries, self.targets, self.sst_part
        keep_by_sheet = _keep_sets(entries, wanted)
        self.cells_seen = 0

        sheets: list[SheetInfo] = []
        results: list[SheetResult] = []
        for index, entry in enumerate(entries):
            part = targets.get(entry.rid)
            if part is None or not self.wz.has(part):
                raise UnsafeWorkbook(
                    "corrupt-workbook",
                    f"The workbook is damaged (sheet {entry.name!r} has no contents); {RESAVE}.",
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
                            f"missing text entry); {RESAVE}.",
                            sst_part or sheet.path,
                        )
                    sheet.cells[ref] = make_cell(text, "s", formula, True)
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

    def _finish(self, sheet: SheetInfo, result: SheetResult) -> None:
        """Give shared-formula and array cells their formula, and kept numbers their format."""
        cells = sheet.cells
        formulas = result.formulas
        if formulas.followers or formulas.arrays:
            missing = [ref for ref, cell in cells.items() if cell.formula is None]
            for ref, text in formulas.resolved(missing).items():
                cell = cells[ref]
                cells[ref] = make_cell(cell.value, cell.type, text, cell.has_cached)
        if not result.styles:
            return
        codes = self._cell_formats()  # read now: the workbook is closed when formats are asked
        if codes:
            sheet.formats = CellFormats(result.styles, cells, codes)

    def _cell_formats(self) -> dict[str, str]:
        """Format code by ``s=""`` text, for styles not General; read once per workbook."""
        if self._xf_formats is None:
            self._xf_formats = cell_formats(self.wz, self.styles_part)
        return self._xf_formats

    # -- sheets and shared strings ----------------------------------------------

    def _sheet(self, part: str, keep: frozenset[str] | None) -> SheetResult:
        """Read one sheet to the end, keeping cells whose address is in ``keep``."""
        data, text = self._plain(part)
        if text is not None:
            try:
                result = sheet_fast(text, keep, self.limits.max_cells, self.cells_seen, part)
            except _NotPlain:
                pass
            except _BadContent as exc:
                raise content_error(part, exc) from None
            else:
                self.cells_seen += result.seen
                return result
        return self._sheet_events(part, keep, data)

    def _sheet_events(
        self, part: str, keep: frozenset[str] | None, data: bytes | None = None
    ) -> SheetResult:
        """The general path for a sheet (see :func:`hnbxl.xlsx.sheetcells.sheet_events`)."""
        result = sheet_events(part, keep, self.limits.max_cells, self.cells_seen,
                              lambda parser: self._feed_part(part, parser, data))
        self.cells_seen += result.seen
        return result

    def _shared_strings(self, part: str | None, needed: set[int]) -> dict[int, str]:
        """Index -> text for the ``needed`` indexes (see :mod:`hnbxl.xlsx.sharedstrings`)."""
        if part is None:
            return {}
        data, text = self._plain(part)
        if text is not None:
            strings = strings_fast(text, needed)
            if strings is not None:
                return strings
        return self._shared_strings_events(part, needed, data)

    def _shared_strings_events(
        self, part: str, needed: set[int], data: bytes | None = None
    ) -> dict[int, str]:
        return strings_events(needed, lambda parser: self._feed_part(part, parser, data))

    def _feed_part(self, part: str, parser: expat.XMLParserType, data: bytes | None) -> None:
        """Parse ``part``, from ``data`` if the fast path already read it, else streaming."""
        if data is not None:
            feed_bytes(part, parser, data)
        else:
            feed(self.wz, part, parser)

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


def _keep_sets(
    entries: list[SheetEntry], wanted: Mapping[str, Iterable[str]] | None
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
        exact = by_name.get(entry.name)
        keep.append(frozenset(exact if exact is not None
                              else folded.get(entry.name.casefold(), set())))
    return keep
