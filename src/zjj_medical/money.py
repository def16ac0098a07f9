"""Exact money: ``Decimal`` yuan with at most two places (SPEC §4).

The one place where input money is checked and where rounding happens. Nothing
here reads the ambient :mod:`decimal` context: every operation that could round
uses :data:`EXACT` (enough precision that products of policy numbers are exact)
and every rounding names ``ROUND_HALF_UP``.

Floats are converted *exactly*: ``0.1`` is the binary number
0.1000000000000000055…, which has more than two places, so it is refused rather
than silently rounded. Floats that are exactly representable with two places
(``12.5``, ``200.0``) are accepted. Pass strings or ``Decimal`` to be safe.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal

from zjj_medical.errors import problem

__all__ = [
    "ACCEPTED",
    "CENT",
    "EXACT",
    "ZERO",
    "format_money",
    "parse_money",
    "round_half_up",
    "to_fen",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: What money input is accepted, said in every error about an amount.
ACCEPTED = "accepted: yuan ≥ 0 with at most 2 decimal places, e.g. '1234.56'"
#: A context wide enough that sums and products of policy amounts never round.
EXACT = decimal.Context(prec=60, rounding=ROUND_HALF_UP, traps=[decimal.InvalidOperation])


def _as_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool):
        raise problem(TypeError, "money.bool", what=what, value=value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(value)  # exact binary value; checked for places below
    if isinstance(value, str):
        text = value.strip()
        try:
            return Decimal(text)
        except decimal.InvalidOperation:
            raise problem(ValueError, "money.number", what=what, value=value) from None
    raise problem(TypeError, "money.type", what=what, value=value, type=type(value).__name__)


def parse_money(value: object, what: str = "amount") -> Decimal:
    """Parse an amount in yuan: finite, non-negative, at most two decimal places.

    Returns a ``Decimal`` quantised to exactly two places (no rounding happens:
    values with more places are refused).

    >>> parse_money("200")
    Decimal('200.00')
    >>> parse_money(12.5)
    Decimal('12.50')
    >>> parse_money("0.005")
    Traceback (most recent call last):
    ...
    ValueError: amount: '0.005' has more than 2 decimal places (accepted: yuan ≥ 0 with at most 2 decimal places, e.g. '1234.56')
    """
    d = _as_decimal(value, what)
    if not d.is_finite():
        raise problem(ValueError, "money.finite", what=what, value=value)
    if d < 0:
        raise problem(ValueError, "money.negative", what=what, value=value)
    if d != d.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT):
        raise problem(ValueError, "money.decimals", what=what, value=value)
    return d.quantize(CENT, context=EXACT) + ZERO


def round_half_up(value: Decimal) -> Decimal:
    """``round(v)`` of SPEC §4: quantise to 0.01 yuan, ROUND_HALF_UP.

    >>> round_half_up(Decimal("0.005"))
    Decimal('0.01')
    >>> round_half_up(Decimal("187.4999"))
    Decimal('187.50')
    """
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def to_fen(value: Decimal) -> int:
    """Integer fen of an amount with at most two places (``Decimal('1.23')`` → ``123``)."""
    fen = value * 100
    if fen != fen.to_integral_value():
        raise problem(ValueError, "money.fen", value=value)
    return int(fen)


def format_money(value: Decimal) -> str:
    """Money as the JSON contract writes it: a string with exactly two decimals.

    >>> format_money(Decimal("5"))
    '5.00'
    """
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT) + ZERO)
