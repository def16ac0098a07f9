"""Generated policy documents: the engine against the naive generic reference.

The policies come from tests/policy_strategies.py (valid documents of every generic shape);
the reference is tests/reference_generic.py, coded from the documentation alone. The
worked examples at the end are computed by hand, the arithmetic beside each figure, and
checked against both the reference and the engine.
"""

from __future__ import annotations

import doctest
from decimal import Decimal
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import reference_generic
from policy_strategies import person_years, policies, to_claim, to_person
from reference_generic import reference_settle_year_generic
from zjj_medical import parse_policy, settle_year
from zjj_medical.batch import simulate

D = Decimal


@st.composite
def cases(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A generated policy, a person and their claims of the year under it."""
    doc = draw(policies())
    person, claims = draw(person_years(doc))
    return doc, person, claims


def engine_year(
    doc: dict[str, Any], person: dict[str, Any], claims: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """settle_year's results in the reference's terms."""
    policy = parse_policy(doc, "<generated>")
    settled = settle_year([to_claim(c) for c in claims], to_person(person), policy=policy)
    return [
        {
            "claim_id": s.claim_id,
            "payments": dict(s.payments),
            "reimbursed": s.reimbursed,
            "patient_pay": s.patient_pay,
        }
        for s in settled
    ]


def frames(
    person: dict[str, Any], claims: list[dict[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims and people tables of simulate for one person-year."""
    people = pd.DataFrame(
        {
            "person_id": [person["id"]],
            "poor": [person["poor"]],
            "county": [person["county"]],
            "categories": [";".join(person["categories"])],
        }
    )
    table = pd.DataFrame(
        {
            "claim_id": [c["id"] for c in claims],
            "person_id": [person["id"]] * len(claims),
            "kind": [c["kind"] for c in claims],
            "date": [c["date"] for c in claims],
            "facility_id": [None] * len(claims),
            "facility_level": [c["tier"] for c in claims],
            "facility_county": [person["county"]] * len(claims),
            "total": [c["total"] for c in claims],
            "in_scope": [c["in_scope"] for c in claims],
            "accident": [False] * len(claims),
        }
    )
    return table, people


def fen(amount: Decimal) -> int:
    """An amount in yuan as whole fen."""
    return int(amount * 100)


# -- properties over generated policies ----------------------------------------------------


def test_reference_docstring_example() -> None:
    """The generic reference's hand-worked docstring example runs and gives what it shows."""
    result = doctest.testmod(reference_generic)
    assert 0 == result.failed
    assert 0 < result.attempted


@settings(max_examples=150, deadline=None)
@given(cases())
def test_settle_year_equals_reference_on_generated_policies(
    case: tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]],
) -> None:
    """settle_year pays every layer of every claim what the naive reference pays, to the fen."""
    doc, person, claims = case
    assert reference_settle_year_generic(doc, person, claims) == engine_year(doc, person, claims)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_simulate_equals_reference_on_generated_policies(
    case: tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]],
) -> None:
    """simulate (batch, in fen) pays every layer of every claim what the reference pays."""
    doc, person, claims = case
    table, people = frames(person, claims)
    out = simulate(table, people, policy=parse_policy(doc, "<generated>"), money="fen")
    layer_ids = [layer["id"] for layer in doc["layers"]]
    expected = []
    for r in reference_settle_year_generic(doc, person, claims):
        row = {lid: fen(r["payments"].get(lid, D(0))) for lid in layer_ids}
        row.update(claim_id=r["claim_id"], error=None)
        row.update(reimbursed=fen(r["reimbursed"]), patient_pay=fen(r["patient_pay"]))
        expected.append(row)
    columns = ["claim_id", "error", *layer_ids, "reimbursed", "patient_pay"]
    actual = [{k: row[k] for k in columns} for row in out.to_dict("records")]
    assert expected == actual


@settings(max_examples=100, deadline=None)
@given(cases())
def test_conservation_on_generated_policies(
    case: tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]],
) -> None:
    """Payments plus patient pay make the total exactly, and no payment is negative."""
    doc, person, claims = case
    for claim, s in zip(claims, engine_year(doc, person, claims), strict=True):
        assert D(claim["total"]) == sum(s["payments"].values(), D(0)) + s["patient_pay"]
        assert all(v >= 0 for v in s["payments"].values())
        assert 0 <= s["patient_pay"]


# -- worked examples, computed by hand --------------------------------------------------------


def param(unit: str, values: Any, **extra: Any) -> dict[str, Any]:
    """A parameter in force from 2021-01-01 (``values`` may also be a dated mapping)."""
    dated = (
        values if isinstance(values, dict) and "2021-01-01" in values else {"2021-01-01": values}
    )
    return {
        "description": "A number.",
        "reference": "example",
        "unit": unit,
        "values": dated,
        **extra,
    }


def layer(lid: str, kinds: list[str], **keys: Any) -> dict[str, Any]:
    """A layer of the given kinds with the given keys."""
    return {"id": lid, "name": lid, "reference": "example", "kinds": kinds, **keys}


def policy_doc(tiers: list[str], layers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A policy document from 2021 with the given tiers (every kind at every tier) and layers."""
    kinds = sorted({k for la in layers for k in la["kinds"]})
    return {
        "format": "zjj-medical-policy/1",
        "id": "worked",
        "name": "Worked example",
        "source": "tests/test_generated_policies.py",
        "effective": {"from": "2021-01-01"},
        "tiers": {t: {"name": t} for t in tiers},
        "claim_kinds": {k: {"name": k} for k in kinds},
        "layers": layers,
        **extra,
    }


def claim(
    cid: str, date: str, tier: str, total: str, in_scope: str | None = None, kind: str = "inpatient"
) -> dict[str, Any]:
    """A claim dict (in-scope cost defaults to the total)."""
    return {
        "id": cid, "kind": kind, "date": date, "tier": tier,
        "total": total, "in_scope": in_scope or total,
    }  # fmt: skip


PERSON = {"id": "P1", "poor": False, "county": "here", "categories": []}
POOR = {**PERSON, "poor": True}


def payments_by_both(
    doc: dict[str, Any], person: dict[str, Any], claims: list[dict[str, Any]]
) -> tuple[list[dict[str, Decimal]], list[dict[str, Decimal]]]:
    """Each claim's payments by layer, from the reference and from settle_year."""
    ref = [r["payments"] for r in reference_settle_year_generic(doc, person, claims)]
    eng = [r["payments"] for r in engine_year(doc, person, claims)]
    return ref, eng


def amounts(*rows: dict[str, str]) -> list[dict[str, Decimal]]:
    """Expected payments written as text."""
    return [{k: D(v) for k, v in row.items()} for row in rows]


def test_worked_base_minus_chain_with_annual_bands() -> None:
    """A per-claim layer, an annual band layer on what it left, a capped layer on the rest."""
    doc = policy_doc(
        ["county", "municipal"],
        [
            layer(
                "basic", ["inpatient"],
                deductible=param("CNY", {"county": 500, "municipal": 1000}, by="tier"),
                ratio=param("ratio", "0.70"),
            ),
            layer(
                "serious", ["inpatient"], accumulation="year",
                base={"of": "in_scope", "minus": ["basic"]},
                deductible=param("CNY", 8000),
                bands=param("ratio", [{"upto": 20000, "ratio": "0.55"}, {"upto": None, "ratio": "0.65"}]),
            ),
            layer(
                "assist", ["inpatient"],
                base={"of": "total", "minus": "earlier"},
                ratio=param("ratio", "0.30"),
                caps=[{"per": "year", **param("CNY", 3000)}],
            ),
        ],
    )  # fmt: skip
    claims = [
        claim("C1", "2021-02-10", "county", "20000.00", "18000.00"),
        claim("C2", "2021-06-15", "municipal", "90000.00", "85000.00"),
        claim("C3", "2021-09-01", "county", "12345.67"),
    ]
    expected = amounts(
        # basic (18,000 − 500) × 0.70 = 12,250; serious x = 18,000 − 12,250 = 5,750 = A1,
        # below the annual 8,000: 0; assist (20,000 − 12,250 − 0) × 0.30 = 2,325
        {"basic": "12250.00", "serious": "0.00", "assist": "2325.00"},
        # basic (85,000 − 1,000) × 0.70 = 58,800; serious x = 26,200, A0 = 5,750,
        # A1 = 31,950: bands from the deductible [8,000, 28,000) at 0.55, above at 0.65:
        # F(A1) = 0.55 × 20,000 + 0.65 × 3,950 = 11,000 + 2,567.50 = 13,567.50, F(A0) = 0;
        # assist (90,000 − 58,800 − 13,567.50) × 0.30 = 5,289.75, year cap 3,000 − 2,325 = 675
        {"basic": "58800.00", "serious": "13567.50", "assist": "675.00"},
        # basic (12,345.67 − 500) × 0.70 = 8,291.969 → 8,291.97; serious x = 4,053.70,
        # A1 = 36,003.70: F = 11,000 + 0.65 × 8,003.70 = 16,202.405 → 16,202.41,
        # minus round(F(A0)) 13,567.50 = 2,634.91; assist: the year cap is used up
        {"basic": "8291.97", "serious": "2634.91", "assist": "0.00"},
    )
    ref, eng = payments_by_both(doc, PERSON, claims)
    assert expected == ref
    assert expected == eng


def test_worked_repeat_deductible_step_with_floor() -> None:
    """Deductibles step down by 500 per earlier claim at the same tier, to a floor of 600."""
    doc = policy_doc(
        ["county", "municipal"],
        [
            layer(
                "basic", ["inpatient"],
                deductible=param("CNY", {"county": 1200, "municipal": 2000}, by="tier"),
                deductible_repeat={
                    "count": "same_tier", "step": 500, "floor": 600,
                    "description": "Lower for later admissions.", "reference": "example",
                },
                ratio=param("ratio", "0.80"),
            ),
        ],
    )  # fmt: skip
    claims = [
        claim("C1", "2021-01-05", "county", "5000.00"),
        claim("C2", "2021-02-05", "municipal", "5000.00"),
        claim("C3", "2021-03-05", "county", "5000.00"),
        claim("C4", "2021-04-05", "county", "5000.00"),
        claim("C5", "2021-05-05", "municipal", "1234.56"),
        claim("C6", "2021-06-05", "municipal", "3000.01"),
    ]
    expected = amounts(
        {"basic": "3040.00"},  # first at county: (5,000 − 1,200) × 0.80
        {"basic": "2400.00"},  # first at municipal: (5,000 − 2,000) × 0.80
        {"basic": "3440.00"},  # second at county: max(600, 1,200 − 500) = 700; 4,300 × 0.80
        {"basic": "3520.00"},  # third: max(600, 1,200 − 1,000) = 600; 4,400 × 0.80
        {"basic": "0.00"},  # second at municipal: 2,000 − 500 = 1,500 > 1,234.56
        # third at municipal (C5 counts, though it paid 0): max(600, 2,000 − 1,000) = 1,000;
        # 2,000.01 × 0.80 = 1,600.008 → 1,600.01
        {"basic": "1600.01"},
    )
    ref, eng = payments_by_both(doc, PERSON, claims)
    assert expected == ref
    assert expected == eng


def test_worked_repeat_rules_with_conditions_and_modifiers() -> None:
    """Repeat rules in a list, the first matching applies, and none stacks on a modifier:
    the poor (deductible × 0.5 by a modifier) keep half of the table's deductible, not a
    quarter; others step down 300 per earlier claim at any tier, to a floor of 400."""
    deductible = param(
        "CNY", {"county": 1200, "municipal": 2000}, by="tier",
        modifiers=[{"when": {"poor": True}, "multiply": "0.5"}],
    )  # fmt: skip
    rules = [
        {"when": {"poor": True}, "count": "same_tier", "multiply": "0.5",
         "description": "Half from the second admission.", "reference": "example"},
        {"count": "any_tier", "step": 300, "floor": 400,
         "description": "Lower for later admissions.", "reference": "example"},
    ]  # fmt: skip
    doc = policy_doc(
        ["county", "municipal"],
        [layer("basic", ["inpatient"], deductible=deductible, deductible_repeat=rules,
               ratio=param("ratio", "0.80"))],
    )  # fmt: skip
    claims = [
        claim("C1", "2021-01-05", "county", "5000.00"),
        claim("C2", "2021-02-05", "county", "5000.00"),
        claim("C3", "2021-03-05", "municipal", "5000.00"),
        claim("C4", "2021-04-05", "municipal", "5000.00"),
    ]
    poor = amounts(
        {"basic": "3520.00"},  # 1,200 × 0.5 = 600: (5,000 − 600) × 0.80
        {"basic": "3520.00"},  # 2nd at county: min(600, 1,200 × 0.5) = 600, not 300
        {"basic": "3200.00"},  # 1st at municipal: 1,000: 4,000 × 0.80
        {"basic": "3200.00"},  # 2nd at municipal: min(1,000, 2,000 × 0.5) = 1,000
    )
    others = amounts(
        {"basic": "3040.00"},  # 1,200: 3,800 × 0.80
        {"basic": "3280.00"},  # 2nd claim: 1,200 − 300 = 900: 4,100 × 0.80
        {"basic": "2880.00"},  # 3rd claim: max(400, 2,000 − 600) = 1,400: 3,600 × 0.80
        {"basic": "3120.00"},  # 4th claim: max(400, 2,000 − 900) = 1,100: 3,900 × 0.80
    )
    for person, expected in ((POOR, poor), (PERSON, others)):
        ref, eng = payments_by_both(doc, person, claims)
        assert expected == ref
        assert expected == eng


def test_worked_shared_year_cap_reached_mid_year() -> None:
    """An inpatient and an outpatient layer share one annual fund of 20,000, spent in July."""
    doc = policy_doc(
        ["township", "county"],
        [
            layer(
                "inpatient_pool", ["inpatient"],
                deductible=param("CNY", 300), ratio=param("ratio", "0.80"),
            ),
            layer(
                "outpatient_pool", ["outpatient"],
                ratio=param("ratio", "0.60"), caps=[{"per": "year", **param("CNY", 2000)}],
            ),
            layer(
                "serious", ["inpatient"], accumulation="year",
                base={"of": "in_scope", "minus": ["inpatient_pool"]},
                deductible=param("CNY", 5000), ratio=param("ratio", "0.50"),
            ),
        ],
        shared_caps=[
            {"id": "fund", "layers": ["inpatient_pool", "outpatient_pool"], "per": "year",
             **param("CNY", 20000)},
        ],
    )  # fmt: skip
    claims = [
        claim("V1", "2021-02-01", "township", "1500.00", kind="outpatient"),
        claim("A1", "2021-05-01", "county", "15000.00"),
        claim("A2", "2021-07-01", "county", "12000.00"),
        claim("V2", "2021-08-01", "township", "800.00", kind="outpatient"),
        claim("A3", "2021-09-01", "county", "2000.00"),
    ]
    expected = amounts(
        {"outpatient_pool": "900.00"},  # 1,500 × 0.60; the fund has 19,100 left
        # (15,000 − 300) × 0.80 = 11,760 (fund: 20,000 − 900 left); serious x = 3,240 < 5,000
        {"inpatient_pool": "11760.00", "serious": "0.00"},
        # (12,000 − 300) × 0.80 = 9,360, but the fund has 20,000 − 900 − 11,760 = 7,340 left;
        # serious x = 12,000 − 7,340 = 4,660, A1 = 7,900: 0.50 × (7,900 − 5,000) = 1,450
        {"inpatient_pool": "7340.00", "serious": "1450.00"},
        # 800 × 0.60 = 480 within the layer's own 1,100 left, but the fund is spent
        {"outpatient_pool": "0.00"},
        # the fund is spent; serious x = 2,000, A1 = 9,900: 0.50 × 4,900 − 1,450 = 1,000
        {"inpatient_pool": "0.00", "serious": "1000.00"},
    )
    ref, eng = payments_by_both(doc, PERSON, claims)
    assert expected == ref
    assert expected == eng


def test_worked_absolute_bands() -> None:
    """Annual bands measured on the absolute cumulative amount, from the deductible of 16,000."""
    doc = policy_doc(
        ["county"],
        [
            layer(
                "serious", ["inpatient"], accumulation="year",
                deductible=param(
                    "CNY", 16000, modifiers=[{"when": {"poor": True}, "multiply": "0.5"}]
                ),
                bands=param(
                    "ratio",
                    [
                        {"from": 16000, "upto": 30000, "ratio": "0.60"},
                        {"upto": 100000, "ratio": "0.65"},
                        {"upto": None, "ratio": "0.75"},
                    ],
                    measured="absolute",
                    modifiers=[{"when": {"poor": True}, "add": "0.05"}],
                ),
            ),
        ],
    )  # fmt: skip
    claims = [
        claim("C1", "2021-03-01", "county", "20000.00"),
        claim("C2", "2021-06-01", "county", "30000.00"),
        claim("C3", "2021-11-01", "county", "60000.03"),
    ]
    expected = amounts(
        {"serious": "2400.00"},  # A1 = 20,000: 0.60 × (20,000 − 16,000)
        # A1 = 50,000: F = 0.60 × 14,000 + 0.65 × 20,000 = 8,400 + 13,000 = 21,400; − 2,400
        {"serious": "19000.00"},
        # A1 = 110,000.03: F = 8,400 + 0.65 × 70,000 + 0.75 × 10,000.03 = 61,400.0225
        # → 61,400.02; − 21,400 = 40,000.02
        {"serious": "40000.02"},
    )
    ref, eng = payments_by_both(doc, PERSON, claims)
    assert expected == ref
    assert expected == eng
    # The poor: deductible 8,000, but the bands still start at 16,000 (absolute), ratios
    # + 0.05: C1 0.65 × 4,000 = 2,600; C2 F(50,000) = 0.65 × 14,000 + 0.70 × 20,000 =
    # 9,100 + 14,000 = 23,100, − 2,600 = 20,500; C3 F = 9,100 + 0.70 × 70,000 + 0.80 ×
    # 10,000.03 = 9,100 + 49,000 + 8,000.024 = 66,100.024 → 66,100.02, − 23,100 = 43,000.02
    expected_poor = amounts(
        {"serious": "2600.00"}, {"serious": "20500.00"}, {"serious": "43000.02"}
    )
    ref, eng = payments_by_both(doc, POOR, claims)
    assert expected_poor == ref
    assert expected_poor == eng


def test_worked_target_layer_for_the_poor() -> None:
    """A backstop for the poor tops up to 80% of the total, capped per claim, after a ratio change."""
    doc = policy_doc(
        ["county"],
        [
            layer(
                "basic", ["inpatient"],
                deductible=param("CNY", 500),
                ratio=param("ratio", {"2021-01-01": "0.60", "2021-07-01": "0.70"}),
            ),
            layer(
                "backstop", ["inpatient"], type="target", when={"poor": True},
                target={**param("ratio", "0.80"), "of": "total"},
                caps=[{"per": "claim", **param("CNY", 2000)}],
            ),
        ],
    )  # fmt: skip
    claims = [
        claim("C1", "2021-03-01", "county", "10000.00", "9000.00"),
        claim("C2", "2021-07-01", "county", "4321.09"),
    ]
    expected = amounts(
        # basic (9,000 − 500) × 0.60 = 5,100; target round(0.80 × 10,000) = 8,000:
        # 8,000 − 5,100 = 2,900, capped at 2,000 per claim
        {"basic": "5100.00", "backstop": "2000.00"},
        # from 2021-07-01 the ratio is 0.70: (4,321.09 − 500) × 0.70 = 2,674.763 → 2,674.76;
        # target 0.80 × 4,321.09 = 3,456.872 → 3,456.87: 3,456.87 − 2,674.76 = 782.11
        {"basic": "2674.76", "backstop": "782.11"},
    )
    ref, eng = payments_by_both(doc, POOR, claims)
    assert expected == ref
    assert expected == eng
    # not poor: the backstop's condition does not hold
    expected_rich = amounts(
        {"basic": "5100.00", "backstop": "0.00"}, {"basic": "2674.76", "backstop": "0.00"}
    )
    ref, eng = payments_by_both(doc, PERSON, claims)
    assert expected_rich == ref
    assert expected_rich == eng


# -- disagreements with the documentation -----------------------------------------------------

#: policy-format.md, Modifiers: the matching modifiers "are applied in the order written,
#: after the table lookup. Then:" a ratio is clipped to [0, 1], money floored at 0 and rounded
#: to the fen — once, after all of them. The engine clips and rounds after each modifier.


def test_ratio_clipped_once_after_all_modifiers() -> None:
    """0.94 + 0.07 − 0.07 is 0.94 (clipped at the end), not min(1, 1.01) − 0.07 = 0.93."""
    ratio = param(
        "ratio", "0.94",
        modifiers=[{"when": {"poor": True}, "add": "0.07"}, {"when": {"poor": True}, "add": "-0.07"}],
    )  # fmt: skip
    doc = policy_doc(["county"], [layer("basic", ["inpatient"], ratio=ratio)])
    claims = [claim("C1", "2021-04-01", "county", "100.00")]
    expected = amounts({"basic": "94.00"})  # 100 × 0.94 (the engine pays 93.00)
    ref, eng = payments_by_both(doc, POOR, claims)
    assert expected == ref
    assert expected == eng


def test_money_rounded_once_after_all_modifiers() -> None:
    """1,000.01 × 0.5 × 0.5 = 250.0025 rounds to 250.00, not 500.005 → 500.01 → 250.01."""
    deductible = param(
        "CNY", "1000.01",
        modifiers=[{"when": {"poor": True}, "multiply": "0.5"}] * 2,
    )  # fmt: skip
    doc = policy_doc(
        ["county"],
        [layer("basic", ["inpatient"], deductible=deductible, ratio=param("ratio", "1"))],
    )
    claims = [claim("C1", "2021-04-01", "county", "1000.00")]
    expected = amounts({"basic": "750.00"})  # 1,000 − 250.00 (the engine pays 749.99)
    ref, eng = payments_by_both(doc, POOR, claims)
    assert expected == ref
    assert expected == eng
