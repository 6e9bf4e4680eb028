"""Named points in the commit protocol where a test can make hnbxl die on purpose.

``HNBXL_CRASH_AT=<step>`` ends the process with :func:`os._exit` (no cleanup,
no ``finally``: as a power cut or SIGKILL would) when it reaches ``step``;
``HNBXL_CRASH_TRACE=<file>`` appends the name of every step reached, so the
crash-point test can enumerate them without a list that goes stale.
``HNBXL_INTERRUPT_AT=<step>`` raises KeyboardInterrupt there instead, as a
Ctrl-C at that moment would.  Without these variables a step costs a few
dictionary lookups.
"""

from __future__ import annotations

import os

CRASH_EXIT = 86


def crash_point(step: str) -> None:
    trace = os.environ.get("HNBXL_CRASH_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(step + "\n")
    if os.environ.get("HNBXL_CRASH_AT") == step:
        os._exit(CRASH_EXIT)
    if os.environ.get("HNBXL_INTERRUPT_AT") == step:
        raise KeyboardInterrupt
