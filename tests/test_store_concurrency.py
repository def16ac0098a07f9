"""Two processes settle into one store at once (a SQLite file, a PostgreSQL schema): other
persons' claims and the same person's.

Each worker (a fresh interpreter, like a second billing workstation) settles its own
person's claims interleaved with claims of a person both share, and re-sends a few
claims the other worker sends too (a retry from two desks). Afterwards no update is
lost: every claim is stored once, and each person-year's ledger and settlements equal
``settle_year`` of its claims in the order they were posted.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import time
from typing import Any

from store_helpers import StoreTarget
from zjj_medical import Claim, Facility, Person, settle_year
from zjj_medical.store import LedgerBook

CTX = mp.get_context("spawn")
FACILITY = Facility(level="county", county="cili")
SHARED = Person("P-shared", poor=False, county="cili")
OWN = (Person("P-own-0", poor=True, county="cili"), Person("P-own-1", poor=False, county="cili"))
PER_WORKER = 60  # own claims and shared claims each: 4 × 60 + the shared retries


def claim(prefix: str, i: int) -> Claim:
    """Claim i of a series: amounts differ by claim, so the order of posting matters."""
    total = f"{3000 + 997 * i}.00"
    day = f"2019-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return Claim(f"{prefix}{i:03d}", "inpatient", day, FACILITY, total, total)


def shared_claims(worker: int) -> list[Claim]:
    """The shared person's claims one worker sends: its own ones, then the common ones."""
    own = [claim(f"S{worker}-", i) for i in range(PER_WORKER)]
    return own + [claim("S-both-", i) for i in range(10)]


def _work(db: str, worker: int, start: Any) -> None:
    own = [claim(f"O{worker}-", i) for i in range(PER_WORKER)]
    shared = shared_claims(worker)
    start.wait()
    with LedgerBook.open(db, synchronous="NORMAL") as book:
        for i in range(max(len(own), len(shared))):
            if i < len(own):
                book.settle(own[i], OWN[worker])
            if i < len(shared):
                book.settle(shared[i], SHARED)
            # a desk does other work between claims; without a pause the writer that
            # holds SQLite's lock takes it again before the other one's busy wait ends
            time.sleep(0.002)


def _check_person_year(book: LedgerBook, person: Person, sent: list[Claim]) -> None:
    """Every sent claim stored once; the store equals settle_year in the posting order."""
    ledger = book.ledger(person.id, 2019)
    assert sorted({c.id for c in sent}) == sorted(ledger.claim_ids)
    stored = book.settlements(person.id, 2019)
    assert list(ledger.claim_ids) == [r.claim_id for r in stored]
    assert sorted(r.seq for r in stored) == [r.seq for r in stored]
    by_id = {c.id: c for c in sent}
    expected = settle_year([by_id[cid] for cid in ledger.claim_ids], person)
    assert [s.to_dict() for s in expected] == [r.settlement.to_dict() for r in stored]
    assert expected[-1].ledger == ledger


def test_two_processes_other_persons_and_the_same_person(store_target: StoreTarget) -> None:
    """2 processes × (60 own + 70 shared) claims at once: nothing lost or twice, in order, verified."""
    db = store_target.url
    LedgerBook.open(db).close()
    start = CTX.Barrier(2)  # both workers begin once both are ready
    workers = [CTX.Process(target=_work, args=(db, k, start)) for k in (0, 1)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [0, 0] == [w.exitcode for w in workers]
    with LedgerBook.open(db) as book:
        for k in (0, 1):
            _check_person_year(book, OWN[k], [claim(f"O{k}-", i) for i in range(PER_WORKER)])
        _check_person_year(book, SHARED, shared_claims(0) + shared_claims(1))
        # the two workers' postings of the shared person did interleave
        posted = [cid[:3] for cid in book.ledger(SHARED.id, 2019).claim_ids if cid[:3] != "S-b"]
        switches = sum(a != b for a, b in itertools.pairwise(posted))
        assert switches >= 10, posted  # 1 switch: one worker after the other; ~100 usual
        ids = [r.claim_id for r in book.store.find()]
        assert len(ids) == len(set(ids)) == 4 * PER_WORKER + 10
        # one journal: a posting per claim, seq 1, 2, … with no gap, every hash chained
        report = book.verify()
        assert report.ok, [p.message for p in report.problems]
        assert len(ids) == report.postings
