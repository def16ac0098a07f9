"""Behaviour checks of the PostgreSQL store added while mutation-testing it (tests/MUTATION.md
lists the survivors and their verdicts): what its advisory locks hold up and what they do
not, and how a key the database refuses is reported.

The PostgreSQL tests need a server (``ZJJ_MEDICAL_TEST_PG_URL``, see tests/store_helpers.py);
without one they are skipped, saying how to run them.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

import attrs
import pytest

from store_helpers import StoreTarget, _connect, pg_schema
from zjj_medical import Claim, Facility, Person, StoreError
from zjj_medical.errors import DuplicateClaim
from zjj_medical.store import LedgerBook, PostgresStore
from zjj_medical.store.access import AuditRecord, IdempotentResponse, TokenRecord, token_hash

CILI = Facility(level="county", county="cili")
AUDIT = AuditRecord(0, "2026-01-01T08:00:00+00:00", "settle", "tok_1", "facility", "H1",
                    "req-1", "C1", "sha256:ab", 200, "ok")  # fmt: skip


def _token(i: int) -> TokenRecord:
    return TokenRecord(f"tok_{i:012x}", token_hash(f"secret-{i}"), "bureau", None,
                       "2026-01-01T00:00:00+00:00")  # fmt: skip


def _response(key: str, principal: str) -> IdempotentResponse:
    return IdempotentResponse(key, principal, "sha256:cd", 200, b"{}", "2026-01-01T00:00:00+00:00")


@pytest.fixture
def url() -> Iterator[str]:
    with pg_schema() as u:
        yield u


@pytest.fixture
def other_url() -> Iterator[str]:
    with pg_schema() as u:
        yield u


def test_appends_in_one_schema_do_not_hold_up_another_schema(url: str, other_url: str) -> None:
    """A writer of schema A holds the audit trail's, the tokens' and a key's turn (its
    transaction open); a writer of schema B (1 s timeout) appends to its own at once."""
    first, second = PostgresStore(url), PostgresStore(other_url, timeout=1)
    try:
        with first.transaction("P0", 2019):
            first.add_audit(AUDIT)
            first.add_token(_token(1))
            first.add_idempotent(_response("k-1", "tok_1"))
            assert 1 == second.add_audit(AUDIT).seq
            second.add_token(_token(1))
            assert _response("k-1", "tok_1") == second.add_idempotent(_response("k-1", "tok_1"))
    finally:
        first.close()
        second.close()


def test_a_remembered_response_waits_only_for_the_same_key_of_the_same_token(url: str) -> None:
    """One writer keeps the response of key k-1 for tok_1 (its transaction open): another
    (1 s timeout) keeps k-2 for tok_1 and k-1 for tok_2 at once, and gives up with
    ``store.locked`` on k-1 for tok_1 itself."""
    first, second = PostgresStore(url), PostgresStore(url, timeout=1)
    try:
        with first.transaction("P0", 2019):
            first.add_idempotent(_response("k-1", "tok_1"))
            assert "k-2" == second.add_idempotent(_response("k-2", "tok_1")).key
            assert "tok_2" == second.add_idempotent(_response("k-1", "tok_2")).principal
            with pytest.raises(StoreError) as info:
                second.add_idempotent(_response("k-1", "tok_1"))
            assert "store.locked" == info.value.code
    finally:
        first.close()
        second.close()


def test_a_claim_id_the_store_holds_is_refused_by_the_store_itself(
    store_target: StoreTarget,
) -> None:
    """Below the book (which finds a stored claim id first): adding a settlement whose claim
    id is stored is ``DuplicateClaim`` ``store.claim.stored`` naming the id; one whose place
    in the person-year is taken is a ``StoreError`` of the database, with its message."""
    person = Person("P1", poor=False, county="cili")
    with LedgerBook.open(store_target.url) as book:
        record = book.settle(Claim("C1", "inpatient", "2019-05-02", CILI, "900", "900"), person)
        store = book.store
        with pytest.raises(DuplicateClaim) as stored, store.transaction("P1", 2019):
            store.add_settlement(attrs.evolve(record, seq=2))
        again = attrs.evolve(record, settlement=attrs.evolve(record.settlement, claim_id="C9"))
        with pytest.raises(StoreError) as taken, store.transaction("P1", 2019):
            store.add_settlement(again)
        assert ["C1"] == [r.claim_id for r in store.settlements("P1", 2019)]
    assert ("store.claim.stored", {"claim_id": "C1"}, "C1", "id") == (
        stored.value.code, stored.value.params, stored.value.claim_id, stored.value.field,
    )  # fmt: skip
    assert not isinstance(taken.value, DuplicateClaim)
    if store_target.backend == "postgresql":
        assert "store.postgres" == taken.value.code
        detail = taken.value.params["detail"]
        assert detail.startswith("duplicate key value violates unique constraint")
        assert "\n" not in detail
        assert detail in str(taken.value)


def test_a_settlement_the_server_refuses_is_a_store_error_with_its_reason(url: str) -> None:
    """A rule added to the settlements table by the database's owner (no claim C9): settling
    C9 is ``store.postgres`` with the server's reason, naming the rule; nothing is kept."""
    PostgresStore(url).close()
    with _connect(url) as conn:
        conn.execute("ALTER TABLE settlements ADD CONSTRAINT no_c9 CHECK (claim_id <> 'C9')")
    person = Person("P1", poor=False, county="cili")
    with LedgerBook.open(url) as book:
        with pytest.raises(StoreError) as info:
            book.settle(Claim("C9", "inpatient", "2019-05-02", CILI, "900", "900"), person)
        assert [] == book.store.settlements("P1", 2019)
    assert "store.postgres" == info.value.code
    assert "no_c9" in info.value.params["detail"]


def test_a_search_path_without_a_schema_is_refused_at_the_db(url: str) -> None:
    bad = url.rpartition("%3D")[0] + "%3Dno_such_schema_zjj"
    with pytest.raises(StoreError) as info:
        PostgresStore(bad)
    assert ("store.postgres.schema", "db") == (info.value.code, info.value.field)


def test_a_schema_with_a_version_table_but_not_the_stores_tables_is_foreign(url: str) -> None:
    """A version table beside another application's table is not a store: refused, naming
    the tables found, comma-separated, at the ``db``."""
    with _connect(url) as conn:
        conn.execute("CREATE TABLE zjj_medical_schema (version INTEGER, created TEXT)")
        conn.execute("INSERT INTO zjj_medical_schema VALUES (3, '2026-01-01')")
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(StoreError) as info:
        PostgresStore(url)
    assert ("store.postgres.foreign", "db") == (info.value.code, info.value.field)
    assert "invoices, zjj_medical_schema" == info.value.params["tables"]


def test_a_version_table_of_two_rows_is_a_damaged_schema(url: str) -> None:
    PostgresStore(url).close()
    with _connect(url) as conn:
        conn.execute("INSERT INTO zjj_medical_schema SELECT * FROM zjj_medical_schema")
    with pytest.raises(StoreError) as info:
        PostgresStore(url)
    assert ("store.schema.damaged", "db") == (info.value.code, info.value.field)
    assert {"db": PostgresStore.display(url)} == info.value.params


def test_a_newer_schema_version_is_refused_at_the_db(url: str) -> None:
    PostgresStore(url).close()
    with _connect(url) as conn:
        conn.execute("UPDATE zjj_medical_schema SET version = 99")
    with pytest.raises(StoreError) as info:
        PostgresStore(url)
    assert ("store.schema.newer", "db") == (info.value.code, info.value.field)
    assert {"db": PostgresStore.display(url), "version": 99, "known": 3} == info.value.params


def test_the_store_is_created_at_a_time_in_utc(url: str) -> None:
    PostgresStore(url).close()
    with _connect(url) as conn:
        ((created,),) = conn.execute("SELECT created_at FROM zjj_medical_schema").fetchall()
    assert dt.timedelta(0) == dt.datetime.fromisoformat(created).utcoffset()


def test_a_connection_the_server_ends_mid_transaction_is_a_store_error(url: str) -> None:
    """The server ends the store's connection inside a transaction: the next statement is a
    ``StoreError`` (the rollback that follows, on a dead connection, is not another error)."""
    with PostgresStore(url) as store, pytest.raises(StoreError) as info:
        _read_after_the_server_ends_the_connection(store, url)
    assert "store.postgres" == info.value.code


def _read_after_the_server_ends_the_connection(store: PostgresStore, url: str) -> None:
    pid = store._exec("SELECT pg_backend_pid()").fetchone()[0]
    with store.transaction("P1", 2019):
        with _connect(url) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        store.ledger("P1", 2019)


def test_a_moved_chain_head_is_refused_on_open_at_the_db(url: str) -> None:
    person = Person("P1", poor=False, county="cili")
    with LedgerBook.open(url) as book:
        book.settle(Claim("C1", "inpatient", "2019-05-02", CILI, "900", "900"), person)
    with _connect(url) as conn:
        conn.execute("UPDATE journal_head SET seq = 7")
    with pytest.raises(StoreError) as info:
        PostgresStore(url)
    assert ("store.damaged", "db") == (info.value.code, info.value.field)


def test_without_psycopg_a_postgresql_store_names_the_extra_at_the_db(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """psycopg not importable: ``store.postgres.missing`` at the ``db`` (no server needed)."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreError) as info:
        PostgresStore("postgresql://u@h/db")
    assert ("store.postgres.missing", "db") == (info.value.code, info.value.field)


@pytest.mark.parametrize(
    ("timeout", "connect", "lock"),
    [(None, "30", "30s"), (0.2, "1", "200ms"), (2.5, "2", "2500ms"), (0.001, "1", "1ms")],
)
def test_the_timeout_bounds_the_connection_and_the_wait_for_a_lock(
    url: str, timeout: float | None, connect: str, lock: str
) -> None:
    """30 s by default; the connection's in whole seconds, at least 1 (0.2 → 1; 2.5 → 2,
    rounded to even), the lock wait in milliseconds (0.2 → 200ms)."""
    store = PostgresStore(url) if timeout is None else PostgresStore(url, timeout=timeout)
    with store:
        assert f"connect_timeout={connect} " in store._conn.info.dsn + " "
        assert lock == store._exec("SHOW lock_timeout").fetchone()[0]


def test_an_unreachable_server_is_refused_at_the_db() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as info:
        PostgresStore("postgresql://billing@127.0.0.1:1/zjj", timeout=2)
    assert ("store.open", "db") == (info.value.code, info.value.field)
    assert "127.0.0.1" in info.value.params["detail"]  # the server's or libpq's words


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://billing:s3cret@db.example/ledger?password=x&sslmode=require",
         "postgresql://billing@db.example/ledger?sslmode=require"),
        ("postgresql://bill:p@ss:w@db/ledger", "postgresql://bill@db/ledger"),
        ("postgresql://bill@db/ledger?password=x", "postgresql://bill@db/ledger"),
        ("postgresql://db/ledger?sslmode=require&application_name=his",
         "postgresql://db/ledger?sslmode=require&application_name=his"),
    ],
)  # fmt: skip
def test_a_store_is_named_by_its_url_without_the_password(url: str, shown: str) -> None:
    """No part of a password shows, even one holding ``@`` or ``:``; other parameters stay."""
    assert shown == PostgresStore.display(url)


def test_a_write_outside_a_transaction_is_refused(url: str) -> None:
    """A settlement added with no person-year transaction open: ``store.transaction.needed``."""
    person = Person("P1", poor=False, county="cili")
    with LedgerBook.open(":memory:") as book:
        record = book.settle(Claim("C1", "inpatient", "2019-05-02", CILI, "900", "900"), person)
    with PostgresStore(url) as store:
        with pytest.raises(StoreError) as info:
            store.add_settlement(record)
        assert [] == store.settlements("P1", 2019)
    assert "store.transaction.needed" == info.value.code
