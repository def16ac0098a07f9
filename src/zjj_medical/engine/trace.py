"""The explanation trace: one entry per layer, saying what it paid and why."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from zjj_medical.money import format_money

__all__ = ["TraceEntry"]


def _inputs(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(value if isinstance(value, dict) else dict(value))


def _json(value: Any) -> Any:
    """Money ``Decimal`` → two-decimal text; lists and dicts recursively; the rest as is."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


@attrs.frozen
class TraceEntry:
    """What one layer paid for a claim, the clause it applied and the inputs it used.

    Attributes:
        layer: the layer id (``basic_insurance`` …).
        name: the layer's Chinese name (基本医疗保险 …).
        amount: what the layer paid.
        clause: the source clauses applied, quoted.
        inputs: the values that produced the amount (base, deductible, ratio, bands,
            cap remaining …). Money is held as ``Decimal`` and ratios as text;
            :meth:`formatted_inputs` gives the JSON form.
        note: why the layer paid what it paid, in words (e.g. why it paid 0).
    """

    layer: str
    name: str
    amount: Decimal
    clause: str
    inputs: Mapping[str, Any] = attrs.field(factory=dict, converter=_inputs)
    note: str = ""

    def formatted_inputs(self) -> dict[str, Any]:
        """The inputs as JSON-ready values: money as two-decimal text."""
        return {k: _json(v) for k, v in self.inputs.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the entry."""
        return {
            "layer": self.layer,
            "name": self.name,
            "amount": format_money(self.amount),
            "clause": self.clause,
            "inputs": self.formatted_inputs(),
            "note": self.note,
        }
