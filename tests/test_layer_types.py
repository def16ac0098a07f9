"""The layer-type registry: every type runs the same kernel in both evaluators, and a new type
is one module (tests/flat_allowance.py) that policies, ``settle`` and ``simulate`` pick up."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flat_allowance import FLAT_ALLOWANCE
from zjj_medical import Claim, Facility, Person, PolicyError, parse_policy, settle_year
from zjj_medical.batch import simulate
from zjj_medical.engine.layers import LAYER_TYPES, register_layer_type
from zjj_medical.policy.loader import load_policy

D = Decimal


@pytest.fixture
def flat_type() -> Iterator[None]:
    """Register the demonstration type for one test."""
    register_layer_type(FLAT_ALLOWANCE)
    yield
    del LAYER_TYPES["flat_allowance"]


def _param(value: object, ref: str = "示例") -> dict[str, object]:
    return {"description": "x", "reference": ref, "unit": "CNY", "values": {"2021-01-01": value}}


def _policy_doc() -> dict[str, object]:
    """Basic insurance at 0.80, then a flat 300 allowance per admission capped at 500 a year."""
    return {
        "format": "zjj-medical-policy/1", "id": "flat_demo", "name": "示例", "source": "test",
        "effective": {"from": "2021-01-01"},
        "tiers": {"county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}},
        "layers": [
            {"id": "basic", "name": "基本", "reference": "r", "kinds": ["inpatient"],
             "ratio": {**_param("0.80"), "unit": "ratio"}},
            {"id": "allowance", "name": "生活补助", "reference": "r", "kinds": ["inpatient"],
             "type": "flat_allowance", "amount": _param("300"),
             "caps": [{"per": "year", **_param("500")}]},
        ],
    }  # fmt: skip


def _claims(amounts: list[str]) -> list[Claim]:
    f = Facility(level="county", county=None)
    return [
        Claim(f"C{i}", "inpatient", f"2021-0{i + 1}-01", f, total=a, in_scope=a)
        for i, a in enumerate(amounts)
    ]


def test_registry_lists_the_built_in_types() -> None:
    """The policy format's two built-in types are registered, each with its own keys."""
    assert ["schedule", "target"] == sorted(LAYER_TYPES)
    assert frozenset({"target"}) == LAYER_TYPES["target"].keys
    assert "bands" in LAYER_TYPES["schedule"].keys


def test_unknown_type_is_refused_naming_the_known_ones() -> None:
    """A layer of a type nobody registered is a PolicyError at its key path."""
    with pytest.raises(
        PolicyError, match=r"layers\[1\]\.type: 'flat_allowance' is not schedule or target"
    ):
        parse_policy(_policy_doc(), "demo.yaml")


def test_registering_a_taken_name_is_refused() -> None:
    """A type cannot replace another."""
    with pytest.raises(ValueError, match="already registered"):
        register_layer_type(LAYER_TYPES["schedule"])


@pytest.mark.usefixtures("flat_type")
def test_new_type_settles_worked_example() -> None:
    """Three admissions: basic 0.80 of each; the allowance 300, 200 (cap 500 reached), 0."""
    policy = parse_policy(_policy_doc(), "demo.yaml")
    person = Person("P1", poor=False, county="x")
    out = settle_year(_claims(["2000.00", "3000.00", "500.00"]), person, policy=policy)
    # basic: 2000 × 0.80 = 1600; 3000 × 0.80 = 2400; 500 × 0.80 = 400
    assert [D("1600.00"), D("2400.00"), D("400.00")] == [s.payments["basic"] for s in out]
    # allowance: 300 (400 of the total left, 500 of the cap); 200 (the cap: 500 − 300, with
    # 600 of the total left); 0 (cap used up)
    assert [D("300.00"), D("200.00"), D("0.00")] == [s.payments["allowance"] for s in out]
    assert "limited from 300.00" in out[1].trace[1].note
    assert {
        "allowance": "300.00",
        "caps": [{"cap": "500.00", "per": "year", "remaining": "200.00"}],
    } == out[1].trace[1].formatted_inputs()


@pytest.mark.usefixtures("flat_type")
def test_new_type_never_pays_more_than_left() -> None:
    """On a 100.00 claim basic pays 80.00, so the allowance pays only the 20.00 left."""
    policy = parse_policy(_policy_doc(), "demo.yaml")
    out = settle_year(_claims(["100.00"]), Person("P1", poor=False, county="x"), policy=policy)
    assert D("20.00") == out[0].payments["allowance"]
    assert D("0.00") == out[0].patient_pay


@pytest.mark.usefixtures("flat_type")
def test_new_type_missing_key_is_refused() -> None:
    """The type's reader names its missing key."""
    doc = _policy_doc()
    del doc["layers"][1]["amount"]  # type: ignore[index]
    with pytest.raises(PolicyError, match=r"layers\[1\]\.amount: missing required key"):
        parse_policy(doc, "demo.yaml")


def _frames(claims: list[Claim]) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["x"]})
    rows = pd.DataFrame({
        "claim_id": [c.id for c in claims], "person_id": ["P1"] * len(claims),
        "kind": ["inpatient"] * len(claims), "date": [c.date.isoformat() for c in claims],
        "facility_level": ["county"] * len(claims), "facility_county": [None] * len(claims),
        "total": [str(c.total) for c in claims], "in_scope": [str(c.in_scope) for c in claims],
    })  # fmt: skip
    return rows, people


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.integers(0, 300_000).map(lambda f: f"{f // 100}.{f % 100:02d}"), min_size=1, max_size=6
    )
)
def test_new_type_batch_equals_scalar(amounts: list[str]) -> None:
    """The table evaluator runs the new type's kernel on arrays and agrees with settle to the fen."""
    register_layer_type(FLAT_ALLOWANCE)
    try:
        policy = parse_policy(_policy_doc(), "demo.yaml")
        claims = _claims(amounts)
        scalar = settle_year(claims, Person("P1", poor=False, county="x"), policy=policy)
        rows, people = _frames(claims)
        batch = simulate(rows, people, policy=policy, money="fen")
    finally:
        del LAYER_TYPES["flat_allowance"]
    for s, (_, row) in zip(scalar, batch.iterrows(), strict=True):
        for layer in ("basic", "allowance"):
            assert int(s.payments[layer] * 100) == row[layer]


@pytest.mark.parametrize("name", ["zhangjiajie", "example_county"])
def test_every_type_of_the_built_in_policies_is_registered(name: str) -> None:
    """Conformance: every layer of the shipped policies names a registered type whose reader
    gave it back with that type."""
    for layer in load_policy(name).layers:
        assert layer.type in LAYER_TYPES
