"""Behaviour checks of the SQLite side of the ledger store (opening by URL, the schema and its
file check, the shared SQL, the store itself, its tokens and audit trail), added while
mutation-testing it (tests/MUTATION.md lists the survivors and their verdicts).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from zjj_medical.errors import StoreError
from zjj_medical.store import SQLiteStore, backends, open_store
from zjj_medical.store.backends import persists

# -- opening a store by URL (store/backends.py) ------------------------------------------------


def _damaged_head(path: Path) -> None:
    """A new store at ``path`` whose journal head is recorded as posting 7 of an empty journal:
    the cheap check on open finds it (the file itself is whole)."""
    SQLiteStore(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE journal_head SET seq = 7 WHERE one = 1")
    con.commit()
    con.close()


@pytest.mark.parametrize("form", ["path", "Path", "sqlite:///abs"])
def test_open_store_runs_the_cheap_check_unless_told_not_to(tmp_path: Path, form: str) -> None:
    """By default the store's cheap check runs on open (a head that names a posting the
    journal lacks is ``store.damaged``); ``check=False`` opens it anyway, for ``verify``."""
    db = tmp_path / "ledger.db"
    _damaged_head(db)
    name: Any = {"path": str(db), "Path": db, "sqlite:///abs": f"sqlite://{db}"}[form]
    with pytest.raises(StoreError) as info:
        open_store(name)
    assert "store.damaged" == info.value.code
    assert "its head is recorded as 7" in str(info.value)
    with pytest.raises(StoreError, match="recorded as 7"):
        open_store(name, check=True)
    open_store(name, check=False).close()


def test_open_store_waits_30_seconds_by_default_and_as_long_as_asked(tmp_path: Path) -> None:
    """``timeout`` (seconds, 30 by default) is SQLite's busy timeout (milliseconds)."""
    for kwargs, ms in (({}, 30000), ({"timeout": 2.5}, 2500)):
        store = open_store(f"sqlite://{tmp_path}/t.db", **kwargs)
        assert isinstance(store, SQLiteStore)
        try:
            assert ms == store._conn.execute("PRAGMA busy_timeout").fetchone()[0]
        finally:
            store.close()


def test_the_url_errors_name_the_db_field() -> None:
    """A host in a SQLite URL and an empty name are errors of the ``db`` field."""
    for bad, code in (("sqlite://server/ledger.db", "store.url.host"), ("", "store.url.empty"),
                      ("sqlite:///", "store.url.empty"), ("/", "store.url.empty")):  # fmt: skip
        with pytest.raises(StoreError) as info:
            open_store(bad)
        assert (code, "db") == (info.value.code, info.value.field), bad


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://billing@db.example:5432/zjj", "postgresql://billing@db.example:5432/zjj"),
        ("postgres://billing@db.example/zjj", "postgresql://billing@db.example/zjj"),
        ("POSTGRES://h/db", "postgresql://h/db"),
    ],
)
def test_a_postgresql_url_is_opened_as_postgresql_with_the_settings_asked(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    """postgresql:// and postgres:// (any case) reach the PostgreSQL store as a
    ``postgresql://`` URL (the scheme libpq reads), with the wait, durability and check asked."""
    import zjj_medical.store.postgres as pg

    seen: list[tuple[str, float, str, bool]] = []

    class Recorder:
        def __init__(self, url: str, *, timeout: float, synchronous: str, check: bool) -> None:
            seen.append((url, timeout, synchronous.upper(), check))  # read case-blind

    monkeypatch.setattr(pg, "PostgresStore", Recorder)
    open_store(url, timeout=4.0, synchronous="off", check=False)
    open_store(url)
    assert [(expected, 4.0, "OFF", False), (expected, 30.0, "FULL", True)] == seen


def test_a_scheme_like_prefix_that_is_no_scheme_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ab:c.db`` (no known scheme, no ``//``) is a file path, opened as one."""
    monkeypatch.chdir(tmp_path)
    assert not backends.is_store_url("ab:c.db")
    store = open_store("ab:c.db")
    assert isinstance(store, SQLiteStore)
    store.close()
    assert (tmp_path / "ab:c.db").is_file()


def test_persists_as_for_a_path_the_file_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A :class:`~pathlib.Path` is a file name, never a URL: ``Path("sqlite::memory:")`` is the
    file of that name in the working directory, which ``open_store`` creates and keeps."""
    monkeypatch.chdir(tmp_path)
    assert persists(Path("sqlite::memory:"))
    open_store(Path("sqlite::memory:")).close()
    assert (tmp_path / "sqlite::memory:").is_file()


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("/", False),  # no file name: refused by open_store
        ("sqlite:/", False),
        ("sqlite:///", False),
        ("file:", False),  # a SQLite URI with no file: a temporary database
        ("file:?mode=memory", False),
        ("file::memory:?cache=shared?", False),  # SQLite's URI query starts at the first "?"
        ("sqlite:///srv/:memory:", True),  # the file ":memory:" in /srv
        ("file:ledger.db", True),
    ],
)
def test_persists_of_urls_and_sqlite_uris(name: str, kept: bool) -> None:
    """Names that would keep nothing (no file, SQLite's in-memory database) do not persist;
    a sqlite:/// URL persists as the absolute path it names."""
    assert kept is persists(name)
