"""Behaviour checks added while mutation-testing money and the rule kernels.

Each test here kills a mutant that the fast tests let survive; tests/MUTATION.md lists the
survivors and their verdicts. Expected values are worked by hand from the documented rules.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from zjj_medical import Claim, Facility, Person, parse_policy, settle_year
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
