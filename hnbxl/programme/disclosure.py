"""Small numbers in public papers: which figures the committee must not see.

A count from 1 to ``small_number - 1`` that a small-number query rule covers
needs its owner's choice on the form: Suppress, or Publish (with the reason in
the explanation cell).  This module says, for one period's values, which
figures are suppressed and with which words, so the report, its PDF, the
trend sheets and the history export all agree; history itself keeps the real
figures for the officer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hnbxl.core.fmt import is_number
from hnbxl.core.keys import FieldKey
from hnbxl.programme.definition import Programme, query_items

SUPPRESS = "Suppress"
PUBLISH = "Publish"
DISCLOSURE_CHOICES = (SUPPRESS, PUBLISH)


def suppressed_items(programme: Programme, values: Mapping[str, Any]) -> dict[str, str]:
    """Items the committee papers must not show, and why, for one period's values.

    A count a small-number rule covers, from 1 to ``small_number - 1``, that its
    owner chose to suppress is shown as "fewer than N" (its share with it);
    a share rule's measure whose count or base is suppressed is suppressed too
    (secondary suppression: the share and the other figure would give it
    away).  ``values`` maps field -> canonical value; history keeps the real
    figures whatever this says.
    """
    q = programme.queries
    out: dict[str, str] = {}
    for rule in q.rules:
        if rule.kind != "small_number":
            continue
        for item in query_items(programme, rule):
            figure = values.get(item.field("figure"))
            if (is_number(figure) and 1 <= figure < q.small_number
                    and values.get(item.field("disclosure")) == SUPPRESS):
                out[item] = small_words(programme)
    for rule in q.rules:
        if rule.kind == "share":
            share = FieldKey(rule.params["share"]).item
            parts = {FieldKey(rule.params[k]).item for k in ("count", "base")}
            if parts & {k for k, v in out.items() if v == small_words(programme)}:
                out.setdefault(share, SECONDARY)
    return out


SECONDARY = "Suppressed (would reveal a small number)"


def small_words(programme: Programme) -> str:
    return f"fewer than {programme.queries.small_number}"
