"""The SQLite store's schema, its upgrade from older versions, and the file check on open.

Version 3 (this one) adds the service's tables to version 2: ``tokens``, ``audit``
(append-only, its own hash chain) and ``idempotency`` (see
:mod:`zjj_medical.store.sqlite_access`); opening a version 2 store creates them.

Version 2 kept every write in the ``journal`` table — append-only, hash-chained
(see :mod:`zjj_medical.store.journal`), with its last posting recorded in ``journal_head``
— beside the tables derived from it for fast reads: ``ledgers`` and ``settlements`` (the
current state of each person-year) and ``reversals`` with their ``adjustments``. Triggers
refuse any ``UPDATE`` or ``DELETE`` of a posting.

Version 1 had the derived tables only. Opening a version 1 store upgrades it in one
transaction: its current settlements become the journal's first postings (``settle``,
marked ``"migrated": true``), in person, year and order of posting.
"""

from __future__ import annotations

import os
import sqlite3

from zjj_medical.errors import StoreError
from zjj_medical.store.journal import GENESIS, posting_hash
from zjj_medical.store.sqlite_access import ACCESS_TABLES

__all__ = [
    "QUICK_CHECK_PAGES",
    "SCHEMA",
    "SCHEMA_TABLE",
    "SCHEMA_VERSION",
    "UPGRADE",
    "check_file",
    "check_store",
]

#: The schema version this code writes and reads.
SCHEMA_VERSION = 3
SCHEMA_TABLE = "zjj_medical_schema"
#: Stores of at most this many pages get SQLite's ``PRAGMA quick_check`` on open.
QUICK_CHECK_PAGES = 4096

_JOURNAL = [
    """CREATE TABLE journal (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,
    person_id TEXT NOT NULL, year INTEGER NOT NULL, claim_id TEXT NOT NULL,
    content TEXT NOT NULL, hash TEXT NOT NULL
)""",
    "CREATE INDEX journal_by_claim ON journal (claim_id, kind)",
    "CREATE INDEX journal_by_person_year ON journal (person_id, year, seq)",
    """CREATE TABLE journal_head (
    one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL
)""",
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: a posting is never changed'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN SELECT RAISE(ABORT, 'the journal is append-only: a posting is never removed'); END""",
]

#: The statements that create a new store (the version row and application id aside).
SCHEMA = [
    f"CREATE TABLE {SCHEMA_TABLE} (version INTEGER NOT NULL, created_at TEXT NOT NULL)",
    """CREATE TABLE ledgers (
    person_id TEXT NOT NULL, year INTEGER NOT NULL, ledger TEXT NOT NULL,
    PRIMARY KEY (person_id, year)
)""",
    """CREATE TABLE settlements (
    claim_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL, year INTEGER NOT NULL, seq INTEGER NOT NULL,
    date TEXT NOT NULL, facility TEXT NOT NULL,
    settlement TEXT NOT NULL, ledger TEXT NOT NULL,
    claim TEXT NOT NULL, person TEXT NOT NULL, content_hash TEXT NOT NULL,
    policy_id TEXT NOT NULL, policy_version TEXT NOT NULL, settled_at TEXT NOT NULL,
    posting_note TEXT NOT NULL DEFAULT '',
    UNIQUE (person_id, year, seq)
)""",
    "CREATE INDEX settlements_by_date ON settlements (date, facility)",
    """CREATE TABLE reversals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id TEXT NOT NULL, person_id TEXT NOT NULL, year INTEGER NOT NULL,
    record TEXT NOT NULL, reversed_at TEXT NOT NULL
)""",
    """CREATE TABLE adjustments (
    reversal_id INTEGER NOT NULL REFERENCES reversals (id),
    position INTEGER NOT NULL, claim_id TEXT NOT NULL,
    old_patient_pay TEXT NOT NULL, new_patient_pay TEXT NOT NULL,
    PRIMARY KEY (reversal_id, position)
)""",
    """CREATE TABLE adjustment_layers (
    reversal_id INTEGER NOT NULL, position INTEGER NOT NULL, layer TEXT NOT NULL,
    old TEXT NOT NULL, new TEXT NOT NULL, delta TEXT NOT NULL,
    PRIMARY KEY (reversal_id, position, layer),
    FOREIGN KEY (reversal_id, position) REFERENCES adjustments (reversal_id, position)
)""",
    *_JOURNAL,
    *ACCESS_TABLES,
]

#: Per older version, the statements that bring its tables to the next version (from
#: version 1, the journal's first postings are then written from the settlements).
UPGRADE: dict[int, list[str]] = {
    1: ["ALTER TABLE settlements ADD COLUMN posting_note TEXT NOT NULL DEFAULT ''", *_JOURNAL],
    2: ACCESS_TABLES,
}

_HEADER = b"SQLite format 3\x00"


def _wal_frames(path: str) -> bool:
    """Whether the store's write-ahead log holds frames (more than its 32-byte header)."""
    try:
        return os.path.getsize(path + "-wal") > 32
    except OSError:
        return False


def check_file(path: str) -> None:
    """A cheap look at a store file before SQLite reads it: is it whole?

    The file of a SQLite database is a whole number of pages, and at least as long as its
    header says (the header's page count is valid when its change counter matches the
    version-valid-for number). A file cut short — a copy that stopped, a full disk — fails
    one or the other; SQLite itself would read the missing bytes as zeros.

    Beside a write-ahead log that holds frames, the header's page count is not checked: a
    process killed while it copied the log into the file (a checkpoint writes page 1, with
    the new count, before the pages after it) leaves the file shorter than its header says,
    and SQLite reads those pages from the log, which it keeps until a checkpoint ends.

    Raises:
        StoreError: ``store.damaged`` naming the file and what is wrong.
    """
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError:
        return  # absent or unreadable: SQLite says why
    if len(header) < 100 or not header.startswith(_HEADER):
        return  # empty, or not SQLite: told apart later
    page = int.from_bytes(header[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        raise StoreError(
            code="store.damaged", params={"db": path, "detail": f"page size {page} in the header"},
            field="db",
        )  # fmt: skip
    if size % page:
        raise StoreError(
            code="store.damaged", field="db",
            params={"db": path, "detail": f"{size} bytes is not a whole number of "
                    f"{page}-byte pages: the file was cut short"},
        )  # fmt: skip
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96] and pages > 0 and not _wal_frames(path)
    if valid and size < pages * page:
        raise StoreError(
            code="store.damaged", field="db",
            params={"db": path, "detail": f"{size} bytes, the header says {pages} pages of "
                    f"{page} bytes: the file was cut short"},
        )  # fmt: skip


def check_store(conn: sqlite3.Connection, path: str) -> None:
    """The cheap check on open: SQLite's quick check on a small store, and the journal's
    last posting against the recorded chain head (its hash recomputed from the one before).

    Raises:
        StoreError: ``store.damaged`` naming the file and what is wrong.
    """
    detail = ""
    try:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
        if pages <= QUICK_CHECK_PAGES:
            found = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
            if found != ["ok"]:
                detail = "SQLite's quick check: " + "; ".join(map(str, found[:3]))
        if not detail:
            detail = _head_problem(conn)
    except sqlite3.DatabaseError as exc:
        detail = str(exc)
    if detail:
        raise StoreError(code="store.damaged", params={"db": path, "detail": detail}, field="db")


def _head_problem(conn: sqlite3.Connection) -> str:
    """What is wrong with the journal's last posting and the recorded head ("": nothing)."""
    row = conn.execute("SELECT seq, hash FROM journal_head WHERE one = 1").fetchone()
    head = (0, "") if row is None else (int(row[0]), str(row[1]))
    last = conn.execute(
        "SELECT seq, content, hash FROM journal ORDER BY seq DESC LIMIT 2"
    ).fetchall()
    last_seq, last_hash = (int(last[0][0]), str(last[0][2])) if last else (0, GENESIS)
    if head != (last_seq, last_hash):
        return (
            f"the journal's last posting is {last_seq} ({last_hash}) but its head is "
            f"recorded as {head[0]} ({head[1]})"
        )
    if last:
        previous = str(last[1][2]) if len(last) > 1 else GENESIS
        if posting_hash(previous, str(last[0][1])) != last_hash:
            return f"posting {last_seq}: its hash does not match its content"
    return ""
