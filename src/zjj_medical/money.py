"""Exact money: ``Decimal`` yuan with at most two places.

The one place where input money is checked and where rounding happens. Nothing
here reads the ambient :mod:`decimal` context: every operation that could round
uses :data:`EXACT` (enough precision that products of policy numbers are exact)
and every rounding names ``ROUND_HALF_UP``.

**The accepted amounts** — one rule for a :class:`~zjj_medical.Claim` built in Python,
the JSON contract, table rows and the batch engine, so an amount is accepted or refused
the same way, with the same words, wherever it comes from:

* a finite number of yuan from 0 to :data:`MAX_AMOUNT` (9,999,999,999.99) with at most
  two decimal places (``"12.50"``, ``"12.5"``, ``"12.500"``, ``"1e3"``);
* given as text (spaces around it allowed), ``Decimal``, an integer (Python or NumPy) or a
  binary float (Python or NumPy); a boolean or any other type is refused;
* NaN, infinities, negative amounts, amounts above the maximum and amounts with a non-zero
  digit past the fen are refused, never rounded, whatever their number of digits; no input
  ends in a :mod:`decimal` exception.

**Floats** are read as their shortest ``repr``: the shortest decimal that the float is the
nearest double to (``0.1`` → ``'0.1'`` → 0.10; ``12.34`` → 12.34), and that decimal must
then meet the rule above (``0.1 + 0.2`` is ``0.30000000000000004`` and is refused, not
rounded to 0.30). Why this rule rather than the float's exact binary value or a refusal:
a double holds every decimal of up to 15 significant digits as the nearest double, and
``repr`` gives that decimal back, so the float ``0.1`` — typed as ``0.1``, read from a CSV
or a spreadsheet into a ``float64`` column — means 0.1 yuan and nothing else. Every
accepted amount has at most 12 significant digits (10 before the point, 2 after), so the
reading is exact for all of them: it never rounds, it only recovers the decimal the float
was made from. Refusing floats would make ``pandas`` tables of money unusable, and the
exact binary value (0.1000000000000000055…) is not what anyone meant. A float32 is first
widened to a double, so ``float32(0.1)`` is 0.10000000149011612 and is refused.

:data:`MAX_AMOUNT` is far above any real claim and keeps every sum exact: a person-year
of a million claims at the maximum is 10¹⁸ fen, inside ``int64`` (9.2·10¹⁸), and every
amount is below 2⁵³ fen, so ``float64`` yuan printed with two decimals recovers the fen.
"""

from __future__ import annotations

import decimal
import functools
import numbers
from decimal import ROUND_HALF_UP, Decimal

from zjj_medical.errors import problem

__all__ = [
    "ACCEPTED",
    "CENT",
    "EXACT",
    "MAX_AMOUNT",
    "MAX_FEN",
    "ZERO",
    "format_money",
    "from_fen",
    "parse_fen",
    "parse_money",
    "round_half_up",
    "to_fen",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The largest amount accepted for a claim's total or in-scope cost, in yuan.
MAX_AMOUNT = Decimal("9999999999.99")
#: :data:`MAX_AMOUNT` in fen.
MAX_FEN = 999_999_999_999
#: What money input is accepted, said in every error about an amount.
ACCEPTED = "accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56'"
#: A context wide enough that sums and products of policy amounts never round, and that
#: takes any exponent a ``Decimal`` can hold.
EXACT = decimal.Context(
    prec=60,
    rounding=ROUND_HALF_UP,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation],
)
_SHOWN = 40  # an amount shown in an error message is cut to this many characters


def _show(value: object) -> str:
    """The amount as an error message shows it: text quoted, a number as the value it was
    read as (a NumPy number like a Python one), cut short."""
    if isinstance(value, str):
        text = repr(value)
    elif _is_boolean(value):
        text = str(bool(value))  # also a NumPy bool
    elif isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, numbers.Integral):
        text = str(Decimal(int(value)))  # no int-to-text digit limit
    elif isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational):
        text = repr(float(value))
    else:
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _is_boolean(value: object) -> bool:
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")


def _as_decimal(value: object, what: str) -> Decimal:
    """The exact ``Decimal`` of an input amount (no context: nothing is rounded)."""
    if _is_boolean(value):
        raise problem(TypeError, "money.bool", what=what, value=value, shown=_show(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational):
        return Decimal(repr(float(value)))  # its shortest repr (see the module's docstring)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except decimal.InvalidOperation:
            raise problem(
                ValueError, "money.number", what=what, value=value, shown=_show(value)
            ) from None
    raise problem(
        TypeError, "money.type", what=what, value=value, shown=_show(value),
        type=type(value).__name__,
    )  # fmt: skip


def parse_money(
    value: object, what: str = "amount", *, maximum: Decimal | None = MAX_AMOUNT
) -> Decimal:
    """Parse an amount in yuan under the module's rule; ``what`` names it in errors.

    Returns a ``Decimal`` quantised to exactly two places (no rounding happens:
    values with more places are refused). Raises ``ValueError`` for a value outside the
    rule and ``TypeError`` for a value of another type. ``maximum=None`` reads a sum of
    amounts (a year's running total in a ledger), which may exceed :data:`MAX_AMOUNT`;
    it is read exactly whatever its size.

    >>> parse_money("200"), parse_money(12.5), parse_money(0.1)
    (Decimal('200.00'), Decimal('12.50'), Decimal('0.10'))
    >>> parse_money("0.005")
    Traceback (most recent call last):
    ...
    ValueError: amount: '0.005' has more than 2 decimal places (accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56')
    >>> parse_money("1e400", "total")
    Traceback (most recent call last):
    ...
    ValueError: total: '1e400' is above the largest amount, 9999999999.99 (accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56')
    """
    d = _as_decimal(value, what)
    if not d.is_finite():
        raise problem(ValueError, "money.finite", what=what, value=value, shown=_show(value))
    if d < 0:
        raise problem(ValueError, "money.negative", what=what, value=value, shown=_show(value))
    if maximum is not None and d > maximum:
        raise problem(
            ValueError, "money.maximum", what=what, value=value, shown=_show(value),
            maximum=str(maximum),
        )  # fmt: skip
    if d.adjusted() >= EXACT.prec - 2:  # a sum too large to hold to the fen (maximum=None)
        raise problem(ValueError, "money.too_large", what=what, value=value, shown=_show(value))
    cents = d.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)
    if cents != d:
        raise problem(ValueError, "money.decimals", what=what, value=value, shown=_show(value))
    return EXACT.add(cents, ZERO)  # -0.00 → 0.00


def parse_fen(value: object, what: str = "amount") -> int:
    """:func:`parse_money` as integer fen.

    >>> parse_fen("18000.00"), parse_fen(12.34), parse_fen(7)
    (1800000, 1234, 700)
    """
    return to_fen(parse_money(value, what))


def round_half_up(value: Decimal) -> Decimal:
    """``round(v)`` of the policy's formulas: quantise to 0.01 yuan, ROUND_HALF_UP.

    >>> round_half_up(Decimal("0.005"))
    Decimal('0.01')
    >>> round_half_up(Decimal("187.4999"))
    Decimal('187.50')
    """
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT)


def to_fen(value: Decimal) -> int:
    """Integer fen of an amount with at most two places (``Decimal('1.23')`` → ``123``)."""
    fen = value.scaleb(2, context=EXACT)
    if fen != fen.to_integral_value(context=EXACT):
        raise problem(ValueError, "money.fen", value=value)
    return int(fen)


@functools.lru_cache(maxsize=8192)
def from_fen(fen: int) -> Decimal:
    """Integer fen as exact ``Decimal`` yuan with two places (``12345`` → ``123.45``).

    Remembers recent values (a ``Decimal`` is immutable, so sharing one is safe).

    >>> from_fen(12345), from_fen(0), from_fen(-5)
    (Decimal('123.45'), Decimal('0.00'), Decimal('-0.05'))
    """
    return Decimal(int(fen)).scaleb(-2) if fen else ZERO


def format_money(value: Decimal) -> str:
    """Money as the JSON contract writes it: a string with exactly two decimals.

    >>> format_money(Decimal("5"))
    '5.00'
    """
    return str(EXACT.add(value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT), ZERO))
