"""The facts are declared once (policy.model.FACTS): normalize derives exactly them, and every
input that can change them is one the batch evaluator groups claims by."""

from __future__ import annotations

import attrs
import pytest

from zjj_medical import Claim, Facility, Person
from zjj_medical.engine.normalize import normalize
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import FACTS, fact_inputs

POLICY = load_policy()
PERSON = Person("P1", poor=True, county="yongding")
CLAIM = Claim(
    "C1", "inpatient", "2019-11-03", Facility(id=None, level="county", county="yongding"),
    total="20000.00", in_scope="18000.00",
)  # fmt: skip

#: Each input field (a table column) and a claim/person that differs from the base in it alone.
CLAIM_VARIANTS = {
    "kind": attrs.evolve(CLAIM, kind="outpatient", facility=Facility(level="township", county="yongding")),
    "facility_level": attrs.evolve(CLAIM, facility=Facility(level="municipal", county="yongding")),
    "facility_id": attrs.evolve(
        CLAIM, facility=Facility(id="zjj-peoples-hospital", level=None, county=None)
    ),
    "facility_county": attrs.evolve(CLAIM, facility=Facility(level="county", county="cili")),
    "accident": attrs.evolve(CLAIM, accident=True),
    "id": attrs.evolve(CLAIM, id="C2"),
    "date": attrs.evolve(CLAIM, date="2019-12-01"),
    "total": attrs.evolve(CLAIM, total="30000.00"),
    "in_scope": attrs.evolve(CLAIM, in_scope="1.00"),
}  # fmt: skip
PERSON_VARIANTS = {
    "poor": attrs.evolve(PERSON, poor=False),
    "county": attrs.evolve(PERSON, county="cili"),
    "id": attrs.evolve(PERSON, id="P2"),
}


def test_normalize_derives_exactly_the_declared_facts() -> None:
    """The facts normalize builds are the built-in FACTS plus the declared attributes."""
    facts = normalize(POLICY, CLAIM, PERSON).facts
    declared = {*POLICY.person_attributes, *POLICY.claim_attributes}
    assert {f.name for f in FACTS} | declared == set(facts)


@pytest.mark.parametrize("field", sorted(CLAIM_VARIANTS))
def test_claim_inputs_that_change_facts_are_grouped_on(field: str) -> None:
    """A claim field whose change changes the facts is among the inputs batch groups by."""
    before = normalize(POLICY, CLAIM, PERSON)
    after = normalize(POLICY, CLAIM_VARIANTS[field], PERSON)
    changed = (before.facts, before.in_county, before.pay_later) != (
        after.facts, after.in_county, after.pay_later,
    )  # fmt: skip
    assert changed == (field in fact_inputs(POLICY, "claim"))


@pytest.mark.parametrize("field", sorted(PERSON_VARIANTS))
def test_person_inputs_that_change_facts_are_grouped_on(field: str) -> None:
    """A person field whose change changes the facts is among the person inputs."""
    before = normalize(POLICY, CLAIM, PERSON).facts
    after = normalize(POLICY, CLAIM, PERSON_VARIANTS[field]).facts
    assert (before != after) == (field in fact_inputs(POLICY, "person"))


def test_normalized_amounts_are_fen() -> None:
    """The boundary hands the evaluators the amounts in fen: 20000.00 → 2000000."""
    n = normalize(POLICY, CLAIM, PERSON)
    assert (2000000, 1800000) == (n.total, n.in_scope)
