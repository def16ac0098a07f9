"""The ledger store interface: what :class:`~zjj_medical.store.book.LedgerBook` needs of a backend.

A store keeps a **journal**: every write appends postings (see
:mod:`zjj_medical.store.journal`) and nothing is deleted or rewritten. From it the store
keeps, per person-year, the current ledger and settlements in their order of posting, plus
the reversals, written in the same transaction as the postings. The **person-year** is the unit of consistency: every write happens
inside :meth:`LedgerStore.transaction` of the person-year it writes, which is
all-or-nothing and excludes every other writer *of that person-year* (another process
included) until it ends; reads inside it see the transaction's own writes. Writers of
different person-years need not wait for each other (a backend may still serialise
them: SQLite has one write lock per file).

Beside the ledgers, a store keeps what the settlement service needs (see
:mod:`zjj_medical.store.access`): access tokens (hashed), an append-only, hash-chained audit
trail of every write, and the responses to requests that carried an ``Idempotency-Key``.
Each of their writes is a transaction of its own, or joins the transaction already open.

The interface is kept small — it is what a second backend implements. Settling,
re-settling after a reversal, idempotency and the checks on content live in
:class:`~zjj_medical.store.book.LedgerBook`, the same for every backend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from zjj_medical.engine.ledger import Ledger
from zjj_medical.errors import StoreError
from zjj_medical.store.access import AuditRecord, IdempotentResponse, TokenRecord
from zjj_medical.store.journal import Posting
from zjj_medical.store.records import Reversal, StoredSettlement

__all__ = ["LedgerStore", "check_person_year"]

PersonYear = tuple[str, int]


class LedgerStore(Protocol):
    """Persistent person-year ledgers and their settlements."""

    def transaction(self, person_id: str, year: int) -> AbstractContextManager[None]:
        """A write transaction on one person-year: commit on success, roll back on any exception.

        It locks the person-year (its ledger, its settlements, its order of posting) against
        every other writer until it ends. One transaction at a time per store object;
        opening a second one inside it raises ``StoreError``.
        """

    def snapshot(self) -> AbstractContextManager[None]:
        """A read transaction: every read inside sees one consistent state."""

    # -- reads ------------------------------------------------------------------------------
    def ledger(self, person_id: str, year: int) -> Ledger | None:
        """The person-year's ledger, ``None`` when nothing is settled."""

    def next_seq(self, person_id: str, year: int) -> int:
        """The next place in the person-year's order of posting (one more than the last)."""

    def settlements(self, person_id: str, year: int) -> list[StoredSettlement]:
        """The person-year's settlements in their order of posting."""

    def settlement(self, claim_id: str) -> StoredSettlement | None:
        """The stored settlement of a claim id (of any person-year), ``None`` when there is none."""

    def years(self, person_id: str) -> list[int]:
        """The years the person has settlements in, ascending."""

    def find(
        self, *, date: dt.date | None = None, facility: str | None = None
    ) -> list[StoredSettlement]:
        """Settlements by claim date and facility key (``None``: any), by date, person, order."""

    def reversals(self, claim_id: str | None = None) -> list[Reversal]:
        """Reversals (all, or of one claim id), oldest first."""

    def latest(self, person_id: str, year: int) -> tuple[dt.date, str] | None:
        """The latest claim date among the person-year's settlements, with its claim id
        (of several on that date, the one posted last); ``None`` when there is none."""

    def original(self, claim_id: str) -> StoredSettlement | None:
        """The claim's settlement as first returned (its latest ``settle`` posting)."""

    def chain_head(self) -> tuple[int, str]:
        """The seq and hash of the journal's last posting, as recorded beside the journal."""

    def postings(self) -> Iterator[Posting]:
        """Every posting of the journal, in order of ``seq``."""

    # -- writes (inside ``transaction(person_id, year)`` of the record's person-year only) ---
    def add_settlement(self, record: StoredSettlement) -> None:
        """Post a new settlement; the person-year's ledger becomes ``record.settlement.ledger``.

        Appends a ``settle`` posting holding the record.

        Raises:
            DuplicateClaim: the claim id is already stored (in any person-year).
            StoreError: not inside the transaction of the record's person-year.
        """

    def add_reversal(
        self, reversal: Reversal, resettled: list[StoredSettlement], ledger: Ledger
    ) -> int:
        """Record a reversal; returns the id the store gave it.

        In one step: append a ``reverse`` posting for ``reversal.reversed`` and an
        ``adjust`` posting per record of ``resettled`` (with its adjustment, in order);
        then bring the current state along: the reversed claim's settlement is no longer
        current, each re-settled record takes the place of its claim's (same claim id,
        same place in the order), the person-year's ledger becomes ``ledger`` and the
        reversal is kept with its adjustments.

        Raises:
            StoreError: not inside the transaction of the person-year, or a record is
                not stored.
        """

    # -- tokens, audit trail, remembered responses (see zjj_medical.store.access) -----------
    def add_token(self, record: TokenRecord) -> None:
        """Keep a new token record.

        Raises:
            StoreError: a token of that id or hash is already kept (``store.token.exists``).
        """

    def token(self, token_hash: str) -> TokenRecord | None:
        """The token record of a secret's hash (revoked ones too), ``None`` when there is none."""

    def tokens(self) -> list[TokenRecord]:
        """Every token record, oldest first."""

    def revoke_token(self, token_id: str, at: str) -> bool:
        """Mark the token revoked at ``at`` (UTC, ISO 8601); ``False`` when there is no
        such token or it is already revoked (its first revocation time is kept)."""

    def add_audit(self, record: AuditRecord) -> AuditRecord:
        """Append a record to the audit trail; returns it as stored, with its ``seq`` (one
        more than the last) and ``hash`` (:func:`~zjj_medical.store.access.audit_hash` over
        the last record's hash, :data:`~zjj_medical.store.journal.GENESIS` for the first).
        The ``seq`` and ``hash`` given are ignored. Records are never changed or removed."""

    def audit(self, *, after: int = 0, limit: int | None = None) -> list[AuditRecord]:
        """Audit records with ``seq > after``, oldest first, at most ``limit`` of them."""

    def idempotent(self, key: str, principal: str) -> IdempotentResponse | None:
        """The response kept for ``(key, principal)``, ``None`` when there is none."""

    def add_idempotent(self, response: IdempotentResponse) -> IdempotentResponse:
        """Keep a response for its ``(key, principal)``; when one is already kept (a
        concurrent retry won the race), keep nothing and return the one kept."""

    def lost(self) -> bool:
        """True when the store cannot be used again (its connection to a server is gone):
        a long-running user (the settlement service) opens it anew."""

    def close(self) -> None:
        """Release the store's resources."""


def check_person_year(what: str, open_: PersonYear | None, person_id: str, year: int) -> None:
    """Refuse a write of ``person_id`` ``year`` unless that person-year's transaction is open.

    A helper for backends: every write method calls it first.

    >>> check_person_year("add_settlement", ("P1", 2019), "P1", 2019)
    >>> check_person_year("add_settlement", ("P1", 2019), "P2", 2019)
    Traceback (most recent call last):
    ...
    zjj_medical.errors.StoreError: add_settlement: writes of P2 2019 need store.transaction('P2', 2019); the open transaction is of P1 2019
    """
    if open_ == (person_id, year):
        return
    if open_ is None:
        raise StoreError(
            code="store.transaction.needed",
            params={"what": what, "person_id": person_id, "year": year},
        )
    raise StoreError(
        code="store.transaction.other",
        params={"what": what, "person_id": person_id, "year": year,
                "open_person_id": open_[0], "open_year": open_[1]},
    )  # fmt: skip
