"""Errors (SPEC §4, §6, §7): each names the claim, the field and what is accepted — through the
Python API and through ``zjj-medical settle`` (one document, and ``--lines``)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reference import INPATIENT_LAYERS
from zjj_medical import (
    Claim,
    DuplicateClaim,
    Facility,
    InvalidClaim,
    LedgerMismatch,
    Person,
    PolicyNotInForce,
    ReimbursementError,
    settle,
)
from zjj_medical.cli import cli
from zjj_medical.messages import render
from zjj_medical.render.sheet import how_text

SANGZHI_COUNTY = Facility(level="county", county="sangzhi")
POOR = Person("P1", poor=True, county="sangzhi")


def _claim(**changes: Any) -> Claim:
    args: dict[str, Any] = {
        "id": "C1",
        "kind": "inpatient",
        "date": "2019-11-03",
        "facility": SANGZHI_COUNTY,
        "total": "20000.00",
        "in_scope": "18000.00",
    }
    args.update(changes)
    return Claim(**args)


def _ledger_of(person: Person, date: str = "2019-11-01") -> Any:
    return settle(_claim(id="C0", date=date), person).ledger


# (case id, call, error class, builtin, field, words the message must carry)
API_CASES: list[tuple[str, Callable[[], object], type[Exception], type[Exception], str, list[str]]] = [
    ("negative", lambda: _claim(total="-1.00"), InvalidClaim, ValueError, "total", ["negative"]),
    ("nan", lambda: _claim(total="NaN"), InvalidClaim, ValueError, "total", ["finite"]),
    ("inf", lambda: _claim(in_scope=float("inf")), InvalidClaim, ValueError, "in_scope", ["finite"]),
    (
        "three places",
        lambda: _claim(total="100.001", in_scope="1"),
        InvalidClaim, ValueError, "total", ["more than 2 decimal places"],
    ),
    (
        "float 0.1 + 0.2",
        lambda: _claim(total=0.1 + 0.2, in_scope="0"),
        InvalidClaim, ValueError, "total", ["0.30000000000000004", "more than 2 decimal places"],
    ),
    (
        "above the largest amount",
        lambda: _claim(total="10000000000.00", in_scope="0"),
        InvalidClaim, ValueError, "total", ["above the largest amount, 9999999999.99"],
    ),
    (
        "in_scope over total",
        lambda: _claim(total="100.00", in_scope="100.01"),
        InvalidClaim, ValueError, "in_scope", ["100.01", "more than total", "100.00"],
    ),
    (
        "unknown level",
        lambda: settle(_claim(facility=Facility(level="clinic", county="sangzhi")), POOR),
        InvalidClaim, ValueError, "facility.level",
        ["'clinic'", "accepted: village_clinic, township, community, county, municipal, provincial"],
    ),
    (
        "unknown person county",
        lambda: settle(_claim(), Person("P1", poor=True, county="changsha")),
        InvalidClaim, ValueError, "person.county",
        ["'changsha'", "accepted: yongding, wulingyuan, cili, sangzhi"],
    ),
    (
        "unknown facility county",
        lambda: settle(_claim(facility=Facility(level="county", county="长沙县")), POOR),
        InvalidClaim, ValueError, "facility.county",
        ["'长沙县'", "accepted: yongding, wulingyuan, cili, sangzhi"],
    ),
    (
        "unknown kind",
        lambda: settle(_claim(kind="emergency"), POOR),
        InvalidClaim, ValueError, "kind", ["'emergency'", "accepted: inpatient, outpatient"],
    ),
    (
        "inpatient at a village clinic",
        lambda: settle(_claim(facility=Facility(level="village_clinic", county="sangzhi")), POOR),
        InvalidClaim, ValueError, "facility.level",
        ["village_clinic", "inpatient", "accepted: township, community, county, municipal, provincial"],
    ),
    (
        "before the policy",
        lambda: settle(_claim(date="2018-12-31"), POOR),
        PolicyNotInForce, LookupError, "date", ["2018-12-31", "in force from 2019-01-01"],
    ),
    (
        "ledger of another person",
        lambda: settle(_claim(), POOR, ledger=_ledger_of(Person("P2", poor=True, county="sangzhi"))),
        LedgerMismatch, ValueError, "ledger", ["person P2", "person P1"],
    ),
    (
        "ledger of another year",
        lambda: settle(_claim(date="2020-01-05"), POOR, ledger=_ledger_of(POOR)),
        LedgerMismatch, ValueError, "ledger", ["year 2019", "year 2020"],
    ),
    (
        "duplicate claim id",
        lambda: settle(_claim(date="2019-12-01"), POOR, ledger=settle(_claim(), POOR).ledger),
        DuplicateClaim, ValueError, "id", ["already settled"],
    ),
    (
        "unknown claim attribute",
        lambda: settle(_claim(attributes={"referral": "filed"}), POOR),
        InvalidClaim, ValueError, "referral", ["does not know this attribute", "declared: none"],
    ),
    (
        "unknown person attribute",
        lambda: settle(_claim(), Person("P1", poor=True, county="sangzhi", attributes={"retiree": True})),
        InvalidClaim, ValueError, "person.retiree", ["does not know this attribute", "declared: none"],
    ),
    (
        "county facility without county",
        lambda: settle(_claim(facility=Facility(level="county")), POOR),
        InvalidClaim, ValueError, "facility.county", ["required", "county facility"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "builtin", "field", "words"),
    [case[1:] for case in API_CASES],
    ids=[case[0] for case in API_CASES],
)
def test_python_api_error_names_claim_field_and_what_is_accepted(
    call: Callable[[], object],
    error: type[Exception],
    builtin: type[Exception],
    field: str,
    words: list[str],
) -> None:
    """The error has the SPEC §7 class and builtin, and names the claim, the field and the rule."""
    with pytest.raises(error) as info:
        call()
    exc = info.value
    assert isinstance(exc, ReimbursementError)
    assert isinstance(exc, builtin)
    assert "C1" == exc.claim_id
    assert field == exc.field
    message = str(exc)
    assert message.startswith(f"claim C1: {field}")
    for word in words:
        assert word in message
    data = exc.to_dict()
    assert {"type": error.__name__, "message": message, "claim_id": "C1", "field": field} == {
        k: data[k] for k in ("type", "message", "claim_id", "field")
    }
    assert message == render(data["code"], data["params"])


def test_float_is_read_as_its_shortest_repr() -> None:
    """A float is the decimal of its shortest repr: 12.5 is 12.50 and 0.1 is 0.10."""
    claim = _claim(total=12.5, in_scope=12.5)
    assert Decimal("12.50") == claim.total
    # county, poor: 12.50 × 0.85 = 10.625 → 10.63; backstop target round(0.85 × 12.50) = 10.63 → 0
    assert Decimal("10.63") == settle(claim, POOR).reimbursed
    assert (Decimal("0.10"), Decimal("0.00")) == (
        _claim(total=0.1, in_scope=0).total,
        _claim(total=0.1, in_scope=0).in_scope,
    )


# ---- the CLI -----------------------------------------------------------------------------------

GOOD: dict[str, Any] = {
    "person": {"id": "P1", "poor": True, "county": "sangzhi", "categories": []},
    "claims": [
        {
            "id": "C1",
            "kind": "inpatient",
            "date": "2019-11-03",
            "facility": {"id": None, "level": "county", "county": "sangzhi"},
            "total": "20000.00",
            "in_scope": "18000.00",
            "accident": False,
        }
    ],
    "ledger": None,
}
SETTLEMENT_KEYS = {
    "claim_id", "kind", "date", "in_county", "pay_later", "total", "in_scope", "payments",
    "reimbursed", "patient_pay", "actual_ratio", "trace",
}  # fmt: skip
MONEY = re.compile(r"^\d+\.\d{2}$")


def _runner() -> CliRunner:
    """A runner that keeps stderr apart from stdout, on any click ≥ 8.1."""
    env = {"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"}
    try:
        return CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner(env=env)  # click ≥ 8.2 always keeps stderr apart


def _doc(claim_changes: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    doc["claims"][0].update(claim_changes or {})
    doc.update(top)
    return doc


def _other_ledger(person_id: str, year: int) -> dict[str, Any]:
    return {"person_id": person_id, "year": year, "claim_ids": ["X1"], "layers": {}}


def _facility(**f: Any) -> dict[str, Any]:
    return {"facility": {"id": None, "level": "county", "county": "sangzhi", **f}}


# (case id, JSON line, error type, claim_id, field)
LINE_CASES: list[tuple[str, str, str, str | None, str]] = [
    ("negative", json.dumps(_doc({"total": "-5.00", "in_scope": "0"})), "InvalidClaim", "C1", "total"),
    ("nan", json.dumps(_doc({"total": float("nan")})), "InvalidClaim", "C1", "total"),
    ("inf", json.dumps(_doc({"in_scope": float("inf")})), "InvalidClaim", "C1", "in_scope"),
    ("three places", json.dumps(_doc({"total": "20000.001"})), "InvalidClaim", "C1", "total"),
    (
        "JSON number with three places",
        json.dumps(_doc({"total": "@@"})).replace('"@@"', "20000.001"),
        "InvalidClaim", "C1", "total",
    ),
    ("in_scope over total", json.dumps(_doc({"in_scope": "20000.01"})), "InvalidClaim", "C1", "in_scope"),
    ("unknown level", json.dumps(_doc(_facility(level="clinic"))), "InvalidClaim", "C1", "facility.level"),
    (
        "unknown county",
        json.dumps(_doc(person={"id": "P1", "poor": True, "county": "xx", "categories": []})),
        "InvalidClaim", "C1", "person.county",
    ),
    ("unknown kind", json.dumps(_doc({"kind": "emergency"})), "InvalidClaim", "C1", "kind"),
    (
        "inpatient at a village clinic",
        json.dumps(_doc(_facility(level="village_clinic"))),
        "InvalidClaim", "C1", "facility.level",
    ),
    ("before the policy", json.dumps(_doc({"date": "2018-06-30"})), "PolicyNotInForce", "C1", "date"),
    ("ledger of another person", json.dumps(_doc(ledger=_other_ledger("P9", 2019))), "LedgerMismatch", "C1", "ledger"),
    ("ledger of another year", json.dumps(_doc(ledger=_other_ledger("P1", 2020))), "LedgerMismatch", "C1", "ledger"),
    (
        "duplicate claim id",
        json.dumps({**GOOD, "claims": GOOD["claims"] * 2}),
        "DuplicateClaim", "C1", "id",
    ),
    ("unknown attribute", json.dumps(_doc({"referral": "filed"})), "InvalidClaim", "C1", "referral"),
    ("missing facility county", json.dumps(_doc(_facility(county=None))), "InvalidClaim", "C1", "facility.county"),
]  # fmt: skip


def test_cli_lines_reports_each_bad_line_and_settles_the_good_ones() -> None:
    """--lines: a bad line gives {"error": {type, message, claim_id, field, line}}, good lines settle, exit 1."""
    good = json.dumps(GOOD)
    lines = []
    for _, bad, *_rest in LINE_CASES:
        lines += [good, bad]
    result = _runner().invoke(cli, ["settle", "--lines", "-"], input="\n".join(lines) + "\n")
    assert 1 == result.exit_code
    assert f"{len(LINE_CASES)} line(s) failed" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(out)
    for i, (name, _, error_type, claim_id, field) in enumerate(LINE_CASES):
        settled, error = out[2 * i], out[2 * i + 1]
        assert "17000.00" == settled["settlements"][0]["reimbursed"], name
        assert {"error"} == set(error), name
        err = error["error"]
        keys = {"type", "message", "claim_id", "field", "line", "code", "params"}
        assert keys == set(err) - {"path"}, name
        assert (error_type, claim_id, field, 2 * i + 2) == (
            err["type"], err["claim_id"], err["field"], err["line"],
        ), name  # fmt: skip
        assert field in err["message"], name
        if claim_id is not None:
            assert f"claim {claim_id}" in err["message"], name


def test_cli_lines_all_good_exits_zero() -> None:
    """--lines with only good lines prints one output document a line and exits 0."""
    result = _runner().invoke(
        cli, ["settle", "--lines", "--no-trace", "-"], input=json.dumps(GOOD) + "\n\n"
    )
    assert 0 == result.exit_code
    (line,) = result.stdout.splitlines()
    assert "3000.00" == json.loads(line)["settlements"][0]["patient_pay"]


def test_cli_settle_file_prints_the_spec_document(tmp_path: Path) -> None:
    """settle FILE prints the SPEC §6 document: exact keys, money as two-decimal strings."""
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(GOOD), encoding="utf-8")
    result = _runner().invoke(cli, ["settle", str(path)])
    assert 0 == result.exit_code
    assert "" == result.stderr
    out = json.loads(result.stdout)
    assert {"settlements", "ledger"} == set(out)
    (s,) = out["settlements"]
    assert SETTLEMENT_KEYS == set(s)
    assert list(INPATIENT_LAYERS) == list(s["payments"])
    # SPEC §6 example, by hand: county, poor: 18000 × 0.85 = 15300.00; CI x = 2700 ≤ 5000 → 0;
    # backstop 0.85 × 20000 − 15300 = 1700.00; patient 3000.00; ratio 0.8500
    assert {
        "claim_id": "C1", "kind": "inpatient", "date": "2019-11-03", "in_county": True,
        "pay_later": True, "total": "20000.00", "in_scope": "18000.00",
        "payments": {
            "basic_insurance": "15300.00", "critical_illness": "0.00",
            "special_poverty_insurance": "0.00", "medical_assistance": "0.00",
            "hospital_reduction": "0.00", "fiscal_backstop": "1700.00",
        },
        "reimbursed": "17000.00", "patient_pay": "3000.00", "actual_ratio": "0.8500",
    } == {k: v for k, v in s.items() if k != "trace"}  # fmt: skip
    for value in [*s["payments"].values(), s["total"], s["reimbursed"], s["patient_pay"]]:
        assert MONEY.match(value)
    assert list(INPATIENT_LAYERS) == [entry["layer"] for entry in s["trace"]]
    for entry in s["trace"]:
        assert {"layer", "clause", "inputs", "amount"} <= set(entry)
        assert MONEY.match(entry["amount"])
        assert entry["clause"]
    assert "P1" == out["ledger"]["person_id"]
    assert ["C1"] == out["ledger"]["claim_ids"]


def test_cli_ledger_carried_between_documents_gives_the_same_result() -> None:
    """A second document carrying the first output's ledger settles as if both were one document."""
    second = copy.deepcopy(GOOD["claims"][0])
    second.update(id="C2", date="2019-12-01")
    runner = _runner()
    first = json.loads(runner.invoke(cli, ["settle", "-"], input=json.dumps(GOOD)).stdout)
    doc2 = {**GOOD, "claims": [second], "ledger": first["ledger"]}
    carried = json.loads(runner.invoke(cli, ["settle", "-"], input=json.dumps(doc2)).stdout)
    both = {**GOOD, "claims": [*GOOD["claims"], second]}
    together = json.loads(runner.invoke(cli, ["settle", "-"], input=json.dumps(both)).stdout)
    assert together["settlements"][1] == carried["settlements"][0]
    assert together["ledger"] == carried["ledger"]


@pytest.mark.parametrize(
    ("line", "error_type", "claim_id", "field"),
    [case[1:] for case in LINE_CASES],
    ids=[case[0] for case in LINE_CASES],
)
def test_cli_settle_bad_file_prints_error_on_stderr_only(
    tmp_path: Path, line: str, error_type: str, claim_id: str | None, field: str
) -> None:
    """settle FILE with a bad input exits non-zero, prints the error on stderr and nothing on stdout."""
    path = tmp_path / "bad.json"
    path.write_text(line, encoding="utf-8")
    result = _runner().invoke(cli, ["settle", str(path)])
    assert 0 != result.exit_code
    assert "" == result.stdout
    err = json.loads(result.stderr)["error"]
    assert (error_type, claim_id, field) == (err["type"], err["claim_id"], err["field"])
    assert field in err["message"]


def test_cli_sheet_names_every_layer() -> None:
    """--format sheet prints a one-stop settlement sheet with every layer's name and amount."""
    result = _runner().invoke(cli, ["settle", "--format", "sheet", "-"], input=json.dumps(GOOD))
    assert 0 == result.exit_code
    text = result.stdout
    for name in ("基本医疗保险", "大病保险", "扶贫特惠保", "医疗救助", "医院减免", "财政兜底"):
        assert name in text
    for amount in ("15300.00", "1700.00", "17000.00", "3000.00"):
        assert amount in text
    assert "一站式结算" in text


def test_sheet_how_column_shows_the_arithmetic() -> None:
    """The sheet's how column reads as arithmetic: basic (18000.00 − 0.00) × 0.85 = 15300.00,
    backstop 0.85 × 20000.00 = 17000.00 less the 15300.00 paid above."""
    s = settle(
        Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
              total="20000.00", in_scope="18000.00"),
        POOR,
    )  # fmt: skip
    basic, *_, backstop = s.trace
    assert how_text(basic, "schedule").startswith(
        "(18000.00 − deductible 0.00) × 0.85 = 15300.00; cap 150000.00"
    )
    assert "0.85 × total 20000.00 = 17000.00, less 15300.00 paid above" == how_text(
        backstop, "target"
    )


def test_datetime_claim_date_names_the_field() -> None:
    """A datetime as a claim date is refused naming the field ``date``.

    This message changed on purpose: it used to read ``claim C1: datetime.datetime(…) is
    not a date`` — the field was left out because the value's repr happens to start with
    ``date``, which the old message builder took for the field name.
    """
    with pytest.raises(InvalidClaim) as info:
        _claim(date=dt.datetime(2019, 1, 1))
    assert "claim C1: date: datetime.datetime(2019, 1, 1, 0, 0) is not a date" == str(info.value)
    assert ("claim.date.type", "date") == (info.value.code, info.value.field)
