"""The SQLite store's tokens, audit trail and remembered responses (schema version 3).

The tables ``tokens``, ``audit`` and ``idempotency`` sit beside the journal; ``audit`` is
append-only (triggers refuse ``UPDATE`` and ``DELETE``) and hash-chained in its own chain
(:func:`~zjj_medical.store.access.audit_hash`). The journal's chain of postings is not
touched. Each write is a transaction of its own (``BEGIN IMMEDIATE``), or joins the
transaction already open on the connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import attrs

from zjj_medical.errors import StoreError
from zjj_medical.store.access import AuditRecord, IdempotentResponse, TokenRecord, audit_hash
from zjj_medical.store.journal import GENESIS

__all__ = ["ACCESS_TABLES", "SQLiteAccess"]

#: The statements that create the tables (a new store, or the upgrade from version 2).
ACCESS_TABLES = [
    """CREATE TABLE tokens (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, facility TEXT,
    created_at TEXT NOT NULL, revoked_at TEXT, note TEXT NOT NULL DEFAULT ''
)""",
    """CREATE TABLE audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,
    role TEXT NOT NULL, facility TEXT, request_id TEXT NOT NULL, target TEXT NOT NULL,
    content_hash TEXT NOT NULL, status INTEGER NOT NULL, outcome TEXT NOT NULL,
    hash TEXT NOT NULL
)""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: a record is never changed'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: a record is never removed'); END""",
    """CREATE TABLE idempotency (
    key TEXT NOT NULL, principal TEXT NOT NULL, body_hash TEXT NOT NULL,
    status INTEGER NOT NULL, body BLOB NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (key, principal)
)""",
]

_TOKEN = "id, hash, role, facility, created_at, revoked_at, note"
_AUDIT = (
    "seq, at, action, actor, role, facility, request_id, target, content_hash, status, "
    "outcome, hash"
)


def _token(row: Sequence[Any]) -> TokenRecord:
    return TokenRecord(str(row[0]), str(row[1]), str(row[2]), row[3], str(row[4]), row[5],
                       str(row[6]))  # fmt: skip


class SQLiteAccess:
    """Tokens, audit trail and remembered responses of :class:`~zjj_medical.store.SQLiteStore`
    (the methods of :class:`~zjj_medical.store.base.LedgerStore` for them)."""

    path: str
    read_only: bool
    _in_write: bool

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[None]:
        raise NotImplementedError

    @contextmanager
    def _own_write(self) -> Iterator[None]:
        """A transaction of its own, or the one already open."""
        if self.read_only:
            raise StoreError(code="store.read_only", params={"db": self.path})
        if self._in_write:
            yield
            return
        with self._write():
            yield

    def add_token(self, record: TokenRecord) -> None:
        """Keep a new token record (``StoreError`` when its id or hash is kept already)."""
        with self._own_write():
            found = self._exec(
                "SELECT 1 FROM tokens WHERE id = ? OR hash = ?", (record.id, record.hash)
            ).fetchone()
            if found is not None:
                raise StoreError(code="store.token.exists", params={"token_id": record.id})
            self._exec(
                f"INSERT INTO tokens ({_TOKEN}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (record.id, record.hash, record.role, record.facility, record.created_at,
                 record.revoked_at, record.note),
            )  # fmt: skip

    def token(self, token_hash: str) -> TokenRecord | None:
        """The token record of a secret's hash, ``None`` when there is none."""
        row = self._exec(f"SELECT {_TOKEN} FROM tokens WHERE hash = ?", (token_hash,)).fetchone()
        return None if row is None else _token(row)

    def tokens(self) -> list[TokenRecord]:
        """Every token record, oldest first."""
        rows = self._exec(f"SELECT {_TOKEN} FROM tokens ORDER BY created_at, rowid").fetchall()
        return [_token(r) for r in rows]

    def revoke_token(self, token_id: str, at: str) -> bool:
        """Mark a valid token revoked; ``False`` when there is none or it is revoked already."""
        with self._own_write():
            cur = self._exec(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (at, token_id),
            )
            return cur.rowcount == 1

    def add_audit(self, record: AuditRecord) -> AuditRecord:
        """Append a record to the audit trail, chained to the last one; returns it as stored."""
        with self._own_write():
            row = self._exec("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            last, previous = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
            seq = last + 1
            stored = attrs.evolve(record, seq=seq, hash=audit_hash(previous, record, seq))
            self._exec(
                f"INSERT INTO audit ({_AUDIT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (stored.seq, stored.at, stored.action, stored.actor, stored.role,
                 stored.facility, stored.request_id, stored.target, stored.content_hash,
                 stored.status, stored.outcome, stored.hash),
            )  # fmt: skip
            return stored

    def audit(self, *, after: int = 0, limit: int | None = None) -> list[AuditRecord]:
        """Audit records with ``seq > after``, oldest first, at most ``limit``."""
        rows = self._exec(
            f"SELECT {_AUDIT} FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, -1 if limit is None else limit),
        ).fetchall()
        return [
            AuditRecord(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], str(r[6]),
                        str(r[7]), str(r[8]), int(r[9]), str(r[10]), str(r[11]))
            for r in rows
        ]  # fmt: skip

    def idempotent(self, key: str, principal: str) -> IdempotentResponse | None:
        """The response kept for ``(key, principal)``, ``None`` when there is none."""
        row = self._exec(
            "SELECT body_hash, status, body, created_at FROM idempotency "
            "WHERE key = ? AND principal = ?",
            (key, principal),
        ).fetchone()
        if row is None:
            return None
        return IdempotentResponse(key, principal, str(row[0]), int(row[1]), bytes(row[2]),
                                  str(row[3]))  # fmt: skip

    def add_idempotent(self, response: IdempotentResponse) -> IdempotentResponse:
        """Keep a response for its key, unless one is kept already (then return that one)."""
        with self._own_write():
            found = self.idempotent(response.key, response.principal)
            if found is not None:
                return found
            self._exec(
                "INSERT INTO idempotency (key, principal, body_hash, status, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (response.key, response.principal, response.body_hash, response.status,
                 response.body, response.created_at),
            )  # fmt: skip
            return response
