"""A sheet's cells, streamed: only the cells asked for are kept, every cell is counted.

Two paths give identical results (the tests read every workbook both ways):

* :func:`sheet_fast` cuts the kept cells out of a part already validated by
  expat (see :func:`hnbxl.xlsx.xmltext.plain_text`) with one regex pass; it is
  exact for what Excel, LibreOffice, XlsxWriter and openpyxl write and raises
  :class:`~hnbxl.xlsx.xmltext._NotPlain` on any shape it does not take;
* :func:`sheet_events` handles all of XML through expat events, streaming,
  for big parts and odd writers (cells without ``r``, prefixed namespaces).

Both end in :func:`store`, which turns a cell's raw parts into a
:class:`~hnbxl.xlsx.model.Cell`.  Shared-string cells are left
:data:`~hnbxl.xlsx.model.PENDING` until the string table is read; shared and
array formulas are noted in a :class:`~hnbxl.xlsx.formulas.SheetFormulas`
and resolved once the sheet is done; a kept number cell's style index is
noted so its number format can be looked up.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.parsers import expat

from hnbxl.core.cells import col_letters, col_number
from hnbxl.xlsx.formulas import SheetFormulas
from hnbxl.xlsx.model import PENDING, Cell, make_cell
from hnbxl.xlsx.safety import UnsafeWorkbook, too_large
from hnbxl.xlsx.sharedstrings import TAG_ATTRS, run_text
from hnbxl.xlsx.xmltext import (
    _BadContent,
    _NotPlain,
    local_name,
    new_parser,
    parse_attrs,
    parse_number,
    truthy,
    unescape,
    xml_text,
)

__all__ = [
    "SheetResult",
    "normalise_ref",
    "sheet_events",
    "sheet_fast",
    "store",
    "too_many_cells",
]

_new = object.__new__
#: An empty cell (styled, or blank ``<v/>``): one shared object, cells are immutable.
_EMPTY = make_cell(None, "", None, False)

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


@dataclass
class SheetResult:
    """What one sheet gave: kept cells, protection, and what is resolved afterwards."""

    cells: dict[str, Cell] = field(default_factory=dict)
    protected: bool = False
    # (ref, shared string index, formula) for cells resolved after the sst is read
    shared: list[tuple[str, int, str | None]] = field(default_factory=list)
    seen: int = 0
    styles: dict[str, str] = field(default_factory=dict)  # kept cell -> its s="" index
    formulas: SheetFormulas = field(default_factory=SheetFormulas)


def store(
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
            cells[ref] = _EMPTY if formula is None else make_cell(None, "", formula, False)
        else:
            cells[ref] = make_cell(parse_number(v), "n", formula, True)
    elif t == "s":
        if v is None or not v.strip():
            cells[ref] = _EMPTY if formula is None else make_cell(None, "", formula, False)
            return
        try:
            index = int(v)
        except ValueError:
            raise _BadContent(f"cell {ref} has a bad text index {v[:20]!r}") from None
        cells[ref] = PENDING  # placeholder keeps the order
        shared.append((ref, index, formula))
    elif t == "str":
        if v is None:
            cells[ref] = _EMPTY if formula is None else make_cell(None, "", formula, False)
        else:
            cells[ref] = make_cell(unescape(v), "s", formula, True)
    elif t == "inlineStr":
        if inline is None:
            cells[ref] = _EMPTY if formula is None else make_cell(None, "", formula, False)
        else:
            cells[ref] = make_cell(unescape(inline), "s", formula, True)
    elif t == "b":
        flag = None if v is None else v.strip().lower()
        if not flag:
            cells[ref] = _EMPTY if formula is None else make_cell(None, "", formula, False)
        elif flag in ("1", "true"):
            cells[ref] = make_cell(True, "b", formula, True)
        elif flag in ("0", "false"):
            cells[ref] = make_cell(False, "b", formula, True)
        else:
            raise _BadContent(f"cell {ref} has a bad TRUE/FALSE value {flag[:20]!r}")
    elif t in ("e", "d"):
        if v is None or not v.strip():
            cells[ref] = _EMPTY if formula is None else make_cell(None, "", formula, False)
        else:
            cells[ref] = make_cell(v.strip(), t, formula, True)
    else:
        raise _BadContent(f"cell {ref} has an unknown type {t[:20]!r}")


# Element patterns for the *insides* of one kept cell: small strings, already
# validated, so these never scan a whole part.
_V_EL = re.compile(r"<v(?=[\s/>])" + TAG_ATTRS + r"(?:/>|>([^<]*)</v>)")
_F_EL = re.compile(r"<f(?=[\s/>])(" + TAG_ATTRS + r")(?:/>|>([^<]*)</f>)")
_IS_EL = re.compile(r"<is(?=[\s/>])" + TAG_ATTRS + r"(?:/>|>(.*?)</is>)", re.S)
_PROTECTION = re.compile(r"<sheetProtection(?=[\s/>])(" + TAG_ATTRS + r")/?>")


# Any cell start tag not of the form <c r="...": left to the event path.
_ODD_CELL = re.compile(r'<c(?:[>/\t\n\r]| (?!r="))')
# One cell of a plain sheet, whole, as one tuple of findall (no match objects):
# ref, s, t, other attributes, then one of three shapes: "/" of an empty cell;
# the usual [<f>text</f>]<v>text</v></c> (markers "<f>" and "<v>" say which
# parts were there); or any other body, up to the cell's end tag.
_CELL = re.compile(
    r'<c r="([^"&]*)"(?: s="([^"&]*)")?(?: t="([^"&]*)")?((?: [\w:.-]+="[^"&]*")*) ?'
    r"(?:(/)>|>(?:(<f>)?(?(6)([^<]*)</f>)(<v>)([^<]*)</v></c>|(.*?)</c>))",
    re.S,
)


def sheet_fast(
    text: str, keep: frozenset[str] | None, max_cells: int, seen_before: int, part: str
) -> SheetResult:
    """Cut the kept cells out of a validated, plain sheet.

    Exact here because in well-formed XML without comments, CDATA or
    processing instructions ``<`` only ever starts markup, so ``<c r="F7"``
    can only be the start tag of cell F7, and a cell's first ``</c>`` is its
    end (cells do not nest).  One ``findall`` cuts every cell into a tuple of
    its parts (cheaper than a match object per cell: the cutting was half the
    reader's Python time); only kept cells are looked at further.  Shapes
    Excel never writes (a cell without ``r`` or with ``r`` not first,
    attributes over several lines, single quotes, entities in attributes,
    cells inside cells) are caught by the count check and raise
    :class:`_NotPlain`: the sheet goes to the event path.
    """
    lo, hi = _cell_span(text)
    if _ODD_CELL.search(text, lo, hi):
        raise _NotPlain()
    seen = text.count('<c r="', lo, hi)
    if seen_before + seen > max_cells:
        raise too_many_cells(max_cells, part)
    result = SheetResult(seen=seen)
    if keep is not None and not keep:  # nothing wanted here: counting was enough
        _read_protection(text, result)
        return result
    cells = result.cells
    shared = result.shared
    styles = result.styles
    shared_formulas = result.formulas
    found = _CELL.findall(text, lo, hi)
    if len(found) != seen:  # a cell start tag the pattern did not take
        raise _NotPlain()
    for ref, style, t, rest, empty, has_f, formula, has_v, v, body in found:
        if keep is not None and ref not in keep:
            continue
        if rest:
            if " t=" in rest:
                raise _NotPlain()
            if " s=" in rest:
                style = parse_attrs(rest).get("s", "")
        if style and style != "0" and (not t or t == "n"):  # formats matter for numbers
            styles[ref] = style
        if has_v:  # <c ...>[<f>text</f>]<v>text</v></c>, by far the most common shape
            if "&" in v or "\r" in v:
                v = xml_text(v)
            if not has_f:
                formula = None
            elif "&" in formula or "\r" in formula:
                formula = xml_text(formula)
            if not t and v and not v.isspace():  # a number: the hot case, inlined
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
                cells[ref] = PENDING
            else:
                store(cells, shared, ref, t or "n", v, formula, None)
        elif empty:
            store(cells, shared, ref, t or "n", None, None, None)
        else:
            _store_body(cells, shared, shared_formulas, ref, t or "n", body)
    if shared_formulas.needs_scan or text.find("array", lo, hi) >= 0:
        shared_formulas.scan(text, parse_attrs, xml_text)
    _read_protection(text, result)
    return result


def _store_body(cells: dict[str, Cell], shared: list[tuple[str, int, str | None]],
                formulas: SheetFormulas, ref: str, t: str, body: str) -> None:
    """A kept cell of any other shape: its ``<v>``, ``<f>`` (with attributes) and ``<is>``."""
    inline: str | None = None
    formula: str | None = None
    found = _V_EL.search(body)
    v = xml_text(found.group(1) or "") if found else None
    found = _F_EL.search(body)
    if found:
        formula = xml_text(found.group(2) or "")
        if found.group(1).strip():
            formulas.note(ref, parse_attrs(found.group(1)), formula)
    if "<is" in body:
        found = _IS_EL.search(body)
        if found:
            inline = xml_text(run_text(found.group(1) or ""))
    store(cells, shared, ref, t, v, formula, inline)


#: A cell start tag of any shape; none may appear outside ``<sheetData>``.
_CELL_TAG = re.compile(r"<c[\s>/]")
_SHEET_DATA = re.compile(r"<sheetData(?=[\s/>])" + TAG_ATTRS + r"(/?)>")


def _cell_span(text: str) -> tuple[int, int]:
    """Where a plain sheet's cells are: the inside of ``<sheetData>``.

    Cells can only be there, and the markup after it (conditional formats,
    data validations, extensions) is often most of the part, so the cell
    passes skip it.  Exact: if a cell start tag appears outside (a second
    ``<sheetData>``, say), :class:`_NotPlain` sends the sheet to the event path.
    """
    start = text.find("<sheetData")
    if start < 0:
        lo = hi = 0
    else:
        tag = _SHEET_DATA.match(text, start)
        if tag is None:
            raise _NotPlain()
        lo = tag.end()
        hi = lo if tag.group(1) else text.find("</sheetData>", lo)
        if hi < 0:
            raise _NotPlain()
    if _CELL_TAG.search(text, 0, lo) or _CELL_TAG.search(text, hi):
        raise _NotPlain()
    return lo, hi


def _read_protection(text: str, result: SheetResult) -> None:
    """``<sheetProtection sheet="1">``: found by a plain find, which is faster than a
    regex search over the whole part, then checked by the regex where it starts."""
    pos = text.find("<sheetProtection")
    while pos >= 0:
        protection = _PROTECTION.match(text, pos)
        if protection:
            result.protected = truthy(parse_attrs(protection.group(1)).get("sheet"))
            return
        pos = text.find("<sheetProtection", pos + 1)


def sheet_events(
    part: str,
    keep: frozenset[str] | None,
    max_cells: int,
    seen_before: int,
    feed: Callable[[expat.XMLParserType], None],
) -> SheetResult:
    """The general path: expat events for every element, streaming.

    For a cell not kept this costs one counter bump and one set lookup;
    end and text handlers are attached only while inside a kept cell.
    ``<dimension>`` is never consulted, so a lying one costs nothing.
    ``feed`` runs the part through the parser; ``result.seen`` counts the
    sheet's cells, checked against ``max_cells`` with ``seen_before`` from
    the sheets before it.
    """
    result = SheetResult()
    cells = result.cells
    shared = result.shared
    styles = result.styles
    shared_formulas = result.formulas
    parser = new_parser()
    seen = seen_before

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
                raise too_many_cells(max_cells, part)
            r = attrs.get("r")
            if r is None:
                r = next_ref(last_ref, row_no)
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
            store(
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
    feed(parser)
    result.seen = seen - seen_before
    return result


def next_ref(last_ref: str, row_no: int) -> str:
    """The address of a cell stored without ``r``: one right of the previous."""
    if last_ref:
        col, row = _split_ref(last_ref)
        return col_letters(col + 1) + str(row)
    return "A" + str(max(row_no, 1))


def too_many_cells(max_cells: int, part: str) -> UnsafeWorkbook:
    return too_large(f"The workbook holds more than {max_cells:,} cells", part)
