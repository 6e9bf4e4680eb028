"""The generated reference pages (docs/cli.md, docs/codes.md) are up to date."""

from __future__ import annotations

from pathlib import Path

from hnbxl import docs
from hnbxl.core.codes import CATALOGUE


def test_generated_docs_are_up_to_date() -> None:
    stale = docs.stale()
    assert not stale, (f"out of date: {', '.join('docs/' + n for n in stale)}; "
                       "run `python -m hnbxl.docs` and commit the result")


def test_every_code_and_command_is_documented() -> None:
    codes = docs.codes_reference()
    assert all(f"| `{code}` |" in codes for code in CATALOGUE)
    cli = docs.cli_reference()
    for command in ("init", "generate", "validate", "feedback", "compile", "history"):
        assert f"## hnbxl {command}\n" in cli
    assert "--debug" in cli


def test_a_stale_page_is_named(tmp_path: Path) -> None:
    docs.write(tmp_path)
    assert docs.stale(tmp_path) == []
    (tmp_path / "codes.md").write_text("old", encoding="utf-8")
    assert docs.stale(tmp_path) == ["codes.md"]
