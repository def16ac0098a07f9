"""The ledger store interface: what :class:`~zjj_medical.store.book.LedgerBook` needs.

A store keeps, per person-year, the ledger and every settlement in the order they
were settled. Writes happen only inside :meth:`LedgerStore.transaction`, which is
all-or-nothing and excludes every other writer of the same store (a second
process included) until it ends; reads inside it see the transaction's own writes.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

from zjj_medical.engine.ledger import Ledger
from zjj_medical.store.records import Reversal, StoredSettlement

__all__ = ["LedgerStore"]


class LedgerStore(Protocol):
    """Persistent person-year ledgers and their settlements."""

    def transaction(self) -> AbstractContextManager[None]:
        """An exclusive write transaction: commit on success, roll back on any exception."""

    def snapshot(self) -> AbstractContextManager[None]:
        """A read transaction: every read inside sees one consistent state."""

    # -- reads ------------------------------------------------------------------------------
    def ledger(self, person_id: str, year: int) -> Ledger | None:
        """The person-year's ledger, ``None`` when nothing is settled."""

    def settlements(self, person_id: str, year: int) -> list[StoredSettlement]:
        """The person-year's settlements in the order they were settled."""

    def settlement(self, claim_id: str) -> StoredSettlement | None:
        """The stored settlement of a claim id, ``None`` when there is none."""

    def years(self, person_id: str) -> list[int]:
        """The years the person has settlements in, ascending."""

    def find(
        self, *, date: dt.date | None = None, facility: str | None = None
    ) -> list[StoredSettlement]:
        """Settlements by claim date and facility key (``None``: any), by date, person, order."""

    def reversals(self, claim_id: str | None = None) -> list[Reversal]:
        """Reversals (all, or of one claim id), oldest first."""

    # -- writes (inside ``transaction()`` only) ---------------------------------------------
    def add_settlement(self, record: StoredSettlement) -> None:
        """Insert a new settlement (its claim id must not be stored)."""

    def replace_settlement(self, record: StoredSettlement) -> None:
        """Replace the stored settlement of ``record.claim_id`` (a re-settlement)."""

    def remove_settlement(self, claim_id: str) -> None:
        """Remove a stored settlement."""

    def put_ledger(self, ledger: Ledger) -> None:
        """Write the person-year ledger (an empty one removes it)."""

    def add_reversal(self, reversal: Reversal) -> int:
        """Record a reversal and its adjustments; returns the id the store gave it."""

    def next_seq(self, person_id: str, year: int) -> int:
        """The next place in the person-year's order of settlement."""

    def close(self) -> None:
        """Release the store's resources."""
