"""Resolving a layer's parameters for one claim: the numbers in force, after modifiers.

Resolution depends only on the date's *epoch* (the period between two change
dates of the policy) and on the facts the layer reads (:func:`relevant_facts`), so
the evaluators cache it per policy (:mod:`~zjj_medical.engine.layers.compiled`);
scalar and batch settle with the very same numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.model import Band, Facts, Param, Policy, PolicyLayer

__all__ = ["CapLimit", "Resolved", "relevant_facts", "resolve_layer"]


@attrs.frozen
class CapLimit:
    """A cap in force: ``amount`` (never ``None`` here: "no cap" is left out) and its clause."""

    per: str
    amount: Decimal
    reference: str
    shared: tuple[str, ...] = ()  # the layers sharing it (empty for the layer's own cap)
    id: str = ""


@attrs.frozen
class Resolved:
    """A layer's numbers for one claim. ``applies=False`` carries the reason it pays 0."""

    applies: bool
    reason: str = ""
    deductible: Decimal = Decimal(0)
    bands: tuple[Band, ...] = ()
    caps: tuple[CapLimit, ...] = ()
    ceiling: Decimal | None = None
    target_ratio: Decimal | None = None
    amounts: tuple[Decimal, ...] = ()  # the layer's ``extra`` money parameters, in key order
    clauses: tuple[str, ...] = ()
    uncapped: tuple[str, ...] = ()  # references of caps lifted ("上不封顶")


def relevant_facts(layer: PolicyLayer, policy: Policy) -> tuple[str, ...]:
    """The facts whose values can change the layer's resolved numbers."""
    keys = set(layer.when.facts_read())
    params = layer.params() + [c.amount for c in policy.shared_caps if layer.id in c.layers]
    for p in params:
        if p.by is not None:
            keys.add(p.by)
        for mod in p.modifiers:
            keys |= mod.when.facts_read()
    return tuple(sorted(keys))


def resolve_layer(layer: PolicyLayer, policy: Policy, on: dt.date, facts: Facts) -> Resolved:
    """The layer's deductible, bands, caps and target for this claim.

    Evaluators call it through :meth:`~zjj_medical.engine.layers.compiled.Compiled.numbers`,
    which caches it per (layer, policy epoch, relevant facts).
    """
    return _resolve(layer, policy, on, facts)


def _fact(facts: Facts, key: str | None) -> str:
    return f"{key}={facts.get(key or '')}"


def _resolve(layer: PolicyLayer, policy: Policy, on: dt.date, facts: Facts) -> Resolved:
    if not layer.in_force(on):
        when = f"from {layer.start}" if layer.start and on < layer.start else f"until {layer.until}"
        ref = f" ({layer.effective_reference})" if layer.effective_reference else ""
        # No date of the claim in the reason: the result is cached for the whole epoch.
        return Resolved(False, f"not in force: the layer applies {when}{ref}")
    if not layer.when.matches(facts):
        return Resolved(False, f"not eligible: the layer requires {layer.when.text}")
    clauses = [layer.reference]
    cap_clauses: list[str] = []

    def get(param: Param, into: list[str] = clauses) -> object:
        value = param.resolve(on, facts)
        if isinstance(value, _NotInForce):
            first = param.values[0][0]
            return Resolved(False, f"{param.path} not in force (first value from {first})")
        if isinstance(value, KeyError):
            return Resolved(False, f"{param.path} has no value for {_fact(facts, param.by)}")
        into.append(param.reference)
        into.extend(m.reference for m in param.modifiers if m.reference and m.active(on, facts))
        return value

    caps: list[CapLimit] = []
    uncapped: list[str] = []
    for cap in layer.caps:
        amount = get(cap.amount, cap_clauses)
        if isinstance(amount, Resolved):
            return amount
        if amount is None:
            uncapped.append(cap.amount.reference)
        else:
            assert isinstance(amount, Decimal)
            caps.append(CapLimit(cap.per, amount, cap.amount.reference))
    for shared in policy.shared_caps:
        if layer.id in shared.layers:
            amount = get(shared.amount, cap_clauses)
            if isinstance(amount, Resolved):
                return amount
            if amount is not None:
                assert isinstance(amount, Decimal)
                caps.append(
                    CapLimit(shared.per, amount, shared.amount.reference, shared.layers, shared.id)
                )
    amounts = []
    for param in layer.extra.values():
        value = get(param)
        if isinstance(value, Resolved):
            return value
        assert isinstance(value, Decimal)
        amounts.append(value)
    if layer.type == "target":
        assert layer.target is not None
        ratio = get(layer.target)
        if isinstance(ratio, Resolved):
            return ratio
        assert isinstance(ratio, Decimal)
        return Resolved(True, target_ratio=ratio, caps=tuple(caps), clauses=_unique(clauses + cap_clauses),
                        uncapped=tuple(uncapped))  # fmt: skip
    if layer.type != "schedule":
        return Resolved(True, caps=tuple(caps), clauses=_unique(clauses + cap_clauses),
                        uncapped=tuple(uncapped), amounts=tuple(amounts))  # fmt: skip
    deductible = Decimal(0)
    if layer.deductible is not None:
        d = get(layer.deductible)
        if isinstance(d, Resolved):
            return d
        assert isinstance(d, Decimal)
        deductible = d
    ceiling = None
    if layer.deductible_ceiling is not None:
        c = get(layer.deductible_ceiling)
        if isinstance(c, Resolved):
            return c
        assert isinstance(c, Decimal)
        ceiling = c
    if layer.bands is not None:
        bands = get(layer.bands)
        if isinstance(bands, Resolved):
            return bands
        assert isinstance(bands, tuple)
    else:
        assert layer.ratio is not None
        ratio = get(layer.ratio)
        if isinstance(ratio, Resolved):
            return ratio
        assert isinstance(ratio, Decimal)
        bands = (Band(Decimal(0), None, ratio),)
    return Resolved(
        True, deductible=deductible, bands=bands, caps=tuple(caps), ceiling=ceiling,
        clauses=_unique(clauses + cap_clauses), uncapped=tuple(uncapped),
    )  # fmt: skip


def _unique(items: list[str]) -> tuple[str, ...]:
    """The clauses in order, leaving out empty ones, repeats and those quoted inside another."""
    kept: list[str] = []
    for item in dict.fromkeys(i for i in items if i):
        if not any(item in other for other in items if other != item):
            kept.append(item)
    return tuple(kept)
