"""The integer-fen arithmetic every layer type's kernel is written in — once, for both evaluators.

A kernel computes on ``Num``: a Python ``int`` when the scalar evaluator settles one claim
(:func:`zjj_medical.settle`), or an ``int64`` numpy array with one value per claim of a round
when the table evaluator settles many (:func:`zjj_medical.batch.simulate`). The same code
runs on both because it uses only ``+ − × // %`` and the three operations of an
:class:`Ops` (:data:`SCALAR` or :data:`VECTOR`). Money is integer fen; a ratio is an integer
scaled by ``scale = 10**k`` (``k`` decimal places make every ratio exact).

* half-up rounding of ``x × r / scale`` for ``x, r ≥ 0`` without overflow:
  ``r·(x // scale) + (r·(x % scale) + scale // 2) // scale`` — the first term is exact,
  only the remainder's share is rounded (:func:`mul_round`);
* a banded share ``F(A) = Σ rᵢ·|[loᵢ + s, hiᵢ + s) ∩ [d, A)|`` is rounded as a whole, the same
  way (:func:`band_value`);
* caps (own and shared, per claim and per year), then "no layer pays more than what is left
  of the claim's total", are minima (:func:`apply_caps`).

>>> mul_round(1800000, 85, 100)   # 18000.00 yuan × 0.85
1530000
>>> mul_round(30001, 50, 100)     # 300.01 × 0.5 = 150.005 → 150.01
15001
>>> import numpy as np
>>> mul_round(np.array([1, 2, 3]), np.array([50, 50, 50]), 100)
array([1, 1, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias

import attrs
import numpy as np

__all__ = [
    "INF",
    "SCALAR",
    "VECTOR",
    "Books",
    "CapSlot",
    "Num",
    "Ops",
    "apply_caps",
    "band_value",
    "mul_round",
]

#: An amount in fen or a scaled ratio: an ``int`` (one claim) or an int64 array (a round).
Num: TypeAlias = Any

#: "No limit" inside integer arithmetic only (a cap that does not exist, a band with no upper
#: end): far above any sum of amounts the library accepts, far below int64 overflow.
INF = 2**62


class Ops(Protocol):
    """The three operations a kernel needs beyond arithmetic, for ints or for arrays."""

    def maximum(self, a: Num, b: Num) -> Num:
        """The larger of ``a`` and ``b`` (element-wise for arrays)."""

    def minimum(self, a: Num, b: Num) -> Num:
        """The smaller of ``a`` and ``b`` (element-wise for arrays)."""

    def where(self, cond: Num, a: Num, b: Num) -> Num:
        """``a`` where ``cond`` holds, else ``b`` (element-wise for arrays)."""


class _Scalar:
    """:class:`Ops` on Python ints: one claim."""

    @staticmethod
    def maximum(a: Num, b: Num) -> Num:
        return a if a >= b else b

    @staticmethod
    def minimum(a: Num, b: Num) -> Num:
        return a if a <= b else b

    @staticmethod
    def where(cond: Num, a: Num, b: Num) -> Num:
        return a if cond else b


class _Vector:
    """:class:`Ops` on int64 arrays: one value per claim of a round."""

    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)
    where = staticmethod(np.where)


#: The scalar evaluator's operations.
SCALAR: Ops = _Scalar()
#: The table evaluator's operations.
VECTOR: Ops = _Vector()


def mul_round(x: Num, r: Num, scale: int) -> Num:
    """``round_half_up(x × r / scale)`` for ``x, r ≥ 0``, exactly, without overflow."""
    return r * (x // scale) + (r * (x % scale) + scale // 2) // scale


def band_value(
    ops: Ops, bands: Sequence[tuple[Num, Num, Num]], d: Num, shift: Num, a: Num, scale: int
) -> tuple[Num, list[Num]]:
    """``round(F(A))`` and the piece of ``[d, A)`` inside each band (bands shifted by ``shift``).

    ``bands`` holds ``(lower, upper, scaled ratio)``; ``upper`` is :data:`INF` for no end.

    >>> band_value(SCALAR, [(0, 3000000, 60), (3000000, INF, 65)], 1000000, 1000000, 5000000, 100)
    (2450000, [3000000, 1000000])
    """
    whole: Num = 0
    part: Num = 0
    pieces: list[Num] = []
    for lower, upper, ratio in bands:
        lo = ops.maximum(lower + shift, d)
        hi = ops.minimum(upper + shift, a)
        piece = ops.maximum(hi - lo, 0)
        whole = whole + ratio * (piece // scale)
        part = part + ratio * (piece % scale)
        pieces.append(piece)
    return whole + (part + scale // 2) // scale, pieces


@attrs.frozen
class CapSlot:
    """A kind of cap a layer can meet: ``per`` claim or year, own or shared by layer indices.

    Caps of one kind are measured against the same amount used, so only the least binds.
    """

    per: str
    shared: tuple[int, ...] = ()


class Books(Protocol):
    """What a kernel reads of the claim and the running person-year, in fen.

    The scalar evaluator answers with ints for one claim; the table evaluator with arrays for
    the claims of a round. ``j`` is a layer's index in the policy.
    """

    total: Num
    in_scope: Num
    tier: Num

    def earlier(self) -> Num:
        """What the earlier layers paid on this claim."""

    def pay(self, j: int) -> Num:
        """What layer ``j`` paid on this claim (0 when it has not paid, or pays later)."""

    def paid(self, j: int) -> Num:
        """What layer ``j`` has paid this person-year so far, this claim's payment included."""

    def base(self, j: int) -> Num:
        """Layer ``j``'s cumulative base this person-year before this claim."""

    def borne(self, j: int) -> Num:
        """The deductibles borne under layer ``j`` this person-year before this claim."""

    def count(self, j: int, same_tier: bool) -> Num:
        """Claims layer ``j`` counted this person-year before this one (at this tier or any)."""


def apply_caps(
    ops: Ops, amount: Num, j: int, slots: Sequence[CapSlot], caps: Sequence[Num], books: Books
) -> tuple[Num, list[Num], Num]:
    """Limit ``amount`` by each cap slot, then by what is left of the claim's total.

    Returns the limited amount, what each slot's cap had used before this payment, and what
    was left of the total.
    """
    used_by_slot: list[Num] = []
    for slot, cap in zip(slots, caps, strict=True):
        layers = slot.shared or (j,)
        used: Num = 0
        if slot.per == "year":
            for m in layers:
                used = used + books.paid(m)
        elif slot.shared:
            for m in layers:
                used = used + books.pay(m)
        used_by_slot.append(used)
        amount = ops.minimum(amount, ops.maximum(cap - used, 0))
    left = ops.maximum(books.total - books.earlier(), 0)
    return ops.minimum(amount, left), used_by_slot, left
