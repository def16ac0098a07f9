"""The JSON contract (SPEC §6): a person-year document in, settlements and the ledger out.

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

from collections.abc import Mapping, Sequence
from typing import Any

from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.people import Facility, Person
from zjj_medical.engine.settlement import Settlement, settle_year
from zjj_medical.errors import InvalidClaim, LedgerMismatch, ReimbursementError
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import Policy

__all__ = [
    "output_document",
    "parse_claim",
    "parse_document",
    "parse_person",
    "settle_document",
    "settle_parsed",
]

_PERSON_KEYS = {"id", "poor", "county", "categories"}
_CLAIM_KEYS = {"id", "kind", "date", "facility", "total", "in_scope", "accident"}
_FACILITY_KEYS = {"id", "level", "county"}


def _path(where: str, key: str) -> str:
    """The JSON path of ``key`` in the object ``where`` (``person``, or the document)."""
    return key if where == "document" else f"{where}.{key}"


def _located(exc: ReimbursementError, index: int) -> None:
    """Give an error about the claim at ``claims[index]`` its JSON path (when it has none)."""
    field = exc.field
    if exc.path is None and field is not None:
        inside = field.startswith(("person.", "ledger")) or field == "person"
        exc.path = field if inside else f"claims[{index}].{field}"


def _need(obj: Mapping[str, Any], key: str, where: str, claim_id: str | None = None) -> Any:
    if key not in obj:
        raise InvalidClaim(
            code="claim.field.missing" if claim_id else f"{where}.field.missing",
            params={"claim_id": claim_id, "field": key} if claim_id else {"field": key},
            claim_id=claim_id, field=key, path=None if claim_id else _path(where, key),
        )  # fmt: skip
    return obj[key]


def parse_person(obj: Any) -> Person:
    """A :class:`Person` from its JSON object; extra keys become policy attributes."""
    if not isinstance(obj, Mapping):
        raise InvalidClaim(code="person.object", field="person", path="person")
    pid = _need(obj, "id", "person")
    county = _need(obj, "county", "person")
    categories = obj.get("categories") or []
    if not isinstance(categories, list):
        raise InvalidClaim(
            code="person.categories.list", field="person.categories", path="person.categories"
        )
    if not isinstance(county, str):
        raise InvalidClaim(
            code="person.county.text", params={"value": county},
            field="person.county", path="person.county",
        )  # fmt: skip
    attributes = {k: v for k, v in obj.items() if k not in _PERSON_KEYS}
    return Person(
        str(pid), poor=_need(obj, "poor", "person"), county=county,
        categories=tuple(categories), attributes=attributes,
    )  # fmt: skip


def parse_claim(obj: Any, index: int = 0) -> Claim:
    """A :class:`Claim` from its JSON object; extra keys become policy claim attributes."""
    if not isinstance(obj, Mapping):
        raise InvalidClaim(
            code="claim.object", params={"index": index},
            field=f"claims[{index}]", path=f"claims[{index}]",
        )  # fmt: skip
    cid = obj.get("id")
    if not isinstance(cid, str) or not cid:
        raise InvalidClaim(
            code="claim.id.document", params={"index": index, "value": cid},
            field="id", path=f"claims[{index}].id",
        )  # fmt: skip
    where = f"claim {cid}"
    fac = _need(obj, "facility", where, cid)
    if not isinstance(fac, Mapping):
        raise InvalidClaim(
            code="claim.facility.object", params={"claim_id": cid}, claim_id=cid, field="facility"
        )
    unknown = set(fac) - _FACILITY_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidClaim(
            code="claim.facility.field.unknown",
            params={"claim_id": cid, "field": f"facility.{name}", "accepted": sorted(_FACILITY_KEYS)},
            claim_id=cid, field=f"facility.{name}",
        )  # fmt: skip
    facility = Facility(fac.get("id"), fac.get("level"), fac.get("county"))
    attributes = {k: v for k, v in obj.items() if k not in _CLAIM_KEYS}
    accident = obj.get("accident", False)
    return Claim(
        cid, _need(obj, "kind", where, cid), _need(obj, "date", where, cid), facility,
        total=_need(obj, "total", where, cid), in_scope=_need(obj, "in_scope", where, cid),
        accident=accident, attributes=attributes,
    )  # fmt: skip


def parse_document(doc: Mapping[str, Any]) -> tuple[Person, list[Claim], Ledger | None]:
    """Read a person-year input document (SPEC §6) into values."""
    if not isinstance(doc, Mapping):
        raise InvalidClaim(code="document.object", field="document")
    unknown = set(doc) - {"person", "claims", "ledger"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidClaim(
            code="document.field.unknown",
            params={"field": name, "accepted": ["claims", "ledger", "person"]},
            field=name, path=name,
        )  # fmt: skip
    person = parse_person(_need(doc, "person", "document"))
    raw_claims = _need(doc, "claims", "document")
    if not isinstance(raw_claims, list):
        raise InvalidClaim(code="document.claims.list", field="claims", path="claims")
    claims = []
    for i, c in enumerate(raw_claims):
        try:
            claims.append(parse_claim(c, i))
        except ReimbursementError as exc:
            _located(exc, i)
            raise
    ledger = doc.get("ledger")
    return person, claims, None if ledger is None else Ledger.from_dict(ledger)


def settle_document(
    doc: Mapping[str, Any], *, policy: Policy | None = None, trace: bool = True
) -> dict[str, Any]:
    """Settle a person-year document and return the output document (SPEC §6).

    All claims are checked before any is settled; the first error is raised and no
    partial result is returned.
    """
    policy = policy or load_policy()
    person, claims, given = parse_document(doc)
    settlements = settle_parsed(person, claims, given, policy=policy)
    return output_document(
        settlements, settlements[-1].ledger if settlements else given, trace=trace
    )


def output_document(
    settlements: Sequence[Settlement], ledger: Ledger | None, *, trace: bool = True
) -> dict[str, Any]:
    """The output document of SPEC §6: the settlements and the ledger to carry forward."""
    return {
        "settlements": [s.to_dict(trace=trace) for s in settlements],
        "ledger": None if ledger is None else ledger.to_dict(),
    }


def settle_parsed(
    person: Person, claims: list[Claim], ledger: Ledger | None, *, policy: Policy
) -> list[Settlement]:
    """Settle parsed claims in order, checking that they share one year."""
    years = {c.date.year for c in claims}
    if len(years) > 1:
        bad = next(c for c in claims if c.date.year != claims[0].date.year)
        raise InvalidClaim(
            code="claim.date.year_span", params={"claim_id": bad.id, "years": sorted(years)},
            claim_id=bad.id, field="date", path=f"claims[{claims.index(bad)}].date",
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
        if exc.claim_id in at:
            _located(exc, at[exc.claim_id])
        raise
