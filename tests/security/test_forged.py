"""Forged save times, hostile text in cells, hostile definitions, SQL patterns (issue 20)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hnbxl.api import validate_returns
from hnbxl.cli import main
from hnbxl.programme.definition import Programme, default_definition_path
from hnbxl.store.workspace import Workspace
from tests.returns.test_validate_corpus import (
    SAMPLE_VALUES,
    rezip,
    set_modified,
    sheet_part,
    valid_return,
)
from tests.security.conftest import run

DEFINITION = default_definition_path().read_bytes()






# --------------------------------------------------------------------------- save times


@pytest.mark.parametrize("forged", ["2099-01-01T00:00:00Z", "2001-01-01T00:00:00Z"])
def test_newest_wins_does_not_trust_a_forged_save_time(work: Path, tmp_path: Path,
                                                       forged: str) -> None:
    """A save time in the future, or before the form was generated, cannot win."""
    assert run("generate", "-w", work, "-p", "2024-02", "--owner", "send")[0] == 0
    form = work / "forms" / "wiltshire-hnb-2024-02-send.xlsx"
    honest, forger = tmp_path / "honest.xlsx", tmp_path / "forger.xlsx"
    for path in (honest, forger):
        path.write_bytes(form.read_bytes())
    from datetime import UTC, datetime

    set_modified(honest, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    set_modified(forger, forged)
    forger.write_bytes(forger.read_bytes())  # a different file from the honest one
    code, out = run("validate", "-w", work, "--newest-wins", honest, forger)
    assert code == 1 and "untrusted-save-time" in out
    assert str(honest) in out and str(forger) in out and forged[:10] in out
    code, out = run("validate", "-w", work, "--newest-wins", honest)  # the officer chooses
    assert "untrusted-save-time" not in out


# --------------------------------------------------------------------------- text in cells


def narrative_return(programme: Programme, tmp_path: Path, raw: str) -> Path:
    """The lead's return with its narrative's XML text replaced by ``raw`` (escapes kept)."""
    data = valid_return(programme, "lead", dict(SAMPLE_VALUES["lead"],
                                                **{"overview.narrative": "MARKER"}))
    part = sheet_part(data, "Overview")

    def change(name: str, content: bytes) -> bytes:
        if name in ("xl/sharedStrings.xml", part):
            return content.replace(b"MARKER", raw.encode("utf-8"))
        return content

    path = tmp_path / "lead.xlsx"
    path.write_bytes(rezip(data, change))
    return path


@pytest.mark.parametrize("raw, code", [
    ("a _xD800_ lone surrogate", "control-characters"),
    ("a _xFFFE_ non-character", "control-characters"),
    ("pay \u202e001", "invisible-characters"),
])
def test_hidden_characters_are_warned_about(programme: Programme, tmp_path: Path,
                                            workspace: Workspace, raw: str, code: str) -> None:
    path = narrative_return(programme, tmp_path, raw)
    found = [i for i in validate_returns(workspace, [path]).issues if i.code == code]
    assert found and found[0].sheet == "Overview", raw


@pytest.mark.parametrize("emoji", ["👨\u200d👩\u200d👧", "🏳️\u200d🌈",
                                   "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"])
def test_joiners_inside_emoji_are_text(programme: Programme, tmp_path: Path,
                                       workspace: Workspace, emoji: str) -> None:
    path = narrative_return(programme, tmp_path, f"Families {emoji} supported")
    codes = {i.code for i in validate_returns(workspace, [path]).issues}
    assert "invisible-characters" not in codes


def test_a_cell_past_excels_limit_fails_that_file_alone(programme: Programme, tmp_path: Path,
                                                        work: Path) -> None:
    huge = narrative_return(programme, tmp_path, "x" * 40_000)
    sound = tmp_path / "send.xlsx"
    sound.write_bytes(valid_return(programme, "send"))
    code, out = run("validate", "-w", work, huge, sound)
    assert code == 1 and "too-long" in out and "32,767" in out
    code, out = run("feedback", "-w", work, "--out", tmp_path / "fb", huge, sound)
    assert code == 1 and (tmp_path / "fb" / "send-feedback.xlsx").is_file()
    assert not (tmp_path / "fb" / "lead-feedback.xlsx").exists()
    assert str(huge) in out


# --------------------------------------------------------------------------- definitions

HOSTILE_VALUES = ["nan", "inf", "-inf", "[" * 3000 + "]" * 3000, '"\\u001b]0;x\\u0007"',
                  '"' + "x" * 40_000 + '"', "{ a = { b = { c = [[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]"
                  "]]]]]]]]]]]]]]]] } } }", '"\\u202e"', "1e999", "-0.0", "9" * 400,
                  '"\\u0000"', "true", "[]", "{}", '"' + "A&" * 200 + '"']


def definition_case(text: bytes) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "programme.toml").write_bytes(text)
        result = CliRunner().invoke(main, ["generate", "-w", str(work), "-p", "2024-02"])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception)
        out = result.output
        assert "unexpected error" not in out and "Traceback" not in out, out[:500]
        if result.exit_code != 0:
            lines = [line for line in result.stderr.splitlines() if line.strip()]
            assert lines[0].startswith("hnbxl: "), result.stderr[:500]
            # One line, except the missing-amounts error: its TOML lines to add follow it.
            toml_lines = all(re.fullmatch(r'\[years\."\d{4}/\d{2}"\.amounts\]|\w+ = \{.*\}.*',
                                          line) for line in lines[1:])
            assert len(lines) == 1 or (lines[0].endswith("add the lines below to the definition:")
                                       and toml_lines), result.stderr[:500]
        return result.exit_code, out


def replace_value(text: bytes, index: int, value: str) -> bytes:
    """The definition with the ``index``-th ``key = value`` line's value replaced."""
    lines = text.split(b"\n")
    settable = [i for i, line in enumerate(lines)
                if re.match(rb"^[a-z_]+ = ", line) and not line.endswith((b"[", b"{"))]
    i = settable[index % len(settable)]
    lines[i] = lines[i].split(b" = ", 1)[0] + b" = " + value.encode()
    return b"\n".join(lines)


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b""])
def test_a_bom_is_accepted_with_a_note(prefix: bytes) -> None:
    code, out = definition_case(prefix + DEFINITION)
    assert code == 0, out
    assert ("byte-order mark" in out) == bool(prefix)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_gets_one_line(encoding: str) -> None:
    code, out = definition_case(DEFINITION.decode().encode(encoding))
    assert code == 1 and "UTF-8" in out


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, 400), value=st.sampled_from(HOSTILE_VALUES))
# finance.amber_tolerance: a 400-digit integer was an OverflowError in the form's words
@example(index=383, value="9" * 400)
@example(index=383, value="-1e16")
def test_fuzzed_definitions_give_one_line(index: int, value: str) -> None:
    definition_case(replace_value(DEFINITION, index, value))


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, 400), value=st.sampled_from(HOSTILE_VALUES) | st.text(max_size=30),
       cut=st.integers(0, len(DEFINITION)), junk=st.binary(max_size=8))
def test_fuzzed_definitions_long_run(index: int, value: str, cut: int, junk: bytes) -> None:
    definition_case(replace_value(DEFINITION, index, value))
    definition_case(DEFINITION[:cut] + junk + DEFINITION[cut:])


# --------------------------------------------------------------------------- SQL


def test_definition_diff_treats_a_percent_in_a_hash_as_text(work: Path, tmp_path: Path,
                                                            programme: Programme) -> None:
    assert run("generate", "-w", work, "-p", "2024-02", "--owner", "send")[0] == 0
    form = work / "forms" / "wiltshire-hnb-2024-02-send.xlsx"
    data = form.read_bytes()
    forged = tmp_path / "forged.xlsx"

    def change(name: str, content: bytes) -> bytes:
        if name == "docProps/custom.xml":
            return re.sub(rb"[0-9a-f]{64}", b"%", content, count=1)
        return content

    forged.write_bytes(rezip(data, change))
    code, out = run("definition", "diff", "-w", work, forged)
    assert code == 1 and "does not hold" in out
    for pattern in ("%", "_" * 8, "%%%%"):
        code, out = run("definition", "diff", "-w", work, pattern)
        assert code == 1 and "is not 'current'" in out


def test_a_title_past_excels_footer_limit_is_shortened(tmp_path: Path) -> None:
    """XlsxWriter drops a footer over 255 characters with only a warning: it is shortened."""
    import zipfile

    title = "High Needs & SEND " * 20  # 360 characters, each & written twice
    text = re.sub(rb'(?m)^title = ".*"$', f'title = "{title}"'.encode(), DEFINITION, count=1)
    work = tmp_path / "work"
    work.mkdir()
    (work / "programme.toml").write_bytes(text)
    code, out = run("generate", "-w", work, "-p", "2024-02", "--owner", "send")
    assert code == 0 and "255 characters" not in out, out  # XlsxWriter's warning
    form = next((work / "forms").glob("*.xlsx"))
    with zipfile.ZipFile(form) as z:
        footers = [re.search(rb"<oddFooter>(.*?)</oddFooter>", z.read(n))
                   for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    shown = [f for f in footers if f]
    assert shown and all(b"High Needs &amp;&amp; SEND" in f.group(1) for f in shown)
    assert all(len(f.group(1).replace(b"&amp;", b"&").decode()) <= 255 for f in shown)
