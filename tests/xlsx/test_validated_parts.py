"""Parts validated before are not parsed again, and that changes nothing.

The returns of one form share many parts byte for byte, so the reader keeps
the validated text of a part it has met twice (:func:`hnbxl.xlsx.xmltext.plain_text`),
and what the custom properties and the workbook's relationships gave
(:mod:`hnbxl.xlsx.package`).  The same bytes give the same result; other
bytes, however close, are parsed (and refused) as ever; a refusal is never kept.
"""

from __future__ import annotations

import pytest

from hnbxl.xlsx import package, xmltext
from hnbxl.xlsx.reader import read_workbook
from hnbxl.xlsx.safety import UnsafeWorkbook
from tests.conftest import SAMPLES
from tests.returns.test_validate_corpus import rezip

GOOD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData/></worksheet>'


@pytest.fixture(autouse=True)
def empty_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmltext, "_VALIDATED", {})
    monkeypatch.setattr(xmltext, "_LENGTHS", set())
    monkeypatch.setattr(xmltext, "_validated_chars", 0)


def parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Count the real validations from now on."""
    seen: list[bytes] = []
    real = xmltext._plain_text

    def counted(part: str, data: bytes) -> str | None:
        seen.append(data)
        return real(part, data)

    monkeypatch.setattr(xmltext, "_plain_text", counted)
    return seen


def test_a_part_met_twice_is_kept_and_given_back_unparsed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = parses(monkeypatch)
    texts = [xmltext.plain_text("xl/worksheets/sheet1.xml", GOOD) for _ in range(5)]
    assert texts == [GOOD.decode()] * 5
    # its length noted, then its digest, then its text kept: never parsed again
    assert len(seen) == 3


def test_other_bytes_are_parsed_and_refused_as_ever(monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        xmltext.plain_text("xl/worksheets/sheet1.xml", GOOD)
    broken = GOOD.replace(b"</worksheet>", b"</worksheep>")
    for _ in range(3):  # never kept: refused every time, naming the part
        with pytest.raises(UnsafeWorkbook, match=r"sheet2\.xml is not well-formed"):
            xmltext.plain_text("xl/worksheets/sheet2.xml", broken)
    entity = GOOD.replace(b"<worksheet>", b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet>')
    with pytest.raises(UnsafeWorkbook) as refused:
        xmltext.plain_text("xl/worksheets/sheet1.xml", entity)
    assert refused.value.code == "xml-entities"


def test_a_part_the_fast_path_may_not_cut_is_never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    commented = GOOD.replace(b"<sheetData/>", b"<!-- a note --><sheetData/>")
    for _ in range(3):
        assert xmltext.plain_text("xl/worksheets/sheet1.xml", commented) is None
    assert all(value is None for value in xmltext._VALIDATED.values())


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xmltext, "_VALIDATED_KEYS", 3)
    for i in range(10):
        part = GOOD.replace(b"<sheetData/>", b"<sheetData/>" + b" " * i)
        xmltext.plain_text("p", part)
        xmltext.plain_text("p", part)
        assert len(xmltext._VALIDATED) <= 3


@pytest.mark.parametrize("member", ["docProps/custom.xml", "xl/_rels/workbook.xml.rels"])
def test_kept_package_parts_read_the_same_and_damage_is_refused(
        member: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package, "_EVENTS_KEPT", {})
    data = (SAMPLES / "2024-02" / "wiltshire-hnb-2024-02-send.xlsx").read_bytes()
    first, again = (read_workbook(data, {"_hnbxl": ["A1"]}) for _ in range(2))
    assert first == again and first.custom_properties and len(package._EVENTS_KEPT) == 2
    ends = b"</Properties>" if member.startswith("docProps") else b"</Relationships>"
    broken = rezip(data, lambda name, body: body.replace(ends, ends[:-2] + b">")
                   if name == member else body)
    for _ in range(2):  # never kept: refused each time
        with pytest.raises(UnsafeWorkbook) as refused:
            read_workbook(broken, {"_hnbxl": ["A1"]})
        assert refused.value.code == "corrupt-xml" and member in refused.value.message
