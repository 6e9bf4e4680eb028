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
from hnbxl.core.keys import ItemKey
from hnbxl.core.periods import Period
from hnbxl.programme.kinds import kind_names
from hnbxl.programme.loader import RESERVED_TABS, ProgrammeLoader, default_risk_prefix, tab_name
from hnbxl.programme.model import (
    COUNT_UNITS,
    DEFAULT_HEADINGS,
    DIRECTIONS,
    GRADES,
    NUMERIC_UNITS,
    QUERY_KINDS,
    RISK_DIRECTIONS,
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
    SectionRow,
    Words,
    in_sentence,
    query_items,
    sentence_start,
)
from hnbxl.programme.sanity import MAX_DEPTH, check_values, decode_definition
from hnbxl.programme.toml_table import line_from_message

#: The rule kinds hnbxl comes with (``programme/kinds/``), in the order it lists them.
RULE_KINDS = kind_names()


def next_due_words(programme: Programme, owner: str, period: Period) -> str:
    """"quarterly (due Jun, Sep, Dec, Mar); next due Jun-24" for an owner's rows."""
    rhythms = {programme.rhythm_of(key, row) for key in programme.sections_of(owner)
               for row in (None, *programme.rows(key))
               if programme.holds(owner, ItemKey.make(key, row.id) if row
                                  else ItemKey.make(key).field("narrative"))}
    soonest = min((r.next_due(period) for r in rhythms), default=period)
    return f"{' or '.join(sorted(r.words for r in rhythms))}; next due {soonest.label}"


def form_owners(programme: Programme, period: Period, owner: str | None, split: bool
                ) -> list[str | None]:
    """Whose forms a period's generate makes: None is one form with every section.

    ``owner`` None or ``"all"``: every section (one form, or with ``split`` one
    per owner with something due this period: a quarterly return's owner gets
    none in a month between); an owner key: that owner's form, an error when
    the key is no owner or the owner has nothing due (naming when it next is).
    """
    if owner in (None, "all"):
        return ([key for key in programme.owners if programme.sections_due(key, period)]
                if split else [None])
    if owner not in programme.owners:
        raise HnbxlError(
            f"'{owner}' is not an owner of {programme.id}; owners are: "
            f"{', '.join(programme.owners)} (or all)")
    if not programme.sections_due(owner, period):
        raise HnbxlError(f"{programme.owners[owner].name} has nothing due in {period.label}: "
                         "every row they fill reports "
                         + next_due_words(programme, owner, period))
    return [owner]


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
    "SectionRow",
    "Words",
    "default_definition_path",
    "default_risk_prefix",
    "definition_notes",
    "form_owners",
    "in_sentence",
    "load_programme",
    "next_due_words",
    "parse_programme",
    "query_items",
    "read_definition_text",
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
    text, _notes = read_definition_text(path)
    return parse_programme(text, str(path))


def read_definition_text(path: Path) -> tuple[str, list[str]]:
    """A definition file's text and notes about it (a byte-order mark), or one line why not."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise HnbxlError(f"{path}: no such programme definition") from None
    except IsADirectoryError:
        raise HnbxlError(f"{path}: is a folder, not a programme definition") from None
    except OSError as exc:
        raise HnbxlError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return decode_definition(raw, str(path))


def definition_notes(path: Path) -> list[str]:
    """Notes to show about the definition file (read as given, but worth knowing)."""
    try:
        return read_definition_text(path)[1]
    except HnbxlError:
        return []  # the command that loads it says what is wrong


def parse_programme(text: str, source: str = "<definition>") -> Programme:
    """Check ``text`` and build its :class:`Programme`; ``source`` names it in errors.

    The hash is of the parsed data, not the text, so a comment or a blank line
    changes no hash and starts no new definition version in the history.
    """
    if text.startswith("\ufeff"):  # a byte-order mark read as text
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or line_from_message(str(exc))
        raise DefinitionError(source, "TOML", str(exc), line) from None
    except RecursionError:
        raise DefinitionError(source, "TOML", "arrays or tables nested too deeply to read; "
                              f"a definition needs a few levels, at most {MAX_DEPTH}") from None
    check_values(data, source, text)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    digest = sha256_hex(canonical.encode("utf-8"))
    return ProgrammeLoader(source, text).programme(data, digest)

