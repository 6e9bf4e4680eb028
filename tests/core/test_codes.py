"""The issue-code catalogue is complete in both directions.

Every code hnbxl's source can raise is declared (a scan of the source here,
and a check at run time whenever an Issue, cell Problem or refusal is made);
every declared code is raised by at least one test (checked at the end of a
full test run by ``tests/codes_seen.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hnbxl.core import codes
from hnbxl.core.issues import Issue, Severity
from hnbxl.returns.coerce import Problem
from hnbxl.xlsx.safety import UnsafeWorkbook

PACKAGE = Path(__file__).resolve().parents[2] / "hnbxl"

#: Calls whose first argument is an issue code.
_TAKES_A_CODE = {"Issue", "issue", "add", "Problem", "UnsafeWorkbook", "_Unreadable", "of",
                 "check"}


def codes_in_source() -> dict[str, list[str]]:
    """Every string literal passed as the code of an issue, with where it is."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            first = node.args[0]
            if name in _TAKES_A_CODE and isinstance(first, ast.Constant) and isinstance(
                    first.value, str):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                found.setdefault(first.value, []).append(where)
    return found


def test_every_code_in_the_source_is_catalogued() -> None:
    found = codes_in_source()
    assert len(found) > 60, "the scan no longer finds the codes; update _TAKES_A_CODE"
    missing = {code: where for code, where in found.items() if code not in codes.CATALOGUE}
    assert not missing, (
        "issue codes raised but not declared in hnbxl/core/codes.py: "
        + "; ".join(f"{c} (at {', '.join(w)})" for c, w in missing.items())
        + ". Add a _code(...) line for each, then run `python -m hnbxl.docs`.")


def test_no_code_is_built_from_pieces() -> None:
    """A code made with an f-string would escape the scan above."""
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in {"Issue", "Problem", "UnsafeWorkbook", "_Unreadable"}:
                    assert not isinstance(node.args[0], ast.JoinedStr), (
                        f"{path}:{node.lineno}: write the issue code out in full")


def test_every_entry_is_complete() -> None:
    for info in codes.CATALOGUE.values():
        assert info.code == info.code.strip().lower() and " " not in info.code
        assert info.group in codes.GROUPS
        assert info.severities and all(isinstance(s, Severity) for s in info.severities)
        for text in (info.title, info.meaning, info.action):
            assert text.strip(), f"{info.code}: empty text"
        assert info.meaning.endswith(".") and info.action.endswith("."), info.code


def test_an_uncatalogued_code_is_refused_saying_what_to_add() -> None:
    with pytest.raises(codes.UncataloguedCode, match=r"_code\('made-up'.*hnbxl/core/codes.py"):
        Issue("made-up", Severity.ERROR, "x")
    with pytest.raises(codes.UncataloguedCode, match="made-up"):
        Problem("made-up", Severity.ERROR, "", "", "")
    with pytest.raises(codes.UncataloguedCode, match="made-up"):
        UnsafeWorkbook("made-up", "x")


def test_a_severity_the_catalogue_does_not_declare_is_refused() -> None:
    with pytest.raises(codes.UncataloguedCode, match="declares it error"):
        Issue("conflict", Severity.INFO, "x")
    Issue("required-missing", Severity.WARNING, "x")  # declared error/warning


def test_issue_of_takes_the_usual_severity() -> None:
    assert Issue.of("duplicate-file", "x").severity is Severity.INFO
    assert Issue.of("no-figure-text", "x", severity=Severity.ERROR).severity is Severity.ERROR


def test_observers_see_every_code_checked() -> None:
    seen: list[str] = []
    with codes.observing(seen.append):
        Issue.of("conflict", "x", file="a.xlsx")
    assert "conflict" in seen
