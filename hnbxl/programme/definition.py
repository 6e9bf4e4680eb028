"""The programme definition: a TOML file read once into typed, checked objects.

Everything the form, the reader, the rules and the report need to know about a
programme lives here, so another council's programme is a new TOML file, not
new code.  Loading checks every key (unknown, missing, wrong type, duplicate
id, a rule that points at nothing) and names the key and, where it can be
found in the text, the line, because the person editing the file is an
officer, not a programmer.

The work is split by job, and this module is the entry point that the rest of
hnbxl imports from (every name below is re-exported, so importers need not know
the split):

- ``model.py``: the typed objects (``Programme``, ``Measure``, ``Rule``...)
  and the names of units, rule kinds and grades;
- ``toml_table.py``: reading a table key by key, unknown-key suggestions and
  the line of a key;
- ``parse_rules.py``: rules, thresholds and profiles, measures;
- ``loader.py``: the tables in order (scale, owners, sections, finance,
  risks, limits, queries, headings) into a ``Programme``;
- ``checks.py``: the checks across tables (duplicate ids, rule references,
  query rules);
- here: finding, reading and hashing the file.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

from hnbxl.core.fileio import sha256_hex
from hnbxl.core.issues import HnbxlError
from hnbxl.programme.loader import RESERVED_TABS, ProgrammeLoader, default_risk_prefix, tab_name
from hnbxl.programme.model import (
    COUNT_UNITS,
    DEFAULT_HEADINGS,
    DIRECTIONS,
    GRADES,
    NUMERIC_UNITS,
    QUERY_KINDS,
    RISK_DIRECTIONS,
    RULE_KINDS,
    SECTION_KEYS,
    UNITS,
    DefinitionError,
    FinanceAmounts,
    FinanceRow,
    Limits,
    Measure,
    Narrative,
    Owner,
    Programme,
    QueryRule,
    QuerySettings,
    RagScale,
    RagState,
    RatedItem,
    Risk,
    RiskBand,
    RiskScoring,
    Rule,
    Section,
    Words,
    in_sentence,
    query_items,
    sentence_start,
)
from hnbxl.programme.toml_table import line_from_message

__all__ = [
    "COUNT_UNITS",
    "DEFAULT_DEFINITION",
    "DEFAULT_HEADINGS",
    "DIRECTIONS",
    "GRADES",
    "NUMERIC_UNITS",
    "QUERY_KINDS",
    "RESERVED_TABS",
    "RISK_DIRECTIONS",
    "RULE_KINDS",
    "SECTION_KEYS",
    "UNITS",
    "DefinitionError",
    "FinanceAmounts",
    "FinanceRow",
    "Limits",
    "Measure",
    "Narrative",
    "Owner",
    "Programme",
    "QueryRule",
    "QuerySettings",
    "RagScale",
    "RagState",
    "RatedItem",
    "Risk",
    "RiskBand",
    "RiskScoring",
    "Rule",
    "Section",
    "Words",
    "default_definition_path",
    "default_risk_prefix",
    "in_sentence",
    "load_programme",
    "parse_programme",
    "query_items",
    "sentence_start",
    "tab_name",
]

DEFAULT_DEFINITION = "wiltshire-hnb.toml"


def default_definition_path() -> Path:
    """The embedded Wiltshire programme, wherever the package is installed."""
    return Path(str(resources.files("hnbxl") / "data" / DEFAULT_DEFINITION))


def load_programme(path: str | Path | None = None) -> Programme:
    """Read and check a programme definition; the embedded default when ``path`` is None."""
    path = Path(path) if path is not None else default_definition_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HnbxlError(f"{path}: no such programme definition") from None
    except UnicodeDecodeError as exc:
        raise HnbxlError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_programme(text, str(path))


def parse_programme(text: str, source: str = "<definition>") -> Programme:
    """Check ``text`` and build its :class:`Programme`; ``source`` names it in errors.

    The hash is of the parsed data, not the text, so a comment or a blank line
    changes no hash and starts no new definition version in the history.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or line_from_message(str(exc))
        raise DefinitionError(source, "TOML", str(exc), line) from None
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = sha256_hex(canonical.encode("utf-8"))
    return ProgrammeLoader(source, text).programme(data, digest)

