"""The settlement service as a real process (``zjj-medical serve``): it starts, answers,
stops on SIGTERM, and a kill -9 in the middle of a load run loses no acknowledged
settlement and leaves none half-written."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from service_helpers import auth, body, document
from zjj_medical.cli import cli
from zjj_medical.store import LedgerBook, SQLiteStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

_MAIN = "from zjj_medical.cli import main; main()"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Done:
    """What a command did: exit code, standard output, standard error."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _cli(*args: str) -> _Done:
    """Run a zjj-medical command in process (the server is the only subprocess)."""
    result = CliRunner().invoke(cli, list(args), prog_name="zjj-medical")
    return _Done(result.exit_code, result.stdout, result.stderr)


class Server:
    """A ``zjj-medical serve`` subprocess on a free port."""

    def __init__(self, db: Path | str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _MAIN, "serve", "--db", str(db), "--port", str(self.port),
             "--log-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.proc.kill()
        _, err = self.proc.communicate(timeout=60)
        raise AssertionError(f"the server did not start: {err.decode()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` and wait for the process; its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.communicate(timeout=60)
        return self.proc.returncode


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A store file with no tokens yet."""
    return tmp_path / "ledger.db"


def _token(db: Path | str, *args: str) -> str:
    done = _cli("token", "create", "--db", str(db), *args)
    assert 0 == done.returncode, done.stderr
    assert 1 == len(done.stdout.splitlines())  # the token alone on standard output
    return done.stdout.strip()


def test_token_commands_and_a_served_settlement(db: Path) -> None:
    """token create prints only the token; the server settles with it; token revoke stops
    it (401); SIGTERM stops the server (uvicorn finishes, then exits by the signal it was
    sent, as it re-raises it); ledger audit lists the writes."""
    token = _token(db, "--facility", "H1", "--note", "ward 3")
    server = Server(db)
    try:
        r = httpx.post(server.url + "/v1/settle", content=body(document()), headers=auth(token))
        assert 200 == r.status_code
        assert "3000.00" == r.json()["settlements"][0]["patient_pay"]
        listed = json.loads(_cli("token", "list", "--db", str(db), "--json").stdout)
        assert [("facility", "H1", "ward 3")] == [(t["role"], t["facility"], t["note"])
                                                   for t in listed]  # fmt: skip
        assert token not in json.dumps(listed)
        assert 0 == _cli("token", "revoke", "--db", str(db), listed[0]["id"]).returncode
        assert 401 == httpx.get(server.url + "/v1/policies", headers=auth(token)).status_code
    finally:
        assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    audit = json.loads(_cli("ledger", "audit", "--db", str(db), "--json").stdout)
    assert audit["ok"]
    assert ["token.create", "settle", "token.revoke"] == [r["action"] for r in audit["records"]]
    assert token not in json.dumps(audit)


def test_a_bad_store_is_a_clear_error(tmp_path: Path) -> None:
    """serve on a file that is not a store exits 1 with the store error, no traceback."""
    bad = tmp_path / "not.db"
    bad.write_text("hello, this is not SQLite" * 100)
    result = CliRunner().invoke(cli, ["serve", "--db", str(bad), "--port", str(_free_port())])
    assert 1 == result.exit_code
    assert "Traceback" not in result.output
    assert "not a zjj_medical ledger store" in result.stderr


def test_serve_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    """With FastAPI and uvicorn missing, zjj_medical and its command line import, and serve
    names the extra to install."""
    code = (
        "import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
        "import zjj_medical\n"
        "from zjj_medical.cli import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code, "serve", "--db", str(tmp_path / "x.db")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert 1 == done.returncode
    assert "pip install 'zjj_medical[service]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_kill_9_under_load_loses_no_acknowledged_settlement(db: Path) -> None:
    """Threads settle 300 claims (30 people × 10 claims) while the server is killed with
    SIGKILL part way: after a restart every claim acknowledged (200) is stored exactly
    once with its audit record, and ledger verify finds the journal whole."""
    token = _token(db, "--facility", "H1")
    server = Server(db)
    acknowledged: list[str] = []
    lock = threading.Lock()
    n_people, per_person = 30, 10

    def run(person: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for k in range(per_person):
                cid = f"K{person:02d}-{k:02d}"
                doc = document(cid, person=f"P{person:02d}", date=f"2019-{k + 1:02d}-03",
                               total="1000.00", in_scope="800.00")  # fmt: skip
                try:
                    r = client.post("/v1/settle", content=body(doc), headers=auth(token))
                except httpx.TransportError:
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        acknowledged.append(cid)

    threads = [threading.Thread(target=run, args=(p,)) for p in range(n_people)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= 60:
                break
        time.sleep(0.01)
    assert -signal.SIGKILL == server.stop(signal.SIGKILL)
    for t in threads:
        t.join(timeout=60)
    assert 60 <= len(acknowledged) < n_people * per_person

    restarted = Server(db)  # it opens (and checks) the store the kill left
    try:
        r = httpx.get(restarted.url + "/v1/claims/" + acknowledged[0], headers=auth(token))
        assert 200 == r.status_code
    finally:
        restarted.stop()
    with LedgerBook(SQLiteStore(db)) as book:
        settles = [p.claim_id for p in book.store.postings() if p.kind == "settle"]
        assert len(settles) == len(set(settles))  # none twice
        assert set(acknowledged) <= set(settles)
        audited = {r.target for r in book.store.audit() if r.action == "settle" and r.status == 200}
        assert set(acknowledged) <= audited
    verify = _cli("ledger", "--db", str(db), "verify")
    assert 0 == verify.returncode, verify.stdout + verify.stderr
    assert os.path.exists(db)


# -- two servers, one PostgreSQL database --------------------------------------------------
def _pg_document(cid: str, i: int, person: int) -> dict[str, Any]:
    """Claim i of person P<person> at facility H1: amounts and dates differ by claim, so the
    order of posting changes what each claim pays (caps and deductibles carry over)."""
    total = f"{2500 + 1013 * i}.00"
    return {
        "person": {"id": f"P{person}", "poor": person % 2 == 0, "county": "cili"},
        "claims": [{
            "id": cid, "kind": "inpatient", "date": f"2019-{1 + i % 12:02d}-{1 + i % 27:02d}",
            "facility": {"id": "H1", "level": "county", "county": "cili"},
            "total": total, "in_scope": total,
        }],
    }  # fmt: skip


def test_two_servers_on_one_postgresql_database_lose_no_update() -> None:
    """Two ``zjj-medical serve`` processes on one PostgreSQL database, 8 client threads
    settling 60 claims of the same 3 persons through both at once: every claim stored
    exactly once, each person-year equal to settling its claims in memory in the order
    they were posted (no lost update), the journal and the audit trail whole."""
    from store_helpers import pg_schema
    from zjj_medical import settle_year
    from zjj_medical.contract.documents import parse_document

    with pg_schema() as url:
        token = _token(url, "--facility", "H1")
        servers = [Server(url), Server(url)]
        docs = [_pg_document(f"C{i:03d}", i, i % 3) for i in range(60)]
        answers: dict[str, int] = {}
        lock = threading.Lock()

        def client(k: int) -> None:
            with httpx.Client(timeout=60) as http:
                for i in range(k, len(docs), 8):
                    server = servers[i % 2]
                    r = http.post(server.url + "/v1/settle", content=body(docs[i]),
                                  headers=auth(token))  # fmt: skip
                    with lock:
                        answers[docs[i]["claims"][0]["id"]] = r.status_code

        try:
            threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(300)
        finally:
            for server in servers:
                server.stop()
        assert {200} == set(answers.values())
        assert 60 == len(answers)
        claims = {}
        for doc in docs:
            person, (parsed,), _ = parse_document(doc)
            claims[parsed.id] = (parsed, person)
        with LedgerBook.open(url) as book:
            seen: list[str] = []
            for k in range(3):
                stored = book.settlements(f"P{k}", 2019)
                order = [r.claim_id for r in stored]
                seen += order
                person = claims[order[0]][1]
                again = settle_year([claims[cid][0] for cid in order], person)
                assert [s.payments for s in again] == [r.settlement.payments for r in stored]
                assert again[-1].ledger == book.ledger(f"P{k}", 2019)
            assert sorted(seen) == sorted(claims)  # each claim once
            report = book.verify()
            assert report.ok, [p.message for p in report.problems]
            audit = json.loads(_cli("ledger", "audit", "--db", url, "--json").stdout)
            assert audit["ok"]
            assert 60 == sum(1 for r in audit["records"] if r["action"] == "settle")
