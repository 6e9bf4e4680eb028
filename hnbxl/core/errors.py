"""The one exception hierarchy: every error hnbxl expects derives from HnbxlError.

The command line prints an :class:`HnbxlError` as one line (``hnbxl: ...``)
and exits with its ``exit_code``; anything else is a bug, printed as one line
that asks for ``--debug`` to see the traceback.  So a new error class must
derive from :class:`HnbxlError` (or one below it) to be shown as intended.

    HnbxlError
    ├── DefinitionError      programme/model.py: a bad programme definition
    ├── PeriodError          core/periods.py: a month that cannot be read (also a ValueError)
    ├── UnsafeWorkbook       xlsx/safety.py: a return refused before it is read
    ├── WorkspaceError       store/workspace.py: a working folder that cannot be used
    ├── FolderBusy           store/lock.py: another hnbxl is writing to the folder
    ├── DiskFull             store/commit.py: the disk filled while publishing a compile
    ├── WouldReplace         store/guard.py: an output would replace a file the officer needs
    ├── HistoryError         store/schema.py: a history that cannot be used
    │   ├── SchemaError      store/schema.py: a history of another or a newer schema
    │   ├── HistoryBusy      store/history.py: the history stayed locked too long
    │   └── HistoryFull      store/history.py: the disk filled while writing the history
    └── WriteError           here: an output that could not be written whole
        └── OutputError      report/sheet.py: the committee workbook or PDF

``tests/core/test_errors.py`` fails when a class is missing from this tree.
Not here on purpose: ``store.commit.InterruptedAfterCommit`` is a Ctrl-C (a
``KeyboardInterrupt``) that came after the commit point, not an error.
"""

from __future__ import annotations


class HnbxlError(Exception):
    """An error the command line prints as one line, without a traceback."""

    #: The command line's exit status for this error (2 is left to usage errors).
    exit_code: int = 1
    #: Lines to print as they are after the one-line message, such as TOML to paste.
    detail: str = ""


class WriteError(HnbxlError):
    """A workbook could not be written whole (XlsxWriter refused or would cut something).

    Nothing is ever left half-written: the caller writes to a temporary file
    and only renames it into place once every cell is written.
    """


__all__ = ["HnbxlError", "WriteError"]
