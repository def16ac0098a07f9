"""What every layer sees of the claim being settled, and the caps they share.

Layers have one signature (like structlog processors)::

    layer_function(layer, resolved, ctx) -> LayerOutcome

and are chained in policy order by :mod:`zjj_medical.engine.settlement`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from zjj_medical.engine.layers.resolve import CapLimit
from zjj_medical.engine.ledger import LayerState
from zjj_medical.money import ZERO
from zjj_medical.policy.model import PolicyLayer

__all__ = ["ClaimContext", "LayerOutcome", "apply_caps"]


_EMPTY = LayerState()


@attrs.define
class ClaimContext:
    """The claim in the chain: its amounts, this claim's payments so far, the running year."""

    date: dt.date
    tier: str
    total: Decimal
    in_scope: Decimal
    payments: dict[str, Decimal]
    states: dict[str, LayerState]

    def state(self, layer_id: str) -> LayerState:
        """The running accumulators of a layer for the person-year."""
        return self.states.get(layer_id) or _EMPTY

    def earlier(self) -> Decimal:
        """What the earlier layers have paid on this claim."""
        return sum(self.payments.values(), ZERO)

    def left(self) -> Decimal:
        """What is left of the claim's total after the earlier layers (never negative)."""
        return max(ZERO, self.total - self.earlier())


@attrs.frozen
class LayerOutcome:
    """A layer's payment, its new year accumulators, trace inputs and note."""

    amount: Decimal
    state: LayerState
    inputs: dict[str, object]
    note: str
    clauses: tuple[str, ...] = ()


def apply_caps(
    amount: Decimal, caps: tuple[CapLimit, ...], layer: PolicyLayer, ctx: ClaimContext
) -> tuple[Decimal, list[dict[str, object]], list[str]]:
    """Limit ``amount`` by every cap in force (own and shared), then by what is left of the total.

    Returns the limited amount, the caps as trace inputs, and the clauses of the caps
    that bound.
    """
    shown: list[dict[str, object]] = []
    binding: list[str] = []
    for cap in caps:
        layers = cap.shared or (layer.id,)
        if cap.per == "year":
            used = sum((ctx.state(x).paid for x in layers), ZERO)
        elif cap.shared:
            used = sum((ctx.payments.get(x, ZERO) for x in layers), ZERO)
        else:
            used = ZERO
        remaining = max(ZERO, cap.amount - used)
        shown.append({
            "cap": cap.amount, "per": cap.per, "remaining": remaining,
            **({"shared_by": ",".join(cap.shared), "id": cap.id} if cap.shared else {}),
        })  # fmt: skip
        if amount > remaining:
            amount = remaining
            binding.append(cap.reference)
    left = ctx.left()
    if amount > left:
        amount = left
        binding.append("no layer pays more than what is left of the claim's total (SPEC §4)")
    return amount, shown, binding
