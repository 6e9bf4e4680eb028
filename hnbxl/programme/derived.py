"""How derived ratings refer to other rated rows, and the order they are rated in.

It lives with the definition, not the rules, because the definition loader
refuses a derived rule that points at nothing or at itself in a loop, and the
rules need the same answer when they rate: one graph, one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hnbxl.core.keys import matches
from hnbxl.programme.kinds.registry import kind_of
from hnbxl.programme.model import Rule


def expand_refs(
    of: Iterable[str], keys: Iterable[str], own_key: str | None = None
) -> tuple[str, ...]:
    """The item keys a derived rule refers to, in ``keys`` order, without repeats.

    A pattern (``conditions.*``) never takes in the rule's own row, so an
    overall rating may be the worst of ``overview.*``; naming the own row
    outright is kept, and is reported as a loop by :func:`derived_order`.
    An exact key that is not among ``keys`` is an error: the rule points at nothing.
    """
    keys = tuple(keys)
    known = set(keys)
    wanted: set[str] = set()
    for ref in of:
        if ref.endswith(".*"):
            wanted.update(k for k in keys if matches(ref, k) and k != own_key)
        elif ref in known:
            wanted.add(ref)
        else:
            raise ValueError(f"'{ref}' points at no rated row")
    return tuple(k for k in keys if k in wanted)


def derived_order(rules: Mapping[str, Rule]) -> tuple[str, ...]:
    """The derived rows in an order where each comes after every row it is made from.

    A derived row is one whose kind ``reads`` other rows' ratings
    (:meth:`hnbxl.programme.kinds.base.RuleKind.reads`; the ``derived`` kind).

    ``rules`` is every rated row's rule, keyed by item key, in report order (the
    order is kept where dependencies allow).  A loop (a derived row that is,
    however indirectly, made from itself) is a ValueError naming the rows in it:
    the definition loader calls this (``checks.check_rules``), so a definition
    with a loop is refused when it loads, and rating never meets one.
    """
    keys = tuple(rules)
    reads = {key: kind_of(rule.kind).reads(rule.params) for key, rule in rules.items()}
    deps = {key: expand_refs(refs, keys, key) for key, refs in reads.items() if refs is not None}
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    path: list[str] = []

    def visit(key: str) -> None:
        state[key] = 1
        path.append(key)
        for dep in deps[key]:
            if dep not in deps:
                continue  # a computed or manual row: rated before any derived one
            if state.get(dep) == 1:
                loop = [*path[path.index(dep):], dep]
                raise ValueError(
                    "derived ratings are made from each other in a loop: " + " -> ".join(loop)
                )
            if dep not in state:
                visit(dep)
        path.pop()
        state[key] = 2
        order.append(key)

    for key in deps:
        if key not in state:
            visit(key)
    return tuple(order)
