"""What both evaluators derive from a policy once: each layer's type, plan and numbers.

:func:`compiled` gives a policy's :class:`Compiled` (kept with the policy, built on first
use). Its :meth:`Compiled.numbers` resolves a layer for a claim once per (policy epoch,
facts the layer reads) and keeps the result with its integer form, so the scalar evaluator
(:func:`zjj_medical.settle`) and the table evaluator (:func:`zjj_medical.batch.simulate`)
settle with the very same numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from zjj_medical.engine.layers import LAYER_TYPES, LayerType
from zjj_medical.engine.layers.kernel import CapSlot
from zjj_medical.engine.layers.numbers import (
    Numbers,
    ParamRow,
    param_row,
    ratio_places,
    slot_plan,
)
from zjj_medical.engine.layers.resolve import Resolved, relevant_facts, resolve_layer
from zjj_medical.policy.model import Facts, Policy, PolicyLayer

__all__ = ["Compiled", "CompiledLayer", "Found", "compiled"]


@attrs.frozen
class CompiledLayer:
    """A layer with its type, its plan for the kernel and the facts its numbers depend on."""

    layer: PolicyLayer
    type: LayerType
    plan: Any
    slots: tuple[CapSlot, ...]
    relevant: tuple[str, ...]


@attrs.frozen
class Found:
    """A layer's numbers for a claim: resolved (``Decimal``), as a row (fen), scaled (ints)."""

    resolved: Resolved
    row: ParamRow | None = None  # None when the layer does not apply
    numbers: Numbers | None = None
    k: int = 0  # decimal places of the row's ratios
    scale: int = 1  # 10**k
    clause: str = ""  # the clauses applied, joined for the trace


@attrs.define
class Compiled:
    """A policy's layers ready for the kernels, and the cache of their numbers."""

    policy: Policy
    layers: tuple[CompiledLayer, ...]
    ids: tuple[str, ...]  # the layer ids, by index
    _kinds: dict[str, tuple[int, ...]]  # the layers of each claim kind, by index
    _found: dict[tuple[object, ...], Found] = attrs.field(factory=dict)

    def for_kind(self, kind: str) -> tuple[int, ...]:
        """The indices of the layers that apply to a claim kind, in policy order."""
        return self._kinds[kind]

    def numbers(self, j: int, on: dt.date, facts: Facts, epoch: int | None = None) -> Found:
        """Layer ``j``'s numbers for a claim dated ``on`` with these facts (cached).

        ``epoch`` is ``policy.epoch(on)``, when the caller has it already.
        """
        cl = self.layers[j]
        if epoch is None:
            epoch = self.policy.epoch(on)
        key = (j, epoch, *map(facts.get, cl.relevant))
        hit = self._found.get(key)
        if hit is None:
            res = resolve_layer(cl.layer, self.policy, on, facts)
            if res.applies:
                row = param_row(cl.layer, self.policy, res, on)
                k = ratio_places(row.ratios())
                hit = Found(res, row, Numbers.of(row, k), k, 10**k, " / ".join(res.clauses))
            else:
                hit = Found(res)
            self._found[key] = hit
        return hit


def compiled(policy: Policy) -> Compiled:
    """The policy's :class:`Compiled` (built once, then kept with the policy)."""
    derived: dict[str, object] = policy._derived
    hit = derived.get("compiled")
    if hit is None:
        layers = []
        for layer in policy.layers:
            slots = slot_plan(layer, policy)
            kind = LAYER_TYPES[layer.type]
            layers.append(
                CompiledLayer(
                    layer, kind, kind.plan(layer, policy, slots), slots,
                    relevant_facts(layer, policy),
                )
            )  # fmt: skip
        kinds = {
            kind: tuple(j for j, x in enumerate(policy.layers) if kind in x.kinds)
            for kind in policy.claim_kinds
        }
        hit = derived["compiled"] = Compiled(
            policy, tuple(layers), tuple(x.id for x in policy.layers), kinds
        )
    assert isinstance(hit, Compiled)
    return hit
