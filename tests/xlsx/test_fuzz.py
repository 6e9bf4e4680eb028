"""Mutated and random files never crash the reader: each ends in values or an issue.

One valid return's bytes are mutated (bytes flipped, cut short, ranges zeroed
or duplicated) with a seeded generator, and random bytes (raw, behind a zip or
OLE2 signature, or as the XML of one zip member) come from hypothesis.  Every
run must end in a :class:`~hnbxl.returns.read.ReturnRead` with values or at least one
issue, never an uncaught exception.
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnbxl.core.periods import Period
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import FormLayout, InputSpec, build_layout
from hnbxl.programme.definition import Programme, load_programme
from hnbxl.returns.coerce import PROBLEM_CODES, coerce
from hnbxl.returns.read import ReturnRead, read_return
from hnbxl.store.history import History
from hnbxl.xlsx.safety import CODES, OLE2_MAGIC, Limits, UnsafeWorkbook, check_file

SEED = 20240301
MUTATIONS = 2000
BUDGET_SECONDS = 60.0
MEMBER_SHARE = 0.3  # of the mutations, made inside one zip member

SEND_VALUES = {
    "conditions.c1.rating": "Green - On Track",
    "conditions.c2.rating": "Amber - Off Track",
    "measures.needs_assessment_requests.figure": 169,
    "measures.needs_assessment_requests.last_update": "Jan-24",
    "measures.needs_assessment_requests.rating": "Red - At Risk",
    "measures.independent_special_school.figure": 0.0606,
    "measures.average_cost_per_ehcp.figure": 17287,
    "measures.move_up_provision.reason": "Data coming",
}


@pytest.fixture(scope="module")
def valid_bytes(programme: Programme) -> bytes:
    layout = build_layout(programme, Period(2024, 2), "send", None, date(2024, 3, 1))
    return render_form(layout, values=SEND_VALUES)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def mutate(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation, named for the failure message."""
    n = len(data)
    kind = rng.choice(("flip", "truncate", "zero", "duplicate", "flip-many"))
    out = bytearray(data)
    if kind == "flip":
        pos = rng.randrange(n)
        out[pos] ^= 1 << rng.randrange(8)
        return f"flip bit at {pos}", bytes(out)
    if kind == "flip-many":
        positions = [rng.randrange(n) for _ in range(rng.randint(2, 40))]
        for pos in positions:
            out[pos] = rng.randrange(256)
        return f"random bytes at {positions[:5]}...", bytes(out)
    if kind == "truncate":
        cut = rng.randrange(n)
        return f"truncate at {cut}", bytes(out[:cut])
    start = rng.randrange(n)
    length = rng.randint(1, min(4096, n - start))
    if kind == "zero":
        out[start:start + length] = bytes(length)
        return f"zero {length} bytes at {start}", bytes(out)
    at = rng.randrange(n)
    return (f"duplicate {length} bytes from {start} at {at}",
            bytes(out[:at] + out[start:start + length] + out[at:]))


def assert_outcome(read: ReturnRead) -> None:
    assert isinstance(read, ReturnRead)
    assert read.values or read.issues
    for issue in read.issues:
        assert issue.code and issue.message and "\n" not in issue.message


def _members(data: bytes) -> dict[str, bytes]:
    source = zipfile.ZipFile(io.BytesIO(data))
    return {info.filename: source.read(info.filename) for info in source.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return out.getvalue()


def mutations(data: bytes, count: int, seed: int) -> list[tuple[str, bytes]]:
    """``count`` mutated files: most on the file's bytes, the rest inside one zip member.

    Flipping bytes of the file mostly breaks the zip (CRC, deflate); mutating
    a member's XML and zipping it again reaches the XML reader and the checks.
    Each kind has its own generator, so either sequence is reproducible alone.
    """
    in_members = int(count * MEMBER_SHARE)
    rng = random.Random(seed)
    out = [mutate(data, rng) for _ in range(count - in_members)]
    rng = random.Random(seed + 1)
    members = _members(data)
    names = sorted(members)
    for _ in range(in_members):
        name = rng.choice(names)
        what, content = mutate(members[name], rng)
        out.append((f"{name}: {what}", _zip({**members, name: content})))
    return out


@pytest.mark.slow
def test_mutated_returns_never_crash(valid_bytes: bytes, scratch: Path,
                                     programme: Programme) -> None:
    history = History(scratch / "h.sqlite")
    path = scratch / "mutated.xlsx"
    outcomes: Counter[str] = Counter()
    crashes: dict[str, str] = {}
    started = time.perf_counter()
    for i, (what, data) in enumerate(mutations(valid_bytes, MUTATIONS, SEED)):
        path.write_bytes(data)
        try:
            read = read_return(path, programme, history)
        except Exception as exc:
            crashes.setdefault(type(exc).__name__, f"mutation {i} ({what}): {exc!r}")
            continue
        assert_outcome(read)
        outcomes[read.issues[0].code if read.issues else "clean"] += 1
    elapsed = time.perf_counter() - started
    assert not crashes, "\n".join(crashes.values())
    assert elapsed < BUDGET_SECONDS, f"{MUTATIONS} mutations took {elapsed:.1f}s"
    # The mutations reach past the zip layer, not only into "corrupt-zip".
    assert {"corrupt-zip", "corrupt-xml", "clean"} <= set(outcomes), outcomes
    assert len(outcomes) >= 5, outcomes


def test_the_unmutated_return_is_clean(valid_bytes: bytes, scratch: Path,
                                       programme: Programme) -> None:
    path = scratch / "valid.xlsx"
    path.write_bytes(valid_bytes)
    read = read_return(path, programme, History(scratch / "h.sqlite"))
    assert read.issues == []
    assert read.values["measures.needs_assessment_requests.figure"].value == 169


def _check(path: Path) -> None:
    """check_file either accepts the bytes or refuses them with a known code."""
    try:
        checked = check_file(path)
    except UnsafeWorkbook as exc:
        assert exc.code in CODES, exc.code
        assert exc.message and "\n" not in exc.message
        assert len(exc.sha256) == 64
    else:
        assert checked.data == path.read_bytes()


_SMALL = settings(max_examples=150, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])

random_files = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=2048).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=2048).map(lambda b: b"PK\x05\x06" + b),
    st.binary(max_size=4096).map(lambda b: OLE2_MAGIC + b),
    st.text(max_size=500).map(lambda t: t.encode("utf-8")),
)


@_SMALL
@given(data=random_files)
def test_random_bytes(data: bytes, scratch: Path, programme: Programme) -> None:
    path = scratch / "random.xlsx"
    path.write_bytes(data)
    _check(path)
    read = read_return(path, programme, History(scratch / "h.sqlite"))
    assert_outcome(read)
    assert read.issues  # random bytes are never a valid return


_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
            "xl/worksheets/sheet3.xml", "xl/worksheets/sheet7.xml", "xl/sharedStrings.xml",
            "docProps/custom.xml", "docProps/core.xml")

_xml_bits = st.sampled_from([
    "<", ">", "/", "=", '"', "'", "&", ";", "<c r=\"F6\"", " t=\"s\"", " t=\"e\"", " t=\"b\"",
    " t=\"str\"", " t=\"inlineStr\"", " t=\"d\"", "<v>", "</v>", "<f>", "</f>", "<is><t>",
    "</t></is>", "</c>", "<row r=\"6\">", "</row>", "<sheetData>", "</sheetData>", "<si><t>",
    "</t></si>", "<sheet name=\"Key Measures\" r:id=\"rId3\"/>", "<!DOCTYPE x>", "<!--",
    "-->", "<![CDATA[", "]]>", "<?pi?>", "_x0001_", "&#1;", "&amp;", "0", "1", "-1", "1e308",
    "nan", "169", "#DIV/0!", "99999999999", "\u00a3", "\n", " ", "x:", "xmlns=\"a\"",
])
random_xml = st.lists(_xml_bits, max_size=60).map(
    lambda parts: ('<?xml version="1.0" encoding="UTF-8"?><worksheet>' + "".join(parts)
                   + "</worksheet>").encode())


@pytest.mark.slow
@_SMALL
@given(name=st.sampled_from(_MEMBERS),
       content=st.one_of(random_xml, st.binary(max_size=512)))
def test_random_member_content(name: str, content: bytes, valid_bytes: bytes, scratch: Path,
                               programme: Programme) -> None:
    """A structurally valid zip whose one member is random: reaches the XML reader."""
    path = scratch / "member.xlsx"
    path.write_bytes(_zip({**_members(valid_bytes), name: content}))
    _check(path)
    read = read_return(path, programme, History(scratch / "h.sqlite"))
    assert_outcome(read)


@_SMALL
@given(cut=st.integers(min_value=0, max_value=30_000),
       limit=st.integers(min_value=1, max_value=200_000))
def test_truncation_and_tiny_limits(cut: int, limit: int, valid_bytes: bytes, scratch: Path,
                                    programme: Programme) -> None:
    path = scratch / "cut.xlsx"
    path.write_bytes(valid_bytes[:cut])
    limits = Limits(max_total_uncompressed=limit, max_member_uncompressed=limit,
                    max_cells=max(1, limit // 100), ratio_applies_above=limit // 10)
    read = read_return(path, programme, History(scratch / "h.sqlite"), limits)
    assert_outcome(read)


# --------------------------------------------------------------------------- cell values


def _send_layout() -> FormLayout:
    return build_layout(load_programme(), Period(2024, 2), "send", None, date(2024, 3, 1))


_SPECS = _send_layout().inputs
_LABELS = {s.label: s.key for s in load_programme().scale.states}

raw_cells = st.one_of(
    st.tuples(st.text(max_size=40), st.just("s")),
    st.tuples(st.from_regex(r"[ £$€(+\-]{0,2}[0-9.,]{1,12}[%)kmKM ]{0,2}", fullmatch=True),
              st.just("s")),
    st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.just("n")),
    st.tuples(st.integers(min_value=-(10**30), max_value=10**30), st.just("n")),
    st.tuples(st.booleans(), st.just("b")),
    st.tuples(st.dates().map(lambda d: d.isoformat()), st.just("d")),
    st.tuples(st.sampled_from(["#DIV/0!", "#N/A", "#REF!", "#VALUE!", ""]), st.just("e")),
    st.tuples(st.sampled_from([*_LABELS, "Jan-24", "2024-01", "01/02/2024", "n/a", "-"]),
              st.just("s")),
)


@pytest.mark.slow  # a long property run (400 examples)
@settings(max_examples=400, deadline=None, database=None)
@given(spec=st.sampled_from(_SPECS), cell=raw_cells)
def test_coerce_never_raises_and_errors_keep_no_value(spec: InputSpec,
                                                       cell: tuple[object, str]) -> None:
    raw, cell_type = cell
    coerced = coerce(spec, raw, cell_type, scale_labels=_LABELS)
    for problem in coerced.problems:
        assert problem.code in PROBLEM_CODES, problem.code
        assert problem.message and "\n" not in problem.message
    if coerced.has_error:
        assert coerced.value is None, (spec.field, raw, coerced)
