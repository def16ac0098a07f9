"""A layer's resolved numbers as integer tables, for the vectorised engine.

The batch engine does not re-derive any policy number: for every distinct
(epoch, facts) it calls :func:`~zjj_medical.engine.layers.resolve.resolve_layer` — the
function :func:`~zjj_medical.settle` uses — and turns the
:class:`~zjj_medical.engine.layers.resolve.Resolved` into integers: money in fen (checked
to be whole fen), ratios scaled by ``10**k`` (checked to be exact). Identical
numbers share one row of the table; each claim row points at its row (``-1``:
the layer pays nothing).

>>> from decimal import Decimal
>>> ratio_scale([Decimal("0.85"), Decimal("0.7"), Decimal("1")])
2
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs
import numpy as np
import numpy.typing as npt

from zjj_medical.engine.layers.resolve import Resolved
from zjj_medical.errors import PolicyError
from zjj_medical.money import to_fen
from zjj_medical.policy.model import Policy, PolicyLayer

__all__ = ["INF", "MAX_RATIO_PLACES", "LayerTable", "ParamRow", "param_row", "ratio_scale"]

#: "No limit" inside integer arrays only (a cap that does not exist, a band with no
#: upper end); far above any sum of amounts the engine accepts, far below int64 overflow.
INF = 2**62
#: Ratios need at most this many decimal places to be scaled exactly into int64 products.
MAX_RATIO_PLACES = 8

IntArray = npt.NDArray[np.int64]


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def ratio_scale(ratios: Iterable[Decimal]) -> int:
    """The number of decimal places that scales every ratio to an exact integer."""
    k = max((_places(r) for r in ratios), default=0)
    if k > MAX_RATIO_PLACES:
        raise PolicyError(
            f"batch: a ratio needs {k} decimal places; the batch engine computes exactly with "
            f"at most {MAX_RATIO_PLACES} (settle claims one at a time with zjj_medical.settle)"
        )
    return k


def _fen(value: Decimal, what: str) -> int:
    try:
        return to_fen(value)
    except ValueError:
        raise PolicyError(f"batch: {what} {value} is not a whole number of fen") from None


@attrs.frozen
class ParamRow:
    """One layer's numbers for a group of claims, in fen and scaled ratios (hashable)."""

    deductible: int
    bands: tuple[tuple[int, int, Decimal], ...]  # (lower, upper or INF, ratio)
    caps: tuple[int, ...]  # one per cap slot of the layer (the least cap); INF when none
    ceiling: int  # INF when none
    target_ratio: Decimal | None
    repeat: bool  # the layer's repeat-claim deductible rule is in force


def cap_slots(layer: PolicyLayer, policy: Policy) -> list[tuple[str, tuple[str, ...]]]:
    """The kinds of cap a layer can have, ``(per, shared by)``, in the order the rule meets them.

    Caps of one kind are measured against the same amount paid, so only the least binds:
    a kind is one slot of the table.
    """
    slots: list[tuple[str, tuple[str, ...]]] = [(cap.per, ()) for cap in layer.caps]
    slots.extend((c.per, c.layers) for c in policy.shared_caps if layer.id in c.layers)
    return list(dict.fromkeys(slots))


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
    return ParamRow(
        deductible=_fen(res.deductible, f"{layer.id} deductible"),
        bands=bands,
        caps=tuple(caps),
        ceiling=INF if res.ceiling is None else _fen(res.ceiling, f"{layer.id} ceiling"),
        target_ratio=res.target_ratio,
        repeat=layer.repeat is not None and layer.repeat.active(on),
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

    @classmethod
    def build(cls, rows: list[ParamRow], slots: int, scale: int) -> LayerTable:
        """Stack the rows; band lists are padded with empty bands."""
        m = len(rows)
        nb = max((len(r.bands) for r in rows), default=0) or 1
        lower = np.zeros((m, nb), dtype=np.int64)
        upper = np.zeros((m, nb), dtype=np.int64)
        ratio = np.zeros((m, nb), dtype=np.int64)
        for i, row in enumerate(rows):
            for j, (lo, hi, r) in enumerate(row.bands):
                lower[i, j], upper[i, j] = lo, hi
                ratio[i, j] = _scaled(r, scale)
        caps = np.full((m, max(slots, 1)), INF, dtype=np.int64)
        for i, row in enumerate(rows):
            caps[i, : len(row.caps)] = row.caps
        return cls(
            deductible=np.array([r.deductible for r in rows], dtype=np.int64),
            lower=lower, upper=upper, ratio=ratio, caps=caps,
            ceiling=np.array([r.ceiling for r in rows], dtype=np.int64),
            target=np.array(
                [0 if r.target_ratio is None else _scaled(r.target_ratio, scale) for r in rows],
                dtype=np.int64,
            ),
            repeat=np.array([r.repeat for r in rows], dtype=bool),
        )  # fmt: skip


def _scaled(ratio: Decimal, scale: int) -> int:
    value = ratio.scaleb(scale)
    assert value == value.to_integral_value(), "ratio_scale chose a scale exact for every ratio"
    return int(value)
