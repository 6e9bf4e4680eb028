"""What the committee is told about the figures, in plain words (pure).

The officer traces a figure by file and cell; a committee member needs to
know which figures to read with care: which are late, missing or suppressed,
which owner has not returned, and what an owner said about a figure that
looked odd.  These sentences never name a file, a cell, a code, a command or
a key, and never give away a figure its owner suppressed: a note or a
rating's reason about a suppressed figure is left out, because "4 is above
the target of 3" pins "fewer than 5" down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hnbxl.core.codes import title_of
from hnbxl.core.issues import Issue
from hnbxl.core.keys import FieldKey, ItemKey
from hnbxl.core.periods import Period
from hnbxl.programme.definition import Programme, RagScale
from hnbxl.report.model import FinanceLine, MeasureRow
from hnbxl.report.rules import RatingResult

NOT_RECEIVED = "Not received"
#: Issues said above in words of their own (a section not received).
_SAID_ABOVE = ("section-not-received",)
#: Words in an issue's message after which the owner's own explanation follows.
_EXPLAINED = ("Explained: ", "Reason: ", "reason: ")


def committee_note(result: RatingResult, suppressed: bool) -> str:
    """The words a committee member reads beside a rating; "" where the seed printed none.

    An owner's rating over a rule reads as the owner's reason; a rule's rating as
    the rule's reason in words; a rating the owner chose needs no note; a rating
    of a suppressed figure gets none (its reason would give the figure away).
    """
    if result.basis.startswith(NOT_RECEIVED):
        return result.basis
    if suppressed:
        return ""
    if result.overridden:
        return (result.reason or "").strip()
    if result.computed is None:  # the owner's own rating (manual rule)
        return ""
    return result.basis


def officer_note_of(scale: RagScale, result: RatingResult) -> str:
    """The whole account for the officer: an override with what the rule gave, or the basis."""
    if result.overridden:
        gave = _label(scale, result.computed) or "a different rating"
        reason = (result.reason or "").strip() or "no reason recorded"
        return f"Overridden by owner (rule gave {gave}): {reason}"
    return result.basis


def _label(scale: RagScale, key: str | None) -> str:
    if key is None:
        return ""
    for state in (*scale.states, scale.no_data):
        if state.key == key:
            return state.label
    return key


def missing_parts(programme: Programme, missing: Mapping[str, str]
                   ) -> list[tuple[str, str, str]]:
    """(section, owner, which rows) for each owner's part not received, in section order.

    A whole section has no row words; a shared section's part names its rows
    ("2 rows: Average days to issue a plan, ..."), since other owners' rows of it came.
    """
    out: dict[tuple[str, str], list[str]] = {}
    names: dict[str, str] = {key: name for key, name, _rule in programme.rated_items()}
    for key, owner in missing.items():
        section, item = ItemKey(key).section, ItemKey(key).ident
        rows = out.setdefault((section, owner), [])
        if item and item != "narrative":
            rows.append(names.get(key, item))
    parts = []
    for section in programme.sections:
        for (s, owner), rows in out.items():
            if s == section:
                said = (f"{len(rows)} row{'s' if len(rows) != 1 else ''}: "
                        f"{', '.join(rows)}") if rows else ""
                parts.append((section, owner, said))
    return parts


def quality_notes(programme: Programme, period: Period, values: Mapping[str, Any],
                  measures: Sequence[MeasureRow], finance: Sequence[FinanceLine],
                  missing: Mapping[str, str], issues: Sequence[Issue],
                  hidden: Mapping[str, str], risk_names: Mapping[str, str] | None = None
                  ) -> tuple[str, ...]:
    """The committee's data-quality note, one sentence per point, most important first."""
    notes: list[str] = []
    for section, owner, rows in missing_parts(programme, missing):
        title = programme.sections[section].title
        part = f"{title} ({rows})" if rows else title
        notes.append(f"{part}: the return from {owner} had not arrived when this report "
                     "was made, so its figures and ratings are shown as not received.")
    for m in measures:
        if m.key in hidden:
            notes.append(f"{m.name}: shown as '{m.suppressed}' and not published, because "
                         "so small a number could identify people.")
    for m in measures:
        if m.key in hidden or "measures" in missing or m.key in missing:
            continue
        if not programme.due("measures", programme.row_of(m.key)[1], period):
            continue  # not asked for this period: its note says when it is next due
        figure = values.get(f"{m.key}.figure")
        updated = values.get(f"{m.key}.last_update")
        if figure is None:
            notes.append(f"{m.name}: no figure this period ({m.figure}).")
        elif isinstance(updated, Period) and updated < period.previous():
            notes.append(f"{m.name}: the latest figure is for {updated.label}, so it is late.")
    if "finance" not in missing:
        for line in finance:
            if line.this_quarter is None and line.key not in missing \
                    and programme.due("finance", programme.row_of(line.key)[1], period):
                notes.append(f"{line.name}: no figure this quarter ({line.this_quarter_text}).")
    names = {**_names(programme), **(risk_names or {})}
    for issue in issues:
        item = FieldKey(issue.field).item if issue.field else ""
        if item in hidden or issue.code in _SAID_ABOVE:
            continue  # said above (a suppressed figure without the details that would tell)
        # About a row: its name; about a sheet of the form (rows sorted): the sheet's.
        notes.append(issue_words(issue, names.get(item, "") or issue.sheet))
    return tuple(dict.fromkeys(notes))


def issue_words(issue: Issue, subject: str) -> str:
    """An issue as a sentence for the committee: what it is about, what, and why (no places)."""
    what = title_of(issue.code)
    explained = next((issue.message.split(marker, 1)[1].strip() for marker in _EXPLAINED
                      if marker in issue.message), "")
    sentence = f"{subject}: {what[:1].lower()}{what[1:]}." if subject else f"{what}."
    if explained:
        sentence += f" The owner explains: {explained}"
    return sentence


def _names(programme: Programme) -> dict[str, str]:
    """Item key -> the name the report shows it under."""
    names: dict[str, str] = {item: name for item, name, _rule in programme.rated_items()}
    for risk in programme.risks:  # as the risk log names it: R2 Partners struggle...
        names[ItemKey.make("risks", risk.id)] = f"{risk.id} {risk.name}"
    for key, narrative in programme.narratives.items():
        names[ItemKey.make(key).field("narrative")] = narrative.label
    return names
