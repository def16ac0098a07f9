"""The national platform's settlement shape: the built-in mapping, the shipped schema, and the
identities of setlinfo / setldetail on every settlement of random years."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import person_years, to_claim, to_person
from zjj_medical import (
    Claim,
    Facility,
    InvalidClaim,
    Person,
    examples,
    parse_policy,
    settle,
    settle_year,
)
from zjj_medical.cli import cli
from zjj_medical.contract.documents import parse_document, settle_parsed
from zjj_medical.contract.platform import request_document, to_platform
from zjj_medical.engine.lines import FeeLine
from zjj_medical.errors import PolicyError
from zjj_medical.policy.loader import load_policy, policy_source
from zjj_medical.policy.yamlio import read_policy_text

D = Decimal
SCHEMA = json.loads(
    (files("zjj_medical") / "contract" / "settlement-nhsa.schema.json").read_text("utf-8")
)
POLICY = load_policy()
ROOT = Path(__file__).resolve().parents[1]


def _check(out: dict[str, object], total: Decimal) -> None:
    info: dict[str, str] = out["setlinfo"]  # type: ignore[assignment]
    details: list[dict[str, str]] = out["setldetail"]  # type: ignore[assignment]
    m = {k: D(v) for k, v in info.items() if v is not None and k != "pool_prop_selfpay"}
    assert total == m["medfee_sumamt"]
    assert m["fund_pay_sumamt"] == sum((D(d["fund_payamt"]) for d in details), D(0))
    assert m["medfee_sumamt"] == m["fund_pay_sumamt"] + m["hosp_part_amt"] + m["psn_part_amt"]
    assert m["medfee_sumamt"] == (
        m["fulamt_ownpay_amt"] + m["overlmt_selfpay"] + m["preselfpay_amt"] + m["inscp_scp_amt"]
    )


def test_worked_stay_with_lines() -> None:
    """The four-line stay of the fee-line examples, poor, county hospital: hifp_pay 483.94,
    oth_pay (backstop) 763.05, the split's four parts, the person's 220.06."""
    lines = [
        FeeLine("A1", "床位费", "A", "10", "50.00"), FeeLine("B1", "头孢", "B", "3", "12.35"),
        FeeLine("C1", "自费药", "C", "1", "880.00"),
        FeeLine("B2", "耗材", "B", "4", "12.50", limit="10.00"),
    ]  # fmt: skip
    claim = Claim("X1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
                  None, None, lines=lines)  # type: ignore[arg-type]  # fmt: skip
    out = to_platform(settle(claim, Person("P1", poor=True, county="sangzhi")), POLICY)
    info = out["setlinfo"]
    assert ("1467.05", "880.00", "10.00", "7.71", "569.34") == (
        info["medfee_sumamt"], info["fulamt_ownpay_amt"], info["overlmt_selfpay"],
        info["preselfpay_amt"], info["inscp_scp_amt"],
    )  # fmt: skip
    # funds: 483.94 + 763.05 = 1246.99; the person: 1467.05 − 1246.99 = 220.06
    assert ("483.94", "763.05", "1246.99", "220.06") == (
        info["hifp_pay"], info["oth_pay"], info["fund_pay_sumamt"], info["psn_part_amt"],
    )  # fmt: skip
    assert [("390100", "483.94"), ("999998", "763.05")] == [
        (d["fund_pay_type"], d["fund_payamt"]) for d in out["setldetail"]
    ]
    jsonschema.validate({"settlements": [{"claim_id": "X1", **out}], "ledger": None}, SCHEMA)


@settings(max_examples=60, deadline=None)
@given(person_years())
def test_identities_hold_for_every_settlement_of_a_random_year(draw: tuple) -> None:
    """Every settlement of a random year validates against the shipped schema and keeps the
    three identities."""
    person, claims = draw
    for s in settle_year([to_claim(c) for c in claims], to_person(person)):
        out = to_platform(s, POLICY)
        _check(out, s.total)
        jsonschema.validate(
            {"settlements": [{"claim_id": s.claim_id, **out}], "ledger": None}, SCHEMA
        )


def test_settle_format_nhsa() -> None:
    """zjj-medical settle --format nhsa writes the platform shape and it validates."""
    result = CliRunner().invoke(
        cli, ["settle", str(examples.path("sangzhi_poor_household.json")), "--format", "nhsa"]
    )
    assert 0 == result.exit_code, result.output
    doc = json.loads(result.output)
    jsonschema.validate(doc, SCHEMA)
    assert "15300.00" == doc["settlements"][0]["setlinfo"]["hifp_pay"]


def test_a_layer_left_unmapped_is_refused() -> None:
    """The platform mapping must name every layer of the policy."""
    text = policy_source("zhangjiajie")[0].replace(
        '    outpatient_pooling: {field: hifp_pay, fund_pay_type: "390100", name: 城乡居民基本医疗保险基金}\n',
        "",
    )
    with pytest.raises(
        PolicyError, match="every layer maps to a platform field; missing: outpatient_pooling"
    ):
        parse_policy(read_policy_text(text, "z.yaml"), "z.yaml")


def test_a_2024_stay_with_lines_settles_under_the_2024_policy() -> None:
    """Without a policy, a 2024 stay with fee lines is split and settled under zhangjiajie_2024
    and written in the platform's shape: first-level hospital, deductible 500, ratio 0.82.

    Lines: 甲类 2 × 1,500.00 = 3,000.00; 乙类 10 × 100.00 = 1,000.00 (10% = 100.00 paid first).
    In scope 3,000.00 + 900.00 = 3,900.00; basic (3,900.00 − 500.00) × 0.82 = 2,788.00.
    """
    lines = [
        FeeLine("A", "手术", "甲类", "2", "1500.00"),
        FeeLine("B", "药", "乙类", "10", "100.00"),
    ]
    claim = Claim("Y1", "inpatient", "2024-03-01", Facility(level="first_level", county=None),
                  None, None, lines=lines)  # type: ignore[arg-type]  # fmt: skip
    s = settle(claim, Person("P9", poor=False, county="cili"))
    assert "zhangjiajie_2024" == s.policy_id
    assert (D("4000.00"), D("3900.00"), D("2788.00")) == (
        s.total,
        s.in_scope,
        s.payments["basic_insurance"],
    )
    out = to_platform(s, load_policy("zhangjiajie_2024"))
    assert ("2788.00", "100.00", "1212.00") == (
        out["setlinfo"]["hifp_pay"],
        out["setlinfo"]["preselfpay_amt"],
        out["setlinfo"]["psn_part_amt"],
    )
    _check(out, s.total)


REQUEST_SCHEMA = json.loads(
    (files("zjj_medical") / "contract" / "settlement-nhsa-request.schema.json").read_text("utf-8")
)
_LEVEL = {"A": "01", "B": "02", "C": "03"}


def _request(person: dict[str, Any], claim: Claim, lines: list[FeeLine]) -> dict[str, Any]:
    """The claim as a platform-shaped request (med_type, chrgitm_lv codes, feedetail)."""
    return {
        "psn_no": person["id"], "mdtrt_id": claim.id,
        "med_type": {"inpatient": "21", "outpatient": "11"}[claim.kind],
        "dscg_date": f"{claim.date.isoformat()} 10:00:00", "fixmedins_code": claim.facility.id,
        "facility": {"level": claim.facility.level, "county": claim.facility.county},
        "feedetail": [
            {"feedetl_sn": str(i), "med_list_codg": x.code, "hilist_name": x.name,
             "cnt": str(x.quantity), "pric": str(x.price), "det_item_fee_sumamt": str(x.amount),
             "chrgitm_lv": _LEVEL[x.class_],
             "pric_uplmt_amt": None if x.limit is None else str(x.limit),
             "selfpay_prop": None if x.self_pay_ratio is None else str(x.self_pay_ratio)}
            for i, x in enumerate(lines, start=1)
        ],
        "insured": {"poor": person["poor"], "county": person["county"]},
    }  # fmt: skip


_money = st.integers(1, 500_000).map(lambda f: D(f).scaleb(-2))
_fee_lines = st.lists(
    st.builds(
        FeeLine, st.just("X"), st.just("x"), st.sampled_from(["A", "B", "C"]),
        st.integers(1, 300).map(lambda q: D(q).scaleb(-1)), _money, st.none(),
        st.one_of(st.none(), _money),
        st.one_of(st.none(), st.integers(0, 100).map(lambda r: D(r).scaleb(-2))),
    ),
    min_size=1, max_size=5,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(person_years(), st.data())
def test_request_round_trip_on_random_years(draw: tuple, data: st.DataObject) -> None:
    """Every claim of a random year, sent as a platform request with random fee details:
    the request validates against its shipped schema, settles as the claim with its lines
    does, and the response validates and keeps the identities."""
    person, claims = draw
    ledger = None
    for raw in claims:
        lines = data.draw(_fee_lines)
        claim = attrs.evolve(to_claim(raw), total=None, in_scope=None, lines=lines)
        request = _request(person, claim, lines)
        jsonschema.validate(request, REQUEST_SCHEMA)
        request["ledger"] = None if ledger is None else ledger.to_dict()
        p, [c], given_ledger = parse_document(request_document(request))
        [s] = settle_parsed(p, [c], given_ledger, policy=None)
        expected = settle(claim, to_person(person), ledger=ledger)
        assert dict(expected.payments) == dict(s.payments)
        assert expected.split == s.split
        out = to_platform(s, POLICY)
        _check(out, s.total)
        jsonschema.validate(
            {"settlements": [{"claim_id": s.claim_id, **out}], "ledger": None}, SCHEMA
        )
        ledger = s.ledger


def test_settle_input_nhsa_reads_a_request() -> None:
    """zjj-medical settle --input nhsa --format nhsa settles a platform request (the four-line
    stay of the worked examples): hifp_pay 483.94, the person's share 220.06."""
    request = {
        "psn_no": "SZ-0001", "mdtrt_id": "A1", "med_type": "21", "dscg_date": "2019-11-03",
        "medfee_sumamt": "1467.05",
        "feedetail": [
            {"med_list_codg": "A1", "cnt": "10", "pric": "50.00", "chrgitm_lv": "01"},
            {"med_list_codg": "B1", "cnt": "3", "pric": "12.35", "chrgitm_lv": "02"},
            {"med_list_codg": "C1", "cnt": "1", "pric": "880.00", "chrgitm_lv": "03"},
            {"med_list_codg": "B2", "cnt": "4", "pric": "12.50", "chrgitm_lv": "02",
             "pric_uplmt_amt": "10.00"},
        ],
        "insured": {"poor": True, "county": "sangzhi"},
        "facility": {"level": "county", "county": "sangzhi"},
    }  # fmt: skip
    jsonschema.validate(request, REQUEST_SCHEMA)
    result = CliRunner().invoke(
        cli, ["settle", "-", "--input", "nhsa", "--format", "nhsa"], input=json.dumps(request)
    )
    assert 0 == result.exit_code, result.output
    info = json.loads(result.output)["settlements"][0]["setlinfo"]
    assert ("483.94", "763.05", "220.06", "7.71") == (
        info["hifp_pay"],
        info["oth_pay"],
        info["psn_part_amt"],
        info["preselfpay_amt"],
    )


def test_a_bad_request_names_its_field() -> None:
    """A request missing its fee details' price names feedetail[0].pric."""
    request = {"psn_no": "P", "mdtrt_id": "A", "med_type": "21", "dscg_date": "2019-11-03",
               "insured": {"poor": False, "county": "cili"},
               "feedetail": [{"med_list_codg": "A1", "cnt": "1", "chrgitm_lv": "01"}]}  # fmt: skip
    with pytest.raises(InvalidClaim) as info:
        request_document(request)
    assert ("platform.request", "feedetail[0].pric") == (info.value.code, info.value.path)


def test_a_request_that_is_not_an_object_says_so() -> None:
    """A request that is a JSON list is refused as such (no empty field path in the words)."""
    with pytest.raises(InvalidClaim, match=r"^request: expected a JSON object$"):
        request_document([1, 2])
