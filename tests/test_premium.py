"""Premiums and the chronic-disease service plan (SPEC §3.7, source 二(一) and 二(三))."""

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from zjj_medical import InvalidClaim, Person, PolicyNotInForce
from zjj_medical.cli import cli
from zjj_medical.engine.premium import chronic_plan, premium

POOR = Person("P1", poor=True, county="sangzhi")
NOT_POOR = Person("P2", poor=False, county="yongding")


@pytest.mark.parametrize(
    ("person", "year", "expected"),
    [
        # 2019年度个人缴费标准220元，对个人缴费部分最低补助不低于110元: 220 − 110 = 110
        (POOR, 2019, ("220.00", "110.00", "110.00")),
        # not registered poor: no subsidy, the person pays the whole 220
        (NOT_POOR, 2019, ("220.00", "0.00", "220.00")),
        # 2020年度个人缴费标准250元，对个人缴费部分最低补助不低于125元: 250 − 125 = 125
        (POOR, 2020, ("250.00", "125.00", "125.00")),
        (NOT_POOR, 2020, ("250.00", "0.00", "250.00")),
        # the text states no later year: the 2020 values stay in force (the lookup rule)
        (POOR, 2021, ("250.00", "125.00", "125.00")),
        # a 特困 person who is not registered poor gets no subsidy under the built-in policy
        (Person("P3", poor=False, county="cili", categories=("特困供养人员",)), 2019,
         ("220.00", "0.00", "220.00")),
    ],
)  # fmt: skip
def test_premium_subsidy_and_personal_share(
    person: Person, year: int, expected: tuple[str, str, str]
) -> None:
    """premium() gives the year's premium, the subsidy and the personal share."""
    share = premium(person, year)
    assert tuple(Decimal(v) for v in expected) == (
        share.premium,
        share.subsidy,
        share.personal_share,
    )
    assert year == share.year


def test_premium_before_the_policy_is_not_in_force() -> None:
    """No premium is stated for 2018: PolicyNotInForce, a LookupError."""
    with pytest.raises(PolicyNotInForce, match="2018") as info:
        premium(POOR, 2018)
    assert isinstance(info.value, LookupError)


def test_premium_command_prints_json() -> None:
    """`zjj-medical premium --year 2020 --poor` prints the three amounts as two-decimal text."""
    result = CliRunner().invoke(cli, ["premium", "--year", "2020", "--poor"])
    assert 0 == result.exit_code, result.output
    assert {
        "year": 2020,
        "premium": "250.00",
        "subsidy": "125.00",
        "personal_share": "125.00",
    } == json.loads(result.output)


def test_chronic_plan_for_a_poor_patient() -> None:
    """A registered poor patient with 高血压 and 糖尿病 gets 4 health services a year."""
    plan = chronic_plan(POOR, ["高血压", "diabetes"], 2019)
    assert (True, ("hypertension", "diabetes"), 4) == (
        plan.eligible,
        plan.conditions,
        plan.services_per_year,
    )


def test_chronic_plan_needs_a_registered_poor_patient() -> None:
    """The contracted service is for the registered poor (对……贫困人口，每年进行4次健康服务)."""
    plan = chronic_plan(NOT_POOR, ["肺结核"], 2019)
    assert (False, 0) == (plan.eligible, plan.services_per_year)
    assert "poor" in plan.reason


def test_chronic_plan_without_a_covered_condition() -> None:
    """No covered condition: no plan, and the reason says so."""
    plan = chronic_plan(POOR, [], 2019)
    assert (False, 0, "no covered chronic condition") == (
        plan.eligible,
        plan.services_per_year,
        plan.reason,
    )


def test_chronic_plan_refuses_an_unknown_condition() -> None:
    """A condition the policy does not list is an InvalidClaim naming what is accepted."""
    with pytest.raises(InvalidClaim, match="严重精神障碍") as info:
        chronic_plan(POOR, ["asthma"], 2019)
    assert "conditions" == info.value.field
