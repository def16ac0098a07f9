"""Trace notes are true for the claim they are attached to, whatever was settled before."""

from zjj_medical import Claim, Facility, Person, settle


def test_not_in_force_note_does_not_name_another_claims_date() -> None:
    """Two visits before 2019-09-01 (one epoch, one cached resolution) get notes naming no other date."""
    person = Person("P1", poor=False, county="cili")
    clinic = Facility(level="township", county="cili")
    first = settle(Claim("V1", "outpatient", "2019-01-02", clinic, "100.00", "100.00"), person)
    second = settle(Claim("V2", "outpatient", "2019-08-31", clinic, "100.00", "100.00"), person)
    # 该政策从2019年9月1日起开始执行: both visits are before the layer starts, neither is paid.
    assert "0.00" == str(first.payments["outpatient_pooling"])
    assert "0.00" == str(second.payments["outpatient_pooling"])
    assert "2019-01-02" not in second.trace[0].note
    assert "from 2019-09-01" in second.trace[0].note
