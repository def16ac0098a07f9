"""The values the ledger store holds and hands back: stored settlements and reversals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

import attrs

from zjj_medical.contract.codec import settlement_from_dict
from zjj_medical.contract.documents import parse_claim, parse_person
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import Settlement
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.money import CENT, EXACT, ZERO, format_money

__all__ = [
    "Adjustment",
    "Reversal",
    "StoredSettlement",
    "layer_deltas",
    "record_from_dict",
    "stored_form",
]


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen
class StoredSettlement:
    """A settlement as the ledger store keeps it, with everything needed to audit or redo it.

    Attributes:
        settlement: the settlement (its ``ledger`` is the person-year ledger after it).
        claim: the claim's input JSON (the JSON contract's form).
        person: the person's input JSON.
        content_hash: SHA-256 of claim and person (see :func:`~zjj_medical.contract.codec.content_hash`).
        policy_id: the policy that settled it.
        policy_version: the policy file's fingerprint (``sha256:…``).
        facility: the facility key used by reports (facility id, or ``tier@county``).
        seq: its place in the person-year's order of settlement (1, 2, …; gaps after reversals).
        settled_at: when it was written (UTC, ISO 8601).
        posting_note: why its place in the order of posting is worth a word ("" when not):
            a claim dated before a claim already posted for its person-year says so.
    """

    settlement: Settlement
    claim: Mapping[str, Any] = attrs.field(converter=_frozen)
    person: Mapping[str, Any] = attrs.field(converter=_frozen)
    content_hash: str
    policy_id: str
    policy_version: str
    facility: str
    seq: int
    settled_at: str
    posting_note: str = ""

    @property
    def claim_id(self) -> str:
        """The claim id."""
        return self.settlement.claim_id

    @property
    def person_id(self) -> str:
        """The person id."""
        return self.settlement.ledger.person_id

    @property
    def year(self) -> int:
        """The ledger year (the claim's date's year)."""
        return self.settlement.ledger.year

    @property
    def date(self) -> dt.date:
        """The claim's date."""
        return self.settlement.date

    def parsed_claim(self) -> Claim:
        """The claim, read back from its stored JSON."""
        return parse_claim(dict(self.claim))

    def parsed_person(self) -> Person:
        """The person, read back from the stored JSON."""
        return parse_person(dict(self.person))

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the settlement (with trace), the ledger after it, and the audit facts."""
        return {
            "settlement": self.settlement.to_dict(),
            "ledger": self.settlement.ledger.to_dict(),
            "claim": dict(self.claim),
            "person": dict(self.person),
            "content_hash": self.content_hash,
            "policy_id": self.policy_id,
            "policy_version": self.policy_version,
            "facility": self.facility,
            "seq": self.seq,
            "settled_at": self.settled_at,
            "posting_note": self.posting_note,
        }


def layer_deltas(old: Mapping[str, Decimal], new: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Per layer ``new − old`` over the layers of both (a missing layer counts as 0).

    >>> layer_deltas({"a": Decimal("10.00")}, {"a": Decimal("7.50"), "b": Decimal("1.00")})
    {'a': Decimal('-2.50'), 'b': Decimal('1.00')}
    """
    layers = list(dict.fromkeys([*old, *new]))
    return {k: EXACT.subtract(new.get(k, ZERO), old.get(k, ZERO)) for k in layers}


@attrs.frozen
class Adjustment:
    """How a later claim's settlement changed when an earlier claim was reversed.

    ``deltas[layer]`` is new − old: positive, the fund pays the difference (charged);
    negative, the fund is refunded. ``patient_delta`` is the change of the patient's share.
    """

    claim_id: str
    old: Mapping[str, Decimal] = attrs.field(converter=_frozen)
    new: Mapping[str, Decimal] = attrs.field(converter=_frozen)
    old_patient_pay: Decimal
    new_patient_pay: Decimal

    @property
    def deltas(self) -> dict[str, Decimal]:
        """Per layer new − old."""
        return layer_deltas(self.old, self.new)

    @property
    def patient_delta(self) -> Decimal:
        """The patient's share, new − old."""
        return EXACT.subtract(self.new_patient_pay, self.old_patient_pay)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, money as two-decimal text (deltas may be negative)."""
        return {
            "claim_id": self.claim_id,
            "old": {k: format_money(v) for k, v in self.old.items()},
            "new": {k: format_money(v) for k, v in self.new.items()},
            "delta": {k: _signed(v) for k, v in self.deltas.items()},
            "patient_pay_delta": _signed(self.patient_delta),
        }


def _signed(value: Decimal) -> str:
    return "-" + format_money(value.copy_negate()) if value < 0 else format_money(value)


@attrs.frozen
class Reversal:
    """A reversed claim (冲正) and what it did to the person-year's later claims.

    Attributes:
        id: the reversal's number in the store.
        reversed: the settlement reversed; each fund refunds its payments.
        adjustments: one per later claim of the person-year, in order, re-settled.
        reversed_at: when (UTC, ISO 8601).
    """

    id: int
    reversed: StoredSettlement
    adjustments: tuple[Adjustment, ...]
    reversed_at: str

    @property
    def claim_id(self) -> str:
        """The reversed claim's id."""
        return self.reversed.claim_id

    def net(self) -> dict[str, Decimal]:
        """Per layer, what the fund pays in all (negative: it is owed a refund).

        The reversed claim's payments come back (−paid) and each later claim's delta is added.
        """
        out = {k: v.copy_negate() for k, v in self.reversed.settlement.payments.items()}
        for adj in self.adjustments:
            for k, d in adj.deltas.items():
                out[k] = EXACT.add(out.get(k, ZERO), d)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the reversed claim, its refund per layer, the adjustments and the net."""
        s = self.reversed.settlement
        return {
            "reversal_id": self.id,
            "claim_id": self.claim_id,
            "person_id": self.reversed.person_id,
            "year": self.reversed.year,
            "refund": {k: format_money(v) for k, v in s.payments.items()},
            "adjustments": [a.to_dict() for a in self.adjustments],
            "net": {k: _signed(v) for k, v in self.net().items()},
        }


def record_from_dict(data: Mapping[str, Any]) -> StoredSettlement:
    """Read back :meth:`StoredSettlement.to_dict`."""
    ledger = Ledger.from_dict(data["ledger"])
    return StoredSettlement(
        settlement=settlement_from_dict(data["settlement"], ledger, data["policy_id"]),
        claim=data["claim"],
        person=data["person"],
        content_hash=data["content_hash"],
        policy_id=data["policy_id"],
        policy_version=data["policy_version"],
        facility=data["facility"],
        seq=int(data["seq"]),
        settled_at=data["settled_at"],
        posting_note=data.get("posting_note", ""),
    )


def _money(value: Decimal) -> Decimal:
    # what parse_money(format_money(value)) gives: two places, no negative zero (in EXACT,
    # whatever the caller's decimal context)
    return EXACT.add(value.quantize(CENT, rounding=ROUND_HALF_UP, context=EXACT), ZERO)


def _json_value(value: Any) -> Any:
    """A trace input as a JSON read gives it back: money as two-decimal text, lists for tuples."""
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def stored_form(s: Settlement) -> Settlement:
    """The settlement as a read of the store gives it back, built from its values.

    Equal to ``settlement_from_dict(s.to_dict(), s.ledger, s.policy_id)`` without writing
    and parsing JSON: amounts with two places, trace inputs in their JSON form (money as
    text). The ledger is kept as is (it reads back equal).
    """
    trace = tuple(
        TraceEntry(e.layer, e.name, _money(e.amount), e.clause, _json_value(dict(e.inputs)), e.note)
        for e in s.trace
    )
    return attrs.evolve(
        s,
        total=_money(s.total),
        in_scope=_money(s.in_scope),
        payments={k: _money(v) for k, v in s.payments.items()},
        reimbursed=_money(s.reimbursed),
        patient_pay=_money(s.patient_pay),
        trace=trace,
    )
