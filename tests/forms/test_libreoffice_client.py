"""A person fills in the SEND form in LibreOffice Calc; hnbxl reads back what was typed.

``tests/lo_client.py`` (run under the system Python, which has ``uno``) drives a
headless LibreOffice through user paths only: the sheet is activated, the
cursor moved with ``.uno:GoToCell``, and the text entered as a person enters
it.  The raw cell API (``setString``/``setValue``) is never used to type: it
writes straight into locked cells.  LibreOffice then saves the form as .xlsx
and ``validate_returns`` reads it.

Measured with LibreOffice 7.4.7 (Debian 12), headless:

* ``.uno:InsertText`` (with ``Text``) changes nothing in Calc, whether or not
  ``.uno:SetInputMode`` opened the cell for editing first, and nothing commits
  it (``.uno:Enter`` and ``.uno:GoDown`` neither): it is not a way to type
  into a cell.
* ``.uno:EnterString`` (``StringName``; what the macro recorder writes when a
  person types into a cell and presses Enter) honours sheet protection: typing
  into the locked label A6 leaves it unchanged (silently in a hidden frame; a
  visible frame raises an "Information" box).  It recognises numbers by the
  cell's format ("6.06%" -> 0.0606, "17287" -> 17287; "Jan-24" stays text in
  the "@" month cell), but it does NOT check data validity ("abc" goes into a
  whole-number cell, "Purple" into a RAG list cell), applies no AutoCorrect,
  and has no automatic percent entry ("6.06" in a 0.00% cell is 6.06, 606%).
* Key events (LibreOffice's UI-test service typing into ``grid_window`` of a
  visible frame, then Return) are the keyboard itself: protection is honoured
  (an "Information" box opens on the first key into a locked cell, and in
  headless mode it cannot be dismissed: no later key reaches the sheet), data
  validity refuses "abc" in a count cell, AutoCorrect turns " - " between words
  into an en dash (so typing "Amber - Off Track" gives "Amber – Off Track",
  which the RAG list then refuses; people must use the dropdown), and
  automatic percent entry adds a "%" to what is typed into an empty
  percentage cell: "6.06" gives 6.06%, "0.0606" gives 0.06%, and "6.06%" (what
  the cell's prompt asks for) is refused.
* One LibreOffice session (start, load, type, save as .xlsx, quit) takes about
  2-3 s for either route.

hnbxl reads every accepted entry back exactly, from the layout's cell.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hnbxl.api import generate_forms, validate_returns
from hnbxl.core.periods import Period
from hnbxl.forms.layout import FormLayout, build_layout
from hnbxl.returns.validate import Validation
from hnbxl.store.workspace import Workspace

SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).resolve().parents[1] / "lo_client.py"
PERIOD = Period(2024, 2)
DUE = date(2024, 3, 1)
LOCKED = ("Key Measures", "A6")  # the first measure's label
UNSUPPORTED = 3  # lo_client's exit status when this LibreOffice lacks the route's service


def _has_uno() -> bool:
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("soffice") is None or not _has_uno(),
    reason="needs LibreOffice (soffice) and the system Python's uno (python3-uno)")]


@dataclass(frozen=True)
class Form:
    workspace: Workspace
    path: Path
    layout: FormLayout

    def at(self, field_key: str) -> tuple[str, str]:
        spec = self.layout.input(field_key)
        return spec.sheet, spec.cell


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Form:
    ws = Workspace(tmp_path_factory.mktemp("lo-client") / "work")
    [generated] = generate_forms(ws, PERIOD.key, owner="send", due=DUE)
    layout = build_layout(ws.programme(), PERIOD, "send", None, DUE)
    assert generated.sheets == layout.sheet_names
    return Form(ws, generated.path, layout)


def fill_in(form: Form, out: Path, entries: list[tuple[str, str, str]],
            route: str) -> dict[str, Any]:
    done = subprocess.run(
        [SYSTEM_PYTHON, str(CLIENT), str(form.path), str(out),
         json.dumps([list(e) for e in entries]), route],
        capture_output=True, text=True, timeout=120)
    if done.returncode == UNSUPPORTED:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, done.stderr
    assert out.exists()
    return json.loads(done.stdout)


def outcome(report: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(typed places, refused places) in the order typed."""
    return ([(s, c) for s, c, _text, _cell in report["typed"]],
            [(s, c) for s, c, _text, _why in report["refused"]])


def assert_read_back(form: Form, validation: Validation, expected: dict[str, Any]) -> None:
    [read] = validation.reads
    assert read.identity == form.layout.identity  # the identity survived LibreOffice's save
    codes = {i.code for i in validation.issues}
    assert "not-an-hnbxl-return" not in codes
    assert not {c for c in codes if c.startswith("identity-")}, codes
    assert "locked-cell-changed" not in codes
    got = {}
    for key in expected:
        value = validation.values[key]
        assert (value.provenance.sheet, value.provenance.cell) == form.at(key), key
        got[key] = value.value
    assert got == expected
    assert type(got["measures.needs_assessment_requests.figure"]) is int


def other_issues(validation: Validation) -> set[tuple[str, str]]:
    """Issues beyond the empty required cells and LibreOffice dropping structure protection."""
    return {(i.code, i.place) for i in validation.issues
            if i.code not in ("required-missing", "structure-unlocked")}


def test_typed_with_the_dispatcher_reads_back_exactly(form: Form, tmp_path: Path) -> None:
    action = "High Needs Block reserve agreed; the plan goes to committee in March."
    entries = [
        (*form.at("conditions.c1.rating"), "Amber - Off Track"),
        (*form.at("measures.needs_assessment_requests.figure"), "169"),
        (*form.at("measures.independent_special_school.figure"), "6.06%"),
        (*form.at("measures.average_cost_per_ehcp.figure"), "17287"),
        (*form.at("measures.needs_assessment_requests.last_update"), "Jan-24"),
        (*form.at("measures.average_cost_per_ehcp.last_update"), "Jan-24"),
        (*form.at("risks.R1.action"), action),
        (*LOCKED, "Typed over the label"),
        (*form.at("measures.ad_hoc_funding_decisions.figure"), "abc"),
    ]
    out = tmp_path / "filled.xlsx"
    report = fill_in(form, out, entries, "dispatch")

    typed, refused = outcome(report)
    assert refused == [LOCKED], report  # protection is honoured: the label is untouched
    # ... and data validity is not checked on this path: "abc" went in; hnbxl catches it.
    assert form.at("measures.ad_hoc_funding_decisions.figure") in typed

    validation = validate_returns(form.workspace, [out])
    assert_read_back(form, validation, {
        "conditions.c1.rating": "amber",
        "measures.needs_assessment_requests.figure": 169,
        "measures.independent_special_school.figure": 0.0606,
        "measures.average_cost_per_ehcp.figure": 17287.0,
        "measures.needs_assessment_requests.last_update": Period(2024, 1),
        "measures.average_cost_per_ehcp.last_update": Period(2024, 1),
        "risks.R1.action": action,
    })
    sheet, cell = form.at("measures.ad_hoc_funding_decisions.figure")
    assert other_issues(validation) == {("not-a-number", f"{sheet}!{cell}")}


def test_typed_on_the_keyboard_reads_back_what_libreoffice_kept(form: Form,
                                                                 tmp_path: Path) -> None:
    entries = [
        (*form.at("measures.needs_assessment_requests.figure"), "169"),
        # Automatic percent entry: what is typed into an empty 0.00% cell gets a "%".
        (*form.at("measures.independent_special_school.figure"), "6.06"),
        (*form.at("measures.move_up_provision.figure"), "6.06%"),  # measured: refused
        (*form.at("measures.average_cost_per_ehcp.figure"), "17287"),
        (*form.at("measures.needs_assessment_requests.last_update"), "Jan-24"),
        # AutoCorrect: " - " becomes " – ", which the RAG list then refuses.
        (*form.at("conditions.c1.rating"), "Amber - Off Track"),
        (*form.at("risks.R1.action"), "Reserve agreed - see the plan"),
        (*form.at("measures.ad_hoc_funding_decisions.figure"), "abc"),  # validity: refused
        (*LOCKED, "Typed over the label"),  # last: its message box stays open
    ]
    out = tmp_path / "keyboard.xlsx"
    report = fill_in(form, out, entries, "keyboard")

    _typed, refused = outcome(report)
    assert refused == [
        form.at("measures.move_up_provision.figure"),
        form.at("conditions.c1.rating"),
        form.at("measures.ad_hoc_funding_decisions.figure"),
        LOCKED,
    ], report
    assert [(d["cell"], d["title"]) for d in report["dialogs"]] == [
        ("!".join(LOCKED), "Information")]

    validation = validate_returns(form.workspace, [out])
    assert_read_back(form, validation, {
        "measures.needs_assessment_requests.figure": 169,
        "measures.independent_special_school.figure": 0.0606,
        "measures.average_cost_per_ehcp.figure": 17287.0,
        "measures.needs_assessment_requests.last_update": Period(2024, 1),
        "risks.R1.action": "Reserve agreed \N{EN DASH} see the plan",
    })
    for key in ("measures.move_up_provision.figure", "conditions.c1.rating",
                "measures.ad_hoc_funding_decisions.figure"):
        assert key not in validation.values
    assert other_issues(validation) == set()


PERCENT_FIELD = "measures.move_up_provision.figure"


def test_a_pasted_percentage_is_explained_for_libreoffice_and_typing_it_fixes_it(
        form: Form, tmp_path: Path) -> None:
    """The issue's case: 52 in a percentage cell is 5200%; the advice works in LibreOffice.

    The dispatcher enters text with no automatic percent entry, as a paste or a macro
    does: LibreOffice keeps 52, which is 5200%.  The validator's message names
    LibreOffice (from docProps/app.xml) and says to type 52; typing 52 on the
    keyboard into that very cell then gives 52%, read back as 0.52.
    """
    sheet, cell = form.at(PERCENT_FIELD)
    pasted = tmp_path / "pasted.xlsx"
    fill_in(form, pasted, [(sheet, cell, "52")], "dispatch")
    validation = validate_returns(form.workspace, [pasted])
    [issue] = [i for i in validation.issues if i.place == f"{sheet}!{cell}"]
    assert issue.code == "percent-out-of-range"
    assert "5200%" in issue.message
    assert "type 52 in the form's percentage cell (LibreOffice adds the % sign)" in issue.message

    fixed = tmp_path / "fixed.xlsx"
    report = fill_in(Form(form.workspace, pasted, form.layout), fixed, [(sheet, cell, "52")],
                     "keyboard")
    assert outcome(report) == ([(sheet, cell)], []), report
    validation = validate_returns(form.workspace, [fixed])
    assert validation.values[PERCENT_FIELD].value == 0.52
    assert not [i for i in validation.issues if i.place == f"{sheet}!{cell}"]
