"""History: every compiled period in one SQLite file in the working folder.

For each compile it keeps each value with its provenance, each rating (and
override), the figures as the report showed them, the risk log, the issues,
and which returns were used.  Last period's ratings, figures, trends and the
carried-forward risk log all come from here.

Writing a period is one transaction.  Compiling a period again marks the old
compile as replaced (``replaced_by``) inside the same transaction, so the
record of what the committee saw first is never lost, and a failed compile
leaves the file as it was.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hnbxl.core.issues import Issue
from hnbxl.core.keys import FieldKey
from hnbxl.core.periods import Period
from hnbxl.core.provenance import FieldValue, Provenance
from hnbxl.programme.definition import Programme, Risk
from hnbxl.programme.snapshot import PeriodSnapshot
from hnbxl.store import schema
from hnbxl.store.schema import HistoryError
from hnbxl.store.sqltext import TextSafeConnection
from hnbxl.store.transaction import atomic

SCHEMA_VERSION = schema.current_version()
#: Seconds to wait for another process holding the history (a compile commits in well under 1 s).
BUSY_TIMEOUT = 30.0


@dataclass(frozen=True)
class CompileRecord:
    id: int
    programme: str
    period: Period
    definition_hash: str
    extracted_on: str
    compiled_at: str
    output: str
    output_sha256: str
    active: bool
    replaced_by: int | None
    returns: int
    pdf: str | None = None
    pdf_sha256: str | None = None
    officer: str | None = None  # the officer workbook (schema 4; None before it)
    officer_sha256: str | None = None

    @property
    def files(self) -> list[tuple[str, str]]:  # (path, SHA-256): workbook, PDF, officer's
        return [(p, d) for p, d in ((self.output, self.output_sha256), (self.pdf, self.pdf_sha256),
                                    (self.officer, self.officer_sha256)) if p and d]


@dataclass(frozen=True)
class ReturnRecord:
    sha256: str
    file: str
    stored_as: str
    owner: str
    sections: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class RatingRecord:
    item: str
    rag: str
    computed: str | None
    overridden: bool
    reason: str | None
    basis: str


@dataclass(frozen=True)
class NewCompile:
    """Everything one successful compile writes, gathered before the transaction."""

    programme: str
    period: Period
    definition_hash: str
    extracted_on: str
    output: str
    output_sha256: str
    returns: tuple[ReturnRecord, ...]
    values: tuple[FieldValue, ...]
    ratings: tuple[RatingRecord, ...]
    figures: dict[str, str]
    risks: tuple[Risk, ...]
    issues: tuple[Issue, ...]
    definition_text: str = ""  # kept by hash with the compile, as generate keeps it
    definition_source: str = ""
    pdf: str | None = None
    pdf_sha256: str | None = None
    officer: str | None = None  # the officer workbook beside the committee's
    officer_sha256: str | None = None


@dataclass(frozen=True)
class PublishedFile:
    """A file a compile publishes: paths are relative to the working folder when inside it."""

    kind: str  # "output", "pdf", "officer", "definition" or "return"
    path: str
    sha256: str
    staged: str  # the compile-unique name it is written under before the rename
    created: bool  # False: the file was already there with this content


@dataclass(frozen=True)
class PeriodRecord:
    """One compiled period as trends and the export read it: ratings, values, risk log."""

    compile_id: int
    period: Period
    definition_hash: str
    ratings: dict[str, RatingRecord]
    values: dict[str, FieldValue]  # field -> typed value with its source
    risks: tuple[Risk, ...]


class HistoryBusy(HistoryError):
    """Another process held the history for longer than :data:`BUSY_TIMEOUT`."""


class HistoryFull(HistoryError):
    """The disk holding the history is full."""


def explain(exc: sqlite3.Error, path: Path) -> HistoryError:
    """One line about what went wrong with the history file, never the SQL."""
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
        return HistoryBusy(
            f"{path}: the history is in use by another program (another hnbxl compiling "
            f"in this folder?); waited {BUSY_TIMEOUT:.0f} s. Try again when it has finished")
    if name.startswith("SQLITE_FULL") or name.startswith("SQLITE_IOERR"):
        size = path.stat().st_size if path.is_file() else 0
        need = max(2 * size, 1 << 20)
        return HistoryFull(
            f"{path.parent}: the disk is full (or the file too large) while writing the "
            f"history ({exc}); free at least {need // 1024:,} KB there and try again; "
            "nothing was recorded")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return HistoryError(
            f"{path}: the history file is damaged or is not an hnbxl history ({exc}); "
            "restore it from a backup, or point --workdir at the right folder")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")):
        return HistoryError(f"{path}: cannot open the history for writing ({exc})")
    if isinstance(exc, sqlite3.OperationalError | sqlite3.IntegrityError):
        return HistoryError(
            f"{path}: unexpected history schema or content ({exc}); the file was changed "
            "outside hnbxl. Restore it from a backup or move it away")
    return HistoryError(f"{path}: the history could not be read ({exc})")


def _keep_definition(conn: sqlite3.Connection, digest: str, programme: str, source: str,
                     text: str) -> None:
    """Keep a definition's text under its hash, once (the same text again is a no-op)."""
    conn.execute("INSERT OR IGNORE INTO definitions VALUES (?,?,?,?,?)",
                 (digest, programme, source, text,
                  datetime.now(UTC).isoformat(timespec="seconds")))


class History:
    """A history file.  Reading a file that does not exist yet finds nothing."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """An open history at the current schema version; SQLite errors become one line.

        Reading a history that does not exist yet reads an empty one in memory.
        """
        if self.path.is_dir():
            raise HistoryError(f"{self.path}: is a folder, not a history file; move it away "
                               "(hnbxl makes the history on the first compile)")
        if not write and not self.path.exists():
            conn = sqlite3.connect(":memory:", isolation_level=None, factory=TextSafeConnection)
        else:
            if write:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT,
                                       factory=TextSafeConnection)
            except sqlite3.Error as exc:
                raise explain(exc, self.path) from None
        try:
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                schema.prepare(conn, self.path)
                yield conn
            except sqlite3.Error as exc:
                raise explain(exc, self.path) from None
        finally:
            conn.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A checked connection for read-only queries elsewhere in the store (the export)."""
        with self._connect() as conn:
            yield conn

    def create(self) -> None:
        """An empty history with its schema, so the folder is complete after ``init``."""
        with self._connect(write=True):
            pass

    def version(self) -> int:
        """The schema version of the file (0 when there is no file yet)."""
        if not self.path.is_file():
            return 0
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return schema.file_version(conn)
        except sqlite3.Error as exc:
            raise explain(exc, self.path) from None
        finally:
            conn.close()

    # -- reading

    def compiles(self, programme: str | None = None, include_replaced: bool = True
                 ) -> list[CompileRecord]:
        query = (
            "SELECT c.id, c.programme, c.period, c.definition_hash, c.extracted_on,"
            " c.compiled_at, c.output, c.output_sha256, c.active, c.replaced_by,"
            " (SELECT COUNT(*) FROM returns_used r WHERE r.compile_id = c.id), c.pdf,"
            " c.pdf_sha256, c.officer, c.officer_sha256 FROM compiles c"
            " WHERE c.state = 'done' AND (? IS NULL OR c.programme = ?)"
            + ("" if include_replaced else " AND c.active = 1") + " ORDER BY c.period, c.id")
        with self._connect() as conn:
            rows = conn.execute(query, (programme, programme)).fetchall()
        return [CompileRecord(r[0], r[1], Period.parse(r[2]), r[3], r[4], r[5], r[6], r[7],
                              bool(r[8]), r[9], r[10], r[11], r[12], r[13], r[14]) for r in rows]

    def snapshot(self, programme: str, period: Period) -> PeriodSnapshot | None:
        """The active compile of exactly this period."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id FROM compiles WHERE programme = ? AND period = ? AND active = 1",
                (programme, period.key)).fetchone()
            return self._snapshot(conn, row[0], period) if row else None

    def snapshot_before(self, programme: str, period: Period) -> PeriodSnapshot | None:
        """The latest active compile before ``period``: the report's "last period"."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, period FROM compiles WHERE programme = ? AND period < ? AND active = 1"
                " ORDER BY period DESC LIMIT 1", (programme, period.key)).fetchone()
            return self._snapshot(conn, row[0], Period.parse(row[1])) if row else None

    def store_definition(self, programme: Programme) -> None:
        """Keep a definition's text, keyed by its hash (once; the same text again is a no-op).

        Called when forms are generated, so every return can later be read
        through the definition it was made from.
        """
        with self._connect(write=True) as conn:
            _keep_definition(conn, programme.hash, programme.id, programme.source,
                             programme.text)

    def definition_text(self, digest: str) -> tuple[str, str, str] | None:
        """(hash, source, text) of a stored definition, by its hash or a unique prefix."""
        with self._connect() as conn:
            # A prefix compared exactly (substr), never as a LIKE pattern: a '%' or '_'
            # in a file's hash property must not match as a wildcard.
            prefix = digest.lower()
            rows = conn.execute("SELECT hash, source, text FROM definitions"
                                " WHERE substr(hash, 1, ?) = ?",
                                (len(prefix), prefix)).fetchall()
        return (rows[0][0], rows[0][1], rows[0][2]) if len(rows) == 1 else None

    def definition_stored_at(self, digest: str) -> str | None:
        """When a definition version was first kept (UTC, ISO), or None when it is not."""
        with self._connect() as conn:
            row = conn.execute("SELECT stored_at FROM definitions WHERE hash = ?",
                               (digest,)).fetchone()
        return str(row[0]) if row else None

    def definitions(self, programme: str) -> list[tuple[str, str, str]]:
        """(hash, source, stored at) of every stored definition of a programme, oldest first."""
        with self._connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(
                "SELECT hash, source, stored_at FROM definitions WHERE programme = ?"
                " ORDER BY stored_at, rowid", (programme,)).fetchall()]

    def ratings_in_use(self, programme: str) -> dict[str, list[tuple[str, str]]]:
        """RAG key -> (period, item) of every rating the active compiles hold."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT r.rag, c.period, r.item FROM ratings r"
                " JOIN compiles c ON c.id = r.compile_id"
                " WHERE c.programme = ? AND c.active = 1 ORDER BY c.period, r.rowid",
                (programme,)).fetchall()
        out: dict[str, list[tuple[str, str]]] = {}
        for rag, period, item in rows:
            out.setdefault(rag, []).append((period, item))
        return out

    def risk_ids(self, programme: str, period: Period) -> tuple[frozenset[str], dict[str, str]]:
        """Risk ids history holds: (every id recorded for other periods, and name -> id
        of the risks earlier compiles of ``period`` recorded).

        A new risk never takes an id another risk has had, and a recompile of its
        month gives it the id it was given the first time.
        """
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT r.risk_id, r.name, c.period = ? FROM risks r"
                " JOIN compiles c ON c.id = r.compile_id WHERE c.programme = ?"
                " ORDER BY c.id", (period.key, programme)).fetchall()
        others = frozenset(i for i, _name, same in rows if not same)
        again = {name: i for i, name, same in rows if same}
        return others, again

    def snapshot_by_digest(self, programme: str, period: Period, digest: str
                           ) -> PeriodSnapshot | None:
        """Any compile of ``period`` (replaced ones too) whose content has ``digest``."""
        with self._connect() as conn:
            ids = conn.execute(
                "SELECT id FROM compiles WHERE programme = ? AND period = ? AND state = 'done'"
                " ORDER BY id DESC",
                (programme, period.key)).fetchall()
            for (compile_id,) in ids:
                snap = self._snapshot(conn, compile_id, period)
                if snap.digest == digest:
                    return snap
        return None

    def values(self, compile_id: int) -> list[tuple[str, Any, str, str, str]]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT field, value_json, file, sheet, cell FROM field_values"
                " WHERE compile_id = ? ORDER BY rowid", (compile_id,)).fetchall()
        return [(f, json.loads(v), file, sheet, cell) for f, v, file, sheet, cell in rows]

    def timeline(self, programme: str, until: Period | None = None) -> list[PeriodRecord]:
        """Every active compile, oldest first; only periods before ``until`` when given.

        The report's trajectory chart, ratings over time and sparklines, and the
        typed export, all read the months side by side from here.
        """
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, period, definition_hash FROM compiles"
                " WHERE programme = ? AND active = 1 AND state = 'done'"
                " AND (? IS NULL OR period < ?)"
                " ORDER BY period", (programme, until and until.key, until and until.key)
            ).fetchall()
            out = []
            for compile_id, period_key, definition_hash in rows:
                period = Period.parse(period_key)
                ratings = {
                    r[0]: RatingRecord(r[0], r[1], r[2], bool(r[3]), r[4], r[5])
                    for r in conn.execute(
                        "SELECT item, rag, computed, overridden, reason, basis FROM ratings"
                        " WHERE compile_id = ? ORDER BY rowid", (compile_id,))
                }
                values = {
                    f: FieldValue(f, _from_json(json.loads(v), f),
                                  Provenance(file, sha, sheet, cell))
                    for f, v, file, sha, sheet, cell in conn.execute(
                        "SELECT field, value_json, file, sha256, sheet, cell FROM field_values"
                        " WHERE compile_id = ? ORDER BY rowid", (compile_id,))
                }
                risks = self._snapshot(conn, compile_id, period).risks
                out.append(PeriodRecord(compile_id, period, definition_hash, ratings, values,
                                        risks))
        return out

    def returns(self, compile_id: int) -> list[ReturnRecord]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT sha256, file, stored_as, owner, sections, note FROM returns_used"
                " WHERE compile_id = ? ORDER BY rowid", (compile_id,)).fetchall()
        return [ReturnRecord(r[0], r[1], r[2], r[3], tuple(r[4].split(",")), r[5]) for r in rows]

    @staticmethod
    def _snapshot(conn: sqlite3.Connection, compile_id: int, period: Period) -> PeriodSnapshot:
        ratings = dict(conn.execute(
            "SELECT item, rag FROM ratings WHERE compile_id = ? ORDER BY rowid",
            (compile_id,)).fetchall())
        figures = dict(conn.execute(
            "SELECT item, display FROM figures WHERE compile_id = ? ORDER BY rowid",
            (compile_id,)).fetchall())
        risks = tuple(
            Risk(id=r[0], name=r[1], risk=r[2], likelihood=r[3], impact=r[4], action=r[5],
                 direction=r[6], target=r[7], updated=Period.parse(r[8]), status=r[9])
            for r in conn.execute(
                "SELECT risk_id, name, risk, likelihood, impact, action, direction, target,"
                " updated, status FROM risks WHERE compile_id = ? ORDER BY position",
                (compile_id,)).fetchall()
        )
        values: dict[str, Any] = {}
        explanations: dict[str, str] = {}
        reported: set[str] = set()
        for name, text in conn.execute(
                "SELECT field, value_json FROM field_values WHERE compile_id = ? ORDER BY rowid",
                (compile_id,)).fetchall():
            value = json.loads(text)
            reported.add(name.rsplit(".", 1)[0])
            if name.endswith(".explanation") and isinstance(value, str):
                explanations[FieldKey(name).item] = value
            elif FieldKey(name).field in _SNAPSHOT_PARTS:
                values[name] = value
        values.update(_latest_before(conn, compile_id, period, reported))
        return PeriodSnapshot(period, ratings, figures, risks, values, explanations)

    # -- writing: a compile is recorded pending, its files published, then marked done

    def record_pending(self, new: NewCompile, files: list[PublishedFile]) -> int:
        """Write one compile as *pending*, with the files it will publish; one transaction.

        A pending compile is invisible to every reader.  :meth:`mark_done` makes
        it the period's current compile; :meth:`forget_pending` takes it away.
        """
        with self._connect(write=True) as conn, atomic(conn, crash="pending"):
            compile_id = self._insert(conn, new)
            conn.executemany(
                "INSERT INTO published VALUES (?,?,?,?,?,?)",
                [(compile_id, f.kind, f.path, f.sha256, f.staged, int(f.created))
                 for f in files])
        return compile_id

    def mark_done(self, compile_id: int) -> None:
        """The commit point: the pending compile becomes current, the one it replaces is kept.

        Marking a compile that is already done changes nothing.
        """
        with self._connect(write=True) as conn, atomic(conn, crash="done"):
            row = conn.execute("SELECT programme, period, state FROM compiles WHERE id = ?",
                               (compile_id,)).fetchone()
            if row is None:
                raise HistoryError(f"{self.path}: compile {compile_id} is not recorded")
            programme, period, state = row
            previous = conn.execute(
                "SELECT id FROM compiles WHERE programme = ? AND period = ? AND active = 1"
                " AND id != ?", (programme, period, compile_id)).fetchone()
            if state != "done":
                if previous:
                    conn.execute("UPDATE compiles SET active = 0, replaced_by = ? WHERE id = ?",
                                 (compile_id, previous[0]))
                conn.execute("UPDATE compiles SET state = 'done', active = 1 WHERE id = ?",
                             (compile_id,))

    def pending(self) -> list[tuple[int, str, str, list[PublishedFile]]]:
        """Compiles recorded as pending: ``(id, programme, period, files)``."""
        if not self.path.is_file():
            return []
        with self._connect() as conn:
            rows = conn.execute("SELECT id, programme, period FROM compiles"
                                " WHERE state = 'pending' ORDER BY id").fetchall()
            out = []
            for compile_id, programme, period in rows:
                files = [PublishedFile(r[0], r[1], r[2], r[3], bool(r[4])) for r in conn.execute(
                    "SELECT kind, path, sha256, staged, created FROM published"
                    " WHERE compile_id = ? ORDER BY rowid", (compile_id,))]
                out.append((compile_id, programme, period, files))
        return out

    def state(self, compile_id: int) -> str | None:
        """``pending``, ``done``, or None when there is no such compile."""
        with self._connect() as conn:
            row = conn.execute("SELECT state FROM compiles WHERE id = ?",
                               (compile_id,)).fetchone()
        return row[0] if row else None

    def forget_pending(self, compile_id: int) -> bool:
        """Remove a pending compile's rows from every table; a done compile is left alone.

        Every table with a ``compile_id`` column is cleared for it, so tables
        added by later schema versions are covered too.  Returns whether it
        removed anything.
        """
        with self._connect(write=True) as conn, atomic(conn):
            row = conn.execute("SELECT state FROM compiles WHERE id = ?",
                               (compile_id,)).fetchone()
            if row is None or row[0] != "pending":
                return False  # nothing written: the empty transaction commits
            tables = [name for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")
                if any(col[1] == "compile_id"
                       for col in conn.execute(f'PRAGMA table_info("{name}")'))]
            for name in tables:
                conn.execute(f'DELETE FROM "{name}" WHERE compile_id = ?', (compile_id,))
            conn.execute("DELETE FROM compiles WHERE id = ? AND state = 'pending'",
                         (compile_id,))
        return True

    def recorded_paths(self, kept_returns: bool = False) -> set[str]:
        """Every output, PDF and officer workbook path any compile (pending ones too) names.

        With ``kept_returns``, also every kept return and every published file:
        all the files history vouches for, none of which a command may replace.
        """
        with self._connect() as conn:
            rows = conn.execute("SELECT output, pdf, officer FROM compiles").fetchall()
            if kept_returns:
                rows += conn.execute("SELECT stored_as, NULL FROM returns_used").fetchall()
                with contextlib.suppress(sqlite3.OperationalError):  # before schema 2
                    rows += conn.execute("SELECT path, NULL FROM published").fetchall()
        return {p for row in rows for p in row if p}

    @staticmethod
    def _insert(conn: sqlite3.Connection, new: NewCompile) -> int:
        cur = conn.execute(
            "INSERT INTO compiles (programme, period, definition_hash, extracted_on,"
            " compiled_at, output, output_sha256, active, state, pdf, pdf_sha256, officer,"
            " officer_sha256) VALUES (?,?,?,?,?,?,?,0,'pending',?,?,?,?)",
            (new.programme, new.period.key, new.definition_hash, new.extracted_on,
             datetime.now(UTC).isoformat(timespec="seconds"), new.output,
             new.output_sha256, new.pdf, new.pdf_sha256, new.officer, new.officer_sha256))
        compile_id = int(cur.lastrowid or 0)
        if new.definition_text:
            _keep_definition(conn, new.definition_hash, new.programme, new.definition_source,
                             new.definition_text)
        conn.executemany(
            "INSERT INTO returns_used VALUES (?,?,?,?,?,?,?)",
            [(compile_id, r.sha256, r.file, r.stored_as, r.owner, ",".join(r.sections),
              r.note) for r in new.returns])
        conn.executemany(
            "INSERT INTO field_values VALUES (?,?,?,?,?,?,?)",
            [(compile_id, v.field, json.dumps(_jsonable(v.value), ensure_ascii=False),
              v.provenance.file, v.provenance.sha256, v.provenance.sheet,
              v.provenance.cell) for v in new.values])
        conn.executemany(
            "INSERT INTO ratings VALUES (?,?,?,?,?,?,?)",
            [(compile_id, r.item, r.rag, r.computed, int(r.overridden), r.reason, r.basis)
             for r in new.ratings])
        conn.executemany("INSERT INTO figures VALUES (?,?,?)",
                         [(compile_id, k, v) for k, v in new.figures.items()])
        conn.executemany(
            "INSERT INTO risks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(compile_id, i, r.id, r.name, r.risk, r.likelihood, r.impact, r.action,
              r.direction, r.target, r.updated.key, r.status)
             for i, r in enumerate(new.risks)])
        conn.executemany(
            "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(compile_id, i.code, str(i.severity), i.file, i.sheet, i.cell, i.field,
              i.found, i.expected, i.message) for i in new.issues])
        return compile_id


def _from_json(value: Any, field: str) -> Any:
    """A stored value as it was typed: months (``*.last_update``, ``*.updated``) as periods."""
    if isinstance(value, str) and field.endswith((".last_update", ".updated")):
        try:
            return Period.parse(value)
        except ValueError:
            return value
    return value


def _latest_before(conn: sqlite3.Connection, compile_id: int, period: Period,
                   reported: set[str]) -> dict[str, Any]:
    """The latest earlier figures of rows this compile holds nothing for.

    A quarterly row is not asked for between its due months, so the latest
    figure it has is an earlier period's; the queries of its next due month
    compare with that (quarter with quarter), not with nothing.  History
    itself keeps each figure only against the period it was given in.
    """
    out: dict[str, Any] = {}
    newest: dict[str, int] = {}  # item -> the latest compile that holds anything of it
    rows = conn.execute(
        "SELECT c.id, f.field, f.value_json FROM field_values f"
        " JOIN compiles c ON c.id = f.compile_id"
        " WHERE c.programme = (SELECT programme FROM compiles WHERE id = ?) AND c.period < ?"
        " AND c.active = 1 AND c.state = 'done' ORDER BY c.period DESC, f.rowid",
        (compile_id, period.key)).fetchall()
    for held_in, name, text in rows:
        item, _, part = name.rpartition(".")
        if item in reported or newest.setdefault(item, held_in) != held_in:
            continue
        if part in _SNAPSHOT_PARTS:
            out[name] = json.loads(text)
    return out


_SNAPSHOT_PARTS = ("figure", "share_base", "this_quarter", "disclosure")


def _jsonable(value: object) -> object:
    if isinstance(value, Period):
        return value.key
    return value
