"""Behaviour checks added while mutation-testing money and the rule kernels.

Each test here kills a mutant that the fast tests let survive; tests/MUTATION.md lists the
survivors and their verdicts. Expected values are worked by hand from the documented rules.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from zjj_medical import Claim, Facility, Person, load_policy, parse_policy, settle_year
from zjj_medical.batch import simulate
from zjj_medical.engine.layers.schedule import how as schedule_how
from zjj_medical.engine.layers.target import how as target_how
from zjj_medical.errors import PolicyError
from zjj_medical.money import parse_fen, parse_money

PERSON = Person("P1", poor=False, county="x")

# An amount shown in an error message is cut to 40 characters (money._SHOWN): text is shown
# as its repr (quotes included); a longer one keeps its first 39 characters and ends in "…".


def test_error_shows_an_amount_of_exactly_40_characters_whole() -> None:
    value = "x" * 38  # repr: 38 characters between two quotes = 40
    with pytest.raises(ValueError, match="is not a number") as caught:
        parse_money(value)
    assert str(caught.value).startswith("amount: '" + "x" * 38 + "' is not a number")


def test_error_cuts_an_amount_of_41_characters_to_39_and_an_ellipsis() -> None:
    value = "x" * 39  # repr: 41 characters
    with pytest.raises(ValueError, match="is not a number") as caught:
        parse_money(value)
    assert str(caught.value).startswith("amount: '" + "x" * 38 + "… is not a number")


def test_parse_fen_names_the_amount_by_default() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places") as caught:
        parse_fen("0.005")
    assert str(caught.value).startswith("amount: '0.005' has more than 2 decimal places")


def test_parse_fen_names_the_amount_as_asked() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places") as caught:
        parse_fen("0.005", "total")
    assert str(caught.value).startswith("total: '0.005' has more than 2 decimal places")


# A shared cap whose amount depends on a claim fact (here ``by: tier``) makes that fact one the
# sharing layers' numbers depend on, so a later claim at another tier gets its own cap and not
# the one resolved for an earlier claim (engine/layers/resolve.py, relevant_facts).


def test_shared_cap_by_tier_is_resolved_for_each_claims_tier() -> None:
    """Layers A and B each pay 0.5 of 3000.00, under a per-claim cap shared by both of
    1000.00 at a county hospital and 1800.00 at a municipal one:

    * county claim: A = min(1500.00, 1000.00) = 1000.00; B = min(1500.00, 1000.00 − 1000.00)
      = 0.00;
    * municipal claim: A = min(1500.00, 1800.00) = 1500.00; B = min(1500.00, 1800.00 −
      1500.00) = 300.00.
    """
    ratio = {"description": "x", "reference": "示例", "unit": "ratio",
             "values": {"2021-01-01": "0.5"}}  # fmt: skip
    layers = [
        {"id": i, "name": i, "reference": "r", "kinds": ["inpatient"], "ratio": ratio}
        for i in ("a", "b")
    ]
    doc = {
        "format": "zjj-medical-policy/1", "id": "caps_by_tier", "name": "示例", "source": "test",
        "effective": {"from": "2021-01-01"},
        "tiers": {"county": {"name": "县级医院"}, "municipal": {"name": "市级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}}, "layers": layers,
        "shared_caps": [{
            "id": "ab", "layers": ["a", "b"], "per": "claim", "description": "x",
            "reference": "示例", "unit": "CNY", "by": "tier",
            "values": {"2021-01-01": {"county": 1000, "municipal": 1800}},
        }],
    }  # fmt: skip
    policy = parse_policy(doc, "caps_by_tier.yaml")
    claims = [
        Claim("C1", "inpatient", "2021-02-01", Facility(level="county", county=None),
              total="3000.00", in_scope="3000.00"),
        Claim("C2", "inpatient", "2021-03-01", Facility(level="municipal", county=None),
              total="3000.00", in_scope="3000.00"),
    ]  # fmt: skip
    out = [dict(s.payments) for s in settle_year(claims, PERSON, policy=policy)]
    assert [
        {"a": Decimal("1000.00"), "b": Decimal("0.00")},
        {"a": Decimal("1500.00"), "b": Decimal("300.00")},
    ] == out


# The repeat-admission rule reduces the table's deductible, not the person's own one, and the
# lower of the two applies (docs/reference/policy-format.md, "Rules and modifiers do not
# stack") — in settle and in simulate, whose table evaluator carries the table's deductible
# in its own array (engine/layers/numbers.py, LayerTable).

SAME_TIER = (
    Path(__file__).parent / "fixtures" / "policies" / "shapes" / "deductible_repeat_same_tier.yaml"
)


def test_repeat_rule_and_poor_modifier_do_not_stack_in_settle_and_simulate(
    tmp_path: Path,
) -> None:
    """The same-tier shape (municipal deductible 1200.00, halved from the second admission at
    the same tier, 0.80 of in-scope above it) with the poor's deductible halved by a modifier.
    A poor person's two municipal admissions of 5000.00:

    * 1st: deductible 1200.00 × 0.5 = 600.00; pays 0.80 × (5000.00 − 600.00) = 3520.00;
    * 2nd: deductible min(600.00, 0.5 × max(1200.00, 600.00)) = 600.00 (not 300.00);
      pays 3520.00 again.
    """
    table = "        2021-01-01: {county: 600, municipal: 1200}\n"
    text = SAME_TIER.read_text("utf-8")
    assert table in text
    modifier = (
        "      modifiers:\n"
        "        - when: {poor: true}\n"
        "          multiply: 0.5\n"
        "          reference: 贫困人口起付线减半（示例）\n"
    )
    path = tmp_path / "same_tier_poor.yaml"
    path.write_text(text.replace(table, table + modifier), "utf-8")
    policy = load_policy(path)
    municipal = Facility(level="municipal", county=None)
    claims = [
        Claim(f"C{i}", "inpatient", f"2021-0{i}-01", municipal, total="5000.00",
              in_scope="5000.00")
        for i in (1, 2)
    ]  # fmt: skip
    poor = Person("P1", poor=True, county="x")
    scalar = [s.payments["basic_insurance"] for s in settle_year(claims, poor, policy=policy)]
    assert [Decimal("3520.00"), Decimal("3520.00")] == scalar
    rows = pd.DataFrame({
        "claim_id": ["C1", "C2"], "person_id": ["P1", "P1"], "kind": ["inpatient"] * 2,
        "date": ["2021-01-01", "2021-02-01"], "facility_level": ["municipal"] * 2,
        "facility_county": [None, None], "total": ["5000.00"] * 2, "in_scope": ["5000.00"] * 2,
    })  # fmt: skip
    people = pd.DataFrame({"person_id": ["P1"], "poor": [True], "county": ["x"]})
    batch = simulate(rows, people, policy=policy, money="fen")
    assert [352000, 352000] == list(batch["basic_insurance"])


# A target layer's `target` (a ratio with `of`: total by default, or in_scope) —
# docs/reference/policy-format.md; engine/layers/target.py, read and plan.


def _target_policy(target: dict[str, Any] | None) -> Any:
    ratio = {
        "description": "x",
        "reference": "示例",
        "unit": "ratio",
        "values": {"2021-01-01": "0.5"},
    }
    backstop: dict[str, Any] = {
        "id": "backstop", "name": "兜底", "reference": "r", "kinds": ["inpatient"],
        "type": "target",
    }  # fmt: skip
    if target is not None:
        backstop["target"] = target
    doc = {
        "format": "zjj-medical-policy/1", "id": "target_of", "name": "示例", "source": "test",
        "effective": {"from": "2021-01-01"}, "tiers": {"county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}},
        "layers": [
            {"id": "basic", "name": "basic", "reference": "r", "kinds": ["inpatient"],
             "ratio": ratio},
            backstop,
        ],
    }  # fmt: skip
    return parse_policy(doc, "target_of.yaml")


def _target_ratio(**extra: str) -> dict[str, Any]:
    return {"description": "x", "reference": "示例", "unit": "ratio",
            "values": {"2021-01-01": "0.9"}, **extra}  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # basic: 0.5 × in-scope 2000.00 = 1000.00 in every case.
        # of total (the default): round(0.9 × 3000.00) = 2700.00, less 1000.00 = 1700.00,
        # within what is left of the total (3000.00 − 1000.00 = 2000.00).
        ({}, "1700.00"),
        ({"of": "total"}, "1700.00"),
        # of in_scope: round(0.9 × 2000.00) = 1800.00, less 1000.00 = 800.00.
        ({"of": "in_scope"}, "800.00"),
    ],
)
def test_target_of_total_or_in_scope(extra: dict[str, str], expected: str) -> None:
    policy = _target_policy(_target_ratio(**extra))
    claim = Claim("C1", "inpatient", "2021-02-01", Facility(level="county", county=None),
                  total="3000.00", in_scope="2000.00")  # fmt: skip
    [s] = settle_year([claim], PERSON, policy=policy)
    assert Decimal("1000.00") == s.payments["basic"]
    assert Decimal(expected) == s.payments["backstop"]


def test_target_layer_without_target_is_refused_at_its_path() -> None:
    with pytest.raises(PolicyError) as caught:
        _target_policy(None)
    assert "target_of.yaml: layers[1].target: missing required key for a target layer" in str(
        caught.value
    )
    # The error's JSON form names the missing key and the layer type among its params.
    params = caught.value.to_dict()["params"]
    assert ("target", "target") == (params["key"], params["type"])


def test_target_of_other_than_total_or_in_scope_is_refused_at_its_path() -> None:
    with pytest.raises(PolicyError) as caught:
        _target_policy(_target_ratio(of="claim"))
    assert "target_of.yaml: layers[1].target.of: 'claim' is not in_scope or total" in str(
        caught.value
    )


def test_settlement_sheet_writes_a_target_of_in_scope_as_in_scope() -> None:
    """The sheet's arithmetic line for a target layer (docs/tutorial/settlement-sheet.md:
    ``0.85 × total 20000.00 = 17000.00, less 15300.00 paid above``), for a target of the
    in-scope cost: the worked claim above, 0.9 of in-scope 2000.00 less 1000.00."""
    inputs = {
        "target_of": "in_scope", "base": "2000.00", "target_ratio": "0.9",
        "target": "1800.00", "earlier_layers": "1000.00",
    }  # fmt: skip
    assert ["0.9 × in-scope 2000.00 = 1800.00, less 1000.00 paid above"] == target_how(inputs)


def test_settlement_sheet_lines_of_schedule_layers_as_the_tutorial_shows() -> None:
    """The sheet's arithmetic for a ratio layer and for a banded layer on the year's base, as
    docs/tutorial/settlement-sheet.md shows them for basic and critical-illness insurance."""
    ratio = {"ratio": "0.85", "base": "18000.00", "deductible": "0.00", "computed": "15300.00"}
    assert ["(18000.00 − deductible 0.00) × 0.85 = 15300.00"] == schedule_how(ratio)
    banded = {
        "cumulative_before": "0.00", "cumulative_after": "2700.00", "deductible": "5000.00",
        "bands": [{"this_claim": "0.00", "ratio": "0.6", "from": "0.00", "to": "50000.00"}],
        "computed": "0.00",
    }  # fmt: skip
    assert ["year's base 0.00 → 2700.00, annual deductible 5000.00"] == schedule_how(banded)
