"""Shared by the ledger-store tests: the stores to run against, and their whole content to compare.

The store tests run on SQLite and on PostgreSQL. The PostgreSQL half needs a server: set
``ZJJ_MEDICAL_TEST_PG_URL`` to a database where the user may create schemas, e.g.
``ZJJ_MEDICAL_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres python -m pytest``
(``.ci/run`` starts a server and sets it). Each test gets a schema of its own, dropped after.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["PG_ENV", "PG_SKIP", "StoreTarget", "dump", "pg_schema", "pg_url"]

PG_ENV = "ZJJ_MEDICAL_TEST_PG_URL"
PG_SKIP = (
    f"PostgreSQL store tests SKIPPED: no server given. Set {PG_ENV}=postgresql://user@host:port/db "
    "(a user who may create schemas) to run them; .ci/run starts a server and sets it"
)
_TABLES = (
    "zjj_medical_schema", "ledgers", "settlements", "reversals", "adjustments",
    "adjustment_layers", "journal", "journal_head",
)  # fmt: skip


def dump(path: Path) -> list[str]:
    """Every row of the database file, as SQL text."""
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def pg_url() -> str:
    """The test server's URL; the test is skipped, saying how to run it, when none is given."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(PG_SKIP)
    return url


def _connect(url: str) -> Any:
    psycopg = pytest.importorskip("psycopg", reason="pip install -e '.[test]' (psycopg)")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:  # asked for, but not there: a failure, not a skip
        pytest.fail(f"{PG_ENV} is set but the server cannot be reached: {exc}")


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh, empty schema on the test server: the URL of a store in it (dropped after)."""
    base = pg_url()
    name = "zjjt_" + uuid.uuid4().hex[:12]
    with _connect(base) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{name}"
    finally:
        with _connect(base) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


class StoreTarget:
    """Where a test's store lives: ``url`` for ``LedgerBook.open``, ``dump()`` its content."""

    def __init__(self, backend: str, url: str) -> None:
        self.backend, self.url = backend, url

    def __repr__(self) -> str:
        return f"StoreTarget({self.backend})"

    def dump(self) -> list[str]:
        """Every row of every table of the store, as text (to compare before and after)."""
        if self.backend == "sqlite":
            return dump(Path(self.url))
        out: list[str] = []
        with _connect(self.url) as conn:
            for table in _TABLES:
                rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                out.extend(f"{table}: {row!r}" for row in rows)
        return out
