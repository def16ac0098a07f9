"""open_store: the backend chosen by the URL's scheme, a plain path as SQLite, other schemes refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zjj_medical import StoreError
from zjj_medical.store import LedgerBook, SQLiteStore, backends, open_store


def _path_of(url_or_path: str | Path) -> str:
    """The file the SQLite store opened for ``url_or_path``."""
    store = open_store(url_or_path)
    try:
        assert isinstance(store, SQLiteStore)
        return store.path
    finally:
        store.close()


def test_the_sqlite_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sqlite:///abs, sqlite:relative, a text path and a Path open the file they name."""
    monkeypatch.chdir(tmp_path)
    absolute = str(tmp_path / "a.db")
    assert absolute == _path_of(f"sqlite://{absolute}")  # sqlite:// + /abs/a.db
    assert "rel.db" == _path_of("sqlite:rel.db")
    assert "plain.db" == _path_of("plain.db")
    assert absolute == _path_of(Path(absolute))
    assert "SQLITE.db" == _path_of("SQLITE:SQLITE.db")  # the scheme is case-blind
    assert {"a.db", "rel.db", "plain.db", "SQLITE.db"} <= {p.name for p in tmp_path.iterdir()}


def test_percent_escapes_are_decoded(tmp_path: Path) -> None:
    """sqlite:///…/my%20ledger.db opens "my ledger.db"."""
    assert str(tmp_path / "my ledger.db") == _path_of(f"sqlite://{tmp_path}/my%20ledger.db")


def test_colons_in_plain_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path with a colon that is no known scheme (``a:b.db``) stays a path; :memory: works."""
    monkeypatch.chdir(tmp_path)
    assert "a:b.db" == _path_of("a:b.db")
    assert ":memory:" == _path_of(":memory:")
    assert ":memory:" == _path_of("sqlite::memory:")


@pytest.mark.parametrize(
    "url", ["oracle://billing:s3cret@db.example:1521/zjj", "mysql://h/db", "file:///x.db"]
)
def test_other_schemes_are_refused_naming_the_supported_ones(url: str) -> None:
    """Any other scheme is a StoreError naming it and the supported forms, not the password."""
    scheme = url.split(":", 1)[0]
    with pytest.raises(StoreError) as info:
        open_store(url)
    message = str(info.value)
    assert f"no ledger store backend for scheme {scheme!r}" in message
    assert (
        "supported: postgres (postgres://user@host/dbname), postgresql "
        "(postgresql://user@host/dbname), sqlite (sqlite:///abs/path.db, sqlite:relative.db, "
        "or a file path)"
    ) in message
    assert "s3cret" not in message
    assert "db" == info.value.field


def test_a_host_in_a_sqlite_url_is_refused() -> None:
    """sqlite://host/path names a host, which SQLite does not have: StoreError."""
    with pytest.raises(StoreError, match="a SQLite URL names no host"):
        open_store("sqlite://server/ledger.db")


@pytest.mark.parametrize("empty", ["", "sqlite:", "sqlite:///", "  "])
def test_an_empty_name_is_refused(empty: str) -> None:
    """No file name would give a temporary database that is lost on close: StoreError."""
    with pytest.raises(StoreError, match="needs a file"):
        open_store(empty)


def test_a_scheme_added_to_the_registry_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A further backend is one entry of SCHEMES: open_store and LedgerBook.open then reach it."""
    seen: list[tuple[str, float, str]] = []

    def opener(rest: str, *, timeout: float, synchronous: str, check: bool) -> Any:
        seen.append((rest, timeout, synchronous))
        return SQLiteStore(tmp_path / "other.db", timeout=timeout, synchronous=synchronous)

    monkeypatch.setitem(backends.SCHEMES, "othersql", opener)
    with LedgerBook.open("othersql://h/db", timeout=3.0, synchronous="NORMAL") as book:
        assert [] == book.settlements("P1", 2019)
    assert [("//h/db", 3.0, "NORMAL")] == seen
    with pytest.raises(StoreError, match=r"supported: othersql, postgres \("):
        open_store("nosql://h/db")
