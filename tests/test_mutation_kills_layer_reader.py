"""Behaviour checks of the layer reader's shared keys (``base``, ``deductible_repeat``), added
while mutation-testing policy/layer_reader.py (tests/MUTATION.md lists the survivors).

Each rule is checked as read (every field of :class:`RepeatRule`) and each error by its code
and exact key path, as docs/reference/policy-format.md describes the keys.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from zjj_medical import parse_policy
from zjj_medical.errors import PolicyError
from zjj_medical.policy.model import ALWAYS, Policy, RepeatRule


def _ratio(value: str) -> dict[str, Any]:
    return {"description": "x", "reference": "示例", "unit": "ratio",
            "values": {"2019-01-01": value}}  # fmt: skip


def _policy(**keys: Any) -> Policy:
    """One schedule layer ``layers[0]`` (0.5 above a deductible of 1000.00) with ``keys``."""
    layer = {
        "id": "s", "name": "s", "reference": "r", "kinds": ["inpatient"], "ratio": _ratio("0.5"),
        "deductible": {"description": "d", "reference": "r", "unit": "CNY",
                       "values": {"2019-01-01": 1000}},
        **keys,
    }  # fmt: skip
    doc = {
        "format": "zjj-medical-policy/1", "id": "lr", "name": "示例", "source": "test",
        "effective": {"from": "2019-01-01"}, "tiers": {"county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}}, "layers": [layer],
    }  # fmt: skip
    return parse_policy(doc, "l.yaml")


def _where(**keys: Any) -> tuple[str, str]:
    with pytest.raises(PolicyError) as caught:
        _policy(**keys)
    return caught.value.code, str(caught.value.to_dict()["path"])


def _rule(**more: Any) -> dict[str, Any]:
    return {"count": "same_tier", "description": " Half  from the second ",
            "reference": "第二次起付线减半", **more}  # fmt: skip


# -- base ---------------------------------------------------------------------------------------


def test_a_layer_without_base_is_of_the_in_scope_cost_less_nothing() -> None:
    layer = _policy().layers[0]
    assert ("in_scope", ()) == (layer.base_of, layer.base_minus)


def test_a_base_other_than_in_scope_or_total_is_refused_at_its_path() -> None:
    with pytest.raises(PolicyError) as caught:
        _policy(base={"of": "claim"})
    assert "policy.layer.of" == caught.value.code
    assert "l.yaml: layers[0].base.of: 'claim' is not in_scope or total" == str(caught.value)


def test_a_base_that_is_not_a_mapping_is_refused_at_its_path() -> None:
    assert ("policy.mapping", "layers[0].base") == _where(base="total")


# -- deductible_repeat --------------------------------------------------------------------------


def test_a_repeat_rule_as_read() -> None:
    rule = _rule(multiply="0.5", **{"from": "2020-01-01", "until": "2021-01-01"})
    [read] = _policy(deductible_repeat=rule).layers[0].repeats
    assert RepeatRule(
        "same_tier", "multiply", Decimal("0.5"), None, dt.date(2020, 1, 1), dt.date(2021, 1, 1),
        "Half from the second", "第二次起付线减半", ALWAYS,
    ) == read  # fmt: skip


def test_repeat_rules_in_a_list_each_with_its_operation() -> None:
    rules = [
        _rule(count="any_tier", set="300", when={"poor": True}),
        _rule(step="100", floor="200"),
    ]
    first, second = _policy(deductible_repeat=rules).layers[0].repeats
    assert ("any_tier", "set", Decimal("300.00"), None) == (
        first.count, first.op, first.value, first.floor
    )  # fmt: skip
    assert first.when != ALWAYS
    assert ("same_tier", "step", Decimal("100.00"), Decimal("200.00"), ALWAYS) == (
        second.count, second.op, second.value, second.floor, second.when
    )  # fmt: skip
    assert (None, None) == (second.start, second.until)


@pytest.mark.parametrize(
    ("repeat", "where"),
    [
        ([], ("policy.repeat.list", "layers[0].deductible_repeat")),
        (_rule(count="month", multiply="0.5"),
         ("policy.repeat.count", "layers[0].deductible_repeat.count")),
        ([_rule(multiply="0.5"), _rule(count="month", set="1")],
         ("policy.repeat.count", "layers[0].deductible_repeat[1].count")),
        (_rule(), ("policy.repeat.op", "layers[0].deductible_repeat")),
        (_rule(multiply="0.5", set="300"), ("policy.repeat.op", "layers[0].deductible_repeat")),
        (_rule(multiply="1.5"), ("policy.ratio.range", "layers[0].deductible_repeat.multiply")),
        (_rule(set="-1"), ("policy.money.negative", "layers[0].deductible_repeat.set")),
        (_rule(step="0.001"), ("policy.money.decimals", "layers[0].deductible_repeat.step")),
        (_rule(set="300", floor="100"), ("policy.repeat.floor", "layers[0].deductible_repeat.floor")),
        (_rule(step="100", floor="-1"), ("policy.money.negative", "layers[0].deductible_repeat.floor")),
        (_rule(multiply="0.5", description=" "), ("policy.text", "layers[0].deductible_repeat.description")),
        (_rule(multiply="0.5", reference=""), ("policy.text", "layers[0].deductible_repeat.reference")),
        (_rule(multiply="0.5", when=[]), ("policy.condition.mapping", "layers[0].deductible_repeat.when")),
        ({**_rule(multiply="0.5"), "count": None}, ("policy.repeat.count", "layers[0].deductible_repeat.count")),
        ("half", ("policy.mapping", "layers[0].deductible_repeat")),
    ],
)  # fmt: skip
def test_each_repeat_rule_error_at_its_path(repeat: Any, where: tuple[str, str]) -> None:
    assert where == _where(deductible_repeat=repeat)


def test_a_repeat_rule_count_is_shown_in_its_error() -> None:
    with pytest.raises(PolicyError) as caught:
        _policy(deductible_repeat=_rule(count="month", multiply="0.5"))
    assert "l.yaml: layers[0].deductible_repeat.count: 'month' is not same_tier or any_tier" == str(
        caught.value
    )


def test_a_repeat_rule_until_before_from_is_refused_at_the_rule() -> None:
    rule = _rule(multiply="0.5", **{"from": "2021-01-01", "until": "2020-01-01"})
    assert ("policy.until.order", "layers[0].deductible_repeat.until") == _where(
        deductible_repeat=rule
    )


# -- the keys every layer has (read_layer, read_caps) -------------------------------------------


def test_a_layers_own_keys_as_read() -> None:
    layer = _policy(
        name=" 基本  医疗 ", description=" Basic  insurance ", reference=" 第一条 ",
        effective={"from": "2019-07-01", "until": "2020-01-01", "reference": " 有效期 "},
        base={"of": "in_scope", "minus": "earlier"},
    ).layers[0]  # fmt: skip
    assert ("基本 医疗", "Basic insurance", "第一条") == (
        layer.name, layer.description, layer.reference
    )  # fmt: skip
    assert (dt.date(2019, 7, 1), dt.date(2020, 1, 1), "有效期") == (
        layer.start, layer.until, layer.effective_reference
    )  # fmt: skip
    assert () == layer.base_minus  # the first layer has no earlier one


def test_a_layer_without_description_is_described_by_its_name() -> None:
    assert "基本医疗" == _policy(name="基本医疗").layers[0].description


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        ({"id": "a b"}, ("policy.id", "layers[0].id")),
        ({"name": " "}, ("policy.text", "layers[0].name")),
        ({"description": ""}, ("policy.text", "layers[0].description")),
        ({"reference": " "}, ("policy.text", "layers[0].reference")),
        ({"caps": {"per": "year"}}, ("policy.caps.list", "layers[0].caps")),
        ({"caps": ["x"]}, ("policy.per", "layers[0].caps[0].per")),
    ],
)
def test_each_layer_key_error_at_its_path(keys: dict[str, Any], where: tuple[str, str]) -> None:
    assert where == _where(**keys)


def test_a_layer_that_is_not_a_mapping_is_refused_at_its_place() -> None:
    doc = {
        "format": "zjj-medical-policy/1", "id": "lr", "name": "示例", "source": "test",
        "effective": {"from": "2019-01-01"}, "tiers": {"county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}}, "layers": ["basic"],
    }  # fmt: skip
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, "l.yaml")
    assert ("policy.mapping", "layers[0]") == (
        caught.value.code, caught.value.to_dict()["path"]
    )  # fmt: skip
