"""Returns made from an earlier version of the programme definition.

Forms go out, then the officer fixes a typo or adds a measure in
``programme.toml``.  Every definition a form was generated from is kept in
history by its hash (``hnbxl generate`` stores it), so such a return is read
through the layout of its OWN version: its locked cells are checked against
what that form really held, and its values keep their field ids.  Those values
are then mapped into the current definition by field id:

* a change that touches none of the cells this form holds (wording elsewhere,
  guidance, colours, rules, another owner's sections) says nothing;
* a renamed row on this form is accepted with an info line naming old and new;
* a row the current definition dropped is noted (its value stays on record);
* a row added since is missing for completeness: the form could not hold it,
  and the report shows it as not reported, with an info line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from hnbxl.core.issues import HnbxlError, Issue, Severity
from hnbxl.core.keys import ItemKey
from hnbxl.core.provenance import FieldValue
from hnbxl.forms.model import FormLayout, Identity
from hnbxl.forms.words import UNIT_NAMES
from hnbxl.programme.definition import (
    DefinitionError,
    Programme,
    load_programme,
    parse_programme,
)
from hnbxl.programme.diff import diff_definitions as diff
from hnbxl.store.history import History
from hnbxl.store.workspace import Workspace
from hnbxl.xlsx.reader import Workbook
from hnbxl.xlsx.safety import UnsafeWorkbook


class ReadSoFar(Protocol):
    """What mapping a return into the current definition needs of it (a ``ReturnRead``).

    A protocol, not an import of ``returns.read``: reading calls this module,
    so this module must not need the reader back.
    """

    display: str
    identity: Identity | None
    layout: FormLayout | None
    values: dict[str, FieldValue]
    issues: list[Issue]

    def issue(self, code: str, severity: Severity, message: str, *, sheet: str = "",
              cell: str = "", field_key: str = "", found: object = "",
              expected: object = "") -> None: ...


def stored_version(history: History, digest: str) -> Programme | None:
    """The definition history keeps under ``digest``, parsed; None when it holds none."""
    found = history.definition_text(digest)
    if found is None:
        return None
    full, source, text = found
    try:
        programme = _parse(text, source)
    except DefinitionError:
        return None
    return programme if programme.hash == full else None


@lru_cache(maxsize=16)
def _parse(text: str, source: str) -> Programme:
    return parse_programme(text, f"{source} (as stored in history)")


def items(programme: Programme) -> dict[str, str]:
    """Item key -> the name its row shows on the form (rated rows and narratives)."""
    names: dict[str, str] = {key: name for key, name, _rule in programme.rated_items()}
    for key, narrative in programme.narratives.items():
        names[ItemKey.make(key).field("narrative")] = narrative.label
    return names


def map_to_current(read: ReadSoFar, made_from: Programme, current: Programme) -> None:
    """Say what the change of definition means for this return (see the module)."""
    assert read.identity is not None
    sections = set(read.identity.sections)
    owner = read.identity.owner  # a row with its own owner is on that owner's form only
    before, now = items(made_from), items(current)
    already = len(read.issues)

    def place(item: str) -> tuple[str, str]:
        layout = read.layout
        assert layout is not None
        spec = next((s for s in layout.inputs if s.field.startswith(item + ".")), None)
        return (spec.sheet, spec.cell) if spec else ("", "")

    for item, old_name in before.items():
        if ItemKey(item).section not in sections or not made_from.holds(owner, item):
            continue
        sheet, cell = place(item)
        if item not in now:
            held = [v for k, v in read.values.items() if k.startswith(item + ".")]
            read.issue("field-dropped", Severity.INFO,
                       f"'{old_name}' is no longer in the programme definition; what this "
                       "return gives for it is kept on record but not reported.",
                       sheet=sheet, cell=cell, field_key=item,
                       found=", ".join(str(v.value) for v in held) or "(empty)",
                       expected="nothing: the row was removed")
        elif now[item] != old_name:
            read.issue("label-changed", Severity.INFO,
                       f"This row was renamed after the form went out: '{old_name}' is now "
                       f"'{now[item]}'. The value is reported under the new name.",
                       sheet=sheet, cell=cell, field_key=item, found=old_name,
                       expected=now[item])
    if "measures" in sections:
        units = {m.id: m.unit for m in current.measures}
        for m in made_from.measures:
            if units.get(m.id, m.unit) != m.unit and any(
                    k.startswith(f"measures.{m.id}.") for k in read.values):
                key = ItemKey.make("measures", m.id)
                sheet, cell = place(key)
                # Units in the words people use: "a number", "pounds", not "count", "money".
                was, now_is = UNIT_NAMES[m.unit], UNIT_NAMES[units[m.id]]
                read.issue("unit-changed", Severity.WARNING,
                           f"'{m.name}' was {was} on this form and is now {now_is}: the value "
                           "typed is reported as it was typed, so check it means the same.",
                           sheet=sheet, cell=cell, field_key=key, found=was, expected=now_is)
    for item, name in now.items():
        if ItemKey(item).section in sections and item not in before \
                and current.holds(owner, item):
            read.issue("field-not-on-form", Severity.INFO,
                       f"'{name}' was added to the programme definition after this form was "
                       "made, so the form could not hold it; it is missing from this return "
                       "and the report shows it as not reported.", field_key=item,
                       found="not on this form", expected=f"a value for {name}")
    if len(read.issues) > already:  # only when the change touches this form: else no noise
        read.issues.insert(already, _earlier(read, made_from, current))


def _earlier(read: ReadSoFar, made_from: Programme, current: Programme) -> Issue:
    return Issue("earlier-definition", Severity.INFO,
                 "This form was made from an earlier version of the programme definition; it "
                 "was read through that version (kept in history) and its values mapped into "
                 "the current one by field (see `hnbxl definition diff` with this file).",
                 read.display, found=f"definition {made_from.hash[:12]}",
                 expected=f"definition {current.hash[:12]}")


@dataclass(frozen=True)
class DefinitionDiff:
    old: str  # which version, in words: "a1b2c3d4e5f6 (stored 2024-03-02...)"
    new: str
    changes: list[Any]  # hnbxl.programme.diff.Change


def definition_diff(workspace: Workspace, old: str, new: str = "current") -> DefinitionDiff:
    """What changed between two versions of the definition.

    Each version is ``current`` (the working folder's programme.toml), a TOML
    file, a return (.xlsx: the version its form was made from) or a hash
    (or its first characters) of a version history keeps.
    """
    old_name, old_text = _definition_version(workspace, old)
    new_name, new_text = _definition_version(workspace, new)
    return DefinitionDiff(old_name, new_name, diff(old_text, new_text))


def _definition_version(workspace: Workspace, spec: str) -> tuple[str, str]:
    if spec == "current":
        programme = load_programme(workspace.definition_path)
        return f"current ({workspace.definition_path}, {programme.hash[:12]})", programme.text
    path = Path(spec)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        if not path.is_file():
            raise HnbxlError(f"{spec}: no such file")
        try:
            with Workbook(path) as book:
                digest = book.custom_properties.get("hnbxl_definition_hash", "")
        except UnsafeWorkbook as exc:
            raise HnbxlError(f"{spec}: {exc.message}") from None
        if not digest:
            raise HnbxlError(f"{spec}: carries no hnbxl identity, so it names no definition")
        found = workspace.history().definition_text(digest)
        if found is None:
            raise HnbxlError(f"{spec} was made from definition {digest[:12]}, which "
                             f"{workspace.history_path} does not hold")
        return f"{found[0][:12]} (the version {path.name} was made from)", found[2]
    if path.suffix.lower() == ".toml":
        if not path.is_file():
            raise HnbxlError(f"{spec}: no such file")
        programme = load_programme(path)
        return f"{path} ({programme.hash[:12]})", programme.text
    found = workspace.history().definition_text(spec) if len(spec) >= 4 else None
    if found is None:
        known = ", ".join(h[:12] for h, _s, _t in
                          workspace.history().definitions(load_programme(
                              workspace.definition_path).id)) or "none"
        raise HnbxlError(f"'{spec}' is not 'current', a .toml or .xlsx file, or the start of "
                         f"a definition hash history holds (it holds: {known})")
    return f"{found[0][:12]} ({found[1]}, from history)", found[2]
