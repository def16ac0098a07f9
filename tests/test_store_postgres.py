"""The PostgreSQL ledger store: processes at once, a writer killed mid-transaction, the CLI, refusals.

Each test gets a fresh schema on the server named by ``ZJJ_MEDICAL_TEST_PG_URL`` (see
tests/store_helpers.py); without it the tests here are skipped, saying how to run them.
The behaviour both backends share (settle, retry, reversal, all-or-nothing, two processes
at once) runs on both through the ``store_target`` fixture of the other store tests.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from store_helpers import _connect, pg_schema
from zjj_medical import Claim, Facility, Person, StoreError, settle_year
from zjj_medical.cli import cli
from zjj_medical.store import LedgerBook, PostgresStore, open_store
from zjj_medical.store.access import AuditRecord

CTX = mp.get_context("spawn")
CILI = Facility(level="county", county="cili")
PERSONS = [Person(f"P{k}", poor=k % 2 == 0, county="cili") for k in range(3)]


@pytest.fixture
def url() -> Iterator[str]:
    """A store URL in a fresh schema of the test server."""
    with pg_schema() as u:
        yield u


def claim(cid: str, i: int) -> Claim:
    """Claim i: amounts differ by claim, so the order of posting changes the payments."""
    total = f"{2500 + 1013 * i}.00"
    return Claim(cid, "inpatient", f"2019-{1 + i % 12:02d}-{1 + i % 27:02d}", CILI, total, total)


def worker_claims(worker: int, n: int) -> list[tuple[Claim, Person]]:
    """Worker k's claims, spread over the three shared persons in turn."""
    return [(claim(f"W{worker}-{i:03d}", i + worker), PERSONS[i % 3]) for i in range(n)]


def _settle(url: str, worker: int, n: int, start: Any) -> None:
    start.wait()
    with LedgerBook.open(url, timeout=60) as book:
        for c, p in worker_claims(worker, n):
            book.settle(c, p)


# -- several processes at once --------------------------------------------------------------
def test_three_processes_on_three_persons_lose_nothing_and_total_as_a_serial_run(
    url: str,
) -> None:
    """3 processes × 30 claims over the same 3 persons: every claim once, each person-year
    exactly settle_year of its claims in the posting order, and the store's totals per fund
    equal a serial run (one process, the same order) to the fen."""
    LedgerBook.open(url).close()  # the schema exists before the workers race
    start = CTX.Barrier(3)
    workers = [CTX.Process(target=_settle, args=(url, k, 30, start)) for k in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [0, 0, 0] == [w.exitcode for w in workers]
    sent = {c.id: c for k in range(3) for c, _ in worker_claims(k, 30)}
    with LedgerBook.open(url) as book:
        stored_total: dict[str, Decimal] = {}
        serial_total: dict[str, Decimal] = {}
        for person in PERSONS:
            order = book.ledger(person.id, 2019).claim_ids
            assert 30 == len(order) == len(set(order))  # 90 claims, every third one its own
            serial = settle_year([sent[cid] for cid in order], person)
            stored = book.settlements(person.id, 2019)
            assert [s.to_dict() for s in serial] == [r.settlement.to_dict() for r in stored]
            for s in serial:
                for fund, v in s.payments.items():
                    serial_total[fund] = serial_total.get(fund, Decimal(0)) + v
            for r in stored:
                for fund, v in r.settlement.payments.items():
                    stored_total[fund] = stored_total.get(fund, Decimal(0)) + v
        assert serial_total == stored_total
        report = book.verify()
        assert report.ok, [p.message for p in report.problems]
        assert (90, 90) == (report.postings, report.head[0])


# -- a writer killed mid-transaction --------------------------------------------------------
def _settle_until_killed(url: str, inside: Any) -> None:
    """Settle 3-claim documents; in the 4th, after its first posting, say so and hang."""
    calls = 0

    def clock() -> str:
        nonlocal calls
        calls += 1
        if calls == 11:  # 4th document, 2nd claim: claim 10's postings are written
            inside.set()
            signal.pause()
        return "2019-12-31T00:00:00+00:00"

    store = open_store(url)
    book = LedgerBook(store, clock=clock)
    person = PERSONS[0]
    for doc in range(10):
        book.settle_all([claim(f"K{doc}-{j}", 3 * doc + j) for j in range(3)], person)


def test_kill_9_mid_transaction_leaves_nothing_half_written(url: str) -> None:
    """A writer killed (SIGKILL) inside a 3-claim document: the 3 documents before it are
    stored whole, nothing of the 4th; the check on open and verify pass; the person-year and
    the chain head are free for the next writer at once."""
    LedgerBook.open(url).close()
    inside = CTX.Event()
    writer = CTX.Process(target=_settle_until_killed, args=(url, inside))
    writer.start()
    assert inside.wait(60), "the writer never reached its 4th document"
    os.kill(writer.pid or 0, signal.SIGKILL)
    writer.join(30)
    assert -signal.SIGKILL == writer.exitcode
    with LedgerBook.open(url, timeout=30) as book:  # the check on open passes
        ids = list(book.ledger("P0", 2019).claim_ids)
        assert [f"K{d}-{j}" for d in range(3) for j in range(3)] == ids
        report = book.verify()
        assert report.ok, [p.message for p in report.problems]
        assert 9 == report.postings
        again = book.settle_all([claim(f"K3-{j}", 9 + j) for j in range(3)], PERSONS[0])
        assert 12 == len(book.ledger("P0", 2019).claim_ids)
        assert ["K3-0", "K3-1", "K3-2"] == [r.claim_id for r in again]
    verified = _cli("ledger", "--db", url, "verify")  # the command, as an operator runs it
    assert 0 == verified.exit_code, verified.stdout + verified.stderr
    assert verified.stdout.startswith("12 postings, chain head 12 sha256:")


# -- the command line -----------------------------------------------------------------------
def _cli(*args: str) -> Any:
    env = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"}
    try:  # keep stderr apart from stdout on any click ≥ 8.1
        runner = CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner(env=env)
    return runner.invoke(cli, list(args))


def test_cli_settle_show_reverse_verify_on_postgresql(url: str, tmp_path: Path) -> None:
    """zjj-medical ledger --db postgresql://… settle, show, reverse and verify.

    C1, C2: non-poor 慈利县, county hospital, 40000 each: basic (40000 − 500) × 0.75 =
    29625.00; critical illness 225.00 then 6225.00 (worked in tests/test_store.py).
    """
    person = {"id": "P-cli", "poor": False, "county": "cili", "categories": []}
    claims = [
        {"id": f"C{i}", "kind": "inpatient", "date": f"2019-0{i}-10", "accident": False,
         "facility": {"id": None, "level": "county", "county": "cili"},
         "total": "40000.00", "in_scope": "40000.00"}
        for i in (1, 2)
    ]  # fmt: skip
    doc = tmp_path / "doc.json"
    doc.write_text(json.dumps({"person": person, "claims": claims, "ledger": None}), "utf-8")
    result = _cli("ledger", "--db", url, "settle", "--no-trace", str(doc))
    assert 0 == result.exit_code, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert ["29625.00", "29625.00"] == [
        s["payments"]["basic_insurance"] for s in out["settlements"]
    ]
    assert ["225.00", "6225.00"] == [s["payments"]["critical_illness"] for s in out["settlements"]]
    again = _cli("ledger", "--db", url, "settle", "--no-trace", str(doc))
    assert result.stdout == again.stdout  # a retry: the first response, byte for byte
    shown = _cli("ledger", "--db", url, "show", "P-cli", "--json")
    assert ["C1", "C2"] == json.loads(shown.stdout)["ledger"]["claim_ids"]
    assert 0 == _cli("ledger", "--db", url, "reverse", "C1").exit_code
    verified = _cli("ledger", "--db", url, "verify")
    assert 0 == verified.exit_code, verified.stdout + verified.stderr
    # settle C1, settle C2, reverse C1, adjust C2 (re-settled as the first claim)
    assert verified.stdout.startswith("4 postings, chain head 4 sha256:")
    assert "1 current claims re-settled from the journal: ok" in verified.stdout


# -- opening: the schema, refusals, the check -----------------------------------------------
def test_the_schema_is_created_once_with_its_version(url: str) -> None:
    """First open creates the tables and version 3; a second open finds them and keeps them."""
    with PostgresStore(url) as store:
        assert 3 == store.schema_version
        assert (0, "sha256:" + "0" * 64) == store.chain_head()
    with PostgresStore(url) as store, store.snapshot():
        assert 3 == store.schema_version
    with _connect(url) as conn:
        assert [(3,)] == conn.execute("SELECT version FROM zjj_medical_schema").fetchall()


def test_a_version_2_store_gains_the_service_tables(url: str) -> None:
    """A version 2 store (no tokens, audit, idempotency) is brought to version 3 on open,
    its settlements kept."""
    with LedgerBook.open(url) as book:
        book.settle(claim("A1", 1), PERSONS[0])
    with _connect(url) as conn:
        conn.execute("DROP TABLE tokens, audit, idempotency")
        conn.execute("DROP FUNCTION audit_append_only()")
        conn.execute("UPDATE zjj_medical_schema SET version = 2")
    with LedgerBook.open(url) as book:
        assert 3 == book.store.schema_version  # type: ignore[attr-defined]
        assert [] == book.store.tokens()
        assert ("A1",) == book.ledger("P0", 2019).claim_ids
        assert book.verify().ok


def test_audit_appends_take_turns_and_the_trail_refuses_changes(url: str) -> None:
    """While one connection appends to the audit trail (its transaction open), another
    gives up after its timeout (1 s); after the commit it appends seq 2. UPDATE, DELETE and
    TRUNCATE of the trail are refused."""
    record = AuditRecord(0, "2026-01-01T08:00:00+00:00", "settle", "tok_1", "facility", "H1",
                         "req-1", "C1", "sha256:ab", 200, "ok")  # fmt: skip
    first, second = PostgresStore(url), PostgresStore(url, timeout=1)
    try:
        with first.transaction("P0", 2019):
            assert 1 == first.add_audit(record).seq
            with pytest.raises(StoreError) as info:
                second.add_audit(record)
            assert "store.locked" == info.value.code
        assert 2 == second.add_audit(record).seq
        assert [1, 2] == [r.seq for r in first.audit()]
    finally:
        first.close()
        second.close()
    psycopg = pytest.importorskip("psycopg")
    with _connect(url) as conn:
        for sql in ("UPDATE audit SET outcome = 'x'", "DELETE FROM audit", "TRUNCATE audit"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)


def test_postgres_scheme_is_the_same_backend(url: str) -> None:
    """postgres://… opens the same store as postgresql://…."""
    book = LedgerBook.open(url)
    book.settle(claim("A1", 1), PERSONS[1])
    book.close()
    with LedgerBook.open("postgres:" + url.partition(":")[2]) as again:
        assert isinstance(again.store, PostgresStore)
        assert ("A1",) == again.ledger("P1", 2019).claim_ids


def test_the_journal_refuses_update_delete_and_truncate(url: str) -> None:
    """The journal's triggers refuse changing, removing and truncating postings."""
    with LedgerBook.open(url) as book:
        book.settle(claim("A1", 1), PERSONS[0])
    psycopg = pytest.importorskip("psycopg")
    with _connect(url) as conn:
        for sql in ("UPDATE journal SET kind = 'x'", "DELETE FROM journal", "TRUNCATE journal"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
        assert [(1,)] == conn.execute("SELECT count(*) FROM journal").fetchall()


def test_a_moved_chain_head_is_refused_on_open_and_reported_by_verify(url: str) -> None:
    """The recorded head changed behind the store's back: open (with the check) says
    store.damaged; ledger verify (which opens without it) reports the head."""
    with LedgerBook.open(url) as book:
        book.settle(claim("A1", 1), PERSONS[0])
    with _connect(url) as conn:
        conn.execute("UPDATE journal_head SET seq = 7")
    with pytest.raises(StoreError, match="damaged and is not served") as info:
        LedgerBook.open(url)
    assert "store.damaged" == info.value.code
    result = _cli("ledger", "--db", url, "verify")
    assert 1 == result.exit_code
    assert "the journal's head is recorded as posting 7" in result.stdout + result.stderr


def test_a_schema_of_other_tables_is_refused(url: str) -> None:
    """A schema holding another application's tables is not written into."""
    with _connect(url) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(
        StoreError, match=r"holds tables that are not a zjj_medical ledger store \(invoices\)"
    ):
        open_store(url)


def test_a_newer_schema_version_is_refused(url: str) -> None:
    """A store written by a newer zjj_medical (version 99) is refused, naming both versions."""
    PostgresStore(url).close()
    with _connect(url) as conn:
        conn.execute("UPDATE zjj_medical_schema SET version = 99")
    with pytest.raises(StoreError, match="schema version 99 is newer"):
        open_store(url)


def test_a_search_path_without_a_schema_is_refused(url: str) -> None:
    """options=-csearch_path=<none such>: StoreError saying the schema does not exist."""
    bad = url.rpartition("%3D")[0] + "%3Dno_such_schema_zjj"
    with pytest.raises(StoreError, match="names no existing schema"):
        open_store(bad)


def test_a_writer_of_a_locked_person_year_gives_up_after_the_timeout(url: str) -> None:
    """Another connection holds P0 2019's lock: a second writer gives up with store.locked
    after its timeout (1 s), a writer of P1 is not held up; the lock is freed by commit."""
    first = PostgresStore(url)
    second = PostgresStore(url, timeout=1)
    try:
        with first.transaction("P0", 2019):
            with pytest.raises(StoreError) as info, second.transaction("P0", 2019):
                pass
            assert "store.locked" == info.value.code
            with second.transaction("P1", 2019):
                assert second.ledger("P1", 2019) is None
        with second.transaction("P0", 2019):
            assert second.ledger("P0", 2019) is None
    finally:
        first.close()
        second.close()


def test_an_unreachable_server_is_a_store_error_without_the_password() -> None:
    """Nothing listens on port 1: StoreError store.open naming the URL without its password."""
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError) as info:
        open_store("postgresql://billing:s3cret@127.0.0.1:1/zjj", timeout=2)
    assert "store.open" == info.value.code
    assert "postgresql://billing@127.0.0.1:1/zjj: cannot open the ledger store" in str(info.value)
    assert "s3cret" not in str(info.value)


def test_without_psycopg_the_package_imports_and_the_error_names_the_extra() -> None:
    """psycopg absent: import zjj_medical works; opening postgresql:// says pip install the extra."""
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "import zjj_medical, zjj_medical.store\n"
        "from zjj_medical.store import open_store\n"
        "try:\n    open_store('postgresql://u@h/db')\n"
        "except zjj_medical.StoreError as e:\n    print(e.code, '|', e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert (
        "store.postgres.missing | a postgresql:// ledger store needs psycopg: pip install 'zjj_medical[postgres]'\n"
        == out
    )


# -- the settlement service on a PostgreSQL store -------------------------------------------
def test_the_service_settles_into_postgresql_with_its_audit_trail(url: str) -> None:
    """POST /v1/settle on a PostgreSQL store: 200 with the worked amounts (basic 15300.00,
    backstop 1700.00, patient 3000.00 — see tests/test_service.py), a retry with the same
    Idempotency-Key gets the same bytes, the audit trail's chain holds, verify passes."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from service_helpers import Tokens, auth, body, document
    from zjj_medical.service import create_app
    from zjj_medical.store.access import audit_chain_problems

    store = PostgresStore(url)
    try:
        keys = Tokens(store)  # type: ignore[arg-type]
        with TestClient(create_app(store)) as client:
            headers = auth(keys.h1, **{"Idempotency-Key": "k-1"})
            first = client.post("/v1/settle", content=body(document()), headers=headers)
            assert 200 == first.status_code, first.text
            (s,) = first.json()["settlements"]
            assert ("15300.00", "1700.00", "3000.00") == (
                s["payments"]["basic_insurance"], s["payments"]["fiscal_backstop"],
                s["patient_pay"],
            )  # fmt: skip
            again = client.post("/v1/settle", content=body(document()), headers=headers)
            assert first.content == again.content
        assert [] == audit_chain_problems(store.audit())
        assert store.idempotent("k-1", keys.h1_record.id) is not None
        assert LedgerBook(store).verify().ok
    finally:
        store.close()


def test_synchronous_off_turns_synchronous_commit_off_and_a_bad_value_is_refused(url: str) -> None:
    """synchronous="OFF" → synchronous_commit off on the store's connection; "FULL" keeps
    the server's on; a value SQLite does not know either is refused, as on SQLite."""
    with PostgresStore(url, synchronous="off") as store:
        assert "off" == store._exec("SHOW synchronous_commit").fetchone()[0]
    with PostgresStore(url) as store:
        assert "on" == store._exec("SHOW synchronous_commit").fetchone()[0]
    with pytest.raises(StoreError, match="synchronous: 'SOMETIMES' is not one of"):
        PostgresStore(url, synchronous="SOMETIMES")
