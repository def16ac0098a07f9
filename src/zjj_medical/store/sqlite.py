"""The SQLite ledger store: one file, WAL journal, a schema version, person-year transactions.

:meth:`SQLiteStore.transaction` takes SQLite's write lock (``BEGIN IMMEDIATE``) for the
person-year it names. SQLite has one write lock per file, so writers of *different*
person-years are serialised too (each waits for the lock up to ``timeout`` seconds); the
interface promises no more than the person-year lock, and a server database can let them
run side by side. Two processes settling claims of the same person never interleave inside
a transaction, so no update is lost. A transaction that raises, or a process that dies
before ``COMMIT``, leaves the file as it was (SQLite's atomic commit). A file that is not a
SQLite database, or a SQLite database of another application, is refused with
:class:`~zjj_medical.errors.StoreError`.

>>> store = SQLiteStore(":memory:")
>>> store.ledger("P1", 2019) is None, store.schema_version
(True, 3)
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from zjj_medical.errors import DuplicateClaim, StoreError
from zjj_medical.store.base import PersonYear
from zjj_medical.store.journal import GENESIS
from zjj_medical.store.records import StoredSettlement
from zjj_medical.store.sql_tables import COLUMNS, PLACEHOLDERS, SQLTables
from zjj_medical.store.sqlite_access import SQLiteAccess
from zjj_medical.store.sqlite_schema import (
    SCHEMA,
    SCHEMA_TABLE,
    SCHEMA_VERSION,
    UPGRADE,
    check_file,
    check_store,
)

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "SQLiteStore"]

#: ``PRAGMA application_id`` of a zjj_medical ledger store (the bytes ``zjjm``).
APPLICATION_ID = 0x7A6A6A6D

_SYNC = ("OFF", "NORMAL", "FULL", "EXTRA")


def _memory(path: str) -> bool:
    return path == ":memory:"


def _writable(path: str) -> bool:
    """Whether the store file can be written: the file, and its directory (SQLite keeps the
    write-ahead log and its index beside the file)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return True  # SQLite says it cannot open the file
    if os.path.exists(path):
        return os.access(path, os.W_OK) and os.access(folder, os.W_OK)
    return os.access(folder, os.W_OK)


class SQLiteStore(SQLTables, SQLiteAccess):
    """A :class:`~zjj_medical.store.base.LedgerStore` in one SQLite file.

    Args:
        path: the database file (created when absent or empty), or ``":memory:"`` (for
            tests: nothing is kept when it is closed).
        timeout: seconds to wait for another writer before giving up with ``StoreError``.
        synchronous: SQLite's ``PRAGMA synchronous`` (``FULL``: a committed settlement
            survives a power cut; ``NORMAL``: it survives a crash of the process).
        check: run the cheap check on open — SQLite's quick check on a small file, the
            journal's last posting against the recorded chain head. A file cut short is
            refused even without it.

    A file that cannot be written (the file or its directory is read-only) is opened
    read-only: reads work, a write transaction raises ``StoreError`` (``store.read_only``).
    A store of an older schema version is upgraded on open. The connection may be used
    from any thread, one at a time (the caller serialises; the settlement service keeps
    one store per thread).

    Raises:
        StoreError: the file is not a SQLite database, is another application's
            database, has a newer schema than this version understands, or is damaged
            (``store.damaged``: cut short, failing SQLite's quick check, or a journal whose
            last posting is not the recorded head).
    """

    #: SQLite's write lock taken at once: a writer waits at BEGIN, never half-way.
    _BEGIN_WRITE = "BEGIN IMMEDIATE"

    def __init__(
        self,
        path: str | Path,
        *,
        timeout: float = 30.0,
        synchronous: str = "FULL",
        check: bool = True,
    ) -> None:
        self.path = str(path)
        if synchronous.upper() not in _SYNC:
            raise StoreError(
                code="store.synchronous", params={"value": synchronous, "accepted": list(_SYNC)}
            )
        self._in_write = False
        self._in_read = False
        self._open_year: PersonYear | None = None
        #: True when the file (or its directory) cannot be written: reads only.
        self.read_only = not _memory(self.path) and not _writable(self.path)
        if not _memory(self.path):
            check_file(self.path)
        self._conn = self._connect(timeout)
        try:
            self._open(synchronous.upper(), check=check)
        except BaseException:
            self._conn.close()
            raise

    # -- opening ------------------------------------------------------------------------------
    def _connect(self, timeout: float, *, immutable: bool = False) -> sqlite3.Connection:
        target, uri = self.path, False
        if self.read_only:
            if not os.path.exists(self.path):
                raise StoreError(
                    code="store.read_only.create", params={"db": self.path}, field="db"
                )
            mode = "ro&immutable=1" if immutable else "ro"
            target, uri = f"file:{quote(os.path.abspath(self.path))}?mode={mode}", True
        try:
            return sqlite3.connect(
                target, timeout=timeout, isolation_level=None, uri=uri, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(
                code="store.open", params={"db": self.path, "detail": str(exc)}
            ) from None

    def _open(self, synchronous: str, *, check: bool) -> None:
        tables, app_id = self._inspect_read_only() if self.read_only else self._inspect()
        if not tables and app_id == 0:
            if self.read_only:
                raise StoreError(
                    code="store.read_only.create", params={"db": self.path}, field="db"
                )
            if not _memory(self.path):
                self._exec("PRAGMA journal_mode=WAL")
            self._initialise()
            tables, app_id = self._inspect()
        if app_id != APPLICATION_ID or SCHEMA_TABLE not in tables:
            found = ", ".join(sorted(tables)) or "none"
            raise StoreError(
                code="store.foreign",
                params={"db": self.path, "application_id": f"{app_id:#x}", "tables": found},
                field="db",
            )
        self.schema_version = self._version()
        if self.schema_version > SCHEMA_VERSION:
            raise StoreError(
                code="store.schema.newer",
                params={"db": self.path, "version": self.schema_version, "known": SCHEMA_VERSION},
                field="db",
            )
        if not self.read_only:
            if not _memory(self.path):
                self._exec("PRAGMA journal_mode=WAL")
            self._exec(f"PRAGMA synchronous={synchronous}")
            self._exec("PRAGMA foreign_keys=ON")
        if self.schema_version < SCHEMA_VERSION:
            self._upgrade()
        if check:
            check_store(self._conn, self.path)

    def _version(self) -> int:
        row = self._exec(f"SELECT version FROM {SCHEMA_TABLE}").fetchall()
        if len(row) != 1:
            raise StoreError(code="store.schema.damaged", params={"db": self.path}, field="db")
        return int(row[0][0])

    def _inspect(self) -> tuple[set[str], int]:
        try:
            tables = {
                r[0]
                for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            app_id = int(self._conn.execute("PRAGMA application_id").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            if "malformed" in str(exc):
                raise StoreError(
                    code="store.damaged", params={"db": self.path, "detail": str(exc)}, field="db"
                ) from None
            raise StoreError(
                code="store.not_sqlite", params={"db": self.path, "detail": str(exc)}, field="db"
            ) from None
        return tables - {"sqlite_sequence"}, app_id

    def _inspect_read_only(self) -> tuple[set[str], int]:
        """Read-only: a store in WAL mode needs its ``-shm`` file, which a read-only directory
        cannot hold; with no write-ahead log left to read, the file is read as immutable."""
        try:
            return self._inspect()
        except StoreError as exc:
            if "readonly" not in str(exc) and "unable to open" not in str(exc):
                raise
            wal = self.path + "-wal"
            if os.path.exists(wal) and os.path.getsize(wal):
                raise StoreError(
                    code="store.read_only.wal", params={"db": self.path, "wal": wal}, field="db"
                ) from None
        timeout = self._conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
        self._conn.close()
        self._conn = self._connect(timeout, immutable=True)
        return self._inspect()

    def _initialise(self) -> None:
        with self._write():
            tables, app_id = self._inspect()
            if tables or app_id != 0:  # another process initialised it meanwhile
                return
            for statement in SCHEMA:
                self._exec(statement)
            self._exec("INSERT INTO journal_head VALUES (1, 0, ?)", (GENESIS,))
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self._exec(f"INSERT INTO {SCHEMA_TABLE} VALUES (?, ?)", (SCHEMA_VERSION, now))
            self._exec(f"PRAGMA application_id={APPLICATION_ID}")

    def _upgrade(self) -> None:
        """Bring an older store to this schema version, in one transaction."""
        if self.read_only:
            raise StoreError(
                code="store.read_only.upgrade",
                params={"db": self.path, "version": self.schema_version, "known": SCHEMA_VERSION},
                field="db",
            )
        with self._write():
            version = self._version()  # another process may have upgraded it meanwhile
            if version == 1:
                self._upgrade_1()
                version = 2
            if version == 2:
                for statement in UPGRADE[2]:
                    self._exec(statement)
            if version < SCHEMA_VERSION:
                self._exec(f"UPDATE {SCHEMA_TABLE} SET version = ?", (SCHEMA_VERSION,))
        self.schema_version = SCHEMA_VERSION

    def _upgrade_1(self) -> None:
        """Version 1 to 2: the journal, its first postings written from the settlements."""
        for statement in UPGRADE[1]:
            self._exec(statement)
        self._exec("INSERT INTO journal_head VALUES (1, 0, ?)", (GENESIS,))
        rows = self._exec(
            f"SELECT {COLUMNS} FROM settlements ORDER BY person_id, year, seq"
        ).fetchall()
        for row in rows:
            record = self._record(row)
            body = {"migrated": True, "record": record.to_dict()}
            self._append("settle", record.person_id, record.year, record.claim_id, body)

    # -- plumbing -----------------------------------------------------------------------------
    def _exec(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> StoreError:
        params = {"db": self.path, "detail": str(exc)}
        if isinstance(exc, sqlite3.OperationalError) and (
            "locked" in str(exc) or "busy" in str(exc)
        ):
            return StoreError(code="store.locked", params=params)
        return StoreError(code="store.sqlite", params=params)

    def _rollback(self) -> None:
        with suppress(sqlite3.Error):
            self._conn.execute("ROLLBACK")

    @contextmanager
    def transaction(self, person_id: str, year: int) -> Iterator[None]:
        """A write transaction on a person-year: commit, or roll back on error.

        It takes SQLite's write lock (``BEGIN IMMEDIATE``), which also holds off writers
        of other person-years until it ends.
        """
        if self.read_only:
            raise StoreError(code="store.read_only", params={"db": self.path})
        with self._write():
            self._open_year = (person_id, year)
            try:
                yield
            finally:
                self._open_year = None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction; inside a write transaction it simply reads that one."""
        if self._in_write or self._in_read:
            yield
            return
        self._exec("BEGIN DEFERRED")
        self._in_read = True
        try:
            yield
        finally:
            self._in_read = False
            with suppress(sqlite3.Error):
                self._conn.execute("COMMIT")

    def lost(self) -> bool:
        """False: a file has no connection to lose."""
        return False

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -------------------------------------------------------------------------------
    def _insert_settlement(self, record: StoredSettlement) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO settlements ({COLUMNS}) VALUES ({PLACEHOLDERS})",
                self._values(record),
            )
        except sqlite3.IntegrityError as exc:
            if "settlements.claim_id" not in str(exc):
                raise self._error(exc) from None
            raise DuplicateClaim(  # says nothing of the person-year that holds it
                code="store.claim.stored", params={"claim_id": record.claim_id},
                claim_id=record.claim_id, field="id",
            ) from None  # fmt: skip
        except sqlite3.Error as exc:
            raise self._error(exc) from None
