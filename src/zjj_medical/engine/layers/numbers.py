"""A layer's resolved numbers in integers: what both evaluators hand to a kernel.

:func:`~zjj_medical.engine.layers.resolve.resolve_layer` gives a layer's numbers for a claim
as ``Decimal`` (:class:`~zjj_medical.engine.layers.resolve.Resolved`); :func:`param_row`
turns them into a hashable :class:`ParamRow` — money in fen (checked to be whole fen), ratios
kept exact — and :class:`Numbers` is that row with every ratio scaled by ``10**k`` for the
kernel: ints for one claim (:meth:`Numbers.of`), arrays for a round of claims
(:meth:`LayerTable.numbers`).

>>> from decimal import Decimal
>>> ratio_places([Decimal("0.85"), Decimal("0.7"), Decimal("1")])
2
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt

from zjj_medical.engine.layers.kernel import INF, CapSlot, Num
from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.errors import PolicyError
from zjj_medical.money import to_fen
from zjj_medical.policy.model import Policy, PolicyLayer

__all__ = [
    "MAX_RATIO_PLACES",
    "REPEAT_OPS",
    "LayerTable",
    "Numbers",
    "ParamRow",
    "cap_slots",
    "param_row",
    "ratio_places",
    "scaled",
]

#: A repeat rule's operation as an int (``ParamRow.repeat_op``).
REPEAT_OPS: tuple[Literal["multiply", "set", "step"], ...] = ("multiply", "set", "step")

#: Ratios need at most this many decimal places to be scaled exactly into int64 products.
MAX_RATIO_PLACES = 8

IntArray = npt.NDArray[np.int64]


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def ratio_places(ratios: Iterable[Decimal]) -> int:
    """The number of decimal places that scales every ratio to an exact integer."""
    k = max((_places(r) for r in ratios), default=0)
    if k > MAX_RATIO_PLACES:
        raise PolicyError(
            code="policy.ratio.places", params={"places": k, "most": MAX_RATIO_PLACES}
        )
    return k


def scaled(ratio: Decimal, k: int) -> int:
    """``ratio × 10**k`` as an exact int (``k`` from :func:`ratio_places`)."""
    value = ratio.scaleb(k)
    assert value == value.to_integral_value(), "ratio_places chose a scale exact for every ratio"
    return int(value)


def _fen(value: Decimal, what: str) -> int:
    try:
        return to_fen(value)
    except ValueError:
        raise PolicyError(
            code="policy.resolved.fen", params={"what": what, "value": str(value)}
        ) from None


def cap_slots(layer: PolicyLayer, policy: Policy) -> list[tuple[str, tuple[str, ...]]]:
    """The kinds of cap a layer can have, ``(per, shared by)``, in the order the rule meets them.

    Caps of one kind are measured against the same amount paid, so only the least binds:
    a kind is one slot.
    """
    slots: list[tuple[str, tuple[str, ...]]] = [(cap.per, ()) for cap in layer.caps]
    slots.extend((c.per, c.layers) for c in policy.shared_caps if layer.id in c.layers)
    return list(dict.fromkeys(slots))


def slot_plan(layer: PolicyLayer, policy: Policy) -> tuple[CapSlot, ...]:
    """:func:`cap_slots` with the sharing layers as indices into ``policy.layers``."""
    index = {x.id: j for j, x in enumerate(policy.layers)}
    return tuple(
        CapSlot(per, tuple(index[x] for x in shared)) for per, shared in cap_slots(layer, policy)
    )


@attrs.frozen
class ParamRow:
    """One layer's numbers for a group of claims, money in fen, ratios exact (hashable)."""

    deductible: int
    bands: tuple[tuple[int, int, Decimal], ...]  # (lower, upper or INF, ratio)
    caps: tuple[int, ...]  # one per cap slot of the layer (the least cap); INF when none
    ceiling: int  # INF when none
    target_ratio: Decimal | None
    repeat: bool  # a repeat-claim deductible rule applies
    repeat_factor: Decimal | None  # the repeat rule's ``multiply`` (a ratio), if any
    amounts: tuple[int, ...] = ()  # the layer type's own money parameters, fen
    deductible_table: int = 0  # the deductible before modifiers, fen
    repeat_op: int = 0  # the rule's operation: REPEAT_OPS.index(op)
    repeat_same_tier: bool = False  # the rule counts claims at the same tier
    repeat_value: int = 0  # the rule's ``set`` or ``step``, fen
    repeat_floor: int = 0  # the rule's ``floor``, fen

    def ratios(self) -> list[Decimal]:
        """Every ratio of the row (bands, target, repeat factor)."""
        out = [r for *_, r in self.bands]
        out.extend(r for r in (self.target_ratio, self.repeat_factor) if r is not None)
        return out


def param_row(layer: PolicyLayer, policy: Policy, res: Resolved, on: dt.date) -> ParamRow:
    """The integer form of a resolved layer (``res.applies`` must be true)."""
    assert res.applies
    # resolve_layer leaves out the caps whose amount is "no limit" (上不封顶): their slot
    # stays INF unless another cap of the same kind is in force.
    slots = cap_slots(layer, policy)
    caps = [INF] * len(slots)
    for cap in res.caps:
        s = slots.index((cap.per, cap.shared))
        caps[s] = min(caps[s], _fen(cap.amount, f"{layer.id} cap"))
    bands = tuple(
        (
            _fen(b.lower, f"{layer.id} band"),
            INF if b.upper is None else _fen(b.upper, f"{layer.id} band"),
            b.ratio,
        )
        for b in res.bands
    )
    rule = res.repeat
    return ParamRow(
        deductible=_fen(res.deductible, f"{layer.id} deductible"),
        bands=bands,
        caps=tuple(caps),
        ceiling=INF if res.ceiling is None else _fen(res.ceiling, f"{layer.id} ceiling"),
        target_ratio=res.target_ratio,
        repeat=rule is not None,
        repeat_factor=rule.value if rule is not None and rule.op == "multiply" else None,
        amounts=tuple(_fen(a, f"{layer.id} amount") for a in res.amounts),
        deductible_table=_fen(res.deductible_table, f"{layer.id} deductible"),
        repeat_op=REPEAT_OPS.index(rule.op) if rule is not None else 0,
        repeat_same_tier=rule is not None and rule.count == "same_tier",
        repeat_value=_fen(rule.value, f"{layer.id} repeat")
        if rule is not None and rule.op != "multiply"
        else 0,
        repeat_floor=_fen(rule.floor, f"{layer.id} repeat") if rule and rule.floor else 0,
    )


@attrs.frozen
class Numbers:
    """A :class:`ParamRow` with ratios scaled by ``10**k``: ints (one claim) or arrays (a round)."""

    deductible: Num
    bands: tuple[tuple[Num, Num, Num], ...]
    caps: tuple[Num, ...]
    ceiling: Num
    target: Num
    repeat: Num
    repeat_factor: Num
    amounts: tuple[Num, ...] = ()
    deductible_table: Num = 0
    repeat_op: Num = 0
    repeat_same_tier: Num = False
    repeat_value: Num = 0
    repeat_floor: Num = 0
    #: Some band pays (a ratio above 0) for one of these claims: a plain ``bool`` in both
    #: evaluators, so a kernel may skip the band arithmetic of a layer that pays nothing.
    pays: bool = True

    @classmethod
    def of(cls, row: ParamRow, k: int) -> Numbers:
        """One claim's numbers."""
        return cls(
            deductible=row.deductible,
            bands=tuple((lo, hi, scaled(r, k)) for lo, hi, r in row.bands),
            caps=row.caps,
            ceiling=row.ceiling,
            target=0 if row.target_ratio is None else scaled(row.target_ratio, k),
            repeat=row.repeat,
            repeat_factor=0 if row.repeat_factor is None else scaled(row.repeat_factor, k),
            amounts=row.amounts,
            deductible_table=row.deductible_table,
            repeat_op=row.repeat_op,
            repeat_same_tier=row.repeat_same_tier,
            repeat_value=row.repeat_value,
            repeat_floor=row.repeat_floor,
            pays=any(r for *_, r in row.bands),
        )


@attrs.define
class LayerTable:
    """The distinct :class:`ParamRow` of a layer as arrays (row ``p`` of each)."""

    deductible: IntArray
    lower: IntArray  # (rows, bands)
    upper: IntArray
    ratio: IntArray  # scaled by 10**k
    caps: IntArray  # (rows, slots)
    ceiling: IntArray
    target: IntArray  # scaled target ratio (0 for schedule layers)
    repeat: npt.NDArray[np.bool_]
    repeat_factor: IntArray
    amounts: IntArray  # (rows, the type's money parameters)
    deductible_table: IntArray
    repeat_op: IntArray
    repeat_same_tier: npt.NDArray[np.bool_]
    repeat_value: IntArray
    repeat_floor: IntArray

    @classmethod
    def build(cls, rows: list[ParamRow], slots: int, k: int) -> LayerTable:
        """Stack the rows; band lists are padded with empty bands."""
        m = len(rows)
        nb = max((len(r.bands) for r in rows), default=0) or 1
        lower = np.zeros((m, nb), dtype=np.int64)
        upper = np.zeros((m, nb), dtype=np.int64)
        ratio = np.zeros((m, nb), dtype=np.int64)
        for i, row in enumerate(rows):
            for j, (lo, hi, r) in enumerate(row.bands):
                lower[i, j], upper[i, j] = lo, hi
                ratio[i, j] = scaled(r, k)
        caps = np.full((m, slots), INF, dtype=np.int64)
        for i, row in enumerate(rows):
            caps[i, : len(row.caps)] = row.caps
        one = [Numbers.of(attrs.evolve(r, bands=()), k) for r in rows]
        return cls(
            deductible=np.array([r.deductible for r in rows], dtype=np.int64),
            lower=lower, upper=upper, ratio=ratio, caps=caps,
            ceiling=np.array([r.ceiling for r in rows], dtype=np.int64),
            target=np.array([x.target for x in one], dtype=np.int64),
            repeat=np.array([r.repeat for r in rows], dtype=bool),
            repeat_factor=np.array([x.repeat_factor for x in one], dtype=np.int64),
            amounts=np.array(
                [r.amounts for r in rows], dtype=np.int64
            ).reshape(m, max((len(r.amounts) for r in rows), default=0)),
            deductible_table=np.array([r.deductible_table for r in rows], dtype=np.int64),
            repeat_op=np.array([r.repeat_op for r in rows], dtype=np.int64),
            repeat_same_tier=np.array([r.repeat_same_tier for r in rows], dtype=bool),
            repeat_value=np.array([r.repeat_value for r in rows], dtype=np.int64),
            repeat_floor=np.array([r.repeat_floor for r in rows], dtype=np.int64),
        )  # fmt: skip

    def numbers(self, p: IntArray) -> Numbers:
        """The numbers of table rows ``p`` (one per claim of a round)."""
        return Numbers(
            deductible=self.deductible[p],
            bands=tuple(
                (self.lower[p, b], self.upper[p, b], self.ratio[p, b])
                for b in range(self.lower.shape[1])
            ),
            caps=tuple(self.caps[p, s] for s in range(self.caps.shape[1])),
            ceiling=self.ceiling[p],
            target=self.target[p],
            repeat=self.repeat[p],
            repeat_factor=self.repeat_factor[p],
            amounts=tuple(self.amounts[p, a] for a in range(self.amounts.shape[1])),
            deductible_table=self.deductible_table[p],
            repeat_op=self.repeat_op[p],
            repeat_same_tier=self.repeat_same_tier[p],
            repeat_value=self.repeat_value[p],
            repeat_floor=self.repeat_floor[p],
            pays=bool(self.ratio[p].any()),
        )
