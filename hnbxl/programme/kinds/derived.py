"""``derived``: a rating made from other rows' final ratings (after overrides).

``worst_of`` takes the worst rating that has data; ``count`` gives ``then``
for the first ``when`` whose count of rows rated ``count`` reaches
``at_least``, else the scale's best.  Rated in the second pass, after every
row it reads (:func:`hnbxl.programme.derived.derived_order`), so an override
flows into the overall rating; the form works it out from the other rows'
rating cells when all of them are on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hnbxl.core.keys import ItemKey, matches
from hnbxl.core.periods import Period
from hnbxl.programme.derived import expand_refs
from hnbxl.programme.kinds.base import ELSEWHERE, FormRow, KindBase, Rating, RatingCheck, RowToRate
from hnbxl.programme.kinds.compare import check_key, label
from hnbxl.programme.kinds.registry import form_kind, kind_of
from hnbxl.programme.model import FinanceRow, Measure, Programme, RagScale, Rule
from hnbxl.programme.rule_kinds import Params
from hnbxl.programme.toml_table import Table, TableReader
from hnbxl.xlsx.formulas import string_literal


@dataclass(frozen=True)
class DerivedParams(Params):
    """A rating made from other rows' ratings (``of``: item keys or ``section.*``)."""

    method: str  # "worst_of" | "count"
    of: tuple[str, ...]
    when: tuple[tuple[str, int, str], ...] | None = None  # count: (state, at least, then)


def rate_derived(
    scale: RagScale,
    params: Mapping[str, Any],
    ratings: Mapping[str, str],
    own_key: str | None = None,
) -> Rating:
    """A rating made from other rows' final ratings.

    ``ratings`` maps item keys to final RAG keys (after overrides) and must hold
    every row the rule refers to.  ``worst_of`` takes the worst rating that has
    data.  ``count`` counts the rows rated exactly ``count`` for each ``when``
    in order, and the first that reaches ``at_least`` gives ``then``; when none
    does, the scale's best.  Either way, when no referenced row has data the
    result is no data: an unrated set of rows is not evidence of being on track.
    """
    refs = expand_refs(params["of"], ratings, own_key)
    no_data = scale.no_data.key
    rated = [ratings[k] for k in refs if ratings[k] != no_data]
    if not rated:
        return Rating(no_data, f"None of the {len(refs)} rows it is made from has a rating.")
    missing = len(refs) - len(rated)
    unrated = f" ({missing} without a rating)" if missing else ""
    method = params["method"]
    if method == "worst_of":
        worst = max((scale.get(k) for k in rated), key=lambda s: s.rank)
        return Rating(worst.key, f"Worst of {len(rated)} ratings{unrated}: {worst.label}.")
    if method == "count":
        for count_key, at_least, then in params["when"]:
            n = sum(1 for k in rated if k == count_key)
            if n >= at_least:
                then = check_key(scale, then, "the derived rating")
                return Rating(
                    then,
                    f"{n} of {len(rated)} rated {label(scale, count_key)}{unrated}, "
                    f"at least {at_least}: {label(scale, then)}.",
                )
        best = scale.for_grade("green")
        return Rating(
            best.key, f"No count rule met by {len(rated)} ratings{unrated}: {best.label}.")
    raise ValueError(f"unknown derived method {method!r}")


def refs_words(p: Programme, refs: tuple[str, ...]) -> str:
    """Derived-rule references as people read them: section titles and row names, not keys."""
    names: dict[str, str] = {key: name for key, name, _rule in p.rated_items()}
    words = []
    for ref in refs:
        section, item = ItemKey(ref).section, ItemKey(ref).ident
        title = p.sections[section].title if section in p.sections else section
        if item == "*":
            words.append(f"every row of {title}")
        elif ref in names:
            words.append(names[ref])
        else:
            words.append(f"rows of {title}")
    return ", ".join(words)


def _final(values: Mapping[str, Any], rules: Mapping[str, str], key: str, manual: bool
           ) -> object:
    """A referenced row's final rating: the owner's own with a reason, else the rule's."""
    if manual:
        return values.get(f"{key}.rating") or ""
    own, why = values.get(f"{key}.override"), values.get(f"{key}.override_reason")
    chosen = own not in (None, "") and isinstance(why, str) and why.strip() != ""
    return own if chosen else rules.get(key, "")


class Derived(KindBase):
    """Reads other rows' final ratings: the second pass of the compile and of the form."""

    name = "derived"
    params = DerivedParams

    def parse(self, reader: TableReader, sub: Table, unit: str | None,
              fy_start: int) -> Mapping[str, Any]:
        params: dict[str, Any] = {"method": sub.choice("method", ("worst_of", "count")),
                                  "of": tuple(reader.text_list(sub, "of"))}
        if params["method"] == "count":
            whens = []
            for w in sub.tables("when"):
                whens.append((w.text("count"), w.integer("at_least", 1, 1000), w.text("then")))
                w.done()
            params["when"] = tuple(whens)
        return params

    def check(self, reader: TableReader, programme: Programme, key: str, rule: Rule,
              where: str) -> None:
        rated = {k for k, _, _ in programme.rated_items()}
        scale_keys = {s.key for s in programme.scale.states}
        for ref in rule.params["of"]:
            if not any(matches(ref, r) for r in rated if r != key):
                reader.fail(where, f"'{ref}' points at no rated row")
        for count_key, _n, then in rule.params.get("when", ()):
            for k in (count_key, then):
                if k not in scale_keys:
                    reader.fail(where, f"'{k}' is not a key of the RAG scale")

    def reads(self, params: Params) -> tuple[str, ...] | None:
        of: tuple[str, ...] = params["of"]
        return of

    def rate(self, row: RowToRate) -> Rating:
        return rate_derived(row.programme.scale, row.rule.params, row.ratings, row.key)

    def words(self, programme: Programme, rule: Rule, *, measure: Measure | None,
              finance_row: FinanceRow | None, period: Period | None) -> str:
        return f"Worked out from {refs_words(programme, rule.params['of'])}."

    def form(self, row: FormRow) -> RatingCheck:
        """Worked out in the form when every row it is made from is on it.

        ``row.rows`` maps each rated row of this form to its check and the cell
        of its rule's rating (``'Key Measures'!$J$6``).  A row's final rating is
        the owner's own where one is chosen with a reason, else its rule's; a
        manual row's is its rating.  A referenced row not on this form, made
        from other rows itself, or worked out elsewhere leaves the rule to the
        compile, and the cell says so.
        """
        p, rule = row.programme, row.rule
        rules: dict[str, Rule] = {key: rated for key, _name, rated in p.rated_items()}
        parts = []
        for key in expand_refs(rule.params["of"], rules, row.item):
            found = row.rows.get(key)
            if (found is None or form_kind(found[0]) is None
                    or kind_of(rules[key].kind).reads(rules[key].params) is not None):
                return RatingCheck(row.item, ELSEWHERE, words=(
                    "Worked out when compiled, from rows rated on other forms"))
            check, cell = found
            parts.append((key, check.kind == "manual", cell))
        operands = tuple(f"{key}.rating" if manual else f"{key}.override"
                         for key, manual, _ in parts)
        operands += tuple(f"{key}.override_reason" for key, manual, _ in parts if not manual)
        states = sorted(p.scale.states, key=lambda s: -s.rank)
        return RatingCheck(row.item, self.name, operands, {
            "refs": tuple(parts), "method": rule.params["method"],
            "when": tuple((p.scale.get(k).label, n, p.scale.get(t).label)
                          for k, n, t in rule.params.get("when", ())),
            "worst_first": tuple(s.label for s in states),
            "best": p.scale.for_grade("green").label, "no_data": p.scale.no_data.label})

    def formula(self, check: RatingCheck, ref: Callable[[str], str]) -> str | None:
        """Each referenced row's final rating, then the worst of them, or the first count
        rule met; no data when none is rated."""
        p, q = check.params, string_literal
        finals = []
        for key, manual, cell in p["refs"]:
            if manual:
                finals.append(ref(f"{key}.rating"))
            else:
                own, why = ref(f"{key}.override"), ref(f"{key}.override_reason")
                finals.append(f'IF(AND({own}<>"",LEN(TRIM({why}))>0),{own},{cell})')
        no_data = q(p["no_data"])
        rated = "+".join(f'AND({f}<>"",{f}<>{no_data})' for f in finals)
        if p["method"] == "worst_of":
            out = no_data
            for name in reversed(p["worst_first"]):  # best innermost, so the worst wins
                out = f"IF(OR({','.join(f'{f}={q(name)}' for f in finals)}),{q(name)},{out})"
        else:
            out = q(p["best"])
            for name, at_least, then in reversed(p["when"]):
                count = "+".join(f"({f}={q(name)})" for f in finals)
                out = f"IF({count}>={at_least},{q(then)},{out})"
        return f"=IF(({rated})=0,{no_data},{out})"

    def label(self, check: RatingCheck, values: Mapping[str, Any],
              rules: Mapping[str, str]) -> str:
        p = check.params
        finals = [_final(values, rules, key, manual) for key, manual, _cell in p["refs"]]
        rated = [f for f in finals if f not in ("", p["no_data"])]
        if not rated:
            return str(p["no_data"])
        if p["method"] == "worst_of":
            return str(next(name for name in p["worst_first"] if name in rated))
        for name, at_least, then in p["when"]:
            if sum(f == name for f in finals) >= at_least:
                return str(then)
        return str(p["best"])


KIND = Derived()
