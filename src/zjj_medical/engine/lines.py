"""Fee lines (费用明细) and their split into self-paid and in-scope parts.

A claim may carry the stay's fee lines instead of (or beside) its ``in_scope`` figure.
Each line splits, by the policy's catalogue rules (:mod:`zjj_medical.policy.catalogue`),
into four parts, each rounded half up to the fen on the line:

* ``fulamt_ownpay`` (全自费) — the whole amount of a line outside the catalogue (丙类);
* ``overlmt_selfpay`` (超限价自费) — the part above ``limit × quantity``;
* ``preselfpay`` (先行自付) — the class's self-pay ratio × what is left;
* ``inscp`` (符合政策范围) — the rest.

The four parts add up to the line's amount exactly; the claim's ``total`` is the sum of the
amounts and its ``in_scope`` the sum of ``inscp``.

>>> from decimal import Decimal as D
>>> line = FeeLine("X1", "头孢呋辛钠", "B", quantity="3", price="12.35")
>>> line.amount        # 3 × 12.35
Decimal('37.05')
>>> split_line(line, excluded=False, ratio=D("0.10"))   # 10% of 37.05 = 3.705 → 3.71
LineSplit(fulamt_ownpay=Decimal('0.00'), overlmt_selfpay=Decimal('0.00'), preselfpay=Decimal('3.71'), inscp=Decimal('33.34'))
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from zjj_medical.errors import InvalidClaim, problem, problem_of
from zjj_medical.money import EXACT, ZERO, format_money, parse_money, round_half_up

__all__ = ["FeeLine", "LineSplit", "split_line"]


def _quantity(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise problem(ValueError, "line.quantity", value=value)
    try:
        q = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except ArithmeticError:
        raise problem(ValueError, "line.quantity", value=value) from None
    if not q.is_finite() or q <= 0 or q.adjusted() > 9 or q.as_tuple().exponent < -6:  # type: ignore[operator]
        raise problem(ValueError, "line.quantity", value=value)
    return q


def _ratio(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise problem(ValueError, "line.share", value=value)
    try:
        r = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except ArithmeticError:
        raise problem(ValueError, "line.share", value=value) from None
    if not r.is_finite() or not 0 <= r <= 1 or r.as_tuple().exponent < -8:  # type: ignore[operator]
        raise problem(ValueError, "line.share", value=value)
    return r


def _price(value: object) -> Decimal:
    return parse_money(value, "price")


def _limit(value: object) -> Decimal | None:
    return None if value is None else parse_money(value, "limit")


def line_problem(exc: ValueError | TypeError) -> tuple[str, dict[str, object]]:
    """The ``(code, params)`` of a line's refused value (its money reader's, or its own)."""
    found = problem_of(exc)
    return found if found is not None else ("line.invalid", {"detail": str(exc)})


@attrs.frozen
class FeeLine:
    """One line of a stay's fee list.

    Attributes:
        code: the item's catalogue code (医保目录编码).
        name: the item's name.
        class_: its catalogue class id or name (``A``/``甲类``, ``B``/``乙类``, ``C``/``丙类``, or
            one the policy declares).
        quantity: how many (more than 0, at most 6 decimals).
        price: the unit price in yuan (2 decimals).
        amount: ``quantity × price`` rounded half up to the fen; when given it must equal that.
        limit: the unit price limit (限价), if any: the part above ``limit × quantity`` is
            self-paid.
        self_pay_ratio: the line's own class-B share, where the policy lets a line give it.
    """

    code: str
    name: str
    class_: str
    quantity: Decimal = attrs.field(converter=_quantity)
    price: Decimal = attrs.field(converter=_price)
    amount: Decimal | None = None
    limit: Decimal | None = attrs.field(default=None, converter=_limit)
    self_pay_ratio: Decimal | None = attrs.field(default=None, converter=_ratio)

    def __attrs_post_init__(self) -> None:
        computed = round_half_up(EXACT.multiply(self.quantity, self.price))
        if self.amount is None:
            object.__setattr__(self, "amount", computed)
            return
        given = parse_money(self.amount, "amount")
        if given != computed:
            raise problem(
                ValueError, "line.amount", amount=format_money(given), quantity=str(self.quantity),
                price=format_money(self.price), computed=format_money(computed),
            )  # fmt: skip
        object.__setattr__(self, "amount", given)

    @property
    def total(self) -> Decimal:
        """The line's amount (never ``None`` once built)."""
        assert self.amount is not None
        return self.amount

    def to_dict(self) -> dict[str, Any]:
        """The line as the JSON contract writes it."""
        return {
            "code": self.code, "name": self.name, "class": self.class_,
            "quantity": str(self.quantity), "price": format_money(self.price),
            "amount": format_money(self.total),
            "limit": None if self.limit is None else format_money(self.limit),
            "self_pay_ratio": None if self.self_pay_ratio is None else str(self.self_pay_ratio),
        }  # fmt: skip


@attrs.frozen
class LineSplit:
    """A line's amount (or a claim's lines' amounts) split into the four parts."""

    fulamt_ownpay: Decimal = ZERO
    overlmt_selfpay: Decimal = ZERO
    preselfpay: Decimal = ZERO
    inscp: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """The four parts together: the amount."""
        return self.fulamt_ownpay + self.overlmt_selfpay + self.preselfpay + self.inscp

    @classmethod
    def sum(cls, splits: Iterable[LineSplit]) -> LineSplit:
        """The parts of several lines added up."""
        own = over = pre = inscp = ZERO
        for s in splits:
            own += s.fulamt_ownpay
            over += s.overlmt_selfpay
            pre += s.preselfpay
            inscp += s.inscp
        return cls(own, over, pre, inscp)

    def to_dict(self) -> dict[str, str]:
        """JSON form: the platform's field names, money as two-decimal text."""
        return {k: format_money(v) for k, v in attrs.asdict(self).items()}


def split_line(line: FeeLine, *, excluded: bool, ratio: Decimal) -> LineSplit:
    """Split a line: wholly self-paid when its class is ``excluded``; else the part above its
    limit, then ``ratio`` of the rest paid first, then in scope."""
    amount = line.total
    if excluded:
        return LineSplit(fulamt_ownpay=amount)
    over = ZERO
    if line.limit is not None:
        over = max(ZERO, amount - round_half_up(EXACT.multiply(line.limit, line.quantity)))
    rest = amount - over
    pre = round_half_up(EXACT.multiply(ratio, rest))
    return LineSplit(ZERO, over, pre, rest - pre)


def line_error(claim_id: str, index: int, message: str, field: str = "") -> InvalidClaim:
    """The error of a claim's ``lines[index]``."""
    where = f"lines[{index}]" + (f".{field}" if field else "")
    return InvalidClaim(
        code="claim.line.invalid", params={"claim_id": claim_id, "where": where, "detail": message},
        claim_id=claim_id, field=where,
    )  # fmt: skip
