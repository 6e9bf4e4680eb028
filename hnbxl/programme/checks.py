"""Checks across the whole definition, once every table has been read.

A duplicate id, a derived rule that points at nothing or loops, a query rule
on a row it cannot apply to: each needs the whole programme to see, so these
run after loading, and name the key and line of the entry to change.
"""

from __future__ import annotations

from hnbxl.core.keys import ItemKey, matches
from hnbxl.programme.derived import derived_order
from hnbxl.programme.kinds import kind_of
from hnbxl.programme.model import COUNT_UNITS, NUMERIC_UNITS, Programme, query_candidates
from hnbxl.programme.toml_table import TableReader, find_line


def check_ids(reader: TableReader, p: Programme) -> dict[str, str]:
    """Refuse an id used twice in a group; return each item key's table (``measures[3]``).

    The paths let a later error name the table a rule is in, so it can find its line.
    """
    kpis = [r for r in p.finance_rows if r.table == "kpis"]
    groups = {
        "overview": [(f"overview[{n}]", i.id) for n, i in enumerate(p.overview)],
        "conditions": [(f"conditions[{n}]", i.id) for n, i in enumerate(p.conditions)],
        "measures": [(f"measures[{n}]", m.id) for n, m in enumerate(p.measures)],
        "finance": [(f"finance.kpis[{n}]", r.id) for n, r in enumerate(kpis)] + [
            (f"finance.mitigations[{n}]", r.id)
            for n, r in enumerate(r for r in p.finance_rows if r.table != "kpis")],
        "risks": [(f"risks[{n}]", r.id) for n, r in enumerate(p.risks)],
    }
    paths = {f"{group}.{ident}": path
             for group, ids in groups.items() for path, ident in ids}
    for name, ids in groups.items():
        seen: dict[str, str] = {}
        for path, ident in ids:
            if ident in seen:  # point at the second one: that is the line to change
                reader.fail(f"{path}.id", f"the {name} id '{ident}' is used twice "
                            f"(first at line {find_line(reader.text, seen[ident] + '.id')})")
            seen[ident] = path
    return paths


def check_rules(reader: TableReader, p: Programme, paths: dict[str, str]) -> None:
    """Refuse a rule on a row it cannot rate, or a reference to no row, state or source."""
    scale_keys = {s.key for s in p.scale.states}
    for band in p.risk_scoring.bands:
        if band.rag not in scale_keys:
            reader.fail("risk_scoring.bands", f"'{band.rag}' is not a key of the RAG scale")
    try:
        derived_order({key: rule for key, _n, rule in p.rated_items()})
    except ValueError as exc:
        reader.fail("derived rules", str(exc))
    for key, _name, rule in p.rated_items():
        kind_of(rule.kind).check(reader, p, key, rule, f"{paths.get(key, key)}.rule")


def check_queries(reader: TableReader, p: Programme) -> None:
    """Refuse a query rule whose ``of`` (or share fields) names no row it applies to."""
    numeric = {ItemKey.make("measures", m.id).field("figure"): m.unit for m in p.measures
               if m.unit in NUMERIC_UNITS}
    bases = {ItemKey.make("measures", m.id).field("share_base") for m in p.measures
             if m.unit == "count_with_share"}
    for i, rule in enumerate(p.queries.rules):
        where = f"queries.rules[{i}]"
        if rule.kind == "share":
            wanted = (("share", ("percent",)), ("count", COUNT_UNITS), ("base", COUNT_UNITS))
            for name, units in wanted:
                key = rule.params[name]
                if not (numeric.get(key) in units or (name == "base" and key in bases)):
                    reader.fail(f"{where}.{name}", f"'{key}' is not the figure of a "
                                f"{' or '.join(units)} measure (measures.<id>.figure"
                                + (", or measures.<id>.share_base)" if name == "base" else ")"))
            continue
        if rule.kind == "risk_action":
            ids = {r.id for r in p.risks}
            for ref in rule.of:
                if ref != "risks.*" and not (ref.startswith("risks.")
                                             and ItemKey(ref).ident in ids):
                    reader.fail(f"{where}.of", f"'{ref}' is not risks.* or risks.<id> of "
                                "the risk log")
            continue
        candidates = query_candidates(p, rule.kind)
        for ref in rule.of:
            if not any(matches(ref, key) for key in candidates):
                reader.fail(f"{where}.of", f"'{ref}' points at no row a {rule.kind} rule "
                            f"applies to; it applies to: {', '.join(candidates) or 'none'}")

