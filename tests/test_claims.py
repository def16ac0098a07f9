"""Claims and persons as values: equality and hashing see every field, attributes included."""

from __future__ import annotations

import pytest

from zjj_medical import Claim, Facility, Person
from zjj_medical.engine.people import Attributes

COUNTY = Facility(level="county", county="sangzhi")


def _claim(**attributes: str | bool) -> Claim:
    return Claim("C1", "inpatient", "2019-11-03", COUNTY, "100", "100", attributes=attributes)


def test_claims_differing_only_in_an_attribute_are_unequal() -> None:
    """Two claims that differ only in ``referral`` compare unequal and hash apart."""
    filed, unfiled = _claim(referral="filed"), _claim(referral="none")
    assert filed != unfiled
    assert 2 == len({filed, unfiled})
    assert _claim(referral="filed") == filed
    assert hash(_claim(referral="filed")) == hash(filed)


def test_persons_differing_only_in_an_attribute_are_unequal() -> None:
    """Two persons that differ only in ``retiree`` compare unequal and hash apart."""
    retiree = Person("P1", poor=False, county="cili", attributes={"retiree": True})
    worker = Person("P1", poor=False, county="cili", attributes={"retiree": False})
    assert retiree != worker
    assert Person("P1", poor=False, county="cili") != retiree
    assert 2 == len({retiree, worker})


def test_attributes_are_immutable_and_copied() -> None:
    """The attributes cannot be changed afterwards, neither in place nor through the dict given."""
    given: dict[str, str | bool] = {"referral": "filed"}
    claim = Claim("C1", "inpatient", "2019-11-03", COUNTY, "1", "1", attributes=given)
    given["referral"] = "none"
    assert {"referral": "filed"} == dict(claim.attributes)
    with pytest.raises(TypeError):
        claim.attributes["referral"] = "none"  # type: ignore[index]


def test_attributes_equal_any_mapping_with_the_same_items() -> None:
    """Attributes equal a dict with the same items, keep their order and show them in repr."""
    a = Attributes({"b": True, "a": "x"})
    assert {"a": "x", "b": True} == a
    assert ["b", "a"] == list(a)
    assert "Attributes({'b': True, 'a': 'x'})" == repr(a)
    assert a != ["b", "a"]
