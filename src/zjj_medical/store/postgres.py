"""The PostgreSQL ledger store: one database (or schema) on a server, shared by many processes.

Opened by URL — ``postgresql://user@host:5432/dbname`` (or ``postgres://…``; every libpq
connection parameter works as a query parameter, e.g. ``?sslmode=require`` or
``?options=-csearch_path%3Dledger`` for a schema other than ``public``). It needs the
``postgres`` extra: ``pip install "zjj_medical[postgres]"`` (psycopg 3).

What is locked:

- :meth:`PostgresStore.transaction` takes a transaction-scoped advisory lock
  (``pg_advisory_xact_lock``) on a 64-bit hash of the schema, person and year. Writers of
  one person-year — in any process, on any application server — wait for each other, so no
  update is lost; writers of different person-years compute their settlements side by side.
- the journal is one hash chain for the whole store. A posting is appended with the chain
  head row locked (``SELECT … FOR UPDATE``) until the transaction commits, so appends are
  serialised: from a transaction's first posting to its commit, other writers wait to
  append. That keeps the chain exact (seq 1, 2, … with no gap, each hash over the one
  before) at the price of one writer at a time in that final stretch.

A transaction that raises, a process killed before ``COMMIT`` or a dropped connection
leaves the database as it was (the server rolls the transaction back). The schema is
created on first open, with a schema version; a schema holding other tables is refused.

>>> PostgresStore.display("postgresql://billing:s3cret@db.example/ledger?password=x&sslmode=require")
'postgresql://billing@db.example/ledger?sslmode=require'
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from zjj_medical.errors import DuplicateClaim, StoreError
from zjj_medical.store.access import AuditRecord, IdempotentResponse, TokenRecord
from zjj_medical.store.base import PersonYear
from zjj_medical.store.journal import GENESIS
from zjj_medical.store.records import StoredSettlement
from zjj_medical.store.sql_tables import COLUMNS, PLACEHOLDERS, SQLTables, head_problem
from zjj_medical.store.sqlite_access import _AUDIT, _TOKEN, SQLiteAccess, _token
from zjj_medical.store.sqlite_schema import (
    CURRENT_TABLES,
    JOURNAL_TABLES,
    SCHEMA_TABLE,
    SCHEMA_VERSION,
)

if TYPE_CHECKING:
    import psycopg

__all__ = ["ACCESS_TABLES", "SCHEMA", "PostgresStore"]

_TABLES = {
    SCHEMA_TABLE, "ledgers", "settlements", "reversals", "adjustments", "adjustment_layers",
    "journal", "journal_head",
}  # fmt: skip

#: The statements that create a store in an empty schema (the version row aside): the
#: tables both databases share, the reversals with identity columns, and triggers that keep
#: the journal append-only.
SCHEMA = [
    *CURRENT_TABLES,
    """CREATE TABLE reversals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    claim_id TEXT NOT NULL, person_id TEXT NOT NULL, year INTEGER NOT NULL,
    record TEXT NOT NULL, reversed_at TEXT NOT NULL
)""",
    """CREATE TABLE adjustments (
    reversal_id BIGINT NOT NULL REFERENCES reversals (id),
    position INTEGER NOT NULL, claim_id TEXT NOT NULL,
    old_patient_pay TEXT NOT NULL, new_patient_pay TEXT NOT NULL,
    PRIMARY KEY (reversal_id, position)
)""",
    """CREATE TABLE adjustment_layers (
    reversal_id BIGINT NOT NULL, position INTEGER NOT NULL, layer TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, delta TEXT NOT NULL,
    written BIGINT GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (reversal_id, position, layer),
    FOREIGN KEY (reversal_id, position) REFERENCES adjustments (reversal_id, position)
)""",
    *JOURNAL_TABLES,
    """CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: a posting is never changed or removed';
END $$""",
    """CREATE TRIGGER journal_no_change BEFORE UPDATE OR DELETE ON journal
FOR EACH ROW EXECUTE FUNCTION journal_append_only()""",
    """CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only()""",
]

#: The settlement service's tables (schema version 3): tokens, the audit trail (append-only,
#: its own hash chain) and remembered responses; a version 2 store gains them on open.
ACCESS_TABLES = [
    """CREATE TABLE tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, facility TEXT,
    created_at TEXT NOT NULL, revoked_at TEXT, note TEXT NOT NULL DEFAULT '',
    added BIGINT GENERATED ALWAYS AS IDENTITY
)""",
    """CREATE TABLE audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
    role TEXT NOT NULL, facility TEXT, request_id TEXT NOT NULL, target TEXT NOT NULL,
    content_hash TEXT NOT NULL, status INTEGER NOT NULL, outcome TEXT NOT NULL,
    hash TEXT NOT NULL
)""",
    """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: a record is never changed or removed';
END $$""",
    """CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
    """CREATE TABLE idempotency (
    key TEXT NOT NULL, principal TEXT NOT NULL, body_hash TEXT NOT NULL,
    status INTEGER NOT NULL, body BYTEA NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (key, principal)
)""",
]

_SYNC = ("OFF", "NORMAL", "FULL", "EXTRA")


def _psycopg() -> Any:
    """The psycopg module; ``StoreError`` naming the extra when it is not installed."""
    try:
        return importlib.import_module("psycopg")
    except ImportError:
        raise StoreError(code="store.postgres.missing", field="db") from None


class PostgresStore(SQLTables, SQLiteAccess):
    """A :class:`~zjj_medical.store.base.LedgerStore` in a PostgreSQL database.

    Args:
        url: ``postgresql://user[:password]@host[:port]/dbname[?param=value…]``. The store
            lives in the connection's current schema (``public`` unless ``search_path`` is
            set, e.g. ``?options=-csearch_path%3Dledger``); its tables are created on first
            open when the schema holds none.
        timeout: seconds to wait for the server to answer a connection, and for another
            writer's lock (``lock_timeout``), before giving up with ``StoreError``.
        synchronous: ``OFF`` sets ``synchronous_commit = off`` (a crash of the server may
            lose the last commits, never half of one); ``NORMAL``, ``FULL`` and ``EXTRA``
            keep the server's ``synchronous_commit = on``.
        check: the cheap check on open — the journal's last posting against the recorded
            chain head.

    Raises:
        StoreError: psycopg is not installed, the server cannot be reached, the schema
            holds other tables or a newer schema version, or the check fails.
    """

    _LAYER_ORDER = "written"
    _BEGIN_WRITE = "BEGIN ISOLATION LEVEL READ COMMITTED"
    #: Always False: a server store is written through the connection's rights.
    read_only = False

    def __init__(
        self, url: str, *, timeout: float = 30.0, synchronous: str = "FULL", check: bool = True
    ) -> None:
        #: The URL without its password: how errors name the store.
        self.path = self.display(url)
        if synchronous.upper() not in _SYNC:
            raise StoreError(
                code="store.synchronous", params={"value": synchronous, "accepted": list(_SYNC)}
            )
        pg = _psycopg()
        self._errors = pg.errors
        self._pg_error: type[Exception] = pg.Error
        self._in_write = False
        self._in_read = False
        self._open_year: PersonYear | None = None
        self._sql: dict[str, str] = {}
        try:
            self._conn: psycopg.Connection[Any] = pg.connect(
                url, autocommit=True, connect_timeout=max(1, round(timeout))
            )
        except pg.Error as exc:
            raise StoreError(
                code="store.open", params={"db": self.path, "detail": _detail(exc)}, field="db"
            ) from None
        try:
            self._exec(f"SET lock_timeout = {max(1, round(timeout * 1000))}")
            if synchronous.upper() == "OFF":
                self._exec("SET synchronous_commit = off")
            self._open(check=check)
        except BaseException:
            self._conn.close()
            raise

    @staticmethod
    def display(url: str) -> str:
        """The URL without a password (in its user part or as a ``password`` parameter)."""
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            netloc = user.partition(":")[0] + "@" + host
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "password"])
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

    # -- opening ------------------------------------------------------------------------------
    def _open(self, *, check: bool) -> None:
        schema = self._exec("SELECT current_schema()").fetchone()[0]
        if schema is None:
            raise StoreError(code="store.postgres.schema", params={"db": self.path}, field="db")
        self.schema: str = str(schema)
        if not self._tables():
            self._initialise()
        tables = self._tables()
        if SCHEMA_TABLE not in tables or not tables >= _TABLES:
            raise StoreError(
                code="store.postgres.foreign", field="db",
                params={"db": self.path, "schema": self.schema,
                        "tables": ", ".join(sorted(tables))},
            )  # fmt: skip
        rows = self._exec(f"SELECT version FROM {SCHEMA_TABLE}").fetchall()
        if len(rows) != 1:
            raise StoreError(code="store.schema.damaged", params={"db": self.path}, field="db")
        self.schema_version = int(rows[0][0])
        if self.schema_version > SCHEMA_VERSION:
            raise StoreError(
                code="store.schema.newer",
                params={"db": self.path, "version": self.schema_version, "known": SCHEMA_VERSION},
                field="db",
            )
        if self.schema_version < SCHEMA_VERSION:
            self._upgrade()
        if check:
            with self.snapshot():
                detail = head_problem(self._exec)
            if detail:
                raise StoreError(
                    code="store.damaged", params={"db": self.path, "detail": detail}, field="db"
                )

    def _tables(self) -> set[str]:
        rows = self._exec(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            (self.schema,),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def _initialise(self) -> None:
        """Create the tables, once: a second process opening the new store meanwhile waits."""
        with self._write():
            self._lock("zjj_medical schema", self.schema)
            if self._tables():  # another process created them meanwhile
                return
            for statement in (*SCHEMA, *ACCESS_TABLES):
                self._exec(statement)
            self._exec("INSERT INTO journal_head VALUES (1, 0, ?)", (GENESIS,))
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self._exec(f"INSERT INTO {SCHEMA_TABLE} VALUES (?, ?)", (SCHEMA_VERSION, now))

    def _upgrade(self) -> None:
        """Version 2 to 3: the service's tables (in one transaction, once)."""
        with self._write():
            self._lock("zjj_medical schema", self.schema)
            version = int(self._exec(f"SELECT version FROM {SCHEMA_TABLE}").fetchone()[0])
            if version == 2:
                for statement in ACCESS_TABLES:
                    self._exec(statement)
                self._exec(f"UPDATE {SCHEMA_TABLE} SET version = ?", (SCHEMA_VERSION,))
        self.schema_version = SCHEMA_VERSION

    # -- plumbing -----------------------------------------------------------------------------
    def _exec(self, sql: str, params: Sequence[Any] = ()) -> Any:
        text = self._sql.get(sql)
        if text is None:
            text = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        try:
            return self._conn.execute(text, params)
        except self._pg_error as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> StoreError:
        params = {"db": self.path, "detail": _detail(exc)}
        if isinstance(exc, self._errors.LockNotAvailable):
            return StoreError(code="store.locked", params=params)
        return StoreError(code="store.postgres", params=params)

    def _lock(self, *key: object) -> None:
        """A transaction-scoped advisory lock on a 64-bit hash of the key."""
        text = "\x1f".join(map(str, key))
        self._exec("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (text,))

    def _rollback(self) -> None:
        with suppress(Exception):
            self._conn.execute("ROLLBACK")

    @contextmanager
    def transaction(self, person_id: str, year: int) -> Iterator[None]:
        """A write transaction on a person-year: commit, or roll back on error.

        It takes the person-year's advisory lock first, so every read inside sees what the
        person-year's previous writer committed. Writers of other person-years go on.
        """
        with self._write():
            self._lock(self.schema, person_id, year)
            self._open_year = (person_id, year)
            try:
                yield
            finally:
                self._open_year = None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction (``REPEATABLE READ``: one snapshot); inside a write transaction
        it simply reads that one."""
        if self._in_write or self._in_read:
            yield
            return
        self._exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        self._in_read = True
        try:
            yield
        finally:
            self._in_read = False
            self._rollback()

    def lost(self) -> bool:
        """True when the connection to the server is closed or broken (the server went
        away, restarted, or ended this session)."""
        return bool(self._conn.closed or self._conn.broken)

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back by the server)."""
        self._conn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -------------------------------------------------------------------------------
    def _lock_head(self) -> tuple[int, str]:
        """The chain head, its row locked until commit: appends of the store take turns."""
        row = self._exec("SELECT seq, hash FROM journal_head WHERE one = 1 FOR UPDATE").fetchone()
        return self._head_to_append(row)

    def _insert_settlement(self, record: StoredSettlement) -> None:
        sql = f"INSERT INTO settlements ({COLUMNS}) VALUES ({PLACEHOLDERS})"
        try:
            self._conn.execute(sql.replace("?", "%s"), self._values(record))
        except self._errors.UniqueViolation as exc:
            if exc.diag.constraint_name != "settlements_pkey":
                raise self._error(exc) from None
            raise DuplicateClaim(  # says nothing of the person-year that holds it
                code="store.claim.stored", params={"claim_id": record.claim_id},
                claim_id=record.claim_id, field="id",
            ) from None  # fmt: skip
        except self._pg_error as exc:
            raise self._error(exc) from None

    # -- tokens, audit trail, remembered responses ----------------------------------------
    # The SQL is SQLite's (SQLiteAccess); each write first takes an advisory lock, so two
    # processes adding at once take turns instead of one failing on a key.
    def add_token(self, record: TokenRecord) -> None:
        """Keep a new token record (``StoreError`` when its id or hash is kept already)."""
        with self._own_write():
            self._lock(self.schema, "tokens")
            super().add_token(record)

    def tokens(self) -> list[TokenRecord]:
        """Every token record, oldest first."""
        rows = self._exec(f"SELECT {_TOKEN} FROM tokens ORDER BY created_at, added").fetchall()
        return [_token(r) for r in rows]

    def add_audit(self, record: AuditRecord) -> AuditRecord:
        """Append a record to the audit trail, chained to the last one; returns it as stored.

        The audit trail's appends take turns (an advisory lock held to commit)."""
        with self._own_write():
            self._lock(self.schema, "audit")
            return super().add_audit(record)

    def audit(self, *, after: int = 0, limit: int | None = None) -> list[AuditRecord]:
        """Audit records with ``seq > after``, oldest first, at most ``limit``."""
        rows = self._exec(
            f"SELECT {_AUDIT} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
        ).fetchall()
        return [
            AuditRecord(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], str(r[6]),
                        str(r[7]), str(r[8]), int(r[9]), str(r[10]), str(r[11]))
            for r in rows
        ]  # fmt: skip

    def add_idempotent(self, response: IdempotentResponse) -> IdempotentResponse:
        """Keep a response for its key, unless one is kept already (then return that one)."""
        with self._own_write():
            self._lock(self.schema, "idempotency", response.key, response.principal)
            return super().add_idempotent(response)


def _detail(exc: Exception) -> str:
    """The server's message, one line."""
    return " ".join(str(exc).split()) or type(exc).__name__
