"""The ledger book on each store backend (SQLite, PostgreSQL): settle, idempotency, pre-settlement, reversal by hand.

Hand-worked numbers (built-in policy, SPEC §3.1–3.2), a non-poor person of 慈利县 at a
county hospital, each claim total = in-scope = 40000:

- basic insurance: (40000 − 500 deductible) × 0.75 = 29625.00 per claim;
- critical illness, base x = 40000 − 29625 = 10375 per claim, annual deductible 10000,
  bands on E = A − 10000: 0.60 up to 30000, 0.65 to 80000:
  C1: A = 10375, E = 375, F = 225.00 → 225.00
  C2: A = 20750, E = 10750, F = 6450.00 → 6450 − 225 = 6225.00
  C3: A = 31125, E = 21125, F = 12675.00 → 12675 − 6450 = 6225.00
  C4: A = 41500, E = 31500, F = 30000 × 0.60 + 1500 × 0.65 = 18975.00 → 18975 − 12675 = 6300.00
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from store_helpers import StoreTarget
from zjj_medical import (
    Claim,
    DuplicateClaim,
    Facility,
    InvalidClaim,
    Person,
    PolicyNotInForce,
    UnknownClaim,
    settle_year,
)
from zjj_medical.store import LedgerBook, SQLiteStore, StoredSettlement

POLICY_FILE = Path(__file__).parent.parent / "src/zjj_medical/data/policies/zhangjiajie.yaml"
CILI = Facility(level="county", county="cili")
PERSON = Person("P-cili", poor=False, county="cili")


def claim(cid: str, day: str, total: str = "40000.00", in_scope: str | None = None) -> Claim:
    """An inpatient claim at a 慈利县 county hospital."""
    return Claim(cid, "inpatient", day, CILI, total=total, in_scope=in_scope or total)


FOUR = [claim(f"C{i}", f"2019-0{i}-10") for i in range(1, 5)]


@pytest.fixture
def book(store_target: StoreTarget) -> Iterator[LedgerBook]:
    """A book on a fresh store: a SQLite file, a PostgreSQL schema."""
    with LedgerBook.open(store_target.url) as b:
        yield b


def test_settle_stores_the_hand_worked_amounts(book: LedgerBook) -> None:
    """Four claims settled one by one carry the ledger: CI 225, 6225, 6225, 6300 (worked above)."""
    for c in FOUR:
        book.settle(c, PERSON)
    stored = book.settlements("P-cili", 2019)
    expected = [
        ("C1", "29625.00", "225.00"),
        ("C2", "29625.00", "6225.00"),
        ("C3", "29625.00", "6225.00"),
        ("C4", "29625.00", "6300.00"),
    ]
    assert expected == [
        (
            r.claim_id,
            str(r.settlement.payments["basic_insurance"]),
            str(r.settlement.payments["critical_illness"]),
        )
        for r in stored
    ]
    ledger = book.ledger("P-cili", 2019)
    assert ("C1", "C2", "C3", "C4") == ledger.claim_ids
    assert Decimal("18975.00") == ledger.paid("critical_illness")  # 225 + 6225 + 6225 + 6300
    assert Decimal("41500.00") == ledger.state("critical_illness").base  # 4 × 10375


def test_the_poor_example_of_the_spec(book: LedgerBook) -> None:
    """SPEC §6 example: 18000 × 0.85 = 15300 basic, 0.85 × 20000 − 15300 = 1700 backstop."""
    person = Person("P1", poor=True, county="sangzhi")
    c = Claim("A1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
              total="20000.00", in_scope="18000.00")  # fmt: skip
    s = book.settle(c, person).settlement
    assert (Decimal("15300.00"), Decimal("1700.00"), Decimal("3000.00")) == (
        s.payments["basic_insurance"],
        s.payments["fiscal_backstop"],
        s.patient_pay,
    )


def test_settling_again_with_the_same_content_returns_the_stored_settlement(
    book: LedgerBook, store_target: StoreTarget
) -> None:
    """The same claim id and content settles once: the second call returns the stored record."""
    first = book.settle(FOUR[0], PERSON)
    before = store_target.dump()
    again = book.settle(claim("C1", "2019-01-10"), Person("P-cili", poor=False, county="cili"))
    assert first == again
    assert before == store_target.dump()
    assert ("C1",) == book.ledger("P-cili", 2019).claim_ids


def test_settling_an_id_again_with_other_content_is_a_duplicate(
    book: LedgerBook, store_target: StoreTarget
) -> None:
    """Another total, or another person, under a stored claim id raises DuplicateClaim, writes nothing."""
    book.settle(FOUR[0], PERSON)
    before = store_target.dump()
    with pytest.raises(DuplicateClaim) as info:
        book.settle(claim("C1", "2019-01-10", total="40000.01"), PERSON)
    assert "C1" == info.value.claim_id
    with pytest.raises(DuplicateClaim):
        book.settle(FOUR[0], Person("P-other", poor=False, county="cili"))
    with pytest.raises(DuplicateClaim):
        book.settle(FOUR[0], Person("P-cili", poor=True, county="cili"))
    assert before == store_target.dump()


def test_presettle_writes_nothing_and_matches_the_settlement(
    book: LedgerBook, store_target: StoreTarget
) -> None:
    """预结算 gives what settling would give, from the stored ledger, and leaves the file unchanged."""
    book.settle(FOUR[0], PERSON)
    before = store_target.dump()
    pre = book.presettle(FOUR[1], PERSON)
    assert Decimal("6225.00") == pre.payments["critical_illness"]  # C2, worked above
    assert before == store_target.dump()
    assert pre.to_dict() == book.settle(FOUR[1], PERSON).settlement.to_dict()


def test_presettle_of_several_claims_carries_the_ledger(book: LedgerBook) -> None:
    """Pre-settling C1..C4 together gives 225, 6225, 6225, 6300 and stores nothing."""
    out = book.presettle_all(FOUR, PERSON)
    expected = ["225.00", "6225.00", "6225.00", "6300.00"]
    assert expected == [str(s.payments["critical_illness"]) for s in out]
    assert () == book.ledger("P-cili", 2019).claim_ids


def test_settle_all_is_all_or_nothing(book: LedgerBook, store_target: StoreTarget) -> None:
    """A document whose third claim cannot be settled stores none of its claims."""
    book.settle(claim("C0", "2019-01-01", total="100.00"), PERSON)
    before = store_target.dump()
    village = Claim("BAD", "inpatient", "2019-05-01", Facility(level="village_clinic", county="cili"),
                    total="100.00", in_scope="100.00")  # fmt: skip
    with pytest.raises(InvalidClaim, match="BAD"):  # village clinics admit no inpatients
        book.settle_all([FOUR[0], FOUR[1], village], PERSON)
    assert before == store_target.dump()


def test_a_claim_out_of_the_policy_period_stores_nothing(
    book: LedgerBook, store_target: StoreTarget
) -> None:
    """A claim dated before the policy starts raises PolicyNotInForce and writes nothing."""
    book.settle(claim("C0", "2019-01-01", total="100.00"), PERSON)
    before = store_target.dump()
    with pytest.raises(PolicyNotInForce):
        book.settle(claim("OLD", "2018-12-31"), PERSON)
    assert before == store_target.dump()


def test_settle_all_takes_one_person_year(book: LedgerBook, store_target: StoreTarget) -> None:
    """Claims of two years settled together are refused before anything is written."""
    before = store_target.dump()
    with pytest.raises(InvalidClaim, match=r"claim Y20: date: .*one person-year") as info:
        book.settle_all([claim("Y19", "2019-12-31"), claim("Y20", "2020-01-01")], PERSON)
    assert ("Y20", "date") == (info.value.claim_id, info.value.field)
    assert before == store_target.dump()


def test_each_year_has_its_own_ledger(book: LedgerBook) -> None:
    """Claims of 2019 and 2020 go to two person-year ledgers (SPEC §5: the year is date.year)."""
    book.settle(claim("Y19", "2019-12-31"), PERSON)
    s20 = book.settle(claim("Y20", "2020-01-01"), PERSON).settlement
    assert Decimal("225.00") == s20.payments["critical_illness"]  # a fresh year: as C1
    assert [2019, 2020] == book.store.years("P-cili")
    assert ("Y20",) == book.ledger("P-cili", 2020).claim_ids


def test_the_record_keeps_inputs_hash_and_policy_version(book: LedgerBook) -> None:
    """A stored settlement keeps the claim and person JSON, a content hash and the policy file's sha256."""
    r = book.settle(FOUR[0], PERSON)
    expected_version = "sha256:" + hashlib.sha256(POLICY_FILE.read_bytes()).hexdigest()
    assert expected_version == r.policy_version
    assert "zhangjiajie" == r.policy_id
    assert FOUR[0] == r.parsed_claim()
    assert PERSON == r.parsed_person()
    assert "40000.00" == r.claim["total"]
    # the hash is of {"claim": …, "person": …} in compact JSON with sorted keys
    hashed = (
        '{"claim":{"accident":false,"date":"2019-01-10",'
        '"facility":{"county":"cili","id":null,"level":"county"},'
        '"id":"C1","in_scope":"40000.00","kind":"inpatient","total":"40000.00"},'
        '"person":{"categories":[],"county":"cili","id":"P-cili","poor":false}}'
    )
    assert "sha256:" + hashlib.sha256(hashed.encode("utf-8")).hexdigest() == r.content_hash
    assert "county@cili" == r.facility
    trace_layers = [e.layer for e in book.settlement("C1").settlement.trace]
    assert "basic_insurance" == trace_layers[0]


def test_payments_come_back_in_policy_order(book: LedgerBook) -> None:
    """A stored settlement lists its payments in policy order, as settle() does (SPEC §6)."""
    book.settle(FOUR[0], PERSON)
    expected = [
        "basic_insurance", "critical_illness", "special_poverty_insurance",
        "medical_assistance", "hospital_reduction", "fiscal_backstop",
    ]  # fmt: skip
    assert expected == list(book.settlement("C1").settlement.payments)


def test_reverse_by_hand(book: LedgerBook) -> None:
    """Reversing C2 of four: C3 moves to second (6225, Δ 0), C4 to third (6225, Δ −75)."""
    # C4 re-settled: A = 31125, E = 21125, F = 12675 → 12675 − 6450 = 6225 (was 6300).
    for c in FOUR:
        book.settle(c, PERSON)
    rev = book.reverse("C2")
    assert "C2" == rev.claim_id
    assert ["C3", "C4"] == [a.claim_id for a in rev.adjustments]
    assert Decimal("0.00") == rev.adjustments[0].deltas["critical_illness"]
    assert Decimal("-75.00") == rev.adjustments[1].deltas["critical_illness"]
    assert Decimal("75.00") == rev.adjustments[1].patient_delta
    assert Decimal("0.00") == rev.adjustments[1].deltas["basic_insurance"]
    net = rev.net()
    assert Decimal("-29625.00") == net["basic_insurance"]  # C2's basic refunded
    assert Decimal("-6300.00") == net["critical_illness"]  # −6225 (C2) − 75 (C4)
    assert ("C1", "C3", "C4") == book.ledger("P-cili", 2019).claim_ids
    assert Decimal("12675.00") == book.ledger("P-cili", 2019).paid("critical_illness")
    assert [rev] == book.store.reversals("C2")
    assert "-75.00" == rev.to_dict()["adjustments"][1]["delta"]["critical_illness"]


def test_reverse_the_only_claim_empties_the_ledger(book: LedgerBook) -> None:
    """Reversing the year's only claim leaves an empty ledger and no adjustments."""
    book.settle(FOUR[0], PERSON)
    rev = book.reverse("C1")
    assert () == rev.adjustments
    assert () == book.ledger("P-cili", 2019).claim_ids
    assert [] == book.settlements("P-cili", 2019)


def test_a_reversed_claim_can_be_settled_again(book: LedgerBook) -> None:
    """After 冲正 the corrected claim settles anew, at the end of the year's order."""
    for c in FOUR[:2]:
        book.settle(c, PERSON)
    book.reverse("C1")
    again = book.settle(claim("C1", "2019-01-10", total="30000.00"), PERSON)
    assert ("C2", "C1") == book.ledger("P-cili", 2019).claim_ids
    assert 3 == again.seq


def test_unknown_claim(book: LedgerBook) -> None:
    """Reversing or reading a claim id the store does not hold raises UnknownClaim (a LookupError)."""
    with pytest.raises(UnknownClaim):
        book.reverse("nope")
    with pytest.raises(LookupError):
        book.settlement("nope")


def test_reverse_matches_settling_the_rest_from_scratch(book: LedgerBook) -> None:
    """After reversing C1, the stored C2..C4 equal settle_year(C2..C4) from an empty ledger."""
    for c in FOUR:
        book.settle(c, PERSON)
    book.reverse("C1")
    expected = [s.to_dict() for s in settle_year(FOUR[1:], PERSON)]
    assert expected == [r.settlement.to_dict() for r in book.settlements("P-cili", 2019)]


def test_a_memory_store_works_too() -> None:
    """ ":memory:" gives a working store (no WAL), used by fast property tests."""
    with SQLiteStore(":memory:") as store:
        b = LedgerBook(store)
        b.settle(FOUR[0], PERSON)
        assert ("C1",) == b.ledger("P-cili", 2019).claim_ids


def _policy_file(tmp_path: Path, name: str, effective: str) -> Path:
    """The built-in policy's text under another id and period."""
    text = POLICY_FILE.read_text("utf-8")
    text = text.replace("id: zhangjiajie\n", f"id: {name}\n", 1)
    text = text.replace("effective:\n  from: 2019-01-01\n", effective, 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


def test_each_claim_uses_the_policy_in_force_on_its_date(
    tmp_path: Path, store_target: StoreTarget
) -> None:
    """With two successive policy files, a claim (and its re-settlement) uses the one of its date."""
    first = _policy_file(
        tmp_path, "zjj-h1", "effective:\n  from: 2019-01-01\n  until: 2019-07-01\n"
    )
    second = _policy_file(tmp_path, "zjj-h2", "effective:\n  from: 2019-07-01\n")
    with LedgerBook.open(store_target.url, first, second) as book:
        for c in (FOUR[0], FOUR[1], claim("C9", "2019-09-10")):
            book.settle(c, PERSON)
        assert ["zjj-h1", "zjj-h1", "zjj-h2"] == [
            r.policy_id for r in book.settlements("P-cili", 2019)
        ]
        h2 = book.settlement("C9").policy_version
        assert "sha256:" + hashlib.sha256(second.read_bytes()).hexdigest() == h2
        rev = book.reverse("C1")
        # C9 re-settled as the second claim under zjj-h2: CI 6225 as C2 was (worked above)
        assert "zjj-h2" == book.settlement("C9").policy_id
        assert Decimal("6225.00") == book.settlement("C9").settlement.payments["critical_illness"]
        assert ["C2", "C9"] == [a.claim_id for a in rev.adjustments]


def test_reverse_locks_the_person_year_the_claim_is_in_now(
    book: LedgerBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim id reversed and settled for another person between lookup and lock: that one is reversed."""
    stale = book.settle(FOUR[0], PERSON)
    book.reverse("C1")
    other = Person("P-other", poor=False, county="cili")
    book.settle(FOUR[0], other)
    real = LedgerBook.settlement
    calls: list[str] = []

    def first_stale(self: LedgerBook, claim_id: str) -> StoredSettlement:
        calls.append(claim_id)
        return stale if len(calls) == 1 else real(self, claim_id)

    monkeypatch.setattr(LedgerBook, "settlement", first_stale)
    rev = book.reverse("C1")
    assert "P-other" == rev.reversed.person_id
    # stale lookup, re-check under P-cili's lock (moved), lookup, re-check under P-other's
    assert 4 == len(calls)
    assert () == book.ledger("P-other", 2019).claim_ids
