"""Nothing from a file reaches the terminal raw, and --json is always JSON (issue 20).

A return's sender chooses its file name and every cell's text.  These tests
feed names and text holding every control and escape character through
``validate``, ``feedback`` and ``compile`` on the command line and check that
no raw ESC, CR, C1 control or bidirectional control reaches stdout or stderr,
that the only escapes are hnbxl's own colours, and that ``--json`` parses.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnbxl.cli import main
from hnbxl.core.periods import Period
from hnbxl.core.terminal import BIDI_CONTROLS
from hnbxl.forms.generate import render_form
from hnbxl.forms.layout import build_layout
from hnbxl.programme.definition import load_programme
from tests.returns.test_validate_corpus import SAMPLE_VALUES

PROGRAMME = load_programme()
PERIOD = Period(2024, 2)
CONTROLS = [chr(c) for c in range(1, 32)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
HOSTILE = CONTROLS + sorted(BIDI_CONTROLS) + ["\u2028", "\u2029", "\ufeff",
                                               "\x1b]0;owned\x07", "\x1b[2J", "\x1b[31m"]
ORDINARY = [*"ab é£", "👨\u200d👩\u200d👧"]
# The only escape sequences allowed out: hnbxl's own colours (Select Graphic Rendition).
OWN_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS))
                       + "\u2028\u2029\ud800-\udfff]")

texts = st.lists(st.sampled_from(HOSTILE + ORDINARY), min_size=1, max_size=8).map("".join)
names = st.lists(st.sampled_from([c for c in HOSTILE if "/" not in c] + ORDINARY),
                 min_size=1, max_size=6).map("".join)


def assert_harmless(output: str) -> None:
    """No raw control reaches the terminal; hnbxl's own colours are the only escapes."""
    bare = OWN_COLOUR.sub("", output)
    found = FORBIDDEN.search(bare)
    assert found is None, (found.group() if found else None, output)
    assert "unexpected error" not in output, output
    assert "Traceback" not in output, output


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], color=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.stdout, result.stderr


def hostile_returns(folder: Path, name: str, text: str, raw_byte: bool) -> list[Path]:
    """A lead return with ``text`` as its narrative and a send return with it as a count."""
    lead = build_layout(PROGRAMME, PERIOD, "lead", None, date(2024, 3, 1))
    send = build_layout(PROGRAMME, PERIOD, "send", None, date(2024, 3, 1))
    lead_values = dict(SAMPLE_VALUES["lead"], **{"overview.narrative": f"Note {text}"})
    send_values = dict(SAMPLE_VALUES["send"],
                       **{"measures.needs_assessment_requests.figure": text})
    suffix = b"\xff\xfe" if raw_byte else b""
    paths = []
    for owner, layout, values in (("lead", lead, lead_values), ("send", send, send_values)):
        filename = os.fsencode(f"{owner}-{name}") + suffix + b".xlsx"
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), filename)))
        path.write_bytes(render_form(layout, values=values))
        paths.append(path)
    return paths


def check_every_command(name: str, text: str, raw_byte: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "work").mkdir()
        (root / "in").mkdir()
        files = hostile_returns(root / "in", name, text, raw_byte)
        w = ("-w", root / "work")
        code, out, err = run("validate", *w, *files)
        assert code in (0, 1)
        assert_harmless(out + err)
        code, out, err = run("validate", "--json", *w, *files)
        assert_harmless(out + err)
        data = json.loads(out)  # always JSON, valid UTF-8
        out.encode("utf-8")
        assert {os.fsencode(f["file"]) for f in data["files"]} == {
            os.fsencode(str(f)) for f in files}  # non-UTF-8 names survive as escapes
        code, out, err = run("feedback", *w, "--out", root / "fb", *files)
        assert code == 0, out + err
        assert_harmless(out + err)
        code, out, err = run("compile", *w, "--allow-missing", "--allow-warnings",
                             "--allow-queries", "--extracted-on", "2024-03-04", *files)
        assert code in (0, 1)
        assert_harmless(out + err)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=names, text=texts, raw_byte=st.booleans())
def test_hostile_names_and_text_never_reach_the_terminal_raw(name: str, text: str,
                                                             raw_byte: bool) -> None:
    check_every_command(name, text, raw_byte)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=names, text=texts, raw_byte=st.booleans())
def test_hostile_names_and_text_long_run(name: str, text: str, raw_byte: bool) -> None:
    check_every_command(name, text, raw_byte)


def test_the_worst_case_by_hand() -> None:
    """The corpus's own cases: title-setting OSC, clear screen, CR, U+009B, RLO, a raw byte."""
    check_every_command("\x1b]0;pwned\x07\x1b[2J\r\u009b\u202e", "\x1b]0;t\x07\r\u009b\u202e",
                        raw_byte=True)


def test_non_utf8_names_work_in_every_command(tmp_path: Path) -> None:
    """A zip made on Windows gives names that are not UTF-8: compile, history and export work."""
    from tests.conftest import SAMPLES

    folder = os.path.join(os.fsencode(tmp_path), b"in\xff")
    os.mkdir(folder)
    files = []
    for sample in sorted((SAMPLES / "2024-02").glob("*.xlsx")):
        name = os.path.join(folder, os.fsencode(sample.stem) + b"\xe9.xlsx")
        Path(os.fsdecode(name)).write_bytes(sample.read_bytes())
        files.append(Path(os.fsdecode(name)))
    w = ("-w", tmp_path / "work")
    (tmp_path / "work").mkdir()
    for command in (("compile", *w, "--extracted-on", "2024-03-04", *files),
                    ("history", *w, "--all"), ("history", *w, "--export", tmp_path / "t.csv"),
                    ("feedback", *w, "--out", Path(os.fsdecode(folder)), *files)):
        code, out, err = run(*command)
        assert code == 0, out + err
        assert_harmless(out + err)
        assert "\\xff" in out + err or command[0] == "history"
    assert (tmp_path / "work" / "output" / "wiltshire-hnb-2024-02.xlsx").is_file()


def test_a_lone_surrogate_in_a_cell_reaches_no_file_raw(tmp_path: Path) -> None:
    """``_xD800_`` in a narrative: warned about; feedback and compile still write."""
    from tests.security.test_forged import narrative_return

    (tmp_path / "work").mkdir()
    path = narrative_return(PROGRAMME, tmp_path, "a _xD800_ b _x001B_]0;t_x0007_ c")
    w = ("-w", tmp_path / "work")
    code, out, err = run("validate", *w, path)
    assert "control-characters" in out and "U+D800" in out
    assert_harmless(out + err)
    code, out, err = run("feedback", *w, "--out", tmp_path / "fb", path)
    assert code == 0 and (tmp_path / "fb" / "lead-feedback.xlsx").is_file(), out + err
    code, out, err = run("compile", *w, "--allow-missing", "--allow-warnings",
                         "--extracted-on", "2024-03-04", path)
    assert code == 0, out + err
    assert_harmless(out + err)


def test_json_is_json_even_when_the_command_fails(tmp_path: Path) -> None:
    name = tmp_path / "no\x1bsuch"
    code, out, err = run("validate", "--json", "-w", name, tmp_path / "x.xlsx")
    assert code == 1 and json.loads(out)["blocking"] is True
    assert "no such working folder" in json.loads(out)["error"]
    assert_harmless(out + err)


def test_every_printer_goes_through_the_sanitiser() -> None:
    """Only core.terminal prints: any other click.echo/print would bypass visible/printable."""
    import hnbxl

    package = Path(hnbxl.__file__).parent
    allowed = {package / "core" / "terminal.py", package / "docs.py"}
    direct = re.compile(r"\b(click\.echo|click\.secho|print|sys\.std(out|err)\.write)\(")
    found = [f"{path.relative_to(package)}:{number}"
             for path in sorted(package.rglob("*.py")) if path not in allowed
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if direct.search(line) and not line.lstrip().startswith("#")]
    assert not found, f"print through hnbxl.core.terminal.echo instead: {found}"
