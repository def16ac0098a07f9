"""Errors as RFC 9457 problem details (``application/problem+json``).

Every refusal of the service is a library error (:mod:`zjj_medical.errors`) with its stable
code; the body is built from it: ``type`` (``urn:zjj-medical:problem:<code>``), ``title``
(what the code means), ``status``, ``detail`` (the message from the catalog), and the error's
own ``code``, ``claim_id``, ``field``, ``params`` (and ``path`` when there is one).

>>> from zjj_medical.errors import UnknownClaim
>>> body = problem_body(UnknownClaim(code="store.claim.unknown", params={"claim_id": "C9"},
...                                  claim_id="C9", field="id"))
>>> body["status"], body["code"], body["detail"]
(404, 'store.claim.unknown', 'claim C9: not in the ledger store')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from zjj_medical.errors import (
    DuplicateClaim,
    LedgerMismatch,
    PolicyError,
    PolicyNotInForce,
    ReimbursementError,
    StoreError,
    UnknownClaim,
)
from zjj_medical.messages.en import meaning

__all__ = ["PROBLEM_TYPE", "ServiceError", "problem_body", "problem_bytes", "status_of"]

#: The ``type`` of a problem: this prefix and the error's code.
PROBLEM_TYPE = "urn:zjj-medical:problem:"


class ServiceError(ReimbursementError):
    """A request the service refuses for a reason of its own (no token, a role, a bound)."""

    generic_code = "service.input"


#: Service codes → status.
_BY_CODE: Mapping[str, int] = {
    "service.auth.missing": 401,
    "service.auth.invalid": 401,
    "service.role": 403,
    "service.claim.forbidden": 403,
    "service.person.forbidden": 403,
    "service.facility.other": 403,
    "service.facility.missing": 403,
    "service.person.unknown": 404,
    "service.policy.unknown": 404,
    "service.policy.not_in_force": 404,
    "service.not_found": 404,
    "service.method": 405,
    "service.query": 400,
    "service.body.json": 400,
    "service.idempotency.key": 400,
    "service.body.size": 413,
    "document.size": 413,
    "service.input": 422,
    "service.timeout": 503,
    "service.unavailable": 503,
    "service.internal": 500,
}
#: The JSON reader's refusals: the body is not JSON the service reads.
_UNREADABLE = ("document.encoding", "document.depth", "document.key.", "document.text.")


def status_of(exc: ReimbursementError) -> int:
    """The HTTP status of an error.

    >>> status_of(DuplicateClaim(code="store.claim.taken", params={"claim_id": "C1"}))
    409
    """
    if exc.code in _BY_CODE:
        return _BY_CODE[exc.code]
    if exc.code.startswith(_UNREADABLE):
        return 400
    if isinstance(exc, DuplicateClaim):
        return 409
    if isinstance(exc, UnknownClaim):
        return 404
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, PolicyError | PolicyNotInForce | LedgerMismatch):
        return 422
    return 422  # InvalidClaim and the rest: the document cannot be settled as sent


def problem_body(exc: ReimbursementError, lang: str = "en") -> dict[str, Any]:
    """The problem details of an error: ``title`` (what its code means) and ``detail`` in
    ``lang``, English as the fallback.

    >>> from zjj_medical.errors import UnknownClaim
    >>> problem_body(UnknownClaim(code="store.claim.unknown", params={"claim_id": "C9"}), "zh")["title"]
    '台账库无法使用，或没有该理赔'
    """
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + exc.code,
        "title": meaning(exc.code, lang) or type(exc).__name__,
        "status": status_of(exc),
    }
    error = exc.to_dict(lang)  # the contract's error: its message is the problem's detail
    body["detail"] = error.pop("message")
    body["error_type"] = error.pop("type")
    body.update(error)  # code, claim_id, field, params and path when there is one
    return body


def problem_bytes(exc: ReimbursementError, lang: str = "en") -> bytes:
    """The problem details as UTF-8 JSON bytes (a lone surrogate an error names is escaped)."""
    body = problem_body(exc, lang)
    try:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, ensure_ascii=True).encode("utf-8")
