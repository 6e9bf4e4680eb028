"""One write transaction on the history, the only place that begins, commits or rolls back.

Like sqlite-utils' ``atomic``: ``BEGIN IMMEDIATE`` takes the write lock at
the start (so two compiles queue on SQLite's busy timeout rather than fail
half-way), leaving the block commits, and any exception, Ctrl-C included,
rolls back and is raised again.  With ``crash`` named, the four moments of
the transaction are crash points (``<crash>:before-begin`` ... ``after-commit``,
see :mod:`hnbxl.store.faults`), so the crash tests can stop hnbxl at each.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from hnbxl.store.faults import crash_point


@contextmanager
def atomic(conn: sqlite3.Connection, crash: str = "") -> Iterator[sqlite3.Connection]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction; all of it or none of it.

    ``conn`` must be in autocommit mode (``isolation_level=None``), as the
    history opens it, so that only this function starts transactions.
    """
    if crash:
        crash_point(f"{crash}:before-begin")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if crash:
            crash_point(f"{crash}:after-begin")
        yield conn
        if crash:
            crash_point(f"{crash}:before-commit")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if crash:
        crash_point(f"{crash}:after-commit")
