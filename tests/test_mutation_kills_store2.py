"""Behaviour checks of the store's posting order, its records, the reconciliation report and
the access records (tokens, audit trail), added while mutation-testing them
(tests/MUTATION.md lists the survivors and their verdicts).

Expected values are worked out here from the documented behaviour (docs/reference/store.md,
the docstrings of ``zjj_medical.store``), never copied from an output of the code.
"""

from __future__ import annotations

import datetime as dt

from zjj_medical import Claim, Facility, Person
from zjj_medical.store.book import LedgerBook
from zjj_medical.store.order import after_posting, latest_of, posting_note

CILI = Facility(level="county", county="cili")
CILI_PERSON = Person("P1", poor=False, county="cili")
LATER = "already posted for P1 2019; settled after it, on the ledger as it stands"


def _claim(cid: str, day: str, amount: str = "40000") -> Claim:
    return Claim(cid, "inpatient", day, CILI, amount, amount)


# -- posting order (store/order.py) ----------------------------------------------------------


def test_a_claim_dated_the_same_day_as_the_latest_posted_has_no_note() -> None:
    """Only a claim dated *before* the latest claim posted gets a note: the same day is not
    before it."""
    latest = (dt.date(2019, 5, 2), "C1")
    assert "" == posting_note(_claim("C2", "2019-05-02"), "P1", latest)
    with LedgerBook.open(":memory:") as book:
        book.settle(_claim("C1", "2019-05-02"), CILI_PERSON)
        assert "" == book.settle(_claim("C2", "2019-05-02"), CILI_PERSON).posting_note
        both = book.settle_all([_claim("C3", "2019-06-01"), _claim("C4", "2019-06-01")],
                               CILI_PERSON)  # fmt: skip
        assert ["", ""] == [r.posting_note for r in both]


def test_of_two_claims_of_the_latest_date_the_one_posted_last_is_the_latest() -> None:
    """C1 and C2 both dated 2019-05-02, posted in that order: the latest claim is C2 (on the
    same date, the one posted last), so a claim dated before them names C2."""
    c1, c2 = _claim("C1", "2019-05-02"), _claim("C2", "2019-05-02")
    assert (dt.date(2019, 5, 2), "C2") == after_posting(after_posting(None, c1), c2)
    with LedgerBook.open(":memory:") as book:
        out = book.settle_all([c1, c2, _claim("C0", "2019-01-10")], CILI_PERSON)
        assert f"posting order: dated 2019-01-10, before claim C2 (2019-05-02) {LATER}" == (
            out[2].posting_note
        )
        assert (dt.date(2019, 5, 2), "C2") == latest_of(out[:2])


def test_a_reversal_re_notes_by_the_claim_of_the_latest_date_posted_last() -> None:
    """Posted: C1, C2 (both 2019-05-02), X (January), C3 (March). X reversed: C3 is settled
    again after C1 and C2 and names C2, the latest of the two (posted last)."""
    with LedgerBook.open(":memory:") as book:
        book.settle_all(
            [_claim("C1", "2019-05-02"), _claim("C2", "2019-05-02"), _claim("X", "2019-01-10"),
             _claim("C3", "2019-03-10")],
            CILI_PERSON,
        )  # fmt: skip
        note = f"posting order: dated 2019-03-10, before claim C2 (2019-05-02) {LATER}"
        assert note == book.settlement("C3").posting_note
        book.reverse("X")
        assert note == book.settlement("C3").posting_note
        assert book.verify().ok
