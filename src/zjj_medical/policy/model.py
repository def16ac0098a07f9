"""The policy as immutable values: parameters, conditions, layers and the policy itself.

A policy file (see ``docs/reference/policy-format.md``) is read by
:func:`zjj_medical.policy.load_policy` into these classes. Rule code only reads
them; every number is a dated :class:`Param` carrying its clause.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

from zjj_medical.money import EXACT, round_half_up
from zjj_medical.policy.dated import _NotInForce, value_in_force

if TYPE_CHECKING:
    from zjj_medical.policy.catalogue import Catalogue
    from zjj_medical.policy.platform import Platform

__all__ = [
    "FACTS",
    "Attribute",
    "Band",
    "Cap",
    "Category",
    "ChronicCare",
    "ClaimKind",
    "Condition",
    "County",
    "FacilityInfo",
    "Fact",
    "Facts",
    "Modifier",
    "Param",
    "Policy",
    "PolicyLayer",
    "PolicyWarning",
    "Premium",
    "RepeatRule",
    "SharedCap",
    "Subsidy",
    "Tier",
    "Unresolved",
    "fact_inputs",
]

#: The facts a condition is evaluated on: the built-in :data:`FACTS` and every person or
#: claim attribute the policy declares.
Facts: TypeAlias = Mapping[str, object]


@attrs.frozen
class Fact:
    """A built-in fact: what it is about, the values it takes and the inputs it comes from.

    ``domain`` is ``bool`` or the policy declaration its values are ids of (``counties``,
    ``tiers``, ``claim_kinds``, ``categories``, ``facilities``). ``inputs`` are the input
    fields (table column names of a claim and its person) the fact is derived from: two
    claims that agree on them and on the declared attributes have the same facts.
    """

    name: str
    of: Literal["person", "claim"]
    domain: str
    inputs: tuple[str, ...]


#: The built-in facts, declared once: the policy reader checks conditions against them,
#: ``normalize`` derives them and the batch evaluator groups claims by their inputs.
FACTS: tuple[Fact, ...] = (
    Fact("poor", "person", "bool", ("poor",)),
    Fact("county", "person", "counties", ("county",)),
    Fact("categories", "person", "categories", ("categories",)),
    Fact("kind", "claim", "claim_kinds", ("kind",)),
    Fact("tier", "claim", "tiers", ("facility_level", "facility_id")),
    Fact(
        "in_county", "claim", "bool", ("facility_level", "facility_id", "facility_county", "county")
    ),
    Fact("accident", "claim", "bool", ("accident",)),
    Fact("facility", "claim", "facilities", ("facility_id",)),
)


def fact_inputs(policy: Policy, of: Literal["person", "claim"]) -> tuple[str, ...]:
    """The input fields the facts about a person (or a claim) come from, attributes included.

    A claim's facts also read its person's (``in_county`` compares counties); those are
    the person's inputs.
    """
    people = {f.name for f in FACTS if f.of == "person"}
    fields = [i for f in FACTS if f.of == of for i in f.inputs if i not in people or of == "person"]
    declared = policy.person_attributes if of == "person" else policy.claim_attributes
    return tuple(dict.fromkeys([*fields, *declared]))


Scalar: TypeAlias = Decimal | None
Value: TypeAlias = "Scalar | tuple[Band, ...] | Mapping[str, Scalar | tuple[Band, ...]]"


@attrs.frozen
class Condition:
    """All of ``atoms`` hold, and at least one of ``any_of`` (when given), and not ``negated``.

    An atom ``(key, allowed)`` holds when the fact ``key`` is in ``allowed``; for
    ``categories`` it holds when the person has any of the allowed categories.
    """

    atoms: tuple[tuple[str, frozenset[object]], ...] = ()
    any_of: tuple[Condition, ...] = ()
    negated: Condition | None = None
    text: str = ""

    def matches(self, facts: Facts) -> bool:
        """Whether the condition holds for these facts."""
        for key, allowed in self.atoms:
            value = facts.get(key)
            if key == "categories":
                if not isinstance(value, frozenset) or not (value & allowed):
                    return False
            elif value not in allowed:
                return False
        if self.any_of and not any(c.matches(facts) for c in self.any_of):
            return False
        return not (self.negated is not None and self.negated.matches(facts))

    def facts_read(self) -> frozenset[str]:
        """Every fact the condition reads."""
        out = {k for k, _ in self.atoms}
        for c in self.any_of:
            out |= c.facts_read()
        if self.negated is not None:
            out |= self.negated.facts_read()
        return frozenset(out)


ALWAYS = Condition(text="always")


def _active(start: dt.date | None, until: dt.date | None, on: dt.date) -> bool:
    return (start is None or start <= on) and (until is None or on < until)


@attrs.frozen
class Modifier:
    """A conditional change of a parameter: ``add``, ``multiply`` or ``set`` (``None`` = no limit)."""

    when: Condition
    op: Literal["add", "multiply", "set"]
    value: Decimal | None
    start: dt.date | None = None
    until: dt.date | None = None
    reference: str = ""

    def active(self, on: dt.date, facts: Facts) -> bool:
        """In force on the date and matching the facts."""
        return _active(self.start, self.until, on) and self.when.matches(facts)


@attrs.frozen
class Band:
    """A band ``[lower, upper)`` of a banded schedule paid at ``ratio`` (``upper=None``: no end)."""

    lower: Decimal
    upper: Decimal | None
    ratio: Decimal


@attrs.frozen
class Param:
    """A dated policy parameter with its metadata.

    ``values`` holds ``(start, value)`` pairs in date order. A value is a money or
    ratio ``Decimal``, ``None`` (no limit), a tuple of :class:`Band`, or — when
    ``by`` names a fact such as ``tier`` — a mapping from that fact's values to
    one of those.
    """

    path: str
    description: str
    reference: str
    unit: str
    values: tuple[tuple[dt.date, Value], ...]
    by: str | None = None
    modifiers: tuple[Modifier, ...] = ()
    assumed: bool = False
    assumed_keys: tuple[str, ...] = ()
    reason: str | None = None

    def raw_at(self, on: dt.date) -> Value | _NotInForce:
        """The unmodified value in force on ``on`` (the whole table when ``by`` is set)."""
        return value_in_force(self.values, on)

    def resolve(self, on: dt.date, facts: Facts) -> Value:
        """The value for these facts on this date, after the active modifiers.

        Raises :class:`Unresolved` (saying why) before the first date, or when a table has no
        entry for the fact's value.
        """
        value = self.unmodified(on, facts)
        active = [mod for mod in self.modifiers if mod.active(on, facts)]
        if not active:
            return value
        for mod in active:  # exactly, in the order written …
            value = _apply(mod, value)
        return _bound(value, self.unit)  # … then clipped (a ratio) or rounded (money) once

    def unmodified(self, on: dt.date, facts: Facts) -> Value:
        """The value for these facts on this date before any modifier (the table's entry).

        Raises :class:`Unresolved` like :meth:`resolve`.
        """
        raw = value_in_force(self.values, on)
        if isinstance(raw, _NotInForce):
            raise Unresolved(f"{self.path} not in force (first value from {self.values[0][0]})")
        value: Value = raw
        if self.by is not None:
            assert isinstance(raw, Mapping)
            key = facts.get(self.by)
            if isinstance(key, bool):
                # A table keyed by a bool attribute is written ``{true: …, false: …}``.
                key = "true" if key else "false"
            if key not in raw:
                raise Unresolved(f"{self.path} has no value for {self.by}={facts.get(self.by)}")
            value = raw[str(key)]
        return value

    def amount(self, on: dt.date, facts: Facts) -> Decimal:
        """A money or ratio value (never "no limit"); raises :class:`Unresolved`."""
        value = self.resolve(on, facts)
        assert isinstance(value, Decimal), f"{self.path}: the loader checked a number"
        return value

    def limit(self, on: dt.date, facts: Facts) -> Decimal | None:
        """A cap: an amount, or ``None`` for no limit; raises :class:`Unresolved`."""
        value = self.resolve(on, facts)
        assert value is None or isinstance(value, Decimal), f"{self.path}: a cap"
        return value

    def bands(self, on: dt.date, facts: Facts) -> tuple[Band, ...]:
        """A banded schedule; raises :class:`Unresolved`."""
        value = self.resolve(on, facts)
        assert isinstance(value, tuple), f"{self.path}: the loader checked bands"
        return value


class Unresolved(Exception):
    """A parameter has no value for a claim: not in force yet, or no table entry for its facts.

    Not an error of the input: the layer that reads it pays nothing and the trace says why.
    """


def _apply(mod: Modifier, value: Value) -> Value:
    """One modifier, exactly: no clipping or rounding (that comes once, after them all)."""
    if isinstance(value, tuple):
        out = []
        for band in value:
            ratio = _apply_scalar(mod, band.ratio)
            # the loader refuses ``set`` on bands, so a band ratio never becomes "no limit"
            assert ratio is not None
            out.append(attrs.evolve(band, ratio=ratio))
        return tuple(out)
    assert not isinstance(value, Mapping)
    return _apply_scalar(mod, value)


def _apply_scalar(mod: Modifier, value: Scalar) -> Scalar:
    if mod.op == "set":
        return mod.value
    if value is None or mod.value is None:
        return value  # "no limit" stays no limit
    if mod.op == "add":
        return EXACT.add(value, mod.value)
    return EXACT.multiply(value, mod.value)


def _bound(value: Value, unit: str) -> Value:
    """A modified value made valid again: a ratio clipped to [0, 1], money floored at 0 and
    rounded to the fen, half up."""
    if isinstance(value, tuple):
        return tuple(
            attrs.evolve(b, ratio=min(max(b.ratio, Decimal(0)), Decimal(1))) for b in value
        )
    assert not isinstance(value, Mapping)
    return _bound_scalar(value, unit)


def _bound_scalar(value: Scalar, unit: str) -> Scalar:
    if value is None:
        return None
    if unit == "ratio":
        # "报销比例相应提高10%" never lifts a ratio above 100%.
        return min(max(value, Decimal(0)), Decimal(1))
    if unit == "CNY":
        # A scaled amount (e.g. a deductible "降低50%") is rounded to the fen, half up.
        return round_half_up(max(value, Decimal(0)))
    return value


@attrs.frozen
class Cap:
    """A cap on a layer's payments ``per`` claim or per person-year."""

    per: Literal["claim", "year"]
    amount: Param


@attrs.frozen
class SharedCap:
    """A cap shared by several layers (e.g. one fund's annual limit)."""

    id: str
    name: str
    layers: tuple[str, ...]
    per: Literal["claim", "year"]
    amount: Param


@attrs.frozen
class RepeatRule:
    """How a per-claim deductible changes for later claims in the same year.

    ``count`` says which earlier claims count (same tier or any tier). For the
    n-th counted claim (n ≥ 2): ``multiply`` scales the deductible, ``set``
    replaces it, ``step`` lowers it by ``value × (n − 1)`` down to ``floor``.
    The rule works on the table's deductible (before modifiers; on the person's own when
    a modifier raised it), and the claim's deductible is the lower of the result and the
    person's own: a reduction by a modifier and a repeat reduction do not stack, and
    neither ``set`` nor ``floor`` raises a deductible already lower (e.g. waived).
    A layer may have several rules; the first in force whose ``when`` matches applies.
    """

    count: Literal["same_tier", "any_tier"]
    op: Literal["multiply", "set", "step"]
    value: Decimal
    floor: Decimal | None = None
    start: dt.date | None = None
    until: dt.date | None = None
    description: str = ""
    reference: str = ""
    when: Condition = ALWAYS

    def active(self, on: dt.date) -> bool:
        """In force on the date."""
        return _active(self.start, self.until, on)

    def applies(self, on: dt.date, facts: Facts) -> bool:
        """In force on the date and matching the facts."""
        return self.active(on) and self.when.matches(facts)


@attrs.frozen
class PolicyLayer:
    """One payer layer of a policy, as described in its file.

    ``type='schedule'``: pays a banded (or single-ratio) share of a base above a
    deductible, per claim or accumulated over the year, within caps.
    ``type='target'``: tops the claim's reimbursement up to a target share.
    """

    id: str
    name: str
    description: str
    reference: str
    kinds: tuple[str, ...]
    type: str = "schedule"  # a name in zjj_medical.engine.layers.LAYER_TYPES
    when: Condition = ALWAYS
    start: dt.date | None = None
    until: dt.date | None = None
    effective_reference: str = ""
    base_of: Literal["in_scope", "total"] = "in_scope"
    base_minus: tuple[str, ...] = ()
    accumulation: Literal["claim", "year"] = "claim"
    deductible: Param | None = None
    #: The repeat-claim deductible rules, in order (the first in force that matches applies).
    repeats: tuple[RepeatRule, ...] = ()
    deductible_ceiling: Param | None = None
    ratio: Param | None = None
    bands: Param | None = None
    measured: Literal["above_deductible", "absolute"] = "above_deductible"
    caps: tuple[Cap, ...] = ()
    target: Param | None = None
    target_of: Literal["in_scope", "total"] = "total"
    #: Money parameters of a layer type beyond the built-in ones, by key (resolved in key
    #: order into ``Resolved.amounts``).
    extra: Mapping[str, Param] = attrs.field(factory=dict, hash=False)

    def labelled_params(self) -> list[tuple[str, Param]]:
        """The layer's parameters with a short label each, in reading order."""
        named = (("deductible", self.deductible), ("deductible ceiling", self.deductible_ceiling),
                 ("ratio", self.ratio), ("bands", self.bands), ("target", self.target))  # fmt: skip
        out = [(label, p) for label, p in named if p is not None]
        out.extend(self.extra.items())
        out.extend((f"cap per {cap.per}", cap.amount) for cap in self.caps)
        return out

    def params(self) -> list[Param]:
        """The layer's parameters: deductible, ceiling, ratio or bands, target, caps."""
        return [p for _, p in self.labelled_params()]

    def in_force(self, on: dt.date) -> bool:
        """Whether the layer itself is in force on the date."""
        return _active(self.start, self.until, on)


@attrs.frozen
class Tier:
    """A facility tier declared by the policy (level, grade, …)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    assumed: bool = False  # the declaration is not stated by the source
    reason: str | None = None


@attrs.frozen
class Category:
    """A category of persons declared by the policy (特困, 低保 …)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    assumed: bool = False  # the declaration is not stated by the source
    reason: str | None = None


@attrs.frozen
class County:
    """A county of the policy's area, with the facilities designated in-county for it."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    designated_in_county: tuple[str, ...] = ()
    assumed: bool = False  # the declaration is not stated by the source
    reason: str | None = None


@attrs.frozen
class FacilityInfo:
    """A named facility the policy knows (e.g. a designated municipal hospital)."""

    id: str
    name: str
    tier: str
    county: str | None = None
    aliases: tuple[str, ...] = ()
    assumed: bool = False  # the declaration is not stated by the source
    reason: str | None = None


@attrs.frozen
class ClaimKind:
    """A claim kind (inpatient, outpatient, 门诊慢特病 …) and the tiers that may serve it."""

    id: str
    name: str
    tiers: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    assumed: bool = False  # the declaration is not stated by the source
    reason: str | None = None


@attrs.frozen
class Attribute:
    """A person or claim attribute the policy names (``scheme``, ``retiree``, ``referral`` …)."""

    id: str
    name: str
    type: Literal["bool", "enum"]
    values: tuple[str, ...] = ()
    default: str | bool | None = None

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is one of the attribute's values."""
        if self.type == "bool":
            return isinstance(value, bool)
        return isinstance(value, str) and value in self.values


@attrs.frozen
class Subsidy:
    """A premium subsidy for the persons matching ``when``."""

    when: Condition
    amount: Param


@attrs.frozen
class Premium:
    """Individual premium by year, and the subsidies for some persons."""

    amount: Param
    subsidies: tuple[Subsidy, ...] = ()


@attrs.frozen
class ChronicCare:
    """The contracted chronic-disease service (签约服务)."""

    description: str
    reference: str
    when: Condition
    conditions: Mapping[str, str]
    services_per_year: Param


@attrs.frozen
class PolicyWarning:
    """Something the loader accepted but a county author should look at, as data.

    ``code`` keys the message template (:mod:`zjj_medical.messages`), ``params`` fill it in
    (``source`` and ``path`` included), ``path`` is the key path it is about.
    """

    code: str
    path: str
    params: Mapping[str, object] = attrs.field(factory=dict, hash=False)

    @property
    def message(self) -> str:
        """The warning in English: ``file: key path: what``."""
        from zjj_medical.messages import render

        return render(self.code, dict(self.params))


@attrs.frozen
class Policy:
    """A whole, validated policy. Build it with :func:`zjj_medical.load_policy`."""

    id: str
    name: str
    description: str
    source: str
    start: dt.date
    until: dt.date | None
    tiers: Mapping[str, Tier]
    counties: Mapping[str, County]
    facilities: Mapping[str, FacilityInfo]
    in_county_tiers: frozenset[str]
    in_county_reference: str
    categories: Mapping[str, Category]
    person_attributes: Mapping[str, Attribute]
    claim_attributes: Mapping[str, Attribute]
    claim_kinds: Mapping[str, ClaimKind]
    pay_later: Condition
    pay_later_reference: str
    layers: tuple[PolicyLayer, ...]
    shared_caps: tuple[SharedCap, ...] = ()
    premium: Premium | None = None
    chronic_care: ChronicCare | None = None
    targets: Mapping[str, Param] = attrs.field(factory=dict)
    #: The catalogue rules fee lines are split by (``None``: the policy states none).
    catalogue: Catalogue | None = None
    #: Where each layer's payment goes in the national platform's settlement shape.
    platform: Platform | None = None
    file: str = "<memory>"
    change_dates: tuple[dt.date, ...] = ()
    #: What the loader accepted but flags (absolute-looking bands, ratios capped at 1 …).
    warnings: tuple[PolicyWarning, ...] = ()
    #: Aliases of each category (``categories`` maps an id to its name only).
    _aliases: dict[str, dict[str, str]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )
    #: What the evaluators derive from the policy once (see ``engine.layers._compiled``).
    _derived: dict[str, object] = attrs.field(factory=dict, init=False, repr=False, eq=False)

    def __repr__(self) -> str:
        """One line: id, name, dates, number of layers and the file it came from."""
        from zjj_medical.render.notebook import policy_repr

        return policy_repr(self)

    def _repr_html_(self) -> str:
        """The policy's facts and layers as HTML (Jupyter shows it)."""
        from zjj_medical.render.notebook import policy_html

        return policy_html(self)

    def in_force(self, on: dt.date) -> bool:
        """Whether the policy is in force on the date."""
        return _active(self.start, self.until, on)

    def layers_for(self, kind: str) -> tuple[PolicyLayer, ...]:
        """The layers that apply to a claim kind, in policy order."""
        return tuple(layer for layer in self.layers if kind in layer.kinds)

    def layer(self, layer_id: str) -> PolicyLayer:
        """The layer with this id (``KeyError`` if there is none)."""
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def epoch(self, on: dt.date) -> int:
        """Index of the period between change dates that ``on`` falls in (for caching)."""
        return bisect.bisect_right(self.change_dates, on)

    def lookup(self, what: str, name: object) -> str | None:
        """The id of a tier, county, claim kind, category or facility from its id, name or alias.

        ``what`` is ``tiers``, ``counties``, ``claim_kinds``, ``categories`` or ``facilities``.
        """
        index = self._aliases.get(what)
        if index is None:
            index = {}
            for key, decl in getattr(self, what).items():
                for n in (key, decl.name, *decl.aliases):
                    index.setdefault(n, key)
            self._aliases[what] = index
        return index.get(name.strip()) if isinstance(name, str) else None
