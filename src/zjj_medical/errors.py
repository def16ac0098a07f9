"""The library's exceptions (SPEC §7).

One root, :class:`ReimbursementError`; each subclass also inherits the builtin a
caller would expect, so ``except ValueError`` keeps working.

Every error carries the facts a caller needs to point at the bad input:
``claim_id`` and ``field`` for claims, ``path`` for policy files.
"""

from __future__ import annotations

__all__ = [
    "DuplicateClaim",
    "InvalidClaim",
    "LedgerMismatch",
    "PolicyError",
    "PolicyNotInForce",
    "ReimbursementError",
    "StoreError",
    "UnknownClaim",
]


class ReimbursementError(Exception):
    """Root of every error raised by zjj_medical.

    Attributes:
        claim_id: the claim the error is about, when there is one.
        field: the input field that was wrong (``total``, ``facility.level`` …).
    """

    def __init__(
        self, message: str, *, claim_id: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.claim_id = claim_id
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        """The error as the JSON contract reports it (``type``, ``message``, ``claim_id``, ``field``)."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "claim_id": self.claim_id,
            "field": self.field,
        }


class InvalidClaim(ReimbursementError, ValueError):
    """A claim, person or ledger input that cannot be settled as given."""


class PolicyError(ReimbursementError, ValueError):
    """A policy file that does not validate; the message names the file and key path."""

    def __init__(self, message: str, *, source: str | None = None, path: str | None = None) -> None:
        super().__init__(message, field=path)
        self.source = source
        self.path = path


class PolicyNotInForce(ReimbursementError, LookupError):
    """No policy (or no value of a parameter) is in force on the date asked for."""


class LedgerMismatch(ReimbursementError, ValueError):
    """A ledger handed in belongs to another person or year than the claim."""


class DuplicateClaim(ReimbursementError, ValueError):
    """A claim id that the ledger has already settled (or stored with other content)."""


class StoreError(ReimbursementError, OSError):
    """The ledger store cannot be used: not a database, another application's database,
    a newer schema version, or a database locked for longer than the timeout.

    The message names the database file and says what was found.
    """


class UnknownClaim(ReimbursementError, LookupError):
    """A claim id that the ledger store does not hold (to reverse, show or export)."""
