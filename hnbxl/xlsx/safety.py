"""Refuse unsafe or unreadable returns before any XML is parsed.

Returns arrive by email from outside the council, so a file named ``.xlsx``
may be anything: empty, a PDF, an old ``.xls``, a password-protected workbook,
a download cut off half way, or (deliberately or not) a zip that inflates to
gigabytes.  Everything here looks only at bytes and at the zip directory, and
every refusal is an :class:`UnsafeWorkbook` carrying a stable ``code`` and a
one-line ``message`` that tells an office worker what to do next.

The file is read once: :func:`check_file` returns its bytes (and their
SHA-256 for provenance), and the reader works from those bytes, so what was
hashed is exactly what was read.

Declared sizes in a zip directory can lie, so :class:`WorkbookZip` also counts
bytes as they are inflated and stops as soon as a limit is passed; a member
is only ever inflated in chunks, never into memory whole.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from hnbxl.core import codes
from hnbxl.core.fileio import sha256_hex
from hnbxl.core.issues import HnbxlError, Severity

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MB = 1024 * 1024

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK_PART = "xl/workbook.xml"
_ROOT_RELS = "_rels/.rels"
VBA_PART = "xl/vbaProject.bin"

#: The refusal codes, for callers that map them to issues or exit statuses; each is
#: declared, with what it means and what to do, in :mod:`hnbxl.core.codes`.
CODES = tuple(code for code in codes.in_group("file") if code != "macro-workbook")


@dataclass(frozen=True)
class Limits:
    """Ceilings no genuine return comes near; they exist to bound the damage.

    A filled-in return is tens of kilobytes and a few thousand cells.  The
    defaults are two to three orders of magnitude above that so a real file is
    never refused, while a hostile one costs at most a couple of hundred MB of
    *streamed* inflation (never held in memory) before it is stopped.
    """

    max_file_bytes: int = 50 * _MB
    max_total_uncompressed: int = 200 * _MB
    max_member_uncompressed: int = 100 * _MB
    max_ratio: float = 200.0
    ratio_applies_above: int = 1 * _MB
    max_members: int = 10_000
    max_cells: int = 2_000_000
    chunk_size: int = 256 * 1024


DEFAULT_LIMITS = Limits()


class UnsafeWorkbook(HnbxlError):
    """A return that was refused; ``message`` is one line an officer can act on.

    ``code`` is one of :data:`CODES`; ``member`` names the zip part at fault
    when there is one (for the log, not for the officer); ``sha256`` is the
    file's hash when the bytes had been read, so even a refusal has provenance.
    """

    def __init__(self, code: str, message: str, member: str = "", sha256: str = "") -> None:
        codes.check(code, Severity.ERROR)
        message = " ".join(message.split())  # one line, always
        super().__init__(message)
        self.code = code
        self.message = message
        self.member = member
        self.sha256 = sha256


@dataclass(frozen=True)
class CheckedWorkbook:
    """The bytes of a file that passed the byte-level checks, read once."""

    data: bytes
    sha256: str
    is_macro: bool

    @property
    def size(self) -> int:
        return len(self.data)


def read_file(path: Path | str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of ``path``, read once; the size is checked before reading.

    Checking the size from the file system first means an enormous attachment
    is never loaded into memory.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise _too_large_file(size, limits)
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1)
    except FileNotFoundError:
        raise UnsafeWorkbook(
            "file-not-found", "There is no such file; check the name and folder of the return."
        ) from None
    except IsADirectoryError:
        raise UnsafeWorkbook(
            "file-not-found", "This is a folder, not a file; give the return's file name."
        ) from None
    except OSError as exc:
        raise UnsafeWorkbook(
            "not-a-workbook", f"The file could not be opened ({exc.strerror or exc})."
        ) from None
    if len(data) > limits.max_file_bytes:  # grew while we looked
        raise _too_large_file(len(data), limits)
    return data


def check_file(path: Path | str, limits: Limits = DEFAULT_LIMITS) -> CheckedWorkbook:
    """Read ``path`` once and refuse it unless it looks like a safe .xlsx/.xlsm.

    Raises :class:`UnsafeWorkbook` (with ``sha256`` set once the bytes are read).
    """
    return check_bytes(read_file(path, limits), limits)


def check_bytes(data: bytes, limits: Limits = DEFAULT_LIMITS) -> CheckedWorkbook:
    """The checks of :func:`check_file` for bytes already in memory."""
    digest = sha256_hex(data)
    try:
        with open_workbook_zip(data, limits) as wz:
            return CheckedWorkbook(data=data, sha256=digest, is_macro=wz.is_macro)
    except UnsafeWorkbook as exc:
        exc.sha256 = digest
        raise


def open_workbook_zip(
    data: bytes, limits: Limits = DEFAULT_LIMITS, is_macro: bool | None = None
) -> WorkbookZip:
    """Sniff ``data``, open it as a zip and check its directory.

    Everything that can be decided without inflating sheet XML is decided here:
    the file type, the member count, duplicate names, the required parts and
    the declared sizes and ratios.  ``is_macro`` passes on what an earlier
    check found, to skip looking again.  The caller must close the result.
    """
    if not data:
        raise UnsafeWorkbook(
            "file-empty", "The file is empty (0 bytes); attach the completed return again."
        )
    if len(data) > limits.max_file_bytes:
        raise _too_large_file(len(data), limits)
    if data[:8] == OLE2_MAGIC:
        raise _ole2_refusal(data)
    if not data.startswith(_ZIP_MAGICS):
        raise UnsafeWorkbook(
            "not-a-workbook",
            f"This is {_describe(data)}, not an Excel workbook; "
            "send the completed return as the .xlsx file.",
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # any failure to parse an untrusted directory: damaged
        raise _corrupt_zip() from None
    try:
        wz = WorkbookZip(data, zf, limits)
        wz.check_directory()
        if is_macro is None:
            wz.detect_macros()
        else:
            wz.is_macro = is_macro
    except BaseException:
        zf.close()
        raise
    return wz


class WorkbookZip:
    """A checked zip with metered, chunked access to its members.

    Part names are matched case-insensitively, as the packaging standard
    (OPC) requires, and every byte inflated counts against one budget for the
    whole workbook.
    """

    def __init__(self, data: bytes, zf: zipfile.ZipFile, limits: Limits) -> None:
        self.data = data
        self.zf = zf
        self.limits = limits
        self.inflated_total = 0
        self.is_macro = False
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self.workbook_part = WORKBOOK_PART  # the package's main part, see _find_workbook

    # -- directory -------------------------------------------------------
    def check_directory(self) -> None:
        """Refuse on the zip directory alone (cheap, before inflating anything)."""
        limits = self.limits
        infos = self.zf.infolist()
        if len(infos) > limits.max_members:
            raise too_large(f"The workbook has {len(infos):,} internal parts "
                            f"(limit {limits.max_members:,})")
        total = 0
        for info in infos:
            key = info.filename.replace("\\", "/").lstrip("/").lower()
            if key in self._infos:
                raise UnsafeWorkbook(
                    "corrupt-zip",
                    "The file is damaged (it holds the same part twice); "
                    "open it in Excel, save it again and resend it.",
                    info.filename,
                )
            self._infos[key] = info
            if info.flag_bits & 0x1:
                raise UnsafeWorkbook(
                    "encrypted",
                    "The file is a password-protected zip; send the workbook itself, "
                    "without a password.",
                    info.filename,
                )
            _check_member_size(info.filename, info.file_size, info.compress_size, limits)
            total += info.file_size
            if total > limits.max_total_uncompressed:
                raise _too_large_total(limits, info.filename)
        if self.has(CONTENT_TYPES) and not self.has(WORKBOOK_PART):
            self._find_workbook()
        if not (self.has(CONTENT_TYPES) and self.has(self.workbook_part)):
            raise UnsafeWorkbook(
                "not-a-workbook",
                f"This is {self._describe_package()}, not an Excel workbook; "
                "save it from Excel as .xlsx and send that file.",
            )

    def _find_workbook(self) -> None:
        """The workbook part of a package that does not call it ``xl/workbook.xml``.

        OPC names the main part only through the package relationships
        (``_rels/.rels``, type ``.../officeDocument``); Numbers and some
        generators name it otherwise.  This only locates the part (the reader
        parses everything it reads with its safe parser); a target that is
        not a SpreadsheetML-looking ``.xml`` part is ignored.
        """
        if not self.has(_ROOT_RELS):
            return
        info = self.info(_ROOT_RELS)
        if info is None or info.file_size > 64 * 1024:
            return
        for tag in re.findall(rb"<(?:\w+:)?Relationship\s[^>]*>", self.read(_ROOT_RELS)):
            kind = re.search(rb"""\sType\s*=\s*["']([^"']*)["']""", tag)
            target = re.search(rb"""\sTarget\s*=\s*["']([^"']*)["']""", tag)
            if not kind or not target or not kind.group(1).endswith(b"/officeDocument"):
                continue
            part = self.resolve("", target.group(1).decode("utf-8", "replace"))
            if part.lower().endswith(".xml") and self.has(part) and self._is_spreadsheet(part):
                self.workbook_part = part
                return

    def _is_spreadsheet(self, part: str) -> bool:
        """Whether the content types declare ``part`` a SpreadsheetML workbook (not Word's)."""
        info = self.info(CONTENT_TYPES)
        if info is None or info.file_size > 1024 * 1024:
            return False
        wanted = ("/" + part).lower().encode("utf-8")
        for tag in re.findall(rb"<(?:\w+:)?Override\s[^>]*>", self.read(CONTENT_TYPES)):
            name = re.search(rb"""\sPartName\s*=\s*["']([^"']*)["']""", tag)
            kind = re.search(rb"""\sContentType\s*=\s*["']([^"']*)["']""", tag)
            if name and kind and name.group(1).lower() == wanted:
                return b"spreadsheetml" in kind.group(1).lower() or b"ms-excel" in kind.group(
                    1).lower()
        return False

    def detect_macros(self) -> None:
        """Flag (never refuse) macro workbooks: we read values, macros never run."""
        if self.has(VBA_PART):
            self.is_macro = True
            return
        self.is_macro = b"macroenabled" in self.read(CONTENT_TYPES).lower()

    def _describe_package(self) -> str:
        if self.has("mimetype"):
            mime = self.read("mimetype")[:100]
            if b"opendocument.spreadsheet" in mime:
                return "an OpenDocument spreadsheet (.ods)"
            if b"opendocument" in mime:
                return "an OpenDocument file"
        if self.has("xl/workbook.bin"):
            return "an Excel binary workbook (.xlsb)"
        if self.has("word/document.xml"):
            return "a Word document"
        if self.has("ppt/presentation.xml"):
            return "a PowerPoint presentation"
        return "a zip archive"

    # -- members ---------------------------------------------------------
    def name(self, part: str) -> str | None:
        """The zip member name for an OPC part name, or None if absent."""
        info = self.info(part)
        return info.filename if info is not None else None

    def has(self, part: str) -> bool:
        return self.name(part) is not None

    def info(self, part: str) -> zipfile.ZipInfo | None:
        return self._infos.get(part.replace("\\", "/").lstrip("/").lower())

    def chunks(self, part: str) -> Iterator[bytes]:
        """Inflate ``part`` in chunks, counting every byte against the limits.

        Stored and deflated members (all Excel and LibreOffice write) are
        inflated straight from the file bytes with ``zlib`` and a bounded output
        size per step, which is what :mod:`zipfile` does minus its per-member
        overhead; anything else goes through :meth:`zipfile.ZipFile.open`.
        Zip errors met on the way (bad deflate data, CRC or length mismatch,
        truncation) become ``corrupt-zip``; passing a size or ratio limit stops
        inflation at once.
        """
        info = self.info(part)
        if info is None:
            raise UnsafeWorkbook(
                "corrupt-workbook",
                "The workbook is damaged (a part it refers to is missing); "
                "open it in Excel, save it again and resend it.",
                part,
            )
        if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            source = self._raw_chunks(info)
        else:
            source = self._zipfile_chunks(info)
        limits = self.limits
        inflated = 0
        for chunk in source:
            inflated += len(chunk)
            self.inflated_total += len(chunk)
            _check_member_size(info.filename, inflated, info.compress_size, limits)
            if self.inflated_total > limits.max_total_uncompressed:
                raise _too_large_total(limits, info.filename)
            yield chunk

    def _raw_chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        data = self.data
        offset = info.header_offset
        if offset < 0 or offset + 30 > len(data) or data[offset : offset + 4] != b"PK\x03\x04":
            raise _corrupt_zip(info.filename)
        name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
        start = offset + 30 + name_len + extra_len
        end = start + info.compress_size
        if end > len(data):
            raise _corrupt_zip(info.filename)
        compressed = memoryview(data)[start:end]
        size = self.limits.chunk_size
        crc = 0
        total = 0
        if info.compress_type == zipfile.ZIP_STORED:
            for pos in range(0, len(compressed), size):
                chunk = bytes(compressed[pos : pos + size])
                crc = zlib.crc32(chunk, crc)
                total += len(chunk)
                yield chunk
        else:
            inflater = zlib.decompressobj(-15)
            pending: bytes | memoryview = compressed
            while True:
                try:
                    chunk = inflater.decompress(pending, size)
                except zlib.error:
                    raise _corrupt_zip(info.filename) from None
                pending = inflater.unconsumed_tail
                if chunk:
                    crc = zlib.crc32(chunk, crc)
                    total += len(chunk)
                    if total > info.file_size:  # more than the directory declared
                        raise _corrupt_zip(info.filename)
                    yield chunk
                if inflater.eof:
                    break
                if not chunk and not pending:  # input used up, stream unfinished
                    raise _corrupt_zip(info.filename)
        if total != info.file_size or crc != info.CRC:
            raise _corrupt_zip(info.filename)

    def _zipfile_chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        size = self.limits.chunk_size
        try:
            with self.zf.open(info) as handle:
                while chunk := handle.read(size):
                    yield chunk
        except (RuntimeError, NotImplementedError) as exc:  # unknown compression method
            raise UnsafeWorkbook(
                "corrupt-zip",
                f"The file uses a zip feature Excel does not write ({exc}); "
                "open it in Excel, save it again and resend it.",
                info.filename,
            ) from None
        except Exception:  # bad data for whichever decompressor: damaged
            raise _corrupt_zip(info.filename) from None

    def read(self, part: str) -> bytes:
        """A whole (small) member, still metered."""
        return b"".join(self.chunks(part))

    def resolve(self, base_part: str, target: str) -> str:
        """Resolve a relationship target against the part that owns the .rels.

        Targets are relative (``worksheets/sheet1.xml``, ``../x.xml``) or
        absolute from the package root (``/xl/worksheets/sheet1.xml``).
        """
        target = target.replace("\\", "/")
        if target.startswith("/"):
            path = target
        else:
            path = posixpath.join(posixpath.dirname("/" + base_part), target)
        return posixpath.normpath(path).lstrip("/")

    # -- lifetime --------------------------------------------------------
    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> WorkbookZip:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _check_member_size(name: str, inflated: int, compressed: int, limits: Limits) -> None:
    """Refuse a member by size or compression ratio (declared or as inflated)."""
    if inflated > limits.ratio_applies_above and inflated > limits.max_ratio * max(compressed, 1):
        raise UnsafeWorkbook(
            "zip-bomb",
            "The file expands to far more data than a return could hold "
            "(a compression bomb); it was not opened, check it is the right file.",
            name,
        )
    if inflated > limits.max_member_uncompressed:
        raise too_large(f"The workbook holds a part larger than "
                        f"{limits.max_member_uncompressed // _MB} MB when opened", name)


def too_large(found: str, part: str = "",
              advice: str = "this is not a normal return, check it is the right file"
              ) -> UnsafeWorkbook:
    """The one ``too-large`` refusal: what is over which limit, then what to do."""
    return UnsafeWorkbook("too-large", f"{found}; {advice}.", part)


def _too_large_total(limits: Limits, name: str) -> UnsafeWorkbook:
    return too_large(f"The workbook expands to more than "
                     f"{limits.max_total_uncompressed // _MB} MB when opened", name)


def _too_large_file(size: int, limits: Limits) -> UnsafeWorkbook:
    return too_large(f"The file is {size / _MB:.0f} MB, over the "
                     f"{limits.max_file_bytes // _MB} MB limit for a return",
                     advice="check it is the right file")


def _corrupt_zip(member: str = "") -> UnsafeWorkbook:
    return UnsafeWorkbook(
        "corrupt-zip",
        "The file is damaged or incomplete (perhaps cut off in transfer); "
        "ask the sender to save it again and resend it.",
        member,
    )


def _ole2_refusal(data: bytes) -> UnsafeWorkbook:
    """Tell an encrypted .xlsx (or .xls) from a legacy .xls or other OLE2 file.

    Both an encrypted OOXML workbook and a pre-2007 ``.xls`` are OLE2 compound
    files; msoffcrypto-tool knows which streams mark each.
    """
    import msoffcrypto  # imported lazily: only needed for this rare path

    kind = ""
    encrypted = False
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        kind = type(office).__name__
        encrypted = bool(office.is_encrypted())
    except Exception:  # any parse failure: an OLE2 file we cannot place
        pass
    if encrypted:
        return UnsafeWorkbook(
            "encrypted",
            "The workbook has a password to open; remove it (File > Info > Protect Workbook "
            "> Encrypt with Password, clear the box), save and send it again.",
        )
    if kind == "Xls97File":
        return UnsafeWorkbook(
            "legacy-xls",
            "This is an old-format Excel file (.xls); open it in Excel, use "
            "File > Save As > Excel Workbook (.xlsx) and send that file.",
        )
    what = {
        "Doc97File": "an old-format Word document (.doc)",
        "Ppt97File": "an old-format PowerPoint file (.ppt)",
        "OOXMLFile": "an Office file in an unexpected container",
    }.get(kind, "an old-style Office file (for example an Outlook message) or a damaged .xls")
    return UnsafeWorkbook(
        "not-a-workbook",
        f"This is {what}, not an .xlsx workbook; send the completed return as the .xlsx file.",
    )


def _describe(data: bytes) -> str:
    """A plain-words guess at what a non-workbook file is, for the message."""
    head = data[:512]
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF image"
    if head.startswith(b"{\\rtf"):
        return "an RTF document"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return "an XML or HTML file (perhaps an 'XML Spreadsheet 2003')"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        if b"\x00" in head:
            return "an unrecognised binary file"
        return "a text file"
    return "a text file (for example CSV)"
