"""Validate returns: per-file checks, then merge across files, losing nothing.

Returns for the same period are merged per field.  The same field with two
different values in two files is a conflict that names both files and cells,
never a silent pick.  A resubmission from the same owner needs an explicit
choice (``newest_wins`` or removing the older file), and the choice is
recorded as an issue of severity info so it reaches the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hnbxl.core import fmt
from hnbxl.core.issues import HnbxlError, Issue, Severity, blocking, summary_line
from hnbxl.core.keys import FieldKey, ItemKey
from hnbxl.core.periods import Period
from hnbxl.core.provenance import FieldValue, plain_values
from hnbxl.forms.layout import CheckItem, FormLayout, Identity, InputSpec
from hnbxl.forms.queries import QueryCheck, explained, raised
from hnbxl.programme.definition import Programme, SectionRow
from hnbxl.programme.disclosure import SUPPRESS
from hnbxl.returns.parallel import read_returns
from hnbxl.returns.read import ReturnRead
from hnbxl.returns.savetimes import saved_at, saved_words, untrusted_issue
from hnbxl.store.history import History

if TYPE_CHECKING:
    from hnbxl.returns.readcache import ReadCache

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class OwnerStatus:
    key: str
    name: str
    files: tuple[str, ...]  # returns used that hold this owner's sections
    missing: tuple[str, ...]  # titles of this owner's sections no return holds
    # (title, copies) of this owner's sections returned more than once with no choice made
    repeated: tuple[tuple[str, int], ...] = ()


@dataclass
class Validation:
    files: int
    reads: list[ReturnRead]
    used: list[ReturnRead] = field(default_factory=list)
    values: dict[str, FieldValue] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    period: Period | None = None
    programme: Programme | None = None  # what the returns were checked against
    # returns of the same form given more than once, with no --newest-wins: not used
    unsettled: list[list[ReturnRead]] = field(default_factory=list)
    # (older return set aside, the newer one used) under --newest-wins
    set_aside: list[tuple[ReturnRead, ReturnRead]] = field(default_factory=list)
    reused: int = 0  # reads taken from the read cache, not read again

    def blocking(self, allow_warnings: bool = False, allow_queries: bool = False
                 ) -> list[Issue]:
        return blocking(self.issues, allow_warnings, allow_queries)

    def owners(self) -> list[OwnerStatus]:
        """Who has returned what: for chasing the missing returns."""
        programme = self.programme
        if programme is None:
            return []
        out = []
        period = self.period or next((Period.parse(r.identity.period) for r in self.used
                                      if r.identity), None)
        for key, owner in programme.owners.items():
            # only what is due: a quarterly owner is not missing between due months
            sections = (programme.sections_due(key, period) if period
                        else programme.sections_of(key))
            if not sections:
                continue
            files = tuple(r.display for r in self.used if r.identity
                          and any(_covers(programme, r.identity, key, s) for s in sections))
            held = {s for r in self.used if r.identity for s in sections
                    if _covers(programme, r.identity, key, s)}
            copies: dict[str, int] = {}
            for group in self.unsettled:
                identity = group[0].identity
                assert identity is not None
                for s in sections:
                    if _covers(programme, identity, key, s):
                        copies[s] = max(copies.get(s, 0), len(group))
            missing = tuple(programme.sections[s].title for s in sections
                            if s not in held and s not in copies)
            repeated = tuple((programme.sections[s].title, copies[s]) for s in sections
                             if s not in held and s in copies)
            out.append(OwnerStatus(key, owner.name, files, missing, repeated))
        return out

    def to_dict(self, allow_warnings: bool = False, allow_queries: bool = False
                ) -> dict[str, Any]:
        owners = self.owners()
        return {
            "period": self.period.key if self.period else None,
            "owners": [{"owner": o.key, "name": o.name, "files": list(o.files),
                        "missing": list(o.missing),
                        "returned_more_than_once": {t: n for t, n in o.repeated}}
                       for o in owners],
            "files": [
                {"file": r.display, "sha256": r.sha256,
                 "owner": r.identity.owner if r.identity else None,
                 "sections": list(r.identity.sections) if r.identity else [],
                 "used": r in self.used}
                for r in self.reads
            ],
            "blocking": bool(self.blocking(allow_warnings, allow_queries)),
            "summary": summary_line(self.issues, self.files),
            "issues": [issue.to_dict() for issue in self.issues],
        }


def validate_files(paths: Sequence[Path], programme: Programme, history: History,
                   newest_wins: bool = False, progress: Progress | None = None,
                   period: Period | None = None, jobs: int | None = None,
                   cache: ReadCache | None = None) -> Validation:
    """Read every file (in ``jobs`` processes; None: as many as pay, see
    :func:`hnbxl.returns.parallel.auto_jobs`; through ``cache``, see
    :mod:`hnbxl.returns.readcache`), then check across them."""
    reads = read_returns([Path(p) for p in paths], programme, history, jobs, progress, cache)
    made: dict[str, str | None] = {}  # when history first kept each form's definition
    for read in reads:
        if read.identity is not None:
            digest = read.identity.definition_hash
            if digest not in made:
                made[digest] = history.definition_stored_at(digest)
            read.form_made = made[digest]
    result = validate_reads(reads, newest_wins, period)
    result.programme = programme
    return result


def validate_reads(reads: list[ReturnRead], newest_wins: bool = False,
                   period: Period | None = None) -> Validation:
    """Checks across the returns; ``period``, when given, is the period they must be for."""
    result = Validation(len(reads), reads)
    for read in reads:
        if read.layout is not None:
            _cross_field_checks(read)
    readable = [r for r in reads if r.layout is not None]
    if period is not None:
        readable = _for_period(readable, period, result.issues)
    result.period = _agree_on_period(readable, result.issues)
    result.used, result.set_aside, result.unsettled = _choose_returns(
        readable, newest_wins, result.issues)
    set_aside = {id(old) for old, _new in result.set_aside}
    for read in reads:
        if id(read) in set_aside:  # a set-aside file never blocks: its issues are only noted
            result.issues.extend(_set_aside(i) for i in read.issues)
        else:
            result.issues.extend(read.issues)
    result.values = _merge(result.used, result.issues)
    _merged_checks(result.values, result.issues)
    _completeness(result.used, result.values, result.issues)
    _queries(result.used, result.values, result.issues)
    result.issues.sort(key=Issue.sort_key)
    return result


def month_issues(validation: Validation, allow_missing: Sequence[str] = ()) -> list[Issue]:
    """What stops the month being compiled, beyond the returns' own issues.

    The one answer to "is the month ready?", used by ``compile`` and by
    ``validate --period`` so the two always agree.  A section no return holds is
    an error, unless its owner is in ``allow_missing`` (``"all"`` for every
    owner): it is then reported as "Not received" (info), shown so in the
    report, and recorded in history.
    """
    programme = validation.programme
    out: list[Issue] = []
    if validation.period is None:
        if not validation.blocking(allow_warnings=True, allow_queries=True):
            out.append(Issue("no-returns", Severity.ERROR,
                             "None of the files could be read as a return."))
        return out
    assert programme is not None
    allowed = set(allow_missing)
    unknown = sorted(allowed - set(programme.owners) - {"all"})
    if unknown:
        raise HnbxlError(f"--missing-owner {', '.join(unknown)}: not an owner of {programme.id}; "
                         f"owners are: {', '.join(programme.owners)} (or --allow-missing for "
                         "any owner)")
    for status in validation.owners():
        if not status.missing:
            continue
        if "all" in allowed or status.key in allowed:
            for title in status.missing:
                out.append(Issue(
                    "section-not-received", Severity.INFO,
                    f"Not received: '{title}' (filled in by {status.name}); compiled with "
                    "--allow-missing, so it is shown as Not received and its ratings as no "
                    "data.", found="no return for this section",
                    expected=f"a return from {status.name} covering {title}"))
            continue
        for title in status.missing:
            out.append(Issue(
                "section-missing", Severity.ERROR,
                f"No return holds '{title}' (filled in by {status.name}). Chase the "
                f"{status.name} return, or compile with --missing-owner {status.key} to "
                "show it as Not received.",
                found="no return for this section",
                expected=f"a return from {status.name} covering {title}"))
    return out


def _covers(programme: Programme, identity: Identity, owner: str, section: str) -> bool:
    """Whether a return holds ``owner``'s part of a section.

    A section whose rows all belong to its owner is held by any return holding
    it (as before row owners); a shared section only by that owner's return or
    an all-sections one, since another owner's return holds other rows of it.
    """
    if section not in identity.sections:
        return False
    return identity.owner in (owner, "all") or not programme.shared(section)


def not_received(validation: Validation) -> dict[str, str]:
    """What no return used holds -> the owner's name, for ``compile --allow-missing``.

    Keys are section keys for a section missing as a whole, else the item keys
    of the missing owner's rows (``measures.x``) and, when the missing owner is
    the section's, its own fields (``finance.narrative``).
    """
    programme = validation.programme
    if programme is None:
        return {}
    out: dict[str, str] = {}
    period = validation.period

    def due(key: str, row: SectionRow | None) -> bool:
        return period is None or programme.due(key, row, period)

    for status in validation.owners():
        for key, section in programme.sections.items():
            if section.title not in status.missing:
                continue
            rows = programme.rows(key)
            if not programme.shared(key) and all(due(key, r) for r in (None, *rows)):
                out[key] = status.name
                continue
            for row in rows:  # only this owner's rows that were due: the others are shown
                if programme.owner_of(key, row) == status.key and due(key, row):
                    out[ItemKey.make(key, row.id)] = status.name
            if section.owner == status.key and due(key, None):
                out[ItemKey.make(key).field("narrative")] = status.name
    return out


# --------------------------------------------------------------------------- per file


def _cross_field_checks(read: ReturnRead) -> None:
    layout = read.layout
    assert layout is not None
    values = read.values

    def spec(key: str) -> InputSpec:
        return layout.input(key)

    def add(code: str, severity: Severity, message: str, where: str, found: object = "",
            expected: object = "") -> None:
        s = spec(where)
        read.issue(code, severity, message, sheet=s.sheet, cell=s.cell, field_key=where,
                   found=found, expected=expected)

    for s in layout.inputs:
        base, part = s.field.item, s.field.field
        if part == "figure" and base.field("reason") in values and s.field in values:
            add("figure-and-reason", Severity.ERROR,
                "Both a figure and a reason for having no figure were given; keep one.",
                base.field("reason"), found=values[base.field("reason")].value,
                expected="empty when there is a figure")
        if part == "override_reason" and s.field in values and base.field("override") not in values:
            add("reason-without-override", Severity.WARNING,
                "A reason for overriding was given but no override rating was chosen; the "
                "computed rating is used.", s.field, found=values[s.field].value,
                expected="an override rating with its reason, or neither")
        if part == "share_base" and s.field in values and base.field("figure") in values:
            count, out_of = values[base.field("figure")].value, values[s.field].value
            if isinstance(count, int) and isinstance(out_of, int) and out_of < count:
                add("share-base-too-small", Severity.ERROR,
                    "The group a share is out of is smaller than the figure itself.",
                    s.field, found=f"{count} out of {out_of}",
                    expected=f"a number of at least {count}")
        if part == "target" and s.field in values:
            like, imp = values.get(base.field("likelihood")), values.get(base.field("impact"))
            if like and imp:
                score = like.value * imp.value
                target = values[s.field].value
                if target > score:
                    add("target-above-score", Severity.ERROR,
                        "A risk's target score must not be above its current score.",
                        s.field, found=f"target {target}, score {score}",
                        expected=f"a target of {score} or less")
        if part == "name" and s.field not in values and base.startswith("risks."):
            filled = [k for k in ("risk", "likelihood", "impact", "action", "target")
                      if base.field(k) in values
                      and not (k == "likelihood" and values[base.field(k)].raw is None)]
            if filled:
                add("new-risk-without-name", Severity.ERROR,
                    "A new risk row has details but no name; name the risk or clear the row.",
                    s.field, found=f"{', '.join(filled)} filled", expected="a risk name")


# --------------------------------------------------------------------------- across files


def _for_period(reads: list[ReturnRead], period: Period,
                issues: list[Issue]) -> list[ReturnRead]:
    kept = []
    for read in reads:
        assert read.identity is not None
        if read.identity.period == period.key:
            kept.append(read)
            continue
        found = Period.parse(read.identity.period)
        issues.append(Issue(
            "wrong-period", Severity.ERROR,
            f"This is the {found.label} return, not {period.label}'s: leave it out or "
            f"ask for the {period.label} return.", read.display,
            found=f"a return for {found.label}", expected=f"a return for {period.label}"))
    return kept


def _merged_checks(values: dict[str, FieldValue], issues: list[Issue]) -> None:
    """Checks that need every return at once: a figure in one, a reason for none in another."""
    for key, reason in values.items():
        if not key.endswith(".reason"):
            continue
        figure = values.get(key[: -len("reason")] + "figure") or values.get(
            key[: -len("reason")] + "this_quarter")
        if figure is None or figure.provenance.file == reason.provenance.file:
            continue  # the same file's pair was checked with that file
        for mine, other in ((reason, figure), (figure, reason)):
            issues.append(Issue(
                "figure-and-reason", Severity.ERROR,
                f"One return gives a figure and another a reason for having none "
                f"({other.provenance.file}, {other.provenance.place}); agree which is right.",
                mine.provenance.file, mine.provenance.sheet, mine.provenance.cell, mine.field,
                found=_say(mine.value), expected="a figure or a reason, in one return"))


def _agree_on_period(reads: list[ReturnRead], issues: list[Issue]) -> Period | None:
    periods = sorted({r.identity.period for r in reads if r.identity})
    if len(periods) > 1:
        for read in reads:
            assert read.identity is not None
            issues.append(Issue(
                "period-mismatch", Severity.ERROR,
                "The returns are for different periods; compile one period at a time.",
                read.display, found=Period.parse(read.identity.period).label,
                expected=" or ".join(Period.parse(p).label for p in periods) + ", not both"))
        return None
    return Period.parse(periods[0]) if periods else None


def _choose_returns(reads: list[ReturnRead], newest_wins: bool, issues: list[Issue]
                    ) -> tuple[list[ReturnRead], list[tuple[ReturnRead, ReturnRead]],
                               list[list[ReturnRead]]]:
    """The returns to use, the ones set aside, and the groups still needing a choice.

    Without ``newest_wins`` each form given more than once is ONE issue (who,
    how many copies, the newest and the oldest by save time): three hundred
    re-saved returns are three hundred short lines at most, never a list of
    every other file in each.
    """
    used: list[ReturnRead] = []
    aside: list[tuple[ReturnRead, ReturnRead]] = []
    unsettled: list[list[ReturnRead]] = []
    by_hash: dict[str, ReturnRead] = {}
    groups: dict[tuple[str, tuple[str, ...]], list[ReturnRead]] = {}
    for read in reads:
        if read.sha256 in by_hash:
            issues.append(Issue(
                "duplicate-file", Severity.INFO,
                f"This file is byte-for-byte the same as {by_hash[read.sha256].display}; it was "
                "read once.", read.display, found=f"SHA-256 {read.sha256[:12]}",
                expected="each return once"))
            continue
        by_hash[read.sha256] = read
        assert read.identity is not None
        groups.setdefault((read.identity.owner, read.identity.sections), []).append(read)
    for (owner, _sections), group in groups.items():
        if len(group) == 1:
            used.append(group[0])
            continue
        unknown = datetime.min.replace(tzinfo=UTC)  # an unreadable stamp sorts oldest
        ordered = sorted(group, key=lambda r: (saved_at(r) or unknown, r.display))
        newest, older = ordered[-1], ordered[:-1]
        who = "all sections" if owner == "all" else f"owner '{owner}'"
        if not newest_wins:
            unsettled.append(ordered)
            issues.append(Issue(
                "resubmission", Severity.ERROR,
                f"The form for {who} was returned {len(group)} times; newest "
                f"{newest.display} ({saved_words(newest)}), oldest {ordered[0].display} "
                f"({saved_words(ordered[0])}). Remove the older file(s), or use "
                "--newest-wins to use the newest.", newest.display,
                found=f"{len(group)} returns", expected=f"one return for {who}"))
            continue
        doubtful = untrusted_issue(who, ordered)
        if doubtful is not None:
            unsettled.append(ordered)
            issues.append(doubtful)
            continue
        used.append(newest)
        aside.extend((old, newest) for old in older)
        for read in older:
            issues.append(Issue(
                "resubmission-set-aside", Severity.INFO,
                f"Set aside: a newer return of the same form ({newest.display}, "
                f"{saved_words(newest)}) was used because of --newest-wins; this file's "
                "own issues are only noted.", read.display,
                found=saved_words(read), expected="the newest return"))
    return sorted(used, key=lambda r: r.display), aside, unsettled


def _set_aside(issue: Issue) -> Issue:
    """An issue of a file --newest-wins set aside: kept on record, never blocking."""
    if issue.severity is Severity.INFO:
        return issue
    return replace(issue, code="set-aside-issue", severity=Severity.INFO,
                   message=f"Set aside by --newest-wins, so only noted: {issue.code} "
                           f"({issue.severity}): {issue.message}")


def _merge(used: list[ReturnRead], issues: list[Issue]) -> dict[str, FieldValue]:
    merged: dict[str, FieldValue] = {}
    for read in used:
        for key, value in read.values.items():
            first = merged.get(key)
            if first is None:
                merged[key] = value
            elif first.value != value.value:
                for mine, other in ((first, value), (value, first)):
                    issues.append(Issue(
                        "conflict", Severity.ERROR,
                        f"Two returns disagree: {other.provenance.file} "
                        f"({other.provenance.place}) says {_say(other.value)}. Agree one "
                        "value and correct the other return.",
                        mine.provenance.file, mine.provenance.sheet, mine.provenance.cell, key,
                        found=_say(mine.value), expected="the same value in both returns"))
    return merged


def _say(value: object) -> str:
    if isinstance(value, Period):
        return value.label
    return repr(value) if isinstance(value, str) else str(value)


def _completeness(used: list[ReturnRead], values: dict[str, FieldValue],
                  issues: list[Issue]) -> None:
    """Required inputs left empty, judged on the merged values of all returns."""
    unreadable = {(i.file, i.field) for i in issues if i.severity is Severity.ERROR and i.field}
    seen: set[tuple[str, ...]] = set()
    for read in used:
        layout: FormLayout | None = read.layout
        assert layout is not None
        for check in layout.checks:
            ident = (check.label, *check.any_of, check.when or "")
            if ident in seen:
                continue
            seen.add(ident)
            if _satisfied(check, values) or any(
                    (read.display, f) for f in check.any_of if (read.display, f) in unreadable):
                continue  # filled, or filled with something already reported as unreadable
            spec = layout.input(check.any_of[0])
            where = " or ".join(layout.input(f).cell for f in check.any_of)
            severity = Severity.ERROR if check.severity == "error" else Severity.WARNING
            issues.append(Issue(
                "required-missing", severity,
                f"Required and empty: {check.label}.", read.display, spec.sheet, spec.cell,
                spec.field, found="(empty)",
                expected=f"a value in {spec.sheet}!{where}"))


def _satisfied(check: CheckItem, values: dict[str, FieldValue]) -> bool:
    if check.when and check.when not in values:
        return True
    return any(f in values for f in check.any_of)


def _queries(used: list[ReturnRead], values: dict[str, FieldValue],
             issues: list[Issue]) -> None:
    """Query rules on the merged values: unexplained is a query, explained is info.

    The same :class:`~hnbxl.forms.queries.QueryCheck` objects give the form's
    highlight and Check sheet rows, so the two counts agree.
    """
    typed = plain_values(values)
    seen: set[tuple[str, str, str]] = set()
    for read in used:
        layout = read.layout
        assert layout is not None
        for check in layout.queries:
            ident = (check.code, check.item, check.field)
            if ident in seen or not raised(check, typed):
                continue
            seen.add(ident)
            spec, note = layout.input(check.field), layout.input(check.explanation)
            found_value = values.get(check.field)
            found = _query_found(check, spec, typed) if found_value else ""
            where = values[check.field].provenance.file if found_value else read.display
            if explained(check, typed):
                # Resolved: said as such, with the figure in the words and no found/expected
                # pair, which would read as a failure.  The figure is a sentence of its own:
                # after the label it read as part of the label's last words ("or suppress (2)").
                figure = f" Found: {found}." if found else ""
                issues.append(Issue(
                    check.code, Severity.INFO,
                    f"{check.label}.{figure} Resolved. {_explanation(check, typed)}",
                    where, spec.sheet, spec.cell, check.field))
                continue
            choose = ""
            if check.disclosure:
                choice = layout.input(check.disclosure)
                choose = f"; choose Suppress or Publish in {choice.sheet}!{choice.cell}"
            issues.append(Issue(
                check.code, Severity.QUERY,
                f"{check.label}. Correct the figure, or explain it in "
                f"{note.sheet}!{note.cell}{choose}.", where, spec.sheet, spec.cell,
                check.field, found=found,
                expected=f"an explanation in {note.sheet}!{note.cell}"))


def _query_found(check: QueryCheck, spec: InputSpec, typed: dict[str, Any]) -> str:
    """The queried figure as the officer and the committee read it: in its unit.

    A risk query is about the score, so it shows the score and last period's,
    not the likelihood cell the issue is anchored on.
    """
    if check.kind == "risk_action":
        base = FieldKey(check.field).item
        likelihood, impact = typed.get(base.field("likelihood")), typed.get(base.field("impact"))
        if isinstance(likelihood, int | float) and isinstance(impact, int | float):
            return (f"score {fmt.number(likelihood * impact)}, last period "
                    f"{fmt.number(check.params['last_score'])}")
    value = typed.get(check.field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _say(value)
    if spec.kind == "money":
        return fmt.money(value)
    if spec.kind == "percent":
        return fmt.percent(value)
    return fmt.number(value)


def _explanation(check: QueryCheck, typed: dict[str, Any]) -> str:
    """How a query was resolved, each word once: an owner who wrote "Published: ..."
    as the reason for publishing is not echoed as "Published; reason: Published: ..."."""
    note = typed.get(check.explanation)
    if check.disclosure and typed.get(check.disclosure) == SUPPRESS:
        return "Suppressed: the report shows it as a small number." + (
            f" Note: {_unprefixed(note, 'note')}" if isinstance(note, str) and note.strip()
            else "")
    if check.disclosure:
        return f"Published. Reason: {_unprefixed(note, 'published', 'reason')}"
    return f"Explained: {_unprefixed(note, 'explained', 'explanation')}"


def _unprefixed(note: object, *words: str) -> str:
    """The owner's words without a leading "Published:" (or another of ``words``) that the
    sentence already says; a full stop at the end, once."""
    text = str(note).strip()
    changed = True
    while changed:
        changed = False
        for word in words:
            head = text[:len(word)]
            if head.casefold() == word and text[len(word):len(word) + 1] in (":", ";", ",", "-"):
                text, changed = text[len(word) + 1:].strip(), True
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
