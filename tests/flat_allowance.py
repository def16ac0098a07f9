"""A demonstration layer type, defined in one module: a flat allowance per claim.

``type: flat_allowance`` pays a fixed ``amount`` for every claim it applies to (e.g. a
daily-life allowance per admission, 住院生活补助), within the layer's caps and what is left of
the claim's total. Reader, plan, kernel and trace are all here; registering it with
:func:`zjj_medical.engine.layers.register_layer_type` is all a policy needs to use it, in
``settle`` and in ``simulate`` alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zjj_medical.engine.layers import LayerType
from zjj_medical.engine.layers.kernel import Books, CapSlot, Num, Ops, apply_caps
from zjj_medical.engine.layers.numbers import Numbers
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.engine.layers.schedule import caps_shown, limits, slot_index
from zjj_medical.money import format_money, from_fen
from zjj_medical.policy.model import Policy, PolicyLayer
from zjj_medical.policy.reader import Reader


def read(
    r: Reader, m: Mapping[str, Any], path: str, earlier: list[str], common: PolicyLayer
) -> PolicyLayer:
    """The ``amount`` key: a money parameter."""
    if "amount" not in m:
        r.fail(f"{path}.amount", "policy.layer.key.missing", type="flat_allowance", key="amount")
    return attrs.evolve(common, extra={"amount": r.param(m["amount"], f"{path}.amount", "money")})


@attrs.frozen
class Plan:
    index: int
    slots: tuple[CapSlot, ...]
    slot_of: dict[tuple[str, tuple[str, ...]], int]


def plan(layer: PolicyLayer, policy: Policy, slots: tuple[CapSlot, ...]) -> Plan:
    return Plan([x.id for x in policy.layers].index(layer.id), slots, slot_index(slots, policy))


@attrs.define
class Outcome:
    amount: Num
    raw: Num
    base: Num
    borne: Num
    used: list[Num]


def kernel(ops: Ops, p: Plan, num: Numbers, books: Books, scale: int) -> Outcome:
    raw = num.amounts[0] + 0 * books.total  # the same shape as the claims (int or array)
    amount, used, _ = apply_caps(ops, raw, p.index, p.slots, num.caps, books)
    return Outcome(amount, raw, 0 * books.total, 0 * books.total, used)


def trace(
    layer: PolicyLayer, res: Resolved, p: Plan, out: Outcome, policy: Policy
) -> tuple[dict[str, object], str, tuple[str, ...]]:
    raw, amount = from_fen(out.raw), from_fen(out.amount)
    caps, binding = limits(raw, res, caps_shown(res, p.slot_of, out.used), amount)
    note = f"limited from {format_money(raw)} by: " + "; ".join(binding) if amount < raw else ""
    inputs: dict[str, object] = {"allowance": raw}
    if caps:
        inputs["caps"] = caps
    return inputs, note, tuple(binding)


def how(i: Mapping[str, Any]) -> list[str]:
    return [f"allowance {i['allowance']}"]


FLAT_ALLOWANCE = LayerType("flat_allowance", frozenset({"amount"}), read, plan, kernel, trace, how)
