"""Claims: one inpatient discharge or outpatient visit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import NoReturn

import attrs

from zjj_medical.engine.lines import FeeLine
from zjj_medical.engine.people import Attributes, Facility, is_id, shown
from zjj_medical.errors import InvalidClaim, problem_of
from zjj_medical.money import ZERO, format_money, parse_money

__all__ = ["Claim"]


def _line_tuple(lines: Iterable[FeeLine]) -> tuple[FeeLine, ...]:
    return tuple(lines)


@attrs.frozen
class Claim:
    """A claim for one admission or visit.

    Money is yuan from 0 to 9,999,999,999.99 with at most two decimals, given as ``Decimal``,
    ``str`` or ``int``; a float is read as its shortest ``repr`` (``0.1`` is 0.10,
    ``0.1 + 0.2`` is refused), the one rule of :mod:`zjj_medical.money`. ``total`` and
    ``in_scope`` are stored as ``Decimal`` with two places.

    Attributes:
        id: the claim id, unique within a person-year.
        kind: the claim kind id (``inpatient``, ``outpatient`` or one the policy declares).
        date: discharge date (inpatient) or visit date (outpatient); ISO text accepted.
        facility: where care was given.
        total: the total cost (医疗费总额).
        in_scope: the in-scope cost (政策范围内费用), at most ``total``; ``None`` when
            ``lines`` are given: the policy's catalogue rules compute it from them.
        accident: an accidental injury (意外伤害): no pay-later.
        attributes: claim attributes the policy names (``referral`` …), kept as an
            immutable :class:`~zjj_medical.engine.people.Attributes`; equality sees them.
        lines: the stay's fee lines (:class:`~zjj_medical.engine.lines.FeeLine`), if given;
            ``total`` is then their sum (given or left ``None``), and a given ``in_scope``
            must agree with their split.

    >>> c = Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
    ...           total="20000", in_scope="18000.00")
    >>> c.total, c.date
    (Decimal('20000.00'), datetime.date(2019, 11, 3))
    """

    id: str
    kind: str
    date: dt.date
    facility: Facility
    total: Decimal
    in_scope: Decimal | None
    accident: bool = False
    attributes: Attributes = attrs.field(factory=Attributes, converter=Attributes)
    lines: tuple[FeeLine, ...] = attrs.field(default=(), converter=_line_tuple)

    def __attrs_post_init__(self) -> None:
        if not is_id(self.id):
            raise InvalidClaim(code="claim.id.text", params={"value": shown(self.id)}, field="id")
        set_ = object.__setattr__
        if isinstance(self.date, str):
            try:
                set_(self, "date", dt.date.fromisoformat(self.date))
            except ValueError:
                self._fail("date", "claim.date.format", value=self.date)
        elif isinstance(self.date, dt.datetime) or not isinstance(self.date, dt.date):
            self._fail("date", "claim.date.type", value=self.date)
        for i, line in enumerate(self.lines):
            if not isinstance(line, FeeLine):
                self._fail(f"lines[{i}]", "claim.line.type", where=f"lines[{i}]", value=line)
        if self.lines:
            # the total follows from the lines; in_scope too, once the policy splits them
            amounts = sum((line.total for line in self.lines), ZERO)
            if self.total is None:
                set_(self, "total", amounts)
        for name in ("total", "in_scope"):
            if name == "in_scope" and self.in_scope is None and self.lines:
                continue
            try:
                set_(self, name, parse_money(getattr(self, name), name))
            except (ValueError, TypeError) as exc:
                found = problem_of(exc)
                if found is None:
                    raise
                self._fail(name, "claim." + found[0], **found[1])
        if self.lines and self.total != amounts:
            self._fail(
                "total", "claim.lines.total", total=format_money(self.total),
                lines=format_money(amounts),
            )  # fmt: skip
        if self.in_scope is not None and self.in_scope > self.total:
            self._fail(
                "in_scope", "claim.in_scope.above_total",
                in_scope=str(self.in_scope), total=str(self.total),
            )  # fmt: skip
        if not isinstance(self.accident, bool):
            self._fail("accident", "claim.accident.bool", value=self.accident)
        if not isinstance(self.facility, Facility):
            self._fail("facility", "claim.facility.type", value=self.facility)

    def _fail(self, field: str, code: str, **params: object) -> NoReturn:
        raise InvalidClaim(
            code=code, params={"claim_id": self.id, **params}, claim_id=self.id, field=field
        )
