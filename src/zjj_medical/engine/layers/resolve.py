"""Resolving a layer's parameters for one claim: the numbers in force, after modifiers.

Resolution depends only on the date's *epoch* (the period between two change
dates of the policy) and on the facts the layer reads (:func:`relevant_facts`), so
the evaluators cache it per policy (:mod:`~zjj_medical.engine.layers._compiled`);
scalar and batch settle with the very same numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from zjj_medical.policy.model import (
    Band,
    Facts,
    Param,
    Policy,
    PolicyLayer,
    RepeatRule,
    Unresolved,
)

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
    #: The deductible before modifiers (what a repeat rule reduces).
    deductible_table: Decimal = Decimal(0)
    #: The repeat-claim rule that applies (the first in force whose ``when`` matches).
    repeat: RepeatRule | None = None


def relevant_facts(layer: PolicyLayer, policy: Policy) -> tuple[str, ...]:
    """The facts whose values can change the layer's resolved numbers."""
    keys = set(layer.when.facts_read())
    for rule in layer.repeats:
        keys |= rule.when.facts_read()
    params = layer.params() + [c.amount for c in policy.shared_caps if layer.id in c.layers]
    for p in params:
        if p.by is not None:
            keys.add(p.by)
        for mod in p.modifiers:
            keys |= mod.when.facts_read()
    return tuple(sorted(keys))


def resolve_layer(layer: PolicyLayer, policy: Policy, on: dt.date, facts: Facts) -> Resolved:
    """The layer's deductible, bands, caps and target for this claim.

    Evaluators call it through :meth:`~zjj_medical.engine.layers._compiled.Compiled.numbers`,
    which caches it per (layer, policy epoch, relevant facts).
    """
    return _resolve(layer, policy, on, facts)


def _resolve(layer: PolicyLayer, policy: Policy, on: dt.date, facts: Facts) -> Resolved:
    if not layer.in_force(on):
        when = f"from {layer.start}" if layer.start and on < layer.start else f"until {layer.until}"
        ref = f" ({layer.effective_reference})" if layer.effective_reference else ""
        # No date of the claim in the reason: the result is cached for the whole epoch.
        return Resolved(False, f"not in force: the layer applies {when}{ref}")
    if not layer.when.matches(facts):
        return Resolved(False, f"not eligible: the layer requires {layer.when.text}")
    try:
        return _numbers(layer, policy, on, facts)
    except Unresolved as why:
        return Resolved(False, str(why))


def _numbers(layer: PolicyLayer, policy: Policy, on: dt.date, facts: Facts) -> Resolved:
    clauses = [layer.reference]
    cap_clauses: list[str] = []

    def cite(param: Param, into: list[str] = clauses) -> None:
        into.append(param.reference)
        into.extend(m.reference for m in param.modifiers if m.reference and m.active(on, facts))

    caps: list[CapLimit] = []
    uncapped: list[str] = []
    for cap in layer.caps:
        limit = cap.amount.limit(on, facts)
        cite(cap.amount, cap_clauses)
        if limit is None:
            uncapped.append(cap.amount.reference)
        else:
            caps.append(CapLimit(cap.per, limit, cap.amount.reference))
    for shared in policy.shared_caps:
        if layer.id in shared.layers:
            limit = shared.amount.limit(on, facts)
            cite(shared.amount, cap_clauses)
            if limit is not None:
                caps.append(
                    CapLimit(shared.per, limit, shared.amount.reference, shared.layers, shared.id)
                )
    amounts = []
    for param in layer.extra.values():
        amounts.append(param.amount(on, facts))
        cite(param)
    if layer.type == "target":
        assert layer.target is not None
        ratio = layer.target.amount(on, facts)
        cite(layer.target)
        return Resolved(
            True, target_ratio=ratio, clauses=_unique(clauses + cap_clauses), caps=tuple(caps),
            uncapped=tuple(uncapped),
        )  # fmt: skip
    if layer.type != "schedule":
        return Resolved(
            True, amounts=tuple(amounts), clauses=_unique(clauses + cap_clauses),
            caps=tuple(caps), uncapped=tuple(uncapped),
        )  # fmt: skip
    deductible = table = Decimal(0)
    if layer.deductible is not None:
        deductible = layer.deductible.amount(on, facts)
        unmodified = layer.deductible.unmodified(on, facts)
        assert isinstance(unmodified, Decimal), f"{layer.deductible.path}: money"
        table = unmodified
        cite(layer.deductible)
    rule = next((x for x in layer.repeats if x.applies(on, facts)), None)
    ceiling = None
    if layer.deductible_ceiling is not None:
        ceiling = layer.deductible_ceiling.amount(on, facts)
        cite(layer.deductible_ceiling)
    if layer.bands is not None:
        bands = layer.bands.bands(on, facts)
        cite(layer.bands)
    else:
        assert layer.ratio is not None
        bands = (Band(Decimal(0), None, layer.ratio.amount(on, facts)),)
        cite(layer.ratio)
    return Resolved(
        True, deductible=deductible, bands=bands, ceiling=ceiling,
        clauses=_unique(clauses + cap_clauses), caps=tuple(caps), uncapped=tuple(uncapped),
        deductible_table=table, repeat=rule,
    )  # fmt: skip


def _unique(items: list[str]) -> tuple[str, ...]:
    """The clauses in order, leaving out empty ones, repeats and those quoted inside another."""
    kept: list[str] = []
    for item in dict.fromkeys(i for i in items if i):
        if not any(item in other for other in items if other != item):
            kept.append(item)
    return tuple(kept)
