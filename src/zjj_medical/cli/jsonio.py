"""JSON in and out for the commands: exact numbers in, errors in the contract's shape out."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from zjj_medical.errors import ReimbursementError, problem_of

__all__ = ["error_json", "loads_json"]


def loads_json(text: str) -> Any:
    """Parse JSON with numbers read as ``Decimal``, so ``"total": 12.34`` stays exactly 12.34."""
    return json.loads(text, parse_float=Decimal)


def error_json(exc: ReimbursementError | ValueError) -> dict[str, Any]:
    """``{"error": {type, message, claim_id, field, code, params[, path]}}`` for a library
    error; ``{"error": {type, message, claim_id, field}}`` for input that is not JSON
    (with ``code`` and ``params`` when the ``ValueError`` carries them)."""
    if isinstance(exc, ReimbursementError):
        return {"error": exc.to_dict()}
    error: dict[str, Any] = {
        "type": type(exc).__name__, "message": str(exc), "claim_id": None, "field": None,
    }  # fmt: skip
    found = problem_of(exc)
    if found is not None:
        error["code"], error["params"] = found
    return {"error": error}
