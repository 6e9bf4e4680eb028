"""From merged, validated values to the report model (pure: no files, no SQLite).

This is where the definition, the values read from the returns, the RAG rules
and last period's snapshot meet: each rated row gets its rating (and override),
each figure its display text as the seed report shows it, the risk log its
scores and bands, and every figure its source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from hnbxl.core import fmt
from hnbxl.core.cells import cell_order
from hnbxl.core.codes import for_committee, title_of
from hnbxl.core.issues import Issue
from hnbxl.core.keys import FieldKey, ItemKey
from hnbxl.core.periods import Period
from hnbxl.core.provenance import FieldValue, plain_values
from hnbxl.forms.layout import RISK_DIRECTION_LABELS, RISK_STATUS_LABELS
from hnbxl.programme.definition import Programme, Risk
from hnbxl.programme.disclosure import suppressed_items
from hnbxl.programme.snapshot import PeriodSnapshot, spare_risk_ids
from hnbxl.programme.thresholds import format_in_unit
from hnbxl.report.model import (
    RISK_DIRECTION_WORDS,
    WITHHELD_TREND,
    FinanceLine,
    MeasureRow,
    RatedRow,
    RatingView,
    Report,
    ReturnUsed,
    RiskLine,
    SourceLine,
    Trend,
    format_count,
    format_share,
    rag_key,
    rating_view,
    trend_between,
)
from hnbxl.report.quality import (
    NOT_RECEIVED,
    committee_note,
    missing_parts,
    officer_note_of,
    quality_notes,
)
from hnbxl.report.rhythm import Carried, carry, with_rhythm
from hnbxl.report.rules import RatingResult, RuleInputs, band_for_score, evaluate_all
from hnbxl.report.timeline import figure_series, ratings_over_time, trajectory
from hnbxl.store.history import PeriodRecord, RatingRecord

_DIRECTION_BY_LABEL = {label: key for key, label in RISK_DIRECTION_LABELS.items()}
_STATUS_BY_LABEL = {label: key for key, label in RISK_STATUS_LABELS.items()}


@dataclass(frozen=True)
class Assembled:
    report: Report
    ratings: dict[str, RatingResult]
    figures: dict[str, str]  # what next period shows as "last period"
    risks: tuple[Risk, ...]  # the log as reported, open and closed
    new_risk_ids: dict[str, str] = field(default_factory=dict)  # spare row (N1) -> id (R6)

    def field_key(self, key: str) -> str:
        """A value's key as history keeps it: a new risk's row under its own id for good."""
        field = FieldKey(key)
        if field.section == "risks" and field.item.ident in self.new_risk_ids:
            return ItemKey.make("risks", self.new_risk_ids[field.item.ident]).field(field.field)
        return key


def rule_inputs(programme: Programme, values: dict[str, FieldValue]) -> RuleInputs:
    get: Callable[[str], Any] = plain_values(values).get
    manual: dict[str, str] = {}
    overrides: dict[str, tuple[str, str | None]] = {}
    figures: dict[str, float | None] = {}
    quarter: dict[str, float | None] = {}
    months: dict[str, Period] = {}
    for item, _name, rule in programme.rated_items():
        if not rule.computed:
            if get(item.field("rating")) is not None:
                manual[item] = get(item.field("rating"))
        elif get(item.field("override")) is not None:
            overrides[item] = (get(item.field("override")), get(item.field("override_reason")))
    for m in programme.measures:
        item = ItemKey.make("measures", m.id)
        figure = get(item.field("figure"))
        figures[item] = figure if isinstance(figure, int | float) else None
        month = get(item.field("last_update"))
        if isinstance(month, Period):
            months[item] = month
    for row in programme.finance_rows:
        item = ItemKey.make("finance", row.id)
        quarter[item] = get(item.field("this_quarter"))
    return RuleInputs(manual=manual, overrides=overrides, figures=figures, this_quarter=quarter,
                      figure_months=months)


def assemble(programme: Programme, period: Period, values: dict[str, FieldValue],
             last: PeriodSnapshot | None, issues: list[Issue], returns: list[ReturnUsed],
             extracted_on: date, not_received: dict[str, str] | None = None,
             known_risk_ids: frozenset[str] = frozenset(),
             earlier_ids: dict[str, str] | None = None,
             past: Sequence[PeriodRecord] = ()) -> Assembled:
    """The report model.  ``not_received`` maps a section key to the owner whose
    return for it never came (``compile --allow-missing``): its rows are rated
    no data with the owner named, its figures and narrative say Not received.
    ``past`` is every earlier compiled period, oldest first, for the trend sheets
    and sparklines (history's ``timeline``)."""
    scale = programme.scale
    missing = not_received or {}
    # rows not due this period (quarterly, annual) show their latest figure, rated as then
    carried, not_yet = carry(programme, period, past)
    shown = dict(values)
    for c in carried.values():
        shown.update(c.values)
    ratings = with_rhythm(evaluate_all(programme, period, rule_inputs(programme, shown)),
                          carried, not_yet, programme)
    def absent(item: str) -> str | None:
        """The owner whose return for this row (or its whole section) never came."""
        return missing.get(item) or missing.get(ItemKey(item).section)

    for item in ratings:
        owner = absent(item)
        if owner is not None:
            ratings[item] = RatingResult(scale.no_data.key, None, False, None,
                                         f"{NOT_RECEIVED} from {owner}")
    last_ratings = last.ratings if last else {}
    # Small counts the owner chose to suppress, and shares that would give them away:
    # the papers show words, history keeps the real figure.
    plain = plain_values(shown)
    hidden = suppressed_items(programme, plain)
    get = plain.get

    def view(item: str) -> RatingView:
        r = ratings[item]
        return rating_view(scale, r.key, computed=r.computed, overridden=r.overridden,
                           reason=r.reason)

    def last_view(item: str) -> RatingView:
        key = last_ratings.get(item)
        return rating_view(scale, key if key in _keys(programme) else None)

    def note(item: str) -> str:
        return committee_note(ratings[item], item in hidden)

    def officer_note(item: str) -> str:
        return officer_note_of(scale, ratings[item])

    def trend(item: str) -> Trend | None:
        if item in hidden:  # the direction of a withheld figure would narrow it down
            return WITHHELD_TREND
        return trend_between(scale, last_ratings.get(item), ratings[item].key)

    def rated_row(item: str, name: str) -> RatedRow:
        return RatedRow(item, name, last_view(item), view(item), trend(item), note(item),
                        officer_note(item))

    overview = tuple(rated_row(ItemKey.make("overview", i.id), i.name)
                     for i in programme.overview)
    conditions = tuple(rated_row(ItemKey.make("conditions", i.id), i.name)
                       for i in programme.conditions)

    figures: dict[str, str] = {}
    measures = []
    for m in programme.measures:
        item = ItemKey.make("measures", m.id)
        real = NOT_RECEIVED if absent(item) else _not_yet(not_yet, item) or _figure_text(
            programme, m.unit, get(item.field("figure")), get(item.field("share_base")),
            get(item.field("reason")))
        figure = hidden.get(item) or real
        figures[item] = figure
        updated = get(item.field("last_update"))
        rhythm = programme.rhythm_of("measures", m)
        if rhythm.frequency != "monthly" and item not in not_yet:  # the figure's own period
            updated = _Said(carried[item].belongs_to if item in carried else rhythm.belongs_to(
                period, programme.financial_year_start_month))
        number, share = (None, None) if item in hidden or absent(item) else \
            _figure_number(m.unit, get(item.field("figure")), get(item.field("share_base")))
        measures.append(MeasureRow(
            item, m.name, m.detail, figure,
            updated.label if isinstance(updated, Period | _Said) else programme.not_reported_label,
            last_view(item), view(item), trend(item), note(item),
            value=number, unit=m.unit, share=share, suppressed=hidden.get(item, ""),
            officer_figure=real, officer_note=officer_note(item)))

    kpis: list[FinanceLine] = []
    mitigations: list[FinanceLine] = []
    for row in programme.finance_rows:
        item = ItemKey.make("finance", row.id)
        amounts = programme.finance_for(row, period)
        quarter = get(item.field("this_quarter"))
        reason = (NOT_RECEIVED if absent(item) else _not_yet(not_yet, item)
                  or get(item.field("reason")) or programme.not_applicable)
        line = FinanceLine(
            item, row.name, amounts.baseline, amounts.budget, quarter,
            reason if quarter is None else fmt.money(quarter),
            None if quarter is None else quarter - amounts.budget,
            reason if quarter is None else fmt.money(quarter - amounts.budget),
            view(item), trend(item), note(item), officer_note(item))
        figures[item.field("this_quarter")] = line.this_quarter_text
        (kpis if row.table == "kpis" else mitigations).append(line)

    shown_issues = [replace(i, file=Path(i.file).name if i.file else "") for i in issues]
    all_issues = list(shown_issues)
    withheld = [i for i in shown_issues if _item_of(i.field) in hidden]
    shown_issues = [_withhold(i, hidden) if _item_of(i.field) in hidden else i
                    for i in shown_issues]
    risks, risk_lines, closed, new_ids = _risks(programme, period, values, last,
                                                "risks" in missing
                                                or "risks.narrative" in missing
                                                or "risks.narrative" in not_yet
                                                or "risks.narrative" in carried,
                                                known_risk_ids,
                                                earlier_ids or {})
    why = {line.id: line.closing_note or line.action for line in risk_lines}
    notes = [f"Closed this period: {r.id} {r.name}" + (f": {why[r.id]}" if why[r.id] else ".")
             for r in closed]
    officer_notes = []
    year = period.financial_year(programme.financial_year_start_month)
    if programme.finance_rows and year in programme.year_notes:
        notes.insert(0, f"{programme.sections['finance'].title}, {year}: "
                        f"{programme.year_notes[year]}")
    for section, owner, rows in missing_parts(programme, missing):
        title = programme.sections[section].title
        part = f"{title} ({rows})" if rows else title
        notes.insert(0, f"{part}: {NOT_RECEIVED} from {owner} by the time of this report.")
        officer_notes.append(f"{part}: {NOT_RECEIVED} from {owner}; compiled with "
                             "--allow-missing.")
    current = PeriodRecord(
        0, period, programme.hash,
        {k: RatingRecord(k, v.key, v.computed, v.overridden, v.reason, v.basis)
         for k, v in ratings.items()},
        dict(values), risks)
    records = [*(r for r in past if r.period < period), current]
    report = Report(
        programme_id=programme.id,
        definition_hash=programme.hash,
        council=programme.council,
        title=programme.title,
        committee=programme.committee,
        period_key=period.key,
        period_label=period.label,
        last_period_label=last.period.label if last else "",
        extracted_on=extracted_on,
        section_titles={k: s.title for k, s in programme.sections.items()},
        scale=scale,
        overview=overview,
        overview_narrative=_narrative(get("overview.narrative"), absent("overview.narrative"),
                                      carried.get("overview.narrative")),
        conditions=conditions,
        measures=tuple(measures),
        finance_narrative=_narrative(get("finance.narrative"), absent("finance.narrative"),
                                      carried.get("finance.narrative")),
        kpis=tuple(kpis),
        mitigations=tuple(mitigations),
        risks=tuple(risk_lines),
        issues=tuple(i for i in shown_issues if for_committee(i.code)),
        sources=_sources(programme, values, _risk_names(risk_lines, new_ids, "Risk {}: {}")),
        returns=tuple(replace(r, file=Path(r.file).name, owner=_owner_name(programme, r.owner))
                      for r in returns),
        notes=tuple(notes),
        periods=tuple(r.period.label for r in records),
        trajectory=trajectory(programme, records),
        ratings_over_time=ratings_over_time(programme, records),
        series=figure_series(programme, records),
        section_tabs={k: s.tab for k, s in programme.sections.items()},
        section_names={k: s.name for k, s in programme.sections.items()},
        words=programme.words,
        headings=dict(programme.headings),
        # The officer's sheet (never in the PDF) keeps what the committee's withholds.
        officer_issues=tuple(i for i in shown_issues if not for_committee(i.code))
        + tuple(withheld),
        quality_notes=quality_notes(
            programme, period, {k: v.value for k, v in values.items()}, measures,
            kpis + mitigations, missing, [i for i in shown_issues if for_committee(i.code)],
            hidden, _risk_names(risk_lines, new_ids)),
        rag_key=rag_key(scale),
        contact=programme.return_to,
        all_issues=tuple(all_issues),
        officer_notes=tuple(officer_notes),
    )
    return Assembled(report, ratings, figures, risks, new_ids)


def _owner_name(programme: Programme, owner: str) -> str:
    """A return's owner as people call them ("Finance business partner"), not the key."""
    found = programme.owners.get(owner)
    return found.name if found else ("Every owner" if owner == "all" else owner)


def _keys(programme: Programme) -> set[str]:
    return {s.key for s in programme.scale.states}


def _figure_text(programme: Programme, unit: str, figure: Any, share_base: Any,
                 reason: Any) -> str:
    """The figure as the seed shows it: ``169``, ``6.06%``, ``£17,287``, ``2 (33%)``."""
    if figure is None:
        return reason or programme.not_reported_label
    if unit == "percent":
        return fmt.percent(figure)
    if unit == "money":
        return fmt.money(figure)
    if unit == "count_with_share":
        return format_share(figure, share_base) if share_base else format_count(figure)
    if unit == "count":
        return format_count(figure)
    if unit in ("days", "number"):
        return format_in_unit(figure, unit)
    return str(figure)


def _figure_number(unit: str, figure: object, share_base: object
                   ) -> tuple[float | None, float | None]:
    """The figure as a number for a numeric unit (and a count's share), else (None, None)."""
    if isinstance(figure, bool) or not isinstance(figure, int | float):
        return None, None
    if unit == "count_with_share":
        share = figure / share_base if isinstance(share_base, int | float) and share_base else None
        return figure, share
    if unit in ("count", "percent", "money", "days", "number"):
        return figure, None
    return None, None


def _narrative(text: str | None, missing_from: str | None, carried: Carried | None = None
               ) -> tuple[str, ...]:
    if missing_from is not None:
        return (f"{NOT_RECEIVED} from {missing_from}.",)
    if carried is not None:  # a quarterly narrative between its due months
        return (f"From the {carried.belongs_to} return ({carried.given.label}); next due "
                f"{carried.next_due.label}.", *_paragraphs(text))
    return _paragraphs(text)


@dataclass(frozen=True)
class _Said:
    """A measure's "Last update" given as words ("Q1 2024/25") rather than a month."""

    label: str


def _not_yet(not_yet: dict[str, Period], item: str) -> str | None:
    """What a row not yet due shows for its figure: "Not due until Jun-24"."""
    return f"Not due until {not_yet[item].label}" if item in not_yet else None


def _paragraphs(text: str | None) -> tuple[str, ...]:
    """Paragraphs of a narrative: split on line breaks, blank lines dropped, text kept."""
    if not text:
        return ()
    return tuple(p for p in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                 if p.strip())


def _risks(programme: Programme, period: Period, values: dict[str, FieldValue],
           last: PeriodSnapshot | None, not_received: bool = False,
           known_ids: frozenset[str] = frozenset(), earlier: dict[str, str] | None = None
           ) -> tuple[tuple[Risk, ...], list[RiskLine], list[Risk], dict[str, str]]:
    """The risk log: (risks to keep, register lines, closed this period, new ids).

    A risk added on a spare row (``N1``) gets its id here, once: the
    definition's prefix and the next number no risk has ever used (``known_ids``:
    every id in the definition and in history), so it keeps that id for good;
    a recompile of the month gives it the id ``earlier`` (name -> id) recorded.
    A risk closed this period stays in this period's register as Closed, with
    its closing note (else its action); from next month it is only in history.
    When the risk section was not received, last period's open risks are
    carried unchanged (and so stay in history for next month).
    """
    get = plain_values(values).get
    carried = last.open_risks if last else tuple(r for r in programme.risks
                                                 if r.status == "open")
    last_scores = {r.id: r.score for r in last.risks} if last else {}
    rows: list[tuple[str, Risk | None]] = [(r.id, r) for r in carried]
    rows += [(f"N{i + 1}", None) for i in range(programme.risk_scoring.spare_rows)]
    prefix = programme.risk_scoring.id_prefix
    used_ids = set(known_ids) | {r.id for r in programme.risks} | {r.id for r in carried}
    used_ids |= {r.id for r in last.risks} if last else set()
    # each spare row's id, as its form showed it (R6 on the first, R7 on the second...)
    shown = dict(zip((f"N{i + 1}" for i in range(programme.risk_scoring.spare_rows)),
                     spare_risk_ids(programme, last, frozenset(used_ids)), strict=True))
    next_number = _next_risk_number({*used_ids, *shown.values()}, prefix)
    risks, lines, closed = [], [], []
    new_ids: dict[str, str] = {}
    for row_id, before in rows:
        base = ItemKey.make("risks", row_id)
        risk_id = row_id
        if before is None:
            name, text = get(base.field("name")), get(base.field("risk"))
            if not name:
                continue
            again = (earlier or {}).get(name)
            if again is not None and again not in used_ids and again not in new_ids.values():
                risk_id = again
            elif shown[row_id] not in (earlier or {}).values():
                risk_id = shown[row_id]
            else:
                risk_id, next_number = f"{prefix}{next_number}", next_number + 1
                while risk_id in (earlier or {}).values():
                    risk_id, next_number = f"{prefix}{next_number}", next_number + 1
            new_ids[row_id] = risk_id
        else:
            name, text = before.name, before.risk
        likelihood, impact = get(base.field("likelihood")), get(base.field("impact"))
        if not_received and before is not None:
            risk = replace(before, direction="same")
        elif likelihood is None or impact is None:
            continue  # reported as missing by validation; a compile never gets here with it
        else:
            direction = _DIRECTION_BY_LABEL.get(get(base.field("direction")) or "",
                                                "same" if before else "new")
            status = _STATUS_BY_LABEL.get(get(base.field("status")) or "", "open")
            updated = get(base.field("updated"))
            risk = Risk(risk_id, name, text or "", likelihood, impact,
                        get(base.field("action")) or "", direction,
                        get(base.field("target")) or likelihood * impact,
                        updated if isinstance(updated, Period) else period, status)
        risks.append(risk)
        if risk.status == "closed":
            closed.append(risk)
        band = band_for_score(programme.risk_scoring, risk.score)
        mark, words = RISK_DIRECTION_WORDS[risk.direction]
        lines.append(RiskLine(
            risk.id, risk.name, risk.risk, risk.likelihood, risk.impact, risk.score,
            rating_view(programme.scale, band), risk.direction, mark, words, risk.action,
            risk.target, risk.updated.label, risk.status, last_scores.get(risk.id),
            (get(base.field("closing_note")) or "") if risk.status == "closed" else ""))
    return tuple(risks), lines, closed, new_ids


def _risk_names(lines: Sequence[RiskLine], new_ids: Mapping[str, str],
                pattern: str = "{} {}") -> dict[str, str]:
    """Each risk's item key -> ``R2 Partners struggle...``, as the risk log names it.

    A risk added on a spare row is named under the row's key too (``risks.N1``:
    its values were read from there) by the id it was given (``New risk R6 ...``).
    ``pattern`` joins the id and the name.
    """
    names: dict[str, str] = {ItemKey.make("risks", line.id): pattern.format(line.id, line.name)
             for line in lines}
    for row, risk_id in new_ids.items():
        given = names.get(ItemKey.make("risks", risk_id))
        if given:
            names[ItemKey.make("risks", row)] = f"New {given[:1].lower()}{given[1:]}" \
                if given.startswith("Risk ") else f"New risk {given}"
    return names


def _risk_words(item: str) -> str:
    """``risks.N1`` (a new risk's row) as words; other items are named by the definition."""
    section, rest = ItemKey(item).section, ItemKey(item).ident
    if section == "risks":
        return f"New risk row {rest[1:]}" if rest.startswith("N") else f"Risk {rest}"
    return item


def _next_risk_number(ids: set[str], prefix: str = "R") -> int:
    numbers = [int(i[len(prefix):]) for i in ids
               if i.startswith(prefix) and i[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


def _item_of(field_key: str) -> str:
    return FieldKey(field_key).item


def _withhold(issue: Issue, hidden: dict[str, str]) -> Issue:
    """An issue about a suppressed figure, as the committee sees it: no figure, no words
    that could give it away (the officer's sheet keeps the original)."""
    words = hidden[_item_of(issue.field)]
    return replace(issue, message=f"{title_of(issue.code)}: details withheld, the figure is a "
                   f"small number the owner chose to suppress (shown as '{words}').", found=words,
                   expected="")


def _as_read(value: object) -> str:
    """A value as the cell held it: 103100000, not Python's 103100000.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sources(programme: Programme, values: dict[str, FieldValue],
             risk_names: Mapping[str, str]) -> tuple[SourceLine, ...]:
    """Every value read, with its file, SHA-256, sheet and cell: the officer's audit trail,
    a suppressed figure as read (only the officer workbook shows it)."""
    names: dict[str, str] = {item: name for item, name, _rule in programme.rated_items()}
    names["overview.narrative"] = programme.narratives["overview"].label
    names["finance.narrative"] = programme.narratives["finance"].label
    for risk in programme.risks:
        names[ItemKey.make("risks", risk.id)] = f"Risk {risk.id}: {risk.name}"
    names.update(risk_names)
    labels = {s.key: s.label for s in (*programme.scale.states, programme.scale.no_data)}
    lines = []
    for key in sorted(values, key=lambda k: (values[k].provenance.file,
                                             values[k].provenance.sheet,
                                             cell_order(values[k].provenance.cell))):
        v = values[key]
        item, what = FieldKey(key).item, FieldKey(key).field
        label = names.get(item) or names.get(key) or _risk_words(item)
        shown = v.value.label if isinstance(v.value, Period) else _as_read(v.value)
        if what in ("rating", "override") and isinstance(v.value, str):
            shown = labels.get(v.value, shown)  # the state's label, as the form showed it
        if len(shown) > 120:
            shown = shown[:117] + "..."
        lines.append(SourceLine(label, what.replace("_", " "), shown,
                                Path(v.provenance.file).name,
                                v.provenance.sha256, v.provenance.sheet, v.provenance.cell))
    return tuple(lines)


