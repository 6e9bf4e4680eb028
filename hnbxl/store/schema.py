"""The history's schema: its version, the migrations between versions, the checks on open.

The version lives in SQLite's own ``PRAGMA user_version``, so it is read
without trusting any table.  :data:`MIGRATIONS` is an ordered list of
``(version, step)``; a step is SQL text (statements separated by ``;``) or a
function taking the connection.  Opening a history runs every step above the
file's version in one transaction, then sets the version: a crash or error
part way leaves the file at its old version, untouched.

To change the schema, append a step with the next version number (never edit
a released step: files in the field have run it) and add a line under the
issue's heading in ``CHANGELOG.md``.

A history of a newer version is refused (an older hnbxl must not write tables
it does not know), naming both versions.  After migrating, every table and
column the migrations create must be present; anything else is an unexpected
schema, reported in one line rather than as a failing query later.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import cache
from pathlib import Path

from hnbxl.core.issues import HnbxlError
from hnbxl.store.transaction import atomic

Step = str | Callable[[sqlite3.Connection], None]

_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS compiles (
    id INTEGER PRIMARY KEY,
    programme TEXT NOT NULL,
    period TEXT NOT NULL,
    definition_hash TEXT NOT NULL,
    extracted_on TEXT NOT NULL,
    compiled_at TEXT NOT NULL,
    output TEXT NOT NULL,
    output_sha256 TEXT NOT NULL,
    active INTEGER NOT NULL,
    replaced_by INTEGER REFERENCES compiles(id)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_active_compile
    ON compiles(programme, period) WHERE active = 1;
CREATE TABLE IF NOT EXISTS returns_used (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    sha256 TEXT NOT NULL,
    file TEXT NOT NULL,
    stored_as TEXT NOT NULL,
    owner TEXT NOT NULL,
    sections TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS field_values (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    field TEXT NOT NULL,
    value_json TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    sheet TEXT NOT NULL,
    cell TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ratings (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    item TEXT NOT NULL,
    rag TEXT NOT NULL,
    computed TEXT,
    overridden INTEGER NOT NULL,
    reason TEXT,
    basis TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS figures (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    item TEXT NOT NULL,
    display TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS risks (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    position INTEGER NOT NULL,
    risk_id TEXT NOT NULL,
    name TEXT NOT NULL,
    risk TEXT NOT NULL,
    likelihood INTEGER NOT NULL,
    impact INTEGER NOT NULL,
    action TEXT NOT NULL,
    direction TEXT NOT NULL,
    target INTEGER NOT NULL,
    updated TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issues (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    code TEXT NOT NULL, severity TEXT NOT NULL, file TEXT NOT NULL, sheet TEXT NOT NULL,
    cell TEXT NOT NULL, field TEXT NOT NULL, found TEXT NOT NULL, expected TEXT NOT NULL,
    message TEXT NOT NULL
);
INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
"""

# Version 2 (issue 9): a compile is first recorded as pending with the files
# it will publish, then marked done; readers see only done compiles.  The PDF
# is recorded beside the workbook, each with its SHA-256.
_V2 = """
ALTER TABLE compiles ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
ALTER TABLE compiles ADD COLUMN pdf TEXT;
ALTER TABLE compiles ADD COLUMN pdf_sha256 TEXT;
CREATE TABLE published (
    compile_id INTEGER NOT NULL REFERENCES compiles(id),
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    staged TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE INDEX published_by_compile ON published(compile_id);
UPDATE meta SET value = '2' WHERE key = 'schema_version';
"""

# Version 3 (issue 10): every programme definition a form was generated from
# (or a compile used), kept whole and keyed by its hash, so a return made from
# an earlier version is read through that version's own layout.
_V3 = """
CREATE TABLE definitions (
    hash TEXT PRIMARY KEY,
    programme TEXT NOT NULL,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    stored_at TEXT NOT NULL
);
UPDATE meta SET value = '3' WHERE key = 'schema_version';
"""

# Version 4 (issue 17): the officer workbook, written beside the committee's
# (file names, cells, SHA-256s and suppressed figures stay out of the papers),
# recorded with its SHA-256 like the PDF.
_V4 = """
ALTER TABLE compiles ADD COLUMN officer TEXT;
ALTER TABLE compiles ADD COLUMN officer_sha256 TEXT;
UPDATE meta SET value = '4' WHERE key = 'schema_version';
"""

#: Ordered ``(version, step)``; append only.
MIGRATIONS: list[tuple[int, Step]] = [
    (1, _V1),
    (2, _V2),
    (3, _V3),
    (4, _V4),
]


def current_version() -> int:
    return MIGRATIONS[-1][0]


class HistoryError(HnbxlError):
    """The history file cannot be opened, read or written; one line for the officer."""


class SchemaError(HistoryError):
    """The history file's schema cannot be used as it is (newer, unexpected, other tables)."""


def statements(sql: str) -> list[str]:
    """Split SQL text into complete statements (a trigger body stays whole).

    ``executescript`` is not used because it commits any open transaction,
    and a migration must run inside one.
    """
    out: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out


def _run(conn: sqlite3.Connection, step: Step) -> None:
    if isinstance(step, str):
        for statement in statements(step):
            conn.execute(statement)
    else:
        step(conn)


def _tables(conn: sqlite3.Connection) -> dict[str, set[str]]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return {name: {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
            for name in names}


@cache
def expected_tables() -> dict[str, frozenset[str]]:
    """Tables and columns a history at the current version has (built by the migrations)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for _version, step in MIGRATIONS:
            _run(conn, step)
        return {name: frozenset(cols) for name, cols in _tables(conn).items()}
    finally:
        conn.close()


def file_version(conn: sqlite3.Connection) -> int:
    """The file's schema version; a history written before versions existed is 1."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version == 0 and "compiles" in _tables(conn):
        return 1
    return version


def prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Bring an opened history to the current version, or refuse it in one line.

    Runs the missing migrations in one ``BEGIN IMMEDIATE`` transaction (the
    version is read again inside it, so two processes do not both migrate).
    """
    latest = current_version()
    version = file_version(conn)
    if version > latest:
        raise SchemaError(
            f"{path}: this history has schema version {version}, written by a newer hnbxl; "
            f"this hnbxl reads versions up to {latest}. Upgrade hnbxl to use it")
    if version < latest:
        if version == 0 and _tables(conn):
            raise SchemaError(
                f"{path}: not an hnbxl history (it holds other tables: "
                f"{', '.join(sorted(_tables(conn)))}); point --workdir at the right folder "
                "or move this file away")
        try:
            with atomic(conn):
                version = file_version(conn)
                for number, step in MIGRATIONS:
                    if number > version:
                        _run(conn, step)
                conn.execute(f"PRAGMA user_version = {latest}")
        except BaseException as exc:
            name = getattr(exc, "sqlite_errorname", "")
            if isinstance(exc, sqlite3.Error) and not name.startswith(
                    ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL", "SQLITE_IOERR")):
                raise SchemaError(
                    f"{path}: could not upgrade the history from version {version} to "
                    f"{latest} ({exc}); it was left as it was") from None
            raise
    check(conn, path)


def check(conn: sqlite3.Connection, path: Path) -> None:
    """Every table and column the current schema has must be there."""
    found = _tables(conn)
    for table, columns in sorted(expected_tables().items()):
        if table not in found:
            raise SchemaError(
                f"{path}: unexpected history schema (no table '{table}' at version "
                f"{current_version()}); the file was changed outside hnbxl. Restore it from "
                "a backup or move it away")
        missing = sorted(columns - found[table])
        if missing:
            raise SchemaError(
                f"{path}: unexpected history schema (table '{table}' has no column "
                f"'{missing[0]}'); the file was changed outside hnbxl. Restore it from a "
                "backup or move it away")
