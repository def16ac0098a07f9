"""Open a ledger store by URL: the scheme picks the backend.

- ``sqlite:///abs/path.db`` — a SQLite file at an absolute path;
- ``sqlite:relative.db`` — a SQLite file relative to the working directory;
- a plain file path (``ledger.db``, ``/srv/zjj/ledger.db``, a :class:`~pathlib.Path`) — the same;
- ``postgresql://user@host:5432/dbname`` (or ``postgres://…``) — a PostgreSQL database
  (:class:`~zjj_medical.store.postgres.PostgresStore`; needs the ``postgres`` extra).

A URL with any other scheme is refused with :class:`~zjj_medical.errors.StoreError`
naming the schemes this installation supports. :data:`SCHEMES` maps each scheme to the
function that opens it, so a further backend is one entry.

>>> store = open_store("sqlite::memory:")
>>> type(store).__name__
'SQLiteStore'
>>> store.close()
>>> open_store("mysql://billing@db.example/ledger")
Traceback (most recent call last):
...
zjj_medical.errors.StoreError: mysql://…: no ledger store backend for scheme 'mysql' in this installation; supported: postgres (postgres://user@host/dbname), postgresql (postgresql://user@host/dbname), sqlite (sqlite:///abs/path.db, sqlite:relative.db, or a file path)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote

from zjj_medical.errors import StoreError
from zjj_medical.store.base import LedgerStore
from zjj_medical.store.sqlite import SQLiteStore

__all__ = ["SCHEMES", "StoreOpener", "is_store_url", "open_store", "persists"]


class StoreOpener(Protocol):
    """Opens a backend's store from the rest of the URL (what follows ``scheme:``)."""

    def __call__(self, rest: str, *, timeout: float, synchronous: str, check: bool) -> LedgerStore:
        """The store; ``StoreError`` when it cannot be opened (or, with ``check``, when its
        cheap check on open fails)."""


def _open_sqlite(rest: str, *, timeout: float, synchronous: str, check: bool) -> LedgerStore:
    if rest.startswith("//"):  # sqlite:///abs/path.db: no host, an absolute path
        host, _, path = rest[2:].partition("/")
        if host:
            raise StoreError(code="store.url.host", params={"host": host}, field="db")
        rest = "/" + path
    return _sqlite_file(unquote(rest), timeout=timeout, synchronous=synchronous, check=check)


def _sqlite_file(path: str, *, timeout: float, synchronous: str, check: bool) -> LedgerStore:
    if not path.strip() or path == "/":
        raise StoreError(code="store.url.empty", field="db")
    return SQLiteStore(path, timeout=timeout, synchronous=synchronous, check=check)


def _open_postgres(rest: str, *, timeout: float, synchronous: str, check: bool) -> LedgerStore:
    from zjj_medical.store.postgres import PostgresStore  # psycopg is imported when used

    return PostgresStore(
        "postgresql:" + rest, timeout=timeout, synchronous=synchronous, check=check
    )


#: Scheme → the function that opens a store of it. A later backend adds one entry.
SCHEMES: dict[str, StoreOpener] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "postgres": _open_postgres,
}

# A scheme is at least two characters (``C:\ledger.db`` is a path), as in RFC 3986.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]+):(.*)", re.DOTALL)


def _supported() -> str:
    forms = {
        "sqlite": "sqlite:///abs/path.db, sqlite:relative.db, or a file path",
        "postgresql": "postgresql://user@host/dbname",
        "postgres": "postgres://user@host/dbname",
    }
    return ", ".join(f"{s} ({forms[s]})" if s in forms else s for s in sorted(SCHEMES))


def _split(url_or_path: str) -> tuple[str, str] | None:
    """(scheme, rest) of a URL; ``None`` for a plain path (``ledger.db``, ``:memory:``, ``C:/x.db``).

    Text before a colon counts as a scheme when it is a known one or ``//`` follows it.
    """
    m = _SCHEME.fullmatch(url_or_path)
    if m is None:
        return None
    scheme, rest = m.group(1).lower(), m.group(2)
    return (scheme, rest) if scheme in SCHEMES or rest.startswith("//") else None


def is_store_url(text: str) -> bool:
    """Whether ``text`` is a store URL rather than a file path.

    >>> is_store_url("sqlite:///srv/ledger.db"), is_store_url("postgresql://h/db")
    (True, True)
    >>> is_store_url("ledger.db"), is_store_url(":memory:"), is_store_url("C:/ledger.db")
    (False, False, False)
    """
    return _split(text) is not None


def persists(url_or_path: str | Path) -> bool:
    """Whether the store named would outlive the process: not an empty name, not ``:memory:``,
    not a SQLite URI of an in-memory database (``file:x?mode=memory``).

    The command line refuses a store that would not persist; the Python API opens
    ``:memory:`` (for tests: nothing is kept when it is closed).

    >>> [persists(n) for n in ("ledger.db", "sqlite:///srv/ledger.db", "", ":memory:",
    ...                         "sqlite::memory:", "file:x?mode=memory", "file::memory:")]
    [True, True, False, False, False, False, False]
    """
    text = str(url_or_path)
    split = None if isinstance(url_or_path, Path) else _split(text)
    if split is not None and split[0] == "sqlite":
        text = split[1][2:].partition("/")[2] if split[1].startswith("//") else split[1]
        text = unquote(text)
    name = text.strip()
    if name in ("", "/", ":memory:"):
        return False
    if name.lower().startswith("file:"):
        path, _, query = name[5:].partition("?")
        return not (path in ("", ":memory:") or "mode=memory" in query.lower())
    return True


def open_store(
    url_or_path: str | Path,
    *,
    timeout: float = 30.0,
    synchronous: str = "FULL",
    check: bool = True,
) -> LedgerStore:
    """The ledger store at a URL or a file path.

    Args:
        url_or_path: ``sqlite:///abs/path.db``, ``sqlite:relative.db``, a file path, or
            ``postgresql://user@host/dbname``.
        timeout: seconds to wait for another writer before giving up with ``StoreError``.
        synchronous: how durable a commit is (SQLite's ``PRAGMA synchronous``; on
            PostgreSQL ``OFF`` sets ``synchronous_commit = off``).
        check: run the store's cheap check on open (``zjj-medical ledger verify`` opens
            without it, to report every problem).

    Raises:
        StoreError: the scheme is not supported here, the URL is malformed, or the store
            cannot be opened (see :class:`~zjj_medical.store.SQLiteStore` and
            :class:`~zjj_medical.store.PostgresStore`).
    """
    if isinstance(url_or_path, Path):
        return _sqlite_file(str(url_or_path), timeout=timeout, synchronous=synchronous, check=check)
    split = _split(url_or_path)
    if split is None:
        return _sqlite_file(url_or_path, timeout=timeout, synchronous=synchronous, check=check)
    scheme, rest = split
    opener = SCHEMES.get(scheme)
    if opener is None:  # the URL may hold a password: only its scheme is repeated
        raise StoreError(
            code="store.url.scheme",
            params={"scheme": scheme, "supported": _supported()},
            field="db",
        )
    return opener(rest, timeout=timeout, synchronous=synchronous, check=check)
