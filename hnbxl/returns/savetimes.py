"""When a return was saved, and whether that time can be trusted to pick the newest copy.

``--newest-wins`` uses the copy saved last, by the workbook's own stamp.  A
sender writes that stamp, so a copy claiming to be saved in the future, or
before its form was generated (when history first kept the definition it was
made from), could win by forgery or a wrong clock: such a time is not
trusted, and the officer chooses instead.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hnbxl.core.issues import Issue, Severity
from hnbxl.returns.read import ReturnRead


def saved_at(read: ReturnRead) -> datetime | None:
    """When the file was last saved, in UTC: the workbook's own stamp, else the file's time.

    Stamps are compared as times, not text: ``12:00+05:00`` is before ``08:00Z``.
    """
    if read.modified:
        try:
            stamp = datetime.fromisoformat(read.modified.strip().replace("Z", "+00:00"))
            return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        return datetime.fromtimestamp(os.stat(read.path).st_mtime, UTC)
    except OSError:
        return None


#: How far a save time may be ahead of this computer's clock (clocks disagree a little).
CLOCK_SLACK = timedelta(minutes=10)


def untrusted_time(read: ReturnRead) -> str:
    """Why ``read``'s save time cannot be trusted to order copies, or ''."""
    saved = saved_at(read)
    if saved is None:
        return "no save time"
    if saved > datetime.now(UTC) + CLOCK_SLACK:
        return "in the future"
    if read.form_made:
        try:
            made = datetime.fromisoformat(read.form_made)
        except ValueError:
            return ""
        made = made if made.tzinfo else made.replace(tzinfo=UTC)
        if saved < made - CLOCK_SLACK:
            return f"before its form was generated ({made:%Y-%m-%d %H:%M} UTC)"
    return ""


def saved_words(read: ReturnRead) -> str:
    saved = saved_at(read)
    # To the second, and the zone named: two saves in the same minute can be told apart.
    return f"saved {saved:%Y-%m-%d %H:%M:%S} UTC" if saved else "saved at an unknown time"


def untrusted_issue(who: str, ordered: Sequence[ReturnRead]) -> Issue | None:
    """One ``untrusted-save-time`` line naming every copy and its time, or None."""
    doubtful = [r for r in ordered if untrusted_time(r)]
    if not doubtful:
        return None
    copies = "; ".join(f"{r.display} ({saved_words(r)}"
                       f"{', ' + untrusted_time(r) if untrusted_time(r) else ''})"
                       for r in ordered)
    return Issue(
        "untrusted-save-time", Severity.ERROR,
        f"The form for {who} was returned {len(ordered)} times and --newest-wins cannot "
        f"choose, because a save time is not trusted: {copies}. Give only the file to use.",
        doubtful[0].display, found=saved_words(doubtful[0]),
        expected="a save time after the form was generated and not in the future")


__all__ = ["CLOCK_SLACK", "saved_at", "saved_words", "untrusted_issue", "untrusted_time"]
