"""docs/definition.md documents every key the definition loader reads.

The keys are taken from the loader's own source (every literal key name it
asks a table for, in every module of the programme package and of its rule
kinds, since the loader is split by job) and from its tables of defaults, so
a key added to the loader without a line in the reference fails here, naming
the key.
"""

from __future__ import annotations

import re
from pathlib import Path

from hnbxl.programme import definition

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "definition.md"
_ASKS = re.compile(
    r'(?:\.(?:get|text|choice|integer|number|table|tables)'
    r'|(?:self|reader)\.(?:ident|text_list|colour)|\bin_unit)\(\s*(?:[\w.]+,\s*){0,2}"([a-z_]+)"')


def loader_keys() -> set[str]:
    package = Path(definition.__file__).parent
    keys: set[str] = set()
    for module in sorted(package.rglob("*.py")):  # each rule kind reads its own keys
        keys |= set(_ASKS.findall(module.read_text(encoding="utf-8")))
    keys |= set(definition.DEFAULT_HEADINGS) | set(definition.SECTION_KEYS)
    keys |= set(definition.GRADES) | set(definition.UNITS) | set(definition.RULE_KINDS)
    return keys


def test_the_loader_keys_are_found() -> None:
    keys = loader_keys()
    # A sample from every part of the file, so a broken pattern cannot pass quietly.
    assert {"council", "grade", "tab", "amber_limit", "profile", "this_quarter", "favourable",
            "likelihood_max", "when", "at_least", "statuses"} <= keys


def test_every_key_the_loader_reads_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    fenced = re.findall(r"```\w*\n(.*?)```", text, flags=re.S)  # examples count too
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    spans = " ".join(fenced + inline)
    missing = sorted(k for k in loader_keys() if not re.search(rf"\b{k}\b", spans))
    assert not missing, (f"docs/definition.md does not document {', '.join(missing)}: "
                         "add each key with its type, default and meaning")


def test_the_readme_links_to_the_reference() -> None:
    assert "docs/definition.md" in (ROOT / "README.md").read_text(encoding="utf-8")
