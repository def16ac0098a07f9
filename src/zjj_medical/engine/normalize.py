"""Checking a claim and a person against a policy: ids, Chinese aliases, attributes.

Turns the user's names (``县级医院``, ``桑植县``, ``住院``) into the policy's ids and
builds the *facts* the policy's conditions read. Everything unknown is an
:class:`~zjj_medical.errors.InvalidClaim` naming the claim and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from zjj_medical.engine.claims import Claim
from zjj_medical.engine.lines import LineSplit, split_line
from zjj_medical.engine.people import Person
from zjj_medical.errors import InvalidClaim
from zjj_medical.i18n import read_yes_no
from zjj_medical.money import format_money, to_fen
from zjj_medical.policy.catalogue import ratio_of
from zjj_medical.policy.model import Attribute, Policy, Unresolved

__all__ = ["Normalized", "normalize", "person_facts"]


@attrs.frozen
class Normalized:
    """A claim and person in the policy's ids: the facts its conditions read (the built-in
    :data:`~zjj_medical.policy.model.FACTS` and the declared attributes) and its amounts in
    fen — all an evaluator needs of the claim past this boundary."""

    kind: str
    tier: str
    county: str
    facility_id: str | None
    facility_county: str | None
    in_county: bool
    pay_later: bool
    facts: Mapping[str, object]
    total: int  # fen
    in_scope: int  # fen (from the fee lines' split when the claim has lines)
    split: LineSplit | None = None  # the fee lines' split, added up


def _named(policy: Policy, what: str) -> dict[str, object]:
    """The accepted ids of a declaration group and, in the same order, their Chinese names
    (``accepted_names``): an error in Chinese shows ``sangzhi（桑植县）``."""
    declared = getattr(policy, what)
    return {"accepted": list(declared), "accepted_names": [d.name or "" for d in declared.values()]}


def _subject(claim_id: str | None, person: Person) -> tuple[str, dict[str, object]]:
    """The code prefix and params that say whose input it is: the claim's, else the person's."""
    if claim_id is not None:
        return "claim.", {"claim_id": claim_id}
    return "person.", {"person_id": person.id}


def _attributes(
    given: Mapping[str, object],
    declared: Mapping[str, Attribute],
    subject: tuple[str, dict[str, object]],
    claim_id: str | None,
    prefix: str,
) -> dict[str, object]:
    head, who = subject
    kind = head + ("person_" if prefix and head == "claim." else "")

    def fail(name: str, code: str, **params: object) -> InvalidClaim:
        field = f"{prefix}{name}"
        return InvalidClaim(
            code=kind + code, params={**who, "field": field, **params},
            claim_id=claim_id, field=field,
        )  # fmt: skip

    out: dict[str, object] = {}
    for name, value in given.items():
        if name not in declared:
            raise fail(name, "attribute.unknown", accepted=list(declared))
        attribute = declared[name]
        if attribute.type == "bool":
            value = read_yes_no(value)  # true/false, or 是/否
        if not attribute.accepts(value):
            if attribute.type == "bool":
                raise fail(name, "attribute.bool", value=value)
            raise fail(name, "attribute.value", value=value, accepted=list(attribute.values))
        out[name] = value
    for name, attribute in declared.items():
        if name not in out:
            if attribute.default is None:
                raise fail(name, "attribute.required")
            out[name] = attribute.default
    return out


def _county(policy: Policy, name: str, unknown: Callable[[], InvalidClaim]) -> str:
    """A county's id from its id, name or alias; a policy without counties takes any name."""
    found = policy.lookup("counties", name)
    if found is not None:
        return found
    if policy.counties:
        raise unknown()
    return name


def person_facts(
    policy: Policy, person: Person, *, claim_id: str | None = None
) -> dict[str, object]:
    """The facts about a person: ``poor``, ``county``, ``categories`` and the declared
    person attributes, in the policy's ids. An error names the claim (``claim_id``), or
    the person when there is no claim."""
    subject = _subject(claim_id, person)
    head, who = subject
    head += "person." if claim_id is not None else ""

    def fail(field: str, code: str, **params: object) -> InvalidClaim:
        return InvalidClaim(
            code=head + code, params={**who, **params}, claim_id=claim_id, field=field
        )

    county = _county(policy, person.county, lambda: fail(
        "person.county", "county.unknown",
        value=person.county, **_named(policy, "counties"),
    ))  # fmt: skip
    categories = []
    for cat in person.categories:
        cat_id = policy.lookup("categories", cat)
        if cat_id is None:
            raise fail(
                "person.categories", "category.unknown",
                value=cat, **_named(policy, "categories"),
            )  # fmt: skip
        categories.append(cat_id)
    facts: dict[str, object] = {
        "poor": person.poor, "county": county, "categories": frozenset(categories),
    }  # fmt: skip
    facts.update(
        _attributes(person.attributes, policy.person_attributes, subject, claim_id, "person.")
    )
    return facts


def normalize(policy: Policy, claim: Claim, person: Person) -> Normalized:
    """Resolve ids and aliases, check attributes, decide in-county and pay-later."""
    cid = claim.id

    def fail(field: str, code: str, **params: object) -> InvalidClaim:
        return InvalidClaim(
            code=code, params={"claim_id": cid, **params}, claim_id=cid, field=field
        )

    kind = policy.lookup("claim_kinds", claim.kind)
    if kind is None:
        raise fail("kind", "claim.kind.unknown", value=claim.kind, **_named(policy, "claim_kinds"))
    person_part = person_facts(policy, person, claim_id=cid)
    county = str(person_part["county"])
    facility = claim.facility
    facility_id = facility.id
    known_facility = None
    if facility_id is not None:
        fid = policy.lookup("facilities", facility_id)
        if fid is not None:
            facility_id = fid
            known_facility = policy.facilities[fid]
    tier = policy.lookup("tiers", facility.level) if facility.level is not None else None
    if facility.level is not None and tier is None:
        raise fail(
            "facility.level", "claim.facility.level.unknown",
            value=facility.level, **_named(policy, "tiers"),
        )  # fmt: skip
    if known_facility is not None:
        if tier is not None and tier != known_facility.tier:
            raise fail(
                "facility.level", "claim.facility.level.conflict",
                value=facility.level, facility=facility_id, tier=known_facility.tier,
            )  # fmt: skip
        tier = known_facility.tier
    if tier is None:
        raise fail("facility.level", "claim.facility.level.missing")
    if tier not in policy.claim_kinds[kind].tiers:
        raise fail(
            "facility.level", "claim.facility.level.kind",
            tier=tier, kind=kind, accepted=list(policy.claim_kinds[kind].tiers),
            accepted_names=[policy.tiers[t].name or "" for t in policy.claim_kinds[kind].tiers],
        )  # fmt: skip
    fcounty: str | None = None
    if facility.county is not None:
        fcounty = _county(policy, facility.county, lambda: fail(
            "facility.county", "claim.facility.county.unknown",
            value=facility.county, **_named(policy, "counties"),
        ))  # fmt: skip
    elif known_facility is not None:
        fcounty = known_facility.county
    if fcounty is None and tier in policy.in_county_tiers:
        raise fail("facility.county", "claim.facility.county.required", tier=tier)
    designated = policy.counties[county].designated_in_county if county in policy.counties else ()
    in_county = (tier in policy.in_county_tiers and fcounty == county) or (
        facility_id is not None and facility_id in designated
    )
    facts: dict[str, object] = {
        **person_part, "kind": kind, "tier": tier, "in_county": in_county,
        "accident": claim.accident, "facility": facility_id,
    }  # fmt: skip
    subject = _subject(cid, person)
    facts.update(_attributes(claim.attributes, policy.claim_attributes, subject, cid, ""))
    pay_later = policy.pay_later.matches(facts)
    split = None
    in_scope = claim.in_scope
    if claim.lines:
        split = split_lines(policy, claim, facts)
        if in_scope is not None and in_scope != split.inscp:
            raise fail(
                "in_scope", "claim.lines.in_scope",
                in_scope=format_money(in_scope), lines=format_money(split.inscp),
            )  # fmt: skip
        in_scope = split.inscp
    assert in_scope is not None  # a claim without lines has its in_scope
    return Normalized(
        kind, tier, county, facility_id, fcounty, in_county, pay_later, facts,
        to_fen(claim.total), to_fen(in_scope), split,
    )  # fmt: skip


def split_lines(policy: Policy, claim: Claim, facts: Mapping[str, object]) -> LineSplit:
    """The claim's fee lines split by the policy's catalogue rules, added up."""
    cid = claim.id
    catalogue = policy.catalogue
    if catalogue is None:
        raise InvalidClaim(
            code="claim.line.no_catalogue", params={"claim_id": cid, "policy_id": policy.id},
            claim_id=cid, field="lines",
        )  # fmt: skip
    out = []
    for i, line in enumerate(claim.lines):
        where = f"lines[{i}]"
        class_id = catalogue.lookup(line.class_)
        if class_id is None:
            raise InvalidClaim(
                code="claim.line.class",
                params={"claim_id": cid, "where": f"{where}.class", "value": line.class_,
                        "accepted": list(catalogue.classes)},
                claim_id=cid, field=f"{where}.class",
            )  # fmt: skip
        cls = catalogue.classes[class_id]
        if line.self_pay_ratio is not None:
            if not catalogue.line_ratio:
                raise InvalidClaim(
                    code="claim.line.ratio",
                    params={"claim_id": cid, "where": f"{where}.self_pay_ratio"},
                    claim_id=cid, field=f"{where}.self_pay_ratio",
                )  # fmt: skip
            ratio = line.self_pay_ratio
        else:
            try:
                ratio = ratio_of(cls, claim.date, facts)
            except Unresolved:
                raise InvalidClaim(
                    code="claim.line.ratio_missing",
                    params={"claim_id": cid, "where": where, "cls": class_id,
                            "date": claim.date.isoformat()},
                    claim_id=cid, field=f"{where}.class",
                ) from None  # fmt: skip
        out.append(split_line(line, excluded=cls.excluded, ratio=ratio))
    return LineSplit.sum(out)
