"""One-stop settlement (一站式结算): a claim through every layer of the policy, in order.

:func:`settle` is the engine. It checks the claim against the policy in force on
its date, decides in-county and pay-later, then chains the policy's layers for
the claim's kind — each layer sees what the earlier ones paid and the year's
ledger — and returns a :class:`Settlement` with the new ledger.

>>> from zjj_medical import Claim, Facility, Person, settle
>>> person = Person("P1", poor=True, county="sangzhi")
>>> claim = Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
...               total="20000.00", in_scope="18000.00")
>>> s = settle(claim, person)
>>> str(s.payments["basic_insurance"]), str(s.payments["fiscal_backstop"]), str(s.patient_pay)
('15300.00', '1700.00', '3000.00')
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

import attrs

from zjj_medical.engine.claims import Claim
from zjj_medical.engine.layers._compiled import compiled
from zjj_medical.engine.layers.kernel import SCALAR
from zjj_medical.engine.ledger import LayerState, Ledger
from zjj_medical.engine.lines import LineSplit
from zjj_medical.engine.normalize import normalize
from zjj_medical.engine.people import Person
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.errors import DuplicateClaim, LedgerMismatch, PolicyNotInForce
from zjj_medical.money import EXACT, ZERO, format_money, from_fen, to_fen
from zjj_medical.policy.loader import builtin_for
from zjj_medical.policy.model import Policy

__all__ = [
    "Settlement", "actual_ratio", "check_in_force", "duplicate_claim", "settle", "settle_year",
]  # fmt: skip

_RATIO_PLACES = Decimal("0.0001")


def actual_ratio(reimbursed: Decimal, total: Decimal) -> Decimal | None:
    """Reimbursed ÷ total, 4 places, ROUND_HALF_UP; ``None`` when total is 0.

    >>> actual_ratio(Decimal("17000.00"), Decimal("20000.00"))
    Decimal('0.8500')
    """
    if total == 0:
        return None
    return EXACT.divide(reimbursed, total).quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)


def _payments(value: Mapping[str, Decimal]) -> Mapping[str, Decimal]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Settlement:
    """The result of settling one claim.

    Attributes:
        claim_id, kind, date: the claim's.
        in_county: treated in-county (县域内).
        pay_later: 先诊疗、后付费 applies.
        total, in_scope: the claim's amounts.
        payments: every layer of the policy for the claim's kind, in policy order, zeros included.
        reimbursed: the sum of payments.
        patient_pay: total − reimbursed (never negative).
        actual_ratio: reimbursed ÷ total (4 places), ``None`` when total is 0.
        trace: one :class:`TraceEntry` per layer.
        ledger: the person-year ledger after this claim.
        policy_id: the policy used.
        split: the fee lines' split (全自费, 超限价自费, 先行自付, 符合范围), added up, when the
            claim gave its lines; ``in_scope`` is then its ``inscp``.
    """

    claim_id: str
    kind: str
    date: dt.date
    in_county: bool
    pay_later: bool
    total: Decimal
    in_scope: Decimal
    payments: Mapping[str, Decimal] = attrs.field(converter=_payments)
    reimbursed: Decimal
    patient_pay: Decimal
    actual_ratio: Decimal | None
    trace: tuple[TraceEntry, ...]
    ledger: Ledger
    policy_id: str = "zhangjiajie"
    split: LineSplit | None = None

    def to_dict(self, *, trace: bool = True) -> dict[str, Any]:
        """The settlement as the JSON contract writes it, without the ledger."""
        out: dict[str, Any] = {
            "claim_id": self.claim_id,
            "kind": self.kind,
            "date": self.date.isoformat(),
            "in_county": self.in_county,
            "pay_later": self.pay_later,
            "total": format_money(self.total),
            "in_scope": format_money(self.in_scope),
            "payments": {k: format_money(v) for k, v in self.payments.items()},
            "reimbursed": format_money(self.reimbursed),
            "patient_pay": format_money(self.patient_pay),
            "actual_ratio": None if self.actual_ratio is None else str(self.actual_ratio),
        }
        if self.split is not None:
            out["split"] = self.split.to_dict()
        if trace:
            out["trace"] = [entry.to_dict() for entry in self.trace]
        return out

    def explain(self) -> str:
        """The settlement in words, layer by layer, in Chinese and English terms."""
        from zjj_medical.render.explain import explain_settlement

        return explain_settlement(self)

    def __repr__(self) -> str:
        """One line: the claim, its total, reimbursed and the patient's share, exact."""
        from zjj_medical.render.notebook import settlement_repr

        return settlement_repr(self)

    def _repr_html_(self) -> str:
        """The settlement as a small HTML table (Jupyter shows it)."""
        from zjj_medical.render.notebook import settlement_html

        return settlement_html(self)


_EMPTY = LayerState()


@attrs.define
class _Books:
    """The scalar evaluator's books for one claim (the kernels' ``Books``), in fen."""

    total: int
    in_scope: int
    tier: str
    ids: tuple[str, ...]  # layer ids by index
    states: dict[str, LayerState]  # the person-year's, updated as each layer pays
    pays: dict[int, int] = attrs.field(factory=dict)
    so_far: int = 0

    def state(self, j: int) -> LayerState:
        return self.states.get(self.ids[j]) or _EMPTY

    def post(self, j: int, amount: int, base: int, borne: int) -> Decimal:
        """Record layer ``j``'s payment on this claim; returns it in yuan."""
        self.pays[j] = amount
        self.so_far += amount
        paid = from_fen(amount)
        self.states[self.ids[j]] = self.state(j).after_claim(
            base=from_fen(base), paid=paid, deductible=from_fen(borne), tier=self.tier
        )
        return paid

    def earlier(self) -> int:
        return self.so_far

    def pay(self, j: int) -> int:
        return self.pays.get(j, 0)

    def paid(self, j: int) -> int:
        return to_fen(self.state(j).paid)

    def base(self, j: int) -> int:
        return to_fen(self.state(j).base)

    def borne(self, j: int) -> int:
        return to_fen(self.state(j).deductible)

    def count(self, j: int, same_tier: bool) -> int:
        claims = self.state(j).claims
        return claims.get(self.tier, 0) if same_tier else sum(claims.values())


def duplicate_claim(claim_id: str) -> DuplicateClaim:
    """The error for a claim id the person-year's ledger has already settled."""
    return DuplicateClaim(
        code="claim.duplicate.ledger", params={"claim_id": claim_id}, claim_id=claim_id, field="id"
    )


def check_in_force(claim: Claim, policy: Policy) -> None:
    """Raise :class:`~zjj_medical.errors.PolicyNotInForce` when the policy is not in force on
    the claim's date (the first check of :func:`settle`)."""
    if not policy.in_force(claim.date):
        raise PolicyNotInForce(
            code="claim.policy.until" if policy.until else "claim.policy.from",
            params={
                "claim_id": claim.id, "policy_id": policy.id, "start": policy.start.isoformat(),
                "until": policy.until.isoformat() if policy.until else None,
                "date": claim.date.isoformat(),
            },
            claim_id=claim.id, field="date",
        )  # fmt: skip


def settle(
    claim: Claim, person: Person, *, policy: Policy | None = None, ledger: Ledger | None = None
) -> Settlement:
    """Settle one claim through every layer of the policy in force on its date.

    Args:
        claim: the claim (its ``date`` picks the values in force).
        person: the insured person.
        policy: the policy; ``None`` is the built-in Zhangjiajie policy in force on the
            claim's date (:func:`~zjj_medical.policy.loader.builtin_for`).
        ledger: the person-year ledger so far; ``None`` starts an empty one.

    Raises:
        InvalidClaim: the claim or person does not fit the policy (unknown level, …).
        PolicyNotInForce: the claim's date is outside the policy's period.
        LedgerMismatch: the ledger is another person's or another year's.
        DuplicateClaim: the ledger has already settled this claim id.
    """
    policy = policy or builtin_for(claim.date)
    check_in_force(claim, policy)
    year = claim.date.year
    if ledger is None:
        ledger = Ledger.empty(person.id, year)
    elif ledger.person_id != person.id or ledger.year != year:
        raise LedgerMismatch(
            code="claim.ledger.other",
            params={
                "claim_id": claim.id, "ledger_person": ledger.person_id,
                "ledger_year": ledger.year, "person_id": person.id, "year": year,
            },
            claim_id=claim.id, field="ledger",
        )  # fmt: skip
    if claim.id in ledger.claim_ids:
        raise duplicate_claim(claim.id)
    n = normalize(policy, claim, person)
    comp = compiled(policy)
    books = _Books(n.total, n.in_scope, n.tier, comp.ids, dict(ledger.layers))
    payments: dict[str, Decimal] = {}
    trace = []
    epoch = policy.epoch(claim.date)
    with decimal.localcontext(EXACT):
        for j in comp.for_kind(n.kind):
            cl = comp.layers[j]
            layer = cl.layer
            found = comp.numbers(j, claim.date, n.facts, epoch)
            res = found.resolved
            if found.numbers is None:
                payments[layer.id] = ZERO
                trace.append(
                    TraceEntry(layer.id, layer.name, ZERO, layer.reference, {}, res.reason)
                )
                continue
            out = cl.type.kernel(SCALAR, cl.plan, found.numbers, books, found.scale)
            amount = payments[layer.id] = books.post(j, out.amount, out.base, out.borne)
            inputs, note, binding = cl.type.trace(layer, res, cl.plan, out, policy)
            clause = (
                " / ".join(dict.fromkeys((*res.clauses, *binding))) if binding else found.clause
            )
            trace.append(TraceEntry(layer.id, layer.name, amount, clause, inputs, note))
        reimbursed = sum(payments.values(), ZERO)
        patient_pay = claim.total - reimbursed
    new_ledger = Ledger(person.id, year, (*ledger.claim_ids, claim.id), books.states)
    return Settlement(
        claim_id=claim.id, kind=n.kind, date=claim.date, in_county=n.in_county,
        pay_later=n.pay_later, total=claim.total, in_scope=from_fen(n.in_scope), split=n.split,
        payments=payments, reimbursed=reimbursed, patient_pay=patient_pay,
        actual_ratio=actual_ratio(reimbursed, claim.total), trace=tuple(trace),
        ledger=new_ledger, policy_id=policy.id,
    )  # fmt: skip


def settle_year(
    claims: Iterable[Claim],
    person: Person,
    *,
    policy: Policy | None = None,
    ledger: Ledger | None = None,
) -> list[Settlement]:
    """Settle a person's claims of one year in the order given, carrying the ledger.

    >>> from zjj_medical import Claim, Facility, Person
    >>> p = Person("P2", poor=False, county="cili")
    >>> f = Facility(level="township", county="cili")
    >>> visits = [Claim(f"V{i}", "outpatient", "2019-10-0" + str(i), f, "300", "300")
    ...           for i in (1, 2)]
    >>> [str(s.payments["outpatient_pooling"]) for s in settle_year(visits, p)]
    ['210.00', '140.00']
    """
    out: list[Settlement] = []
    for claim in claims:
        s = settle(claim, person, policy=policy, ledger=ledger)
        ledger = s.ledger
        out.append(s)
    return out
