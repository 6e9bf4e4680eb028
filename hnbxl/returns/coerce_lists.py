"""Values chosen from a list: RAG ratings and choice cells.

A label typed by hand rather than chosen (``on track`` for ``On Track``,
``Amber`` for ``A - Amber``) is read when it can name one entry only, with a
warning; one that could name two entries, or none, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from hnbxl.core.issues import Severity
from hnbxl.forms.layout import InputSpec
from hnbxl.returns.coerce_result import Coerced, Problem, fail, found_any, list_words, number_words


def _loose(text: str) -> str:
    """Case, spaces and dash styles removed: how two spellings of one label compare."""
    return re.sub(r"[\s\-\u2010-\u2015\u2212]+", "", text.casefold())


def rag_value(shape: str, value: object, scale_labels: Mapping[str, str]) -> Coerced:
    """A rating, by label; a near spelling or the bare word (Amber) only when it names one state."""
    if shape == "text":  # a label chosen from the list, the usual case, needs no words
        wanted = str(value).strip().casefold()
        for label, key in scale_labels.items():
            if wanted == label.strip().casefold():
                return Coerced(key)
    labels = tuple(scale_labels)
    expected = f"one of the ratings: {list_words(labels)}"
    found = found_any(shape, value)
    if shape != "text":
        return fail(_not_in_list(found, expected, labels, "rating"))
    loose = _unique({_loose(label): key for label, key in scale_labels.items()}.items())
    if (loose_key := loose.get(_loose(wanted))) is not None:
        label = _label_of(scale_labels, loose_key)
        return Coerced(loose_key, False, (Problem(
            "label-spelling-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as the rating '{label}'.",
        ),))
    words: list[tuple[str, str]] = []
    for label, key in scale_labels.items():
        words.append((key.casefold(), key))
        words.append((re.split(r"\s+[-\u2010-\u2015]\s+", label.strip())[0].casefold(), key))
    short = _unique(words)
    if (short_key := short.get(wanted)) is not None:
        label = _label_of(scale_labels, short_key)
        return Coerced(short_key, False, (Problem(
            "rating-word-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as the rating '{label}'; choose it from the list next time.",
        ),))
    return fail(_not_in_list(found, expected, labels, "rating"))


def choice_value(spec: InputSpec, shape: str, value: object) -> Coerced:
    """A choice from the cell's list; a near spelling or a mark's word only when it names one."""
    choices = spec.choices
    if shape == "text":  # a choice from the list, the usual case, needs no words
        chosen = _exact(choices).get(str(value).strip().casefold())
        if chosen is not None:
            return Coerced(chosen)
    expected = f"one of: {list_words(choices)}"
    found = found_any(shape, value)
    if shape == "number":
        text = number_words(float(value))  # type: ignore[arg-type]
        for choice in choices:
            if text == choice.strip():
                return Coerced(choice, False, (Problem(
                    "number-as-text", Severity.INFO, found, expected,
                    f"The number {found} was read as the choice '{choice}'.",
                ),))
    if shape != "text":
        return fail(_not_in_list(found, expected, choices, "choice"))
    wanted = str(value).strip().casefold()
    loose = _unique((_loose(c), c) for c in choices)
    if (loose_choice := loose.get(_loose(wanted))) is not None:
        return Coerced(loose_choice, False, (Problem(
            "label-spelling-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as '{loose_choice}'.",
        ),))
    aliases: list[tuple[str, str]] = []
    for choice in choices:
        mark, _, word = choice.strip().partition(" ")
        if word.strip() and mark and not any(ch.isalnum() for ch in mark):
            aliases += [(mark, choice), (word.strip().casefold(), choice)]
    alias = _unique(aliases)
    if (alias_choice := alias.get(wanted)) is not None:
        return Coerced(alias_choice, False, (Problem(
            "choice-word-accepted", Severity.WARNING, found, expected,
            f"'{found}' was read as '{alias_choice}'; choose it from the list next time.",
        ),))
    return fail(_not_in_list(found, expected, choices, "choice"))


@lru_cache(maxsize=256)
def _exact(choices: tuple[str, ...]) -> dict[str, str]:
    """Each choice by its folded text, the first where two fold alike: a form's few
    lists, folded once rather than for every cell read."""
    folded: dict[str, str] = {}
    for choice in choices:
        folded.setdefault(choice.strip().casefold(), choice)
    return folded


def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Aliases that point at exactly one entry; one shared by two entries is no alias."""
    seen: dict[str, set[str]] = {}
    for alias, target in pairs:
        if alias:
            seen.setdefault(alias, set()).add(target)
    return {alias: next(iter(t)) for alias, t in seen.items() if len(t) == 1}


def _label_of(scale_labels: Mapping[str, str], key: str) -> str:
    return next(label for label, k in scale_labels.items() if k == key)


def _not_in_list(found: str, expected: str, options: tuple[str, ...], what: str) -> Problem:
    if not options:
        message = f"'{found}' is not a {what} this cell offers; choose from the list."
    else:
        message = (f"'{found}' is not in the list; choose one of {list_words(options)} "
                   "from the dropdown.")
    return Problem("not-in-list", Severity.ERROR, found, expected, message)

