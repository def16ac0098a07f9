"""The service's OpenAPI 3.1 document: the JSON contract's own schema files as its components.

The request and response bodies of the settle, pre-settle and platform endpoints are the
shipped JSON Schemas (``zjj_medical/contract/*.schema.json``), each made a component; its
``$defs`` become components of their own (``SettlementInput_claim`` …) and its references
point at them. The other bodies and the problem details are described here.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

__all__ = ["CONTRACT_SCHEMAS", "SERVICE_SCHEMAS", "components", "json_body", "problem_responses"]

#: Component name → the contract's schema file.
CONTRACT_SCHEMAS = {
    "SettlementInput": "settlement-input.schema.json",
    "SettlementOutput": "settlement-output.schema.json",
    "PlatformRequest": "settlement-nhsa-request.schema.json",
    "PlatformOutput": "settlement-nhsa.schema.json",
}

_OBJECT: dict[str, Any] = {"type": "object"}
_TEXT: dict[str, Any] = {"type": "string"}
_NULLABLE_TEXT: dict[str, Any] = {"type": ["string", "null"]}

#: The bodies the contract's files do not describe.
SERVICE_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem details (RFC 9457)",
        "type": "object",
        "required": ["type", "title", "status", "detail", "code", "claim_id", "field"],
        "properties": {
            "type": {"type": "string", "description": "urn:zjj-medical:problem:<code>"},
            "title": _TEXT,
            "status": {"type": "integer"},
            "detail": _TEXT,
            "code": {"type": "string", "description": "the stable error code"},
            "error_type": _TEXT,
            "claim_id": _NULLABLE_TEXT,
            "field": _NULLABLE_TEXT,
            "params": _OBJECT,
            "path": _TEXT,
        },
    },
    "StoredSettlement": {
        "type": "object",
        "required": [
            "settlement",
            "ledger",
            "claim",
            "person",
            "content_hash",
            "policy_id",
            "policy_version",
            "facility",
            "seq",
            "settled_at",
            "posting_note",
        ],
        "properties": {
            "settlement": {"$ref": "#/components/schemas/SettlementOutput_settlement"},
            "ledger": {"$ref": "#/components/schemas/SettlementOutput_ledger"},
            "claim": _OBJECT,
            "person": _OBJECT,
            "content_hash": _TEXT,
            "policy_id": _TEXT,
            "policy_version": _TEXT,
            "facility": _TEXT,
            "seq": {"type": "integer"},
            "settled_at": _TEXT,
            "posting_note": _TEXT,
        },
    },
    "PersonYear": {
        "type": "object",
        "required": ["person_id", "year", "ledger", "settlements"],
        "properties": {
            "person_id": _TEXT,
            "year": {"type": "integer"},
            "ledger": {"$ref": "#/components/schemas/SettlementOutput_ledger"},
            "settlements": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/StoredSettlement"},
            },
        },
    },
    "Reversal": {
        "type": "object",
        "required": [
            "reversal_id",
            "claim_id",
            "person_id",
            "year",
            "refund",
            "adjustments",
            "net",
        ],
        "properties": {
            "reversal_id": {"type": "integer"},
            "claim_id": _TEXT,
            "person_id": _TEXT,
            "year": {"type": "integer"},
            "refund": _OBJECT,
            "adjustments": {"type": "array", "items": _OBJECT},
            "net": _OBJECT,
        },
    },
    "PlatformReverse": {
        "type": "object",
        "required": ["mdtrt_id"],
        "additionalProperties": False,
        "properties": {"mdtrt_id": {"type": "string", "minLength": 1}, "psn_no": _TEXT},
    },
    "PolicyList": {
        "type": "object",
        "required": ["settling", "builtin"],
        "properties": {
            "settling": {"type": "array", "items": _OBJECT},
            "builtin": {"type": "array", "items": _OBJECT},
        },
    },
    "PolicyParameters": {
        "type": "object",
        "required": ["id", "name", "date", "params"],
        "properties": {
            "id": _TEXT,
            "name": _TEXT,
            "date": _TEXT,
            "params": {"type": "array", "items": _OBJECT},
        },
    },
    "Reconciliation": {
        "type": "object",
        "required": ["date", "facility", "rows"],
        "properties": {
            "date": _TEXT,
            "facility": _NULLABLE_TEXT,
            "rows": {"type": "array", "items": _OBJECT},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ok"]}},
    },
}


def _contract(name: str, file: str) -> dict[str, Any]:
    """A schema file as components: itself and its ``$defs``, references rewritten."""
    text = resources.files("zjj_medical.contract").joinpath(file).read_text("utf-8")
    schema = json.loads(text)
    defs = schema.pop("$defs", {})
    schema.pop("$schema", None)
    schema.pop("$id", None)

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: rewrite(v) for k, v in value.items()}
            ref = out.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                out["$ref"] = f"#/components/schemas/{name}_{ref[len('#/$defs/') :]}"
            return out
        if isinstance(value, list):
            return [rewrite(v) for v in value]
        return value

    found = {name: rewrite(schema)}
    found.update({f"{name}_{key}": rewrite(value) for key, value in defs.items()})
    return found


def components() -> dict[str, Any]:
    """Every schema component: the contract's files, then the service's own bodies."""
    out: dict[str, Any] = {}
    for name, file in CONTRACT_SCHEMAS.items():
        out.update(_contract(name, file))
    out.update(copy.deepcopy(SERVICE_SCHEMAS))
    return out


def json_body(component: str) -> dict[str, Any]:
    """A JSON body of a component (for ``requestBody`` or a response's ``content``)."""
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}


_WHY = {
    400: "The body is not JSON the service reads (syntax, depth, a key twice, encoding), or"
    " a query parameter or header is not accepted.",
    401: "No valid access token.",
    403: "The token may not do this (its role, or another facility's claim).",
    404: "Nothing stored (or no such policy).",
    409: "The claim id (or Idempotency-Key) is stored with other content.",
    413: "The body is larger than the service accepts.",
    422: "The document cannot be settled as sent (the error names the claim and field).",
    503: "The request was not handled in time, or the ledger store cannot be used now.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented problem responses of an operation."""
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {s: {"description": _WHY[s], "content": content} for s in statuses}
