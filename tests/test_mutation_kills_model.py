"""Behaviour checks of the policy model (policy/model.py): modifiers on scalars, caps and
bands, conditions, the facts' inputs, layer and repeat-rule dates, labels and lookups, added
while mutation-testing it (tests/MUTATION.md lists the survivors and their verdicts).

Worked from docs/reference/policy-format.md ("Modifiers": ``set`` replaces, ``add`` and
``multiply`` change a value, a ratio never goes above 1 or below 0, "no limit" stays no
limit; "Conditions"; "Layers": ``effective``) and the model's documented rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from zjj_medical import parse_policy
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import Condition, Policy, RepeatRule, fact_inputs

ON = "2019-01-01"
D0 = dt.date(2019, 1, 1)
POOR = {"poor": True}
NOT_POOR = {"poor": False}


def _param(values: Any, unit: str, *modifiers: dict[str, Any]) -> dict[str, Any]:
    out = {"description": "x", "reference": "示例", "unit": unit, "values": values}
    if modifiers:
        out["modifiers"] = [{"when": {"poor": True}, "reference": "m", **m} for m in modifiers]
    return out


def _policy(**layer: Any) -> Policy:
    return parse_policy(
        {
            "format": "zjj-medical-policy/1", "id": "md", "name": "示例", "source": "test",
            "effective": {"from": ON}, "tiers": {"county": {"name": "县级医院"}},
            "claim_kinds": {"inpatient": {"name": "住院"}},
            "person_attributes": {"retiree": {"name": "退休", "type": "bool", "default": False}},
            "claim_attributes": {"referred": {"name": "转诊", "type": "bool", "default": False}},
            "layers": [{"id": "a", "name": "a", "reference": "r", "kinds": ["inpatient"],
                        **layer}],
        },
        "p.yaml",
    )  # fmt: skip


def test_set_replaces_a_value_for_those_it_applies_to() -> None:
    ratio = _policy(ratio=_param({ON: "0.5"}, "ratio", {"set": "0.9"})).layers[0].ratio
    assert ratio is not None
    assert (ratio.amount(D0, POOR), ratio.amount(D0, NOT_POOR)) == (Decimal("0.9"), Decimal("0.5"))


def test_a_cap_of_no_limit_stays_no_limit_when_scaled() -> None:
    layer = _policy(
        ratio=_param({ON: "0.5"}, "ratio"),
        caps=[{"per": "year", **_param({ON: None}, "CNY", {"multiply": "0.5"})}],
    ).layers[0]  # fmt: skip
    assert layer.caps[0].amount.limit(D0, POOR) is None


def test_band_ratios_raised_or_lowered_stay_within_0_and_1() -> None:
    bands = [{"from": "0", "upto": "1000", "ratio": "0.95"},
             {"from": "1000", "upto": None, "ratio": "0.5"}]  # fmt: skip
    layer = _policy(bands=_param({ON: bands}, "ratio", {"add": "0.10"})).layers[0]
    assert layer.bands is not None
    # 0.95 + 0.10 = 1.05 → 1; 0.5 + 0.10 = 0.6
    assert [b.ratio for b in layer.bands.bands(D0, POOR)] == [Decimal(1), Decimal("0.6")]
    assert [b.ratio for b in layer.bands.bands(D0, NOT_POOR)] == [Decimal("0.95"), Decimal("0.5")]
    lowered = _policy(bands=_param({ON: bands}, "ratio", {"add": "-0.6"})).layers[0].bands
    assert lowered is not None
    # 0.95 − 0.6 = 0.35; 0.5 − 0.6 = −0.1 → 0
    assert [b.ratio for b in lowered.bands(D0, POOR)] == [Decimal("0.35"), Decimal(0)]


def test_a_condition_reads_the_facts_of_all_its_parts() -> None:
    def atom(key: str) -> Condition:
        return Condition(atoms=((key, frozenset({True})),))

    both = Condition(
        atoms=(("poor", frozenset({True})),),
        any_of=(atom("tier"), atom("kind")),
        negated=atom("accident"),
    )
    assert both.facts_read() == {"poor", "tier", "kind", "accident"}
    assert Condition(any_of=(atom("tier"), atom("kind"))).facts_read() == {"tier", "kind"}
    assert Condition(negated=atom("accident")).facts_read() == {"accident"}


def test_the_inputs_of_a_persons_and_a_claims_facts() -> None:
    # a person's: poor, county, categories and the declared person attributes; a claim's:
    # kind, the facility's level, id and county, accident and the declared claim attributes
    # (in_county also reads the person's county, which is the person's input)
    policy = _policy(ratio=_param({ON: "0.5"}, "ratio"))
    assert fact_inputs(policy, "person") == ("poor", "county", "categories", "retiree")
    assert fact_inputs(policy, "claim") == (
        "kind", "facility_level", "facility_id", "facility_county", "accident", "referred",
    )  # fmt: skip


def test_a_layer_is_in_force_from_its_start_until_its_end() -> None:
    layer = _policy(
        ratio=_param({ON: "0.5"}, "ratio"), effective={"from": "2020-01-01", "until": "2021-01-01"}
    ).layers[0]
    assert [layer.in_force(dt.date(*d)) for d in [(2019, 12, 31), (2020, 1, 1), (2020, 12, 31),
                                                   (2021, 1, 1)]] == [False, True, True, False]  # fmt: skip


def test_a_repeat_rule_applies_from_its_start_until_its_end_and_to_whom_it_names() -> None:
    rule = RepeatRule(
        "same_tier", "multiply", Decimal("0.5"), start=dt.date(2020, 1, 1),
        until=dt.date(2021, 1, 1), when=Condition(atoms=(("poor", frozenset({True})),)),
    )  # fmt: skip
    days = [dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2020, 12, 31), dt.date(2021, 1, 1)]
    assert [rule.active(d) for d in days] == [False, True, True, False]
    assert [rule.applies(d, POOR) for d in days] == [False, True, True, False]
    assert not rule.applies(dt.date(2020, 6, 1), NOT_POOR)


def test_a_layers_parameters_are_labelled_in_reading_order() -> None:
    layer = _policy(
        deductible=_param({ON: "500"}, "CNY"),
        deductible_ceiling=_param({ON: "1000"}, "CNY"),
        ratio=_param({ON: "0.5"}, "ratio"),
        caps=[{"per": "year", **_param({ON: "150000"}, "CNY")}],
    ).layers[0]  # fmt: skip
    assert [label for label, _ in layer.labelled_params()] == [
        "deductible", "deductible ceiling", "ratio", "cap per year",
    ]  # fmt: skip
    bands = [{"from": "0", "upto": None, "ratio": "0.5"}]
    banded = _policy(bands=_param({ON: bands}, "ratio")).layers[0]
    assert [label for label, _ in banded.labelled_params()] == ["bands"]
    target = next(x for x in load_policy("zhangjiajie").layers if x.type == "target")
    assert [label for label, _ in target.labelled_params()] == ["target"]


def test_a_lookup_of_a_non_text_finds_nothing() -> None:
    policy = load_policy("zhangjiajie")
    assert policy.lookup("tiers", "县级医院") == "county"
    assert (policy.lookup("tiers", None), policy.lookup("tiers", 1)) == (None, None)


def test_a_policy_shows_itself_and_finds_its_layers() -> None:
    policy = load_policy("zhangjiajie")
    assert repr(policy).startswith("<Policy zhangjiajie (张家界市健康扶贫医疗保障政策（2019）)")
    assert "zhangjiajie — 张家界市健康扶贫医疗保障政策（2019）" in policy._repr_html_()
    assert policy.layer("critical_illness").id == "critical_illness"
    with pytest.raises(KeyError, match="nowhere"):
        policy.layer("nowhere")
    assert [x.id for x in policy.layers_for("inpatient")][:2] == [
        "basic_insurance", "critical_illness",
    ]  # fmt: skip
    assert "outpatient_pooling" not in [x.id for x in policy.layers_for("inpatient")]
