"""What changed between two versions of a programme definition, key by key.

Tables are compared by key and arrays of tables by each entry's ``id`` (or
``key``), so moving a measure is not read as changing every measure after it.
Pure: two TOML texts in, lines a person reads out.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from hnbxl.programme.toml_write import toml_value


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, changed
    key: str  # measures[needs_assessment_requests].name
    old: object = None  # a TOML value
    new: object = None

    @property
    def text(self) -> str:
        if self.kind == "added":
            return f"+ {self.key} = {_show(self.new)}"
        if self.kind == "removed":
            return f"- {self.key} (was {_show(self.old)})"
        return f"~ {self.key}: {_show(self.old)} -> {_show(self.new)}"


def diff_definitions(old_text: str, new_text: str) -> list[Change]:
    """Every key added, removed or changed from ``old_text`` to ``new_text``."""
    old, new = _flatten(tomllib.loads(old_text)), _flatten(tomllib.loads(new_text))
    changes = []
    for key in sorted(set(old) | set(new), key=lambda k: (_order(k, old, new), k)):
        if key not in new:
            changes.append(Change("removed", key, old=old[key]))
        elif key not in old:
            changes.append(Change("added", key, new=new[key]))
        elif old[key] != new[key]:
            changes.append(Change("changed", key, old[key], new[key]))
    return changes


def _order(key: str, old: dict[str, Any], new: dict[str, Any]) -> int:
    keys = list(old) + [k for k in new if k not in old]
    return keys.index(key)


def _flatten(value: object, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            name = item.get("id", item.get("key", item.get("rag", i)))
            out.update(_flatten(item, f"{prefix}[{name}]"))
    else:
        out[prefix] = value
    return out


def _show(value: object) -> str:
    """The value as TOML writes it (``"Amber"``, ``true``), cut short when long."""
    text = toml_value(value)
    return text if len(text) <= 200 else text[:197] + "..."
