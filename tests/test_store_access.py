"""The store's tokens, audit trail and remembered responses, for every backend.

The tests take the store from the ``access_store`` fixture; a further backend adds its
opener to ``OPENERS`` (the PostgreSQL one when a server is given).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from zjj_medical import StoreError
from zjj_medical.store import LedgerStore, SQLiteStore
from zjj_medical.store.access import (
    AuditRecord,
    IdempotentResponse,
    TokenRecord,
    audit_chain_problems,
    audit_hash,
    new_secret,
    new_token_id,
    same_hash,
    token_hash,
)
from zjj_medical.store.journal import GENESIS

OPENERS: dict[str, Callable[[Path], LedgerStore]] = {
    "sqlite": lambda tmp: SQLiteStore(tmp / "access.db"),
}


@pytest.fixture(params=sorted(OPENERS))
def access_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    """A new, empty store of each backend."""
    store = OPENERS[request.param](tmp_path)
    try:
        yield store
    finally:
        store.close()


def _token(i: int, role: str = "facility", facility: str | None = "H1") -> TokenRecord:
    return TokenRecord(f"tok_{i:012x}", token_hash(f"secret-{i}"), role, facility,
                       f"2026-01-0{i}T00:00:00+00:00", note=f"n{i}")  # fmt: skip


def _audit(target: str, status: int = 200, outcome: str = "ok") -> AuditRecord:
    return AuditRecord(0, "2026-01-01T08:00:00+00:00", "settle", "tok_1", "facility", "H1",
                       "req-1", target, "sha256:ab", status, outcome)  # fmt: skip


def test_a_token_is_found_by_the_hash_of_its_secret_only(access_store: LedgerStore) -> None:
    """add_token keeps the record; token() finds it by hash, not by id or secret."""
    t = _token(1)
    access_store.add_token(t)
    assert t == access_store.token(token_hash("secret-1"))
    assert access_store.token("secret-1") is None
    assert access_store.token(t.id) is None
    assert [t] == access_store.tokens()


def test_tokens_are_listed_oldest_first(access_store: LedgerStore) -> None:
    """tokens() gives every token by creation time, revoked ones included."""
    for i in (2, 1, 3):
        access_store.add_token(_token(i, "bureau", None) if i == 3 else _token(i))
    access_store.revoke_token(_token(2).id, "2026-02-01T00:00:00+00:00")
    assert [_token(1).id, _token(2).id, _token(3).id] == [t.id for t in access_store.tokens()]
    assert [True, False, True] == [t.active for t in access_store.tokens()]
    assert ("bureau", None) == (access_store.tokens()[2].role, access_store.tokens()[2].facility)


def test_a_token_id_or_hash_is_kept_once(access_store: LedgerStore) -> None:
    """A second token with the same id, or the same secret, is refused: StoreError."""
    access_store.add_token(_token(1))
    with pytest.raises(StoreError, match="already kept"):
        access_store.add_token(attrs.evolve(_token(2), id=_token(1).id))
    with pytest.raises(StoreError, match="already kept"):
        access_store.add_token(attrs.evolve(_token(2), hash=_token(1).hash))
    assert 1 == len(access_store.tokens())


def test_revoking_keeps_the_first_time(access_store: LedgerStore) -> None:
    """revoke_token marks it once; again, or an unknown id, gives False and changes nothing."""
    access_store.add_token(_token(1))
    assert access_store.revoke_token(_token(1).id, "2026-03-01T00:00:00+00:00")
    assert not access_store.revoke_token(_token(1).id, "2026-04-01T00:00:00+00:00")
    assert not access_store.revoke_token("tok_nope", "2026-04-01T00:00:00+00:00")
    found = access_store.token(_token(1).hash)
    assert found is not None
    assert ("2026-03-01T00:00:00+00:00", False) == (found.revoked_at, found.active)


def test_the_audit_trail_is_numbered_and_chained(access_store: LedgerStore) -> None:
    """add_audit numbers records 1, 2, 3 and chains each hash to the one before."""
    stored = [access_store.add_audit(_audit(f"C{i}")) for i in (1, 2, 3)]
    assert [1, 2, 3] == [r.seq for r in stored]
    assert stored == access_store.audit()
    assert audit_hash(GENESIS, _audit("C1"), 1) == stored[0].hash
    assert audit_hash(stored[0].hash, _audit("C2"), 2) == stored[1].hash
    assert [] == audit_chain_problems(stored)
    assert stored[1:] == access_store.audit(after=1)
    assert stored[:2] == access_store.audit(limit=2)


def test_a_changed_audit_record_breaks_its_chain(access_store: LedgerStore) -> None:
    """A record read back with another status no longer matches its hash."""
    stored = [access_store.add_audit(_audit(f"C{i}")) for i in (1, 2)]
    forged = [stored[0], attrs.evolve(stored[1], status=409)]
    assert ["audit record 2: its hash does not match its content"] == audit_chain_problems(forged)
    assert ["audit record 2: out of sequence (expected 1)"] == audit_chain_problems(stored[1:])[:1]


def test_the_audit_seq_and_hash_given_are_ignored(access_store: LedgerStore) -> None:
    """The store numbers and hashes the record itself."""
    stored = access_store.add_audit(attrs.evolve(_audit("C1"), seq=99, hash="x"))
    assert (1, audit_hash(GENESIS, _audit("C1"), 1)) == (stored.seq, stored.hash)


def test_idempotent_responses_are_kept_per_key_and_principal(access_store: LedgerStore) -> None:
    """A response is found by (key, principal); the first one kept wins."""
    first = IdempotentResponse("k1", "tok_a", "sha256:1", 200, b'{"a":1}', "2026-01-01")
    assert first == access_store.add_idempotent(first)
    assert first == access_store.idempotent("k1", "tok_a")
    assert access_store.idempotent("k1", "tok_b") is None
    assert access_store.idempotent("k2", "tok_a") is None
    second = attrs.evolve(first, body=b'{"a":2}', body_hash="sha256:2")
    assert first == access_store.add_idempotent(second)
    assert b'{"a":1}' == access_store.idempotent("k1", "tok_a").body  # type: ignore[union-attr]


def test_writes_join_an_open_person_year_transaction(access_store: LedgerStore) -> None:
    """Inside a transaction that fails, an audit record written there is rolled back too."""

    def fail() -> None:
        with access_store.transaction("P1", 2019):
            access_store.add_audit(_audit("C1"))
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail()
    assert [] == access_store.audit()


def test_secrets_and_ids_are_new_each_time() -> None:
    """Two secrets, two ids differ; a secret is 43 URL-safe characters (32 bytes)."""
    a, b = new_secret(), new_secret()
    assert a != b
    assert 43 == len(a)
    assert new_token_id() != new_token_id()
    assert same_hash(token_hash(a), token_hash(a))
    assert not same_hash(token_hash(a), token_hash(b))


def test_the_sqlite_audit_table_refuses_update_and_delete(tmp_path: Path) -> None:
    """Triggers keep the SQLite audit trail append-only."""
    with SQLiteStore(tmp_path / "a.db") as store:
        store.add_audit(_audit("C1"))
    con = sqlite3.connect(tmp_path / "a.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit SET status = 500")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit")
    con.close()


def test_a_version_2_store_gains_the_tables(tmp_path: Path) -> None:
    """A schema 2 store (no access tables) is upgraded to 3 on open, its journal untouched."""
    db = tmp_path / "v2.db"
    with SQLiteStore(db) as store:
        pass
    con = sqlite3.connect(db)
    for table in ("tokens", "audit", "idempotency"):
        con.execute(f"DROP TABLE {table}")
    con.execute("UPDATE zjj_medical_schema SET version = 2")
    con.commit()
    con.close()
    with SQLiteStore(db) as store:
        assert 3 == store.schema_version
        store.add_token(_token(1))
        assert 1 == len(store.tokens())


def test_a_store_killed_during_a_checkpoint_opens(tmp_path: Path) -> None:
    """The image a kill -9 leaves in the middle of a checkpoint — page 1 with the new page
    count already in the file, the pages after it still only in the write-ahead log — opens
    with every committed claim (SQLite reads them from the log), not as a file cut short."""
    import shutil

    from zjj_medical import Claim, Facility, Person
    from zjj_medical.store import LedgerBook

    db, crash = tmp_path / "live.db", tmp_path / "crash"
    crash.mkdir()
    f = Facility(level="county", county="sangzhi")
    with LedgerBook.open(db) as book:
        book.settle(Claim("K0", "inpatient", "2019-01-03", f, "100", "100"),
                    Person("P0", poor=False, county="sangzhi"))  # fmt: skip
        store = book.store
        assert isinstance(store, SQLiteStore)
        store._exec("PRAGMA wal_checkpoint(TRUNCATE)")
        for i in range(1, 60):
            book.settle(Claim(f"K{i}", "inpatient", "2019-01-03", f, "100", "100"),
                        Person(f"P{i}", poor=False, county="sangzhi"))  # fmt: skip
        pages = int(store._exec("PRAGMA page_count").fetchone()[0])
        for name in ("live.db", "live.db-wal"):  # the files as a kill would leave them
            shutil.copy(tmp_path / name, crash / name)
    image = crash / "live.db"
    size = image.stat().st_size
    data = bytearray(image.read_bytes())
    assert pages * 4096 > size  # the log holds pages the file does not have yet
    data[28:32] = pages.to_bytes(4, "big")  # page 1 copied first, with the new count
    image.write_bytes(bytes(data))
    with LedgerBook.open(image) as book:
        assert 60 == len(book.store.find())
        assert book.verify().ok
