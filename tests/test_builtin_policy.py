"""Every number of SPEC §3 is in the built-in ``zhangjiajie`` policy, with its clause.

Expected values are read from the source text, section 二、健康扶贫政策及标准 (the clause is
written beside each), and checked on dates either side of the two changes of 2019:
outpatient pooling from 2019-09-01 and no critical-illness cap for the poor from 2019-10-01.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from reference import INPATIENT_LAYERS, OUTPATIENT_LAYERS
from zjj_medical.cli import cli
from zjj_medical.policy import NOT_IN_FORCE, Param, PolicyLayer, load_policy
from zjj_medical.policy.model import Band
from zjj_medical.render.policy_table import all_params

POLICY = load_policy("zhangjiajie")
D = dt.date
#: Dates either side of 2019-09-01 (outpatient pooling) and 2019-10-01 (no cap for the poor).
AROUND = [D(2019, 8, 31), D(2019, 9, 1), D(2019, 9, 30), D(2019, 10, 1)]
INPATIENT_TIERS = ["township", "community", "county", "municipal", "provincial"]


def layer(layer_id: str) -> PolicyLayer:
    """The built-in layer with this id."""
    return POLICY.layer(layer_id)


def param(p: Param | None) -> Param:
    """The parameter, which the built-in policy must have."""
    assert p is not None
    return p


def facts(poor: bool, tier: str = "county") -> dict[str, object]:
    """The facts a modifier or table reads."""
    return {"poor": poor, "tier": tier, "kind": "inpatient", "in_county": True}


def test_policy_in_force_from_2019_01_01() -> None:
    """The built-in policy starts 2019-01-01 with no end (SPEC §3)."""
    assert "zhangjiajie" == POLICY.id
    assert D(2019, 1, 1) == POLICY.start
    assert POLICY.until is None
    assert not POLICY.in_force(D(2018, 12, 31))
    assert POLICY.in_force(D(2019, 1, 1))


def test_layer_order() -> None:
    """Inpatient layers in the order of Hunan settlement sheets; outpatient pooling alone."""
    assert INPATIENT_LAYERS == tuple(x.id for x in POLICY.layers_for("inpatient"))
    assert OUTPATIENT_LAYERS == tuple(x.id for x in POLICY.layers_for("outpatient"))


def test_village_clinics_do_not_admit_inpatients() -> None:
    """An inpatient claim may name every tier but village_clinic (SPEC §3.1)."""
    assert tuple(INPATIENT_TIERS) == POLICY.claim_kinds["inpatient"].tiers
    assert "village_clinic" in POLICY.claim_kinds["outpatient"].tiers


# -- 3.1 basic insurance ----------------------------------------------------------------------

# 乡镇(社区)卫生院起付线200元；县级医院500元；市级医院1000元；省级医院不低于1500元 (→ 1500, I-1)
DEDUCTIBLE = {"township": 200, "community": 200, "county": 500, "municipal": 1000,
              "provincial": 1500}  # fmt: skip
# 乡镇卫生院100%，县级医院75%，市级医院65%; provincial 0.55 assumed (I-2);
# community shares the township ratio (乡镇(社区)卫生院)
RATIO = {"township": "1.00", "community": "1.00", "county": "0.75", "municipal": "0.65",
         "provincial": "0.55"}  # fmt: skip
# 贫困人口……报销比例相应提高10%, never above 1.00: 1.00 + 0.10 → 1.00; 0.75 + 0.10 = 0.85;
# 0.65 + 0.10 = 0.75; 0.55 + 0.10 = 0.65
RATIO_POOR = {"township": "1.00", "community": "1.00", "county": "0.85", "municipal": "0.75",
              "provincial": "0.65"}  # fmt: skip


@pytest.mark.parametrize("on", AROUND)
@pytest.mark.parametrize("tier", INPATIENT_TIERS)
def test_basic_deductible_by_tier_and_waived_for_the_poor(on: dt.date, tier: str) -> None:
    """Deductible 200/200/500/1000/1500 by tier; 0 for the poor (贫困人口免起付线)."""
    deductible = param(layer("basic_insurance").deductible)
    assert Decimal(DEDUCTIBLE[tier]) == deductible.resolve(on, facts(False, tier))
    assert Decimal(0) == deductible.resolve(on, facts(True, tier))


@pytest.mark.parametrize("on", AROUND)
@pytest.mark.parametrize("tier", INPATIENT_TIERS)
def test_basic_ratio_by_tier_plus_ten_points_for_the_poor(on: dt.date, tier: str) -> None:
    """Ratio 1.00/1.00/0.75/0.65/0.55 by tier; +0.10 for the poor, capped at 1.00."""
    ratio = param(layer("basic_insurance").ratio)
    assert Decimal(RATIO[tier]) == ratio.resolve(on, facts(False, tier))
    assert Decimal(RATIO_POOR[tier]) == ratio.resolve(on, facts(True, tier))


def test_basic_tables_as_written() -> None:
    """The raw tables are the source numbers, by tier, from 2019-01-01 (nothing before)."""
    basic = layer("basic_insurance")
    deductible, ratio = param(basic.deductible), param(basic.ratio)
    assert "tier" == deductible.by
    assert "tier" == ratio.by
    assert {k: Decimal(v) for k, v in DEDUCTIBLE.items()} == deductible.raw_at(D(2019, 1, 1))
    assert {k: Decimal(v) for k, v in RATIO.items()} == ratio.raw_at(D(2019, 12, 31))
    assert NOT_IN_FORCE is deductible.raw_at(D(2018, 12, 31))
    assert "县级医院500元" in deductible.reference
    assert "省级医院不低于1500元" in deductible.reference
    assert "县级医院75%，市级医院65%" in ratio.reference
    # only the provincial ratio is an assumption (I-2)
    assert ("provincial",) == ratio.assumed_keys
    assert "claim" == basic.accumulation
    assert "in_scope" == basic.base_of


@pytest.mark.parametrize("on", AROUND)
@pytest.mark.parametrize("poor", [False, True])
def test_basic_annual_cap_150000(on: dt.date, poor: bool) -> None:
    """Annual cap 150,000 on the layer's payments (年度最高可报销费用15万元, I-3)."""
    caps = layer("basic_insurance").caps
    assert ["year"] == [cap.per for cap in caps]
    assert Decimal(150000) == caps[0].amount.resolve(on, facts(poor))
    assert "年度最高可报销费用15万元" in caps[0].amount.reference


# -- 3.2 critical illness -----------------------------------------------------------------------

# 分四段累计报销：0-3万元(含)部分报60%，3-8万元(含)部分报65%，8-15万元(含)部分报75%，15万元以上部分报85%
BANDS = (
    Band(Decimal(0), Decimal(30000), Decimal("0.60")),
    Band(Decimal(30000), Decimal(80000), Decimal("0.65")),
    Band(Decimal(80000), Decimal(150000), Decimal("0.75")),
    Band(Decimal(150000), None, Decimal("0.85")),
)
# 贫困人口报销比例相应提高5%: 0.60+0.05, 0.65+0.05, 0.75+0.05, 0.85+0.05
BANDS_POOR = (
    Band(Decimal(0), Decimal(30000), Decimal("0.65")),
    Band(Decimal(30000), Decimal(80000), Decimal("0.70")),
    Band(Decimal(80000), Decimal(150000), Decimal("0.80")),
    Band(Decimal(150000), None, Decimal("0.90")),
)


def test_critical_illness_shape() -> None:
    """Base = in-scope minus basic insurance, accumulated over the year, bands above the deductible."""
    ci = layer("critical_illness")
    assert "in_scope" == ci.base_of
    assert ("basic_insurance",) == ci.base_minus
    assert "year" == ci.accumulation
    assert "above_deductible" == ci.measured  # I-4


@pytest.mark.parametrize("on", AROUND)
def test_critical_illness_deductible_10000_halved_for_the_poor(on: dt.date) -> None:
    """Annual deductible 10,000; the poor 5,000 (起付线10000元，贫困人口降低50%: 10000 × 0.5)."""
    deductible = param(layer("critical_illness").deductible)
    assert Decimal(10000) == deductible.resolve(on, facts(False))
    assert Decimal(5000) == deductible.resolve(on, facts(True))
    assert "起付线10000元，贫困人口降低50%" in deductible.reference


@pytest.mark.parametrize("on", AROUND)
def test_critical_illness_bands_plus_five_points_for_the_poor(on: dt.date) -> None:
    """Bands 30,000/80,000/150,000 at 0.60/0.65/0.75/0.85; +0.05 in every band for the poor."""
    bands = param(layer("critical_illness").bands)
    assert BANDS == bands.raw_at(on)
    assert BANDS == bands.resolve(on, facts(False))
    assert BANDS_POOR == bands.resolve(on, facts(True))
    assert "15万元以上部分报85%" in bands.reference


@pytest.mark.parametrize(
    ("on", "poor", "expected"),
    [
        # 年度最高补偿金额由原30万元调整为上不封顶，从2019年10月1日起开始执行
        (D(2019, 8, 31), False, Decimal(300000)),
        (D(2019, 9, 30), False, Decimal(300000)),
        (D(2019, 10, 1), False, Decimal(300000)),
        (D(2019, 12, 31), False, Decimal(300000)),
        (D(2019, 8, 31), True, Decimal(300000)),  # 原30万元: the poor's cap before the change
        (D(2019, 9, 30), True, Decimal(300000)),  # the day before 2019-10-01: still 300,000
        (D(2019, 10, 1), True, None),  # 上不封顶 from 2019-10-01: no limit
        (D(2019, 12, 31), True, None),
    ],
)
def test_critical_illness_cap(on: dt.date, poor: bool, expected: Decimal | None) -> None:
    """Cap 300,000 a year; none for the poor from 2019-10-01 (300,000 for them on 2019-09-30)."""
    caps = layer("critical_illness").caps
    assert ["year"] == [cap.per for cap in caps]
    assert expected == caps[0].amount.resolve(on, facts(poor))


# -- 3.3 safety net and backstop ------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer_id", ["special_poverty_insurance", "medical_assistance", "hospital_reduction"]
)
def test_unstated_safety_net_layers_pay_zero_assumed(layer_id: str) -> None:
    """扶贫特惠保, 医疗救助, 医院减免: for the poor, rate 0, assumed (I-5: not stated)."""
    net = layer(layer_id)
    ratio = param(net.ratio)
    assert ("inpatient",) == net.kinds
    assert net.when.matches({"poor": True})
    assert not net.when.matches({"poor": False})
    assert Decimal(0) == ratio.resolve(D(2019, 10, 1), facts(True))
    assert ratio.assumed
    assert "I-5: rate not stated in the source; configure for your county" == ratio.reason
    assert "扶贫特惠保、医院减免、医疗救助、财政兜底" in ratio.reference


@pytest.mark.parametrize("on", AROUND)
def test_fiscal_backstop_target_85_percent_of_total(on: dt.date) -> None:
    """Backstop to 0.85 of the total cost for the poor in-county (实际报销比例达到85%以上, I-6)."""
    backstop = layer("fiscal_backstop")
    target = param(backstop.target)
    assert "target" == backstop.type
    assert "total" == backstop.target_of
    assert Decimal("0.85") == target.resolve(on, facts(True))
    assert target.assumed
    assert "实际报销比例达到85%以上" in target.reference
    assert backstop.when.matches({"poor": True, "in_county": True})
    assert not backstop.when.matches({"poor": True, "in_county": False})
    assert not backstop.when.matches({"poor": False, "in_county": True})


# -- 3.4 outpatient -------------------------------------------------------------------------------


def test_outpatient_pooling_from_2019_09_01() -> None:
    """0.70 with an annual cap of 350 from 2019-09-01; not in force on 2019-08-31 (该政策从2019年9月1日起开始执行)."""
    pooling = layer("outpatient_pooling")
    ratio = param(pooling.ratio)
    cap = pooling.caps[0].amount
    assert not pooling.in_force(D(2019, 8, 31))
    assert pooling.in_force(D(2019, 9, 1))
    assert NOT_IN_FORCE is ratio.raw_at(D(2019, 8, 31))
    assert NOT_IN_FORCE is cap.raw_at(D(2019, 8, 31))
    for on in AROUND[1:]:
        # 支付比例为70%, for every insured person
        assert Decimal("0.70") == ratio.resolve(on, facts(False, "township"))
        assert Decimal("0.70") == ratio.resolve(on, facts(True, "township"))
        # 年度最高支付额度350元
        assert Decimal(350) == cap.resolve(on, facts(False, "township"))
    assert ["year"] == [c.per for c in pooling.caps]
    assert pooling.deductible is None  # no deductible


@pytest.mark.parametrize(
    ("tier", "eligible"),
    [
        # 在乡镇卫生院、社区卫生服务中心、村卫生室
        ("village_clinic", True),
        ("township", True),
        ("community", True),
        ("county", False),
        ("municipal", False),
        ("provincial", False),
    ],
)
def test_outpatient_pooling_at_primary_tiers_only(tier: str, eligible: bool) -> None:
    """Outpatient pooling pays at village clinics, township and community centres only."""
    assert eligible == layer("outpatient_pooling").when.matches({"tier": tier})


# -- 3.5 in-county, 3.6 pay-later -----------------------------------------------------------------


def test_designated_municipal_hospitals_for_yongding_and_wulingyuan_only() -> None:
    """市人民医院、市中医院 count as in-county for 永定区 and 武陵源区 residents only."""
    designated = ("zjj-peoples-hospital", "zjj-tcm-hospital")
    assert designated == POLICY.counties["yongding"].designated_in_county
    assert designated == POLICY.counties["wulingyuan"].designated_in_county
    assert () == POLICY.counties["cili"].designated_in_county
    assert () == POLICY.counties["sangzhi"].designated_in_county
    assert "张家界市人民医院" == POLICY.facilities["zjj-peoples-hospital"].name
    assert "张家界市中医医院" == POLICY.facilities["zjj-tcm-hospital"].name
    assert {"municipal"} == {f.tier for f in POLICY.facilities.values()}
    expected_tiers = frozenset({"village_clinic", "township", "community", "county"})
    assert expected_tiers == POLICY.in_county_tiers
    assert "市人民医院、市中医院纳入两区的县域内定点医院机构" in POLICY.in_county_reference


def test_county_names_are_the_chinese_names() -> None:
    """The four counties carry their Chinese names (inputs accept them as aliases)."""
    expected = {
        "yongding": "永定区",
        "wulingyuan": "武陵源区",
        "cili": "慈利县",
        "sangzhi": "桑植县",
    }
    assert expected == {k: c.name for k, c in POLICY.counties.items()}


def test_pay_later_for_the_poor_in_county_inpatients_except_accidents() -> None:
    """先诊疗、后付费 (意外伤害的除外): poor, inpatient, in-county, not an accident."""
    base = {"kind": "inpatient", "poor": True, "in_county": True, "accident": False}
    assert POLICY.pay_later.matches(base)
    assert not POLICY.pay_later.matches({**base, "accident": True})
    assert not POLICY.pay_later.matches({**base, "poor": False})
    assert not POLICY.pay_later.matches({**base, "in_county": False})
    assert not POLICY.pay_later.matches({**base, "kind": "outpatient"})


# -- 3.7 premium, chronic care, targets -------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "amount", "subsidy"),
    [
        (D(2019, 1, 1), 220, 110),  # 2019年度个人缴费标准220元，对个人缴费部分最低补助不低于110元
        (D(2019, 12, 31), 220, 110),
        (D(2020, 1, 1), 250, 125),  # 2020年度个人缴费标准250元，对个人缴费部分最低补助不低于125元
    ],
)
def test_premium_and_subsidy_for_the_poor(on: dt.date, amount: int, subsidy: int) -> None:
    """Premium 220 (2019) and 250 (2020); the poor's minimum subsidy 110 and 125."""
    premium = POLICY.premium
    assert premium is not None
    assert Decimal(amount) == premium.amount.raw_at(on)
    assert 1 == len(premium.subsidies)
    assert Decimal(subsidy) == premium.subsidies[0].amount.raw_at(on)
    assert premium.subsidies[0].when.matches({"poor": True})
    assert not premium.subsidies[0].when.matches({"poor": False})


def test_chronic_care_four_conditions_four_services() -> None:
    """高血压、糖尿病、肺结核、严重精神障碍等4类慢病 … 每年进行4次健康服务, for the poor."""
    care = POLICY.chronic_care
    assert care is not None
    expected = {
        "hypertension": "高血压",
        "diabetes": "糖尿病",
        "pulmonary_tuberculosis": "肺结核",
        "severe_mental_disorder": "严重精神障碍",
    }
    assert expected == dict(care.conditions)
    assert Decimal(4) == care.services_per_year.raw_at(D(2019, 10, 1))
    assert care.when.matches({"poor": True})
    assert not care.when.matches({"poor": False})


def test_targets() -> None:
    """县域内就诊率达85%; 县域内住院实际报销比例达到85%以上; 参保率要达到100%."""
    expected = {
        "in_county_treatment_rate": Decimal("0.85"),
        "in_county_actual_ratio": Decimal("0.85"),
        "enrolment_rate": Decimal("1.00"),
    }
    actual = {k: p.raw_at(D(2019, 10, 1)) for k, p in POLICY.targets.items()}
    assert expected == actual


# -- assumptions and references -------------------------------------------------------------------


def test_assumed_parameters_are_exactly_the_interpretations() -> None:
    """The assumed parameters are SPEC's I-1 … I-6, each with its reason."""
    expected = {
        "layers[0].deductible": "I-1",  # per admission; 不低于1500元 read as 1500
        "layers[0].ratio": "I-2",  # provincial 0.55
        "layers[0].caps[0]": "I-3",  # cap on the fund's payment
        "layers[1].bands": "I-4",  # bands above the deductible, annual
        "layers[2].ratio": "I-5",  # 扶贫特惠保 rate not stated
        "layers[3].ratio": "I-5",  # 医疗救助
        "layers[4].ratio": "I-5",  # 医院减免
        "layers[5].target": "I-6",  # reimbursed ÷ total cost
    }
    assumed = [p for p in all_params(POLICY) if p.assumed]
    assert expected == {p.path: (p.reason or "")[:3] for p in assumed}


def test_every_assumed_parameter_has_a_reason() -> None:
    """assumed: true always comes with a non-empty reason."""
    assumed = [p for p in all_params(POLICY) if p.assumed]
    assert 8 == len(assumed)
    assert [] == [p.path for p in assumed if not (p.reason and p.reason.strip())]


def test_every_parameter_has_a_reference_and_description() -> None:
    """Every parameter of the policy cites its clause and says what it is."""
    params = list(all_params(POLICY))
    # basic 3 + critical illness 3 + safety net 3 + backstop 1 + outpatient 2
    # + premium 2 + chronic care 1 + targets 3
    assert 18 == len(params)
    assert [] == [p.path for p in params if not p.reference.strip()]
    assert [] == [p.path for p in params if not p.description.strip()]
    assert [] == [x.id for x in POLICY.layers if not x.reference.strip()]


# -- policy show -----------------------------------------------------------------------------------


def _show(on: str) -> str:
    # plain text whatever the environment says about colour
    env = {"TERM": "dumb", "NO_COLOR": "1", "FORCE_COLOR": None}
    result = CliRunner(env=env).invoke(cli, ["policy", "show", "--date", on, "--width", "400"])
    assert 0 == result.exit_code, result.output
    return result.stdout


def _rows(output: str, title: str) -> dict[str, list[str]]:
    """The data rows of the table whose title starts with ``title``: label → cells."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 1 :]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            rows[cells[0]] = cells[1:]
    return rows


def test_show_basic_insurance_on_2019_11_01() -> None:
    """`policy show --date 2019-11-01`: county deductible 500, county ratio 0.75 with +0.10 for the poor."""
    rows = _rows(_show("2019-11-01"), "basic_insurance 基本医疗保险")
    in_force, modifiers, _ = rows["deductible (assumed)"]
    assert "county 500.00," in in_force
    assert "=0.00 if poor=true" == modifiers
    in_force, modifiers, _ = rows["ratio (assumed)"]
    assert "county 0.75," in in_force
    assert "+0.10 if poor=true" == modifiers
    assert "150000.00" == rows["cap per year (assumed)"][0]


def test_show_critical_illness_on_2019_11_01() -> None:
    """`policy show --date 2019-11-01`: the bands 30000/80000/150000 at 0.60/0.65/0.75/0.85."""
    rows = _rows(_show("2019-11-01"), "critical_illness 大病保险")
    in_force, modifiers, _ = rows["bands (assumed)"]
    expected = (
        "0–30000.00 at 0.60; 30000.00–80000.00 at 0.65; 80000.00–150000.00 at 0.75; "
        "150000.00–∞ at 0.85 (measured above deductible)"
    )
    assert expected == in_force
    assert "+0.05 if poor=true" == modifiers
    assert ["10000.00", "×0.5 if poor=true"] == rows["deductible"][:2]
    assert ["300000.00", "=no limit if poor=true from 2019-10-01"] == rows["cap per year"][:2]


def test_show_outpatient_pooling_on_2019_11_01() -> None:
    """`policy show --date 2019-11-01`: outpatient 0.70 capped at 350, at the primary tiers."""
    rows = _rows(_show("2019-11-01"), "outpatient_pooling 门诊统筹")
    assert "0.70" == rows["ratio"][0]
    assert "350.00" == rows["cap per year"][0]
    assert "tier is village_clinic, township or community" == rows["eligibility"][0]
    assert "layer" not in rows


def test_show_outpatient_pooling_not_in_force_on_2019_08_31() -> None:
    """`policy show --date 2019-08-31`: outpatient pooling is not in force yet."""
    rows = _rows(_show("2019-08-31"), "outpatient_pooling 门诊统筹")
    assert "not in force (from 2019-09-01)" == rows["layer"][0]
    assert "not in force" == rows["ratio"][0]
    assert "not in force" == rows["cap per year"][0]


@pytest.mark.parametrize("policy_id", ["zhangjiajie", "zhangjiajie_2024"])
@pytest.mark.parametrize(
    ("short", "county"),
    [("永定", "yongding"), ("武陵源", "wulingyuan"), ("慈利", "cili"), ("桑植", "sangzhi")],
)
def test_a_county_is_read_from_its_short_name(policy_id: str, short: str, county: str) -> None:
    """The short name said at the desk (桑植 for 桑植县) is the county, as its full name is."""
    policy = load_policy(policy_id)
    assert policy.lookup("counties", short) == county
    assert policy.lookup("counties", policy.counties[county].name) == county


def test_a_claim_of_a_county_by_its_short_name_settles_as_by_its_id() -> None:
    """桑植 for person and facility: a poor person at a county hospital of Sangzhi, total
    10,000.00, in scope 9,000.00 — basic 9,000.00 × (75 % + 10 %) = 7,650.00, no deductible
    for the poor; the fiscal backstop tops up to 85 % of 10,000.00: 850.00."""
    from zjj_medical import Claim, Facility, Person, settle

    def settled(county: str) -> dict[str, Decimal]:
        person = Person("P1", poor=True, county=county)
        claim = Claim("C1", "inpatient", D(2019, 11, 1), Facility(level="county", county=county),
                      Decimal("10000"), Decimal("9000"))  # fmt: skip
        return dict(settle(claim, person, policy=POLICY).payments)

    by_name = settled("桑植")
    assert by_name == settled("sangzhi")
    assert by_name["basic_insurance"] == Decimal("7650.00")
    assert by_name["fiscal_backstop"] == Decimal("850.00")
