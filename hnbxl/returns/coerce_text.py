"""Free text and narratives: what a workbook cannot store, and what cannot be seen.

Text is kept as typed; a control character no workbook can hold is removed
with a warning, an invisible or direction-changing character is kept with a
warning, and a text over its length or word limit is refused.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from hnbxl.core.issues import Severity
from hnbxl.forms.layout import NARRATIVE, InputSpec
from hnbxl.returns.coerce_result import UNHOLDABLE, Coerced, Problem, fail, number_words
from hnbxl.xlsx.writing import CELL_TEXT_LIMIT

# Characters that show nothing themselves but change how text displays: the
# bidirectional embeddings, overrides, isolates and marks (a U+202E can make
# "pay 100" display as "001 yap"), zero-width spaces and joiners, the word
# joiner and invisible operators, the byte-order mark and the tag characters.
# They can be stored, so they are kept (nothing typed is silently changed),
# with a warning naming the cell.  The soft hyphen (U+00AD), common in text
# pasted from Word, shows as a hyphen at a line break and is left alone.
_INVISIBLE = re.compile(
    "[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\U000e0000-\U000e007f]")


# Emoji are written with invisible characters too: a zero-width joiner between two
# emoji makes one (a family, a rainbow flag), and tag characters after a black flag
# make a subdivision flag (England).  Those sequences are text, not a trick.
_EMOJI = ("[\u00a9\u00ae\u203c-\u3299\U0001f000-\U0001faff]"
          "[\ufe0f\U0001f3fb-\U0001f3ff]?")
_EMOJI_SEQUENCE = re.compile(
    f"{_EMOJI}(?:\u200d{_EMOJI})+|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")


def _invisible_note(text: str) -> Problem | None:
    """A warning naming each invisible or direction-changing character in ``text``.

    A joiner or tag inside an emoji sequence is how the emoji is written, not a
    hidden character; a bidirectional control always warns.
    """
    found = _INVISIBLE.findall(_EMOJI_SEQUENCE.sub("", text))
    if not found:
        return None
    names = ", ".join(dict.fromkeys(
        f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER').lower()}" for ch in found))
    many = len(found) > 1
    kept = "they were kept" if many else "it was kept"
    return Problem(
        "invisible-characters", Severity.WARNING, names, "text without invisible characters",
        f"The text holds {len(found)} invisible character{'s' if many else ''} ({names}) that "
        f"can change how it displays, for example in reverse order; {kept}. Check the text "
        "and type it again without them.",
    )


def text_value(spec: InputSpec, shape: str, value: object) -> Coerced:
    """Text as typed, less what no workbook can hold; refused only over its length or word limit."""
    notes: list[Problem] = []
    if shape == "number":
        text = number_words(float(value))  # type: ignore[arg-type]
        notes.append(Problem("number-as-text", Severity.INFO, text, "text",
                             f"The number {text} was kept as the text '{text}'."))
    elif shape == "bool":
        text = "TRUE" if value else "FALSE"
        notes.append(Problem("bool-as-text", Severity.INFO, text, "text",
                             f"The cell held {text} as a yes/no value; it was kept as text."))
    elif shape == "date":
        text = value.isoformat() if isinstance(value, date) else str(value)
        if isinstance(value, datetime) and value.time() == datetime.min.time():
            text = value.date().isoformat()
        notes.append(Problem("date-as-text", Severity.INFO, text, "text",
                             f"The cell held a date; it was kept as the text '{text}'."))
    else:
        text = str(value)
    bad = UNHOLDABLE.findall(text)
    if bad:
        text = UNHOLDABLE.sub("", text)
        codes = ", ".join(dict.fromkeys(f"U+{ord(ch):04X}" for ch in bad))
        notes.append(Problem(
            "control-characters", Severity.WARNING, codes, "plain text",
            f"The text held {len(bad)} hidden control character{'s' if len(bad) > 1 else ''}, "
            f"lone surrogate{'s' if len(bad) > 1 else ''} or non-character"
            f"{'s' if len(bad) > 1 else ''} ({codes}) that no one types and a workbook cannot "
            f"store; {'they were' if len(bad) > 1 else 'it was'} removed.",
        ))
        if text == "" or text.isspace():
            return Coerced(None, False, tuple(notes))
    invisible = _invisible_note(text)
    if invisible is not None:
        notes.append(invisible)
    errors: list[Problem] = []
    length = len(text.encode("utf-16-le")) // 2  # as Excel counts, and limits, text
    if length > CELL_TEXT_LIMIT:  # no spreadsheet program writes this: the file was made
        errors.append(Problem(
            "too-long", Severity.ERROR, f"{length:,} characters",
            f"at most {CELL_TEXT_LIMIT:,} characters (Excel's limit for a cell)",
            f"The text is {length:,} characters long, more than the {CELL_TEXT_LIMIT:,} an "
            "Excel cell holds; this file was not saved by Excel. Shorten it.",
        ))
    elif spec.max_length is not None and length > spec.max_length:
        errors.append(Problem(
            "too-long", Severity.ERROR, f"{length:,} characters",
            f"at most {spec.max_length:,} characters",
            f"The text is {length:,} characters long, more than the {spec.max_length:,} this "
            "cell takes; shorten it.",
        ))
    if spec.kind == NARRATIVE and spec.word_limit is not None:
        words = len(text.split())
        if words > spec.word_limit:
            errors.append(Problem(
                "too-many-words", Severity.ERROR, f"{words:,} words",
                f"at most {spec.word_limit:,} words",
                f"The narrative has {words:,} words, more than the limit of "
                f"{spec.word_limit:,}; shorten it.",
            ))
    if errors:
        return fail(*notes, *errors)
    return Coerced(text, False, tuple(notes))

