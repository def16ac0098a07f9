"""Who may use the store over the network, and what they did: tokens, the audit trail and
remembered responses.

Three kinds of record, kept by every backend beside the journal (see
:class:`~zjj_medical.store.base.LedgerStore`):

- :class:`TokenRecord` — an access token of the settlement service. Only the SHA-256 of the
  token's secret is stored (:func:`token_hash`); the token itself is shown once, when it is
  created. A token has a role: ``facility`` (settles and reads the claims of one facility)
  or ``bureau`` (reads everything and runs reports).
- :class:`AuditRecord` — one write (settle, reverse, token created or revoked): who, when,
  which request, a hash of what was sent, and the outcome. Audit records are append-only
  and hash-chained like the journal's postings (:func:`audit_hash`), in their own chain.
- :func:`issue_token`, :func:`withdraw_token` — create and revoke a token, recorded in the
  audit trail (what ``zjj-medical token create`` and ``token revoke`` do).
- :class:`IdempotentResponse` — the response given to a request that carried an
  ``Idempotency-Key``, kept so that a retry gets the same bytes back.

>>> secret = new_secret()
>>> len(secret) > 40, token_hash(secret) == token_hash(secret), token_hash(secret)[:7]
(True, True, 'sha256:')
>>> same_hash(token_hash(secret), token_hash(secret + "x"))
False
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from zjj_medical.errors import StoreError
from zjj_medical.i18n import N_, gettext
from zjj_medical.store.journal import GENESIS, dump

if TYPE_CHECKING:  # the interface names these records
    from zjj_medical.store.base import LedgerStore

__all__ = [
    "AUDIT_ACTIONS",
    "ROLES",
    "AuditRecord",
    "IdempotentResponse",
    "TokenRecord",
    "audit_chain_problems",
    "audit_content",
    "audit_hash",
    "issue_token",
    "new_secret",
    "new_token_id",
    "same_hash",
    "token_hash",
    "withdraw_token",
]

#: The roles a token may have.
ROLES = ("facility", "bureau")
#: The actions the audit trail records.
AUDIT_ACTIONS = ("settle", "reverse", "token.create", "token.revoke")


def new_secret() -> str:
    """A new token secret: 32 random bytes, URL-safe base64 text (43 characters)."""
    return secrets.token_urlsafe(32)


def new_token_id() -> str:
    """A new token id (``tok_`` and 12 hexadecimal digits): the public name of a token."""
    return "tok_" + secrets.token_hex(6)


def token_hash(secret: str) -> str:
    """The stored form of a token secret: ``sha256:`` and the hex digest of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Compare two hashes in constant time."""
    return hmac.compare_digest(a.encode("ascii", "replace"), b.encode("ascii", "replace"))


@attrs.frozen
class TokenRecord:
    """An access token as the store keeps it (never the token itself).

    Attributes:
        id: the token's public name (``tok_…``), shown in lists and in the audit trail.
        hash: :func:`token_hash` of the secret.
        role: ``facility`` or ``bureau``.
        facility: the facility id a ``facility`` token acts for (``None`` for ``bureau``).
        created_at: when it was created (UTC, ISO 8601).
        revoked_at: when it was revoked (``None`` while it is valid).
        note: free text given at creation (whose token it is).
    """

    id: str
    hash: str
    role: str
    facility: str | None
    created_at: str
    revoked_at: str | None = None
    note: str = ""

    @property
    def active(self) -> bool:
        """Whether the token is not revoked."""
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        """JSON form, without the hash."""
        return {
            "id": self.id,
            "role": self.role,
            "facility": self.facility,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "note": self.note,
        }


@attrs.frozen
class AuditRecord:
    """One write, as the audit trail records it.

    Attributes:
        seq: its place in the audit trail (1, 2, …; 0 for a record not yet stored).
        at: when (UTC, ISO 8601).
        action: one of :data:`AUDIT_ACTIONS`.
        actor: the token id that made the request (``cli`` for the command line).
        role: the actor's role (``facility``, ``bureau``, ``cli``).
        facility: the actor's facility id (``None`` when it has none).
        request_id: the request's ``X-Request-ID`` ("" from the command line).
        target: what was written: the claim id (several: joined by ``,``), or a token id.
        content_hash: SHA-256 of the request body (``sha256:…``; "" when there was none).
        status: the HTTP status answered (0 from the command line).
        outcome: ``ok``, or the error code of the refusal.
        hash: the record's hash, chained to the one before (set by the store).
    """

    seq: int
    at: str
    action: str
    actor: str
    role: str
    facility: str | None
    request_id: str
    target: str
    content_hash: str
    status: int
    outcome: str
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form, every attribute."""
        return attrs.asdict(self)


def audit_content(record: AuditRecord, seq: int) -> str:
    """The canonical text a record's hash covers: every attribute but the hash, at ``seq``.

    >>> r = AuditRecord(0, "2026-01-01T00:00:00+00:00", "settle", "tok_1", "facility", "H1",
    ...                 "req-1", "C1", "", 200, "ok")
    >>> audit_content(r, 1)[:40]
    '{"seq":1,"at":"2026-01-01T00:00:00+00:00'
    """
    data = attrs.asdict(attrs.evolve(record, seq=seq))
    del data["hash"]
    return dump(data)


def audit_hash(previous: str, record: AuditRecord, seq: int) -> str:
    """The hash of a record stored at ``seq`` after a record of hash ``previous``
    (:data:`~zjj_medical.store.journal.GENESIS` before the first)."""
    text = previous + audit_content(record, seq)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def audit_chain_problems(records: Iterable[AuditRecord], lang: str = "en") -> list[str]:
    """What is wrong with an audit trail read back from its start: records out of sequence,
    or a hash that does not follow from the record and the one before (``[]``: nothing),
    in ``lang`` (English by default, as the JSON output gives them)."""
    problems: list[str] = []
    previous, expected = GENESIS, 1
    for r in records:
        if r.seq != expected:
            problems.append(
                gettext(N_("audit record {seq}: out of sequence (expected {expected})"), lang)
                .format(seq=r.seq, expected=expected)
            )  # fmt: skip
        if audit_hash(previous, r, r.seq) != r.hash:
            problems.append(
                gettext(N_("audit record {seq}: its hash does not match its content"), lang)
                .format(seq=r.seq)
            )  # fmt: skip
        previous, expected = r.hash, r.seq + 1
    return problems


@attrs.frozen
class IdempotentResponse:
    """The response given to a request with an ``Idempotency-Key``, kept for its retries.

    Attributes:
        key: the ``Idempotency-Key`` header's value.
        principal: who sent it (the token id): keys of different tokens never meet.
        body_hash: SHA-256 of the request's method, path and body; a retry with the same key
            and another body is refused.
        status: the HTTP status answered.
        body: the response body's bytes.
        created_at: when (UTC, ISO 8601).
    """

    key: str
    principal: str
    body_hash: str
    status: int
    body: bytes
    created_at: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def issue_token(
    store: LedgerStore,
    role: str,
    facility: str | None = None,
    *,
    note: str = "",
    actor: str = "cli",
    request_id: str = "",
) -> tuple[str, TokenRecord]:
    """Create a token: keep its record (the secret's hash only) and an audit record.

    Returns the secret — shown once, never kept — and the record.

    Raises:
        StoreError: ``service.token.role`` (a role not in :data:`ROLES`) or
            ``service.token.facility`` (a facility token needs a facility) or
            ``service.token.bureau`` (a bureau token takes none).
    """
    if role not in ROLES:
        raise StoreError(
            code="service.token.role", params={"value": role, "accepted": list(ROLES)},
            field="role",
        )  # fmt: skip
    if (role == "facility") != bool(facility):
        code = "service.token.facility" if role == "facility" else "service.token.bureau"
        raise StoreError(code=code, params={"role": role}, field="facility")
    secret = new_secret()
    record = TokenRecord(new_token_id(), token_hash(secret), role, facility or None, _now(),
                         note=note)  # fmt: skip
    store.add_token(record)
    store.add_audit(
        AuditRecord(0, record.created_at, "token.create", actor, actor if actor == "cli" else role,
                    facility or None, request_id, record.id, "", 0, "ok")
    )  # fmt: skip
    return secret, record


def withdraw_token(
    store: LedgerStore, token_id: str, *, actor: str = "cli", request_id: str = ""
) -> TokenRecord:
    """Revoke a valid token and record it in the audit trail; returns its record.

    Raises:
        StoreError: ``service.token.unknown`` (no such valid token).
    """
    at = _now()
    if not store.revoke_token(token_id, at):
        raise StoreError(
            code="service.token.unknown", params={"token_id": token_id}, field="token_id"
        )
    found = next(t for t in store.tokens() if t.id == token_id)
    store.add_audit(
        AuditRecord(0, at, "token.revoke", actor, "cli", found.facility, request_id, token_id,
                    "", 0, "ok")
    )  # fmt: skip
    return found
