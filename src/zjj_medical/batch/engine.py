"""The arithmetic of the layers in int64 numpy, a round of claims at a time.

Round ``k`` settles the ``k``-th claim (in (date, claim id) order) of every
person-year at once: within a round no two claims share a person-year, so the
year's accumulators (per layer: cumulative base, amount paid, deductibles borne,
claims counted per tier) are plain arrays indexed by person-year. Each layer does
what :func:`~zjj_medical.engine.layers.schedule.settle_schedule` and
:func:`~zjj_medical.engine.layers.target.settle_target` do, on fen:

* half-up rounding of ``x × r`` with ``r`` scaled by ``S = 10**k``, for ``x ≥ 0``,
  without overflow: ``r·(x // S) + (r·(x % S) + S // 2) // S`` — the first term is
  exact, only the remainder's share is rounded (:func:`mul_round`);
* ``F(A) = Σ rᵢ·pieceᵢ`` is rounded as a whole, the same way (:func:`band_value`);
* caps (own and shared, per claim and per year) and "no layer pays more than
  what is left of the total" are minima, as in
  :func:`~zjj_medical.engine.layers.context.apply_caps`.

>>> import numpy as np
>>> mul_round(np.array([1, 2, 3, 1800000]), np.array([50, 50, 50, 85]), 100)
array([      1,       1,       2, 1530000])
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt

from zjj_medical.batch.tables import INF, LayerTable

__all__ = ["LayerPlan", "RepeatPlan", "band_value", "mul_round", "run_rounds"]

IntArray = npt.NDArray[np.int64]


def mul_round(x: IntArray, r: IntArray, scale: int) -> IntArray:
    """``round_half_up(x × r / scale)`` for ``x, r ≥ 0``, exactly, in int64."""
    return r * (x // scale) + (r * (x % scale) + scale // 2) // scale


def band_value(
    table: LayerTable, p: IntArray, d: IntArray, shift: IntArray, a: IntArray, scale: int
) -> IntArray:
    """``round(F(A))``: the banded share of ``[d, A)`` with bands shifted by ``shift``."""
    lo = np.maximum(table.lower[p] + shift[:, None], d[:, None])
    hi = np.minimum(table.upper[p] + shift[:, None], a[:, None])
    piece = np.maximum(hi - lo, 0)
    r = table.ratio[p]
    whole = (r * (piece // scale)).sum(axis=1)
    part = (r * (piece % scale)).sum(axis=1)
    out: IntArray = whole + (part + scale // 2) // scale
    return out


@attrs.frozen
class RepeatPlan:
    """A repeat-claim deductible rule in integers (value: scaled ratio or fen)."""

    same_tier: bool
    op: str
    value: int
    floor: int


@attrs.define
class LayerPlan:
    """One layer for the engine: its shape, its table, and each row's table row (``-1``: none)."""

    id: str
    target: bool
    of_total: bool
    minus: list[int]
    year: bool
    absolute: bool
    slots: list[tuple[str, list[int]]]  # (per, indices of the layers sharing it; [] = own)
    repeat: RepeatPlan | None
    table: LayerTable
    rows: IntArray


def run_rounds(
    layers: list[LayerPlan],
    rounds: list[IntArray],
    person_year: IntArray,
    n_years: int,
    tier: IntArray,
    n_tiers: int,
    total: IntArray,
    in_scope: IntArray,
    scale: int,
    progress: Callable[[int], None] | None = None,
) -> list[IntArray]:
    """Settle the rounds in order; returns each layer's payment per row (fen)."""
    n = len(total)
    pay = [np.zeros(n, dtype=np.int64) for _ in layers]
    paid = [np.zeros(n_years, dtype=np.int64) for _ in layers]
    base = [np.zeros(n_years if lp.year else 0, dtype=np.int64) for lp in layers]
    borne_state = [
        np.zeros(n_years if bool((lp.table.ceiling < INF).any()) else 0, dtype=np.int64)
        for lp in layers
    ]
    counts = [
        np.zeros(
            (n_years, n_tiers if lp.repeat.same_tier else 1) if lp.repeat else (0, 1),
            dtype=np.int32,
        )
        for lp in layers
    ]
    done = 0
    for rows in rounds:
        so_far = np.zeros(len(rows), dtype=np.int64)
        for j, lp in enumerate(layers):
            p_all = lp.rows[rows]
            pos = np.flatnonzero(p_all >= 0)
            if len(pos) == 0:
                continue
            sub = rows[pos]
            p = p_all[pos]
            pys = person_year[sub]
            t = lp.table
            x = total[sub] if lp.of_total else in_scope[sub]
            if lp.target:
                amount = np.maximum(mul_round(x, t.target[p], scale) - so_far[pos], 0)
                borne = None
            else:
                for m in lp.minus:
                    x = x - pay[m][sub]
                x = np.maximum(x, 0)
                if lp.year:
                    d = t.deductible[p]
                    a0 = base[j][pys]
                    a1 = a0 + x
                    borne = np.minimum(np.maximum(d - a0, 0), x)
                else:
                    d = _claim_deductible(lp, p, pys, tier[sub], counts[j], borne_state[j], scale)
                    a1 = x
                    borne = np.minimum(d, x)
                shift = np.zeros_like(d) if lp.absolute else d
                amount = band_value(t, p, d, shift, a1, scale)
                if lp.year:
                    amount = amount - band_value(t, p, d, shift, a0, scale)
            for s, (per, shared) in enumerate(lp.slots):
                if per == "year":
                    used = paid[j][pys] if not shared else sum(paid[m][pys] for m in shared)
                elif shared:
                    used = sum(pay[m][sub] for m in shared)
                else:
                    used = 0
                amount = np.minimum(amount, np.maximum(t.caps[p, s] - used, 0))
            amount = np.minimum(amount, np.maximum(total[sub] - so_far[pos], 0))
            pay[j][sub] = amount
            so_far[pos] += amount
            paid[j][pys] += amount
            if lp.year:
                base[j][pys] += x
            if borne is not None and len(borne_state[j]):
                borne_state[j][pys] += borne
            if lp.repeat is not None:
                col = tier[sub] if lp.repeat.same_tier else 0
                counts[j][pys, col] += 1
        done += len(rows)
        if progress is not None:
            progress(done)
    return pay


def _claim_deductible(
    lp: LayerPlan,
    p: IntArray,
    pys: IntArray,
    tier: IntArray,
    counts: npt.NDArray[np.int32],
    borne: IntArray,
    scale: int,
) -> IntArray:
    """The per-claim deductible after the repeat-claim rule and the yearly ceiling."""
    t = lp.table
    d = t.deductible[p]
    rule = lp.repeat
    if rule is not None:
        nth = counts[pys, tier if rule.same_tier else 0].astype(np.int64) + 1
        later = t.repeat[p] & (nth >= 2)
        if later.any():
            if rule.op == "multiply":
                changed = mul_round(d, np.full_like(d, rule.value), scale)
            elif rule.op == "set":
                changed = np.minimum(d, rule.value)
            else:
                changed = np.minimum(d, np.maximum(d - rule.value * (nth - 1), rule.floor))
            d = np.where(later, changed, d)
    if len(borne):
        ceiling = t.ceiling[p]
        room = np.maximum(ceiling - borne[pys], 0)
        d = np.where(ceiling < INF, np.minimum(d, room), d)
    return d
