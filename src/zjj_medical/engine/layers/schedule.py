"""The schedule layer: a banded (or single-ratio) share of a base above a deductible.

This one rule implements basic insurance (SPEC §3.1, per admission, one band),
critical illness (§3.2, annual cumulative base, four bands), outpatient pooling
(§3.4) and any county's safety-net layers, from the layer's description:

* base ``x = max(0, of − Σ payments of the layers in minus)`` (``of`` is in_scope or total);
* per-claim accumulation: ``A0 = 0, A1 = x`` with the per-claim deductible (reduced for
  later claims in the year when the policy says so — never raised above the person's own
  deductible — and within a yearly ceiling);
  annual accumulation: ``A0`` = the year's base before this claim, ``A1 = A0 + x``,
  with the annual deductible;
* ``F(A) = Σ ratio_i × |[lo_i + s, hi_i + s) ∩ [d, A)|`` where ``s = d`` when bands are
  measured above the deductible and ``0`` when measured on the absolute amount;
* ``pay = round(F(A1)) − round(F(A0))``, then the caps, then what is left of the total.
"""

from __future__ import annotations

from decimal import Decimal

from zjj_medical.engine.layers.context import ClaimContext, LayerOutcome, apply_caps
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.engine.ledger import LayerState
from zjj_medical.money import ZERO, format_money, round_half_up
from zjj_medical.policy.model import Band, PolicyLayer

__all__ = ["band_pieces", "deductible_for_claim", "settle_schedule"]


def band_pieces(
    bands: tuple[Band, ...], deductible: Decimal, shift: Decimal, upto: Decimal
) -> list[tuple[Band, Decimal]]:
    """The part of ``[deductible, upto)`` inside each band (bands shifted by ``shift``).

    >>> from decimal import Decimal as D
    >>> bands = (Band(D(0), D(30000), D("0.6")), Band(D(30000), None, D("0.65")))
    >>> [str(p) for _, p in band_pieces(bands, D(10000), D(10000), D(50000))]
    ['30000', '10000']
    """
    out = []
    for band in bands:
        lo = max(band.lower + shift, deductible)
        hi = upto if band.upper is None else min(band.upper + shift, upto)
        out.append((band, max(ZERO, hi - lo)))
    return out


def deductible_for_claim(
    layer: PolicyLayer, res: Resolved, ctx: ClaimContext, state: LayerState
) -> tuple[Decimal, str]:
    """The per-claim deductible after the repeat-claim rule and the yearly ceiling."""
    d = res.deductible
    note = ""
    rule = layer.repeat
    if rule is not None and rule.active(ctx.date):
        if rule.count == "same_tier":
            earlier = state.claims.get(ctx.tier, 0)
        else:
            earlier = sum(state.claims.values())
        n = earlier + 1
        if n >= 2:
            # A reduction for later claims never raises the deductible: a deductible
            # already waived or lowered for the person (a modifier) stays as low.
            if rule.op == "multiply":
                d = round_half_up(d * rule.value)
            elif rule.op == "set":
                d = min(d, rule.value)
            else:
                d = min(d, max(rule.floor or ZERO, d - rule.value * (n - 1)))
            note = f"claim no. {n} this year ({rule.count.replace('_', ' ')}): {rule.description}"
    if res.ceiling is not None:
        room = max(ZERO, res.ceiling - state.deductible)
        if d > room:
            d = room
            note = (note + "; " if note else "") + (
                f"deductibles borne this year reach the ceiling {format_money(res.ceiling)}"
            )
    return d, note


def settle_schedule(layer: PolicyLayer, res: Resolved, ctx: ClaimContext) -> LayerOutcome:
    """Pay one claim under a schedule layer (see the module docstring for the formula)."""
    state = ctx.state(layer.id)
    of = ctx.in_scope if layer.base_of == "in_scope" else ctx.total
    x = max(ZERO, of - sum((ctx.payments.get(m, ZERO) for m in layer.base_minus), ZERO))
    notes = []
    if layer.accumulation == "claim":
        d, note = deductible_for_claim(layer, res, ctx, state)
        if note:
            notes.append(note)
        a0, a1 = ZERO, x
        borne = min(d, x)
    else:
        d = res.deductible
        a0, a1 = state.base, state.base + x
        borne = min(max(ZERO, d - a0), x)
    shift = d if layer.measured == "above_deductible" else ZERO
    pieces1 = band_pieces(res.bands, d, shift, a1)
    pieces0 = band_pieces(res.bands, d, shift, a0) if a0 else None
    f1 = round_half_up(sum((b.ratio * p for b, p in pieces1), ZERO))
    f0 = round_half_up(sum((b.ratio * p for b, p in pieces0), ZERO)) if pieces0 else ZERO
    raw = f1 - f0
    amount, caps, binding = apply_caps(raw, res.caps, layer, ctx)
    if amount < raw:
        notes.append(f"limited from {format_money(raw)} by: " + "; ".join(binding))
    if raw == 0:
        if all(b.ratio == 0 for b in res.bands):
            param = layer.ratio or layer.bands
            why = f" ({param.reason})" if param is not None and param.reason else ""
            notes.append(f"the ratio is 0{why}")
        elif a1 <= d:
            notes.append("the base does not exceed the deductible")
        else:
            notes.append("nothing to pay on this base")
    inputs: dict[str, object] = {
        "base": x,
        "deductible": d,
        "deductible_borne": borne,
    }
    if layer.accumulation == "year":
        inputs["cumulative_before"] = a0
        inputs["cumulative_after"] = a1
    if len(res.bands) == 1 and res.bands[0].lower == 0 and res.bands[0].upper is None:
        inputs["ratio"] = str(res.bands[0].ratio)
    else:
        inputs["measured"] = layer.measured
        inputs["bands"] = [
            {
                "from": b.lower + shift,
                "to": None if b.upper is None else b.upper + shift,
                "ratio": str(b.ratio),
                "this_claim": p1 - (pieces0[i][1] if pieces0 else ZERO),
            }
            for i, (b, p1) in enumerate(pieces1)
        ]
    inputs["computed"] = raw
    if caps:
        inputs["caps"] = caps
    if res.uncapped:
        inputs["cap"] = "none (上不封顶)"
    new_state = state.after_claim(base=x, paid=amount, deductible=borne, tier=ctx.tier)
    return LayerOutcome(amount, new_state, inputs, "; ".join(notes), tuple(binding))
