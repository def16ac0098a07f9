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
(True, 1)
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

from zjj_medical.engine.ledger import Ledger
from zjj_medical.errors import DuplicateClaim, StoreError
from zjj_medical.money import ZERO, format_money
from zjj_medical.store.base import PersonYear, check_person_year
from zjj_medical.store.records import (
    Adjustment,
    Reversal,
    StoredSettlement,
    _signed,
    record_from_dict,
)

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "SQLiteStore"]

#: ``PRAGMA application_id`` of a zjj_medical ledger store (the bytes ``zjjm``).
APPLICATION_ID = 0x7A6A6A6D
#: The schema version this code writes and reads.
SCHEMA_VERSION = 1
_SCHEMA_TABLE = "zjj_medical_schema"

_SCHEMA = f"""
CREATE TABLE {_SCHEMA_TABLE} (version INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE ledgers (
    person_id TEXT NOT NULL, year INTEGER NOT NULL, ledger TEXT NOT NULL,
    PRIMARY KEY (person_id, year)
);
CREATE TABLE settlements (
    claim_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL, year INTEGER NOT NULL, seq INTEGER NOT NULL,
    date TEXT NOT NULL, facility TEXT NOT NULL,
    settlement TEXT NOT NULL, ledger TEXT NOT NULL,
    claim TEXT NOT NULL, person TEXT NOT NULL, content_hash TEXT NOT NULL,
    policy_id TEXT NOT NULL, policy_version TEXT NOT NULL, settled_at TEXT NOT NULL,
    UNIQUE (person_id, year, seq)
);
CREATE INDEX settlements_by_date ON settlements (date, facility);
CREATE TABLE reversals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id TEXT NOT NULL, person_id TEXT NOT NULL, year INTEGER NOT NULL,
    record TEXT NOT NULL, reversed_at TEXT NOT NULL
);
CREATE TABLE adjustments (
    reversal_id INTEGER NOT NULL REFERENCES reversals (id),
    position INTEGER NOT NULL, claim_id TEXT NOT NULL,
    old_patient_pay TEXT NOT NULL, new_patient_pay TEXT NOT NULL,
    PRIMARY KEY (reversal_id, position)
);
CREATE TABLE adjustment_layers (
    reversal_id INTEGER NOT NULL, position INTEGER NOT NULL, layer TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, delta TEXT NOT NULL,
    PRIMARY KEY (reversal_id, position, layer),
    FOREIGN KEY (reversal_id, position) REFERENCES adjustments (reversal_id, position)
);
"""

_COLUMNS = (
    "claim_id, person_id, year, seq, date, facility, settlement, ledger, claim, person, "
    "content_hash, policy_id, policy_version, settled_at"
)
_PLACEHOLDERS = ", ".join("?" for _ in _COLUMNS.split(","))
_SYNC = ("OFF", "NORMAL", "FULL", "EXTRA")


def _dump(obj: Any) -> str:
    # Key order is kept: payments are listed in policy order (SPEC §6).
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class SQLiteStore:
    """A :class:`~zjj_medical.store.base.LedgerStore` in one SQLite file.

    Args:
        path: the database file (created when absent or empty), or ``":memory:"``.
        timeout: seconds to wait for another writer before giving up with ``StoreError``.
        synchronous: SQLite's ``PRAGMA synchronous`` (``FULL``: a committed settlement
            survives a power cut; ``NORMAL``: it survives a crash of the process).

    Raises:
        StoreError: the file is not a SQLite database, is another application's
            database, or has a newer schema than this version understands.
    """

    def __init__(
        self, path: str | Path, *, timeout: float = 30.0, synchronous: str = "FULL"
    ) -> None:
        self.path = str(path)
        if synchronous.upper() not in _SYNC:
            raise StoreError(
                code="store.synchronous", params={"value": synchronous, "accepted": list(_SYNC)}
            )
        self._in_write = False
        self._in_read = False
        self._open_year: PersonYear | None = None
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(
                code="store.open", params={"db": self.path, "detail": str(exc)}
            ) from None
        try:
            self._open(synchronous.upper())
        except BaseException:
            self._conn.close()
            raise

    # -- opening ------------------------------------------------------------------------------
    def _open(self, synchronous: str) -> None:
        tables, app_id = self._inspect()
        if not tables and app_id == 0:
            if self.path != ":memory:":
                self._exec("PRAGMA journal_mode=WAL")
            self._initialise()
            tables, app_id = self._inspect()
        if app_id != APPLICATION_ID or _SCHEMA_TABLE not in tables:
            found = ", ".join(sorted(tables)) or "none"
            raise StoreError(
                code="store.foreign",
                params={"db": self.path, "application_id": f"{app_id:#x}", "tables": found},
                field="db",
            )
        row = self._exec(f"SELECT version FROM {_SCHEMA_TABLE}").fetchall()
        if len(row) != 1:
            raise StoreError(code="store.schema.damaged", params={"db": self.path}, field="db")
        self.schema_version = int(row[0][0])
        if self.schema_version > SCHEMA_VERSION:
            raise StoreError(
                code="store.schema.newer",
                params={"db": self.path, "version": self.schema_version, "known": SCHEMA_VERSION},
                field="db",
            )
        if self.path != ":memory:":
            self._exec("PRAGMA journal_mode=WAL")
        self._exec(f"PRAGMA synchronous={synchronous}")
        self._exec("PRAGMA foreign_keys=ON")

    def _inspect(self) -> tuple[set[str], int]:
        try:
            tables = {
                r[0]
                for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            app_id = int(self._conn.execute("PRAGMA application_id").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                code="store.not_sqlite", params={"db": self.path, "detail": str(exc)}, field="db"
            ) from None
        return tables - {"sqlite_sequence"}, app_id

    def _initialise(self) -> None:
        with self._write():
            tables, app_id = self._inspect()
            if tables or app_id != 0:  # another process initialised it meanwhile
                return
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._exec(statement)
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self._exec(f"INSERT INTO {_SCHEMA_TABLE} VALUES (?, ?)", (SCHEMA_VERSION, now))
            self._exec(f"PRAGMA application_id={APPLICATION_ID}")

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

    @contextmanager
    def _write(self) -> Iterator[None]:
        if self._in_write or self._in_read:
            raise StoreError(code="store.transaction.open")
        self._exec("BEGIN IMMEDIATE")
        self._in_write = True
        try:
            yield
        except BaseException:
            self._in_write = False
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise
        try:
            self._exec("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
            raise
        finally:
            self._in_write = False

    @contextmanager
    def transaction(self, person_id: str, year: int) -> Iterator[None]:
        """A write transaction on a person-year: commit, or roll back on error.

        It takes SQLite's write lock (``BEGIN IMMEDIATE``), which also holds off writers
        of other person-years until it ends.
        """
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

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- rows ---------------------------------------------------------------------------------
    def _record(self, row: Sequence[Any]) -> StoredSettlement:
        claim_id = row[0]
        try:
            return record_from_dict(
                {
                    "settlement": json.loads(row[6]),
                    "ledger": json.loads(row[7]),
                    "claim": json.loads(row[8]),
                    "person": json.loads(row[9]),
                    "content_hash": row[10],
                    "policy_id": row[11],
                    "policy_version": row[12],
                    "facility": row[5],
                    "seq": row[3],
                    "settled_at": row[13],
                }
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise StoreError(
                code="store.settlement.damaged",
                params={"db": self.path, "claim_id": claim_id, "detail": str(exc)},
                claim_id=claim_id,
            ) from None

    # -- reads --------------------------------------------------------------------------------
    def ledger(self, person_id: str, year: int) -> Ledger | None:
        """The person-year's ledger, ``None`` when nothing is settled."""
        row = self._exec(
            "SELECT ledger FROM ledgers WHERE person_id = ? AND year = ?", (person_id, year)
        ).fetchone()
        if row is None:
            return None
        try:
            return Ledger.from_dict(json.loads(row[0]))
        except ValueError as exc:
            raise StoreError(
                code="store.ledger.damaged",
                params={"db": self.path, "person_id": person_id, "year": year, "detail": str(exc)},
            ) from None

    def settlements(self, person_id: str, year: int) -> list[StoredSettlement]:
        """The person-year's settlements in the order they were settled."""
        rows = self._exec(
            f"SELECT {_COLUMNS} FROM settlements WHERE person_id = ? AND year = ? ORDER BY seq",
            (person_id, year),
        ).fetchall()
        return [self._record(r) for r in rows]

    def settlement(self, claim_id: str) -> StoredSettlement | None:
        """The stored settlement of a claim id, ``None`` when there is none."""
        row = self._exec(
            f"SELECT {_COLUMNS} FROM settlements WHERE claim_id = ?", (claim_id,)
        ).fetchone()
        return None if row is None else self._record(row)

    def years(self, person_id: str) -> list[int]:
        """The years the person has settlements in, ascending."""
        rows = self._exec(
            "SELECT DISTINCT year FROM settlements WHERE person_id = ? ORDER BY year", (person_id,)
        ).fetchall()
        return [int(r[0]) for r in rows]

    def find(
        self, *, date: dt.date | None = None, facility: str | None = None
    ) -> list[StoredSettlement]:
        """Settlements by claim date and facility key (``None``: any)."""
        day = None if date is None else date.isoformat()
        rows = self._exec(
            f"SELECT {_COLUMNS} FROM settlements WHERE (?1 IS NULL OR date = ?1) "
            "AND (?2 IS NULL OR facility = ?2) ORDER BY date, person_id, year, seq",
            (day, facility),
        ).fetchall()
        return [self._record(r) for r in rows]

    def reversals(self, claim_id: str | None = None) -> list[Reversal]:
        """Reversals (all, or of one claim id), oldest first."""
        rows = self._exec(
            "SELECT id, record, reversed_at FROM reversals WHERE (?1 IS NULL OR claim_id = ?1) "
            "ORDER BY id",
            (claim_id,),
        ).fetchall()
        out = []
        for rid, record, at in rows:
            adjustments = []
            for position, cid, old_pp, new_pp in self._exec(
                "SELECT position, claim_id, old_patient_pay, new_patient_pay FROM adjustments "
                "WHERE reversal_id = ? ORDER BY position",
                (rid,),
            ).fetchall():
                layers = self._exec(
                    "SELECT layer, old, new FROM adjustment_layers "
                    "WHERE reversal_id = ? AND position = ? ORDER BY rowid",
                    (rid, position),
                ).fetchall()
                adjustments.append(
                    Adjustment(
                        cid,
                        {k: Decimal(o) for k, o, _ in layers},
                        {k: Decimal(n) for k, _, n in layers},
                        Decimal(old_pp),
                        Decimal(new_pp),
                    )
                )
            out.append(Reversal(rid, record_from_dict(json.loads(record)), tuple(adjustments), at))
        return out

    def next_seq(self, person_id: str, year: int) -> int:
        """One more than the highest place used in the person-year (1 for the first)."""
        row = self._exec(
            "SELECT COALESCE(MAX(seq), 0) FROM settlements WHERE person_id = ? AND year = ?",
            (person_id, year),
        ).fetchone()
        return int(row[0]) + 1

    # -- writes -------------------------------------------------------------------------------
    def _values(self, r: StoredSettlement) -> tuple[Any, ...]:
        return (
            r.claim_id, r.person_id, r.year, r.seq, r.date.isoformat(), r.facility,
            _dump(r.settlement.to_dict()), _dump(r.settlement.ledger.to_dict()),
            _dump(dict(r.claim)), _dump(dict(r.person)), r.content_hash,
            r.policy_id, r.policy_version, r.settled_at,
        )  # fmt: skip

    def add_settlement(self, record: StoredSettlement) -> None:
        """Post a new settlement and make its ledger the person-year's ledger."""
        check_person_year("add_settlement", self._open_year, record.person_id, record.year)
        self._insert_settlement(record)
        self._put_ledger(record.settlement.ledger)

    def add_reversal(
        self, reversal: Reversal, resettled: list[StoredSettlement], ledger: Ledger
    ) -> int:
        """Re-settled records replace the stored ones, the reversed one goes; returns its id."""
        r = reversal.reversed
        for record in (r, *resettled):
            check_person_year("add_reversal", self._open_year, record.person_id, record.year)
        check_person_year("add_reversal", self._open_year, ledger.person_id, ledger.year)
        for record in resettled:
            self._replace_settlement(record)
        self._remove_settlement(r.claim_id)
        self._put_ledger(ledger)
        return self._insert_reversal(reversal)

    def _insert_settlement(self, record: StoredSettlement) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO settlements ({_COLUMNS}) VALUES ({_PLACEHOLDERS})",
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

    def _replace_settlement(self, record: StoredSettlement) -> None:
        cur = self._exec("DELETE FROM settlements WHERE claim_id = ?", (record.claim_id,))
        if cur.rowcount != 1:
            raise StoreError(
                code="store.claim.not_stored",
                params={"what": "add_reversal", "claim_id": record.claim_id},
            )
        self._insert_settlement(record)

    def _remove_settlement(self, claim_id: str) -> None:
        cur = self._exec("DELETE FROM settlements WHERE claim_id = ?", (claim_id,))
        if cur.rowcount != 1:
            raise StoreError(
                code="store.claim.not_stored",
                params={"what": "add_reversal", "claim_id": claim_id},
            )

    def _put_ledger(self, ledger: Ledger) -> None:
        if not ledger.claim_ids:
            self._exec(
                "DELETE FROM ledgers WHERE person_id = ? AND year = ?",
                (ledger.person_id, ledger.year),
            )
            return
        self._exec(
            "INSERT OR REPLACE INTO ledgers (person_id, year, ledger) VALUES (?, ?, ?)",
            (ledger.person_id, ledger.year, _dump(ledger.to_dict())),
        )

    def _insert_reversal(self, reversal: Reversal) -> int:
        r = reversal.reversed
        cur = self._exec(
            "INSERT INTO reversals (claim_id, person_id, year, record, reversed_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (r.claim_id, r.person_id, r.year, _dump(r.to_dict()), reversal.reversed_at),
        )
        rid = int(cur.lastrowid or 0)
        for position, adj in enumerate(reversal.adjustments, start=1):
            self._exec(
                "INSERT INTO adjustments VALUES (?, ?, ?, ?, ?)",
                (rid, position, adj.claim_id, str(adj.old_patient_pay), str(adj.new_patient_pay)),
            )
            for layer, delta in adj.deltas.items():
                self._exec(
                    "INSERT INTO adjustment_layers VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        rid, position, layer, format_money(adj.old.get(layer, ZERO)),
                        format_money(adj.new.get(layer, ZERO)), _signed(delta),
                    ),
                )  # fmt: skip
        return rid
