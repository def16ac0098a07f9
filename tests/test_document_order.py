"""A person-year document's claims come in date order: one out of order is refused, naming it
(the same claims would otherwise pay differently by how a billing system sent them)."""

from __future__ import annotations

import pytest

from zjj_medical import InvalidClaim
from zjj_medical.contract.documents import settle_document


def _doc(dates: list[str]) -> dict[str, object]:
    claims = [
        {"id": f"A{i + 1}", "kind": "inpatient", "date": d,
         "facility": {"level": "county", "county": "cili"},
         "total": "300000.00", "in_scope": "300000.00"}
        for i, d in enumerate(dates)
    ]  # fmt: skip
    return {"person": {"id": "P1", "poor": False, "county": "cili"}, "claims": claims}


def test_a_claim_dated_before_the_one_before_it_is_refused() -> None:
    """A1 (March) then A2 (February): A2 is refused at claims[1].date, nothing is settled."""
    with pytest.raises(InvalidClaim) as info:
        settle_document(_doc(["2019-03-01", "2019-02-01"]))
    assert ("claim.date.order", "A2", "claims[1].date") == (
        info.value.code, info.value.claim_id, info.value.path,
    )  # fmt: skip
    assert "date: 2019-02-01 is before claim A1 (2019-03-01) given before it" in str(info.value)


def test_claims_of_one_day_keep_the_order_given() -> None:
    """Two claims of the same day settle in the order given: A1 takes the 150,000.00 cap
    ((300,000 − 500) × 0.75 = 224,625 → 150,000), A2 gets 0 from basic insurance."""
    out = settle_document(_doc(["2019-03-01", "2019-03-01"]))["settlements"]
    assert ["150000.00", "0.00"] == [s["payments"]["basic_insurance"] for s in out]
