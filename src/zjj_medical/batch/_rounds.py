"""The table evaluator's rounds: every layer type's kernel on int64 arrays, a round at a time.

Round ``k`` settles the ``k``-th claim (in (date, claim id) order) of every person-year at
once: within a round no two claims share a person-year, so the year's accumulators (per
layer: cumulative base, amount paid, deductibles borne, claims counted per tier) are plain
arrays indexed by person-year. Each layer runs its type's kernel
(:mod:`zjj_medical.engine.layers`) — the very code :func:`zjj_medical.settle` runs on ints —
on the arrays of the round's claims (:class:`RoundBooks`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
import numpy as np
import numpy.typing as npt

from zjj_medical.engine.layers._compiled import CompiledLayer
from zjj_medical.engine.layers.kernel import VECTOR
from zjj_medical.engine.layers.numbers import LayerTable

__all__ = ["LayerRun", "RoundBooks", "run_rounds"]

IntArray = npt.NDArray[np.int64]


@attrs.define
class LayerRun:
    """One layer for the rounds: its compiled form, its table, and each row's table row
    (``-1``: the layer pays nothing on that row)."""

    layer: CompiledLayer
    table: LayerTable
    rows: IntArray


@attrs.define
class RoundBooks:
    """The kernels' ``Books`` for the claims of a round (arrays, one value per claim)."""

    total: IntArray
    in_scope: IntArray
    tier: IntArray
    sub: IntArray  # the rows of these claims
    pys: IntArray  # their person-years
    so_far: IntArray
    pay_rows: list[IntArray]  # per layer, its payment per row (all rows)
    paid_years: list[IntArray]  # per layer, paid per person-year
    # Per layer, made when its kernel first reads them (a layer that never reads them
    # needs none): the year's base, deductibles borne, (person-years, tiers) claims counted.
    base_years: list[IntArray | None]
    borne_years: list[IntArray | None]
    counts: list[npt.NDArray[np.int32] | None]
    n_years: int
    n_tiers: int

    def earlier(self) -> IntArray:
        return self.so_far

    def pay(self, j: int) -> IntArray:
        return self.pay_rows[j][self.sub]

    def paid(self, j: int) -> IntArray:
        return self.paid_years[j][self.pys]

    def base(self, j: int) -> IntArray:
        years = self.base_years[j]
        if years is None:
            years = self.base_years[j] = np.zeros(self.n_years, dtype=np.int64)
        return years[self.pys]

    def borne(self, j: int) -> IntArray:
        years = self.borne_years[j]
        if years is None:
            years = self.borne_years[j] = np.zeros(self.n_years, dtype=np.int64)
        return years[self.pys]

    def count(self, j: int, same_tier: bool) -> IntArray:
        counts = self.counts[j]
        if counts is None:
            counts = self.counts[j] = np.zeros((self.n_years, self.n_tiers), dtype=np.int32)
        c = counts[self.pys]
        out = c[np.arange(len(self.pys)), self.tier] if same_tier else c.sum(axis=1)
        return np.asarray(out, dtype=np.int64)


#: The most claims settled by one kernel call.
_CHUNK = 1 << 17


def run_rounds(
    layers: Sequence[LayerRun],
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
    m = len(layers)
    pay = [np.zeros(n, dtype=np.int64) for _ in range(m)]
    paid = [np.zeros(n_years, dtype=np.int64) for _ in range(m)]
    base: list[IntArray | None] = [None] * m
    borne: list[IntArray | None] = [None] * m
    counts: list[npt.NDArray[np.int32] | None] = [None] * m
    done = 0
    # A round holds each person-year once, so its claims settle in any split: in chunks of
    # at most _CHUNK rows, the kernels' working arrays stay small (a run's memory peak).
    chunks = (r[a : a + _CHUNK] for r in rounds for a in range(0, len(r), _CHUNK))
    for rows in chunks:
        so_far = np.zeros(len(rows), dtype=np.int64)
        for j, run in enumerate(layers):
            p_all = run.rows[rows]
            pos = np.flatnonzero(p_all >= 0)
            if len(pos) == 0:
                continue
            sub = rows[pos]
            pys = person_year[sub]
            books = RoundBooks(
                total[sub], in_scope[sub], tier[sub], sub, pys, so_far[pos],
                pay, paid, base, borne, counts, n_years, n_tiers,
            )  # fmt: skip
            cl = run.layer
            out = cl.type.kernel(VECTOR, cl.plan, run.table.numbers(p_all[pos]), books, scale)
            amount = out.amount
            pay[j][sub] = amount
            so_far[pos] += amount
            paid[j][pys] += amount
            if (b := base[j]) is not None:
                b[pys] += out.base
            if (d := borne[j]) is not None:
                d[pys] += out.borne
            if (c := counts[j]) is not None:
                c[pys, tier[sub]] += 1
        done += len(rows)
        if progress is not None:
            progress(done)
    return pay
