"""Property: after reversals, the stored settlements equal settling the remaining claims from scratch."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import person_years, to_claim, to_person
from zjj_medical import settle_year
from zjj_medical.money import ZERO
from zjj_medical.store import LedgerBook, SQLiteStore


@st.composite
def year_and_reversals(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """A person-year of 1–6 claims and 1–2 of their ids to reverse, in a drawn order."""
    person, claims = draw(person_years(max_claims=6))
    ids = [c["id"] for c in claims]
    picked = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True))
    return person, claims, picked


@settings(max_examples=40)
@given(year_and_reversals())
def test_reverse_equals_recompute(
    case: tuple[dict[str, Any], list[dict[str, Any]], list[str]],
) -> None:
    """After reversals the store equals settle_year of the remaining claims; deltas and net add up."""
    # each adjustment is new − old of its claim; each reversal's net is each fund's change
    person_data, claims_data, reversed_ids = case
    person = to_person(person_data)
    claims = [to_claim(c) for c in claims_data]
    year = claims[0].date.year
    with SQLiteStore(":memory:") as store:
        book = LedgerBook(store)
        book.settle_all(claims, person)
        remaining = list(claims)
        for cid in reversed_ids:
            before = {r.claim_id: r.settlement for r in book.settlements(person.id, year)}
            rev = book.reverse(cid)
            remaining = [c for c in remaining if c.id != cid]
            after = {r.claim_id: r.settlement for r in book.settlements(person.id, year)}
            for adj in rev.adjustments:
                expected = {
                    k: after[adj.claim_id].payments[k] - before[adj.claim_id].payments[k]
                    for k in after[adj.claim_id].payments
                }
                assert expected == adj.deltas
            # net = −(reversed payments) + Σ deltas, which is the change of each fund's total
            for layer, amount in rev.net().items():
                old_total = sum((s.payments.get(layer, ZERO) for s in before.values()), ZERO)
                new_total = sum((s.payments.get(layer, ZERO) for s in after.values()), ZERO)
                assert new_total - old_total == amount
        fresh = settle_year(remaining, person) if remaining else []
        stored = book.settlements(person.id, year)
        assert [s.to_dict() for s in fresh] == [r.settlement.to_dict() for r in stored]
        expected_ledger = fresh[-1].ledger.to_dict() if fresh else None
        ledger = store.ledger(person.id, year)
        assert expected_ledger == (None if ledger is None else ledger.to_dict())
