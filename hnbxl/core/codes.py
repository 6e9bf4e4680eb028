"""The catalogue of issue codes: every code hnbxl can give, declared once.

A code is what an officer searches for, what the report's Issues sheet and the
history keep, and what ``--json`` consumers branch on, so it must mean one
thing and never drift.  Each :class:`CodeInfo` says the severity the code is
raised with, a short title, what it means and what to do about it; the
issue-code reference (``docs/codes.md``) is generated from these records.

Every :class:`~hnbxl.core.issues.Issue`, every cell ``Problem`` and every
refused workbook is checked against this catalogue when it is made, so a code
that is not declared here fails the first test that raises it, with a message
saying what to add.  To add a code: add a ``_code(...)`` line in the right
group below, then run ``python -m hnbxl.docs`` to regenerate the docs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from hnbxl.core.severity import Severity

#: Groups, in the order the reference lists them: where in the pipeline a code arises.
GROUPS: dict[str, str] = {
    "file": "The file itself (checked before any XML is read)",
    "identity": "Which form the workbook is",
    "structure": "Sheets and locked cells",
    "cell": "One input cell",
    "return": "One return's inputs checked together",
    "batch": "The returns of a period checked together",
}


@dataclass(frozen=True)
class CodeInfo:
    """One issue code: its severities (the usual one first), title, meaning and action."""

    code: str
    severities: tuple[Severity, ...]
    group: str
    title: str
    meaning: str
    action: str
    committee: bool = True  # False: only the officer needs it (terminal, JSON, officer sheet)

    @property
    def severity(self) -> Severity:
        """The severity the code is usually raised with."""
        return self.severities[0]


class UncataloguedCode(LookupError):
    """A programming error: an issue made with a code the catalogue does not declare."""


CATALOGUE: dict[str, CodeInfo] = {}


def _code(code: str, severity: Severity | tuple[Severity, ...], group: str, title: str,
          meaning: str, action: str) -> None:
    assert code not in CATALOGUE, f"issue code {code!r} declared twice"
    assert group in GROUPS, group
    severities = severity if isinstance(severity, tuple) else (severity,)
    CATALOGUE[code] = CodeInfo(code, severities, group, title, meaning, action)


ERROR, WARNING, QUERY, INFO = Severity.ERROR, Severity.WARNING, Severity.QUERY, Severity.INFO

# --------------------------------------------------------------------------- file
_code("file-not-found", ERROR, "file", "No such file",
      "There is no file at the path given (or it is a folder), often a mistyped name or "
      "a file moved since.", "Check the return's file name and folder, and give it again.")
_code("file-empty", ERROR, "file", "Empty file",
      "The file has no bytes at all, usually a failed save or attachment.",
      "Attach the completed return again.")
_code("not-a-workbook", ERROR, "file", "Not a workbook",
      "The file is something else (a PDF, an image, a Word or OpenDocument file) or could "
      "not be opened.", "Send the completed return as the .xlsx file it was sent out as.")
_code("legacy-xls", ERROR, "file", "Old .xls format",
      "The file is an Excel 97-2003 .xls workbook, which hnbxl does not read.",
      "Open it in Excel, save it as .xlsx and send that.")
_code("encrypted", ERROR, "file", "Password-protected file",
      "The workbook, or the zip around it, needs a password to open.",
      "Remove the password to open (sheet protection can stay) and send it again.")
_code("corrupt-zip", ERROR, "file", "Damaged file",
      "The zip container is damaged or incomplete, often a download cut off in transfer.",
      "Save the return again in Excel and resend it.")
_code("too-large", ERROR, "file", "File too large",
      "The file, one of its parts, or its cell count is far beyond any genuine return.",
      "Check the right file was sent; remove pasted images or data and save it again.")
_code("zip-bomb", ERROR, "file", "Expands too far",
      "The file inflates to far more data than its size suggests (a zip bomb).",
      "Do not open it; ask the sender what they sent.")
_code("xml-entities", ERROR, "file", "XML declarations",
      "A part holds DTD or entity declarations, which Excel never writes and which can be "
      "used to attack a reader.", "Ask for the return to be saved again in Excel.")
_code("corrupt-xml", ERROR, "file", "Damaged XML",
      "A part of the workbook is not well-formed XML or is in an unknown encoding.",
      "Open the file in Excel, save it again and resend it.")
_code("corrupt-workbook", ERROR, "file", "Damaged workbook",
      "The workbook refers to a part or a shared text that is not there.",
      "Open the file in Excel, save it again and resend it.")
_code("macro-workbook", WARNING, "file", "Macro-enabled workbook",
      "The return is an .xlsm; its macros were not run, only its values read.",
      "Ask for it to be saved as .xlsx next time.")

# --------------------------------------------------------------------------- identity
_code("not-an-hnbxl-return", ERROR, "identity", "Not an hnbxl form",
      "The workbook carries no hnbxl identity: it was not made by hnbxl generate.",
      "Ask for the return to be filled in on the generated form.")
_code("identity-mismatch", ERROR, "identity", "Identity disagrees with itself",
      "The hidden identity sheet and the document properties name different forms: one "
      "was edited.", "Ask for the return on a fresh copy of the generated form.")
_code("identity-unreadable", ERROR, "identity", "Identity damaged",
      "The identity is incomplete, names an unknown owner or section, or is not the one "
      "hnbxl would generate for it.", "Ask for the return on a fresh copy of the form.")
_code("wrong-form-schema", ERROR, "identity", "Form from another hnbxl version",
      "The form was generated by a version of hnbxl with another form layout.",
      "Generate the form again with this version and ask for it to be re-keyed.")
_code("wrong-programme", ERROR, "identity", "Another programme's return",
      "The return is for a different programme than the working folder's.",
      "Validate it in that programme's working folder.")
_code("wrong-definition", ERROR, "identity", "Made from another definition",
      "The form was generated from a different version of the programme definition.",
      "Generate the form again from the current definition, or compile with the "
      "definition it was made from.")
_code("wrong-form-version", ERROR, "identity", "Another form version",
      "The form's version differs from the definition's form_version.",
      "Send out the current form, or compile with the definition it was made from.")
_code("last-period-unknown", ERROR, "identity", "Last period not in this history",
      "The form shows last period's values from a compile this history does not hold.",
      "Validate it in the working folder the form was generated from.")
_code("form-not-rebuildable", ERROR, "identity", "Form cannot be rebuilt",
      "The definition can no longer produce the form this return was made on.",
      "Fix the definition, or compile with the definition the form was made from.")

# --------------------------------------------------------------------------- structure
_code("sheet-missing", ERROR, "structure", "Sheet deleted or renamed",
      "A sheet of the form is missing, so its values cannot be read.",
      "Ask for the return on a fresh copy of the form.")
_code("sheet-added", WARNING, "structure", "Sheet added",
      "A sheet that is not part of the form was added; hnbxl ignores it.",
      "Put figures in the form's own cells.")
_code("sheets-reordered", WARNING, "structure", "Sheets reordered",
      "The form's sheets were moved into another order.", "Nothing, if the values are right.")
_code("protection-removed", WARNING, "structure", "Sheet protection removed",
      "A sheet without inputs was unprotected; its locked cells were checked against the "
      "definition.", "Leave sheet protection on next time.")
_code("inputs-may-have-moved", WARNING, "structure", "Inputs may have moved",
      "Protection was removed from a sheet with inputs. Its locked cells were checked, but "
      "the inputs may have been moved (sorted or pasted) onto other rows, which nothing in "
      "the cells can prove. Shown to the committee on the report's Data Quality sheet.",
      "Check that sheet row by row: each figure, rating and reason against the label on its "
      "row. Leave sheet protection on next time.")
_code("structure-unlocked", INFO, "structure", "Structure protection gone",
      "The workbook's structure protection is missing (LibreOffice drops it when it saves); "
      "the sheets were checked one by one.", "Nothing.")
_code("locked-cell-changed", ERROR, "structure", "Locked cell changed",
      "A label, budget, last period's value or formula differs from what the form gave.",
      "Ask for the return to be re-keyed on a fresh form, or the cell put back.")
_code("formula-no-value", ERROR, "structure", "Formula without a saved result",
      "An input holds a formula that was never calculated and saved.",
      "Open the file in Excel, let it calculate, save and resend (or type the value).")
_code("formula-in-input", INFO, "structure", "Formula in an input",
      "An input holds a formula; its saved result was used.", "Nothing, if the result is right.")

# --------------------------------------------------------------------------- cell
_code("error-value", ERROR, "cell", "Formula error in a cell",
      "The cell shows an error such as #DIV/0! instead of a value.", "Type the value itself.")
_code("bool-in-number", ERROR, "cell", "TRUE/FALSE in a number cell",
      "A yes/no value where a number is needed.", "Type the number.")
_code("date-in-number", ERROR, "cell", "Date in a number cell",
      "A date where a number is needed.", "Type the number.")
_code("not-a-number", ERROR, "cell", "Not a number",
      "Text that cannot be read as a number.", "Type the number.")
_code("ambiguous-number", ERROR, "cell", "Number that reads two ways",
      "A number such as 12,34 or £1.2m that could be read two ways.",
      "Type the number in full, without abbreviations.")
_code("wrong-unit", ERROR, "cell", "Wrong unit sign",
      "A £, $, € or % sign that does not belong in this cell.", "Type the figure without it.")
_code("number-too-large", ERROR, "cell", "Number too large",
      "A number too large for a workbook to hold.", "Check the figure and type it again.")
_code("text-number-accepted", WARNING, "cell", "Number typed as text",
      "A number typed as text, read unambiguously (e.g. '£17,287').",
      "Check the value read is right; type plain numbers next time.")
_code("no-figure-text", (WARNING, ERROR), "cell", "n/a typed as a figure",
      "n/a, NA or - typed in a figure cell: a warning where a reason can be given "
      "instead, an error in a risk score.",
      "Leave the figure empty and give the reason for having no figure.")
_code("rounded-to-whole", INFO, "cell", "Rounded to whole",
      "A number a hair from whole, as Excel shows it, was read as the whole number.",
      "Nothing.")
_code("not-whole", ERROR, "cell", "Not a whole number",
      "A fraction where a whole number is needed.", "Type a whole number.")
_code("negative-count", ERROR, "cell", "Negative count", "A count below zero.",
      "Type the count, 0 or more.")
_code("below-minimum", ERROR, "cell", "Below the minimum",
      "A number below the smallest the definition allows.", "Check the figure.")
_code("above-maximum", ERROR, "cell", "Above the maximum",
      "A number above the largest the definition allows.", "Check the figure.")
_code("out-of-range", ERROR, "cell", "Outside the risk grid",
      "A likelihood or impact outside the grid.", "Choose a value from the list.")
_code("percent-out-of-range", ERROR, "cell", "Percentage out of range",
      "A percentage below 0% or above 100%, or a number typed without % that could mean "
      "two percentages.", "Type the percentage with its % sign, from 0% to 100%.")
_code("ambiguous-percent", ERROR, "cell", "Percentage that reads two ways",
      "Text such as 0.5 that could mean 50% or 0.5%.", "Type the percentage with its % sign.")
_code("not-in-list", ERROR, "cell", "Not in the list",
      "A rating, choice or score that is not one the cell offers.",
      "Choose from the cell's dropdown.")
_code("rating-word-accepted", WARNING, "cell", "Rating given by its first word",
      "A rating typed as its first word (e.g. Amber) was read as the full rating.",
      "Check it; choose from the list next time.")
_code("label-spelling-accepted", WARNING, "cell", "List entry spelt differently",
      "A list entry with different case, spacing or dashes was read as the entry.",
      "Check it; choose from the list next time.")
_code("choice-word-accepted", WARNING, "cell", "Direction without its mark",
      "A direction of travel typed without its arrow, or the arrow alone, was read.",
      "Check it; choose from the list next time.")
_code("not-a-month", ERROR, "cell", "Not a month",
      "Text or a number that cannot be read as a month.", "Choose the month from the list.")
_code("ambiguous-date", ERROR, "cell", "Date that differs in UK and US",
      "A date such as 01/02/2024 that means different days in the UK and the US.",
      "Type the month as e.g. Feb 2024, or choose it from the list.")
_code("month-text-accepted", WARNING, "cell", "Month in another spelling",
      "A month typed in another spelling (e.g. January 2024) was read.",
      "Check it; choose from the list next time.")
_code("date-as-month", WARNING, "cell", "Full date where a month is needed",
      "A full date was typed; its month was used.", "Check the month is right.")
_code("month-out-of-range", ERROR, "cell", "Month not offered",
      "A month outside the months the form offers.", "Choose a month from the list.")
_code("control-characters", WARNING, "cell", "Hidden control characters",
      "Characters a workbook cannot hold (often pasted from another system) were removed.",
      "Check the text still reads as intended.")
_code("invisible-characters", WARNING, "cell", "Invisible or text-direction characters",
      "The text holds characters that show nothing but change how it displays: "
      "right-to-left overrides and other bidirectional controls, zero-width spaces and "
      "joiners, byte-order marks, tag characters. A U+202E can make 50,000 display as "
      "000,05. The text is kept as typed.",
      "Check the text in the named cell and type it again without them.")
_code("number-as-text", INFO, "cell", "Number in a text cell",
      "A number in a text or choice cell, kept as its text (or read as the choice).",
      "Nothing.")
_code("bool-as-text", INFO, "cell", "TRUE/FALSE in a text cell",
      "A yes/no value in a text cell, kept as TRUE or FALSE.", "Nothing.")
_code("date-as-text", INFO, "cell", "Date in a text cell",
      "A date in a text cell, kept as its ISO text.", "Nothing.")
_code("too-long", ERROR, "cell", "Text too long",
      "Text longer than the cell takes.", "Shorten the text.")
_code("too-many-words", ERROR, "cell", "Too many words",
      "A narrative over its word limit.", "Shorten the narrative.")

# --------------------------------------------------------------------------- return
_code("figure-and-reason", ERROR, "return", "Figure and reason for none",
      "Both a figure and a reason for having no figure were given (in one return or two).",
      "Keep one of them.")
_code("reason-without-override", WARNING, "return", "Override reason without a rating",
      "A reason for overriding a rating was given but no override rating was chosen; the "
      "computed rating is used.", "Choose the override rating, or clear the reason.")
_code("share-base-too-small", ERROR, "return", "Share out of too few",
      "The group a share is out of is smaller than the figure itself.", "Check both figures.")
_code("target-above-score", ERROR, "return", "Risk target above its score",
      "A risk's target score is above its current score.", "Lower the target.")
_code("new-risk-without-name", ERROR, "return", "New risk without a name",
      "A new risk row has details but no name.", "Name the risk or clear the row.")
_code("required-missing", (ERROR, WARNING), "return", "Required and empty",
      "A required input is empty in every return: an error, or a warning where the "
      "definition says so.", "Fill it in, or chase the owner.")

# --------------------------------------------------------------------------- batch
_code("wrong-period", ERROR, "batch", "Return for another period",
      "The return is for another month than the --period asked for.",
      "Leave it out, or ask for the right month's return.")
_code("period-mismatch", ERROR, "batch", "Returns for different periods",
      "The returns given are for more than one period.", "Compile one period at a time.")
_code("duplicate-file", INFO, "batch", "Same file twice",
      "Two files are byte-for-byte the same; it was read once.", "Nothing.")
_code("resubmission", ERROR, "batch", "Two returns of one form",
      "More than one return of the same form (owner and sections) was given; one line "
      "per form says how many copies, and the newest and oldest by save time.",
      "Remove the older file(s), or compile with --newest-wins.")
_code("untrusted-save-time", ERROR, "batch", "Save time not trusted",
      "With --newest-wins, a return of a form given more than once says it was saved in "
      "the future, or before its form was generated; a forged or wrong clock cannot pick "
      "the return that counts. The line names every copy and its save time.",
      "Choose the return yourself: give only the file to use (leave the others out).")
_code("resubmission-set-aside", INFO, "batch", "Older return set aside",
      "With --newest-wins, an older return of the same form was not used; its own issues "
      "are shown as info and never block.", "Nothing.")
_code("set-aside-issue", INFO, "batch", "Issue in a set-aside return",
      "An issue of an older return that --newest-wins set aside; the message names the "
      "issue's own code and severity. It never blocks, since the file is not used.",
      "Nothing; the newer return is the one that counts.")
_code("earlier-definition", INFO, "identity", "Made from an earlier definition",
      "The form was generated from an earlier version of the programme definition, which "
      "history keeps; the return was read through that version and mapped into the current "
      "one by field.", "Nothing; see any label-changed, field-dropped or field-not-on-form "
      "lines for what the change means for this return.")
_code("label-changed", INFO, "identity", "Row renamed since the form went out",
      "A row this form shows was renamed in the definition after the form was made; the "
      "value is reported under the new name.", "Nothing.")
_code("field-dropped", INFO, "identity", "Row removed from the definition",
      "A row this form holds is no longer in the definition; its value is kept on record "
      "but not reported.", "Nothing, unless the row was removed by mistake.")
_code("unit-changed", WARNING, "identity", "Measure's unit changed since the form went out",
      "A measure on this form changed its unit (count, percent, money...) in the definition "
      "after the form was made; the value was typed for the old unit.",
      "Check the figure means the same in the new unit; compile with --allow-warnings if it "
      "does, or ask for the figure again on a new form.")
_code("field-not-on-form", INFO, "identity", "Row added after the form went out",
      "A row was added to the definition after this form was made, so the form could not "
      "hold it; the report shows it as not reported.",
      "Ask the owner for the figure next month, or generate the form again.")
_code("conflict", ERROR, "batch", "Returns disagree",
      "Two returns give different values for the same input.",
      "Agree one value and correct the other return.")
_code("kept-return-replaced", INFO, "batch", "Kept copy replaced",
      "The working folder's returns/<SHA-256>.xlsx did not hold the return its name says "
      "(it was changed or damaged after it was kept); it was replaced by the return itself, "
      "and its bytes were set aside in returns/mismatched/.",
      "Nothing for this compile; find out who changed the kept copy.")
_code("no-returns", ERROR, "batch", "No readable return",
      "None of the files could be read as a return.", "Check the files given.")
_code("section-missing", ERROR, "batch", "Section not returned",
      "No return holds a section of the report.",
      "Chase the owner's return, or compile when it arrives, or compile with "
      "--missing-owner OWNER (or --allow-missing) to show it as Not received.")
_code("section-not-received", INFO, "batch", "Section not received (allowed)",
      "Compiled with --allow-missing: no return holds this section, so the report shows it "
      "as Not received and its ratings as no data, with the owner named.",
      "Compile again when the owner's return arrives.")

# --------------------------------------------------------------------------- queries
# A query is a figure that looks wrong but may be right: the return explains it in the
# form's explanation cell.  Unexplained it is a query (blocks a compile unless
# --allow-queries); explained it is info, shown with its explanation in Data Quality.
_code("query-moved", (QUERY, INFO), "batch", "Figure moved a lot since last period",
      "The figure moved by more than the definition's share or amount from last period's.",
      "Check the figure; if it is right, say why it moved in the explanation cell beside it.")
_code("query-unchanged", (QUERY, INFO), "batch", "Figure the same as last period",
      "The figure is exactly last period's where a change is expected: it may have been "
      "carried forward instead of updated.",
      "Update the figure, or explain in the explanation cell why it did not change.")
_code("query-rating-figure", (QUERY, INFO), "batch", "Rating improved while the figure got worse",
      "This period's rating is better than last period's, but the figure moved the wrong way "
      "for the measure's direction.",
      "Check the rating and the figure; explain in the explanation cell if both are right.")
_code("query-savings-over-budget", (QUERY, INFO), "batch", "Savings above budget",
      "A workstream reports more savings this quarter than its budget.",
      "Check the figure; explain where the extra savings come from.")
_code("query-risk-action", (QUERY, INFO), "batch", "Risk not improving, action unchanged",
      "A risk's score rose, or is above its target, and its action is word for word last "
      "period's.", "Update the action, or explain why it stays the same.")
_code("query-small-number", (QUERY, INFO), "batch", "Small number",
      "A count below the definition's small-number threshold may identify children in a "
      "public paper; the owner must choose to publish it or suppress it.",
      "Choose Suppress (the report shows 'fewer than N' and hides its share), or Publish and "
      "give the reason in the explanation cell.")
_code("query-share", (QUERY, INFO), "batch", "Share disagrees with its count and base",
      "A percentage does not agree with the count and the group it is a share of.",
      "Correct the percentage, the count or the base, or explain the difference.")

del ERROR, WARNING, QUERY, INFO

# --------------------------------------------------------------------------- checking

_observers: list[Callable[[str], None]] = []


def check(code: str, severity: Severity | None = None) -> CodeInfo:
    """The catalogue entry for ``code``; raises :class:`UncataloguedCode` if there is none.

    ``severity``, when given, must be one the entry declares.  Observers (the
    test suite's record of codes raised) are told of every code checked.
    """
    info = CATALOGUE.get(code)
    if info is None:
        raise UncataloguedCode(
            f"issue code {code!r} is not in the catalogue: add "
            f"_code({code!r}, Severity.<ERROR|WARNING|QUERY|INFO>, \"<group>\", \"<title>\", "
            "\"<what it means>\", \"<what to do>\") to hnbxl/core/codes.py (groups: "
            f"{', '.join(GROUPS)}), then run `python -m hnbxl.docs` to regenerate docs/codes.md")
    if severity is not None and severity not in info.severities:
        raise UncataloguedCode(
            f"issue code {code!r} raised as {severity} but the catalogue declares it "
            f"{'/'.join(info.severities)}: add {str(severity).upper()} to its severities in "
            "hnbxl/core/codes.py (and regenerate docs with `python -m hnbxl.docs`), or raise "
            "it with a declared severity")
    for observer in _observers:
        observer(code)
    return info


# --------------------------------------------------------------------------- audience
# Items only the officer needs: how a file was saved or sent, not what it says.
# They stay in the terminal, the JSON and the report's officer sheet, and are
# left out of the committee's Data Quality page and the PDF.  Everything else
# (a figure read by interpretation, rounded, or missing) is for the committee.
_OFFICER_ONLY = (
    "macro-workbook", "sheet-added", "sheets-reordered", "protection-removed",
    "structure-unlocked", "formula-in-input", "rating-word-accepted", "label-spelling-accepted",
    "choice-word-accepted", "month-text-accepted", "date-as-month", "control-characters",
    "number-as-text", "bool-as-text", "date-as-text", "duplicate-file", "resubmission-set-aside",
)
for _officer in _OFFICER_ONLY:
    CATALOGUE[_officer] = replace(CATALOGUE[_officer], committee=False)


def for_committee(code: str) -> bool:
    """Whether a committee member should see issues of ``code`` (unknown codes: yes)."""
    info = CATALOGUE.get(code)
    return info.committee if info is not None else True


def title_of(code: str) -> str:
    """A code's title in words for the reader (an unknown code stands as itself)."""
    info = CATALOGUE.get(code)
    return info.title if info is not None else code


def in_group(group: str) -> tuple[str, ...]:
    """The codes of one group, in catalogue order."""
    return tuple(c.code for c in CATALOGUE.values() if c.group == group)


@contextmanager
def observing(callback: Callable[[str], None]) -> Iterator[None]:
    """Call ``callback(code)`` for every code checked while the block runs (for tests)."""
    _observers.append(callback)
    try:
        yield
    finally:
        _observers.remove(callback)


__all__ = ["CATALOGUE", "GROUPS", "CodeInfo", "UncataloguedCode", "check", "for_committee",
           "in_group", "observing"]
