"""The invariants of SPEC §8 (all but 7, batch = scalar), proved with Hypothesis."""

from __future__ import annotations

import json
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from reference import ci_band_sum
from strategies import claims, heavy_money, money, person_years, persons, to_claim, to_person
from zjj_medical import Claim, Facility, Ledger, Settlement, settle, settle_year
from zjj_medical.money import parse_money

ZERO = Decimal("0.00")
UNCAPPED_FROM = "2019-10-01"


def _settle_year(person: dict[str, Any], claims: list[dict[str, Any]]) -> list[Settlement]:
    return settle_year([to_claim(c) for c in claims], to_person(person))


def _sum(settlements: list[Settlement], layer: str) -> Decimal:
    return sum((s.payments.get(layer, ZERO) for s in settlements), ZERO)


@given(person_years())
def test_conservation(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    """Payments + patient_pay = total to the fen; no payment and no patient pay is negative."""
    for s in _settle_year(*case):
        assert s.total == sum(s.payments.values(), ZERO) + s.patient_pay
        assert s.reimbursed == sum(s.payments.values(), ZERO)
        assert all(v >= 0 for v in s.payments.values())
        assert s.patient_pay >= 0
        for v in (*s.payments.values(), s.reimbursed, s.patient_pay):
            assert v == v.quantize(Decimal("0.01"))


@given(person_years(max_claims=12))
def test_annual_caps(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    """Basic ≤ 150000 and outpatient ≤ 350 a year; CI ≤ 300000 except the poor from 2019-10-01."""
    person, claims = case
    settlements = _settle_year(person, claims)
    assert _sum(settlements, "basic_insurance") <= Decimal(150000)
    assert _sum(settlements, "outpatient_pooling") <= Decimal(350)
    if person["poor"]:
        before = [s for s in settlements if s.date.isoformat() < UNCAPPED_FROM]
        assert _sum(before, "critical_illness") <= Decimal(300000)
    else:
        assert _sum(settlements, "critical_illness") <= Decimal(300000)


@given(
    person_years(max_claims=6),
    claims(cid="LAST"),
    money(5 * 10**6),
    money(10**6),
)
def test_monotonicity(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
    claim: dict[str, Any],
    raise_by: Decimal,
    extra_total: Decimal,
) -> None:
    """Raising in_scope (and total with it) never lowers reimbursed nor the patient's pay."""
    person, earlier = case
    claim = {**claim, "date": max(claim["date"], earlier[-1]["date"])}
    p = to_person(person)
    ledger = _settle_year(person, earlier)[-1].ledger
    base = settle(to_claim(claim), p, ledger=ledger)
    total = parse_money(claim["total"]) + raise_by + extra_total
    in_scope = parse_money(claim["in_scope"]) + raise_by
    higher = settle(
        to_claim({**claim, "total": str(total), "in_scope": str(in_scope)}), p, ledger=ledger
    )
    assert base.reimbursed <= higher.reimbursed
    assert base.patient_pay <= higher.patient_pay


@given(person_years(max_claims=10))
def test_poverty_dominance_over_a_year(case: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    """The same year of claims is never reimbursed less in total for a registered poor person."""
    person, claims = case
    poor = _settle_year({**person, "poor": True}, claims)
    not_poor = _settle_year({**person, "poor": False}, claims)
    assert sum((s.reimbursed for s in not_poor), ZERO) <= sum((s.reimbursed for s in poor), ZERO)


@given(person_years(poor=True, kind="inpatient"))
def test_poor_in_county_inpatient_reaches_85_percent(
    case: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    """A poor person's in-county inpatient claim is reimbursed at least round(0.85 × total)."""
    for s in _settle_year(*case):
        if s.in_county:
            target = (Decimal("0.85") * s.total).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert target <= s.reimbursed


@given(person_years(max_claims=8, kind="inpatient"), st.randoms(use_true_random=False))
def test_critical_illness_is_path_independent(
    case: tuple[dict[str, Any], list[dict[str, Any]]], rnd: random.Random
) -> None:
    """With no cap binding, the year's CI total is round(F(total base)), whatever the split or order."""
    person, claims = case
    settlements = _settle_year(person, claims)
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    again = _settle_year(person, shuffled)
    for year in (settlements, again):
        # a cap that bound would leave its layer exactly at the cap
        assume(_sum(year, "basic_insurance") < Decimal(150000))
        assume(_sum(year, "critical_illness") < Decimal(300000))
    for year in (settlements, again):
        base = sum((s.in_scope - s.payments["basic_insurance"] for s in year), ZERO)
        expected = ci_band_sum(base, person["poor"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert expected == _sum(year, "critical_illness")


@given(
    persons(),
    st.lists(money(3 * 10**6), min_size=1, max_size=6),
    st.lists(money(3 * 10**6), min_size=1, max_size=6),
)
def test_critical_illness_depends_only_on_the_total_base(
    person: dict[str, Any], split_a: list[Decimal], split_b: list[Decimal]
) -> None:
    """Two splits of the same CI base over a year's admissions pay the same CI in total."""
    # After the basic cap is used up, basic pays 0 and the CI base of a claim is its in_scope.
    # Equalise the two splits' sums by topping up the smaller one's last claim.
    diff = sum(split_a, ZERO) - sum(split_b, ZERO)
    if diff > 0:
        split_b[-1] += diff
    else:
        split_a[-1] -= diff
    p = to_person(person)
    # The opener uses up the basic cap (300000 × 0.55 or 0.65 > 150000) and leaves the CI cap
    # far: its CI is at most 106500, and the rest at most 0.90 × 180000 = 162000.
    provincial = Facility(level="provincial")
    opener = Claim("OPEN", "inpatient", "2019-02-01", provincial, "300000", "300000")
    first = settle(opener, p)
    assert Decimal(150000) == first.payments["basic_insurance"]
    totals = []
    for split in (split_a, split_b):
        year = [
            Claim(f"C{i}", "inpatient", "2019-11-01", provincial, str(v), str(v))
            for i, v in enumerate(split)
        ]
        year_ci = _sum(settle_year(year, p, ledger=first.ledger), "critical_illness")
        totals.append(year_ci)
    assert first.payments["critical_illness"] + max(totals) < Decimal(300000)
    assert totals[0] == totals[1]


@given(person_years(max_claims=8), claims(cid="NEXT"))
def test_ledger_json_round_trip(
    case: tuple[dict[str, Any], list[dict[str, Any]]], claim: dict[str, Any]
) -> None:
    """Ledger → JSON → Ledger is the identity, and settling with it gives the same result."""
    person, claims = case
    claim = {**claim, "date": max(claim["date"], claims[-1]["date"])}
    p = to_person(person)
    ledger = _settle_year(person, claims)[-1].ledger
    text = json.dumps(ledger.to_dict(), ensure_ascii=False)
    back = Ledger.from_dict(json.loads(text))
    assert ledger == back
    assert ledger.to_dict() == back.to_dict()
    with_memory = settle(to_claim(claim), p, ledger=ledger)
    with_json = settle(to_claim(claim), p, ledger=back)
    assert with_memory.to_dict() == with_json.to_dict()
    assert with_memory.ledger == with_json.ledger


@given(heavy_money())
def test_heavy_money_is_money(value: Decimal) -> None:
    """The shared money strategy only yields amounts the engine accepts."""
    assert value == parse_money(value)
