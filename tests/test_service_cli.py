"""``zjj-medical token`` and ``zjj-medical ledger audit`` (click's runner, in process)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from zjj_medical.cli import cli
from zjj_medical.store import SQLiteStore
from zjj_medical.store.access import token_hash


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="zjj-medical")
    return result.exit_code, result.stdout, result.stderr


def test_token_create_prints_the_token_alone_and_stores_its_hash(tmp_path: Path) -> None:
    """stdout is the token and nothing else; the store keeps its SHA-256, not the token."""
    db = str(tmp_path / "t.db")
    code, out, err = _run("token", "create", "--db", db, "--facility", "H1")
    assert 0 == code
    token = out.strip()
    assert [token] == out.splitlines()
    assert "created; it is shown only this once" in err
    with SQLiteStore(db) as store:
        (record,) = store.tokens()
        assert (record.role, record.facility) == ("facility", "H1")
        assert token_hash(token) == record.hash
    files = [Path(db), Path(db + "-wal")]
    assert all(token.encode() not in f.read_bytes() for f in files if f.exists())


def test_the_group_option_works_too(tmp_path: Path) -> None:
    """``token --db X create`` is ``token create --db X``."""
    db = str(tmp_path / "t.db")
    assert 0 == _run("token", "--db", db, "create", "--role", "bureau")[0]
    code, out, _ = _run("token", "--db", db, "list", "--json")
    assert (0, ["bureau"]) == (code, [t["role"] for t in json.loads(out)])


def test_a_role_needs_the_right_facility(tmp_path: Path) -> None:
    """A facility token without --facility, or a bureau token with one, is a usage error."""
    db = str(tmp_path / "t.db")
    code, _, err = _run("token", "create", "--db", db)
    assert 2 == code
    assert "a facility token needs the facility it acts for (--facility)" in err
    code, _, err = _run("token", "create", "--db", db, "--role", "bureau", "--facility", "H1")
    assert 2 == code
    assert "a bureau token reads every facility's claims: it takes no --facility" in err


def test_revoke_and_an_unknown_token(tmp_path: Path) -> None:
    """Revoking marks the token; revoking it again (or an unknown id) exits 1 with the code."""
    db = str(tmp_path / "t.db")
    _run("token", "create", "--db", db, "--facility", "H1")
    (listed,) = json.loads(_run("token", "list", "--db", db, "--json")[1])
    assert 0 == _run("token", "revoke", "--db", db, listed["id"])[0]
    code, _, err = _run("token", "revoke", "--db", db, listed["id"])
    assert 1 == code
    # the command prints text, so its error is one plain line (no JSON)
    assert f"Error: token {listed['id']}: no such valid token\n" == err
    (after,) = json.loads(_run("token", "list", "--db", db, "--json")[1])
    assert after["revoked_at"] is not None


def test_audit_lists_token_writes_and_finds_a_forged_record(tmp_path: Path) -> None:
    """The audit trail holds token create and revoke; a record changed behind the store's
    back (its trigger dropped) breaks the chain: audit exits 1 naming it."""
    db = str(tmp_path / "t.db")
    _run("token", "create", "--db", db, "--facility", "H1")
    (listed,) = json.loads(_run("token", "list", "--db", db, "--json")[1])
    _run("token", "revoke", "--db", db, listed["id"])
    code, out, _ = _run("ledger", "audit", "--db", db, "--json")
    report = json.loads(out)
    assert (0, True) == (code, report["ok"])
    assert [("token.create", listed["id"]), ("token.revoke", listed["id"])] == [
        (r["action"], r["target"]) for r in report["records"]
    ]
    code, out, _ = _run("ledger", "--db", db, "audit")
    assert 0 == code
    assert "token.create" in out
    con = sqlite3.connect(db)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET outcome = 'forged' WHERE seq = 1")
    con.commit()
    con.close()
    code, out, err = _run("ledger", "audit", "--db", db)
    assert 1 == code
    assert "audit record 1: its hash does not match its content" in err
