"""JSON forms of the values the ledger store keeps, and their content hash.

Claims and persons are kept in the JSON contract's form, written and read by
:mod:`~zjj_medical.contract.inputs`; settlements are written by :meth:`Settlement.to_dict`
and read back by :func:`settlement_from_dict`.

>>> canonical_json({"b": 1, "a": "县"})
'{"a":"县","b":1}'
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.settlement import Settlement
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.money import parse_money
from zjj_medical.policy.fingerprint import text_fingerprint

__all__ = [
    "canonical_json",
    "content_hash",
    "settlement_from_dict",
]


def canonical_json(obj: Any) -> str:
    """Compact JSON with sorted keys and UTF-8 text: equal values give equal text."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(claim: Mapping[str, Any], person: Mapping[str, Any]) -> str:
    """SHA-256 of the claim and the person it is settled for, in canonical JSON.

    Two requests to settle a claim id are "the same" when this hash is equal.
    """
    return text_fingerprint(canonical_json({"claim": claim, "person": person}))


def _money(data: Mapping[str, Any], key: str) -> Decimal:
    return parse_money(data[key], key)


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
    )
