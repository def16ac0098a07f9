"""Verify a ledger store: the journal's hash chain, and every posting re-settled.

:func:`verify` reads the whole journal in one snapshot and

1. checks the chain: every posting's hash, the sequence numbers, the recorded head
   (:func:`~zjj_medical.store.journal.chain_problems`);
2. replays it per person-year: each ``settle`` and ``adjust`` posting's claim is settled
   again, in posting order, from the ledger the postings before it leave, under the policy
   version it was settled under, and compared with what the posting holds (payments,
   patient share, ledger, trace, the posting-order note); a ``reverse`` posting takes its
   claim out;
3. compares what the replay ends with to the current tables (each person-year's ledger and
   settlements) that reads are served from.

>>> from zjj_medical import Claim, Facility, Person
>>> from zjj_medical.store.book import LedgerBook
>>> book = LedgerBook.open(":memory:")
>>> f = Facility(level="county", county="cili")
>>> for i in (1, 2):
...     _ = book.settle(Claim(f"C{i}", "inpatient", f"2019-0{i}-10", f, "40000", "40000"),
...                     Person("P1", poor=False, county="cili"))
>>> _ = book.reverse("C1")
>>> report = verify(book)
>>> report.ok, report.postings, report.claims
(True, 4, 1)
>>> book.close()
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from zjj_medical.engine.settlement import settle
from zjj_medical.errors import ReimbursementError, StoreError
from zjj_medical.store.journal import Posting, Problem, chain_problems
from zjj_medical.store.order import latest_of, posting_note
from zjj_medical.store.records import StoredSettlement, record_from_dict, stored_form

if TYPE_CHECKING:
    from zjj_medical.store.book import LedgerBook, PolicyVersion

__all__ = ["VerifyReport", "verify"]


@attrs.frozen
class VerifyReport:
    """What :func:`verify` checked and found."""

    postings: int
    head: tuple[int, str]
    person_years: int
    claims: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems

    def summary(self) -> str:
        """One line: what was checked."""
        return (
            f"{self.postings} postings, chain head {self.head[0]} {self.head[1]}; "
            f"{self.person_years} person-year(s), {self.claims} current claims re-settled from "
            f"the journal: {'ok' if self.ok else f'{len(self.problems)} problem(s)'}"
        )


def _differences(
    expected: Mapping[str, Any], stored: Mapping[str, Any], path: str = ""
) -> Iterator[tuple[str, Any, Any]]:
    """(field, expected, stored) of each leaf where two JSON values differ."""
    for key in dict.fromkeys([*expected, *stored]):
        a, b = expected.get(key), stored.get(key)
        name = f"{path}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            yield from _differences(a, b, name + ".")
        elif a != b:
            yield name, a, b


class _Replay:
    """The journal replayed: per person-year the current records, in order."""

    def __init__(self, versions: Mapping[str, PolicyVersion]) -> None:
        self.versions = versions
        self.current: dict[tuple[str, int], list[StoredSettlement]] = {}
        self.problems: list[Problem] = []

    def posting(self, p: Posting) -> None:
        records = self.current.setdefault((p.person_id, p.year), [])
        try:
            data = p.data()
        except ValueError:
            return  # reported by the chain check
        ids = [r.claim_id for r in records]
        if p.kind == "reverse":
            if p.claim_id not in ids:
                self._claim(p, "reverses a claim that is not current in its person-year")
                return
            del records[ids.index(p.claim_id)]
            return
        if p.kind not in ("settle", "adjust"):
            self.problems.append(
                Problem(code="store.verify.kind", params={"seq": p.seq, "kind": p.kind}, seq=p.seq)
            )  # fmt: skip
            return
        try:
            record = record_from_dict(data["record"])
        except (ValueError, TypeError, KeyError) as exc:
            self._claim(p, f"its record cannot be read: {exc}")
            return
        if (record.claim_id, record.person_id, record.year) != (p.claim_id, p.person_id, p.year):
            self._claim(p, "its record is of another claim or person-year")
            return
        if p.kind == "settle":
            if p.claim_id in ids:
                self._claim(p, "settles a claim that is already current")
                return
            at = len(records)
            records.append(record)
        else:
            if p.claim_id not in ids:
                self._claim(p, "adjusts a claim that is not current in its person-year")
                return
            at = ids.index(p.claim_id)
            records[at] = record
        self._resettle(p, record, records[:at], migrated=bool(data.get("migrated")))

    def _claim(self, p: Posting, detail: str) -> None:
        self.problems.append(
            Problem(code="store.verify.claim", params={"seq": p.seq, "kind": p.kind,
                    "claim_id": p.claim_id, "detail": detail}, seq=p.seq)
        )  # fmt: skip

    def _resettle(
        self,
        p: Posting,
        record: StoredSettlement,
        before: list[StoredSettlement],
        *,
        migrated: bool,
    ) -> None:
        pv = self.versions.get(record.policy_version)
        if pv is None:
            self.problems.append(
                Problem(code="store.verify.policy", params={"seq": p.seq, "claim_id": p.claim_id,
                        "policy_id": record.policy_id, "version": record.policy_version},
                        seq=p.seq)
            )  # fmt: skip
            return
        ledger = before[-1].settlement.ledger if before else None
        try:  # a stored claim the engine refuses is reported, as its re-settlement failing
            claim = record.parsed_claim()
            again = stored_form(
                settle(claim, record.parsed_person(), policy=pv.policy, ledger=ledger)
            )
        except ReimbursementError as exc:
            self._claim(p, f"settling it again fails: {exc}")
            return
        expected: dict[str, Any] = {"settlement": again.to_dict(), "ledger": again.ledger.to_dict()}
        stored: dict[str, Any] = {
            "settlement": record.settlement.to_dict(),
            "ledger": record.settlement.ledger.to_dict(),
        }
        if not migrated:  # a store of schema version 1 wrote no notes
            expected["posting_note"] = posting_note(claim, p.person_id, latest_of(before))
            stored["posting_note"] = record.posting_note
        for field, computed, was in list(_differences(expected, stored))[:3]:
            self.problems.append(
                Problem(code="store.verify.settlement", params={"seq": p.seq, "kind": p.kind,
                        "claim_id": p.claim_id, "field": field, "computed": computed,
                        "stored": was}, seq=p.seq)
            )  # fmt: skip


def verify(book: LedgerBook) -> VerifyReport:
    """Check the book's store: the hash chain, every posting re-settled, the current tables.

    The policies a claim was settled under are looked up among ``book.policies`` by
    version (the policy file's fingerprint); a posting under another version is reported.
    """
    store = book.store
    with store.snapshot():
        postings = list(store.postings())
        head = store.chain_head()
        problems = chain_problems(postings, head)
        replay = _Replay({pv.version: pv for pv in book.policies})
        for p in postings:
            replay.posting(p)
        problems.extend(replay.problems)
        claims = 0
        for (person_id, year), records in sorted(replay.current.items()):
            claims += len(records)
            try:
                problems.extend(_current(book, person_id, year, records))
            except StoreError as exc:
                problems.append(_unreadable(exc))
        journal_ids = {r.claim_id for records in replay.current.values() for r in records}
        try:
            current = store.find()
        except StoreError as exc:
            problems.append(_unreadable(exc))
            current = []
        for r in current:
            if r.claim_id not in journal_ids:
                problems.append(
                    Problem(code="store.verify.current", params={"person_id": r.person_id,
                            "year": r.year, "what": "settlements",
                            "detail": f"claim {r.claim_id} is not current in the journal"})
                )  # fmt: skip
    return VerifyReport(len(postings), head, len(replay.current), claims, tuple(problems))


def _unreadable(exc: StoreError) -> Problem:
    """A current-table row that cannot be read back as what its keys say (``verify`` reports
    it beside the other problems); any other store error stops ``verify``."""
    if exc.code != "store.settlement.damaged":
        raise exc
    return Problem(code="store.verify.row", params={"detail": exc.render()})


def _current(
    book: LedgerBook, person_id: str, year: int, records: list[StoredSettlement]
) -> list[Problem]:
    """The current tables of a person-year against the journal's replay."""
    out: list[Problem] = []
    stored = book.store.settlements(person_id, year)
    ids, stored_ids = [r.claim_id for r in records], [r.claim_id for r in stored]
    if ids != stored_ids:
        detail = f"claims {stored_ids}, the journal's {ids}"
        out.append(
            Problem(code="store.verify.current", params={"person_id": person_id, "year": year,
                    "what": "settlements", "detail": detail})
        )  # fmt: skip
    else:
        for mine, theirs in zip(records, stored, strict=True):
            diff = list(_differences(mine.to_dict(), theirs.to_dict()))
            if diff:
                field, journal, table = diff[0]
                detail = f"claim {mine.claim_id}: {field} is {table}, the journal's {journal}"
                out.append(
                    Problem(code="store.verify.current", params={"person_id": person_id,
                            "year": year, "what": "settlement", "detail": detail})
                )  # fmt: skip
    ledger = book.store.ledger(person_id, year)
    expected = records[-1].settlement.ledger.to_dict() if records else None
    actual = None if ledger is None else ledger.to_dict()
    if expected != actual:
        diff = list(_differences(expected or {}, actual or {}))
        field, journal, table = diff[0] if diff else ("ledger", expected, actual)
        out.append(
            Problem(code="store.verify.current", params={"person_id": person_id, "year": year,
                    "what": "ledger", "detail": f"{field} is {table}, the journal's {journal}"})
        )  # fmt: skip
    return out
