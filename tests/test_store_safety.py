"""Concurrency and crash safety of the SQLite ledger store, and refusal of bad database files.

Child processes are started with ``spawn`` (a fresh interpreter, like a second billing
workstation) and work on the same database file as the test.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from store_helpers import dump
from zjj_medical import (
    Claim,
    Facility,
    Ledger,
    Person,
    ReimbursementError,
    StoreError,
    settle_year,
)
from zjj_medical.store import LedgerBook, Reversal, SQLiteStore

CTX = mp.get_context("spawn")
PERSON = Person("P-shared", poor=False, county="cili")
FACILITY = Facility(level="county", county="cili")


def claim(i: int) -> Claim:
    """Claim i: an inpatient claim whose amount differs by claim, so the order matters."""
    total = f"{10000 + 997 * i}.00"
    return Claim(f"K{i:02d}", "inpatient", f"2019-{1 + i % 12:02d}-15", FACILITY, total, total)


# -- children (run in other processes) ---------------------------------------------------------
def _settle_many(db: str, numbers: list[int], start: Any) -> None:
    start.wait()
    with LedgerBook.open(db) as book:
        for i in numbers:
            book.settle(claim(i), PERSON)


def _die_after_first_write(db: str) -> None:
    from zjj_medical.store import sqlite

    def die(self: SQLiteStore, ledger: object) -> None:
        os._exit(17)  # killed between writing the settlement and writing the ledger

    sqlite.SQLiteStore._put_ledger = die  # type: ignore[method-assign]
    with LedgerBook.open(db) as book:
        book.settle(claim(5), PERSON)


def _die_after_spilling(db: str, wal_size: Any) -> None:
    from zjj_medical.store import sqlite

    real = sqlite.SQLiteStore._put_ledger
    calls: list[int] = []

    def die_late(self: SQLiteStore, ledger: Any) -> None:
        real(self, ledger)
        calls.append(1)
        if len(calls) == 20:  # 20 claims written, none committed
            wal_size.value = os.path.getsize(db + "-wal")
            os._exit(19)

    sqlite.SQLiteStore._put_ledger = die_late  # type: ignore[method-assign]
    with LedgerBook.open(db) as book:
        book.store._conn.execute("PRAGMA cache_size=10")  # small cache: pages spill to the WAL
        book.settle_all([claim(i) for i in range(10, 34)], PERSON)


def _die_in_reverse(db: str) -> None:
    from zjj_medical.store import sqlite

    def die(self: SQLiteStore, claim_id: str) -> None:
        os._exit(18)  # killed after re-settling the later claims, before removing the reversed one

    sqlite.SQLiteStore._remove_settlement = die  # type: ignore[method-assign]
    with LedgerBook.open(db) as book:
        book.reverse("K01")


def _kill_9_in_reverse(db: str, after: str) -> None:
    """Reverse K01 and SIGKILL this process once the posting ``after`` is written."""
    import signal

    from zjj_medical.store import sqlite

    real = sqlite.SQLiteStore._append

    def append_then_die(self: SQLiteStore, kind: str, *args: Any) -> Any:
        posting = real(self, kind, *args)
        if kind == after:
            os.kill(os.getpid(), signal.SIGKILL)
        return posting

    sqlite.SQLiteStore._append = append_then_die  # type: ignore[method-assign]
    with LedgerBook.open(db) as book:
        book.reverse("K01")


def run_child(target: Any, *args: Any) -> int | None:
    """Run ``target(*args)`` in a fresh process; its exit code."""
    child = CTX.Process(target=target, args=args)
    child.start()
    child.join(120)
    return child.exitcode


def settled(db: Path, *numbers: int) -> list[str]:
    """Settle claims ``numbers`` of PERSON in a store at ``db``; the file's rows after."""
    with LedgerBook.open(db) as book:
        book.settle_all([claim(i) for i in numbers], PERSON)
    return dump(db)


# -- concurrency ------------------------------------------------------------------------------
def test_two_processes_never_lose_an_update(tmp_path: Path) -> None:
    """2 processes settling 24 claims of one person at once lose nothing: store = sequential run."""
    # every id is in the ledger; settlements and ledger equal settle_year in the committed order
    db = str(tmp_path / "shared.db")
    LedgerBook.open(db).close()
    n = 24
    start = CTX.Event()
    workers = [
        CTX.Process(target=_settle_many, args=(db, list(range(k, n, 2)), start)) for k in (0, 1)
    ]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(120)
    assert [0, 0] == [w.exitcode for w in workers]
    with LedgerBook.open(db) as book:
        ledger = book.ledger("P-shared", 2019)
        assert sorted(claim(i).id for i in range(n)) == sorted(ledger.claim_ids)
        stored = book.settlements("P-shared", 2019)
        assert list(ledger.claim_ids) == [r.claim_id for r in stored]
        by_id = {claim(i).id: claim(i) for i in range(n)}
        expected = settle_year([by_id[cid] for cid in ledger.claim_ids], PERSON)
        assert [s.to_dict() for s in expected] == [r.settlement.to_dict() for r in stored]
        assert expected[-1].ledger == ledger


# -- crash safety -----------------------------------------------------------------------------
def test_an_exception_between_the_writes_leaves_the_store_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger write raising after the settlement row was written rolls everything back."""
    db = tmp_path / "ledger.db"
    with LedgerBook.open(db) as book:
        book.settle(claim(1), PERSON)
        before = dump(db)

        def boom(self: SQLiteStore, ledger: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(SQLiteStore, "_put_ledger", boom)
        with pytest.raises(RuntimeError, match="disk full"):
            book.settle(claim(2), PERSON)
        assert before == dump(db)
        monkeypatch.undo()
        assert book.store.settlement("K02") is None
        book.settle(claim(2), PERSON)  # and the store still works
        assert ("K01", "K02") == book.ledger("P-shared", 2019).claim_ids


def test_an_exception_in_a_reversal_leaves_the_store_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reversal failing after re-settling the later claims leaves every row as it was."""
    db = tmp_path / "ledger.db"
    with LedgerBook.open(db) as book:
        book.settle_all([claim(1), claim(2), claim(3)], PERSON)
        before = dump(db)

        def boom(self: SQLiteStore, reversal: object) -> int:
            raise RuntimeError("interrupted")

        monkeypatch.setattr(SQLiteStore, "_insert_reversal", boom)
        with pytest.raises(RuntimeError):
            book.reverse("K01")
        assert before == dump(db)


def test_a_process_killed_mid_settlement_leaves_the_store_as_before(tmp_path: Path) -> None:
    """os._exit after the settlement row is written and before commit: the file is unchanged."""
    db = tmp_path / "ledger.db"
    before = settled(db, 1)
    assert 17 == run_child(_die_after_first_write, str(db))
    assert before == dump(db)
    with LedgerBook.open(db, timeout=5) as book:  # the dead writer's lock is gone
        book.settle(claim(5), PERSON)
        assert ("K01", "K05") == book.ledger("P-shared", 2019).claim_ids


def test_uncommitted_pages_on_disk_are_ignored_after_a_kill(tmp_path: Path) -> None:
    """A killed transaction whose pages already reached the WAL file leaves the store as before."""
    db = tmp_path / "ledger.db"
    before = settled(db, 1)
    wal_size = CTX.Value("q", 0)
    assert 19 == run_child(_die_after_spilling, str(db), wal_size)
    assert wal_size.value > 0  # the uncommitted writes were on disk when the process died
    assert before == dump(db)
    with LedgerBook.open(db) as book:
        assert ("K01",) == book.ledger("P-shared", 2019).claim_ids


def test_a_process_killed_mid_reversal_leaves_the_store_as_before(tmp_path: Path) -> None:
    """os._exit in the middle of a reversal: nothing of it is kept."""
    db = tmp_path / "ledger.db"
    before = settled(db, 1, 2, 3)
    assert 18 == run_child(_die_in_reverse, str(db))
    assert before == dump(db)


@pytest.mark.parametrize("after", ["reverse", "adjust"])
def test_kill_9_mid_reversal_loses_and_duplicates_nothing_and_verifies(
    tmp_path: Path, after: str
) -> None:
    """SIGKILL after the reverse (or first adjust) posting: store as before, verify ok, redo works."""
    db = tmp_path / "ledger.db"
    before = settled(db, 1, 2, 3)
    assert -9 == run_child(_kill_9_in_reverse, str(db), after)
    assert before == dump(db)
    with LedgerBook.open(db) as book:  # the check on open passes: the chain is whole
        assert book.verify().ok
        ids = [r.claim_id for r in book.store.find()]
        assert ["K01", "K02", "K03"] == sorted(ids)  # none lost, none twice
        book.reverse("K01")
        assert ("K02", "K03") == book.ledger("P-shared", 2019).claim_ids
        report = book.verify()
        assert report.ok, [p.message for p in report.problems]
        assert 6 == report.postings


# -- bad database files -----------------------------------------------------------------------
def test_random_bytes_are_refused(tmp_path: Path) -> None:
    """A file of random bytes gives a StoreError naming the file (not a sqlite3 error)."""
    db = tmp_path / "noise.db"
    db.write_bytes(random.Random(7).randbytes(8192))
    with pytest.raises(StoreError, match=r"noise\.db: not a zjj_medical ledger store") as info:
        SQLiteStore(db)
    assert isinstance(info.value, ReimbursementError)


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    """Another application's SQLite database is refused, naming its tables, and left untouched."""
    db = tmp_path / "his.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE patients (id TEXT PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO patients VALUES ('1', 'x')")
    con.commit()
    con.close()
    before = dump(db)
    with pytest.raises(StoreError, match="tables: patients"):
        SQLiteStore(db)
    assert before == dump(db)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    """A store written by a newer schema version is refused rather than misread."""
    db = tmp_path / "new.db"
    SQLiteStore(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE zjj_medical_schema SET version = 99")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        SQLiteStore(db)


def test_a_damaged_row_is_reported(tmp_path: Path) -> None:
    """A settlement row whose JSON was damaged gives a StoreError naming the claim."""
    db = tmp_path / "ledger.db"
    with LedgerBook.open(db) as book:
        book.settle(claim(1), PERSON)
    con = sqlite3.connect(db)
    con.execute("UPDATE settlements SET ledger = ?", (json.dumps({"person_id": "x"}),))
    con.commit()
    con.close()
    with SQLiteStore(db) as store, pytest.raises(StoreError, match="claim K01 is damaged"):
        store.settlement("K01")


def test_an_empty_file_becomes_a_store_in_wal_mode(tmp_path: Path) -> None:
    """An empty file is initialised: WAL journal, application id, schema version 3."""
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    with SQLiteStore(db) as store:
        assert 3 == store.schema_version
    con = sqlite3.connect(db)
    assert "wal" == con.execute("PRAGMA journal_mode").fetchone()[0]
    assert 0x7A6A6A6D == con.execute("PRAGMA application_id").fetchone()[0]
    con.close()


def test_writes_need_the_transaction_of_their_person_year(tmp_path: Path) -> None:
    """A write outside store.transaction(), or inside another person-year's, is refused."""
    with LedgerBook.open(tmp_path / "x.db") as book:
        record = book.settle(claim(1), PERSON)
        book.reverse("K01")
        store = book.store
        assert isinstance(store, SQLiteStore)
        with pytest.raises(StoreError, match=r"need store\.transaction\('P-shared', 2019\); none"):
            store.add_settlement(record)
        with (
            store.transaction("P-other", 2019),
            pytest.raises(StoreError, match="the open transaction is of P-other 2019"),
        ):
            store.add_settlement(record)
        with store.transaction("P-shared", 2020), pytest.raises(StoreError, match="add_reversal"):
            store.add_reversal(Reversal(0, record, (), "now"), [], Ledger.empty("P-shared", 2019))
        with store.transaction("P-shared", 2019), pytest.raises(StoreError, match="already open"):
            store.transaction("P-other", 2019).__enter__()
        assert store.settlement("K01") is None  # nothing was written
        with store.transaction("P-shared", 2019):
            store.add_settlement(record)
        assert record == store.settlement("K01")


def test_a_row_under_another_key_is_damaged_and_verify_says_so(tmp_path: Path) -> None:
    """A copy of K01's settlement row keyed as another claim of another person (K09 of P9)
    is not served as K01 under K09: reading it is a damaged-row error naming both keys, and
    ``ledger verify`` reports it instead of passing."""
    db = tmp_path / "ledger.db"
    with LedgerBook.open(db) as book:
        book.settle(claim(1), PERSON)
    con = sqlite3.connect(db)
    columns = [r[1] for r in con.execute("PRAGMA table_info(settlements)")]
    picked = ", ".join(
        {"claim_id": "'K09'", "person_id": "'P9'"}.get(c, c) for c in columns
    )  # every column as it is, the keys changed
    con.execute(f"INSERT INTO settlements ({', '.join(columns)}) "
                f"SELECT {picked} FROM settlements WHERE claim_id = 'K01'")  # fmt: skip
    con.commit()
    con.close()
    with SQLiteStore(db) as store, pytest.raises(StoreError) as info:
        store.settlement("K09")
    assert "store.settlement.damaged" == info.value.code
    assert "keyed K09 of P9 2019, its record is K01 of" in str(info.value)
    with LedgerBook.open(db) as book:
        report = book.verify()
    assert not report.ok
    assert any("K09" in p.message for p in report.problems)
