"""File modes for what hnbxl writes.

Forms and reports are written to a temporary file and renamed into place; a
temporary file is created private (0600), which on a shared drive leaves a
form no colleague can open.  New files therefore get the mode any program
would give them in that folder: 0666 less the process's umask.
"""

from __future__ import annotations

import os
import threading

_LOCK = threading.Lock()


def normal_file_mode() -> int:
    """0666 less the umask (reading the umask means setting it, so briefly under a lock)."""
    with _LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask
