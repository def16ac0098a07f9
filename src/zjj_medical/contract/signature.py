"""The carried ledger's signature: the stateless JSON contract hands the ledger out with one
call and takes it back with the next, so a caller could edit it (zero ``paid`` to restore
cap headroom). A deployment that sets a key signs every ledger it hands out and takes back
only ledgers it signed.

The signature is HMAC-SHA256, in hex, over the ledger's canonical JSON: the object
:meth:`~zjj_medical.engine.ledger.Ledger.to_dict` writes, keys sorted, no spaces, UTF-8.
The key is the ``key=`` argument of the Python functions, else the environment variable
``ZJJ_MEDICAL_LEDGER_KEY`` (its UTF-8 bytes); with neither, nothing is signed or checked
(and a ``signature`` handed in is ignored).

>>> from zjj_medical.engine.ledger import Ledger
>>> ledger = Ledger.empty("P1", 2019)
>>> signed = signed_ledger(ledger, b"secret")
>>> signed["signature"][:16], verified_ledger(signed, b"secret") == ledger
('4fac93550a28147b', True)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

from zjj_medical.engine.ledger import Ledger
from zjj_medical.errors import LedgerMismatch

__all__ = ["KEY_VARIABLE", "ledger_key", "ledger_signature", "signed_ledger", "verified_ledger"]

#: The environment variable that holds a deployment's ledger key.
KEY_VARIABLE = "ZJJ_MEDICAL_LEDGER_KEY"


def ledger_key(key: str | bytes | None = None) -> bytes | None:
    """The key to sign with: ``key`` when given, else ``ZJJ_MEDICAL_LEDGER_KEY``; ``None``
    (no signing) when neither is set or it is empty."""
    if key is None:
        key = os.environ.get(KEY_VARIABLE)
    if isinstance(key, str):
        key = key.encode("utf-8")
    return key or None


def ledger_signature(ledger: Ledger, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the ledger's canonical JSON under ``key``."""
    canonical = json.dumps(
        ledger.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def signed_ledger(ledger: Ledger, key: bytes | None) -> dict[str, Any]:
    """The ledger's JSON form, with its ``signature`` when there is a key."""
    out = ledger.to_dict()
    if key is not None:
        out["signature"] = ledger_signature(ledger, key)
    return out


def verified_ledger(data: Mapping[str, Any], key: bytes | None) -> Ledger:
    """The ledger a document carries; with a key, only when its ``signature`` is the one
    this key gives its content (else :class:`~zjj_medical.errors.LedgerMismatch`, code
    ``ledger.signature.missing`` or ``ledger.signature.invalid``)."""
    if not isinstance(data, Mapping):
        return Ledger.from_dict(data)  # its own error: not an object
    given = data.get("signature")
    ledger = Ledger.from_dict({k: v for k, v in data.items() if k != "signature"})
    if key is None:
        return ledger
    if given is None:
        raise LedgerMismatch(
            code="ledger.signature.missing", params={"variable": KEY_VARIABLE},
            field="ledger", path="ledger.signature",
        )  # fmt: skip
    if not isinstance(given, str) or not hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), ledger_signature(ledger, key).encode("ascii")
    ):
        raise LedgerMismatch(
            code="ledger.signature.invalid", params={}, field="ledger", path="ledger.signature"
        )
    return ledger
