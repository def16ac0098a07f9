"""Worked examples of the built-in policy, computed by hand (tests/data/worked_examples.yaml).

Each example is checked three ways: :func:`settle_year`, :func:`settle` one claim at a
time with the ledger carried by hand, and :func:`settle_document` (the JSON contract,
money as two-decimal strings).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from reference import INPATIENT_LAYERS, OUTPATIENT_LAYERS
from strategies import to_claim, to_person
from zjj_medical import Settlement, settle, settle_year
from zjj_medical.contract.documents import settle_document

DATA = Path(__file__).parent / "data" / "worked_examples.yaml"
EXAMPLES: list[dict[str, Any]] = yaml.safe_load(DATA.read_text(encoding="utf-8"))["examples"]


#: Keys of a flat result that are not payments (the rest are payments by layer id).
NOT_PAYMENTS = ("claim_id", "reimbursed", "patient_pay", "actual_ratio", "in_county", "pay_later")


def flat(s: Settlement) -> dict[str, Any]:
    """A settlement as tests/reference.py writes a result: payments by layer id, totals, flags."""
    return {
        "claim_id": s.claim_id,
        **s.payments,
        "reimbursed": s.reimbursed,
        "patient_pay": s.patient_pay,
        "actual_ratio": s.actual_ratio,
        "in_county": s.in_county,
        "pay_later": s.pay_later,
    }


def in_example_terms(result: Mapping[str, Any]) -> dict[str, Any]:
    """A flat result in the examples' terms (money as two-decimal strings)."""
    ratio = result["actual_ratio"]
    return {
        "payments": {k: f"{v:.2f}" for k, v in result.items() if k not in NOT_PAYMENTS},
        "reimbursed": f"{result['reimbursed']:.2f}",
        "patient_pay": f"{result['patient_pay']:.2f}",
        "actual_ratio": None if ratio is None else f"{ratio:.4f}",
        "in_county": result["in_county"],
        "pay_later": result["pay_later"],
    }


def _ids(example: dict[str, Any]) -> str:
    return str(example["name"])


def test_examples_are_many_and_well_formed() -> None:
    """At least 18 examples, one result per claim; each result adds up (SPEC §4) as written."""
    assert len(EXAMPLES) >= 18
    for ex in EXAMPLES:
        assert {"name", "arithmetic", "person", "claims", "expected"} == set(ex)
        assert len(ex["claims"]) == len(ex["expected"])
        for claim, exp in zip(ex["claims"], ex["expected"], strict=True):
            paid = sum((Decimal(v) for v in exp["payments"].values()), Decimal(0))
            assert exp["reimbursed"] == f"{paid:.2f}", ex["name"]
            # patient_pay = total − reimbursed
            patient = Decimal(claim["total"]) - paid
            assert exp["patient_pay"] == f"{patient:.2f}", ex["name"]


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_settle_year_matches_hand_computation(example: dict[str, Any]) -> None:
    """settle_year gives every layer's payment, totals, ratio and flags worked by hand."""
    person = to_person(example["person"])
    settlements = settle_year([to_claim(c) for c in example["claims"]], person)
    assert example["expected"] == [in_example_terms(flat(s)) for s in settlements]


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_settle_one_claim_at_a_time_matches(example: dict[str, Any]) -> None:
    """settle, with the ledger handed from claim to claim, gives the same hand results."""
    person = to_person(example["person"])
    ledger = None
    for data, expected in zip(example["claims"], example["expected"], strict=True):
        s = settle(to_claim(data), person, ledger=ledger)
        assert expected == in_example_terms(flat(s))
        ledger = s.ledger
    assert ledger is not None
    assert [c["id"] for c in example["claims"]] == list(ledger.claim_ids)


@pytest.mark.parametrize("example", EXAMPLES, ids=_ids)
def test_settle_document_matches(example: dict[str, Any]) -> None:
    """settle_document writes the hand results as the JSON contract (SPEC §6) writes them."""
    doc = {"person": {**example["person"], "categories": []}, "claims": example["claims"]}
    out = json.loads(json.dumps(settle_document(json.loads(json.dumps(doc)))))
    assert {"settlements", "ledger"} == set(out)
    assert len(example["claims"]) == len(out["settlements"])
    for claim, expected, got in zip(
        example["claims"], example["expected"], out["settlements"], strict=True
    ):
        assert claim["id"] == got["claim_id"]
        assert claim["date"] == got["date"]
        assert claim["total"] == got["total"]
        assert claim["in_scope"] == got["in_scope"]
        assert expected == {k: got[k] for k in expected}
        layers = list(INPATIENT_LAYERS if claim["kind"] == "inpatient" else OUTPATIENT_LAYERS)
        assert layers == list(got["payments"])
        assert layers == [entry["layer"] for entry in got["trace"]]
    assert [c["id"] for c in example["claims"]] == out["ledger"]["claim_ids"]
