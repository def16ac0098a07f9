"""The target layer type: tops a claim's reimbursement up to a share of its cost.

Implements the fiscal backstop (财政兜底): for a registered poor person's in-county
inpatient claim, ``target = round(ratio × total)`` and ``pay = max(0, target − Σ earlier
layers)``, within caps and what is left of the total. The base (``total`` or ``in_scope``)
is the layer's ``target.of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zjj_medical.engine.layers.kernel import Books, CapSlot, Num, Ops, apply_caps, mul_round
from zjj_medical.engine.layers.numbers import Numbers
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.engine.layers.schedule import caps_shown, limits, slot_index
from zjj_medical.money import ZERO, format_money, from_fen
from zjj_medical.policy.model import Policy, PolicyLayer
from zjj_medical.policy.reader import Reader, show

__all__ = ["KEYS", "TargetOutcome", "TargetPlan", "how", "kernel", "plan", "read", "trace"]

#: The keys a target layer takes beyond those every layer has.
KEYS = frozenset({"target"})


def read(
    r: Reader, m: Mapping[str, Any], path: str, earlier: list[str], common: PolicyLayer
) -> PolicyLayer:
    """Read a target layer's own key: ``target`` (a ratio parameter with ``of``)."""
    if "target" not in m:
        r.fail(f"{path}.target", "policy.layer.key.missing", type="target", key="target")
    target = r.param(m["target"], f"{path}.target", "ratio", extra={"of"})
    target_of = m["target"].get("of", "total")
    if target_of not in ("in_scope", "total"):
        r.fail(f"{path}.target.of", "policy.layer.of", shown=show(target_of))
    return attrs.evolve(common, target=target, target_of=target_of)


@attrs.frozen
class TargetPlan:
    """A target layer's shape."""

    index: int
    of_total: bool
    slots: tuple[CapSlot, ...]
    slot_of: dict[tuple[str, tuple[str, ...]], int] = attrs.field(factory=dict, eq=False)


def plan(layer: PolicyLayer, policy: Policy, slots: tuple[CapSlot, ...]) -> TargetPlan:
    """The layer's shape for the kernel."""
    index = [x.id for x in policy.layers].index(layer.id)
    return TargetPlan(index, layer.target_of == "total", slots, slot_index(slots, policy))


@attrs.define
class TargetOutcome:
    """What the kernel computed, in fen."""

    amount: Num
    raw: Num  # max(0, target − earlier), before caps
    base: Num  # the target's base (total or in_scope)
    target: Num
    earlier: Num
    borne: Num  # always 0: a target layer has no deductible
    used: list[Num]


def kernel(ops: Ops, p: TargetPlan, num: Numbers, books: Books, scale: int) -> TargetOutcome:
    """Pay the top-up to the target share."""
    of = books.total if p.of_total else books.in_scope
    target = mul_round(of, num.target, scale)
    earlier = books.earlier()
    raw = ops.maximum(target - earlier, 0)
    amount, used, _ = apply_caps(ops, raw, p.index, p.slots, num.caps, books)
    return TargetOutcome(amount, raw, of, target, earlier, 0, used)


def trace(
    layer: PolicyLayer, res: Resolved, p: TargetPlan, out: TargetOutcome, policy: Policy
) -> tuple[dict[str, object], str, tuple[str, ...]]:
    """One claim's trace inputs, note and binding clauses from its kernel outcome."""
    raw, amount, target = from_fen(out.raw), from_fen(out.amount), from_fen(out.target)
    caps, binding = limits(raw, res, caps_shown(res, p.slot_of, out.used), amount)
    note = f"earlier layers already reach the target {format_money(target)}" if raw == 0 else ""
    if amount < raw:
        note = f"limited from {format_money(raw)} by: " + "; ".join(binding)
    inputs: dict[str, object] = {
        "target_of": layer.target_of,
        "base": from_fen(out.base),
        "target_ratio": str(res.target_ratio),
        "target": target,
        "earlier_layers": from_fen(out.earlier) if out.earlier else ZERO,
    }
    if caps:
        inputs["caps"] = caps
    return inputs, note, tuple(binding)


def how(i: Mapping[str, Any]) -> list[str]:
    """The arithmetic of a target layer for a claim, from its trace inputs (JSON form)."""
    return [
        f"{i['target_ratio']} × {i['target_of'].replace('_', '-')} {i['base']} = "
        f"{i['target']}, less {i['earlier_layers']} paid above"
    ]
