"""Premiums and the chronic-disease service plan [S 二(一), 二(三)].

>>> from zjj_medical import Person
>>> premium(Person("P1", poor=True, county="sangzhi"), 2019).to_dict()
{'year': 2019, 'premium': '220.00', 'subsidy': '110.00', 'personal_share': '110.00'}
>>> chronic_plan(Person("P1", poor=True, county="sangzhi"), ["高血压"], 2019).to_dict()
{'year': 2019, 'eligible': True, 'conditions': ['hypertension'], 'services_per_year': 4, 'reason': ''}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from zjj_medical.engine.normalize import person_facts
from zjj_medical.engine.people import Person
from zjj_medical.errors import InvalidClaim, PolicyNotInForce
from zjj_medical.money import ZERO, format_money
from zjj_medical.policy.loader import builtin_for
from zjj_medical.policy.model import Policy, Unresolved

__all__ = ["ChronicPlan", "PremiumShare", "chronic_plan", "premium"]


@attrs.frozen
class PremiumShare:
    """A person's premium for a year: the premium, the subsidy and what the person pays."""

    year: int
    premium: Decimal
    subsidy: Decimal
    personal_share: Decimal

    def to_dict(self) -> dict[str, Any]:
        """JSON form, money as two-decimal strings."""
        return {
            "year": self.year,
            "premium": format_money(self.premium),
            "subsidy": format_money(self.subsidy),
            "personal_share": format_money(self.personal_share),
        }


def premium(person: Person, year: int, *, policy: Policy | None = None) -> PremiumShare:
    """The individual premium, the subsidy the person gets, and the personal share.

    The values in force on 1 January of ``year`` apply [S 二(一)].
    """
    policy = policy or builtin_for(dt.date(year, 1, 1))
    if policy.premium is None:
        raise PolicyNotInForce(
            code="premium.none", params={"policy_id": policy.id}, field="premium"
        )
    on = dt.date(year, 1, 1)
    facts = person_facts(policy, person)
    try:
        amount = policy.premium.amount.amount(on, facts)
    except Unresolved:
        raise PolicyNotInForce(
            code="premium.not_in_force", params={"year": year}, field="year"
        ) from None
    subsidy = ZERO
    for s in policy.premium.subsidies:
        if s.when.matches(facts):
            try:
                value = s.amount.resolve(on, facts)
            except Unresolved:
                value = None  # no subsidy in force for the year
            if isinstance(value, Decimal):
                subsidy = min(value, amount)
            break
    return PremiumShare(year, amount, subsidy, amount - subsidy)


@attrs.frozen
class ChronicPlan:
    """The contracted chronic-disease services for a person's conditions in a year."""

    year: int
    eligible: bool
    conditions: tuple[str, ...]
    services_per_year: int
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "year": self.year,
            "eligible": self.eligible,
            "conditions": list(self.conditions),
            "services_per_year": self.services_per_year,
            "reason": self.reason,
        }


def chronic_plan(
    person: Person, conditions: Iterable[str], year: int, *, policy: Policy | None = None
) -> ChronicPlan:
    """Which covered chronic conditions a person has and how many services a year they get.

    Condition names are ids or Chinese names (高血压, 糖尿病, 肺结核, 严重精神障碍);
    an unknown condition is an :class:`~zjj_medical.errors.InvalidClaim`.
    """
    policy = policy or builtin_for(dt.date(year, 1, 1))
    care = policy.chronic_care
    if care is None:
        raise PolicyNotInForce(code="chronic_care.none", params={"policy_id": policy.id})
    by_name = {name: cid for cid, name in care.conditions.items()}
    ids = []
    for c in conditions:
        cid = c if c in care.conditions else by_name.get(c)
        if cid is None:
            accepted = [f"{k} ({v})" for k, v in care.conditions.items()]
            raise InvalidClaim(
                code="chronic_care.condition.unknown", params={"value": c, "accepted": accepted},
                field="conditions",
            )  # fmt: skip
        ids.append(cid)
    facts = person_facts(policy, person)
    try:
        count = care.services_per_year.amount(dt.date(year, 1, 1), facts)
    except Unresolved:
        raise PolicyNotInForce(
            code="chronic_care.not_in_force", params={"year": year}, field="year"
        ) from None
    if not ids:
        return ChronicPlan(year, False, (), 0, "no covered chronic condition")
    if not care.when.matches(facts):
        return ChronicPlan(year, False, tuple(ids), 0, f"requires {care.when.text}")
    return ChronicPlan(year, True, tuple(ids), int(count))
