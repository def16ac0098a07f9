"""The schedule layer type: a banded (or single-ratio) share of a base above a deductible.

This one type implements basic insurance (per admission, one band), critical illness
(annual cumulative base, four bands), outpatient pooling and any county's safety-net
layers, from the layer's description:

* base ``x = max(0, of − Σ payments of the layers in minus)`` (``of`` is in_scope or total);
* per-claim accumulation: ``A0 = 0, A1 = x`` with the per-claim deductible (reduced for
  later claims in the year when the policy says so: the repeat rule reduces the table's
  deductible and the lower of that and the person's own applies, so it never stacks on a
  modifier's reduction nor raises the deductible — and within a yearly ceiling);
  annual accumulation: ``A0`` = the year's base before this claim, ``A1 = A0 + x``,
  with the annual deductible;
* ``F(A) = Σ ratio_i × |[lo_i + s, hi_i + s) ∩ [d, A)|`` where ``s = d`` when bands are
  measured above the deductible and ``0`` when measured on the absolute amount;
* ``pay = round(F(A1)) − round(F(A0))``, then the caps, then what is left of the total.

:func:`kernel` is that arithmetic in integer fen, run by both evaluators;
:func:`trace` turns one claim's kernel result into the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs

from zjj_medical.engine.layers.kernel import (
    Books,
    CapSlot,
    Num,
    Ops,
    apply_caps,
    band_value,
    mul_round,
)
from zjj_medical.engine.layers.numbers import REPEAT_OPS, Numbers
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.money import ZERO, format_money, from_fen
from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.layer_reader import read_base, read_repeat
from zjj_medical.policy.model import Param, Policy, PolicyLayer
from zjj_medical.policy.reader import Reader, show

__all__ = ["KEYS", "ScheduleOutcome", "SchedulePlan", "how", "kernel", "plan", "read", "trace"]

#: The keys a schedule layer takes beyond those every layer has.
KEYS = frozenset({
    "base", "accumulation", "deductible", "deductible_repeat", "deductible_ceiling",
    "ratio", "bands",
})  # fmt: skip


def read(
    r: Reader, m: Mapping[str, Any], path: str, earlier: list[str], common: PolicyLayer
) -> PolicyLayer:
    """Read a schedule layer's own keys (the format reference's "schedule" keys)."""
    accumulation = m.get("accumulation", "claim")
    if accumulation not in ("claim", "year"):
        r.fail(f"{path}.accumulation", "policy.per", shown=show(accumulation))
    if ("ratio" in m) == ("bands" in m):
        r.fail(path, "policy.layer.ratio_or_bands")
    ratio = r.param(m["ratio"], f"{path}.ratio", "ratio") if "ratio" in m else None
    bands = measured = None
    if "bands" in m:
        bands = r.param(m["bands"], f"{path}.bands", "bands", extra={"measured"})
        measured = m["bands"].get("measured", "above_deductible")
        if measured not in ("above_deductible", "absolute"):
            r.fail(f"{path}.bands.measured", "policy.layer.measured", shown=show(measured))
    deductible = (
        r.param(m["deductible"], f"{path}.deductible", "money") if "deductible" in m else None
    )
    repeats: tuple[Any, ...] = ()
    ceiling = None
    if "deductible_repeat" in m:
        if accumulation != "claim":
            r.fail(f"{path}.deductible_repeat", "policy.layer.repeat.year")
        repeats = read_repeat(r, m["deductible_repeat"], f"{path}.deductible_repeat")
    if "deductible_ceiling" in m:
        if accumulation != "claim":
            r.fail(f"{path}.deductible_ceiling", "policy.layer.ceiling.year")
        ceiling = r.param(m["deductible_ceiling"], f"{path}.deductible_ceiling", "money")
    if bands is not None and deductible is not None:
        _check_band_start(r, bands, deductible, measured == "absolute")
    return attrs.evolve(
        common, **read_base(r, m, path, earlier), accumulation=accumulation,
        deductible=deductible, repeats=repeats, deductible_ceiling=ceiling, ratio=ratio,
        bands=bands, measured=measured or "above_deductible",
    )  # fmt: skip


def _check_band_start(r: Reader, bands: Param, deductible: Param, absolute: bool) -> None:
    """Bands that look measured the other way round from what ``measured`` says.

    Measured above the deductible, a first band starting exactly at the deductible was
    written on the absolute amount (16,000–30,000 with a deductible of 16,000 would pay from
    32,000): refused. Measured on the absolute amount, a first band starting below the
    deductible pays nothing below it: a warning. So is a first band measured above the
    deductible that starts above 0 (nothing is paid between the deductible and that start).
    """
    days = sorted({d for d, _ in bands.values} | {d for d, _ in deductible.values})
    for day in days:
        raw, d_raw = bands.raw_at(day), deductible.raw_at(day)
        if not isinstance(raw, tuple) or isinstance(d_raw, _NotInForce):
            continue  # bands by a fact are left to the author; nothing in force yet
        amounts = d_raw.values() if isinstance(d_raw, Mapping) else [d_raw]
        lower = raw[0].lower
        start = max(x for x, _ in bands.values if x <= day)
        where = f"{bands.path}.values.{start}[0]"
        deductibles = sorted(a for a in amounts if isinstance(a, Decimal))
        if not absolute and lower > 0 and lower not in deductibles:
            # a gap above the deductible is allowed, but rarely meant
            r.warn(f"{where}.from", "policy.warn.bands_gap", lower=lower, value=str(day))
            return
        for d in deductibles:
            if not absolute and lower > 0 and lower == d:
                r.fail(f"{where}.from", "policy.bands.absolute_from", lower=lower, deductible=d)
            if absolute and lower < d:
                r.warn(
                    where, "policy.warn.bands_below_deductible",
                    lower=lower, deductible=d, value=str(day),
                )  # fmt: skip
                return


@attrs.frozen
class SchedulePlan:
    """A schedule layer's shape, with the layers it reads as indices into the policy's layers."""

    index: int
    of_total: bool
    minus: tuple[int, ...]
    year: bool
    absolute: bool
    slots: tuple[CapSlot, ...]
    ceiling: bool  # the layer has a yearly deductible ceiling
    #: The operations and the counts of the layer's repeat rules (empty without one).
    repeat_ops: tuple[Literal["multiply", "set", "step"], ...] = ()
    repeat_counts: tuple[Literal["same_tier", "any_tier"], ...] = ()
    #: The slot of each cap, by ``(per, ids of the layers sharing it)``.
    slot_of: dict[tuple[str, tuple[str, ...]], int] = attrs.field(factory=dict, eq=False)


def plan(layer: PolicyLayer, policy: Policy, slots: tuple[CapSlot, ...]) -> SchedulePlan:
    """The layer's shape for the kernel."""
    index = {x.id: j for j, x in enumerate(policy.layers)}
    rules = layer.repeats
    return SchedulePlan(
        index=index[layer.id],
        of_total=layer.base_of == "total",
        minus=tuple(index[m] for m in layer.base_minus),
        year=layer.accumulation == "year",
        absolute=layer.measured == "absolute",
        slots=slots,
        ceiling=layer.deductible_ceiling is not None,
        repeat_ops=tuple(op for op in REPEAT_OPS if any(x.op == op for x in rules)),
        repeat_counts=tuple(
            c for c in ("same_tier", "any_tier") if any(x.count == c for x in rules)
        ),
        slot_of=slot_index(slots, policy),
    )


@attrs.define
class ScheduleOutcome:
    """What the kernel computed for a claim (ints) or a round of claims (arrays), in fen."""

    amount: Num  # paid
    raw: Num  # F(A1) − F(A0), before caps
    base: Num  # x, added to the year's base
    deductible: Num  # the deductible applied to this claim
    borne: Num  # the part of it this claim bore
    nth: Num  # this claim's number for the repeat rule (0 without one)
    reduced: Num  # the repeat rule lowered the deductible
    ceiling_bound: Num  # the yearly ceiling lowered it
    a0: Num
    a1: Num
    shift: Num
    pieces0: list[Num]
    pieces1: list[Num]
    used: list[Num]  # what each cap slot had used before this payment


def _claim_deductible(
    ops: Ops, p: SchedulePlan, num: Numbers, books: Books, scale: int
) -> tuple[Num, Num, Num, Num]:
    """The per-claim deductible after the repeat-claim rule and the yearly ceiling.

    Returns the deductible, the claim's number, whether the repeat rule lowered it and
    whether the ceiling did. Which rule applies (if any) is a fact of the claim's group,
    resolved with its numbers (``num.repeat``, ``num.repeat_op`` …). The rule reduces the
    table's deductible (``num.deductible_table``; the person's own when a modifier raised
    it), and the lower of the result and the person's own deductible applies: a reduction
    by a modifier (students pay half) and the repeat reduction (half from the second
    admission) do not stack, and a deductible waived for the person stays waived.
    """
    d = num.deductible
    nth: Num = 0
    reduced: Num = False
    if p.repeat_ops:
        counts = [books.count(p.index, c == "same_tier") for c in p.repeat_counts]
        if len(counts) == 1:
            nth = counts[0] + 1
        else:  # same_tier first, then any_tier (the plan's order)
            nth = ops.where(num.repeat_same_tier, counts[0], counts[1]) + 1
        later = num.repeat & (nth >= 2)
        top = ops.maximum(num.deductible_table, d)
        changed: Num = d
        for op in p.repeat_ops:
            if op == "multiply":
                value = mul_round(top, num.repeat_factor, scale)
            elif op == "set":
                value = num.repeat_value
            else:
                value = ops.maximum(top - num.repeat_value * (nth - 1), num.repeat_floor)
            if len(p.repeat_ops) == 1:
                changed = value
            else:
                changed = ops.where(num.repeat_op == REPEAT_OPS.index(op), value, changed)
        reduced = later
        d = ops.where(later, ops.minimum(d, changed), d)
    ceiling_bound: Num = False
    if p.ceiling:
        room = ops.maximum(num.ceiling - books.borne(p.index), 0)
        ceiling_bound = d > room
        d = ops.minimum(d, room)
    return d, nth, reduced, ceiling_bound


def kernel(ops: Ops, p: SchedulePlan, num: Numbers, books: Books, scale: int) -> ScheduleOutcome:
    """Pay a claim (or a round of claims) under a schedule layer (the module's formula)."""
    x = books.total if p.of_total else books.in_scope
    for m in p.minus:
        x = x - books.pay(m)
    x = ops.maximum(x, 0)
    nth: Num = 0
    reduced: Num = False
    ceiling_bound: Num = False
    if p.year:
        d = num.deductible
        a0 = books.base(p.index)
        a1 = a0 + x
        borne = ops.minimum(ops.maximum(d - a0, 0), x)
    else:
        d, nth, reduced, ceiling_bound = _claim_deductible(ops, p, num, books, scale)
        a0 = 0
        a1 = x
        borne = ops.minimum(d, x)
    shift = 0 if p.absolute else d
    if not num.pays:  # every ratio is 0: nothing to measure
        f1, pieces1 = 0, [0] * len(num.bands)
        f0, pieces0 = 0, pieces1
    else:
        f1, pieces1 = band_value(ops, num.bands, d, shift, a1, scale)
        if p.year:
            f0, pieces0 = band_value(ops, num.bands, d, shift, a0, scale)
        else:
            f0, pieces0 = 0, [0] * len(pieces1)
    raw = f1 - f0
    amount, used, _ = apply_caps(ops, raw, p.index, p.slots, num.caps, books)
    return ScheduleOutcome(
        amount, raw, x, d, borne, nth, reduced, ceiling_bound, a0, a1, shift, pieces0, pieces1,
        used,
    )  # fmt: skip


def slot_index(
    slots: tuple[CapSlot, ...], policy: Policy
) -> dict[tuple[str, tuple[str, ...]], int]:
    """The slot of each kind of cap, by ``(per, ids of the layers sharing it)``."""
    ids = [x.id for x in policy.layers]
    return {(s.per, tuple(ids[m] for m in s.shared)): i for i, s in enumerate(slots)}


def caps_shown(
    res: Resolved, slot_of: dict[tuple[str, tuple[str, ...]], int], used: list[Num]
) -> list[tuple[Decimal, str, Decimal, dict[str, object]]]:
    """Each cap in force, with the room it left: ``(amount, per, remaining, extra)``."""
    out = []
    for cap in res.caps:
        u = used[slot_of[cap.per, cap.shared]]
        remaining = max(ZERO, cap.amount - from_fen(u))
        extra: dict[str, object] = (
            {"shared_by": ",".join(cap.shared), "id": cap.id} if cap.shared else {}
        )
        out.append((cap.amount, cap.per, remaining, extra))
    return out


def limits(
    raw: Decimal,
    res: Resolved,
    shown: list[tuple[Decimal, str, Decimal, dict[str, object]]],
    amount: Decimal,
) -> tuple[list[dict[str, object]], list[str]]:
    """The caps as trace inputs and the clauses of those that bound, in the order met."""
    inputs: list[dict[str, object]] = []
    binding: list[str] = []
    running = raw
    for cap, (value, per, remaining, extra) in zip(res.caps, shown, strict=True):
        inputs.append({"cap": value, "per": per, "remaining": remaining, **extra})
        if running > remaining:
            running = remaining
            binding.append(cap.reference)
    if amount < running:
        binding.append("no layer pays more than what is left of the claim's total")
    return inputs, binding


def trace(
    layer: PolicyLayer, res: Resolved, p: SchedulePlan, out: ScheduleOutcome, policy: Policy
) -> tuple[dict[str, object], str, tuple[str, ...]]:
    """One claim's trace inputs, note and binding clauses from its kernel outcome."""
    notes = []
    rule = res.repeat
    if out.reduced and rule is not None:
        notes.append(
            f"claim no. {out.nth} this year ({rule.count.replace('_', ' ')}): {rule.description}"
        )
    d = from_fen(out.deductible)
    if out.ceiling_bound:
        assert res.ceiling is not None
        notes.append(f"deductibles borne this year reach the ceiling {format_money(res.ceiling)}")
    notes = ["; ".join(notes)] if notes else []
    raw, amount = from_fen(out.raw), from_fen(out.amount)
    caps, binding = limits(raw, res, caps_shown(res, p.slot_of, out.used), amount)
    if amount < raw:
        notes.append(f"limited from {format_money(raw)} by: " + "; ".join(binding))
    if out.raw == 0:
        if all(b.ratio == 0 for b in res.bands):
            param = layer.ratio or layer.bands
            why = f" ({param.reason})" if param is not None and param.reason else ""
            notes.append(f"the ratio is 0{why}")
        elif out.a1 <= out.deductible:
            notes.append("the base does not exceed the deductible")
        else:
            notes.append("nothing to pay on this base")
    inputs: dict[str, object] = {
        "base": from_fen(out.base),
        "deductible": d,
        "deductible_borne": from_fen(out.borne),
    }
    if p.year:
        inputs["cumulative_before"] = from_fen(out.a0)
        inputs["cumulative_after"] = from_fen(out.a1)
    if len(res.bands) == 1 and res.bands[0].lower == 0 and res.bands[0].upper is None:
        inputs["ratio"] = str(res.bands[0].ratio)
    else:
        shift = from_fen(out.shift)
        inputs["measured"] = layer.measured
        inputs["bands"] = [
            {
                "from": b.lower + shift,
                "to": None if b.upper is None else b.upper + shift,
                "ratio": str(b.ratio),
                "this_claim": from_fen(p1 - p0),
            }
            for b, p0, p1 in zip(res.bands, out.pieces0, out.pieces1, strict=True)
        ]
    inputs["computed"] = raw
    if caps:
        inputs["caps"] = caps
    if res.uncapped:
        inputs["cap"] = "none (上不封顶)"
    return inputs, "; ".join(notes), tuple(binding)


def how(i: Mapping[str, Any]) -> list[str]:
    """The arithmetic of a schedule layer for a claim, from its trace inputs (JSON form)."""
    if "ratio" in i:
        if "cumulative_after" in i:
            return [
                f"year's base {i['cumulative_before']} → {i['cumulative_after']}, "
                f"annual deductible {i['deductible']}, × {i['ratio']}"
            ]
        return [f"({i['base']} − deductible {i['deductible']}) × {i['ratio']} = {i['computed']}"]
    year = "cumulative_after" in i
    base = (
        f"year's base {i['cumulative_before']} → {i['cumulative_after']}"
        if year
        else f"base {i['base']}"
    )
    parts = [f"{base}, {'annual ' if year else ''}deductible {i['deductible']}"]
    used = [
        f"{b['this_claim']} at {b['ratio']} ({b['from']}–{b['to'] or '∞'})"
        for b in i["bands"]
        if b["this_claim"] != "0.00"
    ]
    if used:
        parts.append("bands: " + ", ".join(used) + f" = {i['computed']}")
    return parts
