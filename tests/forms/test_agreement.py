"""The form agrees with the validator and the compile, on hundreds of fillings.

The Check sheet's counts equal the validator's, and the rating each rule-rated
row shows as it is typed equals the rating the compile's rules give.

Forms for March (with February compiled as last period) are filled with many
random values chosen around each query rule's boundary (and with inputs left
empty at random), their formulas are recalculated by LibreOffice headless with
forced recalculation (a private profile whose ``registrymodifications.xcu``
sets ``OOXMLRecalcMode`` to 0: recalculate on every load), and the Check
sheet's two counts, and each query row, are compared with what ``validate``
says about the same file; each rating cell with what ``report.rules`` gives
for the values ``validate`` read.  Fillings are of Wiltshire's March forms
(SEND, finance and the whole form, whose Overview works out the deal's cap
from the finance sheet) and of Northshire's May form (a threshold profiled by
month, a percentage threshold, a cap), with figures around every boundary.

The stored formula results are poisoned before LibreOffice sees them (the
blank form's results whatever was typed), so a count can only agree if
LibreOffice really worked it out.  All fillings go through one ``soffice``
call, which converts many files at once.
"""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hnbxl.api import compile_returns, validate_returns
from hnbxl.core.codes import in_group
from hnbxl.core.issues import Severity
from hnbxl.core.periods import Period
from hnbxl.forms import generate
from hnbxl.forms.layout import (
    CHECK,
    CHECK_COUNT_CELL,
    QUERY_COUNT_CELL,
    WRONG_COUNT_CELL,
    FormLayout,
    InputSpec,
    a1,
    build_layout,
    cell_first_row,
    cell_specs,
    query_first_row,
)
from hnbxl.programme.disclosure import DISCLOSURE_CHOICES
from hnbxl.report.assemble import rule_inputs
from hnbxl.report.rules import evaluate_all
from hnbxl.store.workspace import Workspace, init_workspace
from tests.conftest import SAMPLES, TESTS, soffice

FILLINGS = int(os.environ.get("HNBXL_FILLINGS", 240))
# At least 200, as issue 21 asks.  One soffice call converted 246 of 250 files here and
# exited 0 (the rest convert alone), so the test stays under that and checks every output.
MARCH = Period(2024, 3)
DUE = date(2024, 4, 5)
MAY = Period(2024, 5)  # Northshire's
RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")]


# --------------------------------------------------------------------------- random fillings


def _near(rng: random.Random, centre: float, spread: float, step: float) -> float:
    """A value on the ``step`` grid, at, just beside or around ``centre``."""
    choice = rng.random()
    if choice < 0.3:
        offset = 0.0
    elif choice < 0.7:
        offset = rng.choice((-1, 1)) * step
    else:
        offset = rng.uniform(-spread, spread)
    return round((centre + offset) / step) * step


def _figure(rng: random.Random, layout: FormLayout, spec: InputSpec) -> Any:
    """A figure around the boundaries of the query checks on it."""
    centres: list[float] = []
    for check in layout.queries:
        if check.field != spec.field:
            continue
        p = check.params
        if "last" in p:
            centres.append(p["last"])
            for limit in p.get("limits", ()):
                centres += [p["last"] + limit, p["last"] - limit]
        if "limit" in p and check.kind == "savings_over_budget":
            centres.append(p["limit"])
        if "threshold" in p:
            centres += [0, 1, p["threshold"] - 1, p["threshold"]]
    centres += rating_boundaries(layout, spec.field)
    kind = spec.kind
    step = {"count": 1.0, "percent": 0.0001, "money": 0.01}[kind]
    centre = rng.choice(centres) if centres else rng.uniform(0, 200 if kind == "count" else 1)
    value = _near(rng, centre, max(abs(centre) * 0.5, 3 * step), step)
    if kind == "count":
        return max(0, round(value))
    if kind == "percent":
        return round(min(max(value, 0.0), 1.0), 4)
    return round(max(value, 0.0), 2)


def rating_boundaries(layout: FormLayout, field_key: str) -> list[float]:
    """The figures at which a rating cell reading ``field_key`` changes state."""
    out: list[float] = []
    for check in layout.ratings:
        if not check.operands or check.operands[0] != field_key:
            continue
        p = check.params
        if check.kind == "threshold":
            for bands in (p["default"], *(b for _m, b in p["by_month"])):
                out += [bound for _label, bound in bands if bound is not None]
        elif check.kind == "variance":
            budget, sign = p["budget"], 1 if p["under"] else -1
            out += [budget, budget + sign * p["amber"] * abs(budget),
                    budget + sign * p["red"] * abs(budget)]
        elif check.kind == "cap":
            out += [p["cap"] * p["amber_from"], p["cap"] * p["red_from"]]
    return out


#: Values ``validate`` refuses in a cell on its own, by input kind: words in number cells,
#: numbers out of range, fractions in whole-number cells, choices not on the list.
BAD_VALUES: dict[str, tuple[Any, ...]] = {
    "count": ("about 98.2m", -3, 2.5, "lots"),
    "grid": (0, 9, 1.5, "high"),
    "percent": (1.5, -0.2, "about half"),
    "money": ("about 98.2m", 2e10, "tbc"),
    "rag": ("Purple", "Fine"),
    "choice": ("Maybe", "Sideways"),
    "month": ("Jan-20", "Smarch"),
    "score": (7, "none"),
}


def spoil(rng: random.Random, layout: FormLayout, values: dict[str, Any]) -> None:
    """Put a bad value in a few cells that take one (a third of fillings get some)."""
    specs = [s for s in layout.inputs if s.kind in BAD_VALUES or (
        s.kind == "text" and s.max_length is not None and s.max_length <= 2000)]
    for spec in rng.sample(specs, rng.randint(1, 6)):
        if spec.kind == "text":
            values[spec.field] = "x" * (int(spec.max_length or 0) + 1)
        else:
            values[spec.field] = rng.choice(BAD_VALUES[spec.kind])


def random_values(rng: random.Random, layout: FormLayout) -> dict[str, Any]:
    values: dict[str, Any] = {}
    # A spare row for a new risk is the one whose name is typed in: those stay empty.
    spare = {spec.field.rsplit(".", 1)[0] for spec in layout.inputs
             if spec.field.startswith("risks.") and spec.field.endswith(".name")}
    for spec in layout.inputs:
        part = spec.field.rsplit(".", 1)[1]
        empty = rng.random() < (0.1 if spec.prefill is not None else 0.25)
        if spec.field.rsplit(".", 1)[0] in spare:
            continue
        if empty:
            values[spec.field] = None
            continue
        if part in ("figure", "this_quarter") and spec.kind in ("count", "percent", "money"):
            base = spec.field.rsplit(".", 1)[0]
            if rng.random() < 0.15 and layout.has(f"{base}.reason"):
                values[spec.field] = None
                values[f"{base}.reason"] = rng.choice(layout.input(f"{base}.reason").choices)
            else:
                values[spec.field] = _figure(rng, layout, spec)
        elif part == "reason":
            values.setdefault(spec.field, None)
        elif part == "share_base":
            figure = values.get(spec.field.replace("share_base", "figure"))
            values[spec.field] = (figure if isinstance(figure, int) else 0) + rng.randint(1, 9)
        elif part == "explanation":
            values[spec.field] = rng.choice((None, None, "Checked with the data team."))
        elif part == "disclosure":
            values[spec.field] = rng.choice((None, *DISCLOSURE_CHOICES))
        elif part in ("likelihood", "impact"):
            values[spec.field] = rng.randint(1, int(spec.maximum or 4))
        elif part == "action":
            values[spec.field] = spec.prefill if rng.random() < 0.6 else "A new action."
        elif part == "target":
            values[spec.field] = int(rng.choice(spec.choices))
        elif spec.choices:
            values[spec.field] = rng.choice(spec.choices)
        elif spec.kind in ("text", "narrative"):
            values[spec.field] = "Progress as planned."
    return values


def _recalculate(sources: list[Path], out_dir: Path, tmp: Path) -> None:
    profile = tmp / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC, encoding="utf-8")
    office = soffice()
    assert office is not None
    command = [office, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
               "--norestore", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
               "--outdir", str(out_dir), *map(str, sources)]
    env = {**os.environ, "HOME": str(tmp)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, (done.stdout, done.stderr)


# --------------------------------------------------------------------------- the fillings


@dataclass(frozen=True)
class Case:
    path: Path  # as written, with poisoned formula results
    layout: FormLayout
    workspace: Workspace
    spoiled: bool = False  # holds values validate refuses (the cell-by-cell test's)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[list[Case], Path]:
    """Every filling written, then recalculated by one ``soffice`` call."""
    tmp = tmp_path_factory.mktemp("agreement")
    wilts = Workspace(tmp / "wiltshire")
    assert compile_returns(wilts, sorted((SAMPLES / "2024-02").glob("*.xlsx")),
                           extracted_on=date(2024, 3, 4)).written
    last = wilts.history().snapshot_before(wilts.programme().id, MARCH)
    north = init_workspace(tmp / "northshire", TESTS / "data" / "northshire.toml")
    layouts = [(wilts, build_layout(wilts.programme(), MARCH, owner, last, DUE))
               for owner in ("send", "finance", None)]
    layouts += [(north, build_layout(north.programme(), MAY, owner, None, DUE))
                for owner in (None, "o_data")]
    rng = random.Random(20240412)
    filled = tmp / "filled"
    filled.mkdir()
    cases = []
    with pytest.MonkeyPatch.context() as patch:
        # Poison the stored results: the blank form's, whatever values are written.
        patch.setattr(generate, "check_results", lambda *_a, **_k: {})
        patch.setattr(generate, "query_results", lambda *_a, **_k: {})
        patch.setattr(generate, "rating_label", lambda *_a, **_k: POISON)
        patch.setattr(generate, "cell_results", lambda *_a, **_k: {})
        for i in range(FILLINGS):
            workspace, layout = layouts[i % len(layouts)]
            path = filled / f"{i:03d}-{layout.identity.programme}-{layout.identity.owner}.xlsx"
            values = random_values(rng, layout)
            spoiled = i % 3 == 2
            if spoiled:
                spoil(rng, layout, values)
            path.write_bytes(generate.render_form(layout, values=values))
            cases.append(Case(path, layout, workspace, spoiled))
    out = tmp / "recalculated"
    _recalculate([c.path for c in cases], out, tmp)
    lost = [c.path.name for c in cases if not (out / c.path.name).exists()]
    assert not lost, f"LibreOffice wrote no recalculated copy of {len(lost)} files: {lost[:5]}"
    return cases, out


POISON = "(not recalculated)"


def test_check_sheet_counts_agree_with_the_validator(
        recalculated: tuple[list[Case], Path]) -> None:
    cases, out = recalculated
    totals = {"missing": 0, "queries": 0, "recalculated": 0}
    codes: set[str] = set()
    cases = [c for c in cases if not c.spoiled]  # a refused value is neither missing nor not
    for case in cases:
        path, layout = case.path, case.layout
        validation = validate_returns(case.workspace, [path])
        missing = [i for i in validation.issues
                   if i.code == "required-missing" and i.severity is Severity.ERROR]
        queries = [i for i in validation.issues
                   if i.code.startswith("query-") and i.severity is Severity.QUERY]
        check = openpyxl.load_workbook(out / path.name, data_only=True)[CHECK]
        got_missing = check[a1(*CHECK_COUNT_CELL)].value
        got_queries = check[a1(*QUERY_COUNT_CELL)].value
        assert (got_missing, got_queries) == (len(missing), len(queries)), (
            path.name, [i.message for i in missing], [i.message for i in queries])
        # Row by row: the same queries are open in the form and in the validator.
        first = query_first_row(layout)
        open_rows = {q.label for i, q in enumerate(layout.queries)
                     if check[a1(first + i, 2)].value == "Query"}
        assert open_rows == {q.label for q in layout.queries for i in queries
                             if i.message.startswith(q.label + ".")}, path.name
        blank = {c.cell: c.value for c in layout.sheet(CHECK).fixed}
        totals["recalculated"] += (got_missing, got_queries) != (
            blank[a1(*CHECK_COUNT_CELL)], blank[a1(*QUERY_COUNT_CELL)])
        totals["missing"] += len(missing)
        totals["queries"] += len(queries)
        codes |= {i.code for i in queries}
    # Not vacuous: the fillings raise every kind of query the form can hold, LibreOffice
    # really recalculated, and some fillings left inputs missing.
    assert codes == {"query-moved", "query-unchanged", "query-rating-figure",
                     "query-savings-over-budget", "query-risk-action", "query-small-number"}
    assert totals["recalculated"] > len(cases) // 3
    assert totals["missing"] > 0 and totals["queries"] > len(cases) // 2


def test_the_rating_shown_as_typed_is_the_compiles(
        recalculated: tuple[list[Case], Path]) -> None:
    """Each rule-rated row's rating cell, recalculated, equals what the compile's rules give."""
    cases, out = recalculated
    compared: dict[str, int] = {}
    states: set[tuple[str, str]] = set()
    disagree = []
    for case in (c for c in cases if not c.spoiled):
        path, layout = case.path, case.layout
        programme = layout.programme
        validation = validate_returns(case.workspace, [path])
        gave = evaluate_all(programme, layout.period, rule_inputs(programme, validation.values))
        book = openpyxl.load_workbook(out / path.name, data_only=True)
        cells = {c.operands[0]: c for s in layout.sheets for c in s.fixed
                 if c.operation == "rating"}
        for check in layout.ratings:
            if check.item not in cells:
                continue  # a manual row, or a rule worked out only when compiled
            cell = cells[check.item]
            shown = book[cell.sheet][cell.cell].value
            computed = gave[check.item].computed
            assert computed is not None
            expected = programme.scale.get(computed).label
            compared[check.kind] = compared.get(check.kind, 0) + 1
            states.add((check.kind, expected))
            if shown != expected:
                disagree.append((path.name, cell.sheet, cell.cell, shown, expected))
    print(f"rating cells compared: {compared}; disagreements: {len(disagree)}")
    assert not disagree, disagree[:10]
    # Not vacuous: every kind on these forms compared, each giving every grade it can.
    assert set(compared) == {"threshold", "variance", "cap", "derived"}
    for kind in ("threshold", "variance", "cap", "derived"):
        # the worst of five random ratings is seldom the best: two states are enough there
        least = 2 if kind == "derived" else 3
        assert len({label for k, label in states if k == kind}) >= least, (kind, states)


def test_each_cell_is_judged_as_validate_judges_it(
        recalculated: tuple[list[Case], Path]) -> None:
    """A cell marked Wrong on the Check sheet is one ``validate`` refuses on its own (an
    error or a warning of its own cell's reading), and a cell marked OK is not."""
    cases, out = recalculated
    cell_codes = set(in_group("cell"))
    compared = wrong = 0
    disagree = []
    codes: set[str] = set()
    for case in cases:
        layout = case.layout
        validation = validate_returns(case.workspace, [case.path])
        refused = {(i.sheet, i.cell) for i in validation.issues
                   if i.code in cell_codes and i.severity in (Severity.ERROR, Severity.WARNING)}
        codes |= {i.code for i in validation.issues if (i.sheet, i.cell) in refused}
        check = openpyxl.load_workbook(out / case.path.name, data_only=True)[CHECK]
        first = cell_first_row(layout)
        for i, spec in enumerate(cell_specs(layout)):
            verdict = check[a1(first + i, 2)].value
            assert verdict in ("Wrong", "OK"), (case.path.name, spec.cell, verdict)
            compared += 1
            wrong += verdict == "Wrong"
            if (verdict == "Wrong") != ((spec.sheet, spec.cell) in refused):
                disagree.append((case.path.name, spec.sheet, spec.cell, verdict))
        assert check[a1(*WRONG_COUNT_CELL)].value == len(
            [r for r in refused if r[0] != CHECK]), case.path.name
    print(f"cells compared: {compared}; marked Wrong: {wrong}; disagreements: "
          f"{len(disagree)}; codes: {sorted(codes)}")
    assert not disagree, disagree[:10]
    # Not vacuous: words in number cells, out of range, not whole, not on the list, too long.
    assert wrong > len(cases) // 10
    assert {"not-a-number", "out-of-range", "not-whole", "not-in-list", "too-long"} <= codes
