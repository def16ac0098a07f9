"""A state machine over the ledger store: settle, retry, collide, pre-settle, reverse, reopen.

After every step the store must agree with a model that only remembers, per person-year,
which claims are stored and in which order they were posted:

- each person-year's stored ledger and settlements equal ``settle_year`` of its remaining
  claims from scratch, in posting order;
- per layer, what the ledger says was paid equals the sum of the stored settlements' payments;
- no claim id is stored twice;

and, whenever the ``verify`` rule is drawn, the journal's chain holds and re-settling it
gives the stored state.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from store_helpers import dump
from strategies import claim_dates, claims, persons, to_claim, to_person
from zjj_medical import (
    Claim,
    DuplicateClaim,
    Ledger,
    Person,
    ReimbursementError,
    settle_year,
)
from zjj_medical.money import ZERO
from zjj_medical.store import LedgerBook, StoredSettlement

CLAIM_IDS = ("C1", "C2", "C3", "C4", "C5", "C6")


def claim_data(cid: str) -> st.SearchStrategy[dict[str, Any]]:
    """A claim of 2019 or 2020 under id ``cid``."""
    return st.sampled_from([2019, 2019, 2019, 2020]).flatmap(
        lambda year: claim_dates(year).flatmap(lambda day: claims(date=day, cid=cid))
    )


class LedgerStoreMachine(RuleBasedStateMachine):
    """Rules drive a LedgerBook on a temporary SQLite file; the model is claims in posting order."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="zjj-store-"))
        self.db = self.dir / "ledger.db"
        self.book = LedgerBook.open(self.db, synchronous="OFF")
        self.people: list[Person] = []
        # claim id → (claim, person) of every stored claim; person-year → ids in posting order
        self.stored: dict[str, tuple[Claim, Person]] = {}
        self.order: dict[tuple[str, int], list[str]] = {}
        # claim id → the response its settlement got (a retry must get it again)
        self.first: dict[str, StoredSettlement] = {}
        self.batches = 0

    def teardown(self) -> None:
        self.book.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(people=st.lists(persons(), min_size=1, max_size=3, unique_by=lambda p: p["id"]))
    def make_people(self, people: list[dict[str, Any]]) -> None:
        """One to three persons with distinct ids."""
        self.people = [to_person(p) for p in people]

    # -- rules ------------------------------------------------------------------------------
    @rule(data=st.data(), who=st.integers(0, 2), cid=st.sampled_from(CLAIM_IDS))
    def settle(self, data: st.DataObject, who: int, cid: str) -> None:
        """Settle a drawn claim: new → stored; its id stored with other content → DuplicateClaim."""
        person = self.people[who % len(self.people)]
        claim = to_claim(data.draw(claim_data(cid)))
        known = self.stored.get(cid)
        if known is not None and known != (claim, person):
            self._expect_duplicate(claim, person)
            return
        if known is not None:  # drawn identical to the stored one: a retry
            self._expect_retry(cid)
            return
        try:
            record = self.book.settle(claim, person)
        except ReimbursementError as exc:
            event(f"settle refused: {type(exc).__name__}")
            assert self.book.store.settlement(cid) is None  # refused: nothing stored
            return
        event("settle: new claim")
        assert record == self.book.settlement(cid)
        self.stored[cid] = (claim, person)
        self.first[cid] = record
        self.order.setdefault((person.id, claim.date.year), []).append(cid)

    @rule(data=st.data(), who=st.integers(0, 2), n=st.integers(2, 4))
    def settle_batch(self, data: st.DataObject, who: int, n: int) -> None:
        """Settle 2–4 new claims of one person-year together: all stored in order, or none."""
        person = self.people[who % len(self.people)]
        self.batches += 1
        days = sorted(data.draw(st.lists(claim_dates(2019), min_size=n, max_size=n)))
        batch = [
            to_claim(data.draw(claims(date=day, cid=f"B{self.batches}-{i}")))
            for i, day in enumerate(days)
        ]
        before = dump(self.db)
        try:
            records = self.book.settle_all(batch, person)
        except ReimbursementError as exc:
            event(f"batch refused: {type(exc).__name__}")
            assert before == dump(self.db)
            return
        event("batch settled")
        assert [c.id for c in batch] == [r.claim_id for r in records]
        for c, r in zip(batch, records, strict=True):
            self.first[c.id] = r
            self.stored[c.id] = (c, person)
            self.order.setdefault((person.id, 2019), []).append(c.id)

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        """Settling a stored claim again with identical content returns the first response."""
        self._expect_retry(data.draw(st.sampled_from(sorted(self.stored))))

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data(), change=st.sampled_from(["total", "person", "date"]))
    def collide(self, data: st.DataObject, change: str) -> None:
        """A stored id with another total, person or date is a DuplicateClaim; nothing changes."""
        cid = data.draw(st.sampled_from(sorted(self.stored)))
        claim, person = self.stored[cid]
        if change == "total":
            total = claim.total + 1
            claim = Claim(cid, claim.kind, claim.date, claim.facility, total, claim.in_scope,
                          accident=claim.accident)  # fmt: skip
        elif change == "person":
            person = Person(person.id + "-other", poor=not person.poor, county=person.county)
        else:
            claim = Claim(cid, claim.kind, claim.date.replace(day=1 + claim.date.day % 28),
                          claim.facility, claim.total, claim.in_scope, accident=claim.accident)  # fmt: skip
            if claim == self.stored[cid][0]:
                claim = Claim(cid, claim.kind, claim.date, claim.facility, claim.total,
                              claim.in_scope, accident=not claim.accident)  # fmt: skip
        self._expect_duplicate(claim, person)

    @rule(data=st.data(), who=st.integers(0, 2), cid=st.sampled_from(CLAIM_IDS))
    def presettle(self, data: st.DataObject, who: int, cid: str) -> None:
        """预结算 writes nothing; for a new claim it gives what settling after the others gives."""
        person = self.people[who % len(self.people)]
        claim = to_claim(data.draw(claim_data(cid)))
        before = dump(self.db)
        try:
            pre = self.book.presettle(claim, person)
        except ReimbursementError:
            assert before == dump(self.db)
            return
        assert before == dump(self.db)
        if cid in self.stored:  # identical content: the stored settlement
            assert self.book.settlement(cid).settlement == pre
            return
        earlier = [self.stored[i][0] for i in self.order.get((person.id, claim.date.year), [])]
        expected = settle_year([*earlier, claim], person)[-1]
        assert expected.to_dict() == pre.to_dict()

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        """冲正 removes the claim; the person-year's later claims are re-settled (checked after)."""
        cid = data.draw(st.sampled_from(sorted(self.stored)))
        claim, person = self.stored.pop(cid)
        del self.first[cid]
        reversal = self.book.reverse(cid)
        event(f"reverse: {'later claims re-settled' if reversal.adjustments else 'last claim'}")
        key = (person.id, claim.date.year)
        at = self.order[key].index(cid)
        assert self.order[key][at + 1 :] == [a.claim_id for a in reversal.adjustments]
        self.order[key].remove(cid)

    @rule()
    def verify(self) -> None:
        """ledger verify: the hash chain holds and re-settling the journal gives the stored state."""
        report = self.book.verify()
        assert report.ok, [p.message for p in report.problems]
        event("verified")

    @rule()
    def reopen(self) -> None:
        """Close the store and open it again (a fresh connection)."""
        self.book.close()
        self.book = LedgerBook.open(self.db, synchronous="OFF")

    # -- checks -----------------------------------------------------------------------------
    def _expect_retry(self, cid: str) -> None:
        claim, person = self.stored[cid]
        before, first = dump(self.db), self.first[cid]
        again = self.book.settle(claim, person)
        assert first == again  # as first returned, even if a reversal re-settled it since
        assert first.to_dict() == again.to_dict()
        assert before == dump(self.db)

    def _expect_duplicate(self, claim: Claim, person: Person) -> None:
        before = dump(self.db)
        with pytest.raises(DuplicateClaim) as info:
            self.book.settle(claim, person)
        event("duplicate refused")
        assert claim.id == info.value.claim_id
        owner = self.stored[claim.id][1]
        if owner.id != person.id:  # nothing said about the other person
            assert owner.id not in str(info.value)
        assert before == dump(self.db)

    @invariant()
    def ledgers_equal_settling_from_scratch(self) -> None:
        """Each person-year: ledger and settlements = settle_year(remaining claims, in order)."""
        for (pid, year), ids in self.order.items():
            stored = self.book.settlements(pid, year)
            assert ids == [r.claim_id for r in stored]
            if not ids:
                assert Ledger.empty(pid, year) == self.book.ledger(pid, year)
                continue
            person = self.stored[ids[0]][1]
            fresh = settle_year([self.stored[i][0] for i in ids], person)
            assert fresh[-1].ledger == self.book.ledger(pid, year)
            assert [s.to_dict() for s in fresh] == [r.settlement.to_dict() for r in stored]

    @invariant()
    def ledger_paid_is_the_sum_of_payments(self) -> None:
        """Per person-year and layer: ledger paid = Σ payments of the stored settlements."""
        for pid, year in self.order:
            ledger = self.book.ledger(pid, year)
            stored: list[StoredSettlement] = self.book.settlements(pid, year)
            layers = set(ledger.layers) | {k for r in stored for k in r.settlement.payments}
            for layer in layers:
                paid = sum((r.settlement.payments.get(layer, ZERO) for r in stored), ZERO)
                assert paid == ledger.paid(layer), (pid, year, layer)

    @invariant()
    def no_claim_id_stored_twice(self) -> None:
        """Every claim id is stored once, and exactly the model's ids are stored."""
        ids = [r.claim_id for r in self.book.store.find()]
        assert len(ids) == len(set(ids))
        assert sorted(self.stored) == sorted(ids)


LedgerStoreMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLedgerStoreMachine = LedgerStoreMachine.TestCase
