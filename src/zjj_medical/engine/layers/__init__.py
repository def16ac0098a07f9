"""Payer layer types, each defined once and run by both evaluators.

A layer is data (:class:`~zjj_medical.policy.model.PolicyLayer`); its ``type`` names a
:class:`LayerType` in :data:`LAYER_TYPES`:

* ``schedule`` (:mod:`~zjj_medical.engine.layers.schedule`) — basic insurance, critical
  illness, outpatient pooling, the configurable safety-net layers;
* ``target`` (:mod:`~zjj_medical.engine.layers.target`) — the fiscal backstop.

A type is its *reader* (its own keys of the policy format, validated), its *plan* (the layer's shape, with the layers it reads as indices), its *kernel*
(the arithmetic in integer fen, written once over :mod:`~zjj_medical.engine.layers.kernel`'s
operations, so the scalar evaluator runs it on ints and the table evaluator on arrays), and
its *trace* (one claim's explanation from the kernel's result) and its *how* (that
arithmetic in words, for the settlement sheet). The numbers in force come
from :func:`~zjj_medical.engine.layers.resolve.resolve_layer`, shared by every type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from zjj_medical.engine.layers import schedule, target
from zjj_medical.engine.layers.kernel import Books, CapSlot, Ops
from zjj_medical.engine.layers.numbers import Numbers
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.policy.model import Policy, PolicyLayer
from zjj_medical.policy.reader import Reader

__all__ = ["LAYER_TYPES", "LayerType", "register_layer_type"]


@attrs.frozen
class LayerType:
    """One layer type: how its layers are planned, paid (in fen) and explained.

    ``kernel`` returns an outcome with at least ``amount``, ``base`` (added to the layer's
    year base) and ``borne`` (deductible borne).
    """

    name: str
    #: The keys its layers take beyond those every layer has (id, name, kinds, caps …).
    keys: frozenset[str]
    #: Reads those keys into the layer: ``(reader, mapping, key path, earlier layer ids,
    #: the layer with its common keys read) -> layer``; errors name the key path.
    read: Callable[[Reader, Mapping[str, Any], str, list[str], PolicyLayer], PolicyLayer]
    plan: Callable[[PolicyLayer, Policy, tuple[CapSlot, ...]], Any]
    kernel: Callable[[Ops, Any, Numbers, Books, int], Any]
    trace: Callable[
        [PolicyLayer, Resolved, Any, Any, Policy], tuple[dict[str, object], str, tuple[str, ...]]
    ]
    #: The arithmetic of one claim in words, from the trace inputs (JSON form) it wrote.
    how: Callable[[Mapping[str, Any]], list[str]]


#: The layer types a policy file may name, by ``type``.
LAYER_TYPES: dict[str, LayerType] = {
    "schedule": LayerType(
        "schedule",
        schedule.KEYS,
        schedule.read,
        schedule.plan,
        schedule.kernel,
        schedule.trace,
        schedule.how,
    ),
    "target": LayerType(
        "target", target.KEYS, target.read, target.plan, target.kernel, target.trace, target.how
    ),
}


def register_layer_type(layer_type: LayerType) -> None:
    """Add a layer type (its name must be new)."""
    if layer_type.name in LAYER_TYPES:
        raise ValueError(f"layer type {layer_type.name!r} is already registered")
    LAYER_TYPES[layer_type.name] = layer_type
