"""The target layer: tops a claim's reimbursement up to a share of its cost.

Implements the fiscal backstop (财政兜底, SPEC §3.3): for a registered poor
person's in-county inpatient claim, ``target = round(ratio × total)`` and
``pay = max(0, target − Σ earlier layers)``, within caps and what is left of the
total. The base (``total`` or ``in_scope``) is the layer's ``target.of``.
"""

from __future__ import annotations

from zjj_medical.engine.layers.context import ClaimContext, LayerOutcome, apply_caps
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.money import ZERO, format_money, round_half_up
from zjj_medical.policy.model import PolicyLayer

__all__ = ["settle_target"]


def settle_target(layer: PolicyLayer, res: Resolved, ctx: ClaimContext) -> LayerOutcome:
    """Pay the top-up to the target share."""
    assert res.target_ratio is not None
    of = ctx.total if layer.target_of == "total" else ctx.in_scope
    target = round_half_up(res.target_ratio * of)
    earlier = ctx.earlier()
    raw = max(ZERO, target - earlier)
    amount, caps, binding = apply_caps(raw, res.caps, layer, ctx)
    note = f"earlier layers already reach the target {format_money(target)}" if raw == 0 else ""
    if amount < raw:
        note = f"limited from {format_money(raw)} by: " + "; ".join(binding)
    inputs: dict[str, object] = {
        "target_of": layer.target_of,
        "base": of,
        "target_ratio": str(res.target_ratio),
        "target": target,
        "earlier_layers": earlier,
    }
    if caps:
        inputs["caps"] = caps
    new_state = ctx.state(layer.id).after_claim(base=of, paid=amount, tier=ctx.tier)
    return LayerOutcome(amount, new_state, inputs, note, tuple(binding))
