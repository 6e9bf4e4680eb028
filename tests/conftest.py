"""Shared fixtures: the bundled programme, a second programme, working folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hnbxl.programme.definition import Programme, load_programme
from hnbxl.store.workspace import Workspace

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def programme() -> Programme:
    return load_programme()


@pytest.fixture(scope="session")
def northshire() -> Programme:
    return load_programme(TESTS / "data" / "northshire.toml")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / "work").mkdir()
    return Workspace(tmp_path / "work")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


# Every catalogued issue code is raised by some test (checked on full runs).
from tests.codes_seen import (  # noqa: E402
    pytest_deselected,
    pytest_runtestloop,
    pytest_sessionfinish,
    pytest_terminal_summary,
)

__all__ = ["pytest_deselected", "pytest_runtestloop", "pytest_sessionfinish",
           "pytest_terminal_summary"]
