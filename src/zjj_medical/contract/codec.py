"""JSON forms of the values the ledger store keeps, and their versioned content hash.

Claims and persons are kept in the JSON contract's form, written and read by
:mod:`~zjj_medical.contract.inputs`; settlements are written by :meth:`Settlement.to_dict`
and read back by :func:`settlement_from_dict`.

**The content hash** says whether a retried request to settle a claim id is the request
that was stored (the stored settlement is handed back) or another one
(:class:`~zjj_medical.errors.DuplicateClaim`). It is the SHA-256 of
``{"claim": …, "person": …}`` in :func:`canonical_json`, and it names its version:

* ``sha256:<hex>`` — version 1: the claim and person objects as written today (every record
  stored before hashes were versioned is version 1, and its hash is unchanged);
* ``v<N>:sha256:<hex>`` — version N ≥ 2, written once a field is added to the claim or the
  person (fee lines, for one).

Version N hashes only the fields version N knows. A field added in a later version is left
out when it holds its "not given" value, so a claim that does not use it hashes at the older
version exactly as before; a claim that does use it differs from every record of an older
version. On a retry the stored hash's version is read (:func:`hash_version`) and the request
is hashed at that version (:func:`same_content`), so upgrading the library never turns the
retry of a claim stored before the upgrade into a ``DuplicateClaim``. Adding a field means:
raise :data:`HASH_VERSION` and list the field, with its version and its "not given" value,
in ``_LATER_CLAIM_FIELDS`` (or ``_LATER_PERSON_FIELDS``).

>>> canonical_json({"b": 1, "a": "县"})
'{"a":"县","b":1}'
>>> claim = {"id": "C1", "total": "1.00"}
>>> digest = content_hash(claim, {"id": "P1"})
>>> digest.startswith("sha256:"), hash_version(digest), same_content(digest, claim, {"id": "P1"})
(True, 1, True)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.lines import LineSplit
from zjj_medical.engine.settlement import Settlement
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.money import parse_money
from zjj_medical.policy.fingerprint import text_fingerprint

__all__ = [
    "HASH_VERSION",
    "canonical_json",
    "content_hash",
    "hash_version",
    "same_content",
    "settlement_from_dict",
]


def canonical_json(obj: Any) -> str:
    """Compact JSON with sorted keys and UTF-8 text: equal values give equal text."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


#: The version of the content hash written for new records.
HASH_VERSION = 1
#: Claim fields added after version 1: name → (the version that added it, its "not given"
#: value, which older versions leave out of the hash). None yet.
_LATER_CLAIM_FIELDS: dict[str, tuple[int, Any]] = {}
#: Person fields added after version 1, likewise.
_LATER_PERSON_FIELDS: dict[str, tuple[int, Any]] = {}


def hash_version(digest: str) -> int:
    """The version a content hash names: ``sha256:…`` is 1, ``v<N>:sha256:…`` is N.

    >>> hash_version("sha256:ab"), hash_version("v2:sha256:ab")
    (1, 2)
    """
    head, sep, rest = digest.partition(":")
    if head == "sha256" and sep:
        return 1
    if head[:1] == "v" and head[1:].isdigit() and rest.startswith("sha256:"):
        version = int(head[1:])
        if version >= 2:
            return version
    raise ValueError(f"content hash {digest[:40]!r}: not sha256:<hex> or v<N>:sha256:<hex>")


def _as_of(
    obj: Mapping[str, Any], later: Mapping[str, tuple[int, Any]], version: int
) -> dict[str, Any] | None:
    """The object as version ``version`` hashes it; None when it uses a later field."""
    out = dict(obj)
    for name, (added, not_given) in later.items():
        if added > version and name in out:
            if out[name] != not_given:
                return None
            del out[name]
    return out


def _digest(claim: Mapping[str, Any], person: Mapping[str, Any], version: int) -> str | None:
    if not 1 <= version <= HASH_VERSION:
        raise ValueError(f"content hash version {version}: this library writes 1 to {HASH_VERSION}")
    claim_v = _as_of(claim, _LATER_CLAIM_FIELDS, version)
    person_v = _as_of(person, _LATER_PERSON_FIELDS, version)
    if claim_v is None or person_v is None:
        return None
    digest = text_fingerprint(canonical_json({"claim": claim_v, "person": person_v}))
    return digest if version == 1 else f"v{version}:{digest}"


def content_hash(
    claim: Mapping[str, Any], person: Mapping[str, Any], version: int | None = None
) -> str:
    """The content hash of a claim and the person it is settled for, at ``version``
    (``None``: :data:`HASH_VERSION`, the one written for new records); see the module's
    docstring.

    Raises ``ValueError`` for a version this library does not know, or when the claim or
    person uses a field added after ``version``.
    """
    version = HASH_VERSION if version is None else version
    digest = _digest(claim, person, version)
    if digest is None:
        raise ValueError(f"content hash version {version}: the claim or person uses a later field")
    return digest


def same_content(stored: str, claim: Mapping[str, Any], person: Mapping[str, Any]) -> bool:
    """Whether a request (claim and person in the contract's form) is the one stored with the
    content hash ``stored``: the request is hashed at the stored hash's version.

    A hash of a version newer than this library (written by a later release) is never the
    same content.
    """
    try:
        version = hash_version(stored)
        if version > HASH_VERSION:
            return False
        return _digest(claim, person, version) == stored
    except ValueError:
        return False


def _money(data: Mapping[str, Any], key: str) -> Decimal:
    return parse_money(data[key], key)


_SPLIT = ("fulamt_ownpay", "overlmt_selfpay", "preselfpay", "inscp")


def settlement_from_dict(data: Mapping[str, Any], ledger: Ledger, policy_id: str) -> Settlement:
    """Read back a settlement written by ``Settlement.to_dict()`` (with its trace).

    Trace inputs come back in their JSON form (money as two-decimal text).
    """
    ratio = data["actual_ratio"]
    trace = tuple(
        TraceEntry(
            e["layer"], e["name"], _money(e, "amount"), e["clause"], dict(e["inputs"]), e["note"]
        )
        for e in data.get("trace", [])
    )
    return Settlement(
        claim_id=data["claim_id"],
        kind=data["kind"],
        date=dt.date.fromisoformat(data["date"]),
        in_county=bool(data["in_county"]),
        pay_later=bool(data["pay_later"]),
        total=_money(data, "total"),
        in_scope=_money(data, "in_scope"),
        payments={k: parse_money(v, f"payments.{k}") for k, v in data["payments"].items()},
        reimbursed=_money(data, "reimbursed"),
        patient_pay=_money(data, "patient_pay"),
        actual_ratio=None if ratio is None else Decimal(ratio),
        trace=trace,
        ledger=ledger,
        policy_id=policy_id,
        split=None
        if data.get("split") is None
        else LineSplit(**{k: _money(data["split"], k) for k in _SPLIT}),
    )
