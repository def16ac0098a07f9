"""The store's journal: append-only, hash-chained postings; verify; the check on open; the
upgrade of a schema 1 store; retries; posting order; stores that cannot be written.

Claims as in test_store.py: a non-poor person of 慈利县, county hospital, total = in-scope =
40000, so basic insurance pays (40000 − 500) × 0.75 = 29625.00 per claim and critical
illness 225.00, 6225.00, 6225.00 for the first three claims of a year.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import zjj_medical
from store_helpers import dump
from zjj_medical import Claim, Facility, Person, StoreError
from zjj_medical.cli import cli
from zjj_medical.store import LedgerBook, SQLiteStore, sqlite

CILI = Facility(level="county", county="cili")
PERSON = Person("P-cili", poor=False, county="cili")


def claim(cid: str, day: str) -> Claim:
    """An inpatient claim of 40000 at a 慈利县 county hospital."""
    return Claim(cid, "inpatient", day, CILI, total="40000.00", in_scope="40000.00")


THREE = [claim(f"C{i}", f"2019-0{i}-10") for i in (1, 2, 3)]


def journal(db: Path) -> list[tuple[Any, ...]]:
    """The journal's rows (seq, kind, claim_id, content, hash), read with plain sqlite3."""
    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT seq, kind, claim_id, content, hash FROM journal ORDER BY seq"
        ).fetchall()
    finally:
        con.close()


def cli_run(*args: str) -> Result:
    """``zjj-medical ARGS`` (stderr apart from stdout)."""
    env = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"}
    try:
        runner = CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner(env=env)
    return runner.invoke(cli, list(args))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store file with C1, C2, C3 settled and C1 reversed (C2, C3 re-settled)."""
    path = tmp_path / "ledger.db"
    with LedgerBook.open(path) as book:
        book.settle_all(THREE, PERSON)
        book.reverse("C1")
    return path


# -- 1. the journal ---------------------------------------------------------------------------
def test_a_reversal_appends_and_rewrites_nothing(tmp_path: Path) -> None:
    """Settle 3, reverse C1: 3 settle postings kept as they were, then reverse C1, adjust C2, C3."""
    path = tmp_path / "ledger.db"
    with LedgerBook.open(path) as book:
        book.settle_all(THREE, PERSON)
        before = journal(path)
        book.reverse("C1")
    after = journal(path)
    assert before == after[:3]
    assert [(1, "settle", "C1"), (2, "settle", "C2"), (3, "settle", "C3"),
            (4, "reverse", "C1"), (5, "adjust", "C2"), (6, "adjust", "C3")] == [
        r[:3] for r in after
    ]  # fmt: skip
    reverse = json.loads(after[3][3])
    assert {"basic_insurance": "-29625.00", "critical_illness": "-225.00"} == {
        k: v for k, v in reverse["refund"].items() if v != "0.00"
    }
    # C2 becomes the year's first claim: critical illness 225.00 instead of 6225.00 (Δ −6000)
    adjust = json.loads(after[4][3])
    assert "-6000.00" == adjust["adjustment"]["delta"]["critical_illness"]
    assert "225.00" == adjust["record"]["settlement"]["payments"]["critical_illness"]


def test_each_hash_is_sha256_of_the_previous_hash_and_the_content(db: Path) -> None:
    """hash(n) = "sha256:" + SHA-256(hash(n − 1) + content(n)), from 64 zeros; the head is the last."""
    previous = "sha256:" + "0" * 64
    rows = journal(db)
    for seq, _kind, _cid, content, digest in rows:
        expected = "sha256:" + hashlib.sha256((previous + content).encode("utf-8")).hexdigest()
        assert expected == digest, seq
        assert seq == json.loads(content)["seq"]
        previous = digest
    con = sqlite3.connect(db)
    assert (len(rows), previous) == con.execute("SELECT seq, hash FROM journal_head").fetchone()
    con.close()


def test_the_journal_refuses_update_and_delete(db: Path) -> None:
    """An UPDATE or DELETE of a posting is refused by the database itself."""
    con = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE journal SET content = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM journal")
    con.close()


# -- upgrade of a schema 1 store ---------------------------------------------------------------
V1_SCHEMA = """
CREATE TABLE zjj_medical_schema (version INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE ledgers (person_id TEXT NOT NULL, year INTEGER NOT NULL, ledger TEXT NOT NULL,
    PRIMARY KEY (person_id, year));
CREATE TABLE settlements (claim_id TEXT PRIMARY KEY, person_id TEXT NOT NULL,
    year INTEGER NOT NULL, seq INTEGER NOT NULL, date TEXT NOT NULL, facility TEXT NOT NULL,
    settlement TEXT NOT NULL, ledger TEXT NOT NULL, claim TEXT NOT NULL, person TEXT NOT NULL,
    content_hash TEXT NOT NULL, policy_id TEXT NOT NULL, policy_version TEXT NOT NULL,
    settled_at TEXT NOT NULL, UNIQUE (person_id, year, seq));
CREATE INDEX settlements_by_date ON settlements (date, facility);
CREATE TABLE reversals (id INTEGER PRIMARY KEY AUTOINCREMENT, claim_id TEXT NOT NULL,
    person_id TEXT NOT NULL, year INTEGER NOT NULL, record TEXT NOT NULL,
    reversed_at TEXT NOT NULL);
CREATE TABLE adjustments (reversal_id INTEGER NOT NULL REFERENCES reversals (id),
    position INTEGER NOT NULL, claim_id TEXT NOT NULL, old_patient_pay TEXT NOT NULL,
    new_patient_pay TEXT NOT NULL, PRIMARY KEY (reversal_id, position));
CREATE TABLE adjustment_layers (reversal_id INTEGER NOT NULL, position INTEGER NOT NULL,
    layer TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, delta TEXT NOT NULL,
    PRIMARY KEY (reversal_id, position, layer),
    FOREIGN KEY (reversal_id, position) REFERENCES adjustments (reversal_id, position));
"""
V1_COLUMNS = (
    "claim_id, person_id, year, seq, date, facility, settlement, ledger, claim, person, "
    "content_hash, policy_id, policy_version, settled_at"
)


def schema_1_store(path: Path, source: Path) -> None:
    """A store as schema version 1 wrote it, holding the ledgers and settlements of ``source``."""
    con = sqlite3.connect(path)
    con.executescript(V1_SCHEMA)
    con.execute("INSERT INTO zjj_medical_schema VALUES (1, '2019-12-01T00:00:00+00:00')")
    con.execute("PRAGMA application_id = 2053794413")  # 0x7A6A6A6D, 'zjjm'
    con.execute("ATTACH DATABASE ? AS src", (str(source),))
    con.execute("INSERT INTO ledgers SELECT * FROM src.ledgers")
    con.execute(f"INSERT INTO settlements SELECT {V1_COLUMNS} FROM src.settlements")
    for table in ("reversals", "adjustments", "adjustment_layers"):
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    # schema 1 wrote no posting notes in its records
    con.execute("UPDATE reversals SET record = json_remove(record, '$.posting_note')")
    con.commit()
    con.execute("DETACH DATABASE src")
    con.close()


def test_a_schema_1_store_is_upgraded_its_settlements_become_the_first_postings(
    db: Path, tmp_path: Path
) -> None:
    """Opening a schema 1 store: version 3, one migrated settle posting per settlement, verify ok."""
    old = tmp_path / "v1.db"
    schema_1_store(old, db)
    with sqlite3.connect(old) as con:
        assert [] == con.execute("SELECT name FROM sqlite_master WHERE name = 'journal'").fetchall()
    with LedgerBook.open(old) as book:
        assert 3 == book.store.schema_version  # type: ignore[attr-defined]
        assert ("C2", "C3") == book.ledger("P-cili", 2019).claim_ids
        rows = journal(old)
        assert [(1, "settle", "C2"), (2, "settle", "C3")] == [r[:3] for r in rows]
        assert all(json.loads(r[3])["migrated"] for r in rows)
        (reversal,) = book.store.reversals("C1")  # the reversals of schema 1 are kept
        assert ["C2", "C3"] == [a.claim_id for a in reversal.adjustments]
        assert book.verify().ok
        book.settle(claim("C4", "2019-04-10"), PERSON)  # and it takes new postings
        assert book.verify().ok
    assert 3 == len(journal(old))


# -- 2. verify ----------------------------------------------------------------------------------
def test_verify_passes_on_a_sound_store(db: Path) -> None:
    """ledger verify on a sound store: exit 0 and a summary (6 postings, 2 current claims)."""
    result = cli_run("ledger", "--db", str(db), "verify")
    assert 0 == result.exit_code, result.stdout
    assert "6 postings" in result.stdout
    assert "2 current claims" in result.stdout
    assert result.stdout.rstrip().endswith(": ok")


def test_verify_reports_a_flipped_byte_in_the_file(db: Path) -> None:
    """One byte of posting 2's content changed in the file: verify exits 1 naming posting 2."""
    data = bytearray(db.read_bytes())
    at = data.find(b'{"seq":2,"kind":"settle"')
    assert at > 0
    data[at + 20] ^= 0x01  # "settle" → "setdle"
    db.write_bytes(bytes(data))
    result = cli_run("ledger", "--db", str(db), "verify")
    assert 1 == result.exit_code
    assert "posting 2 (settle C2): hash" in result.stdout
    assert "1 problem(s)" in result.stdout or "problem(s)" in result.stdout


def test_verify_reports_a_changed_amount_and_what_differs(db: Path) -> None:
    """A posting rewritten (triggers dropped) with C3's basic 29626.00: the hash and the amount."""
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER journal_no_update")
    con.execute(
        'UPDATE journal SET content = replace(content, \'"basic_insurance":"29625.00"\', '
        '\'"basic_insurance":"29626.00"\') WHERE seq = 6'
    )
    con.commit()
    con.close()
    result = cli_run("ledger", "--db", str(db), "verify", "--json")
    assert 1 == result.exit_code
    problems = json.loads(result.stdout)["problems"]
    messages = [p["message"] for p in problems]
    assert any(m.startswith("posting 6 (adjust C3): hash") for m in messages), messages
    assert (
        "posting 6 (adjust C3): re-settling gives settlement.payments.basic_insurance "
        "29625.00, the posting says 29626.00"
    ) in messages
    assert any("the stored settlement differs from the journal's" in m for m in messages)


def test_verify_reports_a_changed_current_table(db: Path) -> None:
    """The settlements table changed behind the journal's back: verify names the claim."""
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE settlements SET settlement = replace(settlement, '29625.00', '29000.00') "
        "WHERE claim_id = 'C3'"
    )
    con.commit()
    con.close()
    with LedgerBook.open(db) as book:
        report = book.verify()
    assert not report.ok
    assert ["store.verify.current"] == sorted({p.code for p in report.problems})
    assert "claim C3" in report.problems[0].message


# -- 3. the check on open ----------------------------------------------------------------------
@pytest.mark.parametrize("cut", [3, 4096])
def test_a_truncated_store_is_refused(db: Path, cut: int) -> None:
    """A store file cut short (by 3 bytes, by a page) is refused with StoreError, not served."""
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.truncate(size - cut)
    with pytest.raises(StoreError, match="damaged and is not served") as info:
        LedgerBook.open(db)
    assert "store.damaged" == info.value.code
    result = cli_run("ledger", "--db", str(db), "show", "--json", "P-cili")
    assert 1 == result.exit_code
    assert "store.damaged" == json.loads(result.stderr)["error"]["code"]


def test_a_chain_head_that_is_not_the_last_posting_is_refused(db: Path) -> None:
    """The recorded chain head differs from the last posting (a posting lost): refused on open."""
    con = sqlite3.connect(db)
    con.execute("UPDATE journal_head SET seq = 5")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="the journal's last posting is 6"):
        SQLiteStore(db)
    with SQLiteStore(db, check=False) as store:  # verify opens it to report
        assert (5, journal(db)[-1][4]) == store.chain_head()


def test_a_last_posting_changed_in_place_is_refused_on_open(db: Path) -> None:
    """The last posting's content changed (head and hash kept): refused on open, verify lists it."""
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER journal_no_update")
    con.execute(
        "UPDATE journal SET content = replace(content, '29625.00', '29625.01') WHERE seq = 6"
    )
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="posting 6: its hash does not match its content"):
        LedgerBook.open(db)
    result = cli_run("ledger", "--db", str(db), "verify")
    assert 1 == result.exit_code
    assert "posting 6 (adjust C3): hash" in result.stdout


# -- 4. retries ----------------------------------------------------------------------------------
def test_a_retry_returns_the_first_response_even_after_a_re_settlement(tmp_path: Path) -> None:
    """C2 retried after C3 and after reversing C1 (C2 re-settled): C2's first response exactly."""
    with LedgerBook.open(tmp_path / "ledger.db") as book:
        first = book.settle_all(THREE[:2], PERSON)[1]
        book.settle(THREE[2], PERSON)
        assert first == book.settle(THREE[1], PERSON)
        book.reverse("C1")
        assert "225.00" == str(book.settlement("C2").settlement.payments["critical_illness"])
        again = book.settle(THREE[1], PERSON)
        assert first == again
        assert json.dumps(first.to_dict()) == json.dumps(again.to_dict())
        assert "6225.00" == str(again.settlement.payments["critical_illness"])


# -- 5. stores that cannot be written ----------------------------------------------------------
def test_a_store_that_cannot_be_written_is_read_only(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File or folder not writable: reads work (SQLite read-only), a settle says read-only."""
    monkeypatch.setattr(sqlite, "_writable", lambda path: False)
    before = dump(db)
    with LedgerBook.open(db) as book:
        assert book.store.read_only  # type: ignore[attr-defined]
        assert ("C2", "C3") == book.ledger("P-cili", 2019).claim_ids
        with pytest.raises(StoreError, match="is read-only") as info:
            book.settle(claim("C4", "2019-04-10"), PERSON)
        assert "store.read_only" == info.value.code
        assert book.verify().ok
    shown = cli_run("ledger", "--db", str(db), "show", "P-cili", "--json")
    assert 0 == shown.exit_code, shown.stderr
    assert ["C2", "C3"] == json.loads(shown.stdout)["ledger"]["claim_ids"]
    assert before == dump(db)


_CODE = "import sys; from zjj_medical.cli import cli; cli(sys.argv[1:], prog_name='zjj-medical')"


@functools.cache
def _other_user() -> tuple[list[str], dict[str, str]] | str:
    """How to run Python as user nobody with this run's packages, or why it cannot be done."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return "root, and no setpriv to run as another user"
    # the interpreter and packages of this run must be readable by nobody
    paths = {str(Path(zjj_medical.__file__).parents[1]), str(Path(click.__file__).parents[1])}
    drop = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {"PYTHONPATH": os.pathsep.join(sorted(paths)), "PATH": "/usr/bin:/bin"}
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for python in (sys.executable, shutil.which(version)):
        if python is None:
            continue
        probe = subprocess.run([*drop, python, "-c", "import zjj_medical.cli"], env=env,
                               capture_output=True, text=True)  # fmt: skip
        if probe.returncode == 0:
            return [*drop, python], env
    return "no Python that user nobody can run with these packages"


def _as_other_user(*args: str) -> subprocess.CompletedProcess[str]:
    """``zjj-medical ARGS`` as a user the file permissions apply to (``nobody`` when root)."""
    if os.geteuid() != 0:
        return subprocess.run([sys.executable, "-c", _CODE, *args], capture_output=True, text=True)
    how = _other_user()
    if isinstance(how, str):
        pytest.skip(how)
    command, env = how
    return subprocess.run([*command, "-c", _CODE, *args], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_read_only_store_is_read_and_said_to_be_read_only(what: str) -> None:
    """A read-only store file (or folder): show and verify work; settle exits 1 saying read-only."""
    folder = Path(tempfile.mkdtemp(prefix="zjj-ro-"))
    try:
        folder.chmod(0o755)
        db = folder / "ledger.db"
        with LedgerBook.open(db) as book:
            book.settle(THREE[0], PERSON)
        document = folder / "c2.json"
        document.write_text(json.dumps({
            "person": {"id": "P-cili", "poor": False, "county": "cili"},
            "claims": [{"id": "C2", "kind": "inpatient", "date": "2019-02-10",
                        "facility": {"level": "county", "county": "cili"},
                        "total": "40000.00", "in_scope": "40000.00"}],
            "ledger": None,
        }), "utf-8")  # fmt: skip
        before = dump(db)
        (db if what == "file" else folder).chmod(0o444 if what == "file" else 0o555)
        shown = _as_other_user("ledger", "--db", str(db), "show", "P-cili", "--json")
        assert 0 == shown.returncode, shown.stderr
        assert ["C1"] == json.loads(shown.stdout)["ledger"]["claim_ids"]
        assert 0 == _as_other_user("ledger", "--db", str(db), "verify").returncode
        settled = _as_other_user("ledger", "--db", str(db), "settle", str(document))
        assert 1 == settled.returncode
        error = json.loads(settled.stderr)["error"]
        assert "store.read_only" == error["code"]
        assert "is read-only" in error["message"]
        assert before == dump(db)
    finally:
        folder.chmod(0o755)
        (folder / "ledger.db").chmod(0o644)
        shutil.rmtree(folder)


def test_a_read_only_folder_with_a_pending_log_says_so() -> None:
    """Read-only folder, a write-ahead log not yet in the file: StoreError store.read_only.wal."""
    source, folder = Path(tempfile.mkdtemp(prefix="zjj-wal-")), Path(tempfile.mkdtemp())
    try:
        folder.chmod(0o755)
        with LedgerBook.open(source / "ledger.db") as book:
            book.settle(THREE[0], PERSON)  # committed to the log, not yet to the file
            for name in ("ledger.db", "ledger.db-wal"):
                shutil.copy(source / name, folder / name)
        assert (folder / "ledger.db-wal").stat().st_size > 0
        folder.chmod(0o555)
        shown = _as_other_user(
            "ledger", "--db", str(folder / "ledger.db"), "show", "--json", "P-cili"
        )
        assert 1 == shown.returncode
        assert "store.read_only.wal" == json.loads(shown.stderr)["error"]["code"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)
        shutil.rmtree(source)


def test_a_memory_store_still_opens_from_python() -> None:
    """The Python API keeps ":memory:" (tests); it journals like a file."""
    with LedgerBook.open(":memory:") as book:
        book.settle(THREE[0], PERSON)
        assert (1, book.store.chain_head()[1]) == book.store.chain_head()
        assert book.verify().ok


# -- 6. posting order ----------------------------------------------------------------------------
@pytest.fixture
def book(tmp_path: Path) -> Iterator[LedgerBook]:
    """A book on a fresh store file."""
    with LedgerBook.open(tmp_path / "ledger.db") as b:
        yield b


def test_a_claim_dated_before_the_latest_posting_is_posted_with_a_note(book: LedgerBook) -> None:
    """C2 (Feb) then C1 (Jan): C1 settles second (CI 6225.00) and its note names C2; verify ok."""
    c2 = book.settle(THREE[1], PERSON)
    c1 = book.settle(THREE[0], PERSON)
    assert "" == c2.posting_note
    assert (
        "posting order: dated 2019-01-10, before claim C2 (2019-02-10) already posted for "
        "P-cili 2019; settled after it, on the ledger as it stands"
    ) == c1.posting_note
    assert "6225.00" == str(c1.settlement.payments["critical_illness"])
    assert c1.posting_note == book.settlement("C1").posting_note
    assert book.verify().ok
    book.reverse("C2")  # C1 is then the year's only claim: no note
    assert "" == book.settlement("C1").posting_note
    assert book.verify().ok


def test_the_cli_prints_the_posting_note(tmp_path: Path) -> None:
    """ledger settle of a claim dated before a posted one prints the note on standard error."""
    db = str(tmp_path / "ledger.db")
    for c in (THREE[1], THREE[0]):
        document = {
            "person": {"id": "P-cili", "poor": False, "county": "cili"},
            "claims": [{"id": c.id, "kind": "inpatient", "date": c.date.isoformat(),
                        "facility": {"level": "county", "county": "cili"},
                        "total": "40000.00", "in_scope": "40000.00"}],
            "ledger": None,
        }  # fmt: skip
        path = tmp_path / f"{c.id}.json"
        path.write_text(json.dumps(document), "utf-8")
        result = cli_run("ledger", "--db", db, "settle", "--no-trace", str(path))
        assert 0 == result.exit_code, result.stderr
    assert "note: claim C1: posting order: dated 2019-01-10, before claim C2" in result.stderr


def _without_head(url: str, delete: Any) -> None:
    """A store whose journal head row is gone, opened without the check on open: a new
    settlement is refused (store.damaged), not chained to nothing."""
    from zjj_medical import Claim, Facility, Person
    from zjj_medical.errors import StoreError
    from zjj_medical.store import LedgerBook

    person = Person("P1", poor=True, county="sangzhi")
    claim = Claim("A1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
                  total="20000.00", in_scope="18000.00")  # fmt: skip
    with LedgerBook.open(url):
        pass  # created with its head row
    delete()
    with LedgerBook.open(url, check=False) as book:
        with pytest.raises(StoreError) as info:
            book.settle(claim, person)
        assert info.value.code == "store.damaged"
        assert "head row is missing" in str(info.value)
        assert book.settlements("P1", 2019) == []


def test_a_store_without_its_journal_head_is_not_appended_to(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "ledger.db"

    def delete() -> None:
        con = sqlite3.connect(db)
        con.execute("DELETE FROM journal_head")
        con.commit()
        con.close()

    _without_head(str(db), delete)


def test_a_postgresql_store_without_its_journal_head_is_not_appended_to() -> None:
    from store_helpers import _connect, pg_schema

    with pg_schema() as url:

        def delete() -> None:
            with _connect(url) as conn:
                conn.execute("DELETE FROM journal_head")

        _without_head(url, delete)
