"""Reforms: overlays applied and validated like a policy, and compared on hand-worked claims."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from zjj_medical import Claim, Facility, Person, examples, load_policy, settle
from zjj_medical.analysis.reform import apply_reform, compare, load_reform, policy_document
from zjj_medical.errors import PolicyError

D = Decimal
EXAMPLE = examples.path("reforms/county_ratio_080.yaml")
COUNTY = "layers[basic_insurance].ratio.values.2019-01-01.county"


def _county_ratios(policy: object) -> dict[str, Decimal]:
    value = policy.layer("basic_insurance").ratio.values[0][1]  # type: ignore[attr-defined]
    return dict(value)


def test_overlay_changes_one_value() -> None:
    """The county ratio becomes 0.80; the other tiers and layers keep their values."""
    policy = apply_reform(None, {COUNTY: "0.80"})
    base = load_policy()
    assert {**_county_ratios(base), "county": D("0.80")} == _county_ratios(policy)
    assert base.layer("critical_illness") == policy.layer("critical_illness")


def test_dated_overlay_starts_from_the_value_in_force() -> None:
    """A new start date copies the table in force and changes one entry from that date on."""
    policy = apply_reform(None, {"layers[basic_insurance].ratio.values.2019-07-01.county": "0.80"})
    values = policy.layer("basic_insurance").ratio.values
    assert [dt.date(2019, 1, 1), dt.date(2019, 7, 1)] == [d for d, _ in values]
    assert D("0.75") == values[0][1]["county"]
    assert D("0.65") == values[1][1]["municipal"]
    person = Person("P", poor=False, county="cili")
    fac = Facility(level="county", county="cili")
    june = settle(
        Claim("J", "inpatient", "2019-06-30", fac, "10500", "10500"), person, policy=policy
    )
    july = settle(
        Claim("K", "inpatient", "2019-07-01", fac, "10500", "10500"), person, policy=policy
    )
    # (10,500 − 500) × 0.75 = 7,500 before 1 July; × 0.80 = 8,000 from 1 July
    assert D("7500.00") == june.payments["basic_insurance"]
    assert D("8000.00") == july.payments["basic_insurance"]


def test_index_selector_and_no_limit() -> None:
    """[n] picks a band by position; a new dated cap of null means no limit from that date."""
    policy = apply_reform(
        "zhangjiajie",
        {
            "layers[critical_illness].bands.values.2019-01-01[0].ratio": "0.70",
            "layers[critical_illness].caps[0].values.2020-01-01": None,
        },
    )
    ci = policy.layer("critical_illness")
    assert D("0.70") == ci.bands.values[0][1][0].ratio  # type: ignore[union-attr, index]
    assert [D("300000.00"), None] == [v for _, v in ci.caps[0].amount.values]


def test_unknown_key_refused_with_the_reform_path() -> None:
    """A misspelt key is refused, naming the reform's key path and the keys there."""
    with pytest.raises(PolicyError) as exc:
        apply_reform(None, {"layers[basic_insurance].ratoi.values.2019-01-01.county": "0.80"})
    assert "changes.layers[basic_insurance].ratoi.values.2019-01-01.county" in str(exc.value)
    assert "unknown key 'ratoi'" in str(exc.value)
    assert "ratio" in str(exc.value)


def test_unknown_layer_refused() -> None:
    """A layer id the policy does not have is refused with the ids it has."""
    with pytest.raises(
        PolicyError, match=r"no element with id 'dental' in layers \(ids: basic_insurance"
    ):
        apply_reform(None, {"layers[dental].ratio.values.2019-01-01": "0.5"})


def test_unknown_tier_refused() -> None:
    """A new key inside a tier table is not a date: refused as an unknown key."""
    with pytest.raises(PolicyError, match="unknown key 'clinic'"):
        apply_reform(None, {"layers[basic_insurance].ratio.values.2019-01-01.clinic": "0.5"})


def test_bad_value_refused_by_the_loader() -> None:
    """A ratio of 1.5 is refused by the policy loader with the policy's key path."""
    with pytest.raises(
        PolicyError,
        match=r"layers\[0\]\.ratio\.values\.2019-01-01\.county: 1\.5 is not in \[0, 1\]",
    ):
        apply_reform(None, {COUNTY: "1.5"})


def test_float_refused() -> None:
    """A float is refused (it cannot be read exactly); text or integers are accepted."""
    with pytest.raises(PolicyError, match="is a float"):
        apply_reform(None, {COUNTY: 0.8})


def test_no_value_before_the_policy() -> None:
    """A new date before every value has nothing in force to start from."""
    with pytest.raises(PolicyError, match="no value is in force on 2018-01-01"):
        apply_reform(None, {"layers[basic_insurance].ratio.values.2018-01-01.county": "0.8"})


def test_example_reform_file() -> None:
    """The shipped example reform loads and sets the county ratio to 0.80."""
    reform = load_reform(EXAMPLE)
    assert "county_ratio_080" == reform.id
    assert ((COUNTY, "0.80"),) == reform.changes
    assert D("0.80") == _county_ratios(apply_reform(None, EXAMPLE))["county"]


def test_reform_file_validated(tmp_path: Path) -> None:
    """A reform file without a format, or with an unknown key, is refused naming the key."""
    path = tmp_path / "r.yaml"
    path.write_text("name: x\nchanges: {a: 1}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"r\.yaml: format: missing required key"):
        load_reform(path)
    path.write_text("format: zjj-medical-reform/1\nname: x\nchange: {a: 1}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"r\.yaml: change: unknown key"):
        load_reform(path)


def test_policy_document_is_raw() -> None:
    """The raw document keeps numbers as text, as the policy file has them."""
    doc, source = policy_document("zhangjiajie")
    assert "zhangjiajie.yaml" == source
    assert "0.75" == doc["layers"][0]["ratio"]["values"]["2019-01-01"]["county"]


def _tables(*claims: tuple[str, str, str, str, str, str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "poor": [False, True, True],
            "county": ["cili", "sangzhi", "cili"],
        }
    )
    table = pd.DataFrame(
        [
            {
                "claim_id": c,
                "person_id": p,
                "kind": "inpatient",
                "date": d,
                "facility_id": None,
                "facility_level": lvl,
                "facility_county": fc,
                "total": t,
                "in_scope": s,
            }
            for c, p, d, lvl, fc, t, s in claims
        ]
    )
    return people, table


def test_compare_tiny_case() -> None:
    """County ratio 0.75 → 0.80: P1 gains 500; P2 (poor, in-county) is topped up to 85% either way."""
    people, claims = _tables(
        ("C1", "P1", "2019-05-01", "county", "cili", "10500", "10500"),
        ("C2", "P2", "2019-05-01", "county", "sangzhi", "20000", "18000"),
    )
    c = compare(claims, people, None, EXAMPLE)
    # basic: P1 (10,500 − 500) × 0.75 = 7,500 → × 0.80 = 8,000;
    #        P2 18,000 × 0.85 = 15,300 → 18,000 × 0.90 = 16,200
    assert [D("22800.00"), D("24200.00"), D("1400.00")] == c.layers.loc[
        "basic_insurance", ["baseline", "reform", "change"]
    ].tolist()
    # backstop: 17,000 − 15,300 = 1,700 → 17,000 − 16,200 = 800
    assert [D("1700.00"), D("800.00"), D("-900.00")] == c.layers.loc[
        "fiscal_backstop", ["baseline", "reform", "change"]
    ].tolist()
    # reimbursed 7,500 + 17,000 = 24,500 → 8,000 + 17,000 = 25,000
    assert [D("24500.00"), D("25000.00"), D("500.00")] == c.totals.loc[
        "all", ["reimbursed_baseline", "reimbursed_reform", "reimbursed_change"]
    ].tolist()
    assert D("-500.00") == c.totals.loc["all", "out_of_pocket_change"]
    assert D("0.00") == c.totals.loc["poor", "out_of_pocket_change"]
    # P1 better off; P2 (claims) and P3 (none) unchanged
    assert [1, 0, 2] == c.persons.loc["all"].tolist()
    assert [0, 0, 2] == c.persons.loc["poor"].tolist()
    # change over persons with claims, sorted [−500, 0]: P1 and P50 → rank 1, P75 → rank 2
    assert [D("-500.00"), D("-500.00"), D("0.00")] == [
        c.out_of_pocket_change.loc[q, "all"] for q in (1, 50, 75)
    ]
    assert "County hospitals at 80%" in c.reform_name
    assert "county_ratio_080" == c.reform_id


def test_poor_person_can_be_worse_off() -> None:
    """Raising the ratio can cost a poor person critical-illness money on a later out-of-county stay.

    P3 (poor, Cili): A at a county hospital (total 50,000, in-scope 40,000), then B at a
    municipal hospital (out-of-county for Cili, 20,000 all in scope).
    Baseline: A basic 40,000 × 0.85 = 34,000; CI base 6,000 → (6,000 − 5,000) × 0.65 = 650;
    backstop 42,500 − 34,650 = 7,850. B basic 20,000 × 0.75 = 15,000; CI base 6,000 + 5,000
    = 11,000 → 6,000 × 0.65 − 650 = 3,250. Out-of-pocket 7,500 + 1,750 = 9,250.
    Reform: A basic 40,000 × 0.90 = 36,000; CI base 4,000 < 5,000 → 0; backstop 6,500.
    B CI base 4,000 + 5,000 = 9,000 → 4,000 × 0.65 = 2,600. Out-of-pocket 7,500 + 2,400 = 9,900.
    """
    people, claims = _tables(
        ("A", "P3", "2019-03-01", "county", "cili", "50000", "40000"),
        ("B", "P3", "2019-04-01", "municipal", "yongding", "20000", "20000"),
    )
    c = compare(claims, people, "zhangjiajie", {COUNTY: "0.80"})
    row = c.per_person.set_index("person_id").loc["P3"]
    assert [D("9250.00"), D("9900.00"), D("650.00")] == [
        row["baseline"],
        row["reform"],
        row["change"],
    ]
    assert 1 == c.persons.loc["poor", "worse_off"]
    # A's reimbursement stays 42,500 (the backstop's 85%); B's CI drops 3,250 → 2,600
    assert [D("3900.00"), D("2600.00")] == c.layers.loc[
        "critical_illness", ["baseline", "reform"]
    ].tolist()


def test_per_person_poor_flag_as_in_the_summaries() -> None:
    """Per person, an empty poor cell is not poor, as in the summaries' poor counts."""
    people, claims = _tables(("C1", "P1", "2019-05-01", "county", "cili", "10500", "10500"))
    people["poor"] = ["true", float("nan"), "1"]
    c = compare(claims, people, None, {COUNTY: "0.80"})
    assert [True, False, True] == c.per_person["poor"].tolist()
    # P1 and P3 poor, P2 (empty) not
    assert 2 == c.baseline.poor_persons
    # P1 (poor, no deductible): 10,500 × 0.85 = 8,925 → 10,500 × 0.90 = 9,450, so better
    # off by 525; P3 has no claims (unchanged)
    assert [1, 0, 1] == c.persons.loc["poor"].tolist()
    assert D("-525.00") == c.per_person.set_index("person_id").loc["P1", "change"]


def test_compare_with_reformed_policy() -> None:
    """compare accepts an already reformed Policy as the reform."""
    people, claims = _tables(("C1", "P1", "2019-05-01", "county", "cili", "10500", "10500"))
    reformed = apply_reform(None, {COUNTY: "0.80"})
    c = compare(claims, people, load_policy(), reformed)
    assert D("500.00") == c.layers.loc["basic_insurance", "change"]


def test_compare_needs_the_source_of_a_file_policy(tmp_path: Path) -> None:
    """A reform spec on a Policy loaded from a file needs the file, not the object."""
    src = Path(__file__).resolve().parents[1] / "src" / "zjj_medical" / "data" / "policies"
    path = tmp_path / "county.yaml"
    path.write_text((src / "example_county.yaml").read_text("utf-8"), encoding="utf-8")
    people, claims = _tables(("C1", "P1", "2019-05-01", "county", "cili", "10500", "10500"))
    with pytest.raises(ValueError, match="pass its name or file path"):
        compare(claims, people, load_policy(path), {COUNTY: "0.80"})
    c = compare(claims, people, path, {COUNTY: "0.80"})
    assert D("500.00") == c.layers.loc["basic_insurance", "change"]


def test_a_comparison_splits_fee_lines_under_each_policy() -> None:
    """A claim given by its fee lines alone (no total, no in-scope): two class-A lines of
    500.00 each, 1,000.00 in scope. Not poor, county hospital of Cili: basic insurance pays
    (1,000.00 − 500.00 deductible) × 0.75 = 375.00; under the reform (0.80) 400.00."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": ["C1"], "person_id": ["P1"], "kind": ["inpatient"],
        "date": ["2019-05-01"], "facility_id": [None], "facility_level": ["county"],
        "facility_county": ["cili"], "total": [None], "in_scope": [None]})  # fmt: skip
    lines = pd.DataFrame({
        "claim_id": ["C1", "C1"], "code": ["BED", "DRUG"], "name": ["床位费", "药品"],
        "class": ["A", "A"], "quantity": ["10", "5"], "price": ["50.00", "100.00"]})  # fmt: skip
    c = compare(claims, people, None,
                {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"},
                lines=lines)  # fmt: skip
    assert c.layers.loc["basic_insurance", ["baseline", "reform", "change"]].tolist() == [
        Decimal("375.00"), Decimal("400.00"), Decimal("25.00"),
    ]  # fmt: skip
    assert c.baseline.errors == 0
    assert c.reform.errors == 0
