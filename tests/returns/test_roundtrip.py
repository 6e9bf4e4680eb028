"""Round trips: generate a form, fill it as a person would, save, validate.

Every typed value must come back exactly, each with its provenance (the path
as given, the SHA-256 of the file's bytes, the sheet and cell the layout
names).  Numbers typed as text come back with a warning naming their cell.
The same filled form saved again by LibreOffice must keep its identity and
its values.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from hnbxl.api import generate_forms, validate_returns
from hnbxl.cli import main
from hnbxl.core.issues import Severity
from hnbxl.core.periods import Period
from hnbxl.forms.layout import (
    CHOICE,
    COUNT,
    GRID,
    MONEY,
    MONTH,
    NARRATIVE,
    PERCENT,
    RAG,
    SCORE,
    TEXT,
    FormLayout,
    build_layout,
)
from hnbxl.programme.definition import Programme
from hnbxl.returns.validate import Validation
from hnbxl.store.workspace import Workspace
from tests.conftest import SAMPLES, soffice

PERIOD = Period(2024, 2)
DUE = date(2024, 3, 1)
KM = "Key Measures"

NARRATIVE_TEXT = (
    "Work has been focussed on the programme architecture.\n"
    "\n"
    "Second paragraph, after a blank line (Alt+Enter twice).\n"
    '=HYPERLINK("x")\n'
    "Last line: 50% of posts filled; £1.2m bid & <pending> \"approval\"."
)

# What the person types where it differs from the sample values: numbers typed
# as text, with a thousands comma or stray spaces.
TYPED_AS_TEXT = {
    "measures.needs_assessment_requests.figure": (" 169 ", 169),
    "measures.average_cost_per_ehcp.figure": ("17,287", 17287.0),
}


def typed_values() -> dict[str, Any]:
    """Every owner's 2024-02 sample values, as typed into one all-sections form."""
    samples = tomllib.loads((SAMPLES / "returns.toml").read_text(encoding="utf-8"))["2024-02"]
    values: dict[str, Any] = {}
    for owner_values in samples.values():
        values.update(owner_values)
    values["overview.narrative"] = NARRATIVE_TEXT
    values["measures.independent_special_school.figure"] = 0.0606
    values["measures.needs_assessment_requests.last_update"] = "Jan-24"
    for key, (typed, _) in TYPED_AS_TEXT.items():
        values[key] = typed
    return values


def expected_value(layout: FormLayout, key: str, typed: Any) -> Any:
    """The canonical value validate must give for what was typed."""
    if key in TYPED_AS_TEXT:
        return TYPED_AS_TEXT[key][1]
    kind = layout.input(key).kind
    if kind == RAG:
        return {s.label: s.key for s in layout.programme.scale.states}[typed]
    if kind == MONTH:
        return Period.parse(typed)
    if kind in (COUNT, GRID, SCORE):
        assert isinstance(typed, int)
        return typed
    if kind in (MONEY, PERCENT):
        return float(typed)
    assert kind in (CHOICE, TEXT, NARRATIVE), kind
    return typed


def fill(path: Path, layout: FormLayout, values: dict[str, Any]) -> None:
    """Type ``values`` into the form with openpyxl, cell by cell, and save it."""
    wb = openpyxl.load_workbook(path)
    for key, value in values.items():
        spec = layout.input(key)
        wb[spec.sheet][spec.cell].value = value
    wb.save(path)


@pytest.fixture
def filled(tmp_path: Path, programme: Programme, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[Workspace, Path, FormLayout, dict[str, Any]]:
    """A generated all-sections form, filled in, at a path relative to the cwd."""
    monkeypatch.chdir(tmp_path)
    Path("work").mkdir()
    ws = Workspace(Path("work"))
    [form] = generate_forms(ws, "2024-02", due=DUE, out_dir=Path("forms"))
    assert form.owner == "all"
    layout = build_layout(programme, PERIOD, None, None, DUE)
    returned = Path("returned") / form.path.name
    returned.parent.mkdir()
    shutil.copyfile(form.path, returned)
    values = typed_values()
    fill(returned, layout, values)
    return ws, returned, layout, values


def assert_values_back(validation: Validation, path: Path, layout: FormLayout,
                       values: dict[str, Any]) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for key, typed in values.items():
        assert key in validation.values, f"{key} ({typed!r}) did not come back"
        got = validation.values[key]
        want = expected_value(layout, key, typed)
        assert got.value == want and type(got.value) is type(want), (key, got.value, want)
        spec = layout.input(key)
        assert got.provenance.file == str(path)
        assert got.provenance.sha256 == digest
        assert (got.provenance.sheet, got.provenance.cell) == (spec.sheet, spec.cell), key


def test_typed_values_come_back_exactly(filled: tuple[Workspace, Path, FormLayout,
                                                      dict[str, Any]]) -> None:
    ws, path, layout, values = filled
    assert not path.is_absolute()
    validation = validate_returns(ws, [path])
    assert_values_back(validation, path, layout, values)
    assert validation.values["overview.narrative"].value == NARRATIVE_TEXT
    assert validation.values["overview.narrative"].raw == NARRATIVE_TEXT
    assert validation.values["measures.needs_assessment_requests.figure"].raw == " 169 "
    # Prefilled cells the person left alone (the risk log) come back too.
    for spec in layout.inputs:
        if spec.prefill not in (None, "") and spec.field not in values:
            assert spec.field in validation.values, spec.field

    issues = [(i.code, i.severity, i.sheet, i.cell, i.file) for i in validation.issues]
    small = layout.input("measures.ceased_not_neet.figure").cell  # 2, published with a reason
    assert sorted(issues) == sorted([
        *(("text-number-accepted", Severity.WARNING, KM, layout.input(key).cell, str(path))
          for key in TYPED_AS_TEXT),
        ("query-small-number", Severity.INFO, KM, small, str(path))])
    found = {i.cell: i.found for i in validation.issues if i.severity is Severity.WARNING}
    assert found == {"F6": " 169 ", "F10": "17,287"}
    assert validation.period == PERIOD
    assert not validation.blocking(allow_warnings=True)


def test_cli_names_the_cells_of_the_text_numbers(filled: tuple[Workspace, Path, FormLayout,
                                                               dict[str, Any]]) -> None:
    ws, path, _layout, _values = filled
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "-w", str(ws.root), str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"text-number-accepted {KM}!F6" in result.output
    assert f"text-number-accepted {KM}!F10" in result.output
    result = runner.invoke(main, ["validate", "-w", str(ws.root), "--allow-warnings", str(path)])
    assert result.exit_code == 0, result.output


def test_the_generated_form_itself_validates_with_only_missing_inputs(
        tmp_path: Path, programme: Programme) -> None:
    ws = Workspace(tmp_path / "work")
    [form] = generate_forms(ws, "2024-02", owner="send", due=DUE, out_dir=tmp_path / "forms")
    validation = validate_returns(ws, [form.path])
    assert {i.code for i in validation.issues} == {"required-missing"}
    assert not validation.values.keys() - {s.field for s in build_layout(
        programme, PERIOD, "send", None, DUE).inputs if s.prefill not in (None, "")}


# --------------------------------------------------------------------------- LibreOffice


def libreoffice_resave(sources: list[Path], out_dir: Path, profile: Path) -> list[Path]:
    """Each file opened and saved again by LibreOffice, all in one run (it starts once)."""
    office = soffice()
    assert office is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [office, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
               "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
               "--outdir", str(out_dir), *map(str, sources)]
    env = {**os.environ, "HOME": str(profile.parent)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    targets = [out_dir / source.name for source in sources]
    assert done.returncode == 0 and all(t.exists() for t in targets), (done.stdout, done.stderr)
    return targets


@dataclass
class Resaved:
    ws: Workspace
    layout: FormLayout
    values: dict[str, Any]
    source: Path
    saved: Path
    before: Validation
    after: Validation
    owner_form: Path  # the send owner's form filled with its sample values
    owner_saved: Path  # ... saved again by LibreOffice


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory, programme: Programme) -> Resaved:
    """The filled all-sections form and the send owner's, saved again by LibreOffice
    (one LibreOffice run for the module: starting it is most of the cost)."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    root = tmp_path_factory.mktemp("libreoffice")
    ws = Workspace(root / "work")
    [form] = generate_forms(ws, "2024-02", due=DUE, out_dir=root / "forms")
    layout = build_layout(programme, PERIOD, None, None, DUE)
    source = root / "returned" / form.path.name
    source.parent.mkdir()
    shutil.copyfile(form.path, source)
    values = typed_values()
    fill(source, layout, values)
    samples = tomllib.loads((SAMPLES / "returns.toml").read_text(encoding="utf-8"))["2024-02"]
    [owner_form] = generate_forms(ws, "2024-02", owner="send", due=DUE,
                                  out_dir=root / "owner")
    fill(owner_form.path, build_layout(programme, PERIOD, "send", None, DUE), samples["send"])
    saved, owner_saved = libreoffice_resave([source, owner_form.path], root / "resaved",
                                            root / "profile" / "user")
    assert saved.read_bytes() != source.read_bytes()
    return Resaved(ws, layout, values, source, saved, validate_returns(ws, [source]),
                   validate_returns(ws, [saved]), owner_form.path, owner_saved)


@pytest.mark.slow
def test_libreoffice_keeps_identity_and_values(resaved: Resaved) -> None:
    r = resaved
    assert r.after.reads[0].identity == r.before.reads[0].identity == r.layout.identity
    assert r.after.period == PERIOD
    assert_values_back(r.after, r.saved, r.layout, r.values)
    assert {k: v.value for k, v in r.after.values.items()} == {
        k: v.value for k, v in r.before.values.items()}
    assert r.after.values["overview.narrative"].value == NARRATIVE_TEXT
    # LibreOffice keeps the numbers typed as text as text: still warned, same cells.
    warned = sorted((i.sheet, i.cell) for i in r.after.issues if i.code == "text-number-accepted")
    assert warned == [(KM, "F10"), (KM, "F6")]
    # Allowed: the very hidden identity sheet comes back merely hidden.
    assert openpyxl.load_workbook(r.saved)["_hnbxl"].sheet_state in ("hidden", "veryHidden")
    # Sheet protection survives.
    assert "protection-removed" not in {i.code for i in r.after.issues}


@pytest.mark.slow
def test_libreoffice_keeps_the_check_formulas(resaved: Resaved) -> None:
    changed = [(i.place, i.found, i.expected) for i in resaved.after.issues
               if i.code == "locked-cell-changed"]
    assert changed == []


@pytest.mark.slow
def test_libreoffice_return_does_not_need_allow_warnings(resaved: Resaved) -> None:
    """LibreOffice drops structure protection; that alone must not block a compile."""
    codes = {i.code for i in resaved.after.issues if i.blocks()}
    assert codes == {"text-number-accepted"}, codes
    assert not resaved.after.blocking(allow_warnings=True)


@pytest.mark.slow
def test_libreoffice_resave_of_an_owner_form(resaved: Resaved) -> None:
    """The send owner's form, filled with its sample values, survives LibreOffice too."""
    validation = validate_returns(resaved.ws, [resaved.owner_saved])
    assert not validation.blocking(), validation.issues
    assert {i.code for i in validation.issues} <= {"structure-unlocked", "query-small-number"}, (
        validation.issues)
    assert len(validation.values) == len(validate_returns(resaved.ws,
                                                          [resaved.owner_form]).values)
