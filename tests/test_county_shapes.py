"""SPEC §9: other counties' policies, differing in shape, settled by the same engine.

Each shape of §9 has a small county file in ``tests/fixtures/policies/shapes/`` that
validates, a wrong variant in ``shapes/wrong/`` refused with a ``PolicyError`` naming the
key path, and settlements whose expected payments are worked by hand from the file's
numbers, the arithmetic written beside each figure. The shipped ``example_county`` is
checked the same way at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from zjj_medical import (
    Claim,
    Facility,
    InvalidClaim,
    Person,
    Policy,
    PolicyError,
    PolicyNotInForce,
    Settlement,
    load_policy,
    settle,
    settle_year,
)
from zjj_medical.batch import simulate
from zjj_medical.contract.documents import settle_document

D = Decimal

SHAPES = Path(__file__).parent / "fixtures" / "policies" / "shapes"
WRONG = SHAPES / "wrong"


def shape(name: str) -> Policy:
    """The shape's county file, loaded and validated."""
    return load_policy(SHAPES / f"{name}.yaml")


def visit(
    cid: str,
    date: str,
    level: str,
    in_scope: str,
    total: str | None = None,
    *,
    kind: str = "inpatient",
    county: str | None = None,
    **attributes: str | bool,
) -> Claim:
    """A claim at a facility of the given tier (total defaults to the in-scope cost)."""
    return Claim(
        cid,
        kind,
        date,
        Facility(level=level, county=county),
        total=total or in_scope,
        in_scope=in_scope,
        attributes=attributes,
    )


def person(
    pid: str = "P1",
    *,
    poor: bool = False,
    county: str = "any",
    categories: Sequence[str] = (),
    **attributes: str | bool,
) -> Person:
    """A person; the shape files declare no counties, so any county id passes."""
    return Person(
        pid, poor=poor, county=county, categories=tuple(categories), attributes=attributes
    )


def paid(settlements: Sequence[Settlement], layer: str) -> list[D]:
    """What one layer paid on each claim, in order."""
    return [s.payments[layer] for s in settlements]


# -- (a) every shape file validates ---------------------------------------------------------

SHAPE_FILES = sorted(p.stem for p in SHAPES.glob("*.yaml"))


@pytest.mark.parametrize("name", SHAPE_FILES)
def test_shape_file_validates(name: str) -> None:
    """Each county shape file loads through the strict loader with no code of its own."""
    policy = shape(name)
    assert f"{name}.yaml" == policy.file
    assert policy.id.startswith("shape_")
    assert policy.layers


def test_every_shape_has_a_file() -> None:
    """The fixture directory holds the files of all seven shapes of SPEC §9."""
    expected = {
        "tiers", "coverage", "deductible_repeat_same_tier", "deductible_repeat_any_tier",
        "deductible_repeat_set", "deductible_repeat_step", "deductible_repeat_when",
        "deductible_ceiling",
        "deductible_per_visit", "deductible_annual", "deductible_persons", "bands_absolute",
        "bands_absolute_open", "bands_above_deductible", "caps", "claims", "dates",
    }  # fmt: skip
    assert expected == set(SHAPE_FILES)


# -- (b) each shape's wrong variant is refused, naming the key path -------------------------

WRONG_CASES = [
    # §9.1 tiers
    ("tiers_table_undeclared", "layers[0].ratio.values.2021-01-01.grade4", "unknown tier"),
    ("tiers_kind_undeclared", "claim_kinds.inpatient.tiers[2]", "unknown tier '三级'"),
    # §9.2 who is covered
    ("coverage_undeclared_attribute", "layers[1].when.hukou", "unknown fact 'hukou'"),
    ("coverage_bad_value", "layers[1].when.scheme", "'farmer' is not a value"),
    ("coverage_undeclared_category", "layers[1].when.categories", "unknown category 'wubao'"),
    # §9.3 deductible shapes
    ("deductible_repeat_bad_count", "layers[0].deductible_repeat.count", "same_facility"),
    ("deductible_floor_without_step", "layers[0].deductible_repeat.floor", "floor goes with step"),
    ("deductible_ceiling_annual", "layers[0].deductible_ceiling", "annual deductible"),
    # §9.4 band bases
    ("bands_bad_measured", "layers[0].bands.measured", "'cumulative'"),
    ("bands_overlap", "layers[0].bands.values.2021-01-01[1].from", "overlapping"),
    # §9.5 caps
    ("caps_bad_per", "layers[0].caps[0].per", "'month' is not claim or year"),
    ("caps_shared_unknown_layer", "shared_caps[0].layers[1]", "unknown layer 'dental'"),
    # §9.6 claim attributes and kinds
    ("claims_undeclared_kind", "layers[1].kinds[0]", "unknown claim kind 'chronic_outpatient'"),
    ("claims_referral_bad_value", "layers[0].ratio.modifiers[0].when.referral", "'lost'"),
    (
        "claims_referral_table_key",
        "layers[0].ratio.values.2021-01-01.transferred",
        "unknown referral",
    ),
    # §9.7 effective dates
    ("dates_out_of_order", "layers[0].deductible.values", "increasing order"),
    ("dates_until_before_from", "layers[1].effective.until", "is not after from"),
    ("dates_bad_date", "layers[0].ratio.modifiers[0].from", "'2021-02-30' is not a date"),
]


@pytest.mark.parametrize(("name", "path", "says"), WRONG_CASES, ids=[c[0] for c in WRONG_CASES])
def test_wrong_variant_is_refused(name: str, path: str, says: str) -> None:
    """A broken county file raises PolicyError naming the file and the key path."""
    with pytest.raises(PolicyError) as info:
        load_policy(WRONG / f"{name}.yaml")
    assert path == info.value.path
    assert str(info.value).startswith(f"{name}.yaml: {path}: ")
    assert says in str(info.value)


def test_every_wrong_file_is_checked() -> None:
    """No wrong variant in the fixture directory is left without a test case."""
    assert {p.stem for p in WRONG.glob("*.yaml")} == {c[0] for c in WRONG_CASES}


# -- §9.1 its own facility tiers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "in_scope", "expected"),
    [
        ("grade1", "10000", D("8730")),  # (10000 − 300) × 0.90
        ("二级", "10000", D("7520")),  # alias of grade2: (10000 − 600) × 0.80
        ("三级医院", "10000", D("6300")),  # name of grade3: (10000 − 1000) × 0.70
        ("ministerial", "10000", D("5100")),  # (10000 − 1500) × 0.60
        ("省部属", "4000.50", D("1500.30")),  # (4000.50 − 1500) × 0.60 = 2500.50 × 0.60
        ("基层", "10000", D("9405")),  # a Chinese tier id: (10000 − 100) × 0.95
    ],
)
def test_tiers_key_the_tables(level: str, in_scope: str, expected: D) -> None:
    """Deductible and ratio are read from tables keyed by the county's own hospital grades."""
    s = settle(visit("C1", "2021-05-01", level, in_scope), person(), policy=shape("tiers"))
    assert expected == s.payments["basic_insurance"]


@pytest.mark.parametrize("level", ["四级", "county", "grade 2"])
def test_unknown_tier_is_an_invalid_claim(level: str) -> None:
    """A claim naming a tier the county does not declare is an InvalidClaim on facility.level."""
    with pytest.raises(InvalidClaim) as info:
        settle(visit("C1", "2021-05-01", level, "10000"), person(), policy=shape("tiers"))
    assert "facility.level" == info.value.field
    assert "C1" == info.value.claim_id


# -- §9.2 who is covered by what --------------------------------------------------------------

COVERAGE = [
    # (person attributes, categories, basic, employee layer, assistance); in_scope = total = 20000
    ({}, (), D("11400"), D("0"), D("0")),  # resident by default: (20000 − 1000) × 0.60
    (  # employee retiree: (20000 − 800) × (0.80 + 0.02) = 15744; (20000 − 15744) × 0.50 = 2128
        {"scheme": "employee", "retiree": True}, (), D("15744"), D("2128"), D("0"),
    ),
    (  # employee: (20000 − 1000) × 0.80 = 15200; (20000 − 15200) × 0.50 = 2400
        {"scheme": "employee", "retiree": False}, (), D("15200"), D("2400"), D("0"),
    ),
    (  # 特困 (alias): 11400 as a resident; (20000 − 11400) × 0.70 = 6020
        {"scheme": "resident"}, ("特困",), D("11400"), D("0"), D("6020"),
    ),
    (  # 低保 by its name, retiree: (20000 − 800) × 0.62 = 11904; (20000 − 11904) × 0.70 = 5667.20
        {"retiree": True}, ("低保对象",), D("11904"), D("0"), D("5667.20"),
    ),
    (  # both categories: the layer asks for any of them; 6020 as for 特困 alone
        {}, ("tekun", "dibao"), D("11400"), D("0"), D("6020"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("attributes", "categories", "basic", "employee", "assistance"), COVERAGE)
def test_coverage_by_person_attributes(
    attributes: dict[str, str | bool],
    categories: tuple[str, ...],
    basic: D,
    employee: D,
    assistance: D,
) -> None:
    """Scheme, retiree and categories pick ratios, uplifts and the layers a person gets."""
    s = settle(
        visit("C1", "2021-05-01", "county", "20000"),
        person(categories=categories, **attributes),
        policy=shape("coverage"),
    )
    expected = {
        "basic_insurance": basic, "employee_large_medical": employee, "medical_assistance": assistance,
    }  # fmt: skip
    assert expected == dict(s.payments)


@pytest.mark.parametrize(
    ("attributes", "categories", "field"),
    [
        ({"hukou": "rural"}, (), "person.hukou"),  # an attribute the county does not declare
        ({"scheme": "farmer"}, (), "person.scheme"),  # a value the attribute does not declare
        ({"retiree": "yes"}, (), "person.retiree"),  # a bool attribute given as text
        ({}, ("五保",), "person.categories"),  # a category the county does not declare
    ],
)
def test_undeclared_person_attribute_is_an_invalid_claim(
    attributes: dict[str, str | bool], categories: tuple[str, ...], field: str
) -> None:
    """A person attribute, value or category the policy does not know is refused, not ignored."""
    with pytest.raises(InvalidClaim) as info:
        settle(
            visit("C1", "2021-05-01", "county", "20000"),
            person(categories=categories, **attributes),
            policy=shape("coverage"),
        )
    assert field == info.value.field


# -- §9.3 deductible shapes -------------------------------------------------------------------

# Five admissions of in-scope 10000 at county, county, municipal, municipal, county; ratio 0.80.
ADMISSIONS = [
    visit(f"A{i}", date, level, "10000")
    for i, (date, level) in enumerate(
        [
            ("2021-02-01", "county"),
            ("2021-04-01", "county"),
            ("2021-06-01", "municipal"),
            ("2021-08-01", "municipal"),
            ("2021-10-01", "county"),
        ],
        start=1,
    )
]


def test_deductible_halved_from_second_admission_same_tier() -> None:
    """count: same_tier — the deductible is halved from the second admission at that tier."""
    s = settle_year(ADMISSIONS, person(), policy=shape("deductible_repeat_same_tier"))
    expected = [
        D("7520"),  # 1st county: (10000 − 600) × 0.80
        D("7760"),  # 2nd county: (10000 − 600 × 0.5) × 0.80 = 9700 × 0.80
        D("7040"),  # 1st municipal: (10000 − 1200) × 0.80
        D("7520"),  # 2nd municipal: (10000 − 1200 × 0.5) × 0.80 = 9400 × 0.80
        D("7760"),  # 3rd county: (10000 − 300) × 0.80
    ]
    assert expected == paid(s, "basic_insurance")


def test_deductible_halved_from_second_admission_any_tier() -> None:
    """count: any_tier — every admission after the first in the year has half the deductible."""
    s = settle_year(ADMISSIONS, person(), policy=shape("deductible_repeat_any_tier"))
    expected = [
        D("7520"),  # 1st: (10000 − 600) × 0.80
        D("7760"),  # 2nd, county: (10000 − 300) × 0.80
        D("7520"),  # 3rd, municipal: (10000 − 1200 × 0.5) × 0.80 = 9400 × 0.80
        D("7520"),  # 4th, municipal: 9400 × 0.80
        D("7760"),  # 5th, county: 9700 × 0.80
    ]
    assert expected == paid(s, "basic_insurance")


@pytest.mark.parametrize(
    ("poor", "expected"),
    [
        # 600 first, then the fixed 200: (10000 − 600) × 0.80; (10000 − 200) × 0.80 twice
        (False, [D("7520"), D("7840"), D("7840")]),
        # the poor pay a quarter: 150 at county, 300 at municipal → min(300, 200) = 200,
        # then county again min(150, 200) = 150: 9850 × 0.80, 9800 × 0.80, 9850 × 0.80
        (True, [D("7880"), D("7840"), D("7880")]),
    ],
)
def test_deductible_fixed_reduced_amount(poor: bool, expected: list[D]) -> None:
    """set — later admissions have a fixed deductible, never more than the person's own."""
    claims = [ADMISSIONS[0], ADMISSIONS[2], ADMISSIONS[4]]  # county, municipal, county
    s = settle_year(claims, person(poor=poor), policy=shape("deductible_repeat_set"))
    assert expected == paid(s, "basic_insurance")


@pytest.mark.parametrize(
    ("poor", "expected"),
    [
        # deductibles 1000, 700, 400, max(400, 100) = 400, max(400, −200) = 400; × 0.80 of the rest
        (False, [D("7200"), D("7440"), D("7680"), D("7680"), D("7680")]),
        # waived for the poor: the floor of 400 does not bring it back; 10000 × 0.80 each
        (True, [D("8000")] * 5),
    ],
)
def test_deductible_step_down_with_floor(poor: bool, expected: list[D]) -> None:
    """step + floor — each later admission lowers the deductible by 300, not below 400."""
    s = settle_year(ADMISSIONS, person(poor=poor), policy=shape("deductible_repeat_step"))
    assert expected == paid(s, "basic_insurance")


BEIJING_ADMISSIONS = [
    visit(f"B{i}", date, level, "10000")
    for i, (date, level) in enumerate(
        [("2021-02-01", "third"), ("2021-04-01", "third"), ("2021-06-01", "second"),
         ("2021-08-01", "second")],
        start=1,
    )
]  # fmt: skip


@pytest.mark.parametrize(
    ("poor", "group", "expected"),
    [
        # others: third 1300, then half 650; second 1000, then half 500
        # (10000 − 1300) × 0.80, 9350 × 0.80, (10000 − 1000) × 0.85, 9500 × 0.85
        (False, "other", [D("6960"), D("7480"), D("7650"), D("8075")]),
        # students pay half from the first admission (650, 500) and no repeat rule matches
        # them: 9350 × 0.80 twice, 9500 × 0.85 twice
        (False, "student", [D("7480"), D("7480"), D("8075"), D("8075")]),
        (False, "child", [D("7480"), D("7480"), D("8075"), D("8075")]),
        # the poor match the first rule: 300 from the second admission at any tier:
        # 8700 × 0.80, 9700 × 0.80, 9700 × 0.85 twice
        (True, "other", [D("6960"), D("7760"), D("8245"), D("8245")]),
        # a poor student: 650 first, then min(650, 300) = 300, min(500, 300) = 300
        (True, "student", [D("7480"), D("7760"), D("8245"), D("8245")]),
    ],
)
def test_deductible_repeat_rule_with_condition(poor: bool, group: str, expected: list[D]) -> None:
    """deductible_repeat as a list with when: the first rule that matches the person applies."""
    policy = shape("deductible_repeat_when")
    s = settle_year(BEIJING_ADMISSIONS, person(poor=poor, group=group), policy=policy)
    assert expected == paid(s, "basic_insurance")


def test_deductible_repeat_does_not_stack_on_a_modifier(tmp_path: Path) -> None:
    """A repeat rule for everyone halves the table's deductible: a student's stays 650, not 325."""
    text = (SHAPES / "deductible_repeat_when.yaml").read_text("utf-8")
    start = text.index("    deductible_repeat:")
    end = text.index("    ratio:")
    rule = """    deductible_repeat:
      count: same_tier
      multiply: 0.5
      description: Half the deductible from the second admission at the same tier.
      reference: 第二次及以后住院起付线减半（示例）
"""
    path = tmp_path / "beijing.yaml"
    path.write_text(text[:start] + rule + text[end:], "utf-8")
    policy = load_policy(path)
    s = settle_year(BEIJING_ADMISSIONS, person(group="student"), policy=policy)
    # 650 = min(1300 × 0.5 (modifier), 1300 × 0.5 (repeat rule on the table's 1300)):
    # 9350 × 0.80 twice; 500 at second twice: 9500 × 0.85
    assert [D("7480"), D("7480"), D("8075"), D("8075")] == paid(s, "basic_insurance")
    s = settle_year(BEIJING_ADMISSIONS, person(group="other"), policy=policy)
    assert [D("6960"), D("7480"), D("7650"), D("8075")] == paid(s, "basic_insurance")


def test_deductible_repeat_halves_a_raised_deductible(tmp_path: Path) -> None:
    """A modifier that raises the deductible (× 2) is halved by the repeat rule: 2600 → 1300."""
    text = (SHAPES / "deductible_repeat_when.yaml").read_text("utf-8")
    text = text.replace(
        "multiply: 0.5\n          reference: 学生", "multiply: 2\n          reference: 学生"
    )
    path = tmp_path / "raised.yaml"
    path.write_text(text, "utf-8")
    s = settle_year(BEIJING_ADMISSIONS[:2], person(group="student"), policy=load_policy(path))
    # a student: 1300 × 2 = 2600, no rule matches students: (10000 − 2600) × 0.80 twice
    assert [D("5920"), D("5920")] == paid(s, "basic_insurance")
    text = text.replace(
        "      - when: {group: other}\n", "      - when: {group: [other, student]}\n"
    )
    path.write_text(text, "utf-8")
    s = settle_year(BEIJING_ADMISSIONS[:2], person(group="student"), policy=load_policy(path))
    # second admission: min(2600, 0.5 × max(1300, 2600)) = 1300: 8700 × 0.80
    assert [D("5920"), D("6960")] == paid(s, "basic_insurance")


def test_deductible_ceiling_per_year() -> None:
    """deductible_ceiling — deductibles borne in a year stop at 1500."""
    claims = [
        visit("A1", "2021-02-01", "county", "10000"),
        visit("A2", "2021-03-01", "county", "300"),
        visit("A3", "2021-04-01", "county", "10000"),
        visit("A4", "2021-05-01", "county", "10000"),
    ]
    s = settle_year(claims, person(), policy=shape("deductible_ceiling"))
    expected = [
        D("7200"),  # 1000 borne: (10000 − 1000) × 0.80
        D("0"),  # deductible min(1000, 1500 − 1000) = 500 > base 300: 300 borne, nothing paid
        D("7840"),  # 1500 − 1300 = 200 left: (10000 − 200) × 0.80
        D("8000"),  # ceiling reached: 10000 × 0.80
    ]
    assert expected == paid(s, "basic_insurance")
    assert D("1500") == s[-1].ledger.state("basic_insurance").deductible  # 1000 + 300 + 200 + 0


def test_deductible_per_visit() -> None:
    """A per-visit outpatient deductible: each visit bears its own 50."""
    visits = [
        visit("V1", "2021-03-01", "township", "30", kind="outpatient"),
        visit("V2", "2021-03-08", "township", "200", kind="outpatient"),
        visit("V3", "2021-03-15", "township", "50.50", kind="outpatient"),
    ]
    s = settle_year(visits, person(), policy=shape("deductible_per_visit"))
    # 30 < 50: 0; (200 − 50) × 0.60 = 90; (50.50 − 50) × 0.60 = 0.30
    assert [D("0"), D("90"), D("0.30")] == paid(s, "outpatient_pooling")


def test_deductible_annual_cumulative() -> None:
    """An annual outpatient deductible of 500 on the year's cumulative cost."""
    visits = [
        visit(f"V{i}", f"2021-0{i}-01", "township", amount, kind="outpatient")
        for i, amount in enumerate(["300", "400", "200", "100"], start=1)
    ]
    s = settle_year(visits, person(), policy=shape("deductible_annual"))
    expected = [
        D("0"),  # A = 300 ≤ 500
        D("120"),  # A = 700: (700 − 500) × 0.60
        D("120"),  # A = 900: (900 − 500) × 0.60 − 120 = 240 − 120
        D("60"),  # A = 1000: (1000 − 500) × 0.60 − 240 = 300 − 240
    ]
    assert expected == paid(s, "outpatient_pooling")


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ((), D("3360")),  # (5000 − 800) × 0.80
        (("特困",), D("4000")),  # waived: 5000 × 0.80
        (("dibao",), D("3680")),  # halved: (5000 − 400) × 0.80
        (("tekun", "dibao"), D("4000")),  # set 0, then × 0.5 = 0: 5000 × 0.80
    ],
)
def test_deductible_waived_or_scaled_for_some_persons(
    categories: tuple[str, ...], expected: D
) -> None:
    """Modifiers set the deductible to 0 for 特困 and halve it for 低保."""
    s = settle(
        visit("C1", "2021-05-01", "county", "5000"),
        person(categories=categories),
        policy=shape("deductible_persons"),
    )
    assert expected == s.payments["basic_insurance"]


# -- §9.4 band bases --------------------------------------------------------------------------

# One person-year of in-scope 10000, 25000, 50000, 60000: cumulative A = 10000, 35000, 85000, 145000.
YEAR = [
    visit(f"B{i}", date, "county", amount)
    for i, (date, amount) in enumerate(
        [("2021-02-01", "10000"), ("2021-05-01", "25000"), ("2021-08-01", "50000"),
         ("2021-11-01", "60000")],
        start=1,
    )
]  # fmt: skip

ABSOLUTE = [
    D("0"),  # A = 10000 below 16000
    D("11650"),  # F(35000) = 14000 × 0.60 + 5000 × 0.65 = 8400 + 3250
    D("32500"),  # F(85000) = 8400 + 55000 × 0.65 = 44150; 44150 − 11650
    D("43500"),  # F(145000) = 8400 + 70000 × 0.65 + 45000 × 0.75 = 87650; 87650 − 44150
]


def test_bands_absolute() -> None:
    """measured: absolute — 16,000–30,000 at 0.60, 30,000–100,000 at 0.65, above at 0.75."""
    s = settle_year(YEAR, person(), policy=shape("bands_absolute"))
    assert ABSOLUTE == paid(s, "critical_illness")


def test_bands_above_deductible() -> None:
    """measured: above_deductible — the same numbers counted from the deductible pay less."""
    s = settle_year(YEAR, person(), policy=shape("bands_above_deductible"))
    expected = [
        D("0"),  # E = A − 16000 < 0
        D("11400"),  # E = 19000: 19000 × 0.60
        D("31950"),  # E = 69000: 30000 × 0.60 + 39000 × 0.65 = 43350; 43350 − 11400
        D("41900"),  # E = 129000: 18000 + 70000 × 0.65 + 29000 × 0.75 = 85250; 85250 − 43350
    ]
    assert expected == paid(s, "critical_illness")


def test_bands_absolute_depend_only_on_the_year_total() -> None:
    """The absolute bands paid over the year equal one claim of the year's whole base."""
    one = settle(
        visit("B0", "2021-12-01", "county", "145000"), person(), policy=shape("bands_absolute")
    )
    # F(145000) = 8400 + 45500 + 33750 = 87650 = 0 + 11650 + 32500 + 43500
    assert D("87650") == one.payments["critical_illness"]
    assert one.payments["critical_illness"] == sum(ABSOLUTE)


def test_bands_absolute_with_from_keep_their_place_for_a_reduced_deductible() -> None:
    """A band written `from: 16000` stays there: halving the deductible opens nothing below it."""
    s = settle_year(YEAR, person(poor=True), policy=shape("bands_absolute"))
    # d = 8000, but [8000, 16000) lies in no band: the same payments as at d = 16000
    assert ABSOLUTE == paid(s, "critical_illness")


def test_bands_absolute_open_first_band_starts_at_the_deductible() -> None:
    """A first band written without `from` starts at the person's deductible (起付线–30,000)."""
    policy = shape("bands_absolute_open")
    assert ABSOLUTE == paid(settle_year(YEAR, person(), policy=policy), "critical_illness")
    poor = paid(settle_year(YEAR, person(poor=True), policy=policy), "critical_illness")
    expected = [
        D("1200"),  # d = 8000: F(10000) = 2000 × 0.60
        D("15250"),  # F(35000) = 22000 × 0.60 + 5000 × 0.65 = 13200 + 3250 = 16450; − 1200
        D("32500"),  # F(85000) = 13200 + 55000 × 0.65 = 48950; 48950 − 16450
        D("43500"),  # F(145000) = 13200 + 45500 + 33750 = 92450; 92450 − 48950
    ]
    assert expected == poor


# -- §9.5 caps --------------------------------------------------------------------------------


def _caps_year(with_outpatient: bool) -> list[Settlement]:
    o = [
        visit("O1", "2021-02-01", "county", "2000", kind="outpatient"),
        visit("O2", "2021-06-01", "county", "6000", kind="outpatient"),
        visit("O3", "2021-09-01", "county", "400", kind="outpatient"),
    ]
    i = [visit(f"I{n}", f"2021-0{m}-01", "county", "30000") for n, m in ((1, 3), (2, 5), (3, 8))]
    claims = [o[0], i[0], i[1], o[1], i[2], o[2]] if with_outpatient else i
    return settle_year(claims, person(), policy=shape("caps"))


def test_caps_per_claim_per_year_and_shared() -> None:
    """Per-claim, per-layer annual and a shared fund cap over inpatient and outpatient layers."""
    s = _caps_year(with_outpatient=True)
    expected = [
        # O1: 2000 × 0.50 = 1000                       fund used 1000
        {"outpatient_pooling": D("1000")},
        # I1: 30000 × 0.80 = 24000 → per-claim cap 20000; (30000 − 20000) × 0.50 = 5000
        {"basic_insurance": D("20000"), "critical_illness": D("5000")},
        # I2: the same; layer used 40000 of 45000, fund 41000 of 46000
        {"basic_insurance": D("20000"), "critical_illness": D("5000")},
        # O2: 6000 × 0.50 = 3000 → outpatient cap 3000 − 1000 = 2000 left; fund 43000 used
        {"outpatient_pooling": D("2000")},
        # I3: 20000 → layer 5000 left, fund 46000 − 43000 = 3000 left → 3000;
        #     (30000 − 3000) × 0.50 = 13500
        {"basic_insurance": D("3000"), "critical_illness": D("13500")},
        # O3: 400 × 0.50 = 200 → the outpatient cap is spent: 0
        {"outpatient_pooling": D("0")},
    ]
    assert expected == [dict(x.payments) for x in s]


def test_caps_layer_annual_cap_binds_without_outpatient() -> None:
    """Without outpatient claims the inpatient layer's own 45000 binds before the fund's 46000."""
    s = _caps_year(with_outpatient=False)
    # 20000, 20000, then 45000 − 40000 = 5000; critical: 5000, 5000, (30000 − 5000) × 0.50
    assert [D("20000"), D("20000"), D("5000")] == paid(s, "basic_insurance")
    assert [D("5000"), D("5000"), D("12500")] == paid(s, "critical_illness")


def test_caps_none() -> None:
    """A cap of null is no cap at all: a very large claim is paid in full by its ratio."""
    s = settle(visit("I1", "2021-03-01", "county", "1000000"), person(), policy=shape("caps"))
    # basic: 800000 → 20000 per claim; critical: (1000000 − 20000) × 0.50, uncapped
    assert D("20000") == s.payments["basic_insurance"]
    assert D("490000") == s.payments["critical_illness"]


# -- §9.6 claim attributes that change the rule; claim kinds beyond inpatient/outpatient ------


@pytest.mark.parametrize(
    ("level", "attributes", "basic", "critical"),
    [
        # filed: (20000 − 2000) × 0.60 = 10800; (20000 − 10800) × 0.60 = 5520
        ("provincial", {"referral": "filed"}, D("10800"), D("5520")),
        # unfiled: ratio 0.60 × 0.8 = 0.48: 18000 × 0.48 = 8640; (20000 − 8640) × 0.30 = 3408
        ("provincial", {"referral": "unfiled"}, D("8640"), D("3408")),
        # emergency is paid as filed
        ("provincial", {"referral": "emergency"}, D("10800"), D("5520")),
        # in the county, no referral given (default filed): (20000 − 500) × 0.75 = 14625;
        # (20000 − 14625) × 0.60 = 3225
        ("county", {}, D("14625"), D("3225")),
        # the multiplier is for care out of the area only: unfiled at county keeps 0.75,
        # the critical-illness table still reads unfiled: 5375 × 0.30 = 1612.50
        ("county", {"referral": "unfiled"}, D("14625"), D("1612.50")),
    ],
)
def test_referral_status_changes_the_ratio(
    level: str, attributes: dict[str, str], basic: D, critical: D
) -> None:
    """referral: a multiplier on one layer's ratio, a table by referral on another."""
    s = settle(
        visit("C1", "2021-05-01", level, "20000", **attributes), person(), policy=shape("claims")
    )
    assert {"basic_insurance": basic, "critical_illness": critical} == dict(s.payments)


def test_chronic_outpatient_kind_has_its_own_layer() -> None:
    """门诊慢特病: its own kind and layer, annual deductible 300, ratio 0.80, annual cap 5000."""
    visits = [
        visit("M1", "2021-03-01", "county", "200", kind="chronic_outpatient"),
        visit("M2", "2021-05-01", "county", "400", kind="门诊慢特病"),
        visit("M3", "2021-07-01", "provincial", "1000", kind="门诊慢性病"),
        visit("M4", "2021-09-01", "county", "8000", kind="chronic_outpatient"),
    ]
    s = settle_year(visits, person(), policy=shape("claims"))
    expected = [
        D("0"),  # A = 200 ≤ 300
        D("240"),  # A = 600: (600 − 300) × 0.80
        D("800"),  # A = 1600: 1300 × 0.80 = 1040; 1040 − 240
        D("3960"),  # A = 9600: 9300 × 0.80 = 7440; 7440 − 1040 = 6400 → cap 5000 − 1040 = 3960
    ]
    assert expected == paid(s, "chronic_outpatient_pooling")
    assert [["chronic_outpatient_pooling"]] * 4 == [list(x.payments) for x in s]
    assert ["chronic_outpatient"] * 4 == [x.kind for x in s]


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        (visit("C1", "2021-05-01", "provincial", "100", referral="transferred"), "referral"),
        (visit("C1", "2021-05-01", "provincial", "100", referral=True), "referral"),
        (visit("C1", "2021-05-01", "provincial", "100", urgency="high"), "urgency"),
        (visit("C1", "2021-05-01", "provincial", "100", kind="dental"), "kind"),
    ],
)
def test_unknown_claim_attribute_or_kind_is_an_invalid_claim(claim: Claim, field: str) -> None:
    """A claim attribute, value or kind the policy does not declare is refused."""
    with pytest.raises(InvalidClaim) as info:
        settle(claim, person(), policy=shape("claims"))
    assert field == info.value.field


def test_claim_and_person_attributes_through_the_json_contract() -> None:
    """SPEC §6: extra keys of the JSON person and claim are the policy's attributes."""
    doc = {
        "person": {"id": "P1", "poor": False, "county": "any", "categories": []},
        "claims": [
            {"id": "C1", "kind": "住院", "date": "2021-05-01", "facility": {"level": "省级医院"},
             "total": "20000.00", "in_scope": "20000.00", "referral": "unfiled"},
        ],
    }  # fmt: skip
    out = settle_document(doc, policy=shape("claims"), trace=False)
    # unfiled out of the area: 18000 × 0.48 = 8640; (20000 − 8640) × 0.30 = 3408
    expected = {"basic_insurance": "8640.00", "critical_illness": "3408.00"}
    assert expected == out["settlements"][0]["payments"]
    doc["claims"][0]["referral"] = "lost"
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc, policy=shape("claims"))
    assert "referral" == info.value.field


# -- §9.7 effective dates everywhere ----------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "poor", "basic", "pilot"),
    [
        ("2021-03-31", False, D("5400"), D("0")),  # (10000 − 1000) × 0.60; pilot not yet
        ("2021-04-01", False, D("5400"), D("2300")),  # pilot from today: (10000 − 5400) × 0.50
        ("2021-06-30", False, D("5400"), D("2300")),  # last day of the 1000 deductible
        ("2021-07-01", False, D("5520"), D("2240")),  # (10000 − 800) × 0.60; 4480 × 0.50
        ("2021-08-31", False, D("5520"), D("2240")),  # last day of the pilot
        ("2021-09-01", False, D("5520"), D("0")),  # the pilot ended (until is exclusive)
        ("2021-09-30", True, D("5520"), D("0")),  # the poor uplift not yet in force
        ("2021-10-01", True, D("6440"), D("0")),  # 9200 × (0.60 + 0.10)
        ("2021-10-01", False, D("5520"), D("0")),  # the uplift is for the poor only
    ],
)
def test_dates_values_layers_and_modifiers(date: str, poor: bool, basic: D, pilot: D) -> None:
    """A value changing mid-year, a layer from/until, a modifier from a date, in one file."""
    s = settle(visit("C1", date, "county", "10000"), person(poor=poor), policy=shape("dates"))
    assert {"basic_insurance": basic, "pilot_insurance": pilot} == dict(s.payments)


def test_dates_layer_outside_its_period_says_why() -> None:
    """A layer out of force pays 0 and its trace names the period."""
    s = settle(visit("C1", "2021-09-01", "county", "10000"), person(), policy=shape("dates"))
    entry = next(e for e in s.trace if e.layer == "pilot_insurance")
    assert "until 2021-09-01" in entry.note


@pytest.mark.parametrize("date", ["2020-12-31", "2022-01-01"])
def test_dates_policy_period(date: str) -> None:
    """The county's policy itself starts and ends on dates (until exclusive)."""
    with pytest.raises(PolicyNotInForce):
        settle(visit("C1", date, "county", "10000"), person(), policy=shape("dates"))


# -- the shipped example county: its safety-net layers pay ------------------------------------

EXAMPLE_POOR_YEAR = [
    # (claim, expected payments) for a registered poor person of sangzhi, 2019
    (
        visit("E1", "2019-03-10", "county", "36000", "40000", county="sangzhi"),
        {
            "basic_insurance": D("30600"),  # poor: no deductible, 36000 × (0.75 + 0.10)
            "critical_illness": D("260"),  # A = 36000 − 30600 = 5400; (5400 − 5000) × 0.65
            # base 36000 − 30600 − 260 = 5140 (year A = 5140): (5140 − 3000) × 0.50
            "special_poverty_insurance": D("1070"),
            # base 5140 − 1070 = 4070: (4070 − 500) × 0.60
            "medical_assistance": D("2142"),
            # total left 40000 − 34072 = 5928: × 0.10 (cap 2000)
            "hospital_reduction": D("592.80"),
            # target 0.85 × 40000 = 34000 < 34664.80 already paid
            "fiscal_backstop": D("0"),
        },
    ),
    (
        visit("E2", "2019-06-20", "county", "20000", "30000", county="sangzhi"),
        {
            "basic_insurance": D("17000"),  # 20000 × 0.85
            # x = 3000, A 5400 → 8400: 3400 × 0.65 − 260 = 2210 − 260
            "critical_illness": D("1950"),
            # x = 20000 − 17000 − 1950 = 1050, A 5140 → 6190: 3190 × 0.50 − 1070 = 1595 − 1070
            "special_poverty_insurance": D("525"),
            # base 1050 − 525 = 525: (525 − 500) × 0.60
            "medical_assistance": D("15"),
            # total left 30000 − 19490 = 10510: × 0.10
            "hospital_reduction": D("1051"),
            # target 0.85 × 30000 = 25500; 25500 − (19490 + 1051) = 4959
            "fiscal_backstop": D("4959"),
        },
    ),
    (
        visit("E3", "2019-11-05", "provincial", "180000", "200000"),
        {
            # 180000 × (0.55 + 0.10) = 117000 → annual cap 150000 − 47600 = 102400 left
            "basic_insurance": D("102400"),
            # x = 77600, A 8400 → 86000, E = 81000:
            # 30000 × 0.65 + 50000 × 0.70 + 1000 × 0.80 = 55300; 55300 − 2210 (no cap for the poor)
            "critical_illness": D("53090"),
            # x = 180000 − 102400 − 53090 = 24510, A 6190 → 30700, E = 27700:
            # 20000 × 0.50 + 7700 × 0.70 = 15390; 15390 − 1595
            "special_poverty_insurance": D("13795"),
            # base 24510 − 13795 = 10715: (10715 − 500) × 0.60 (caps 10000 / 30000 not reached)
            "medical_assistance": D("6129"),
            "hospital_reduction": D("0"),  # out of county
            "fiscal_backstop": D("0"),  # out of county
        },
    ),
]


def test_example_county_safety_net_over_a_year() -> None:
    """example_county: 扶贫特惠保, 医疗救助 and 医院减免 pay, then the fiscal backstop tops up."""
    claims = [c for c, _ in EXAMPLE_POOR_YEAR]
    s = settle_year(
        claims, person(poor=True, county="sangzhi"), policy=load_policy("example_county")
    )
    assert [e for _, e in EXAMPLE_POOR_YEAR] == [dict(x.payments) for x in s]
    # E2 reaches exactly the 85% target: 25500 paid of 30000
    assert (D("25500"), D("4500")) == (s[1].reimbursed, s[1].patient_pay)
    # E3: 102400 + 53090 + 13795 + 6129 = 175414 paid of 200000
    assert (D("175414"), D("24586")) == (s[2].reimbursed, s[2].patient_pay)
    ledger = s[-1].ledger
    assert D("15390") == ledger.state("special_poverty_insurance").paid  # 1070 + 525 + 13795
    assert D("30700") == ledger.state("special_poverty_insurance").base  # 5140 + 1050 + 24510
    assert D("8286") == ledger.state("medical_assistance").paid  # 2142 + 15 + 6129


def test_example_county_medical_assistance_for_tekun() -> None:
    """example_county: a 特困 person (not registered poor) gets 医疗救助 without deductible, at 0.70, within the claim cap."""
    claims = [
        visit("T1", "2019-04-02", "county", "18000", "20000", county="sangzhi"),
        visit("T2", "2019-08-15", "provincial", "100000"),
    ]
    who = person(county="桑植县", categories=("特困供养人员",))
    s = settle_year(claims, who, policy=load_policy("example_county"))
    expected = [
        {
            "basic_insurance": D("13125"),  # (18000 − 500) × 0.75
            "critical_illness": D("0"),  # A = 18000 − 13125 = 4875 < 10000
            "special_poverty_insurance": D("0"),  # the registered poor only
            "medical_assistance": D("3412.50"),  # 特困: no deductible, 4875 × (0.60 + 0.10)
            "hospital_reduction": D("0"),  # the registered poor only
            "fiscal_backstop": D("0"),  # the registered poor only
        },
        {
            "basic_insurance": D("54175"),  # (100000 − 1500) × 0.55
            # x = 45825, A 4875 → 50700, E = 40700: 30000 × 0.60 + 10700 × 0.65 = 18000 + 6955
            "critical_illness": D("24955"),
            "special_poverty_insurance": D("0"),
            # (100000 − 54175 − 24955) × 0.70 = 20870 × 0.70 = 14609 → per-claim cap 10000
            "medical_assistance": D("10000"),
            "hospital_reduction": D("0"),
            "fiscal_backstop": D("0"),
        },
    ]
    assert expected == [dict(x.payments) for x in s]


# -- batch = scalar on the shapes (SPEC §8.7) -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "levels", "expected_poor"),
    [
        # waived for the poor: later admissions keep 0, not the floor: 10000 × 0.80 each
        ("deductible_repeat_step", ["county"] * 3, [800000, 800000, 800000]),
        # poor quarter: 150, min(300, 200) = 200, min(150, 200) = 150 → 9850, 9800, 9850 × 0.80
        ("deductible_repeat_set", ["county", "municipal", "county"], [788000, 784000, 788000]),
        # halved at the same tier: 600, 1200, 300 (poor as anyone) → 9400, 8800, 9700 × 0.80
        (
            "deductible_repeat_same_tier",
            ["county", "municipal", "county"],
            [752000, 704000, 776000],
        ),
        # ceiling 1500: 1000, then 500, then 0 → 9000, 9500, 10000 × 0.80
        ("deductible_ceiling", ["county"] * 3, [720000, 760000, 800000]),
        # the poor's rule (first in the list): 1300, then 300 at any tier →
        # 8700 × 0.80, 9700 × 0.80, 9700 × 0.85
        ("deductible_repeat_when", ["third", "third", "second"], [696000, 776000, 824500]),
    ],
)
def test_batch_equals_scalar_on_repeat_deductibles(
    name: str, levels: list[str], expected_poor: list[int]
) -> None:
    """simulate() settles the repeat-admission shapes as settle_year does, to the fen."""
    policy = shape(name)
    people = pd.DataFrame({"person_id": ["N", "Y"], "poor": [False, True], "county": ["x", "x"]})
    rows = [
        {"claim_id": f"{pid}{i}", "person_id": pid, "kind": "inpatient",
         "date": f"2021-0{i + 2}-01", "facility_level": level, "facility_county": "x",
         "total": "10000", "in_scope": "10000"}
        for pid in ("N", "Y") for i, level in enumerate(levels)
    ]  # fmt: skip
    out = simulate(pd.DataFrame(rows), people, policy=policy, money="fen")
    for pid, poor in (("N", False), ("Y", True)):
        claims = [
            visit(r["claim_id"], r["date"], r["facility_level"], "10000")
            for r in rows
            if r["person_id"] == pid
        ]
        scalar = [
            int(x * 100)
            for x in paid(
                settle_year(claims, person(pid, poor=poor), policy=policy), "basic_insurance"
            )
        ]
        assert scalar == out.loc[out["person_id"] == pid, "basic_insurance"].tolist()
    assert expected_poor == out.loc[out["person_id"] == "Y", "basic_insurance"].tolist()
