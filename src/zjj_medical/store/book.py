"""The ledger book: settle, pre-settle and reverse claims against a persistent ledger store.

Every write is one store transaction on one person-year — read its ledger, settle,
write the settlement and the new ledger, commit — so a crash or an error in between
leaves the store as it was, and two processes never lose each other's update. The
logic is here, the same for every backend; a store only keeps and locks (see
:class:`~zjj_medical.store.base.LedgerStore`).

>>> from zjj_medical import Claim, Facility, Person
>>> book = LedgerBook.open(":memory:")
>>> person = Person("P1", poor=True, county="sangzhi")
>>> claim = Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
...               total="20000.00", in_scope="18000.00")
>>> stored = book.settle(claim, person)
>>> str(stored.settlement.payments["basic_insurance"])  # 18000 × (0.75 + 0.10)
'15300.00'
>>> book.settle(claim, person) == stored  # idempotent: the stored settlement comes back
True
>>> book.ledger("P1", 2019).claim_ids
('C1',)
>>> book.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

from zjj_medical.contract.codec import content_hash, same_content
from zjj_medical.contract.inputs import claim_to_dict, person_to_dict
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import Settlement, settle
from zjj_medical.errors import DuplicateClaim, InvalidClaim, LedgerMismatch, UnknownClaim
from zjj_medical.policy.fingerprint import text_fingerprint
from zjj_medical.policy.loader import BUILTIN_POLICIES, load_policy, parse_policy, policy_source
from zjj_medical.policy.model import Policy
from zjj_medical.policy.yamlio import read_policy_text
from zjj_medical.store.backends import open_store
from zjj_medical.store.base import LedgerStore
from zjj_medical.store.order import after_posting, latest_of, posting_note
from zjj_medical.store.records import Adjustment, Reversal, StoredSettlement, stored_form
from zjj_medical.store.verify import VerifyReport, verify

__all__ = ["LedgerBook", "PolicyVersion", "facility_key"]


@attrs.frozen
class PolicyVersion:
    """A policy and the fingerprint of the file it was read from.

    >>> PolicyVersion.load().policy.id
    'zhangjiajie'
    """

    policy: Policy
    version: str

    @classmethod
    def load(cls, name_or_path: str | Path | None = None) -> PolicyVersion:
        """Read a built-in policy (by name) or a policy file, with its fingerprint."""
        text, source = policy_source(name_or_path)
        if name_or_path is None or (
            isinstance(name_or_path, str) and name_or_path in BUILTIN_POLICIES
        ):
            return cls(load_policy(name_or_path), text_fingerprint(text))  # cached
        # a file: parse the very text that was fingerprinted
        return cls(parse_policy(read_policy_text(text, source), source), text_fingerprint(text))


def facility_key(claim: Claim, policy: Policy) -> str:
    """The facility a report groups a claim under: its id, or ``tier@county`` in policy ids.

    >>> from zjj_medical import Claim, Facility
    >>> c = Claim("C1", "inpatient", "2019-11-03", Facility(level="县级医院", county="桑植县"),
    ...           total="100", in_scope="100")
    >>> facility_key(c, load_policy())
    'county@sangzhi'
    """
    f = claim.facility
    if f.id:
        return policy.lookup("facilities", f.id) or f.id
    tier = (policy.lookup("tiers", f.level) if f.level else None) or f.level or "-"
    county = (policy.lookup("counties", f.county) if f.county else None) or f.county or "-"
    return f"{tier}@{county}"


_Inputs = tuple[dict[str, Any], dict[str, Any], str]


def _inputs(claim: Claim, person: Person) -> _Inputs:
    """The claim's and person's JSON and their content hash."""
    claim_json, person_json = claim_to_dict(claim), person_to_dict(person)
    return claim_json, person_json, content_hash(claim_json, person_json)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _one_person_year(claims: Sequence[Claim], person: Person) -> tuple[str, int]:
    """The person-year the claims belong to; claims of several years are refused."""
    year = claims[0].date.year
    for c in claims:
        if c.date.year != year:
            raise InvalidClaim(
                f"claim {c.id}: date: claims settled together belong to one person-year; "
                f"claims span {sorted({c.date.year for c in claims})}",
                claim_id=c.id, field="date",
            )  # fmt: skip
    return person.id, year


class LedgerBook:
    """Settlement with a persistent ledger (一站式结算 with the annual ledger in a store).

    Args:
        store: where ledgers and settlements live.
        policies: the policies to settle under, by built-in name, file path or
            :class:`PolicyVersion`; a claim is settled under the first one in force on
            its date. None given: the built-in ``zhangjiajie``.
        clock: returns the UTC timestamp written with each settlement and reversal.
    """

    def __init__(
        self,
        store: LedgerStore,
        *policies: str | Path | PolicyVersion,
        clock: Callable[[], str] = _now,
    ) -> None:
        self.store = store
        loaded = [p if isinstance(p, PolicyVersion) else PolicyVersion.load(p) for p in policies]
        self.policies: tuple[PolicyVersion, ...] = tuple(loaded) or (PolicyVersion.load(),)
        self._clock = clock

    @classmethod
    def open(
        cls,
        url_or_path: str | Path,
        *policies: str | Path | PolicyVersion,
        timeout: float = 30.0,
        synchronous: str = "FULL",
        check: bool = True,
    ) -> LedgerBook:
        """A book on the store at a URL or file path; see :func:`~zjj_medical.store.open_store`.

        ``sqlite:///abs/path.db``, ``sqlite:relative.db`` or a plain file path open a SQLite
        file (created when absent); ``timeout``, ``synchronous`` and ``check`` are passed to
        the store.
        """
        store = open_store(url_or_path, timeout=timeout, synchronous=synchronous, check=check)
        return cls(store, *policies)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> LedgerBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def policy_for(self, day: dt.date) -> PolicyVersion:
        """The first of the book's policies in force on the day (the first one if none is)."""
        for p in self.policies:
            if p.policy.in_force(day):
                return p
        return self.policies[0]  # settle() then says why it is not in force

    # -- reads --------------------------------------------------------------------------------
    def ledger(self, person_id: str, year: int) -> Ledger:
        """The person-year's ledger (empty when nothing is settled)."""
        return self.store.ledger(person_id, year) or Ledger.empty(person_id, year)

    def settlements(self, person_id: str, year: int) -> list[StoredSettlement]:
        """The person-year's stored settlements, in order."""
        return self.store.settlements(person_id, year)

    def settlement(self, claim_id: str) -> StoredSettlement:
        """The stored settlement of a claim id; ``UnknownClaim`` when there is none."""
        found = self.store.settlement(claim_id)
        if found is None:
            raise UnknownClaim(
                code="store.claim.unknown", params={"claim_id": claim_id},
                claim_id=claim_id, field="id",
            )  # fmt: skip
        return found

    # -- settling -----------------------------------------------------------------------------
    def _existing(
        self, claim: Claim, person: Person, inputs: _Inputs, pending: dict[str, StoredSettlement]
    ) -> StoredSettlement | None:
        """The stored settlement of this claim id, if any; ``DuplicateClaim`` when it was
        stored with other content (compared at the stored content hash's version)."""
        found = pending.get(claim.id) or self.store.settlement(claim.id)
        if found is not None and not same_content(found.content_hash, inputs[0], inputs[1]):
            if found.person_id == person.id:
                code, params = "store.claim.other_content", {"date": found.date.isoformat()}
            else:  # another person's claim: say nothing about it
                code, params = "store.claim.taken", {}
            raise DuplicateClaim(
                code=code, params={"claim_id": claim.id, **params},
                claim_id=claim.id, field="id",
            )  # fmt: skip
        return found

    def _compute(
        self,
        claim: Claim,
        person: Person,
        ledger: Ledger | None,
        seq: int,
        inputs: _Inputs,
        note: str = "",
    ) -> StoredSettlement:
        pv = self.policy_for(claim.date)
        # in the form a later read of the store gives, built from the values (no JSON)
        s = stored_form(settle(claim, person, policy=pv.policy, ledger=ledger))
        claim_json, person_json, digest = inputs
        return StoredSettlement(
            settlement=s, claim=claim_json, person=person_json,
            content_hash=digest, policy_id=pv.policy.id,
            policy_version=pv.version, facility=facility_key(claim, pv.policy), seq=seq,
            settled_at=self._clock(), posting_note=note,
        )  # fmt: skip

    def check_carried_ledger(
        self, person: Person, claims: Sequence[Claim], given: Ledger | None
    ) -> None:
        """Refuse a document's carried ``ledger`` that is not the store's for its person-year.

        A document may carry the ledger its billing system last saw; when it settles a claim
        not yet stored, that ledger must be the stored one (a retry of stored claims may carry
        an older one).

        Raises:
            LedgerMismatch: the carried ledger is not the stored one.
        """
        if given is None or not claims:
            return
        stored = self.ledger(person.id, claims[0].date.year)
        fresh = any(self.store.settlement(c.id) is None for c in claims)
        if fresh and given != stored:
            raise LedgerMismatch(
                code="store.ledger.document",
                params={"person_id": person.id, "year": stored.year},
                field="ledger", path="ledger",
            )  # fmt: skip

    def presettle(self, claim: Claim, person: Person) -> Settlement:
        """预结算: the settlement the claim would get now, computed without writing anything.

        A claim already stored with the same content gives its stored settlement; with
        other content, ``DuplicateClaim``.
        """
        return self.presettle_all([claim], person)[0]

    def presettle_all(self, claims: Sequence[Claim], person: Person) -> list[Settlement]:
        """Pre-settle claims in order, each seeing the ledger left by the ones before."""
        out: list[Settlement] = []
        pending: dict[str, StoredSettlement] = {}
        ledgers: dict[int, Ledger | None] = {}
        with self.store.snapshot():
            for claim in claims:
                inputs = _inputs(claim, person)
                found = self._existing(claim, person, inputs, pending)
                if found is not None:
                    out.append(found.settlement)
                    continue
                year = claim.date.year
                if year not in ledgers:
                    ledgers[year] = self.store.ledger(person.id, year)
                record = self._compute(claim, person, ledgers[year], 0, inputs)
                ledgers[year] = record.settlement.ledger
                pending[claim.id] = record
                out.append(record.settlement)
        return out

    def settle(self, claim: Claim, person: Person) -> StoredSettlement:
        """Settle a claim and store it, in one transaction; idempotent on the claim id.

        A retry — the claim id again with the same content — writes nothing and returns the
        stored settlement exactly as it was first returned, whatever was posted since (a
        later claim, a reversal that re-settled this one). A claim dated before a claim
        already posted for its person-year is settled after it and carries a
        ``posting_note`` saying so.

        Raises:
            DuplicateClaim: the claim id is stored with other content (claim or person).
            InvalidClaim, PolicyNotInForce: as :func:`~zjj_medical.settle` (nothing is written).
            StoreError: the store cannot be written.
        """
        return self.settle_all([claim], person)[0]

    def settle_all(
        self,
        claims: Iterable[Claim],
        person: Person,
        *,
        then: Callable[[list[StoredSettlement]], object] | None = None,
    ) -> list[StoredSettlement]:
        """Settle a person's claims of one year in order, in one transaction (all or none stored).

        ``then``, when given, is called with the records inside that transaction, after
        the postings and before the commit: what it writes to the store (the service's
        audit record) is committed with them, or not at all.

        Raises:
            InvalidClaim: the claims are of more than one year (nothing is written).
        """
        claims = list(claims)
        if not claims:
            return []
        person_id, year = _one_person_year(claims, person)
        out: list[StoredSettlement] = []
        pending: dict[str, StoredSettlement] = {}
        with self.store.transaction(person_id, year):
            ledger = self.store.ledger(person_id, year)
            seq = self.store.next_seq(person_id, year)
            latest = self.store.latest(person_id, year)
            for claim in claims:
                inputs = _inputs(claim, person)
                found = self._existing(claim, person, inputs, pending)
                if found is not None:  # a retry: the response as first returned
                    first = None if claim.id in pending else self.store.original(claim.id)
                    out.append(first or found)
                    continue
                note = posting_note(claim, person_id, latest)
                record = self._compute(claim, person, ledger, seq, inputs, note)
                self.store.add_settlement(record)
                pending[claim.id] = record
                ledger, seq = record.settlement.ledger, seq + 1
                latest = after_posting(latest, claim)
                out.append(record)
            if then is not None:
                then(out)
        return out

    def verify(self) -> VerifyReport:
        """Check the store's journal and current tables; see :func:`~zjj_medical.store.verify.verify`."""
        return verify(self)

    # -- reversing ----------------------------------------------------------------------------
    def reverse(
        self, claim_id: str, *, then: Callable[[Reversal], object] | None = None
    ) -> Reversal:
        """冲正 / 退费重算: reverse a claim's settlement and re-settle the person-year's later claims.

        Nothing is erased: the store appends a reversing posting for the claim and an
        adjusting posting per later claim. The later claims are settled again in their
        order, each under the policy in force on its date, from the ledger as it stood
        before the reversed claim. Each one's change per layer (new − old) is stored and
        returned, so every fund can be refunded or charged the difference. All in one
        transaction of the person-year; ``then``, when given, is called with the reversal
        inside it, before the commit (as in :meth:`settle_all`).

        Raises:
            UnknownClaim: the claim id is not stored.
        """
        while True:
            seen = self.settlement(claim_id)
            with self.store.transaction(seen.person_id, seen.year):
                target = self.settlement(claim_id)
                if (target.person_id, target.year) != (seen.person_id, seen.year):
                    continue  # reversed and settled again elsewhere meanwhile: lock that one
                reversal = self._reverse(target)
                if then is not None:
                    then(reversal)
                return reversal

    def _reverse(self, target: StoredSettlement) -> Reversal:
        records = self.store.settlements(target.person_id, target.year)
        at = [r.claim_id for r in records].index(target.claim_id)
        before, later = records[:at], records[at + 1 :]
        ledger = before[-1].settlement.ledger if before else None
        latest = latest_of(before)
        adjustments: list[Adjustment] = []
        resettled: list[StoredSettlement] = []
        for old in later:
            claim = old.parsed_claim()
            note = posting_note(claim, target.person_id, latest)
            new = self._compute(
                claim, old.parsed_person(), ledger, old.seq,
                (dict(old.claim), dict(old.person), old.content_hash), note,
            )  # fmt: skip
            latest = after_posting(latest, claim)
            ledger = new.settlement.ledger
            resettled.append(new)
            adjustments.append(
                Adjustment(
                    old.claim_id, old.settlement.payments, new.settlement.payments,
                    old.settlement.patient_pay, new.settlement.patient_pay,
                )
            )  # fmt: skip
        reversal = Reversal(0, target, tuple(adjustments), self._clock())
        final = ledger or Ledger.empty(target.person_id, target.year)
        return attrs.evolve(reversal, id=self.store.add_reversal(reversal, resettled, final))
