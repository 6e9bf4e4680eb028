"""The safe reader: real files in, exact values out, and hostile files refused.

Workbooks are built for real (XlsxWriter, openpyxl, msoffcrypto-tool) or, for
shapes those tools never write, as hand-made packages, so every claim in
:mod:`hnbxl.xlsx.reader` and :mod:`hnbxl.xlsx.safety` is exercised on bytes.  Every
workbook read is also read through the general event path, and the two must
agree exactly.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from hnbxl.core.issues import HnbxlError
from hnbxl.xlsx import package as xlsxpackage
from hnbxl.xlsx import reader as xlsxread
from hnbxl.xlsx.reader import Cell, WorkbookData, normalise_ref, read_workbook
from hnbxl.xlsx.safety import (
    CODES,
    Limits,
    UnsafeWorkbook,
    check_bytes,
    check_file,
    open_workbook_zip,
    sha256_hex,
)

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


# --------------------------------------------------------------------------- helpers


def read_both(data: bytes | Path, wanted=None, limits: Limits | None = None) -> WorkbookData:
    """Read through the fast path and the event path; they must agree exactly."""
    args = (data, wanted) if limits is None else (data, wanted, limits)
    fast = read_workbook(*args)
    saved = xlsxread._plain_text, xlsxpackage._plain_text
    xlsxread._plain_text = xlsxpackage._plain_text = lambda part, data: None  # events only
    try:
        slow = read_workbook(*args)
    finally:
        xlsxread._plain_text, xlsxpackage._plain_text = saved
    assert fast == slow
    return fast


def cells(book: WorkbookData, sheet: str) -> dict[str, Cell]:
    found = book.sheet(sheet)
    assert found is not None, sheet
    return found.cells


def refused(source: bytes | Path, code: str, reader: Callable | None = None) -> UnsafeWorkbook:
    """Assert ``source`` is refused with ``code`` and a one-line message."""
    reader = reader or read_workbook
    with pytest.raises(UnsafeWorkbook) as info:
        reader(source)
    exc = info.value
    assert exc.code == code, (exc.code, exc.message)
    assert exc.code in CODES
    assert isinstance(exc, HnbxlError)
    assert exc.message and "\n" not in exc.message and "\r" not in exc.message
    assert str(exc) == exc.message
    return exc


def worksheet(sheet_data: str, after: str = "", before: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{before}'
        f"<sheetData>{sheet_data}</sheetData>{after}</worksheet>"
    )


def package(
    sheets: dict[str, str],
    *,
    shared: str | None = None,
    workbook_inner: str = "",
    states: dict[str, str] | None = None,
    absolute_targets: bool = False,
    extra: dict[str, bytes] | None = None,
    content_types_extra: str = "",
    workbook_xml: str | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
    streamed: bool = False,
) -> bytes:
    """A minimal but complete .xlsx package, for shapes the writers never produce."""
    states = states or {}
    sheet_entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"'
        + (f' state="{states[name]}"' if name in states else "")
        + "/>"
        for i, name in enumerate(sheets, 1)
    )
    prefix = "/xl/" if absolute_targets else ""
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
        f'Target="{prefix}worksheets/sheet{i}.xml"/>'
        for i, _ in enumerate(sheets, 1)
    )
    if shared is not None:
        rels += (
            f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    members: dict[str, bytes] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{content_types_extra}</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            workbook_xml
            or (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
                f'xmlns:r="{REL_NS}"><sheets>{sheet_entries}</sheets>{workbook_inner}</workbook>'
            )
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            f"{rels}</Relationships>"
        ).encode(),
    }
    for i, xml in enumerate(sheets.values(), 1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml.encode()
    if shared is not None:
        members["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">{shared}</sst>'
        ).encode()
    members.update(extra or {})
    buffer = io.BytesIO()
    # written to an unseekable stream, zipfile uses data descriptors (as Java writers do)
    target = _Unseekable(buffer) if streamed else buffer
    with zipfile.ZipFile(target, "w", compression) as zf:
        for name, content in members.items():
            with zf.open(name, "w") as member:
                member.write(content)
    return buffer.getvalue()


class _Unseekable(io.RawIOBase):
    def __init__(self, inner: io.BytesIO) -> None:
        self.inner = inner

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return self.inner.write(data)

    def flush(self) -> None:
        pass


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip from pre-deflated members: (name, deflated bytes, crc, declared size).

    zipfile cannot write a member whose declared size is a lie, or deflate
    300 MB quickly; this can.
    """
    out = io.BytesIO()
    central = []
    for name, deflated, crc, size in members:
        offset = out.tell()
        raw_name = name.encode()
        header = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(deflated), size,
            len(raw_name), 0,
        )
        out.write(header + raw_name + deflated)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(deflated),
                size, len(raw_name), 0, 0, 0, 0, 0, offset,
            )
            + raw_name
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(directory),
                    start, 0)
    )
    return out.getvalue()


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def zeros_deflated(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros, built in milliseconds.

    After a full flush a deflate stream no longer refers back, so one
    compressed megabyte can simply be repeated.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(b"\0" * (1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return segment * megabytes + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (v3, no mini stream) holding ``streams``.

    Used to make real legacy ``.xls`` containers without Excel: each stream
    must be at least 4,096 bytes so it lives in ordinary sectors.
    """
    sector, end, free, fat_sect, none = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sect, end]
    starts, bodies = [], []
    for body in streams.values():
        assert len(body) >= 4096
        body += b"\0" * (-len(body) % sector)
        count = len(body) // sector
        starts.append(len(fat))
        fat += [len(fat) + i + 1 if i < count - 1 else end for i in range(count)]
        bodies.append(body)
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, start: int, size: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1 if kind else 0, none, right, child)
            + b"\0" * 36
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    entries = [entry("Root Entry", 5, 1, end, 0, none)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else none
        entries.append(entry(name, 2, none, starts[i], len(streams[name]), right))
    while len(entries) < 4:
        entries.append(entry("", 0, none, 0, 0, none))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    return header + struct.pack("<128I", *fat) + b"".join(entries) + b"".join(bodies)


def biff_workbook(encrypted: bool = False) -> bytes:
    """A Workbook stream: BOF, optionally FilePass (XOR obfuscation), EOF."""
    bof = struct.pack("<HH", 0x0809, 16) + struct.pack("<HHHHII", 0x0600, 5, 0x1234, 1997, 0, 0)
    file_pass = struct.pack("<HH", 0x002F, 6) + struct.pack("<HHH", 0, 0x1234, 0x5678)
    eof = struct.pack("<HH", 0x000A, 0)
    return (bof + (file_pass if encrypted else b"") + eof).ljust(4096, b"\0")


# --------------------------------------------------------------------------- real files


@pytest.fixture
def xlsxwriter_file(tmp_path: Path) -> Path:
    return write_sample(tmp_path)


@pytest.fixture(scope="module")
def libreoffice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample saved again by LibreOffice: one conversion shared by the module."""
    root = tmp_path_factory.mktemp("libreoffice")
    return libreoffice_copy(write_sample(root), root)


def write_sample(folder: Path) -> Path:
    path = folder / "return.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Key Measures")
    ws.write("A1", "EHCPs issued", bold)
    ws.write_number("B1", 42)
    ws.write_number("B2", 17287.5)
    ws.write_number("B3", -3)
    ws.write_number("B4", 1e20)
    ws.write_formula("C1", "=B1*2", None, 84)
    ws.write_formula("C2", "=B1*3")  # XlsxWriter stores 0 as the result
    ws.write_formula("C3", '="x"&A1', None, "xEHCPs issued")
    ws.write_formula("C4", "=B1>1", None, True)
    ws.write_formula("C5", "=1/0", None, "#DIV/0!")
    ws.write_boolean("D1", True)
    ws.write_boolean("D2", False)
    ws.write_rich_string("E1", "Amber ", bold, "- Off", " Track")
    ws.write("E2", "line one\r\nline two_x000D_")
    ws.write("E3", "£17,287 & <more>")
    ws.write_blank("F1", None, bold)
    ws.protect()
    lists = wb.add_worksheet("Lists")
    lists.write("A1", "green")
    lists.hide()
    secret = wb.add_worksheet("hnbxl")
    secret.write("A1", "programme")
    secret.write("B1", "wiltshire-hnb")
    secret.very_hidden()
    wb.define_name("Total", "='Key Measures'!$B$1")
    wb.define_name("Lists!Local", "=Lists!$A$1")
    wb.set_custom_property("hnbxl_programme", "wiltshire-hnb")
    wb.set_custom_property("hnbxl_version", 3)
    wb.set_custom_property("hnbxl_flag", True)
    wb.close()
    return path


def test_xlsxwriter_values(xlsxwriter_file: Path) -> None:
    book = read_both(xlsxwriter_file)
    km = cells(book, "Key Measures")
    assert km["A1"] == Cell("EHCPs issued", "s", None, True)
    assert km["B1"] == Cell(42, "n", None, True) and isinstance(km["B1"].value, int)
    assert km["B2"] == Cell(17287.5, "n", None, True)
    assert km["B3"].value == -3
    assert km["B4"].value == 1e20
    assert km["C1"] == Cell(84, "n", "B1*2", True)
    assert km["C2"] == Cell(0, "n", "B1*3", True)
    assert km["C3"] == Cell("xEHCPs issued", "s", '"x"&A1', True)
    assert km["C4"] == Cell(True, "b", "B1>1", True)
    assert km["C5"] == Cell("#DIV/0!", "e", "1/0", True)
    assert km["D1"] == Cell(True, "b", None, True)
    assert km["D2"] == Cell(False, "b", None, True)
    assert km["E1"].value == "Amber - Off Track"
    assert km["E2"].value == "line one\r\nline two_x000D_"  # CR escaped, literal kept
    assert km["E3"].value == "£17,287 & <more>"
    assert km["F1"] == Cell(None, "", None, False)  # formatted but empty

    assert [(s.name, s.state, s.protected) for s in book.sheets] == [
        ("Key Measures", "visible", True),
        ("Lists", "hidden", False),
        ("hnbxl", "veryHidden", False),
    ]
    assert book.sheet("key measures") is book.sheets[0]
    assert cells(book, "hnbxl") == {
        "A1": Cell("programme", "s", None, True),
        "B1": Cell("wiltshire-hnb", "s", None, True),
    }
    assert book.defined_names == {"Total": "'Key Measures'!$B$1"}
    assert book.custom_properties == {
        "hnbxl_programme": "wiltshire-hnb",
        "hnbxl_version": "3",
        "hnbxl_flag": "true",
    }
    assert book.modified and book.modified.endswith("Z")
    assert book.is_macro is False
    assert book.structure_locked is False
    assert book.cells_seen == 19
    assert book.sha256 == sha256_hex(xlsxwriter_file.read_bytes())
    assert book.size == xlsxwriter_file.stat().st_size
    assert book.sheets[0].path == "xl/worksheets/sheet1.xml"


def test_openpyxl_resave_keeps_values_but_not_results(
    xlsxwriter_file: Path, tmp_path: Path
) -> None:
    from openpyxl.workbook.protection import WorkbookProtection

    wb = openpyxl.load_workbook(xlsxwriter_file)
    wb.security = WorkbookProtection(lockStructure=True)
    resaved = tmp_path / "resaved.xlsx"
    wb.save(resaved)
    book = read_both(resaved)
    km = cells(book, "Key Measures")
    assert km["A1"].value == "EHCPs issued"  # openpyxl writes inline strings
    assert km["B1"] == Cell(42, "n", None, True)
    assert km["B2"].value == 17287.5
    assert km["D1"] == Cell(True, "b", None, True)
    # openpyxl drops calculated results: the formula is there, its value is not
    assert km["C1"] == Cell(None, "", "B1*2", False)
    assert km["C5"] == Cell(None, "", "1/0", False)
    assert book.sheets[0].protected
    assert book.sheets[2].state == "veryHidden"
    assert book.structure_locked is True
    assert book.custom_properties["hnbxl_programme"] == "wiltshire-hnb"


def libreoffice_copy(source: Path, tmp_path: Path) -> Path:
    """``source`` opened and saved again by LibreOffice, as a council officer might."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path / "lo"
    subprocess.run(
        [office, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    return out / source.name


@pytest.mark.slow
def test_libreoffice_resave(libreoffice_file: Path) -> None:
    book = read_both(libreoffice_file)
    km = cells(book, "Key Measures")
    assert km["B1"] == Cell(42, "n", None, True)
    assert km["C1"] == Cell(84, "n", "B1*2", True)
    assert km["C3"] == Cell("xEHCPs issued", "s", '"x"&A1', True)
    assert km["C5"] == Cell("#DIV/0!", "e", "1/0", True)
    assert km["E1"].value == "Amber - Off Track"
    assert km["E3"].value == "£17,287 & <more>"
    assert book.sheets[0].protected
    assert book.custom_properties["hnbxl_programme"] == "wiltshire-hnb"
    # LibreOffice has no "very hidden": it saves such a sheet as merely hidden
    assert book.sheets[2].state == "hidden"


@pytest.mark.parametrize(
    "writer", ["xlsxwriter", "openpyxl", pytest.param("libreoffice", marks=pytest.mark.slow)])
def test_fast_path_covers_what_real_writers_produce(
    writer: str, xlsxwriter_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    path = xlsxwriter_file
    if writer == "openpyxl":
        path = tmp_path / "resaved.xlsx"
        openpyxl.load_workbook(xlsxwriter_file).save(path)
    elif writer == "libreoffice":
        path = request.getfixturevalue("libreoffice_file")

    def no_events(*args: object, **kwargs: object) -> None:
        raise AssertionError("the event path was used")

    monkeypatch.setattr(xlsxread._WorkbookReader, "_sheet_events", no_events)
    monkeypatch.setattr(xlsxread._WorkbookReader, "_shared_strings_events", no_events)
    book = read_workbook(path)
    assert cells(book, "Key Measures")["B1"].value == 42


def test_only_wanted_cells_are_kept(xlsxwriter_file: Path) -> None:
    wanted = {"key measures": ["$b$1", "C1", "Z99"], "hnbxl": ["B1"]}
    book = read_both(xlsxwriter_file, wanted)
    assert set(cells(book, "Key Measures")) == {"B1", "C1"}  # Z99 absent from the file
    assert cells(book, "Lists") == {}
    assert set(cells(book, "hnbxl")) == {"B1"}
    assert book.sheets[0].protected  # protection is read for every sheet
    assert book.cells_seen == 19  # every cell is still seen (and counted)


def test_read_from_checked_bytes_and_path(xlsxwriter_file: Path) -> None:
    checked = check_file(xlsxwriter_file)
    assert checked.sha256 == sha256_hex(xlsxwriter_file.read_bytes())
    assert checked.is_macro is False
    by_checked = read_workbook(checked, {"Key Measures": ["B1"]})
    by_bytes = read_workbook(checked.data, {"Key Measures": ["B1"]})
    by_path = read_workbook(xlsxwriter_file, {"Key Measures": ["B1"]})
    assert by_checked == by_bytes == by_path
    assert by_path.sha256 == checked.sha256


def test_workbook_reads_in_several_passes(xlsxwriter_file: Path) -> None:
    with xlsxread.Workbook(xlsxwriter_file) as book:
        assert book.sheet_names == ["Key Measures", "Lists", "hnbxl"]
        assert book.custom_properties["hnbxl_programme"] == "wiltshire-hnb"
        assert book.sha256 == sha256_hex(xlsxwriter_file.read_bytes())
        assert book.is_macro is False and book.modified
        first = book.read({"hnbxl": ["A1", "B1"]})
        second = book.read({"Key Measures": ["B1", "E1"], "hnbxl": ["B1"]})
        assert set(cells(first, "hnbxl")) == {"A1", "B1"}
        assert cells(first, "Key Measures") == {}
        assert second == read_workbook(
            xlsxwriter_file, {"Key Measures": ["B1", "E1"], "hnbxl": ["B1"]}
        )
        assert first.cells_seen == second.cells_seen == 19


def test_refusals_carry_the_hash(tmp_path: Path) -> None:
    data = package({"S": BILLION_LAUGHS})
    path = tmp_path / "laughs.xlsx"
    path.write_bytes(data)
    exc = refused(path, "xml-entities")
    assert exc.sha256 == sha256_hex(data)
    with pytest.raises(UnsafeWorkbook) as info:
        check_file(tmp_path / "missing.xlsx")
    assert info.value.code == "file-not-found" and info.value.sha256 == ""


def test_normalise_ref() -> None:
    assert normalise_ref("$f$7") == "F7"
    assert normalise_ref(" AB12 ") == "AB12"
    with pytest.raises(ValueError):
        normalise_ref("F7:F9")


# --------------------------------------------------------------------------- crafted shapes


def test_shapes_the_writers_rarely_produce() -> None:
    sheet = worksheet(
        # no r on row 2 or its cells; shared formula master and follower;
        # inline rich string with a phonetic run; a date cell; a str formula
        # with an empty result; entities and CR LF in text
        '<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f><v>2</v></c>'
        '<c r="B1" t="inlineStr"><is><r><t>Ab</t></r><r><t xml:space="preserve"> c</t></r>'
        "<rPh sb=\"0\" eb=\"1\"><t>PHON</t></rPh></is></c></row>"
        '<row><c><f t="shared" si="0"/><v>4</v></c><c t="s"><v>0</v></c>'
        '<c t="d"><v>2024-02-29T00:00:00</v></c></row>'
        '<row r="5"><c r="C5" t="str"><f>""</f><v></v></c>'
        '<c r="D5" t="inlineStr"><is><t>a &amp; b &lt; c &#65;&#x42;\r\nd</t></is></c>'
        '<c r="E5" s="3" t="s"><v>1</v></c><c r="F5" t="e"><v>#N/A</v></c>'
        '<c r="G5"><v>  7 </v></c><c r="H5"><v>1.5E3</v></c><c r="I5"><v>-0</v></c></row>',
        after='<sheetProtection password="CC1A" sheet="true" objects="1"/>',
        before='<dimension ref="A1"/>',
    )
    shared = (
        "<si><t>plain</t></si>"
        '<si><r><rPr><b/></rPr><t>Rich</t></r><r><t xml:space="preserve"> text_x000D_'
        "</t></r><rPh sb=\"0\" eb=\"1\"><t>IGNORED</t></rPh><phoneticPr fontId=\"1\"/></si>"
    )
    data = package(
        {"S": sheet},
        shared=shared,
        workbook_inner='<workbookProtection lockStructure="1"/>'
        '<definedNames><definedName name="G">S!$A$1</definedName>'
        '<definedName name="L" localSheetId="0">S!$B$1</definedName></definedNames>',
        absolute_targets=True,
    )
    book = read_both(data)
    got = cells(book, "S")
    assert got["A1"] == Cell(2, "n", "B1*2", True)
    assert got["B1"] == Cell("Ab c", "s", None, True)
    assert got["A2"] == Cell(4, "n", "B2*2", True)  # shared-formula follower, translated
    assert got["B2"] == Cell("plain", "s", None, True)
    assert got["C2"] == Cell("2024-02-29T00:00:00", "d", None, True)
    assert got["C5"] == Cell("", "s", '""', True)
    assert got["D5"].value == "a & b < c AB\nd"
    assert got["E5"].value == "Rich text\r"
    assert got["F5"] == Cell("#N/A", "e", None, True)
    assert got["G5"].value == 7
    assert got["H5"].value == 1500.0 and isinstance(got["H5"].value, float)
    assert got["I5"].value == 0
    assert book.sheets[0].protected
    assert book.structure_locked
    assert book.defined_names == {"G": "S!$A$1"}
    assert book.custom_properties == {} and book.modified is None


def test_cell_shapes_of_a_plain_sheet_read_the_same_both_ways() -> None:
    """Every cell here has ``r`` first, so the fast path cuts them all (one findall)."""
    sheet = worksheet(
        '<row r="1"><c r="A1"><v> </v></c><c r="B1"><v></v></c><c r="C1"/>'
        '<c r="D1" s="2"><f>SUM(A1:C1)</f></c><c r="E1" t="n"><f>1+1</f><v>2</v></c>'
        '<c r="F1" t="b"><v>1</v></c><c r="G1" t="str"><f>"a"&amp;"b"</f><v>a&amp;b</v></c>'
        '<c r="H1" s="1" t="s"><v>0</v></c><c r="I1" t="inlineStr"><is><t>in</t></is></c>'
        '<c r="J1"><f t="shared" ref="J1:J2" si="0">A1</f><v>0</v></c></row>'
        '<row r="2"><c r="J2"><f t="shared" si="0"/><v>0</v></c>'
        '<c r="K2" s="3" customStyle="1"><v>5</v></c><c r="L2" t="e"><v>#REF!</v></c></row>'
    )
    book = read_both(package({"S": sheet}, shared="<si><t>text</t></si>"))
    got = cells(book, "S")
    assert got["A1"] == Cell(None, "", None, False)  # a blank <v> is no value, as in events
    assert got["B1"] == got["C1"] == Cell(None, "", None, False)
    assert got["D1"] == Cell(None, "", "SUM(A1:C1)", False)
    assert got["E1"] == Cell(2, "n", "1+1", True)
    assert got["G1"] == Cell("a&b", "s", '"a"&"b"', True)
    assert got["H1"] == Cell("text", "s", None, True)
    assert got["I1"] == Cell("in", "s", None, True)
    assert got["J2"] == Cell(0, "n", "A2", True)
    assert got["L2"] == Cell("#REF!", "e", None, True)
    wanted = read_both(package({"S": sheet}, shared="<si><t>text</t></si>"),
                       {"S": ["A1", "J2", "K2"]})
    assert set(cells(wanted, "S")) == {"A1", "J2", "K2"}


X15_NS = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"


@pytest.mark.parametrize("shape", ["excel-2013", "prefixed", "comment"])
def test_workbook_part_extensions_do_not_reset_the_date_system(shape: str) -> None:
    """Excel 2013+ writes ``<x15:workbookPr chartTrackingRefBase="1"/>`` in the
    workbook's ``<extLst>``: it says nothing about dates, so a 1904 workbook stays 1904."""
    ext = (
        '<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}" '
        f'xmlns:x15="{X15_NS}"><x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>'
    )
    names = (
        '<definedNames><definedName name="G">S!$A$1:$B$2 &amp; more</definedName>'
        '<definedName name="E"/><definedName name="L" localSheetId="0">S!$B$1</definedName>'
        "</definedNames>"
    )
    p = "x:" if shape == "prefixed" else ""
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}workbook xmlns{":x" if p else ""}='
        f'"{MAIN_NS}" xmlns:r="{REL_NS}"><{p}workbookPr date1904="1"/>'
        f'<{p}workbookProtection lockStructure="1"/>'
        + ("<!-- saved -->" if shape == "comment" else "")
        + f'<{p}sheets><{p}sheet name="S" sheetId="1" r:id="rId1" state="hidden"/></{p}sheets>'
        + names.replace("<d", f"<{p}d").replace("</d", f"</{p}d")
        + ext
        + f"</{p}workbook>"
    )
    data = package({"S": worksheet('<row r="1"><c r="A1"><v>1</v></c></row>')},
                   workbook_xml=workbook)
    book = read_both(data)
    assert book.date1904
    assert book.structure_locked
    assert book.defined_names == {"G": "S!$A$1:$B$2 & more", "E": ""}
    assert [(s.name, s.state) for s in book.sheets] == [("S", "hidden")]


APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"


@pytest.mark.parametrize("fast", [True, False])
def test_workbook_part_and_app_shapes_read_the_same_both_ways(
    fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbook part and app.xml are cut from plain text when their shape allows
    (``fast``: the event path must not be used); odd shapes go to events; both agree."""
    # an attribute order the cut does not take (a value may hold ">")
    first = ('<definedName name="H" hidden="1">T!$B$2</definedName>' if fast else
             '<definedName comment="x > y" name="H" hidden="1">T!$B$2</definedName>')
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><workbookPr/><workbookProtection workbookPassword="C636" '
        'lockStructure="true" />'
        '<sheets><sheet name="a&gt;b &amp; c" sheetId="1" r:id="rId1"/>'
        '<sheet name="T" sheetId="2" state="veryHidden" r:id="rId2"></sheet></sheets>'
        "<definedNames>"
        '<definedName name="G">\'a&gt;b &amp; c\'!$A$1</definedName>'
        f"{first}"
        '<definedName name="L" localSheetId="0">T!$C$3</definedName>'
        '<definedName name="E"/><definedName name="CR">T!A1&#13;</definedName>'
        "</definedNames></workbook>"
    )
    app = (f'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="{APP_NS}">'
           '<Application xml:lang="en">  LibreOffice &amp; co </Application>'
           "<Company>Council</Company></Properties>")
    data = package({"a>b & c": worksheet('<row r="1"><c r="A1"><v>1</v></c></row>'),
                    "T": worksheet("")}, workbook_xml=workbook,
                   extra={"docProps/app.xml": app.encode()})
    if fast:
        def no_events(*_args: object) -> None:
            raise AssertionError("the event path was used")

        monkeypatch.setattr(xlsxpackage, "_book_events", no_events)
        monkeypatch.setattr(xlsxpackage, "_texts_events", no_events)
        fast_book = read_workbook(data)
        monkeypatch.undo()
        assert read_both(data) == fast_book
    book = read_both(data)
    assert [(s.name, s.state) for s in book.sheets] == [("a>b & c", "visible"),
                                                        ("T", "veryHidden")]
    assert book.structure_locked and not book.date1904
    assert book.defined_names == {"G": "'a>b & c'!$A$1", "H": "T!$B$2", "E": "",
                                  "CR": "T!A1\r"}
    assert book.application == "LibreOffice & co"


CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


@pytest.mark.parametrize("comment", [False, True])
def test_custom_properties_of_every_shape_read_the_same_both_ways(comment: bool) -> None:
    """Each property is the text of its one value element, whitespace around it left out;
    a vector (hnbxl never writes one) gives its last item; a property without a name is
    skipped."""
    fmt = 'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"'
    custom = (
        f'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="{CUSTOM_NS}" '
        f'xmlns:vt="{VT_NS}">'
        + ("<!-- hand-made -->" if comment else "")
        + f'<property {fmt} pid="2" name="plain"><vt:lpwstr>a &amp; b</vt:lpwstr></property>'
        f'\n  <property {fmt} pid="3" name="indented">\n    <vt:lpwstr> x </vt:lpwstr>\n'
        f'  </property><property {fmt} pid="4" name="empty"><vt:lpwstr/></property>'
        f'<property {fmt} pid="5" name="bare"/>'
        f'<property {fmt} pid="6"><vt:lpwstr>no name</vt:lpwstr></property>'
        f'<property {fmt} pid="7" name="number"><vt:i4>42</vt:i4></property>'
        f'<property {fmt} pid="8" name="vector"><vt:vector size="2" baseType="lpstr">'
        "<vt:lpstr>p</vt:lpstr><vt:lpstr>q</vt:lpstr></vt:vector></property></Properties>"
    )
    data = package({"S": worksheet('<row r="1"><c r="A1"><v>1</v></c></row>')},
                   extra={"docProps/custom.xml": custom.encode()})
    book = read_both(data)
    assert book.custom_properties == {"plain": "a & b", "indented": " x ", "empty": "",
                                      "bare": "", "number": "42", "vector": "q"}


def test_prefixed_namespace_and_comments_use_the_event_path() -> None:
    prefixed = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1"><x:v>5</x:v></x:c>'
        '</x:row></x:sheetData><x:sheetProtection sheet="1"/></x:worksheet>'
    )
    commented = worksheet(
        '<row r="1"><!-- <c r="A1"><v>666</v></c> --><c r="A1"><v><![CDATA[12]]></v></c>'
        '<c r="B1" t="inlineStr"><is><t><![CDATA[<b>&amp;</b>]]></t></is></c></row>'
    )
    data = package({"P": prefixed, "C": commented}, shared="<si><t>hello</t></si>")
    book = read_both(data)
    assert cells(book, "P") == {"A1": Cell("hello", "s", None, True), "B1": Cell(5, "n")}
    assert book.sheets[0].protected
    assert cells(book, "C") == {"A1": Cell(12, "n"), "B1": Cell("<b>&amp;</b>", "s")}


def test_attributes_in_unusual_order_and_spacing() -> None:
    sheet = worksheet(
        '<row r="1"><c s="1" r="A1" t="s"><v>0</v></c>'
        "<c r='B1' t='b'><v>1</v></c>"
        '<c\n r="C1"\n t="e"><v>#REF!</v></c>'
        '<c r="D1" cm="1" t="str"><f>"a"</f><v>a</v></c></row>'
    )
    book = read_both(package({"S": sheet}, shared="<si><t>first</t></si>"))
    assert cells(book, "S") == {
        "A1": Cell("first", "s"),
        "B1": Cell(True, "b"),
        "C1": Cell("#REF!", "e"),
        "D1": Cell("a", "s", '"a"', True),
    }


@pytest.mark.parametrize(
    "options",
    [{"compression": zipfile.ZIP_STORED}, {"streamed": True}],
    ids=["stored", "data-descriptors"],
)
def test_other_zip_layouts(options: dict) -> None:
    sheet = worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>2.5</v></c></row>')
    data = package({"S": sheet}, shared="<si><t>x</t></si>", **options)
    book = read_both(data)
    assert cells(book, "S") == {"A1": Cell("x", "s"), "B1": Cell(2.5, "n")}


def test_numbers_python_reads_but_spreadsheets_never_store() -> None:
    for text in ("1_000", "nan", "inf", "\u0661"):
        sheet = worksheet(f'<row r="1"><c r="A1"><v>{text}</v></c></row>')
        refused(package({"S": sheet}), "corrupt-xml")


def test_huge_dimension_is_not_trusted() -> None:
    sheet = worksheet(
        '<row r="7"><c r="F7"><v>17287</v></c></row>'
        '<row r="1048576"><c r="XFD1048576" s="5"/></row>',
        before='<dimension ref="A1:XFD1048576"/>',
    )
    data = package({"Key Measures": sheet})
    start = time.perf_counter()
    book = read_both(data, {"Key Measures": ["F7", "XFD1048576", "A1"]})
    assert time.perf_counter() - start < 1.0
    assert cells(book, "Key Measures") == {
        "F7": Cell(17287, "n"),
        "XFD1048576": Cell(None, "", None, False),
    }
    assert book.cells_seen == 2


def test_macro_workbooks_are_read_and_flagged() -> None:
    sheet = worksheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    with_vba = package({"S": sheet}, extra={"xl/vbaProject.bin": b"\0" * 64})
    book = read_both(with_vba)
    assert book.is_macro and cells(book, "S")["A1"].value == 1
    assert check_bytes(with_vba).is_macro
    typed = package(
        {"S": sheet},
        content_types_extra='<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.ms-excel.sheet.macroEnabled.main+xml"/>',
    )
    assert read_workbook(typed).is_macro
    assert not read_workbook(package({"S": sheet})).is_macro


# --------------------------------------------------------------------------- refusals


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(b"")
    refused(path, "file-empty")
    refused(path, "file-empty", check_file)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"Council,EHCPs\nWiltshire,42\n", "text file"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "PNG"),
        (b"<html><body><table></table></body></html>", "web page"),
    ],
)
def test_not_a_workbook(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "return.xlsx"
    path.write_bytes(content)
    exc = refused(path, "not-a-workbook", check_file)
    assert words in exc.message
    assert exc.sha256 == sha256_hex(content)


def test_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    exc = refused(buffer.getvalue(), "not-a-workbook")
    assert ".ods" in exc.message
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("notes.txt", "hello")
    refused(buffer.getvalue(), "not-a-workbook")


def test_legacy_xls() -> None:
    exc = refused(cfb({"Workbook": biff_workbook()}), "legacy-xls")
    assert ".xlsx" in exc.message


def test_encrypted_legacy_xls() -> None:
    exc = refused(cfb({"Workbook": biff_workbook(encrypted=True)}), "encrypted")
    assert "password" in exc.message


def test_ole2_that_is_not_excel() -> None:
    refused(cfb({"__substg1.0_0037001F": b"\0" * 4096}), "not-a-workbook")
    refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "not-a-workbook")


def test_password_encrypted_xlsx(xlsxwriter_file: Path, tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = tmp_path / "locked.xlsx"
    with xlsxwriter_file.open("rb") as plain, encrypted.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)
    exc = refused(encrypted, "encrypted", check_file)
    assert "remove" in exc.message and "password" in exc.message
    refused(encrypted, "encrypted")


def test_truncated_zip(xlsxwriter_file: Path) -> None:
    data = xlsxwriter_file.read_bytes()
    refused(data[: len(data) // 2], "corrupt-zip")
    refused(data[:-10], "corrupt-zip")


def test_corrupt_deflate_stream(xlsxwriter_file: Path) -> None:
    data = bytearray(xlsxwriter_file.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0x5A
    exc = refused(bytes(data), "corrupt-zip")
    assert exc.member == "xl/worksheets/sheet1.xml"


def test_zip_features_python_refuses_are_corrupt() -> None:
    data = bytearray(package({"S": worksheet("")}))
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = struct.pack("<H", 0x0B76)  # "needs zip version 11.8"
    refused(bytes(data), "corrupt-zip")


@pytest.mark.parametrize("encoding", ["lTF-8", "UTF-7", "ebcdic-cp-us"])
def test_unknown_xml_encodings_are_corrupt(encoding: str) -> None:
    sheet = worksheet('<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        'encoding="UTF-8"', f'encoding="{encoding}"'
    )
    with pytest.raises(UnsafeWorkbook) as info:
        read_workbook(package({"S": sheet}))
    assert info.value.code == "corrupt-xml"


def test_declared_single_byte_encoding_is_read() -> None:
    sheet = worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t>£5</t></is></c></row>')
    sheet = sheet.replace('encoding="UTF-8"', 'encoding="windows-1252"')
    data = package({"S": ""}, extra={"xl/worksheets/sheet1.xml": sheet.encode("cp1252")})
    assert cells(read_both(data), "S") == {"A1": Cell("£5", "s")}


def test_zip_bomb_is_refused_from_the_directory() -> None:
    sheet = zeros_deflated(300)  # 300 MB of zeros in about 300 KB
    data = package({"S": worksheet("")})
    members = [(info.filename, zipfile.ZipFile(io.BytesIO(data)).read(info))
               for info in zipfile.ZipFile(io.BytesIO(data)).infolist()]
    bomb = raw_zip(
        [
            (name, deflate(content), zlib.crc32(content), len(content))
            for name, content in members
            if name != "xl/worksheets/sheet1.xml"
        ]
        + [("xl/worksheets/sheet1.xml", sheet, 0, 300 << 20)]
    )
    start = time.perf_counter()
    exc = refused(bomb, "zip-bomb")
    assert time.perf_counter() - start < 1.0
    assert exc.member == "xl/worksheets/sheet1.xml"


def test_lying_sizes_stop_at_the_first_chunk() -> None:
    data = package({"S": worksheet("")})
    source = zipfile.ZipFile(io.BytesIO(data))
    members = [
        (i.filename, deflate(source.read(i)), zlib.crc32(source.read(i)), i.file_size)
        for i in source.infolist()
        if i.filename != "xl/worksheets/sheet1.xml"
    ]
    members.append(("xl/worksheets/sheet1.xml", zeros_deflated(1000), 0, 500))  # "500 bytes"
    start = time.perf_counter()
    refused(raw_zip(members), "corrupt-zip")
    assert time.perf_counter() - start < 1.0


def test_inflation_is_metered_as_it_happens() -> None:
    big = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 100_001))
    data = package({"S": worksheet(big)})
    wz = open_workbook_zip(data, Limits())
    wz.limits = Limits(max_member_uncompressed=1 << 20)  # as if the directory had lied
    with pytest.raises(UnsafeWorkbook) as info:
        for _ in wz.chunks("xl/worksheets/sheet1.xml"):
            pass
    assert info.value.code == "too-large"
    wz.limits = Limits(max_ratio=2)
    with pytest.raises(UnsafeWorkbook) as info:
        for _ in wz.chunks("xl/worksheets/sheet1.xml"):
            pass
    assert info.value.code == "zip-bomb"
    wz.close()


def test_limits_are_applied() -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 21))
    sheet = worksheet(rows)
    data = package({"S": sheet})
    refused(data, "too-large", lambda d: read_workbook(d, None, Limits(max_cells=10)))
    refused(data, "too-large", lambda d: read_workbook(d, None, Limits(max_file_bytes=100)))
    refused(data, "too-large", lambda d: read_workbook(d, None, Limits(max_members=3)))
    refused(data, "too-large", lambda d: read_workbook(d, None, Limits(max_total_uncompressed=500)))
    assert read_workbook(data, None, Limits(max_cells=20)).cells_seen == 20


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + f']><worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    "&lol9;</t></is></c></row></sheetData></worksheet>"
)


def test_billion_laughs_is_refused_not_expanded() -> None:
    start = time.perf_counter()
    exc = refused(package({"S": BILLION_LAUGHS}), "xml-entities")
    assert time.perf_counter() - start < 1.0
    assert exc.member == "xl/worksheets/sheet1.xml"
    # ...in any part: the strings table and the workbook itself too
    laughs_sst = BILLION_LAUGHS.replace("worksheet", "sst")
    data = package({"S": worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')})
    data = _replace_member(data, "xl/sharedStrings.xml", laughs_sst.encode(), shared_rel=True)
    refused(data, "xml-entities")
    wb = BILLION_LAUGHS.replace("worksheet", "workbook")
    refused(package({"S": worksheet("")}, workbook_xml=wb), "xml-entities")


def test_external_entities_are_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        "&x;</t></is></c></row></sheetData></worksheet>"
    )
    refused(package({"S": xxe}), "xml-entities")
    undeclared = worksheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row>')
    refused(package({"S": undeclared}), "corrupt-xml")


def test_malformed_xml_names_the_part() -> None:
    broken = worksheet('<row r="1"><c r="A1"><v>1</v></row>')
    exc = refused(package({"Good": worksheet(""), "Bad": broken}), "corrupt-xml")
    assert exc.member == "xl/worksheets/sheet2.xml"
    assert "sheet2.xml" in exc.message
    bad_number = worksheet('<row r="1"><c r="A1"><v>12abc</v></c></row>')
    refused(package({"S": bad_number}), "corrupt-xml")
    bad_index = worksheet('<row r="1"><c r="A1" t="s"><v>5</v></c></row>')
    refused(package({"S": bad_index}, shared="<si><t>only</t></si>"), "corrupt-workbook")


def test_missing_sheet_part() -> None:
    data = package({"S": worksheet("")})
    data = _drop_member(data, "xl/worksheets/sheet1.xml")
    refused(data, "corrupt-workbook")


def _rewrite(data: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {i.filename: source.read(i) for i in source.infolist()}
    change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def _drop_member(data: bytes, name: str) -> bytes:
    return _rewrite(data, lambda members: members.pop(name))


def _replace_member(data: bytes, name: str, content: bytes, shared_rel: bool = False) -> bytes:
    def change(members: dict[str, bytes]) -> None:
        members[name] = content
        if shared_rel:
            rels = members["xl/_rels/workbook.xml.rels"].decode()
            rels = rels.replace(
                "</Relationships>",
                f'<Relationship Id="rIdS" Type="{REL_NS}/sharedStrings" '
                'Target="sharedStrings.xml"/></Relationships>',
            )
            members["xl/_rels/workbook.xml.rels"] = rels.encode()

    return _rewrite(data, change)
