"""No silent default policy: without ``policy=``, a claim is settled under the built-in
Zhangjiajie policy in force on its date, and a table under the one in force over its dates."""

from __future__ import annotations

import datetime as dt

import attrs
import pandas as pd
import pytest

from zjj_medical import Claim, Facility, Person, PolicyNotInForce, settle
from zjj_medical.batch import simulate
from zjj_medical.policy import loader

PERSON = Person("P1", poor=False, county="cili")
COUNTY = Facility(level="county", county="cili")


@pytest.fixture
def successor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A successor of the 2019 policy from 2024-01-01 (the 2019 file with another id and
    start), as the built-in succession."""
    first = loader.load_policy("zhangjiajie")
    later = loader.parse_policy(
        loader.read_policy_text(
            loader.policy_source("zhangjiajie")[0]
            .replace("from: 2019-01-01\n", "from: 2024-01-01\n", 1)
            .replace("id: zhangjiajie\n", "id: zhangjiajie_next\n", 1),
            "next.yaml",
        ),
        "next.yaml",
    )
    assert dt.date(2024, 1, 1) == later.start
    policies = {"zhangjiajie": first, "zhangjiajie_next": later}
    monkeypatch.setattr(loader, "ZHANGJIAJIE_SUCCESSION", ("zhangjiajie", "zhangjiajie_next"))
    monkeypatch.setattr(loader, "load_policy", lambda name=None: policies[name or "zhangjiajie"])


def test_the_2019_rules_apply_in_2019() -> None:
    """A 2019 claim without a policy is settled under zhangjiajie."""
    assert "zhangjiajie" == loader.builtin_for(dt.date(2019, 11, 3)).id
    claim = Claim("C1", "inpatient", "2019-11-03", COUNTY, "1000.00", "1000.00")
    assert "zhangjiajie" == settle(claim, PERSON).policy_id


def test_before_the_first_policy_is_not_in_force() -> None:
    """A 2018 claim gets the first built-in, which says it is not in force then."""
    claim = Claim("C1", "inpatient", "2018-12-31", COUNTY, "1000.00", "1000.00")
    with pytest.raises(PolicyNotInForce, match="in force from 2019-01-01"):
        settle(claim, PERSON)


@pytest.mark.usefixtures("successor")
def test_a_successor_takes_over_on_its_start_date() -> None:
    """With a successor from 2024-01-01, a 2023-12-31 claim stays under 2019's rules and a
    2024-01-01 claim is settled under the successor."""
    assert "zhangjiajie" == loader.builtin_for(dt.date(2023, 12, 31)).id
    assert "zhangjiajie_next" == loader.builtin_for(dt.date(2024, 1, 1)).id
    claim = Claim("C1", "inpatient", "2024-01-01", COUNTY, "1000.00", "1000.00")
    assert "zhangjiajie_next" == settle(claim, PERSON).policy_id
    assert "zhangjiajie" == settle(attrs.evolve(claim, date="2023-12-31"), PERSON).policy_id


@pytest.mark.usefixtures("successor")
def test_a_table_spanning_two_policies_is_refused() -> None:
    """simulate without a policy refuses claims from both sides of a successor's start."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": ["A", "B"], "person_id": ["P1", "P1"], "kind": ["inpatient"] * 2,
        "date": ["2023-12-31", "2024-01-02"], "facility_level": ["county"] * 2,
        "facility_county": ["cili"] * 2, "total": ["100"] * 2, "in_scope": ["100"] * 2,
    })  # fmt: skip
    with pytest.raises(ValueError, match="fall under two built-in policies"):
        simulate(claims, people)
    out = simulate(claims.iloc[1:], people)  # one side alone settles
    assert out["error"].isna().all()
