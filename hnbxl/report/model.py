"""The report model: everything the committee workbook shows, as plain data.

Built from the definition, the merged returns, the RAG results and last
period's snapshot by :func:`hnbxl.report.assemble.assemble` (pure); rendered by
:mod:`hnbxl.report.workbook`.  Keeping the model separate from XlsxWriter means the
seed's wording and number formats can be tested without opening a workbook.

Two audiences read it.  Every field a committee output (the committee
workbook, the PDF) may print is committee-safe as it stands: plain words, no
file names, cell references, hashes, issue codes, commands or internal keys,
and no small number its owner suppressed (``note``, ``figure``, ``value``,
``trend``, ``quality_notes``, ``rag_key``, ``notes``...).  What only the officer
may see is named so: ``officer_note``, ``officer_figure``, ``issues``,
``officer_issues``, ``all_issues``, ``sources``, ``returns``, ``officer_notes``,
``definition_hash`` (the officer workbook, ``hnbxl.report.officer``).  A
committee writer never reads an officer field.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from hnbxl.core.issues import Issue
from hnbxl.programme.definition import RagScale, RagState, Words


@dataclass(frozen=True)
class RatingView:
    """A RAG as the committee reads it: words and colour, never colour alone."""

    key: str
    label: str  # "Amber - Off Track" or the no-data label
    colour: str  # "#FFC000"
    font_colour: str  # "#000000"
    overridden: bool = False
    computed_label: str | None = None  # what the rule gave, when overridden
    reason: str | None = None  # the owner's written reason for an override


@dataclass(frozen=True)
class Trend:
    key: str  # better, worse, same, new
    mark: str  # ↑ ↓ → ★
    words: str  # "↑ Improving": mark and words, since screen readers skip marks

    @property
    def text(self) -> str:
        return self.words


@dataclass(frozen=True)
class RatedRow:
    key: str
    name: str
    last: RatingView
    this: RatingView
    trend: Trend | None
    # What the committee reads beside the rating: a rule's reason in words, or the
    # owner's own reason when they rated over the rule; "" where the seed printed nothing
    # (a rating the owner chose) and for a suppressed figure (its reason would pin it).
    note: str = ""
    officer_note: str = ""  # the whole account: "Overridden by owner (rule gave ...): ..."


@dataclass(frozen=True)
class MeasureRow:
    key: str
    name: str
    detail: str
    figure: str  # as the report shows it: "169", "6.06%", "£17,287", "2 (33%)", "Data coming"
    last_update: str  # "Jan-24" or the not-reported label
    last: RatingView
    this: RatingView
    trend: Trend | None  # None for a suppressed figure too: its direction would tell
    note: str = ""  # committee words, as RatedRow.note
    # The figure as a number (a percentage as its fraction, money in pounds) when the
    # committee may see it as one; None for words ("Data coming") or a suppressed figure.
    value: float | None = None
    unit: str = ""  # count, count_with_share, percent, money, status (the definition's)
    share: float | None = None  # count_with_share: the share as a fraction (0.33)
    suppressed: str = ""  # the words shown instead of a withheld figure ("fewer than 5")
    officer_figure: str = ""  # the figure as read, suppressed or not (officer only)
    officer_note: str = ""

    @property
    def number_format(self) -> str:
        """An Excel number format that shows ``value`` as ``figure`` does ("" for text)."""
        if self.value is None:
            return ""
        if self.unit == "percent":
            decimals = self.figure.rstrip("%").partition(".")[2]
            return "0" + ("." + "0" * len(decimals) if decimals else "") + "%"
        if self.unit == "money":
            return "£#,##0;-£#,##0"
        if self.unit in ("days", "number"):
            decimals = self.figure.split(" ")[0].partition(".")[2]
            places = "." + "0" * len(decimals) if decimals else ""
            return f'#,##0{places}" day{"" if self.value == 1 else "s"}"' if (
                self.unit == "days") else f"#,##0{places}"
        if self.unit == "count_with_share" and self.share is not None:
            shown = self.figure.partition(" ")[2]  # "(33%)"
            return f'#,##0" {shown}"' if shown else "#,##0"
        return "#,##0"


@dataclass(frozen=True)
class FinanceLine:
    key: str
    name: str
    baseline: float
    budget: float
    this_quarter: float | None
    this_quarter_text: str  # used when this_quarter is None ("NA")
    variance: float | None
    variance_text: str  # used when variance is None
    rating: RatingView
    trend: Trend | None
    note: str = ""  # committee words, as RatedRow.note
    officer_note: str = ""


@dataclass(frozen=True)
class RiskLine:
    id: str
    name: str
    risk: str
    likelihood: int
    impact: int
    score: int
    band: RatingView  # the score's band in words and colour
    direction: str  # same, up, down, new
    direction_mark: str  # → ↑ ↓ ★
    direction_words: str  # "↓ Decreasing"
    action: str  # without the mark; the writer puts "↓ " before it as the seed does
    target: int
    updated: str  # "Feb-24"
    status: str  # open, closed
    last_score: int | None = None  # last period's score; None for a new risk
    closing_note: str = ""  # why a risk closed this period was closed (its form's note)


@dataclass(frozen=True)
class SourceLine:
    item: str  # "Key Measures: Average cost per EHCP"
    what: str  # "figure"
    value: str  # as read, in words
    file: str
    sha256: str
    sheet: str
    cell: str


@dataclass(frozen=True)
class ReturnUsed:
    file: str
    sha256: str
    owner: str
    sections: tuple[str, ...]
    note: str = ""  # e.g. "newer resubmission used (--newest-wins)"


@dataclass(frozen=True)
class TrajectoryPoint:
    """One period of the DSG deficit trajectory; None where there is no figure."""

    period_label: str
    actual: float | None  # the cumulative deficit reported for the period
    budget: float | None  # the budgeted path: that financial year's budget
    cap: float | None  # the deal's cap that applies in that year


@dataclass(frozen=True)
class Trajectory:
    name: str  # the finance row the cap rule reads: "Cumulative DSG variance ..."
    rating_name: str  # the rated row: "DSG Deficit Trajectory RAG rating"
    points: tuple[TrajectoryPoint, ...]


@dataclass(frozen=True)
class TimelineCell:
    """One rated item in one period: words always, a colour when it was rated."""

    text: str  # "Amber - Off Track", "New: Green - On Track", "Closed", "Not received"
    rating: RatingView | None = None


@dataclass(frozen=True)
class TimelineRow:
    section: str  # the section's name in lists (``[sections.<key>] name``)
    key: str
    name: str
    cells: tuple[TimelineCell, ...]  # one per period of Report.periods


@dataclass(frozen=True)
class FigureSeries:
    """A figure's numbers over the periods: the sparklines' data."""

    key: str  # measures.<id> or finance.<id>
    name: str
    unit: str  # count, percent or money
    values: tuple[float | None, ...]  # one per period of Report.periods
    # One per period: True where the figure was withheld as a small number (its value
    # is None here, as in that month's report); empty means none was.
    suppressed: tuple[bool, ...] = ()

    def withheld(self, index: int) -> bool:
        return bool(self.suppressed) and self.suppressed[index]


@dataclass(frozen=True)
class KeyLine:
    """One line of the RAG key: the rating in words and colour, and what it means."""

    rating: RatingView
    meaning: str  # plain words: "On track: the figure meets its target or budget."


@dataclass(frozen=True)
class Report:
    programme_id: str
    definition_hash: str
    council: str
    title: str
    committee: str
    period_key: str  # "2024-02"
    period_label: str  # "Feb-24"
    last_period_label: str  # "Jan-24" or ""
    extracted_on: date
    section_titles: dict[str, str]  # overview, conditions, measures, finance, risks
    scale: RagScale
    overview: tuple[RatedRow, ...]
    overview_narrative: tuple[str, ...]  # paragraphs
    conditions: tuple[RatedRow, ...]
    measures: tuple[MeasureRow, ...]
    finance_narrative: tuple[str, ...]
    kpis: tuple[FinanceLine, ...]
    mitigations: tuple[FinanceLine, ...]
    risks: tuple[RiskLine, ...]
    issues: tuple[Issue, ...] = ()
    sources: tuple[SourceLine, ...] = ()
    returns: tuple[ReturnUsed, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Every compiled period up to this one, oldest first (labels), and what
    # the trend sheets and sparklines show over them.
    periods: tuple[str, ...] = ()
    trajectory: Trajectory | None = None
    ratings_over_time: tuple[TimelineRow, ...] = ()
    series: tuple[FigureSeries, ...] = ()
    section_tabs: dict[str, str] = field(default_factory=dict)  # sheet tab per section
    # how lists name each section ("Deal conditions"): the Section column over time
    section_names: dict[str, str] = field(default_factory=dict)
    words: Words = field(default_factory=Words)  # the programme's own words ([words])
    headings: dict[str, str] = field(default_factory=dict)  # column headings (definition)
    officer_issues: tuple[Issue, ...] = ()  # for the officer's sheet, never the committee's
    # Committee-safe, in plain words (see the module docstring):
    quality_notes: tuple[str, ...] = ()  # late, missing, suppressed figures; owners not returned
    rag_key: tuple[KeyLine, ...] = ()  # each rating and its meaning, best first, then no data
    contact: str = ""  # whom to ask about the report (the definition's return_to)
    # Officer only:
    all_issues: tuple[Issue, ...] = ()  # every issue as found, figures and all, by file and cell
    officer_notes: tuple[str, ...] = ()  # how the compile was made (options used)

    @property
    def has_trends(self) -> bool:
        """Whether there is more than one period to show over time."""
        return len(self.periods) > 1


# --------------------------------------------------------------------------- building

TREND_WORDS = {
    "better": ("↑", "↑ Improving"),
    "worse": ("↓", "↓ Worsening"),
    "same": ("→", "→ No change"),
    "new": ("★", "★ New"),
}
#: In place of the trend of a figure withheld as a small number: said, not left blank
#: (a blank, or "No trend", reads as a gap in the data).
WITHHELD_TREND = Trend("withheld", "", "Withheld (small number)")
#: The form offers the same words (forms.model.RISK_DIRECTION_LABELS); a test holds them equal.
RISK_DIRECTION_WORDS = {
    "same": ("→", "→ No change"),
    "up": ("↑", "↑ Increasing"),
    "down": ("↓", "↓ Decreasing"),
    "new": ("★", "★ New"),
}


def rating_view(scale: RagScale, key: str | None, *, computed: str | None = None,
                overridden: bool = False, reason: str | None = None) -> RatingView:
    state = scale.no_data if key is None else _state(scale, key)
    computed_label = _state(scale, computed).label if (overridden and computed) else None
    return RatingView(state.key, state.label, state.colour, state.font_colour, overridden,
                      computed_label, reason)


def _known(scale: RagScale, key: str) -> bool:
    return any(s.key == key for s in (*scale.states, scale.no_data))


def _state(scale: RagScale, key: str) -> RagState:
    """The scale's state, or for a key it no longer has, that key in words (grey)."""
    if _known(scale, key):
        return scale.get(key)
    return replace(scale.no_data, key=key, label=f"{key} (no longer on the RAG scale)")


def trend_between(scale: RagScale, last: str | None, this: str | None) -> Trend | None:
    """better / worse / same / new, from last period's and this period's RAG keys."""
    no_data = scale.no_data.key
    if this is None or this == no_data:
        return None
    if last is None or last == no_data:
        key = "new"
    elif not (_known(scale, last) and _known(scale, this)):
        return None  # a state the scale no longer has: no trend rather than a guess
    else:
        a, b = scale.get(last).rank, scale.get(this).rank
        key = "better" if b < a else "worse" if b > a else "same"
    mark, words = TREND_WORDS[key]
    return Trend(key, mark, words)


def format_count(value: int) -> str:
    return f"{value:,}"


def format_share(count: int, out_of: int) -> str:
    """``2 (33%)``: the count with its share of the group, rounded to a whole percent."""
    return f"{count:,} ({round(count * 100 / out_of)}%)"


#: What each grade means, in the words a committee member uses (no ranks, no codes).
GRADE_MEANING = {
    "green": "On track: where the plan expects it to be.",
    "amber": "Off track: behind the plan, but within the agreed limit.",
    "red": "At risk: beyond the agreed limit; the plan is at risk here.",
}
OWNER_ONLY_MEANING = "Given by the person responsible for the work, not worked out from a figure."
NO_DATA_MEANING = ("No figure or rating was reported for this period. It is not a judgement "
                   "of progress.")


def rag_key(scale: RagScale) -> tuple[KeyLine, ...]:
    """The RAG key in plain words, best first, then the no-data state."""
    lines = []
    for state in scale.states:
        meaning = GRADE_MEANING.get(state.grade or "", OWNER_ONLY_MEANING)
        lines.append(KeyLine(RatingView(state.key, state.label, state.colour,
                                        state.font_colour), meaning))
    nd = scale.no_data
    lines.append(KeyLine(RatingView(nd.key, nd.label, nd.colour, nd.font_colour),
                         NO_DATA_MEANING))
    return tuple(lines)
