"""Behaviour checks of the SQLite side of the ledger store (opening by URL, the schema and its
file check, the shared SQL, the store itself, its tokens and audit trail), added while
mutation-testing it (tests/MUTATION.md lists the survivors and their verdicts).
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
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


# -- the file check on open (store/sqlite_schema.py) -------------------------------------------
# A SQLite file starts with a 100-byte header: the page size at bytes 16-17 (big-endian; 1
# means 65536), the change counter at 24-27, the page count at 28-31, the version-valid-for
# number at 92-95 (https://www.sqlite.org/fileformat2.html#the_database_header).


def _new_store(path: Path, page_size: int | None = None) -> int:
    """A new, closed store at ``path`` (with ``page_size``-byte pages); its page count."""
    if page_size is not None:  # an empty SQLite file of that page size; the store fills it
        con = sqlite3.connect(path)
        con.execute(f"PRAGMA page_size={page_size}")
        con.execute("CREATE TABLE x (a)")
        con.execute("DROP TABLE x")
        con.commit()
        con.close()
    SQLiteStore(path).close()
    assert not Path(f"{path}-wal").exists()
    header = path.read_bytes()[:100]
    assert header[24:28] == header[92:96]  # the header's page count is valid
    return int.from_bytes(header[28:32], "big")


def _damaged(path: Path) -> StoreError:
    """The error of opening ``path`` without the cheap check (the file check runs anyway)."""
    with pytest.raises(StoreError) as info:
        SQLiteStore(path, check=False)
    assert ("store.damaged", "db", str(path)) == (
        info.value.code,
        info.value.field,
        info.value.params["db"],
    )
    return info.value


def test_a_file_cut_inside_a_page_is_refused_even_without_the_check(tmp_path: Path) -> None:
    """4096-byte pages: a file 3 bytes short of them is not a whole number of pages."""
    db = tmp_path / "ledger.db"
    pages = _new_store(db)
    with db.open("r+b") as f:
        f.truncate(pages * 4096 - 3)
    detail = f"{pages * 4096 - 3} bytes is not a whole number of 4096-byte pages"
    assert f"{detail}: the file was cut short" == _damaged(db).params["detail"]


def test_a_file_cut_by_a_page_is_refused_even_without_the_check(tmp_path: Path) -> None:
    """A whole number of pages, one fewer than the header says."""
    db = tmp_path / "ledger.db"
    pages = _new_store(db)
    with db.open("r+b") as f:
        f.truncate((pages - 1) * 4096)
    detail = f"{(pages - 1) * 4096} bytes, the header says {pages} pages of 4096 bytes"
    assert f"{detail}: the file was cut short" == _damaged(db).params["detail"]


def test_a_file_of_its_header_alone_is_cut_short(tmp_path: Path) -> None:
    """The first 100 bytes of a store (its header, no whole page) are a file cut short."""
    db = tmp_path / "ledger.db"
    _new_store(db)
    with db.open("r+b") as f:
        f.truncate(100)
    assert _damaged(db).params["detail"].startswith("100 bytes is not a whole number of 4096")


@pytest.mark.parametrize("size", [256, 1000, 4095, 0])
def test_a_header_page_size_that_sqlite_never_writes_is_refused(tmp_path: Path, size: int) -> None:
    """Page sizes are powers of two from 512 to 65536 (written 1 for 65536): another is damage."""
    db = tmp_path / "ledger.db"
    _new_store(db)
    data = bytearray(db.read_bytes())
    data[16:18] = size.to_bytes(2, "big")
    db.write_bytes(bytes(data))
    assert f"page size {size} in the header" == _damaged(db).params["detail"]
    assert f"page size {size} in the header" in str(_damaged(db))


@pytest.mark.parametrize("page_size", [512, 65536])
def test_stores_of_the_smallest_and_the_largest_pages_open(tmp_path: Path, page_size: int) -> None:
    """512 and 65536 bytes (the header says 1) are page sizes SQLite writes: the store opens."""
    db = tmp_path / "ledger.db"
    pages = _new_store(db, page_size)
    assert pages * page_size == db.stat().st_size
    assert (1 if page_size == 65536 else page_size) == int.from_bytes(db.read_bytes()[16:18], "big")
    with SQLiteStore(db) as store:
        assert page_size == store._conn.execute("PRAGMA page_size").fetchone()[0]


def test_the_page_count_is_not_checked_beside_a_log_with_frames(tmp_path: Path) -> None:
    """A write-ahead log of more than its 32-byte header holds frames, which SQLite reads the
    pages from: then a file shorter than its header says is not refused by the file check."""
    from zjj_medical.store.sqlite_schema import check_file

    db = tmp_path / "ledger.db"
    pages = _new_store(db)
    with db.open("r+b") as f:
        f.truncate((pages - 1) * 4096)
    wal = Path(f"{db}-wal")
    wal.write_bytes(b"\0" * 32)  # its header alone: no frames
    with pytest.raises(StoreError, match="the header says"):
        check_file(str(db))
    wal.write_bytes(b"\0" * 33)
    check_file(str(db))  # nothing said


def test_a_header_page_count_is_read_from_all_four_bytes(tmp_path: Path) -> None:
    """A header saying 2^24 pages more than the file has (its first count byte 1) is a file cut
    short, read from the four bytes of the count."""
    db = tmp_path / "ledger.db"
    pages = _new_store(db)
    data = bytearray(db.read_bytes())
    data[28:32] = (2**24 + pages).to_bytes(4, "big")
    db.write_bytes(bytes(data))
    size = pages * 4096
    said = f"{size} bytes, the header says {2**24 + pages} pages of 4096 bytes"
    assert f"{said}: the file was cut short" == _damaged(db).params["detail"]


def _null_roles(path: Path, rows: int) -> None:
    """``rows`` token rows with no role in the store at ``path``, the column declared
    ``NOT NULL`` (written while the schema said otherwise): SQLite's quick check reports each."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA writable_schema=ON")
    con.execute("UPDATE sqlite_master SET sql = replace(sql, 'role TEXT NOT NULL', 'role TEXT') "
                "WHERE name = 'tokens'")  # fmt: skip
    con.commit()
    con.close()
    con = sqlite3.connect(path)
    for i in range(rows):
        con.execute("INSERT INTO tokens (id, hash, role, created_at) VALUES (?, ?, NULL, '')",
                    (f"t{i}", f"h{i}"))  # fmt: skip
    con.execute("PRAGMA writable_schema=ON")
    con.execute("UPDATE sqlite_master SET sql = replace(sql, 'role TEXT,', 'role TEXT NOT NULL,') "
                "WHERE name = 'tokens'")  # fmt: skip
    con.commit()
    con.close()


def test_the_quick_check_shows_its_first_three_findings(tmp_path: Path) -> None:
    """A small store failing SQLite's quick check (four rows breaking ``NOT NULL``) is
    ``store.damaged`` of the ``db`` field, showing the first three findings, "; "-separated."""
    db = tmp_path / "ledger.db"
    _new_store(db)
    _null_roles(db, 4)
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    found = "; ".join(["NULL value in tokens.role"] * 3)
    assert ("store.damaged", "db") == (info.value.code, info.value.field)
    assert f"SQLite's quick check: {found}" == info.value.params["detail"]
    SQLiteStore(db, check=False).close()


def test_the_quick_check_runs_on_stores_of_at_most_its_page_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick check runs on a store of ``QUICK_CHECK_PAGES`` pages, not of one page more."""
    from zjj_medical.store import sqlite_schema

    db = tmp_path / "ledger.db"
    pages = _new_store(db)
    _null_roles(db, 1)
    monkeypatch.setattr(sqlite_schema, "QUICK_CHECK_PAGES", pages)
    with pytest.raises(StoreError, match=r"SQLite's quick check: NULL value in tokens\.role"):
        SQLiteStore(db)
    monkeypatch.setattr(sqlite_schema, "QUICK_CHECK_PAGES", pages - 1)
    SQLiteStore(db).close()


def test_a_table_sqlite_cannot_read_is_damage_in_its_words(tmp_path: Path) -> None:
    """The journal's root page made no b-tree page: SQLite's error is the detail."""
    db = tmp_path / "ledger.db"
    _new_store(db)
    con = sqlite3.connect(db)
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'journal'").fetchone()[0]
    con.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * 4096] = 0  # the page type byte
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    assert ("store.damaged", "db") == (info.value.code, info.value.field)
    assert {"db": str(db), "detail": "database disk image is malformed"} == info.value.params


# -- the shared SQL of the tables (store/sql_tables.py) ----------------------------------------
# Mutants that only change the case of SQL keywords or unquoted names are equivalent (both
# databases read them case-blind); the checks below are of what the tables hold and say.


def _book_of_three(path: Path) -> Any:
    """A store at ``path`` holding C1, C2, C3 of P-cili 2019 (40000.00 each, county hospital)."""
    from zjj_medical import Claim, Facility, Person
    from zjj_medical.store import LedgerBook

    person = Person("P-cili", poor=False, county="cili")
    hospital = Facility(level="county", county="cili")
    book = LedgerBook.open(path)
    for i in (1, 2, 3):
        book.settle(Claim(f"C{i}", "inpatient", f"2019-0{i}-10", hospital, "40000", "40000"),
                    person)  # fmt: skip
    return book


def _sql(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    for statement in statements:
        con.execute(statement)
    con.commit()
    con.close()


def test_a_settlement_row_that_cannot_be_read_names_its_claim(tmp_path: Path) -> None:
    """A settlements row whose JSON is cut: ``store.settlement.damaged`` of that claim id,
    naming the store and JSON's own words."""
    db = tmp_path / "ledger.db"
    _book_of_three(db).close()
    _sql(db, "UPDATE settlements SET settlement = '{\"x\":' WHERE claim_id = 'C2'")
    with SQLiteStore(db) as store, pytest.raises(StoreError) as info:
        store.settlement("C2")
    e = info.value
    assert ("store.settlement.damaged", "C2") == (e.code, e.claim_id)
    assert {"db", "claim_id", "detail"} == set(e.params)
    assert (str(db), "C2") == (e.params["db"], e.params["claim_id"])
    assert e.params["detail"].startswith("Expecting value: line 1 column 6")
    assert f"{db}: the stored settlement of claim C2 is damaged" in str(e)


def test_a_settlement_row_under_another_key_says_both(tmp_path: Path) -> None:
    """C2's row keyed as C9 of P-other 2020: damaged, saying the row's keys and the record's."""
    db = tmp_path / "ledger.db"
    _book_of_three(db).close()
    _sql(db, "UPDATE settlements SET claim_id = 'C9', person_id = 'P-other', year = 2020 "
             "WHERE claim_id = 'C2'")  # fmt: skip
    with SQLiteStore(db) as store, pytest.raises(StoreError) as info:
        store.settlement("C9")
    e = info.value
    assert ("store.settlement.damaged", "C9", "C9") == (e.code, e.claim_id, e.params["claim_id"])
    said = "its row is keyed C9 of P-other 2020, its record is C2 of P-cili 2019"
    assert said == e.params["detail"]


def test_a_ledger_row_that_cannot_be_read_names_its_person_year(tmp_path: Path) -> None:
    """A ledgers row whose JSON is cut: ``store.ledger.damaged`` naming store and person-year."""
    db = tmp_path / "ledger.db"
    _book_of_three(db).close()
    _sql(db, "UPDATE ledgers SET ledger = '{'")
    with SQLiteStore(db) as store, pytest.raises(StoreError) as info:
        store.ledger("P-cili", 2019)
    e = info.value
    assert "store.ledger.damaged" == e.code
    assert {"db": str(db), "person_id": "P-cili", "year": 2019} == {
        k: e.params[k] for k in ("db", "person_id", "year")
    }
    assert e.params["detail"].startswith("Expecting property name enclosed in double quotes")
    assert f"{db}: the ledger of P-cili 2019 is damaged: Expecting property name" in str(e)


def test_a_first_response_that_cannot_be_read_names_its_claim(tmp_path: Path) -> None:
    """The journal's ``settle`` posting of C1 changed into no record: ``original("C1")`` is
    ``store.settlement.damaged`` of C1."""
    db = tmp_path / "ledger.db"
    _book_of_three(db).close()
    _sql(db, "DROP TRIGGER journal_no_update",
         "UPDATE journal SET content = '{\"record\": {}}' WHERE claim_id = 'C1'")  # fmt: skip
    with SQLiteStore(db, check=False) as store, pytest.raises(StoreError) as info:
        store.original("C1")
    e = info.value
    assert ("store.settlement.damaged", "C1", "C1") == (e.code, e.claim_id, e.params["claim_id"])
    assert "'ledger'" == e.params["detail"]  # the KeyError of the missing key


def test_the_chain_head_of_a_store_without_its_head_row(tmp_path: Path) -> None:
    """No head row recorded: the head is (0, "") — no posting, no hash."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "DELETE FROM journal_head")
    with SQLiteStore(db, check=False) as store:
        assert (0, "") == store.chain_head()


def test_writes_outside_their_transaction_name_the_write(tmp_path: Path) -> None:
    """``add_settlement`` and ``add_reversal`` outside the person-year's transaction."""
    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    store = book.store
    c2 = store.settlement("C2")
    with pytest.raises(StoreError, match=r"^add_settlement: writes of P-cili 2019 need"):
        store.add_settlement(c2)
    reversal = book.reverse("C1")
    with pytest.raises(StoreError, match=r"^add_reversal: writes of P-cili 2019 need"):
        store.add_reversal(reversal, [], c2.settlement.ledger)
    with store.transaction("P-cili", 2019):  # the records are right, the ledger another's
        other = attrs.evolve(c2.settlement.ledger, person_id="P-other")
        with pytest.raises(StoreError, match=r"^add_reversal: writes of P-other 2019 need"):
            store.add_reversal(reversal, [], other)
    book.close()


def test_a_reversal_with_a_record_per_adjustment_wrong_is_refused(tmp_path: Path) -> None:
    """Two adjustments, one re-settled record: ``store.reversal.adjustments``, saying so."""
    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    reversal = book.reverse("C1")
    store = book.store
    c2 = store.settlement("C2")
    with store.transaction("P-cili", 2019), pytest.raises(StoreError) as info:
        store.add_reversal(reversal, [c2], c2.settlement.ledger)
    e = info.value
    assert "store.reversal.adjustments" == e.code
    assert {"claim_id": "C1", "resettled": 1, "adjustments": 2} == e.params
    assert "add_reversal: claim C1: 1 re-settled records for 2 adjustments" == str(e)
    book.close()


def test_a_reversal_of_claims_not_stored_is_refused(tmp_path: Path) -> None:
    """Once C1 is reversed (its row gone), reversing it again, or re-settling it as a later
    claim, is ``store.claim.not_stored``, naming the write and the claim."""
    from zjj_medical.store.records import Adjustment, Reversal

    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    store = book.store
    c1, c2 = store.settlement("C1"), store.settlement("C2")
    book.reverse("C1")
    ledger = store.ledger("P-cili", 2019)
    at = "2019-12-31T00:00:00+00:00"
    nil = Adjustment("C1", {}, {}, Decimal(0), Decimal(0))
    for reversal, resettled in ((Reversal(0, c1, (), at), []),  # C1 reversed again
                                (Reversal(0, c2, (nil,), at), [c1])):  # C1 re-settled  # fmt: skip
        with store.transaction("P-cili", 2019), pytest.raises(StoreError) as info:
            store.add_reversal(reversal, resettled, ledger)
        assert "store.claim.not_stored" == info.value.code
        assert {"what": "add_reversal", "claim_id": "C1"} == info.value.params
        assert "add_reversal: claim C1 is not stored" == str(info.value)
    assert store.settlement("C2") is not None  # each refused write was rolled back
    book.close()


def test_the_journal_of_a_reversal_holds_what_its_tables_hold(tmp_path: Path) -> None:
    """The tables are derived from the journal: the ``reverse`` posting names the reversal
    (its id and time) and the ledger left; each ``adjust`` posting names the reversal."""
    import json

    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    reversal = book.reverse("C1")
    store = book.store
    postings = [json.loads(p.content) for p in store.postings()]
    assert ["settle"] * 3 + ["reverse", "adjust", "adjust"] == [p["kind"] for p in postings]
    (stored,) = store.reversals()
    assert stored.id == postings[3]["reversal_id"] == postings[4]["reversal_id"]
    assert stored.id == postings[5]["reversal_id"]
    assert reversal.reversed_at == stored.reversed_at == postings[3]["reversed_at"]
    assert store.ledger("P-cili", 2019).to_dict() == postings[3]["ledger"]
    book.close()


def test_an_adjustment_of_a_layer_paid_before_or_after_only_is_kept_with_0(
    tmp_path: Path,
) -> None:
    """A later claim that a reversal moves into a layer (or out of one) has that layer
    stored with 0.00 on the side it was not paid on."""
    from zjj_medical.store.records import Adjustment, Reversal

    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    store = book.store
    c1, c2, c3 = (store.settlement(c) for c in ("C1", "C2", "C3"))
    adjustments = (
        Adjustment("C2", {"a": Decimal("5.00")}, {"b": Decimal("7.00")}, Decimal(1), Decimal(1)),
        Adjustment("C3", {}, {}, Decimal(0), Decimal(0)),
    )
    with store.transaction("P-cili", 2019):
        store.add_reversal(Reversal(0, c1, adjustments, "2019-12-31T00:00:00+00:00"),
                           [c2, c3], c3.settlement.ledger)  # fmt: skip
    (stored,) = store.reversals()
    adj = stored.adjustments[0]
    assert {"a": Decimal("5.00"), "b": Decimal("0.00")} == adj.old
    assert {"a": Decimal("0.00"), "b": Decimal("7.00")} == adj.new
    assert {"a": Decimal("-5.00"), "b": Decimal("7.00")} == adj.deltas
    book.close()


def test_a_store_without_its_head_row_is_damaged_on_open(tmp_path: Path) -> None:
    """No head row: it reads as posting 0 with no hash, which is not the empty journal's
    head (posting 0, 64 zeros)."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "DELETE FROM journal_head")
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    zeros = "sha256:" + "0" * 64
    said = f"the journal's last posting is 0 ({zeros}) but its head is recorded as 0 ()"
    assert said == info.value.params["detail"]


# -- the SQLite store (store/sqlite.py) --------------------------------------------------------


def test_durability_is_sqlites_synchronous_pragma_in_any_case(tmp_path: Path) -> None:
    """OFF, NORMAL, FULL, EXTRA (any case) are ``PRAGMA synchronous`` 0, 1, 2, 3; another
    word is ``store.synchronous``, naming it and the four."""
    for i, word in enumerate(("off", "Normal", "FULL", "extra")):
        with SQLiteStore(tmp_path / "s.db", synchronous=word) as store:
            assert i == store._conn.execute("PRAGMA synchronous").fetchone()[0]
    with pytest.raises(StoreError) as info:
        SQLiteStore(tmp_path / "s.db", synchronous="fast")
    assert "store.synchronous" == info.value.code
    assert {"value": "fast", "accepted": ["OFF", "NORMAL", "FULL", "EXTRA"]} == info.value.params
    assert "synchronous: 'fast' is not one of OFF, NORMAL, FULL, EXTRA" == str(info.value)


def test_a_new_store_file_is_written_ahead_with_foreign_keys_and_its_marks(
    tmp_path: Path,
) -> None:
    """A new file: WAL journal, foreign keys enforced, application id ``zjjm``, one schema
    row of version 3 created now (UTC, to the second), the journal's head at posting 0."""
    import datetime as dt
    import re

    db = tmp_path / "ledger.db"
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with SQLiteStore(db) as store:
        conn = store._conn
        assert "wal" == conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert 1 == conn.execute("PRAGMA foreign_keys").fetchone()[0]
        assert 3 == store.schema_version
        assert (0, "sha256:" + "0" * 64) == store.chain_head()
    con = sqlite3.connect(db)
    assert int.from_bytes(b"zjjm", "big") == con.execute("PRAGMA application_id").fetchone()[0]
    ((version, created),) = con.execute("SELECT version, created_at FROM zjj_medical_schema")
    con.close()
    assert 3 == version
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", created), created
    at = dt.datetime.fromisoformat(created)
    assert before <= at <= dt.datetime.now(dt.UTC)


def test_a_memory_store_is_not_written_ahead(tmp_path: Path) -> None:
    """``:memory:`` has no write-ahead log (SQLite keeps it in memory)."""
    with SQLiteStore(":memory:") as store:
        assert "memory" == store._conn.execute("PRAGMA journal_mode").fetchone()[0]
        assert 1 == store._conn.execute("PRAGMA foreign_keys").fetchone()[0]


def test_files_that_are_no_ledger_store_are_refused_saying_what_they_are(tmp_path: Path) -> None:
    """Another application's database (its id and tables shown), an empty database with
    another id (no tables: "none"), a file that is not SQLite at all."""
    other, marked, text = tmp_path / "other.db", tmp_path / "marked.db", tmp_path / "x.db"
    _sql(other, "CREATE TABLE patients (id TEXT)", "CREATE TABLE bills (id TEXT)")
    _sql(marked, "PRAGMA application_id = 255")
    text.write_text("not a database at all, but long enough to be looked at " * 4)
    for path, params in (
        (other, {"db": str(other), "application_id": "0x0", "tables": "bills, patients"}),
        (marked, {"db": str(marked), "application_id": "0xff", "tables": "none"}),
    ):
        with pytest.raises(StoreError) as info:
            SQLiteStore(path)
        assert ("store.foreign", "db", params) == (
            info.value.code, info.value.field, info.value.params,
        )  # fmt: skip
    with pytest.raises(StoreError) as info:
        SQLiteStore(text)
    assert ("store.not_sqlite", "db") == (info.value.code, info.value.field)
    assert {"db": str(text), "detail": "file is not a database"} == info.value.params


def test_a_schema_table_of_another_version_or_rows_is_refused(tmp_path: Path) -> None:
    """Version 4 (newer): ``store.schema.newer``; no row, or two: ``store.schema.damaged``."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "UPDATE zjj_medical_schema SET version = 4")
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    assert ("store.schema.newer", "db") == (info.value.code, info.value.field)
    assert {"db": str(db), "version": 4, "known": 3} == info.value.params
    for rows in ("DELETE FROM zjj_medical_schema",
                 "INSERT INTO zjj_medical_schema VALUES (3, ''), (3, '')"):  # fmt: skip
        _sql(db, rows)
        with pytest.raises(StoreError) as info:
            SQLiteStore(db)
        assert ("store.schema.damaged", "db", {"db": str(db)}) == (
            info.value.code, info.value.field, info.value.params,
        )  # fmt: skip


def test_a_second_writer_that_waits_too_long_is_told_the_store_is_locked(tmp_path: Path) -> None:
    """One store holds a write transaction; another, waiting 0.05 s, gets ``store.locked``;
    once the first commits, the second writes."""
    db = tmp_path / "ledger.db"
    first, second = SQLiteStore(db), SQLiteStore(db, timeout=0.05)
    with first.transaction("P1", 2019), pytest.raises(StoreError) as info:
        second.transaction("P2", 2019).__enter__()
    assert "store.locked" == info.value.code
    assert {"db": str(db), "detail": "database is locked"} == info.value.params
    with second.transaction("P2", 2019):
        pass
    first.close()
    second.close()


def test_transactions_do_not_nest_and_end_on_error(tmp_path: Path) -> None:
    """A transaction inside a transaction (or a snapshot) is ``store.transaction.open``; a
    snapshot inside a transaction reads it; an error rolls the transaction back and ends it."""
    from zjj_medical.engine.ledger import Ledger

    store = SQLiteStore(tmp_path / "ledger.db")
    with store.transaction("P1", 2019):
        with pytest.raises(StoreError, match="already open") as info:
            store.transaction("P1", 2019).__enter__()
        assert "store.transaction.open" == info.value.code
        with store.snapshot():
            store.ledger("P1", 2019)
    with store.snapshot(), pytest.raises(StoreError, match="already open"):
        store.transaction("P1", 2019).__enter__()
    ledger = Ledger.from_dict({"person_id": "P1", "year": 2019, "claim_ids": ["C1"],
                               "layers": {}})  # fmt: skip

    def fail() -> None:
        with store.transaction("P1", 2019):
            store._put_ledger(ledger)
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        fail()
    assert store.ledger("P1", 2019) is None  # rolled back
    with store.transaction("P1", 2019):  # and ended: a new one opens
        store._put_ledger(ledger)
    assert ["C1"] == list(store.ledger("P1", 2019).claim_ids)
    store.close()


@pytest.fixture
def unwritable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store file and folder counts as one that cannot be written (as for a user
    without write permission; the tests may run as root, whom permissions do not stop)."""
    import zjj_medical.store.sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "_writable", lambda path: False)


def test_a_store_that_cannot_be_written_is_read_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads work; a write transaction, or a token, is ``store.read_only``; SQLite itself is
    asked for read-only access (a write through the connection fails)."""
    from zjj_medical.store.access import TokenRecord

    db = tmp_path / "ledger.db"
    _book_of_three(db).close()
    import zjj_medical.store.sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "_writable", lambda path: False)
    with SQLiteStore(db) as store:
        assert store.read_only
        assert ["C1", "C2", "C3"] == [r.claim_id for r in store.settlements("P-cili", 2019)]
        with pytest.raises(StoreError) as info:
            store.transaction("P-cili", 2019).__enter__()
        assert ("store.read_only", {"db": str(db)}) == (info.value.code, info.value.params)
        token = TokenRecord("t1", "h1", "clerk", None, "2019-01-01T00:00:00+00:00", None, "")
        with pytest.raises(StoreError, match="is read-only"):
            store.add_token(token)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store._conn.execute("CREATE TABLE x (a)")


@pytest.mark.usefixtures("unwritable")
def test_no_store_is_created_where_nothing_can_be_written(tmp_path: Path) -> None:
    """No file, or an empty one: ``store.read_only.create`` of the ``db`` field."""
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for db in (tmp_path / "absent.db", empty):
        with pytest.raises(StoreError) as info:
            SQLiteStore(db)
        assert ("store.read_only.create", "db", {"db": str(db)}) == (
            info.value.code, info.value.field, info.value.params,
        )  # fmt: skip
    assert not (tmp_path / "absent.db").exists()


def test_an_older_store_that_cannot_be_written_is_not_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A schema version 2 store that cannot be written: ``store.read_only.upgrade``."""
    import zjj_medical.store.sqlite as sqlite_module

    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "UPDATE zjj_medical_schema SET version = 2")
    monkeypatch.setattr(sqlite_module, "_writable", lambda path: False)
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    assert ("store.read_only.upgrade", "db") == (info.value.code, info.value.field)
    assert {"db": str(db), "version": 2, "known": 3} == info.value.params


def test_a_schema_1_store_is_upgraded_to_version_3_in_the_file(tmp_path: Path) -> None:
    """An empty store as schema version 1 wrote it (no journal, no service tables): opened,
    its file says version 3 and it keeps tokens; opened again, it is not upgraded again."""
    from zjj_medical.store.access import TokenRecord

    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "DROP TRIGGER journal_no_update", "DROP TRIGGER journal_no_delete",
         "DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete",
         *(f"DROP TABLE {t}" for t in ("journal", "journal_head", "tokens", "audit",
                                       "idempotency")),
         "ALTER TABLE settlements DROP COLUMN posting_note",
         "UPDATE zjj_medical_schema SET version = 1")  # fmt: skip
    with SQLiteStore(db) as store:
        assert 3 == store.schema_version
    con = sqlite3.connect(db)
    assert [(3,)] == con.execute("SELECT version FROM zjj_medical_schema").fetchall()
    con.close()
    with SQLiteStore(db) as store:
        store.add_token(
            TokenRecord("t1", "h1", "clerk", None, "2019-01-01T00:00:00+00:00", None, "")
        )
        assert ["t1"] == [t.id for t in store.tokens()]
        assert (0, "sha256:" + "0" * 64) == store.chain_head()


def test_an_error_of_sqlite_is_a_store_error_in_its_words(tmp_path: Path) -> None:
    """A table gone from the file: ``store.sqlite``, naming the store and SQLite's words."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "DROP TABLE ledgers")
    with SQLiteStore(db) as store, pytest.raises(StoreError) as info:
        store.ledger("P1", 2019)
    assert "store.sqlite" == info.value.code
    assert {"db": str(db), "detail": "no such table: ledgers"} == info.value.params


def test_a_store_whose_file_or_folder_denies_writing_is_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Write access denied (as for a user without permission): the store opens read-only; in
    a folder that does not exist the store is not read-only, and SQLite says it cannot open."""
    import os

    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with SQLiteStore(db) as store:
        assert store.read_only
    with pytest.raises(StoreError) as info:
        SQLiteStore(tmp_path / "absent" / "ledger.db")
    assert "store.open" == info.value.code
    assert "unable to open database file" == info.value.params["detail"]


def _first_open_says(monkeypatch: pytest.MonkeyPatch, detail: str) -> None:
    """From now on store files cannot be written, and the first look into one fails as SQLite
    fails in a folder that cannot be written (it cannot make the write-ahead log's index
    there): ``detail``; later looks succeed."""
    import zjj_medical.store.sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "_writable", lambda path: False)
    real = SQLiteStore._inspect
    calls: list[int] = []

    def inspect(self: SQLiteStore) -> tuple[set[str], int]:
        calls.append(1)
        if len(calls) == 1:
            raise StoreError(code="store.not_sqlite", params={"db": self.path, "detail": detail},
                             field="db")  # fmt: skip
        return real(self)

    monkeypatch.setattr(SQLiteStore, "_inspect", inspect)


@pytest.mark.parametrize(
    "detail", ["unable to open database file", "attempt to write a readonly database"]
)
def test_a_read_only_folder_with_a_pending_log_is_refused_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, detail: str
) -> None:
    """A log holding changes not yet in the file cannot be read there: ``store.read_only.wal``."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    Path(f"{db}-wal").write_bytes(b"\1")
    _first_open_says(monkeypatch, detail)
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    assert ("store.read_only.wal", "db") == (info.value.code, info.value.field)
    assert {"db": str(db), "wal": f"{db}-wal"} == info.value.params


def test_a_read_only_folder_without_a_pending_log_is_read_with_the_wait_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No log (or an empty one): the file is read as it is, waiting as long as asked."""
    db = tmp_path / "ledger.db"
    _book_of_three(db).close()
    Path(f"{db}-wal").write_bytes(b"")
    _first_open_says(monkeypatch, "unable to open database file")
    with SQLiteStore(db, timeout=2.5) as store:
        assert 2500 == store._conn.execute("PRAGMA busy_timeout").fetchone()[0]
        assert ["C1", "C2", "C3"] == [r.claim_id for r in store.settlements("P-cili", 2019)]


def test_a_read_only_store_failing_otherwise_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another failure of the first look is not taken for the folder's: it is raised."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _first_open_says(monkeypatch, "file is not a database")
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    assert ("store.not_sqlite", "file is not a database") == (
        info.value.code, info.value.params["detail"],
    )  # fmt: skip


def test_a_settlement_stored_twice_is_a_duplicate_claim_others_are_sqlites(
    tmp_path: Path,
) -> None:
    """The store refuses C2 again (at another place of posting) with ``DuplicateClaim`` (``store.claim.stored`` of the ``id``
    field); another row in C2's place of posting (same person-year and seq, id C9) breaks
    another rule of the table: ``store.sqlite`` in SQLite's words."""
    from zjj_medical.errors import DuplicateClaim

    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    store = book.store
    c2 = store.settlement("C2")
    with store.transaction("P-cili", 2019), pytest.raises(DuplicateClaim) as dup:
        store.add_settlement(attrs.evolve(c2, seq=99))
    assert ("store.claim.stored", "id", "C2") == (dup.value.code, dup.value.field,
                                                  dup.value.claim_id)  # fmt: skip
    assert {"claim_id": "C2"} == dup.value.params
    c9 = attrs.evolve(c2, settlement=attrs.evolve(c2.settlement, claim_id="C9"))
    with store.transaction("P-cili", 2019), pytest.raises(StoreError) as info:
        store.add_settlement(c9)
    assert "store.sqlite" == info.value.code
    said = "UNIQUE constraint failed: settlements.person_id, settlements.year, settlements.seq"
    assert {"db": str(db), "detail": said} == info.value.params
    book.close()


def test_a_memory_store_looks_at_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``:memory:`` is no file name: a damaged file called ``:memory:`` in the working folder,
    or a folder that denies writing, changes nothing."""
    import os

    monkeypatch.chdir(tmp_path)
    (tmp_path / ":memory:").write_bytes(b"SQLite format 3\0" + b"\x10\0" + b"\0" * 90)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with SQLiteStore(":memory:") as store:
        assert not store.read_only
        assert 3 == store.schema_version
        with store.transaction("P1", 2019):
            pass


def test_a_fresh_store_waits_30_seconds_and_writes_only_in_a_transaction(tmp_path: Path) -> None:
    """By default a writer waits 30 s (busy timeout 30000 ms); a write before any transaction
    was opened is ``store.transaction.needed``."""
    with SQLiteStore(tmp_path / "ledger.db") as store:
        assert 30000 == store._conn.execute("PRAGMA busy_timeout").fetchone()[0]
        book = _book_of_three(tmp_path / "other.db")
        c1 = book.store.settlement("C1")
        book.close()
        with pytest.raises(StoreError) as info:
            store.add_settlement(c1)
        assert "store.transaction.needed" == info.value.code


def test_write_access_is_needed_on_the_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file writable but not its folder, or the folder but not the file: read-only."""
    import os

    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    for denied in (str(db), str(tmp_path)):
        monkeypatch.setattr(os, "access", lambda path, mode, d=denied: str(path) != d)
        with SQLiteStore(db) as store:
            assert store.read_only, denied


def test_a_read_only_store_reads_what_the_write_ahead_log_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claims committed by a writer still open (so still in its write-ahead log) are read by
    a store that cannot write."""
    import zjj_medical.store.sqlite as sqlite_module

    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    assert Path(f"{db}-wal").stat().st_size > 32
    monkeypatch.setattr(sqlite_module, "_writable", lambda path: False)
    with SQLiteStore(db) as reader:
        assert reader.read_only
        assert ["C1", "C2", "C3"] == [r.claim_id for r in reader.settlements("P-cili", 2019)]
    book.close()


def test_the_store_may_be_used_from_another_thread(tmp_path: Path) -> None:
    """One thread at a time, any thread: a store opened here reads in another thread."""
    import threading

    book = _book_of_three(tmp_path / "ledger.db")
    found: list[Any] = []
    worker = threading.Thread(target=lambda: found.append(book.store.settlement("C2")))
    worker.start()
    worker.join()
    assert ["C2"] == [r.claim_id for r in found]
    book.close()


def test_a_store_in_another_journal_mode_is_written_ahead_again(tmp_path: Path) -> None:
    """A store a tool switched to SQLite's rollback journal is opened in WAL mode again."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    _sql(db, "PRAGMA journal_mode=DELETE")
    with SQLiteStore(db) as store:
        assert "wal" == store._conn.execute("PRAGMA journal_mode").fetchone()[0]


def test_foreign_files_are_left_as_they_are(tmp_path: Path) -> None:
    """A refused database is not touched (its journal mode stays); a file with this
    application's id but no schema table is refused too."""
    other, marked = tmp_path / "other.db", tmp_path / "marked.db"
    _sql(other, "CREATE TABLE patients (id TEXT)")
    _sql(marked, "PRAGMA application_id = 2053794413", "CREATE TABLE x (a)")  # 'zjjm'
    for path, tables in ((other, "patients"), (marked, "x")):
        with pytest.raises(StoreError) as info:
            SQLiteStore(path)
        assert ("store.foreign", tables) == (info.value.code, info.value.params["tables"])
        con = sqlite3.connect(path)
        assert "delete" == con.execute("PRAGMA journal_mode").fetchone()[0]
        con.close()


def test_a_store_whose_table_list_cannot_be_read_is_damaged(tmp_path: Path) -> None:
    """Page 1 (the list of tables) made no b-tree page: ``store.damaged`` in SQLite's words."""
    db = tmp_path / "ledger.db"
    SQLiteStore(db).close()
    data = bytearray(db.read_bytes())
    data[100] = 0  # page 1's b-tree page type, after the 100-byte file header
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        SQLiteStore(db)
    assert ("store.damaged", "db") == (info.value.code, info.value.field)
    assert {"db": str(db), "detail": "database disk image is malformed"} == info.value.params


def test_a_foreign_file_lists_its_own_tables_not_sqlites(tmp_path: Path) -> None:
    """SQLite's ``sqlite_sequence`` (kept for ``AUTOINCREMENT``) is not one of its tables."""
    other = tmp_path / "other.db"
    _sql(other, "CREATE TABLE bills (id INTEGER PRIMARY KEY AUTOINCREMENT)",
         "INSERT INTO bills DEFAULT VALUES")  # fmt: skip
    with pytest.raises(StoreError) as info:
        SQLiteStore(other)
    assert ("store.foreign", "bills") == (info.value.code, info.value.params["tables"])


def test_an_insert_sqlite_cannot_run_is_a_store_error_in_its_words(tmp_path: Path) -> None:
    """The settlements table gone: adding a settlement is ``store.sqlite`` in SQLite's words."""
    db = tmp_path / "ledger.db"
    book = _book_of_three(db)
    c1 = book.store.settlement("C1")
    book.close()
    _sql(db, "DROP TABLE settlements")
    store = SQLiteStore(db)
    with store.transaction("P-cili", 2019), pytest.raises(StoreError) as info:
        store.add_settlement(c1)
    store.close()
    assert "store.sqlite" == info.value.code
    assert {"db": str(db), "detail": "no such table: settlements"} == info.value.params
