"""The order a person-year's claims are posted in is an explicit parameter of the table
evaluators: by date (the default) or as given — and both agree with settle_year in that order."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import person_years, to_claim, to_person
from zjj_medical import settle_year
from zjj_medical.batch import simulate, simulate_scalar

PEOPLE = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
#: A1 (March, 300,000.00) is sent before A2 (February, 250,000.00).
CLAIMS = pd.DataFrame({
    "claim_id": ["A1", "A2"], "person_id": ["P1", "P1"], "kind": ["inpatient"] * 2,
    "date": ["2019-03-01", "2019-02-01"], "facility_level": ["county"] * 2,
    "facility_county": ["cili"] * 2, "total": ["300000.00", "250000.00"],
    "in_scope": ["300000.00", "250000.00"],
})  # fmt: skip


@pytest.mark.parametrize("run", [simulate, simulate_scalar])
def test_by_date_posts_february_first(run: object) -> None:
    """By date: A2 (February) takes the whole 150,000.00 basic cap
    ((250,000 − 500) × 0.75 = 187,125 → 150,000), leaving A1 nothing."""
    out = run(CLAIMS, PEOPLE, money="fen")  # type: ignore[operator]
    assert [0, 15000000] == out["basic_insurance"].tolist()


@pytest.mark.parametrize("run", [simulate, simulate_scalar])
def test_as_given_posts_in_billing_order(run: object) -> None:
    """As given: A1 (sent first) takes the cap ((300,000 − 500) × 0.75 = 224,625 → 150,000)."""
    out = run(CLAIMS, PEOPLE, money="fen", order="given")  # type: ignore[operator]
    assert [15000000, 0] == out["basic_insurance"].tolist()


def test_duplicate_ids_follow_the_posting_order() -> None:
    """The second claim of an id in posting order is the duplicate: by date the February row,
    as given the row sent later."""
    dup = CLAIMS.assign(claim_id=["A", "A"])
    by_date = simulate(dup, PEOPLE)["error"].tolist()
    given_ = simulate(dup, PEOPLE, order="given")["error"].tolist()
    assert [True, False] == ["DuplicateClaim" in (e or "") for e in by_date]
    assert [False, True] == ["DuplicateClaim" in (e or "") for e in given_]


@settings(max_examples=40, deadline=None)
@given(person_years(), st.randoms(use_true_random=False))
def test_given_order_equals_settle_year_in_that_order(draw: tuple, rnd: object) -> None:
    """Claims shuffled out of date order: simulate(order="given") equals settle_year on the
    claims in the order given, layer by layer, to the fen."""
    person, claims = draw
    claims = list(claims)
    rnd.shuffle(claims)  # type: ignore[attr-defined]
    expected = settle_year([to_claim(c) for c in claims], to_person(person))
    rows = pd.DataFrame({
        "claim_id": [c["id"] for c in claims], "person_id": [person["id"]] * len(claims),
        "kind": [c["kind"] for c in claims], "date": [str(c["date"]) for c in claims],
        "facility_id": [c["facility"]["id"] for c in claims],
        "facility_level": [c["facility"]["level"] for c in claims],
        "facility_county": [c["facility"]["county"] for c in claims],
        "total": [str(c["total"]) for c in claims], "in_scope": [str(c["in_scope"]) for c in claims],
        "accident": [c["accident"] for c in claims],
    })  # fmt: skip
    people = pd.DataFrame({"person_id": [person["id"]], "poor": [person["poor"]],
                           "county": [person["county"]]})  # fmt: skip
    out = simulate(rows, people, money="fen", order="given")
    for i, s in enumerate(expected):
        for layer, amount in s.payments.items():
            assert int(amount * 100) == out.loc[i, layer]
