"""Returns made from an earlier definition: read through their own version, mapped by field."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from hnbxl.api import diff_definitions, generate_forms, validate_returns
from hnbxl.cli import main
from hnbxl.core.issues import Severity
from hnbxl.store.workspace import Workspace, init_workspace
from tests.test_year import SAMPLE, fill


def _measure_block(text: str, measure_id: str) -> str:
    match = re.search(r"\[\[measures\]\]\nid = \"" + measure_id + r"\"\n.*?(?=\n\[)", text,
                      re.S)
    assert match, measure_id
    return match.group(0) + "\n"


def test_a_dropped_row_is_noted_and_an_unknown_version_refused(tmp_path: Path) -> None:
    ws: Workspace = init_workspace(tmp_path / "w")
    generate_forms(ws, "2024-02", split=True)
    send = fill(ws.root, "2024-02", "send", SAMPLE["2024-02"]["send"], "send.xlsx",
                "2024-02-28T10:00:00Z")
    path = ws.root / "programme.toml"
    text = path.read_text()
    path.write_text(text.replace(_measure_block(text, "poet_positive"), ""))
    validation = validate_returns(ws, [send])
    [dropped] = [i for i in validation.issues if i.code == "field-dropped"]
    assert dropped.severity is Severity.INFO and dropped.field == "measures.poet_positive"
    assert not validation.blocking()
    diff = diff_definitions(ws, str(send))
    assert [c.kind for c in diff.changes if "poet_positive" in c.key] == ["removed"] * len(
        [c for c in diff.changes if "poet_positive" in c.key])
    out = CliRunner().invoke(main, ["definition", "list", "-w", str(ws.root)]).output
    assert len(out.strip().splitlines()) == 1  # the version the forms were made from
    # A history that never kept the form's version: one clear error, as before.
    (ws.root / "history.sqlite").unlink()
    validation = validate_returns(ws, [send])
    [wrong] = [i for i in validation.issues if i.code == "wrong-definition"]
    assert "--definition" in wrong.message
    bad = CliRunner().invoke(main, ["definition", "diff", "zzzz", "-w", str(ws.root)])
    assert bad.exit_code == 1 and "is not 'current'" in bad.output


def test_a_changed_unit_is_a_warning(tmp_path: Path) -> None:
    ws: Workspace = init_workspace(tmp_path / "w")
    generate_forms(ws, "2024-02", split=True)
    send = fill(ws.root, "2024-02", "send", SAMPLE["2024-02"]["send"], "send.xlsx",
                "2024-02-28T10:00:00Z")
    path = ws.root / "programme.toml"
    text = path.read_text()
    block = _measure_block(text, "needs_assessment_requests")
    path.write_text(text.replace(block, block.replace('unit = "count"', 'unit = "money"')))
    validation = validate_returns(ws, [send])
    [changed] = [i for i in validation.issues if i.code == "unit-changed"]
    assert changed.severity is Severity.WARNING and changed.cell
    # Units in words people use (issue 21): "a number", "pounds", not "count", "money".
    assert "was a number on this form and is now pounds" in changed.message
    assert "count" not in changed.message and "money" not in changed.message
    assert validation.blocking() and not validation.blocking(allow_warnings=True)
