"""The built-in policy zhangjiajie_2024 (张医保发〔2023〕16号), worked by hand, and the
succession of Zhangjiajie's built-in policies: a claim without a policy is settled under the
one in force on its date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from zjj_medical import Claim, Facility, Person, load_policy, settle, settle_year
from zjj_medical.cli import cli
from zjj_medical.policy import loader

D = Decimal
PERSON = Person("P1", poor=False, county="cili")
POLICY = "zhangjiajie_2024"


def admission(cid: str, date: str, level: str, in_scope: str) -> Claim:
    """An inpatient claim at a facility of this grade (total = in-scope cost)."""
    return Claim(cid, "inpatient", date, Facility(level=level, county="cili"), in_scope, in_scope)


def visit(cid: str, date: str, level: str, in_scope: str) -> Claim:
    """An outpatient visit at a facility of this grade."""
    return Claim(cid, "outpatient", date, Facility(level=level, county="cili"), in_scope, in_scope)


def test_the_file_loads_with_its_numbers() -> None:
    """zhangjiajie_2024 is in force from 2024-01-01, with its deductibles and ratios by grade."""
    policy = load_policy(POLICY)
    assert dt.date(2024, 1, 1) == policy.start
    assert ["basic_insurance", "critical_illness", "outpatient_pooling"] == [
        x.id for x in policy.layers
    ]
    on = dt.date(2024, 6, 1)
    basic = policy.layer("basic_insurance")
    assert basic.deductible is not None
    assert basic.ratio is not None
    assert {
        "primary": D(200), "first_level": D(500), "second_level": D(800),
        "third_level": D(1200), "provincial": D(2000),
    } == basic.deductible.raw_at(on)  # fmt: skip
    assert [D("0.85"), D("0.82"), D("0.80"), D("0.65"), D("0.60")] == list(
        basic.ratio.raw_at(on).values()  # type: ignore[union-attr]
    )
    assert () == policy.warnings


def test_unsourced_declarations_are_marked_assumed() -> None:
    """Every tier and county of the file is marked assumed, with its reason."""
    policy = load_policy(POLICY)
    for decl in (*policy.tiers.values(), *policy.counties.values()):
        assert decl.assumed, decl.id
        assert decl.reason, decl.id


def test_first_and_second_admission_at_one_grade() -> None:
    """The second admission at the same grade pays half the deductible; another grade's first
    admission pays its full deductible."""
    claims = [
        admission("A1", "2024-02-01", "second_level", "10000"),
        admission("A2", "2024-04-01", "二级医院", "10000"),
        admission("A3", "2024-06-01", "third_level", "20000"),
        admission("A4", "2024-08-01", "一级", "3000"),
    ]
    s = settle_year(claims, PERSON, policy=load_policy(POLICY))
    expected = [
        # (10,000 − 800) × 0.80 = 7,360; critical illness: 2,640 of 16,000, nothing
        {"basic_insurance": D("7360.00"), "critical_illness": D("0.00")},
        # second at second level: 800 × 0.5 = 400; (10,000 − 400) × 0.80 = 7,680;
        # base 2,320, year's base 4,960: nothing
        {"basic_insurance": D("7680.00"), "critical_illness": D("0.00")},
        # first at third level: (20,000 − 1,200) × 0.65 = 12,220; base 7,780, year 12,740
        {"basic_insurance": D("12220.00"), "critical_illness": D("0.00")},
        # first at first level: (3,000 − 500) × 0.82 = 2,050; base 950, year 13,690
        {"basic_insurance": D("2050.00"), "critical_illness": D("0.00")},
    ]
    assert expected == [dict(x.payments) for x in s]


def test_basic_cap_reached_and_critical_illness_above_100000() -> None:
    """A 300,000 admission reaches the basic cap; critical illness pays on the rest, into the
    0.75 band above 100,000; a second one reaches the critical-illness cap."""
    claims = [
        admission("A1", "2024-03-01", "third_level", "300000"),
        admission("A2", "2024-09-01", "third_level", "500000"),
    ]
    s = settle_year(claims, PERSON, policy=load_policy(POLICY))
    # A1: basic (300,000 − 1,200) × 0.65 = 194,220 → the annual cap 150,000.
    # Critical illness on 300,000 − 150,000 = 150,000 (above the basic cap included), absolute
    # bands: 0.60 × (30,000 − 16,000) + 0.65 × (100,000 − 30,000) + 0.75 × (150,000 − 100,000)
    # = 8,400 + 45,500 + 37,500 = 91,400.
    assert {"basic_insurance": D("150000.00"), "critical_illness": D("91400.00")} == dict(
        s[0].payments
    )
    # A2: basic: the cap is used up, 0. Base 500,000, year 150,000 → 650,000:
    # F = 8,400 + 45,500 + 0.75 × 550,000 = 466,400; 466,400 − 91,400 = 375,000,
    # capped at 400,000 − 91,400 = 308,600.
    assert {"basic_insurance": D("0.00"), "critical_illness": D("308600.00")} == dict(s[1].payments)
    assert D("241400.00") == s[0].reimbursed


def test_outpatient_at_base_level_facilities() -> None:
    """70% at base-level facilities (a village clinic too), within 350 a year."""
    visits = [
        visit("V1", "2024-02-01", "基层", "300"),
        visit("V2", "2024-03-01", "village_clinic", "100"),
        visit("V3", "2024-04-01", "primary", "300"),
    ]
    s = settle_year(visits, PERSON, policy=load_policy(POLICY))
    # 300 × 0.70 = 210; 100 × 0.70 = 70; 300 × 0.70 = 210, but 350 − 280 = 70 left
    expected = [D("210.00"), D("70.00"), D("70.00")]
    assert expected == [x.payments["outpatient_pooling"] for x in s]


def test_outpatient_at_a_county_hospital_pays_nothing() -> None:
    """A county (second-level) hospital is not base level: outpatient pooling pays 0."""
    s = settle(visit("V1", "2024-02-01", "县级医院", "300"), PERSON, policy=load_policy(POLICY))
    assert D("0.00") == s.payments["outpatient_pooling"]
    assert D("300.00") == s.patient_pay


def test_a_2024_claim_without_a_policy_is_settled_under_the_2024_rules() -> None:
    """Without policy=, a 2024 claim uses zhangjiajie_2024 and a 2023 claim zhangjiajie."""
    assert ("zhangjiajie", "zhangjiajie_2024") == loader.ZHANGJIAJIE_SUCCESSION
    assert "zhangjiajie" == loader.builtin_for(dt.date(2023, 12, 31)).id
    assert "zhangjiajie_2024" == loader.builtin_for(dt.date(2024, 1, 1)).id
    s = settle(admission("A1", "2024-01-01", "second_level", "10000"), PERSON)
    assert "zhangjiajie_2024" == s.policy_id
    assert D("7360.00") == s.payments["basic_insurance"]  # (10,000 − 800) × 0.80
    old = settle(admission("A1", "2023-12-31", "county", "10000"), PERSON)
    assert "zhangjiajie" == old.policy_id
    assert D("7125.00") == old.payments["basic_insurance"]  # (10,000 − 500) × 0.75


def test_policy_list_names_the_built_in_policies() -> None:
    """policy list prints each built-in policy's id, dates and name."""
    result = CliRunner().invoke(cli, ["policy", "list"])
    assert 0 == result.exit_code, result.output
    lines = result.output.splitlines()
    assert any(
        line.split()[:3] == ["zhangjiajie", "2019-01-01", "–"] and "2019" in line for line in lines
    )
    assert any(
        line.split()[:2] == ["zhangjiajie_2024", "2024-01-01"] and "（2024）" in line
        for line in lines
    )
    assert any(line.startswith("example_county") for line in lines)


@pytest.mark.parametrize("name", loader.BUILTIN_POLICIES)
def test_every_built_in_policy_validates_on_the_command_line(name: str) -> None:
    """policy validate accepts each built-in policy by name."""
    result = CliRunner().invoke(cli, ["policy", "validate", name])
    assert 0 == result.exit_code, result.output
    assert f"valid policy '{name}'" in result.output
