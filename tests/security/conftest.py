"""What the issue-20 tests share: the command line in-process and a fresh working folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hnbxl.cli import main


def run(*args: object) -> tuple[int, str]:
    """Run hnbxl; never a traceback or an "unexpected error", whatever the outcome."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "unexpected error" not in result.output and "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def work(tmp_path: Path) -> Path:
    code, out = run("init", tmp_path / "work")
    assert code == 0, out
    return tmp_path / "work"
