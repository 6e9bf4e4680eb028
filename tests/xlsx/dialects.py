"""Rewrite a workbook in the storage conventions of the clients that fill in returns.

Each *variant* takes the zip members of a return written by XlsxWriter and
stores the same values the way another client does, from that client's
documentation, source or public bug reports (noted on each transform):
shared formulas and ``x14ac``/``mc:Ignorable`` markup (Excel), indented XML
(.NET ``XmlDocument.Save`` in Open XML SDK tools), ``x:``-prefixed elements
(Open XML SDK), inline strings (POI SXSSF, XlsxWriter ``constant_memory``),
``t="str"`` strings (SheetJS), absolute relationship targets (openpyxl),
17-digit numbers (Excel), explicit ``t="n"`` and ``<f aca=...>`` (LibreOffice),
Strict Open XML namespaces (Excel "Strict Open XML" save option), zip64,
data descriptors (Java/POI streaming) and stored members.

The transforms work on XlsxWriter's very regular markup with regular
expressions; :func:`et_cells` is an ElementTree reader, independent of
hnbxl's reader, used to confirm each variant still holds the same values
(openpyxl is the other, but it shows a Strict workbook as empty sheets).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape
from xml.etree import ElementTree as ET

from hnbxl.xlsx.formulas import translate

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"

Members = dict[str, bytes]


@dataclass
class Package:
    """A workbook's members and how to zip them."""

    members: Members
    compression: int = zipfile.ZIP_DEFLATED
    streamed: bool = False  # data descriptors, as Java's ZipOutputStream writes
    zip64: bool = False
    drops_cached_values: bool = False  # openpyxl-style: formulas saved without results

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        target: io.RawIOBase | io.BytesIO = _Unseekable(buffer) if self.streamed else buffer
        with zipfile.ZipFile(target, "w", self.compression) as zf:
            for name, content in self.members.items():
                with zf.open(name, "w", force_zip64=self.zip64) as member:
                    member.write(content)
        return buffer.getvalue()


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors after each member."""

    def __init__(self, buffer: io.BytesIO) -> None:
        self.buffer = buffer

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return self.buffer.write(data)

    def flush(self) -> None:
        pass


def unpack(data: bytes) -> Package:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return Package({info.filename: zf.read(info) for info in zf.infolist()})


# --------------------------------------------------------------------------- helpers


def _parts(pkg: Package, pattern: str) -> list[str]:
    return [name for name in pkg.members if re.fullmatch(pattern, name)]


def _sheets(pkg: Package) -> list[str]:
    return _parts(pkg, r"xl/worksheets/[^/]+\.xml")


def _xml_parts(pkg: Package) -> list[str]:
    return [name for name in pkg.members if name.endswith((".xml", ".rels"))]


def _edit(pkg: Package, name: str, change: Callable[[str], str]) -> None:
    pkg.members[name] = change(pkg.members[name].decode("utf-8")).encode("utf-8")


def _shared_strings(pkg: Package) -> list[str]:
    """Raw inner XML of each ``<si>`` (the sample's are plain ``<t>`` items)."""
    text = pkg.members["xl/sharedStrings.xml"].decode()
    return re.findall(r"<si>(.*?)</si>", text, re.S)


def _si_text(inner: str) -> tuple[str, bool]:
    """The escaped text of a plain ``<si>`` and whether it keeps its spaces."""
    match = re.fullmatch(r'<t( xml:space="preserve")?>(.*)</t>', inner, re.S)
    assert match, inner
    return match.group(2), bool(match.group(1))


def _rename(pkg: Package, old: str, new: str) -> None:
    """Rename a part and every reference to it (relationships, content types)."""
    members = Package(dict(pkg.members))
    content = members.members.pop(old)
    pkg.members.clear()
    for name, data in members.members.items():
        pkg.members[name] = data
    pkg.members[new] = content
    old_rels = _rels_of(old)
    if old_rels in pkg.members:
        pkg.members[_rels_of(new)] = pkg.members.pop(old_rels)
    old_rel_target, new_rel_target = old.split("/", 1)[1], new.split("/", 1)[1]
    for name in _parts(pkg, r".*\.rels"):
        _edit(pkg, name, lambda t: t.replace(f'Target="{old_rel_target}"',
                                             f'Target="{new_rel_target}"')
              .replace(f'Target="/{old}"', f'Target="/{new}"')
              .replace(f'Target="{old}"', f'Target="{new}"'))
    _edit(pkg, "[Content_Types].xml", lambda t: t.replace(f'"/{old}"', f'"/{new}"'))


def _rels_of(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels"


# --------------------------------------------------------------------------- transforms


def shared_formulas(pkg: Package) -> None:
    """Excel: a formula filled down a column is stored once, on its first cell.

    ``<f t="shared" ref="F13:F16" si="0">D13-C13</f>`` on the master and
    ``<f t="shared" si="0"/>`` on the cells it covers (ECMA-376 18.3.1.40).
    Readers that lost them: calamine #391, SheetJS #1388 and #551, rubyXL
    #384, QtXlsxWriter #46, abap2xlsx #453.
    """
    for name in _sheets(pkg):
        _edit(pkg, name, _share_formulas)


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+)([0-9]+)"([^>]*)><f>([^<]*)</f>')


def _share_formulas(text: str) -> str:
    found = [(m.group(1), int(m.group(2)), m.group(4)) for m in _FORMULA_CELL.finditer(text)]
    by_col: dict[str, list[tuple[int, str]]] = {}
    for col, row, formula in found:
        by_col.setdefault(col, []).append((row, formula))
    plan: dict[str, str] = {}  # cell -> replacement <f>
    si = 0
    for col, cells in by_col.items():
        cells.sort()
        i = 0
        while i < len(cells):
            row0, formula0 = cells[i]
            j = i + 1
            while (j < len(cells) and cells[j][0] == row0 + (j - i)
                   and unescape(cells[j][1]) == translate(unescape(formula0), j - i, 0)):
                j += 1
            if j - i >= 2:
                last = cells[j - 1][0]
                plan[f"{col}{row0}"] = (f'<f t="shared" ref="{col}{row0}:{col}{last}" '
                                        f'si="{si}">{formula0}</f>')
                for k in range(i + 1, j):
                    plan[f"{col}{cells[k][0]}"] = f'<f t="shared" si="{si}"/>'
                si += 1
            i = j

    def replace(m: re.Match[str]) -> str:
        ref = m.group(1) + m.group(2)
        if ref not in plan:
            return m.group(0)
        return f'<c r="{ref}"{m.group(3)}>{plan[ref]}'

    return _FORMULA_CELL.sub(replace, text)


def indented(pkg: Package) -> None:
    """.NET ``XmlDocument.Save`` (Open XML SDK tools, PowerShell scripts): every part indented.

    Whitespace goes between elements only, never inside an element that
    holds text or nothing (``<v></v>`` stays as it is), as XmlWriter's
    indenting does.
    """
    for name in _xml_parts(pkg):
        _edit(pkg, name, _indent)


_TOKENS = re.compile(r"<\?.*?\?>|<[^>]*>|[^<]+", re.S)


def _indent(text: str) -> str:
    out: list[str] = []
    depth = 0
    previous = ""  # "open", "close", "empty", "text", "decl"
    for token in _TOKENS.findall(text):
        if token.startswith("<?"):
            out.append(token)
            previous = "decl"
            continue
        if not token.startswith("<"):
            out.append(token)
            previous = "text"
            continue
        closing = token.startswith("</")
        empty = token.endswith("/>")
        if closing:
            depth -= 1
        if previous in ("decl", "close", "empty") or (previous == "open" and not closing):
            out.append("\r\n" + "  " * depth)
        out.append(token)
        if not closing and not empty:
            depth += 1
        previous = "close" if closing else "empty" if empty else "open"
    return "".join(out)


def prefixed(pkg: Package) -> None:
    """Open XML SDK and ClosedXML: SpreadsheetML elements written with an ``x:`` prefix.

    exceljs #1437 (workbook), SheetJS #271 and #304 (shared strings and
    sheets from DocumentFormat.OpenXml), MiniExcel #193 (ClosedXML).
    """
    for name in [*_sheets(pkg), "xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml"]:
        if name not in pkg.members:
            continue
        _edit(pkg, name, _prefix_main)


def _prefix_main(text: str) -> str:
    text = text.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"', 1)
    return re.sub(r"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", r"<\1x:\2", text)


def excel_markup(pkg: Package) -> None:
    """Excel 2010+: ``mc:Ignorable`` namespaces, ``x14ac:dyDescent`` on rows, ``xr:uid``.

    Also ``<mc:AlternateContent>`` in the workbook (Excel writes one
    holding ``x15ac:absPath``).
    """
    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: t.replace(
            f'<worksheet xmlns="{MAIN}"',
            f'<worksheet xmlns="{MAIN}" xmlns:mc="{MC}" mc:Ignorable="x14ac xr" '
            f'xmlns:x14ac="{X14AC}" xmlns:xr="{XR}" '
            'xr:uid="{00000000-0001-0000-0000-000000000000}"', 1)
            .replace('spans="', 'x14ac:dyDescent="0.25" spans="'))
    _edit(pkg, "xl/workbook.xml", lambda t: t.replace(
        f'<workbook xmlns="{MAIN}"',
        f'<workbook xmlns="{MAIN}" xmlns:mc="{MC}" mc:Ignorable="x15" '
        'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"', 1)
        .replace("<bookViews>",
                 '<mc:AlternateContent><mc:Choice Requires="x15">'
                 '<x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/'
                 'spreadsheetml/2010/11/ac" url="C:\\Users\\officer\\Documents\\"/>'
                 "</mc:Choice></mc:AlternateContent><bookViews>", 1))


def x14_extensions(pkg: Package) -> None:
    """Excel 2010+: an ``<extLst>`` with x14 conditional formats after the sheet data."""
    ext = (
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        '<x14:conditionalFormattings><x14:conditionalFormatting '
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        '<x14:cfRule type="expression" priority="99" id="{00000000-000E-0000-0000-000001000000}">'
        "<xm:f>COUNTIF(Lists!$A:$A,A1)=0</xm:f><x14:dxf/></x14:cfRule>"
        "<xm:sqref>A1</xm:sqref></x14:conditionalFormatting></x14:conditionalFormattings>"
        "</ext></extLst>"
    )
    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: t.replace("</worksheet>", ext + "</worksheet>"))


def calc_chain_and_printer(pkg: Package) -> None:
    """Excel: ``xl/calcChain.xml`` and a printer-settings part related from a sheet."""
    cells = []
    for i, name in enumerate(_sheets(pkg), 1):
        for m in _FORMULA_CELL.finditer(pkg.members[name].decode()):
            cells.append(f'<c r="{m.group(1)}{m.group(2)}" i="{i}"/>')
    if cells:
        pkg.members["xl/calcChain.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<calcChain xmlns="{MAIN}">{"".join(cells)}</calcChain>').encode()
        _edit(pkg, "xl/_rels/workbook.xml.rels", lambda t: t.replace(
            "</Relationships>", f'<Relationship Id="rId99" Type="{REL}/calcChain" '
            'Target="calcChain.xml"/></Relationships>'))
        _edit(pkg, "[Content_Types].xml", lambda t: t.replace(
            "</Types>", '<Override PartName="/xl/calcChain.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>'))
    first = _sheets(pkg)[0]
    pkg.members["xl/printerSettings/printerSettings1.bin"] = b"\x00" * 220
    pkg.members[_rels_of(first)] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
        f'xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/printerSettings" '
        'Target="../printerSettings/printerSettings1.bin"/></Relationships>').encode()
    _edit(pkg, "[Content_Types].xml", lambda t: t.replace(
        "</Types>", '<Default Extension="bin" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.printerSettings"/></Types>'))


def rich_text(pkg: Package) -> None:
    """Excel, Numbers: shared strings stored as formatted runs (``<r><rPr>..</rPr><t>``)."""
    _edit(pkg, "xl/sharedStrings.xml", lambda t: re.sub(
        r"<si>(.*?)</si>", lambda m: "<si>" + _runs(m.group(1)) + "</si>", t, flags=re.S))


def _runs(inner: str) -> str:
    text, _ = _si_text(inner)
    cut = len(text) // 2
    while cut > 0 and "&" in text[max(0, cut - 8):cut] and ";" not in text[
            text.rfind("&", 0, cut):cut]:
        cut -= 1  # never split an entity
    head, tail = text[:cut], text[cut:]
    return (f'<r><rPr><b/><sz val="10"/><rFont val="Arial"/></rPr>'
            f'<t xml:space="preserve">{head}</t></r>'
            f'<r><rPr><sz val="10"/><rFont val="Arial"/></rPr>'
            f'<t xml:space="preserve">{tail}</t></r>')


def phonetic(pkg: Package) -> None:
    """Excel (Japanese input): phonetic runs and properties after each string's text."""
    _edit(pkg, "xl/sharedStrings.xml", lambda t: re.sub(
        r"<si>(.*?)</si>", lambda m: "<si>" + m.group(1) + '<rPh sb="0" eb="1"><t>'
        "\u3088\u307f</t></rPh><phoneticPr fontId=\"1\" type=\"noConversion\"/></si>",
        t, flags=re.S))


def inline_strings(pkg: Package) -> None:
    """POI SXSSF and openxlsx2: text stored in the cell (``inlineStr``), no table.

    excel-streaming-reader #36 (a file made with SXSSF), openxlsx2 #499.
    """
    strings = _shared_strings(pkg)

    def inline(m: re.Match[str]) -> str:
        text, keep = _si_text(strings[int(m.group(3))])
        space = ' xml:space="preserve"' if keep else ""
        return f'<c r="{m.group(1)}"{m.group(2)} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: _STRING_CELL.sub(inline, t))
    _drop_shared_strings(pkg)


_STRING_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="s"><v>([0-9]+)</v></c>')


def str_strings(pkg: Package) -> None:
    """SheetJS (no shared strings by default, SheetJS #932), excelize's stream writer
    (excelize #1377): text as ``t="str"`` with the text in ``<v>``."""
    strings = _shared_strings(pkg)

    def as_str(m: re.Match[str]) -> str:
        text, _ = _si_text(strings[int(m.group(3))])
        return f'<c r="{m.group(1)}"{m.group(2)} t="str"><v>{text}</v></c>'

    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: _STRING_CELL.sub(as_str, t))
    _drop_shared_strings(pkg)


def _drop_shared_strings(pkg: Package) -> None:
    del pkg.members["xl/sharedStrings.xml"]
    _edit(pkg, "xl/_rels/workbook.xml.rels", lambda t: re.sub(
        r'<Relationship [^>]*sharedStrings[^>]*/>', "", t))
    _edit(pkg, "[Content_Types].xml", lambda t: re.sub(
        r'<Override PartName="/xl/sharedStrings.xml"[^>]*/>', "", t))


def seventeen_digits(pkg: Package) -> None:
    """Excel: numbers with 17 significant digits (``0.10000000000000001``)."""
    _numbers(pkg, lambda x: f"{x:.17g}")


def exponent_numbers(pkg: Package) -> None:
    """Numbers, Google Sheets exports: numbers in exponent form (``1.7287E4``)."""
    _numbers(pkg, _exponent)


def _exponent(x: float) -> str:
    """The shortest exponent spelling that reads back as ``x`` (``1.7287E4``)."""
    for digits in range(17):
        text = f"{x:.{digits}E}".replace("E+0", "E").replace("E+", "E").replace("E-0", "E-")
        if float(text) == x:
            return text
    return repr(x)


def _numbers(pkg: Package, spell: Callable[[float], str]) -> None:
    def number(m: re.Match[str]) -> str:
        value = float(m.group(2))
        text = spell(value)
        assert float(text) == value, (text, value)
        return f"{m.group(1)}<v>{text}</v>"

    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: _NUMBER_CELL.sub(number, t))


_NUMBER_CELL = re.compile(
    r'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?>(?:<f>[^<]*</f>)?)<v>(-?[0-9.]+(?:E[-+]?[0-9]+)?)</v>')


def renamed_parts(pkg: Package) -> None:
    """Numbers, POI and Excel after moving sheets: parts named or numbered otherwise."""
    names = _sheets(pkg)
    for i, name in enumerate(reversed(names)):  # renumber: sheet1.xml is now the last sheet
        _rename(pkg, name, f"xl/worksheets/tmp{i}.xml")
    for i in range(len(names)):
        _rename(pkg, f"xl/worksheets/tmp{i}.xml", f"xl/worksheets/sheet{i + 1}.xml")
    _rename(pkg, "xl/sharedStrings.xml", "xl/strings.xml")


def renamed_workbook(pkg: Package) -> None:
    """OPC names the main part only through ``_rels/.rels``: a workbook not called workbook.xml.

    calamine fails on this ("File not found 'xl/_rels/workbook.xml.rels'",
    FACTS.md); Excel, LibreOffice and openpyxl follow the relationship.
    """
    _rename(pkg, "xl/workbook.xml", "xl/book.xml")


def absolute_targets(pkg: Package) -> None:
    """openpyxl: relationship targets absolute from the package root (``/xl/...``)."""
    _edit(pkg, "xl/_rels/workbook.xml.rels", lambda t: re.sub(
        r'Target="(?!/)([^"]+)"', r'Target="/xl/\1"', t))
    _edit(pkg, "_rels/.rels", lambda t: re.sub(r'Target="(?!/)([^"]+)"', r'Target="/\1"', t))


def backslash_targets(pkg: Package) -> None:
    """Some Windows tools: relationship targets written with backslashes."""
    _edit(pkg, "xl/_rels/workbook.xml.rels", lambda t: re.sub(
        r'Target="worksheets/', r'Target="worksheets\\', t))


def no_cell_refs(pkg: Package) -> None:
    """Streaming writers: cells stored without ``r`` where they follow the previous cell.

    The attribute is optional (ECMA-376 18.3.1.4); MiniExcel #2 shows an
    Open XML SDK file with neither cell nor row numbers.
    """
    for name in _sheets(pkg):
        _edit(pkg, name, _drop_cell_refs)


def _drop_cell_refs(text: str) -> str:
    def row(m: re.Match[str]) -> str:
        last_col = 0

        def cell(c: re.Match[str]) -> str:
            nonlocal last_col
            col = _col(c.group(1))
            out = "<c" if col == last_col + 1 and last_col else c.group(0)
            last_col = col
            return out

        return re.sub(r'<c r="([A-Z]+)[0-9]+"', cell, m.group(0))

    return re.sub(r"<row [^>]*>.*?</row>", row, text, flags=re.S)


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def no_row_refs(pkg: Package) -> None:
    """Streaming writers: rows stored without ``r`` where they follow the previous row."""
    for name in _sheets(pkg):
        _edit(pkg, name, _drop_row_refs)


def _drop_row_refs(text: str) -> str:
    last = 0

    def row(m: re.Match[str]) -> str:
        nonlocal last
        number = int(m.group(1))
        out = m.group(0) if number != last + 1 else "<row"
        last = number
        return out

    return re.sub(r'<row r="([0-9]+)"', row, text)


def libreoffice(pkg: Package) -> None:
    """LibreOffice Calc: ``t="n"`` on numbers, ``<f aca="false">``, sheet names unquoted."""
    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: re.sub(
            r'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?)(?=>(?:<f>[^<]*</f>)?<v>[-0-9.E]*</v>)',
            r'\1 t="n"', t).replace("<f>", '<f aca="false">'))
    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: re.sub(r"'([A-Za-z]+)'!", r"\1!", t))
    _edit(pkg, "docProps/app.xml", lambda t: re.sub(
        r"<Application>[^<]*</Application>",
        "<Application>LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2"
        "</Application>", t))


def formula_spellings(pkg: Package) -> None:
    """Excel, WPS, LibreOffice re-spell formulas: case, spaces, ``$``, ``_xlfn.``, ``=``."""
    def respell(m: re.Match[str]) -> str:
        f = m.group(1)
        f = re.sub(r"\b(IF|ISNUMBER|AND|COUNTIF|ISBLANK|NOT)\(", lambda x: "_xlfn." + x.group(1)
                   .lower() + "(", f, count=1)
        f = re.sub(r"([A-Z])([0-9]+)", r"$\1$\2", f, count=1)
        f = f.replace(",", ", ")
        return f"<f>{f}</f>"

    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: re.sub(r"<f>([^<]*)</f>", respell, t))


def strict(pkg: Package) -> None:
    """Excel "Strict Open XML Spreadsheet": purl.oclc.org namespaces throughout."""
    for name in _xml_parts(pkg):
        _edit(pkg, name, lambda t: t.replace(MAIN, STRICT_MAIN).replace(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            STRICT_REL))
    _edit(pkg, "xl/workbook.xml", lambda t: t.replace(
        f'<workbook xmlns="{STRICT_MAIN}"', f'<workbook xmlns="{STRICT_MAIN}" '
        'conformance="strict"', 1))


def date1904(pkg: Package) -> None:
    """Excel for Mac before 2011 (and an option in every Excel): the 1904 date system.

    The sample holds no date serial in a date-formatted cell, so flipping the
    flag keeps every value; tests that need a date put one in first.
    """
    _edit(pkg, "xl/workbook.xml", lambda t: t.replace(
        "<workbookPr ", '<workbookPr date1904="1" ', 1))


def ns0_prefixed(pkg: Package) -> None:
    """Python ElementTree scripts: every part re-serialised with ``ns0:``-style prefixes.

    ExcelDataReader #682 (``ns0:Relationships``), Open-XML-SDK #35
    (``ns0:Types``); Excel reads them, being namespace-correct XML.
    """
    for name in _xml_parts(pkg):
        _edit(pkg, name, _prefix_default)


def _prefix_default(text: str) -> str:
    match = re.search(r' xmlns="([^"]+)"', text)
    if match is None:
        return text
    text = text.replace(match.group(0), f' xmlns:ns0="{match.group(1)}"', 1)
    return re.sub(r"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", r"<\1ns0:\2", text)


def no_xml_declaration(pkg: Package) -> None:
    """Open XML SDK: parts written without an XML declaration."""
    for name in _xml_parts(pkg):
        _edit(pkg, name, lambda t: re.sub(r"^<\?xml[^>]*\?>\s*", "", t))


def crlf(pkg: Package) -> None:
    """Windows tools: CR LF after the declaration."""
    for name in _xml_parts(pkg):
        _edit(pkg, name, lambda t: t.replace("?>", "?>\r\n", 1))


def single_quotes_reordered(pkg: Package) -> None:
    """Hand-rolled writers: single-quoted attributes, ``t`` before ``r`` and ``s``."""
    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: re.sub(
            r'<c r="([A-Z]+[0-9]+)" s="([0-9]+)" t="([a-z]+)"',
            r"<c t='\3' s='\2' r='\1'", t))


def drop_app_props(pkg: Package) -> None:
    """rust_xlsxwriter with ``set_properties`` unset, Numbers: no ``docProps/app.xml``."""
    del pkg.members["docProps/app.xml"]
    _edit(pkg, "_rels/.rels", lambda t: re.sub(r'<Relationship [^>]*extended-properties[^>]*/>',
                                               "", t))
    _edit(pkg, "[Content_Types].xml", lambda t: re.sub(
        r'<Override PartName="/docProps/app.xml"[^>]*/>', "", t))


def drop_custom_props(pkg: Package) -> None:
    """exceljs and R openxlsx re-saves drop ``docProps/custom.xml`` (exceljs #2109,
    openxlsx #436): the identity is then read from the hidden identity sheet alone."""
    del pkg.members["docProps/custom.xml"]
    _edit(pkg, "_rels/.rels", lambda t: re.sub(r'<Relationship [^>]*custom-properties[^>]*/>',
                                               "", t))
    _edit(pkg, "[Content_Types].xml", lambda t: re.sub(
        r'<Override PartName="/docProps/custom.xml"[^>]*/>', "", t))


def stored(pkg: Package) -> None:
    """Some Java and .NET writers: members stored without compression."""
    pkg.compression = zipfile.ZIP_STORED


def streamed(pkg: Package) -> None:
    """POI SXSSF / Java ``ZipOutputStream``: data descriptors after each member."""
    pkg.streamed = True


def zip64(pkg: Package) -> None:
    """.NET ``System.IO.Packaging`` and big-file writers: zip64 extra fields."""
    pkg.zip64 = True


def member_order(pkg: Package) -> None:
    """Numbers, Google Sheets: members in another order (content types not first)."""
    items = list(pkg.members.items())
    pkg.members.clear()
    pkg.members.update(reversed(items))


def openpyxl_results(pkg: Package) -> None:
    """openpyxl: formulas saved without their results (``<f>`` and no ``<v>``)."""
    for name in _sheets(pkg):
        _edit(pkg, name, lambda t: re.sub(r"(<f>[^<]*</f>)<v>[^<]*</v>", r"\1", t))
    pkg.drops_cached_values = True


def _chain(*steps: Callable[[Package], None]) -> Callable[[Package], None]:
    def run(pkg: Package) -> None:
        for step in steps:
            step(pkg)
    run.__doc__ = " + ".join((s.__doc__ or s.__name__).split(":")[0] for s in steps)
    return run


#: name -> transform; the clients whose habit each one copies are in its docstring.
VARIANTS: dict[str, Callable[[Package], None]] = {
    "excel-shared-formulas": shared_formulas,
    "excel-desktop": _chain(shared_formulas, excel_markup, seventeen_digits,
                            calc_chain_and_printer, x14_extensions),
    "excel-mac-1904": _chain(shared_formulas, excel_markup, date1904),
    "excel-web": _chain(shared_formulas, excel_markup, rich_text, calc_chain_and_printer),
    "excel-markup": excel_markup,
    "excel-x14-extensions": x14_extensions,
    "excel-calcchain-printer": calc_chain_and_printer,
    "excel-17-digits": seventeen_digits,
    "excel-strict": strict,
    "excel-strict-shared": _chain(shared_formulas, strict),
    "rich-text-runs": rich_text,
    "phonetic-runs": phonetic,
    "google-sheets": _chain(exponent_numbers, member_order, drop_app_props),
    "numbers": _chain(rich_text, exponent_numbers, renamed_parts),
    "libreoffice": libreoffice,
    "wps": _chain(excel_markup, formula_spellings),
    "formula-spellings": formula_spellings,
    "openxml-sdk-prefixed": _chain(prefixed, no_xml_declaration),
    "openxml-sdk-indented": indented,
    "elementtree-ns0": ns0_prefixed,
    "openxml-sdk-inline": _chain(inline_strings, prefixed),
    "poi-xssf": _chain(streamed, single_quotes_reordered),
    "poi-sxssf": _chain(inline_strings, streamed),
    "sheetjs": _chain(str_strings, no_row_refs),
    "openpyxl": _chain(absolute_targets, openpyxl_results),
    "xlsxwriter-constant-memory": inline_strings,
    "rust-xlsxwriter": drop_app_props,
    "exceljs-openxlsx-resave": drop_custom_props,
    "renamed-parts": renamed_parts,
    "renamed-workbook": renamed_workbook,
    "absolute-targets": absolute_targets,
    "backslash-targets": backslash_targets,
    "cells-without-r": no_cell_refs,
    "rows-without-r": no_row_refs,
    "zip-stored": stored,
    "zip-data-descriptors": streamed,
    "zip64": zip64,
    "indented-crlf": _chain(indented, crlf),
    "exponent-numbers": exponent_numbers,
}


def variant(data: bytes, name: str) -> Package:
    pkg = unpack(data)
    VARIANTS[name](pkg)
    return pkg


# --------------------------------------------------------------------------- independent reader


def et_cells(data: bytes) -> dict[str, dict[str, object]]:
    """Sheet name -> cell -> value (or ``"=formula"`` text), read with ElementTree only.

    Namespace-blind, so it reads Strict and prefixed parts alike; follows
    relationships (relative, absolute, backslashed), shared strings (runs,
    phonetic runs left out), inline and ``t="str"`` strings, and cells and
    rows without ``r``.  Shared-formula followers give the master's text
    translated (by hnbxl's translator: this reader checks values, not that).
    """
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = {n.replace("\\", "/").lstrip("/").lower(): n for n in zf.namelist()}

    def load(part: str) -> ET.Element:
        return ET.fromstring(zf.read(names[part.lower()]))

    def local(tag: str) -> str:
        return tag.rpartition("}")[2]

    def resolve(base: str, target: str) -> str:
        import posixpath
        target = target.replace("\\", "/")
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))

    root_rels = load("_rels/.rels")
    book_part = next(resolve("", r.get("Target", "")) for r in root_rels
                     if r.get("Type", "").endswith("/officeDocument"))
    rels = {r.get("Id"): (r.get("Type", ""), resolve(book_part, r.get("Target", "")))
            for r in load(_rels_of(book_part))}
    strings: list[str] = []
    for kind, part in rels.values():
        if kind.endswith("/sharedStrings"):
            for si in load(part):
                strings.append("".join(t.text or "" for t in si.iter()
                                       if local(t.tag) == "t" and _not_phonetic(si, t)))
    out: dict[str, dict[str, object]] = {}
    for sheet in load(book_part).iter():
        if local(sheet.tag) != "sheet":
            continue
        rid = next(v for k, v in sheet.attrib.items() if local(k) == "id")
        out[sheet.get("name", "")] = _et_sheet(load(rels[rid][1]), strings, local)
    return out


def _not_phonetic(si: ET.Element, t: ET.Element) -> bool:
    phonetic = [x for rph in si if rph.tag.endswith("rPh") for x in rph.iter()]
    return not any(x is t for x in phonetic)


def _et_sheet(root: ET.Element, strings: list[str], local) -> dict[str, object]:
    cells: dict[str, object] = {}
    masters: dict[str, tuple[str, str]] = {}
    row_no = 0
    for row in root.iter():
        if local(row.tag) != "row":
            continue
        row_no = int(row.get("r", row_no + 1))
        col = 0
        for c in row:
            if local(c.tag) != "c":
                continue
            ref = c.get("r")
            if ref:
                col = _col(re.match(r"[A-Z]+", ref).group(0))  # type: ignore[union-attr]
            else:
                col += 1
                ref = _letters(col) + str(row_no)
            kind = c.get("t", "n")
            parts = {local(x.tag): x for x in c}
            f = parts.get("f")
            v = parts.get("v")
            if f is not None:
                text = f.text or ""
                if f.get("t") == "shared" and f.get("ref"):
                    masters[f.get("si", "")] = (ref, text)
                elif f.get("t") == "shared" and not text:
                    anchor, master = masters[f.get("si", "")]
                    a = re.match(r"([A-Z]+)([0-9]+)", anchor)
                    assert a
                    text = translate(master, row_no - int(a.group(2)), col - _col(a.group(1)))
                cells[ref] = "=" + text
                continue
            if kind == "s" and v is not None:
                cells[ref] = strings[int(v.text or "0")]
            elif kind == "inlineStr":
                cells[ref] = "".join(t.text or "" for t in parts["is"].iter()
                                     if local(t.tag) == "t")
            elif kind == "str":
                cells[ref] = v.text or "" if v is not None else ""
            elif v is not None and v.text:
                number = float(v.text)
                cells[ref] = int(number) if number.is_integer() else number
    return {ref: value for ref, value in cells.items() if value != ""}


def _letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def crc_ok(data: bytes) -> bool:
    """Every member inflates to its recorded CRC (the variant is a sound zip)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return all(zlib.crc32(zf.read(i)) == i.CRC for i in zf.infolist())
