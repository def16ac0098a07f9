"""``zjj-medical ledger``: settle, presettle, reverse, show, report, export-fhir (click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from zjj_medical import examples
from zjj_medical.cli import cli

EXAMPLE = examples.path("sangzhi_poor_household.json")


def doc(claims: list[dict[str, Any]], person_id: str = "P-cili") -> dict[str, Any]:
    """A person-year document of a non-poor 慈利县 resident."""
    person = {"id": person_id, "poor": False, "county": "cili", "categories": []}
    return {"person": person, "claims": claims, "ledger": None}


def inpatient(cid: str, day: str, total: str = "40000.00") -> dict[str, Any]:
    """An inpatient claim at a 慈利县 county hospital."""
    return {"id": cid, "kind": "inpatient", "date": day, "accident": False,
            "facility": {"id": None, "level": "county", "county": "cili"},
            "total": total, "in_scope": total}  # fmt: skip


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run ``zjj-medical ledger --db tmp/ledger.db ARGS`` in tmp_path."""
    monkeypatch.chdir(tmp_path)
    env = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"}
    try:  # keep stderr apart from stdout on any click ≥ 8.1
        runner = CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner(env=env)  # click ≥ 8.2 always keeps stderr apart

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["ledger", "--db", "ledger.db", *args], input=input)

    return invoke


def write(path: Path, data: Any) -> str:
    """Write JSON and return the file name."""
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return str(path)


def test_settle_prints_the_contract_and_is_idempotent(run: Any) -> None:
    """settle prints settlements and the stored ledger; running it twice prints the same."""
    first = run("settle", "--no-trace", str(EXAMPLE))
    assert 0 == first.exit_code, first.stdout
    out = json.loads(first.stdout)
    # A1: 18000 × 0.85 = 15300 basic; backstop 0.85 × 20000 − 15300 = 1700
    assert "15300.00" == out["settlements"][0]["payments"]["basic_insurance"]
    assert "1700.00" == out["settlements"][0]["payments"]["fiscal_backstop"]
    assert ["SZ-0001-A1", "SZ-0001-A2"] == out["ledger"]["claim_ids"]
    second = run("settle", "--no-trace", str(EXAMPLE))
    assert first.stdout == second.stdout


def test_settle_other_content_fails_with_a_json_error(run: Any, tmp_path: Path) -> None:
    """A stored claim id sent again with another total exits 1 with DuplicateClaim on stderr."""
    assert (
        0
        == run("settle", write(tmp_path / "a.json", doc([inpatient("C1", "2019-01-10")]))).exit_code
    )
    changed = write(tmp_path / "b.json", doc([inpatient("C1", "2019-01-10", "1.00")]))
    result = run("settle", changed)
    assert 1 == result.exit_code
    assert "DuplicateClaim" == json.loads(result.stderr)["error"]["type"]


def test_settle_lines(run: Any, tmp_path: Path) -> None:
    """--lines settles one document a line; a bad line gives an error line and exit 1."""
    lines = [json.dumps(doc([inpatient("C1", "2019-01-10")])), "{not json", ""]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines), "utf-8")
    result = run("settle", "--lines", "--no-trace", str(path))
    assert 1 == result.exit_code
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert "29625.00" == out[0]["settlements"][0]["payments"]["basic_insurance"]  # (40000−500)×0.75
    assert 2 == out[1]["error"]["line"]
    # the error line has the shape of every JSON error (SPEC §6), as `zjj-medical settle --lines`
    expected = {"type": "JSONDecodeError", "claim_id": None, "field": None, "line": 2}
    assert expected == {k: v for k, v in out[1]["error"].items() if k != "message"}


def test_presettle_writes_nothing(run: Any, tmp_path: Path) -> None:
    """presettle prints the would-be settlement; show then finds nothing stored."""
    f = write(tmp_path / "a.json", doc([inpatient("C1", "2019-01-10")]))
    result = run("presettle", "--no-trace", f)
    assert 0 == result.exit_code, result.stdout
    assert "225.00" == json.loads(result.stdout)["settlements"][0]["payments"]["critical_illness"]
    shown = run("show", "P-cili")
    assert 1 == shown.exit_code
    assert "nothing stored" in shown.stderr


def test_a_document_ledger_must_be_the_stores(run: Any, tmp_path: Path) -> None:
    """A document carrying a ledger other than the store's is refused with LedgerMismatch."""
    run("settle", write(tmp_path / "a.json", doc([inpatient("C1", "2019-01-10")])))
    stale = doc([inpatient("C2", "2019-02-10")])
    stale["ledger"] = {"person_id": "P-cili", "year": 2019, "claim_ids": [], "layers": {}}
    result = run("settle", write(tmp_path / "b.json", stale))
    assert 1 == result.exit_code
    assert "LedgerMismatch" == json.loads(result.stderr)["error"]["type"]


def test_reverse_prints_refund_adjustments_and_net(run: Any, tmp_path: Path) -> None:
    """Reversing C1 of C1..C3 (each 40000): CI of C2 goes 6225 → 225 (Δ −6000), C3 stays 6225."""
    claims = [inpatient(f"C{i}", f"2019-0{i}-10") for i in (1, 2, 3)]
    run("settle", write(tmp_path / "a.json", doc(claims)))
    result = run("reverse", "C1")
    assert 0 == result.exit_code, result.stdout
    out = json.loads(result.stdout)
    assert "225.00" == out["refund"]["critical_illness"]
    assert ["C2", "C3"] == [a["claim_id"] for a in out["adjustments"]]
    assert "-6000.00" == out["adjustments"][0]["delta"]["critical_illness"]
    assert "0.00" == out["adjustments"][1]["delta"]["critical_illness"]
    assert "-6225.00" == out["net"]["critical_illness"]  # −225 − 6000
    assert "-29625.00" == out["net"]["basic_insurance"]
    again = run("reverse", "C1")
    assert 1 == again.exit_code
    assert "UnknownClaim" == json.loads(again.stderr)["error"]["type"]


def test_show_prints_the_ledger_and_sheets(run: Any) -> None:
    """show prints the ledger table and a one-stop settlement sheet per claim."""
    run("settle", str(EXAMPLE))
    result = run("show", "SZ-0001", "--year", "2019")
    assert 0 == result.exit_code, result.stdout
    assert "一站式结算单" in result.stdout
    assert "SZ-0001-A2" in result.stdout
    shown = json.loads(run("show", "SZ-0001", "--json").stdout)
    assert ["SZ-0001-A1", "SZ-0001-A2"] == shown["ledger"]["claim_ids"]
    assert shown["settlements"][0]["policy_version"].startswith("sha256:")


def test_report_table_and_csv(run: Any, tmp_path: Path) -> None:
    """report prints the day's table; --csv writes the rows (funds + patient_pay = total)."""
    run("settle", str(EXAMPLE))
    table = run("report", "--date", "2019-11-03", "--csv", "day.csv")
    assert 0 == table.exit_code, table.stdout
    assert "15300.00" in table.stdout
    rows = (tmp_path / "day.csv").read_text("utf-8").splitlines()
    assert "date,facility,layer,name,claims,amount" == rows[0]
    assert rows[-1].endswith(",patient_pay,个人自付 patient pays,1,3000.00")  # 20000 − 17000
    stdout = run("report", "--date", "2019-11-03", "--facility", "county@sangzhi", "--csv", "-")
    assert rows == stdout.stdout.splitlines()


def test_export_fhir(run: Any) -> None:
    """export-fhir prints a ClaimResponse with the layer adjudications and exact decimals."""
    pytest.importorskip("fhir.resources.R4B.claimresponse")
    run("settle", str(EXAMPLE))
    result = run("export-fhir", "SZ-0001-A1")
    assert 0 == result.exit_code, result.stdout
    assert '"value": 15300.00' in result.stdout
    data = json.loads(result.stdout)
    assert "ClaimResponse" == data["resourceType"]
    assert "SZ-0001-A1" == data["identifier"][0]["value"]


def test_a_bad_database_file(run: Any, tmp_path: Path) -> None:
    """A file that is not a ledger store exits 1 with a StoreError: as JSON where the
    output is JSON, as one ``Error: …`` line where it is a table."""
    (tmp_path / "ledger.db").write_bytes(b"not a database at all" * 100)
    result = run("show", "--json", "P1")
    assert 1 == result.exit_code
    assert "StoreError" == json.loads(result.stderr)["error"]["type"]
    table = run("show", "P1")
    assert 1 == table.exit_code
    assert table.stderr.startswith("Error: ")
    assert "not a zjj_medical ledger store" in table.stderr
    assert 1 == len(table.stderr.strip().splitlines())


def test_a_resent_document_prints_its_first_response_byte_for_byte(
    run: Any, tmp_path: Path
) -> None:
    """Re-sending C1 after C2 was settled prints exactly what C1's settle printed (ledger C1)."""
    first = write(tmp_path / "a.json", doc([inpatient("C1", "2019-01-10")]))
    original = run("settle", first).stdout
    run("settle", write(tmp_path / "b.json", doc([inpatient("C2", "2019-02-10")])))
    again = run("settle", first)
    assert 0 == again.exit_code
    assert original == again.stdout
    out = json.loads(again.stdout)
    assert "225.00" == out["settlements"][0]["payments"]["critical_illness"]  # as first settled
    assert ["C1"] == out["ledger"]["claim_ids"]


def _cli(*args: str) -> Result:
    """Run ``zjj-medical ARGS`` (stderr apart from stdout)."""
    env = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"}
    try:
        runner = CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner(env=env)
    return runner.invoke(cli, list(args))


@pytest.mark.parametrize("form", ["sqlite:///{abs}", "sqlite:{rel}", "{rel}"])
def test_db_takes_a_url_or_a_path(
    form: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--db sqlite:///abs, sqlite:relative and a plain path all open the same SQLite file."""
    monkeypatch.chdir(tmp_path)
    db = form.format(abs=tmp_path / "url.db", rel="url.db")
    result = _cli("ledger", "--db", db, "settle", "--no-trace", str(EXAMPLE))
    assert 0 == result.exit_code, result.stdout
    shown = _cli("ledger", "--db", str(tmp_path / "url.db"), "show", "SZ-0001", "--json")
    assert ["SZ-0001-A1", "SZ-0001-A2"] == json.loads(shown.stdout)["ledger"]["claim_ids"]


def test_db_with_another_scheme_names_the_supported_ones(tmp_path: Path) -> None:
    """--db oracle://… exits 1 with a StoreError naming the supported ones, no password echoed."""
    result = _cli(
        "ledger", "--db", "oracle://billing:s3cret@db.example/zjj", "show", "--json", "P1"
    )
    assert 1 == result.exit_code
    error = json.loads(result.stderr)["error"]
    assert "StoreError" == error["type"]
    assert "scheme 'oracle'" in error["message"]
    assert "supported: postgres (" in error["message"]
    assert ", sqlite (" in error["message"]
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize(
    "db", ["", " ", ":memory:", "sqlite::memory:", "file:x?mode=memory", "file::memory:"]
)
def test_db_that_would_not_persist_is_refused(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--db "", :memory: or an in-memory URI (nothing would be kept) is a usage error, exit 2."""
    monkeypatch.chdir(tmp_path)
    result = _cli("ledger", "--db", db, "settle", "--no-trace", str(EXAMPLE))
    assert 2 == result.exit_code
    assert "would not persist" in result.stderr
    assert [] == list(tmp_path.iterdir())  # no file was made either


def test_db_a_directory_path_is_a_usage_error(tmp_path: Path) -> None:
    """A plain --db path naming a directory is refused by the option, as before (exit 2)."""
    result = _cli("ledger", "--db", str(tmp_path), "show", "P1")
    assert 2 == result.exit_code
    assert "is a directory" in result.stderr


def test_db_help_names_the_url_forms() -> None:
    """ledger --help shows the URL forms --db accepts."""
    result = _cli("ledger", "--help")
    assert 0 == result.exit_code
    assert "sqlite:///abs/path.db" in result.stdout
    assert "sqlite:relative.db" in result.stdout


def test_a_document_spanning_two_years_stores_nothing(run: Any, tmp_path: Path) -> None:
    """A document with claims of 2019 and 2020 is refused (one person-year per document)."""
    two = doc([inpatient("C1", "2019-12-30"), inpatient("C2", "2020-01-02")])
    result = run("settle", write(tmp_path / "two.json", two))
    assert 1 == result.exit_code
    error = json.loads(result.stderr)["error"]
    assert ("InvalidClaim", "C2", "date") == (error["type"], error["claim_id"], error["field"])
    assert 1 == run("show", "P-cili").exit_code  # nothing stored


@pytest.mark.parametrize(
    "sub", ["settle", "presettle", "reverse", "show", "report", "export-fhir", "verify"]
)
def test_subcommand_help_needs_no_store(sub: str) -> None:
    """`zjj-medical ledger SUB --help` works without --db (it used to fail: Missing option)."""
    result = CliRunner().invoke(cli, ["ledger", sub, "--help"], env={"ZJJ_MEDICAL_DB": None})
    assert 0 == result.exit_code, result.output
    assert f"ledger {sub} [OPTIONS]" in result.output


def test_a_command_without_db_says_so() -> None:
    """A ledger command that opens the store without --db exits 2 naming the option."""
    result = CliRunner().invoke(cli, ["ledger", "show", "P1"], env={"ZJJ_MEDICAL_DB": None})
    assert 2 == result.exit_code
    assert "Missing option '--db'" in result.output
