"""Caps the built-in policy never meets, worked by hand: a per-claim cap shared by two layers,
and caps on a target layer (per claim, and per year over two claims) — in settle and simulate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from zjj_medical import Claim, Facility, Person, parse_policy, settle_year
from zjj_medical.batch import simulate

D = Decimal
PERSON = Person("P1", poor=False, county="x")


def _param(value: object, unit: str = "CNY") -> dict[str, Any]:
    return {"description": "x", "reference": f"示例 {value}", "unit": unit,
            "values": {"2021-01-01": value}}  # fmt: skip


def _policy(layers: list[dict[str, Any]], shared: list[dict[str, Any]] | None = None) -> Any:
    doc: dict[str, Any] = {
        "format": "zjj-medical-policy/1", "id": "caps_demo", "name": "示例", "source": "test",
        "effective": {"from": "2021-01-01"}, "tiers": {"county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}}, "layers": layers,
    }  # fmt: skip
    if shared:
        doc["shared_caps"] = shared
    return parse_policy(doc, "caps.yaml")


def _layer(layer_id: str, **keys: Any) -> dict[str, Any]:
    return {"id": layer_id, "name": layer_id, "reference": "r", "kinds": ["inpatient"], **keys}


def _both(policy: Any, amounts: list[str]) -> list[dict[str, Decimal]]:
    """Each claim's payments by settle_year, after checking simulate agrees to the fen."""
    f = Facility(level="county", county=None)
    claims = [
        Claim(f"C{i}", "inpatient", f"2021-0{i + 1}-01", f, total=a, in_scope=a)
        for i, a in enumerate(amounts)
    ]
    scalar = [dict(s.payments) for s in settle_year(claims, PERSON, policy=policy)]
    rows = pd.DataFrame({
        "claim_id": [c.id for c in claims], "person_id": ["P1"] * len(claims),
        "kind": ["inpatient"] * len(claims), "date": [c.date.isoformat() for c in claims],
        "facility_level": ["county"] * len(claims), "facility_county": [None] * len(claims),
        "total": amounts, "in_scope": amounts,
    })  # fmt: skip
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["x"]})
    batch = simulate(rows, people, policy=policy, money="fen")
    for i, pays in enumerate(scalar):
        for layer, amount in pays.items():
            assert int(amount * 100) == batch.loc[i, layer], (i, layer)
    return scalar


def test_per_claim_cap_shared_by_two_layers() -> None:
    """A and B each pay 0.5 of 3000.00 with a 2000.00 per-claim cap over both:
    A = min(1500.00, 2000.00) = 1500.00; B = min(1500.00, 2000.00 − 1500.00) = 500.00."""
    ratio = _param("0.5", "ratio")
    policy = _policy(
        [_layer("a", ratio=ratio), _layer("b", ratio=ratio)],
        [{"id": "ab", "layers": ["a", "b"], "per": "claim", **_param("2000")}],
    )
    [pays] = _both(policy, ["3000.00"])
    assert {"a": D("1500.00"), "b": D("500.00")} == pays


def test_per_claim_cap_shared_resets_each_claim() -> None:
    """A per-claim shared cap starts again on the next claim: two claims of 3000.00 each pay
    1500.00 + 500.00."""
    ratio = _param("0.5", "ratio")
    policy = _policy(
        [_layer("a", ratio=ratio), _layer("b", ratio=ratio)],
        [{"id": "ab", "layers": ["a", "b"], "per": "claim", **_param("2000")}],
    )
    assert [{"a": D("1500.00"), "b": D("500.00")}] * 2 == _both(policy, ["3000.00", "3000.00"])


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        # basic 2000.00 × 0.5 = 1000.00; target round(0.9 × 2000.00) = 1800.00, less 1000.00
        # paid = 800.00, capped at 300.00 a claim: 300.00 on each claim.
        ([{"per": "claim", **_param("300")}], ["300.00", "300.00"]),
        # a 500.00 year cap: 500.00 on the first claim (of 800.00); 0.00 left for the second.
        ([{"per": "year", **_param("500")}], ["500.00", "0.00"]),
        # both: 300.00 (claim cap), then min(300.00, 500.00 − 300.00 = 200.00) = 200.00.
        (
            [{"per": "claim", **_param("300")}, {"per": "year", **_param("500")}],
            ["300.00", "200.00"],
        ),
    ],
)
def test_caps_on_a_target_layer(caps: list[dict[str, Any]], expected: list[str]) -> None:
    """A target (backstop) layer's own caps, per claim and per year over two claims."""
    policy = _policy([
        _layer("basic", ratio=_param("0.5", "ratio")),
        _layer("backstop", type="target", target=_param("0.9", "ratio"), caps=caps),
    ])  # fmt: skip
    out = _both(policy, ["2000.00", "2000.00"])
    assert [D("1000.00")] * 2 == [p["basic"] for p in out]
    assert [D(e) for e in expected] == [p["backstop"] for p in out]
