"""The working folder: where the officer keeps the programme, history and returns.

``hnbxl init DIR`` makes one, so the officer never needs to know where the
package lives.  A folder holding neither a ``programme.toml`` nor a history
uses the embedded Wiltshire programme (the command says so); its first
compile keeps a copy as ``programme.toml`` beside the history it creates, so
the history is always read with its own programme.  A history without a
``programme.toml`` is refused rather than read with the wrong programme.

Layout of a working folder::

    programme.toml     the programme definition (a copy to edit)
    history.sqlite     every compiled period
    returns/           every return used, unchanged, named by its SHA-256
    forms/             generated input workbooks (default for generate)
    output/            compiled reports (default for compile)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hnbxl.core.fileio import write_atomically
from hnbxl.core.issues import HnbxlError
from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme, default_definition_path, load_programme
from hnbxl.store.history import History

DEFINITION_FILE = "programme.toml"
HISTORY_FILE = "history.sqlite"


class WorkspaceError(HnbxlError):
    """The working folder cannot be used as given."""


@dataclass(frozen=True)
class Workspace:
    root: Path
    definition_override: Path | None = None

    @classmethod
    def open(cls, root: Path, definition: Path | None = None) -> Workspace:
        """A working folder that must exist already (every command but ``init``)."""
        if not root.exists():
            raise WorkspaceError(f"{root}: no such working folder; make one with "
                                 f"'hnbxl init {root}' or point --workdir at the right one")
        if not root.is_dir():
            raise WorkspaceError(f"{root}: is a file, not a working folder")
        return cls(root, definition)

    @property
    def uses_bundled(self) -> bool:
        """True when the embedded programme is used: the folder holds no definition, no history."""
        return (self.definition_override is None and not (self.root / DEFINITION_FILE).exists()
                and not self.history_path.exists())

    @property
    def definition_path(self) -> Path:
        if self.definition_override is not None:
            return self.definition_override
        local = self.root / DEFINITION_FILE
        if local.exists():
            return local
        if self.history_path.exists():
            raise WorkspaceError(
                f"{self.root}: holds a history ({HISTORY_FILE}) but no {DEFINITION_FILE}; "
                f"put the programme's {DEFINITION_FILE} back (or give --definition) so the "
                "history is read with its own programme")
        return default_definition_path()

    def bundled_notice(self) -> str | None:
        """One line to say the embedded programme is used, or None."""
        if not self.uses_bundled:
            return None
        return (f"no {DEFINITION_FILE} in {self.root}: using the bundled Wiltshire programme "
                f"('hnbxl init {self.root}' makes a copy to edit)")

    def definition_notes(self) -> list[str]:
        """Notes about the definition file worth a line (a byte-order mark), or none."""
        from hnbxl.programme.definition import definition_notes

        try:
            return definition_notes(self.definition_path)
        except HnbxlError:
            return []  # the command that reads the definition says what is wrong

    def recover(self) -> list[str]:
        """Put right a compile a crash interrupted, unless a compile is running now."""
        from hnbxl.store.commit import recover_if_free

        return recover_if_free(self.history(), self.root, (self.output_dir, self.returns_dir))

    @property
    def history_path(self) -> Path:
        return self.root / HISTORY_FILE

    @property
    def returns_dir(self) -> Path:
        return self.root / "returns"

    @property
    def forms_dir(self) -> Path:
        return self.root / "forms"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    def programme(self) -> Programme:
        """The definition, refused when it drops a RAG state the history still holds.

        Last period's ratings, trends and the export read the history's keys
        through the scale; a removed (or re-keyed) state would leave them
        without words.  Renaming a state's label is fine: the key stays.
        """
        programme = load_programme(self.definition_path)
        scale = {s.key for s in (*programme.scale.states, programme.scale.no_data)}
        in_use = self.history().ratings_in_use(programme.id)
        gone = {key: uses for key, uses in in_use.items() if key not in scale}
        if gone:
            said = "; ".join(
                f"'{key}' ({len(uses)} rating{'s' if len(uses) != 1 else ''}, e.g. "
                + ", ".join(f"{item} in {Period.parse(period).label}"
                            for period, item in uses[:3]) + ")"
                for key, uses in sorted(gone.items()))
            raise HnbxlError(
                f"{self.definition_path}: the RAG scale no longer has the state(s) {said}, "
                f"which {self.history_path} still holds. Put the state back in [[rag]] (its "
                "label and colour may change, the key must stay), or use a new working "
                "folder for the new scale.")
        return programme

    def history(self) -> History:
        return History(self.history_path)


def init_workspace(root: Path, definition: Path | None = None) -> Workspace:
    """Make a working folder; never overwrites a definition or history already there."""
    if root.exists() and not root.is_dir():
        raise HnbxlError(f"{root}: exists and is not a folder")
    root.mkdir(parents=True, exist_ok=True)
    target = root / DEFINITION_FILE
    source = definition or default_definition_path()
    load_programme(source)  # refuse to copy a definition that does not load
    if not os.path.lexists(target):  # a link there (even a dangling one) is never written through
        write_atomically((target, source.read_bytes()))
    for folder in ("returns", "forms", "output"):
        (root / folder).mkdir(exist_ok=True)
    workspace = Workspace(root)
    history = workspace.history()
    if not history.path.exists():
        history.create()
    return workspace
