"""The JSON contract: a person-year document in, settlements and the ledger out.

>>> doc = {"person": {"id": "P1", "poor": True, "county": "sangzhi", "categories": []},
...        "claims": [{"id": "C1", "kind": "inpatient", "date": "2019-11-03",
...                    "facility": {"id": None, "level": "county", "county": "sangzhi"},
...                    "total": "20000.00", "in_scope": "18000.00", "accident": False}],
...        "ledger": None}
>>> out = settle_document(doc)
>>> out["settlements"][0]["payments"]["fiscal_backstop"], out["settlements"][0]["actual_ratio"]
('1700.00', '0.8500')
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from zjj_medical.contract.inputs import claim_from_dict, person_from_dict
from zjj_medical.contract.signature import ledger_key, signed_ledger, verified_ledger
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import Settlement, settle_year
from zjj_medical.errors import InvalidClaim, LedgerMismatch, ReimbursementError
from zjj_medical.policy.model import Policy

__all__ = [
    "output_document",
    "parse_claim",
    "parse_document",
    "parse_person",
    "settle_document",
    "settle_parsed",
]


def parse_person(obj: Any) -> Person:
    """A :class:`Person` from the document's ``person`` object; extra keys become policy
    attributes (:func:`~zjj_medical.contract.inputs.person_from_dict`)."""
    return person_from_dict(obj, "person")


def parse_claim(obj: Any, index: int = 0) -> Claim:
    """A :class:`Claim` from the document's ``claims[index]`` object; extra keys become policy
    claim attributes (:func:`~zjj_medical.contract.inputs.claim_from_dict`)."""
    return claim_from_dict(obj, f"claims[{index}]")


def _need(obj: Mapping[str, Any], key: str) -> Any:
    if key not in obj:
        raise InvalidClaim(
            code="document.field.missing", params={"field": key}, field=key, path=key
        )
    return obj[key]


def parse_document(
    doc: Mapping[str, Any], *, key: bytes | None = None
) -> tuple[Person, list[Claim], Ledger | None]:
    """Read a person-year input document into values.

    With ``key`` (bytes, see :func:`~zjj_medical.contract.signature.ledger_key`) the
    document's ledger must carry the signature that key gives it
    (:func:`~zjj_medical.contract.signature.verified_ledger`); without, its ``signature``
    is not checked.
    """
    if not isinstance(doc, Mapping):
        raise InvalidClaim(code="document.object", field="document", path="")
    unknown = set(doc) - {"person", "claims", "ledger"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidClaim(
            code="document.field.unknown",
            params={"field": name, "accepted": ["claims", "ledger", "person"]},
            field=name, path=name,
        )  # fmt: skip
    person = parse_person(_need(doc, "person"))
    raw_claims = _need(doc, "claims")
    if not isinstance(raw_claims, list):
        raise InvalidClaim(code="document.claims.list", field="claims", path="claims")
    claims = [parse_claim(c, i) for i, c in enumerate(raw_claims)]
    ledger = doc.get("ledger")
    return person, claims, None if ledger is None else verified_ledger(ledger, key)


def settle_document(
    doc: Mapping[str, Any],
    *,
    policy: Policy | None = None,
    trace: bool = True,
    key: str | bytes | None = None,
) -> dict[str, Any]:
    """Settle a person-year document and return the output document.

    All claims are checked before any is settled; the first error is raised and no
    partial result is returned.

    ``key`` (else the environment variable ``ZJJ_MEDICAL_LEDGER_KEY``) signs the ledger
    handed out and is needed to take a ledger back: a ledger handed in without the
    signature the key gives it is refused (:class:`~zjj_medical.errors.LedgerMismatch`,
    code ``ledger.signature.missing`` or ``ledger.signature.invalid``). With no key,
    nothing is signed or checked (:mod:`~zjj_medical.contract.signature`).
    """
    secret = ledger_key(key)
    person, claims, given = parse_document(doc, key=secret)
    settlements = settle_parsed(person, claims, given, policy=policy)
    return output_document(
        settlements, settlements[-1].ledger if settlements else given, trace=trace, key=secret
    )


def output_document(
    settlements: Sequence[Settlement],
    ledger: Ledger | None,
    *,
    trace: bool = True,
    key: bytes | None = None,
) -> dict[str, Any]:
    """The output document: the settlements and the ledger to carry forward, signed with
    ``key`` when one is given."""
    return {
        "settlements": [s.to_dict(trace=trace) for s in settlements],
        "ledger": None if ledger is None else signed_ledger(ledger, key),
    }


def settle_parsed(
    person: Person, claims: list[Claim], ledger: Ledger | None, *, policy: Policy | None
) -> list[Settlement]:
    """Settle parsed claims in order, checking that they share one year and come in date order.

    A document's claims are posted in the order given, which must be the order of their
    dates (non-decreasing): a claim dated before the one before it is refused, naming it, so
    that the same claims never pay differently by how a billing system sent them.
    ``policy=None`` settles each claim under the built-in policy in force on its date.
    """
    years = {c.date.year for c in claims}
    if len(years) > 1:
        bad = next(c for c in claims if c.date.year != claims[0].date.year)
        raise InvalidClaim(
            code="claim.date.year_span", params={"claim_id": bad.id, "years": sorted(years)},
            claim_id=bad.id, field="date", path=f"claims[{claims.index(bad)}].date",
        )  # fmt: skip
    for i, (before, claim) in enumerate(itertools.pairwise(claims), start=1):
        if claim.date < before.date:
            raise InvalidClaim(
                code="claim.date.order",
                params={"claim_id": claim.id, "date": claim.date.isoformat(),
                        "before": before.id, "before_date": before.date.isoformat()},
                claim_id=claim.id, field="date", path=f"claims[{i}].date",
            )  # fmt: skip
    if ledger is not None and ledger.person_id != person.id:
        first = claims[0].id if claims else None
        raise LedgerMismatch(
            code="claim.ledger.person" if first else "ledger.person",
            params={"claim_id": first, "ledger_person": ledger.person_id, "person_id": person.id}
            if first else {"ledger_person": ledger.person_id, "person_id": person.id},
            claim_id=first, field="ledger", path="ledger.person_id",
        )  # fmt: skip
    try:
        return settle_year(claims, person, policy=policy, ledger=ledger)
    except ReimbursementError as exc:
        at = {c.id: i for i, c in enumerate(claims)}
        if exc.path is None and exc.claim_id in at and exc.field is not None:
            inside = exc.field.startswith(("person.", "ledger")) or exc.field == "person"
            exc.path = exc.field if inside else f"claims[{at[exc.claim_id]}].{exc.field}"
        raise
