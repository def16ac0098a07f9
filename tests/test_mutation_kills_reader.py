"""Behaviour checks of the validating reader under the policy loader (policy/reader.py):
dated parameters, tables, bands, modifiers, conditions, declarations and attributes, added
while mutation-testing it (tests/MUTATION.md lists the survivors and their verdicts).

Every case is worked from docs/reference/policy-format.md ("Dated parameters", "Tables: by",
"Modifiers", "Conditions", "Declarations", "person_attributes and claim_attributes",
"Warnings") and the error catalogue (src/zjj_medical/messages/en.py): each error is checked
by its code, its key path, the params that carry the offending value and, where the reader
chooses what is shown, the message.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from zjj_medical import parse_policy
from zjj_medical.errors import PolicyError
from zjj_medical.policy.model import Attribute, Band, Policy

ON = "2019-01-01"


def _param(values: Any = None, unit: str = "ratio", **more: Any) -> dict[str, Any]:
    return {"description": "x", "reference": "示例", "unit": unit,
            "values": {ON: "0.5"} if values is None else values, **more}  # fmt: skip


def _doc(layer: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    """Two tiers (``county`` alias 县级, ``municipal``), one claim kind, one schedule layer."""
    base_layer = {
        "id": "a", "name": "a", "reference": "r", "kinds": ["inpatient"], "ratio": _param(),
    }  # fmt: skip
    return {
        "format": "zjj-medical-policy/1", "id": "rd", "name": "示例", "source": "test",
        "effective": {"from": ON},
        "tiers": {"county": {"name": "县级医院", "aliases": ["县级"]},
                  "municipal": {"name": "市级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}},
        "layers": [{**base_layer, **(layer or {})}], **top,
    }  # fmt: skip


def _policy(layer: dict[str, Any] | None = None, **top: Any) -> Policy:
    return parse_policy(_doc(layer, **top), "p.yaml")


def _refused(layer: dict[str, Any] | None = None, **top: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        _policy(layer, **top)
    return caught.value


def _params(error: PolicyError) -> dict[str, object]:
    """The error's params without the file and path every one of them carries."""
    params = {k: v for k, v in error.to_dict()["params"].items() if not k.endswith("_repr")}
    assert params.pop("source") == "p.yaml"
    assert params.pop("path") == error.to_dict()["path"]
    return params


def _check(error: PolicyError, code: str, path: str, params: dict[str, object]) -> None:
    assert (code, path, params) == (error.code, error.to_dict()["path"], _params(error))


ATTRS = {
    "person_attributes": {
        "scheme": {"name": "参保类型", "values": ["resident", "employee"], "default": "resident"},
        "retiree": {"name": "退休", "type": "bool", "default": False},
    }
}

# -- dated parameters: the keys, as read ---------------------------------------------------------


def test_a_parameter_as_read() -> None:
    ratio = _param(
        {ON: "0.5", "2020-01-01": "0.6"},
        description="  Share  paid ", reference=" 报销比例 \n 50% ",
        assumed=True, reason=" not  stated ", by="tier",
    )  # fmt: skip
    ratio["values"] = {ON: {"县级": "0.5", "municipal": "0.4"}}
    ratio["assumed_keys"] = ["municipal"]
    p = _policy({"ratio": ratio}).layers[0].ratio
    assert p is not None
    assert (p.path, p.description, p.reference, p.unit) == (
        "layers[0].ratio", "Share paid", "报销比例 50%", "ratio",
    )  # fmt: skip
    assert p.values == ((dt.date(2019, 1, 1), {"county": Decimal("0.5"),
                                               "municipal": Decimal("0.4")}),)  # fmt: skip
    assert (p.by, p.assumed, p.assumed_keys, p.reason, p.modifiers) == (
        "tier", True, ("municipal",), "not stated", (),
    )  # fmt: skip


def test_a_parameter_not_assumed_has_no_reason_nor_keys() -> None:
    p = _policy().layers[0].ratio
    assert p is not None
    assert (p.by, p.assumed, p.assumed_keys, p.reason) == (None, False, (), None)


def test_a_parameter_with_several_dates_keeps_them_in_order() -> None:
    p = _policy({"ratio": _param({ON: "0.5", "2020-01-01": "0.6"})}).layers[0].ratio
    assert p is not None
    assert p.values == (
        (dt.date(2019, 1, 1), Decimal("0.5")),
        (dt.date(2020, 1, 1), Decimal("0.6")),
    )


@pytest.mark.parametrize(
    ("ratio", "code", "path", "params"),
    [
        # unit: ratio for ratios ("unit" row of the parameter table)
        (_param(unit="CNY"), "policy.unit", "layers[0].ratio.unit",
         {"unit": "CNY", "expected": "ratio"}),
        (_param(by="facility"), "policy.by", "layers[0].ratio.by", {"shown": "'facility'"}),
        (_param(by=["tier"]), "policy.by", "layers[0].ratio.by", {"shown": "list"}),
        (_param({}), "policy.values.mapping", "layers[0].ratio.values", {}),
        (_param([ON]), "policy.values.mapping", "layers[0].ratio.values", {}),
        (_param({"2020-01-01": "0.5", ON: "0.6"}), "policy.values.order",
         "layers[0].ratio.values", {}),
        (_param({"2019-1-1": "0.5"}), "policy.date", "layers[0].ratio.values.2019-1-1",
         {"shown": "'2019-1-1'"}),
        (_param({ON: "1.5"}), "policy.ratio.range", f"layers[0].ratio.values.{ON}",
         {"value": "1.5"}),
        (_param(modifiers={"when": {"poor": True}}), "policy.modifiers.list",
         "layers[0].ratio.modifiers", {}),
        (_param(assumed=True), "policy.assumed.reason", "layers[0].ratio.reason", {}),
        (_param(assumed="yes", reason="r"), "policy.bool", "layers[0].ratio.assumed",
         {"shown": "'yes'"}),
        (_param(reason=""), "policy.text", "layers[0].ratio.reason", {"shown": "''"}),
        (_param(assumed_keys=["county"], reason="r"), "policy.assumed_keys.assumed",
         "layers[0].ratio.assumed_keys", {}),
        (_param(assumed_keys=["county"], assumed=True, reason="r"), "policy.assumed_keys.by",
         "layers[0].ratio.assumed_keys", {}),
        (_param({ON: {"county": "0.5", "municipal": "0.4"}}, by="tier", assumed=True,
                reason="r", assumed_keys=["provincial"]),
         "policy.ids.unknown", "layers[0].ratio.assumed_keys[0]",
         {"what": "tier", "shown": "'provincial'", "declared": ["county", "municipal"]}),
        (_param(description=" "), "policy.text", "layers[0].ratio.description",
         {"shown": "' '"}),
        (_param(reference=True), "policy.text", "layers[0].ratio.reference", {"shown": "true"}),
        (_param(unit=""), "policy.text", "layers[0].ratio.unit", {"shown": "''"}),
        (_param(per="year"), "policy.key.unknown", "layers[0].ratio.per",
         {"accepted": ["assumed", "assumed_keys", "by", "description", "modifiers",
                       "reason", "reference", "unit", "values"]}),
        ({"description": "x", "reference": "r", "values": {ON: "0.5"}}, "policy.key.missing",
         "layers[0].ratio.unit", {}),
    ],
)  # fmt: skip
def test_each_parameter_error_at_its_path(
    ratio: dict[str, Any], code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused({"ratio": ratio}), code, path, params)


def test_a_unit_error_names_the_unit_and_the_one_expected() -> None:
    error = _refused({"deductible": _param({ON: "100"}, unit="ratio")})
    assert "p.yaml: layers[0].deductible.unit: 'ratio' should be 'CNY' here" == str(error)


def test_a_count_takes_any_unit() -> None:
    chronic = {"description": "d", "reference": "r", "conditions": {"htn": {"name": "高血压"}},
               "services_per_year": _param({ON: "4"}, unit="services")}  # fmt: skip
    p = _policy(chronic_care=chronic).chronic_care
    assert p is not None
    assert (p.services_per_year.unit, p.services_per_year.values) == (
        "services", ((dt.date(2019, 1, 1), Decimal(4)),),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("count", "ok"),
    [("0", True), ("1000000", True), ("1000001", False), ("-1", False), ("2.5", False),
     ("4.0", True)],
)  # fmt: skip
def test_a_count_is_a_whole_number_from_0_to_a_million(count: str, ok: bool) -> None:
    chronic = {"description": "d", "reference": "r", "conditions": {"htn": {"name": "高血压"}},
               "services_per_year": _param({ON: count}, unit="services")}  # fmt: skip
    if ok:
        p = _policy(chronic_care=chronic).chronic_care
        assert p is not None
        assert p.services_per_year.values[0][1] == Decimal(count)
        return
    error = _refused(chronic_care=chronic)
    _check(error, "policy.count", f"chronic_care.services_per_year.values.{ON}",
           {"value": count})  # fmt: skip


def test_a_cap_may_be_null_and_has_per_beside_the_parameter_keys() -> None:
    cap = {"per": "year", **_param({ON: None, "2020-01-01": "350"}, unit="CNY")}
    [read] = _policy({"caps": [cap]}).layers[0].caps
    assert read.amount.values == (
        (dt.date(2019, 1, 1), None),
        (dt.date(2020, 1, 1), Decimal("350.00")),
    )


# -- tables (by) --------------------------------------------------------------------------------


def test_a_table_by_an_attribute_is_keyed_by_its_values() -> None:
    ratio = _param({ON: {"resident": "0.5", "employee": "0.7"}}, by="scheme")
    p = _policy({"ratio": ratio}, **ATTRS).layers[0].ratio
    assert p is not None
    assert p.values[0][1] == {"resident": Decimal("0.5"), "employee": Decimal("0.7")}


def test_a_table_by_a_bool_attribute_is_keyed_true_and_false() -> None:
    ratio = _param({ON: {"true": "0.5", "false": "0.7"}}, by="retiree")
    p = _policy({"ratio": ratio}, **ATTRS).layers[0].ratio
    assert p is not None
    assert p.values[0][1] == {"true": Decimal("0.5"), "false": Decimal("0.7")}


@pytest.mark.parametrize(
    ("ratio", "code", "path", "params"),
    [
        (_param({ON: "0.5"}, by="tier"), "policy.table", f"layers[0].ratio.values.{ON}",
         {"by": "tier"}),
        (_param({ON: {}}, by="county"), "policy.table", f"layers[0].ratio.values.{ON}",
         {"by": "county"}),
        (_param({ON: {"county": "0.5", "provincial": "0.4"}}, by="tier"), "policy.table.key",
         f"layers[0].ratio.values.{ON}.provincial",
         {"by": "tier", "key": "provincial", "declared": ["county", "municipal"]}),
        (_param({ON: {"yes": "0.5"}}, by="retiree"), "policy.table.key",
         f"layers[0].ratio.values.{ON}.yes",
         {"by": "retiree", "key": "yes", "declared": ["false", "true"]}),
        (_param({ON: {"county": "0.5", "县级": "0.4", "municipal": "0.4"}}, by="tier"),
         "policy.table.key.twice", f"layers[0].ratio.values.{ON}.县级",
         {"key": "县级", "id": "county"}),
        (_param({ON: {"county": "2", "municipal": "0.4"}}, by="tier"), "policy.ratio.range",
         f"layers[0].ratio.values.{ON}.county", {"value": "2"}),
    ],
)  # fmt: skip
def test_each_table_error_at_its_path(
    ratio: dict[str, Any], code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused({"ratio": ratio}, **ATTRS), code, path, params)


def test_a_table_key_given_twice_says_which_id_it_names() -> None:
    ratio = _param({ON: {"county": "0.5", "县级": "0.4", "municipal": "0.4"}}, by="tier")
    assert (
        f"p.yaml: layers[0].ratio.values.{ON}.县级: '县级' names 'county', which the table"
        " already gives"
    ) == str(_refused({"ratio": ratio}))


# -- bands --------------------------------------------------------------------------------------


def _bands(*bands: dict[str, Any]) -> dict[str, Any]:
    return {"ratio": None, "bands": _param({ON: list(bands)})}


def _layer_bands(*bands: dict[str, Any]) -> tuple[Band, ...]:
    layer = {k: v for k, v in _bands(*bands).items() if v is not None}
    doc = _doc()
    doc["layers"][0].pop("ratio")
    doc["layers"][0].update(layer)
    p = parse_policy(doc, "p.yaml").layers[0].bands
    assert p is not None
    value = p.values[0][1]
    assert isinstance(value, tuple)
    return value


def _bands_refused(*bands: Any, raw: Any = None) -> PolicyError:
    doc = _doc()
    doc["layers"][0].pop("ratio")
    doc["layers"][0]["bands"] = _param({ON: list(bands) if raw is None else raw})
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, "p.yaml")
    return caught.value


def test_bands_as_read_each_starting_where_the_last_ended_or_at_from() -> None:
    assert _layer_bands(
        {"upto": "1000", "ratio": "0.5"},
        {"upto": "5000", "ratio": "0.6"},
        {"from": "6000", "upto": None, "ratio": "0.7"},
    ) == (
        Band(Decimal("0.00"), Decimal("1000.00"), Decimal("0.5")),
        Band(Decimal("1000.00"), Decimal("5000.00"), Decimal("0.6")),
        Band(Decimal("6000.00"), None, Decimal("0.7")),
    )


P = f"layers[0].bands.values.{ON}"


@pytest.mark.parametrize(
    ("bands", "code", "path", "params"),
    [
        ([{"upto": None, "ratio": "0.5"}, {"upto": "100", "ratio": "0.5"}],
         "policy.bands.after_open", f"{P}[1]", {}),
        ([{"upto": "1000", "ratio": "0.5"}, {"from": "999", "upto": "2000", "ratio": "0.5"}],
         "policy.bands.overlap", f"{P}[1].from",
         {"lower": "999.00", "previous": "1000.00"}),
        ([{"upto": "1000", "ratio": "0.5"}, {"upto": "1000", "ratio": "0.5"}],
         "policy.bands.order", f"{P}[1].upto",
         {"upper": "1000.00", "lower": "1000.00"}),
        ([{"upto": "0", "ratio": "0.5"}], "policy.bands.order", f"{P}[0].upto",
         {"upper": "0.00", "lower": "0"}),
        ([{"upto": "100", "ratio": "1.5"}], "policy.ratio.range", f"{P}[0].ratio",
         {"value": "1.5"}),
        ([{"upto": "100.001", "ratio": "0.5"}], "policy.money.decimals", f"{P}[0].upto",
         {"value": "100.001"}),
        ([{"upto": "100", "ratio": "0.5", "below": "1"}], "policy.key.unknown",
         f"{P}[0].below", {"accepted": ["from", "ratio", "upto"]}),
        ([{"ratio": "0.5"}], "policy.key.missing", f"{P}[0].upto", {}),
    ],
)  # fmt: skip
def test_each_band_error_at_its_path(
    bands: list[Any], code: str, path: str, params: dict[str, object]
) -> None:
    _check(_bands_refused(*bands), code, path, params)


@pytest.mark.parametrize("raw", [[], "0.5", {"upto": None, "ratio": "0.5"}])
def test_bands_are_a_non_empty_list(raw: Any) -> None:
    _check(_bands_refused(raw=raw), "policy.bands.list", P, {})


# -- modifiers ----------------------------------------------------------------------------------


def _mod(**keys: Any) -> dict[str, Any]:
    return {"when": {"poor": True}, **keys}


def test_a_modifier_as_read() -> None:
    mod = _mod(multiply="0.5", **{"from": "2019-06-01", "until": "2020-01-01"},
               reference=" 贫困人口 降低50% ", description="halved")  # fmt: skip
    p = _policy({"deductible": _param({ON: "1000"}, unit="CNY", modifiers=[mod])}).layers[0]
    assert p.deductible is not None
    [m] = p.deductible.modifiers
    assert (m.op, m.value, m.start, m.until, m.reference, m.when.text) == (
        "multiply", Decimal("0.5"), dt.date(2019, 6, 1), dt.date(2020, 1, 1),
        "贫困人口 降低50%", "poor=true",
    )  # fmt: skip


def test_a_modifier_without_dates_is_always_in_force_and_add_may_be_negative() -> None:
    p = _policy({"ratio": _param(modifiers=[_mod(add="-0.05")])}).layers[0].ratio
    assert p is not None
    [m] = p.modifiers
    assert (m.op, m.value, m.start, m.until, m.reference) == (
        "add", Decimal("-0.05"), None, None, "",
    )  # fmt: skip


def test_set_null_on_a_cap_means_no_limit_and_set_on_a_cap_is_money() -> None:
    cap = {"per": "year", **_param({ON: "300000"}, unit="CNY",
                                    modifiers=[_mod(set=None), _mod(set="100")])}  # fmt: skip
    [read] = _policy({"caps": [cap]}).layers[0].caps
    assert [(m.op, m.value) for m in read.amount.modifiers] == [
        ("set", None), ("set", Decimal("100.00")),
    ]  # fmt: skip


M = "layers[0].ratio.modifiers[0]"


@pytest.mark.parametrize(
    ("mod", "code", "path", "params"),
    [
        (_mod(), "policy.modifier.op", M, {}),
        (_mod(add="0.1", multiply="2"), "policy.modifier.op", M, {}),
        (_mod(set="0.1", multiply="2", add="0.1"), "policy.modifier.op", M, {}),
        (_mod(multiply="-0.5"), "policy.modifier.negative", f"{M}.multiply",
         {"value": "-0.5"}),
        (_mod(multiply="x"), "policy.number", f"{M}.multiply", {"shown": "'x'"}),
        (_mod(add="x"), "policy.number", f"{M}.add", {"shown": "'x'"}),
        (_mod(set="1.5"), "policy.ratio.range", f"{M}.set", {"value": "1.5"}),
        (_mod(set=None), "policy.number", f"{M}.set", {"shown": "null"}),
        (_mod(add="0.1", **{"from": "2019-06-01", "until": "2019-06-01"}), "policy.until.order",
         f"{M}.until", {"until": "2019-06-01", "start": "2019-06-01"}),
        (_mod(add="0.1", **{"from": "June"}), "policy.date", f"{M}.from", {"shown": "'June'"}),
        (_mod(add="0.1", until="2019-02-30"), "policy.date", f"{M}.until",
         {"shown": "'2019-02-30'"}),
        (_mod(add="0.1", reference=""), "policy.text", f"{M}.reference", {"shown": "''"}),
        ({"when": {"poor": "yes"}, "add": "0.1"}, "policy.bool", f"{M}.when.poor",
         {"shown": "'yes'"}),
        ({"add": "0.1"}, "policy.key.missing", f"{M}.when", {}),
        (_mod(add="0.1", by="tier"), "policy.key.unknown", f"{M}.by",
         {"accepted": ["add", "description", "from", "multiply", "reference", "set",
                       "until", "when"]}),
    ],
)  # fmt: skip
def test_each_modifier_error_at_its_path(
    mod: dict[str, Any], code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused({"ratio": _param(modifiers=[_mod(add="0"), mod][1:])}), code, path, params)


def test_a_second_modifier_is_refused_at_its_own_index() -> None:
    error = _refused({"ratio": _param(modifiers=[_mod(add="0.1"), _mod(multiply="-1")])})
    _check(error, "policy.modifier.negative", "layers[0].ratio.modifiers[1].multiply",
           {"value": "-1"})  # fmt: skip


def test_set_on_bands_is_refused() -> None:
    doc = _doc()
    doc["layers"][0].pop("ratio")
    doc["layers"][0]["bands"] = _param(
        {ON: [{"upto": None, "ratio": "0.5"}]},
        modifiers=[_mod(set=[{"upto": None, "ratio": "0.6"}])],
    )
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, "p.yaml")
    _check(caught.value, "policy.modifier.set_bands", "layers[0].bands.modifiers[0].set", {})


# -- the warning of a ratio lifted above 1 ------------------------------------------------------


def _warnings(ratio: dict[str, Any]) -> list[tuple[str, str, dict[str, object]]]:
    policy = _policy({"ratio": ratio})
    return [(w.code, w.path, dict(w.params)) for w in policy.warnings]


def test_an_add_that_lifts_a_ratio_above_1_is_warned_of_per_value() -> None:
    # "Modifiers": a ratio is clipped to [0, 1]; 0.95 + 0.1 = 1.05 > 1, 1 + 0.1 is not
    # flagged ("报销比例相应提高10%" leaves 100% at 100%), 0.8 + 0.1 = 0.9 ≤ 1.
    values = {ON: {"county": "0.95", "municipal": "1"}, "2020-01-01": {"county": "0.8",
              "municipal": "0.91"}}  # fmt: skip
    ratio = _param(values, by="tier", modifiers=[_mod(multiply="2"), _mod(add="0.1")])
    assert _warnings(ratio) == [
        ("policy.warn.ratio_capped", "layers[0].ratio.modifiers[1].add",
         {"source": "p.yaml", "path": "layers[0].ratio.modifiers[1].add",
          "ratio": Decimal("0.95"), "add": Decimal("0.1"), "value": f"{ON}.county"}),
        ("policy.warn.ratio_capped", "layers[0].ratio.modifiers[1].add",
         {"source": "p.yaml", "path": "layers[0].ratio.modifiers[1].add",
          "ratio": Decimal("0.91"), "add": Decimal("0.1"), "value": "2020-01-01.municipal"}),
    ]  # fmt: skip


@pytest.mark.parametrize("add", ["0", "-0.1"])
def test_an_add_of_zero_or_less_is_not_warned_of(add: str) -> None:
    assert _warnings(_param({ON: "0.95"}, modifiers=[_mod(add=add)])) == []


def test_a_ratio_below_1_lifted_to_exactly_1_is_not_warned_of() -> None:
    assert _warnings(_param({ON: "0.9"}, modifiers=[_mod(add="0.1")])) == []


def test_an_add_above_1_on_a_scalar_ratio_names_the_date_alone() -> None:
    [(_, _, params)] = _warnings(_param({ON: "0.95"}, modifiers=[_mod(add="0.1")]))
    assert params["value"] == ON


def test_bands_lifted_above_1_warn_once_per_value() -> None:
    doc = _doc()
    doc["layers"][0].pop("ratio")
    doc["layers"][0]["bands"] = _param(
        {ON: [{"upto": "100", "ratio": "0.95"}, {"upto": None, "ratio": "0.96"}]},
        modifiers=[_mod(add="0.1")],
    )
    [warning] = parse_policy(doc, "p.yaml").warnings
    assert (warning.code, warning.params["ratio"], warning.params["value"]) == (
        "policy.warn.ratio_capped", Decimal("0.95"), ON,
    )  # fmt: skip


def test_a_money_parameter_is_not_warned_of() -> None:
    ded = _param({ON: "0.5"}, unit="CNY", modifiers=[_mod(add="0.8")])
    assert _policy({"deductible": ded}).warnings == ()


# -- conditions ---------------------------------------------------------------------------------

W = "layers[0].when"


@pytest.mark.parametrize(
    ("when", "code", "path", "params"),
    [
        ({}, "policy.condition.mapping", W, {"shown": "a mapping"}),
        ("poor", "policy.condition.mapping", W, {"shown": "'poor'"}),
        ({"any": []}, "policy.condition.any", f"{W}.any", {}),
        ({"any": {"poor": True}}, "policy.condition.any", f"{W}.any", {}),
        ({"any": [{"poor": True}, []]}, "policy.condition.mapping", f"{W}.any[1]",
         {"shown": "list"}),
        ({"not": None}, "policy.condition.mapping", f"{W}.not", {"shown": "null"}),
        ({"tier": "city"}, "policy.fact.value.unknown", f"{W}.tier",
         {"what": "tier", "shown": "'city'", "declared": ["county", "municipal"]}),
        ({"kind": "outpatient"}, "policy.fact.value.unknown", f"{W}.kind",
         {"what": "claim kind", "shown": "'outpatient'", "declared": ["inpatient"]}),
        ({"county": "cili"}, "policy.fact.value.unknown", f"{W}.county",
         {"what": "county", "shown": "'cili'", "declared": []}),
        ({"categories": ["tekun"]}, "policy.fact.value.unknown", f"{W}.categories",
         {"what": "category", "shown": "'tekun'", "declared": []}),
        ({"facility": "h"}, "policy.fact.value.unknown", f"{W}.facility",
         {"what": "facility", "shown": "'h'", "declared": []}),
        # a list in a list, or a mapping, is no declared value (it used to end in a TypeError)
        ({"tier": [["county"]]}, "policy.fact.value.unknown", f"{W}.tier",
         {"what": "tier", "shown": "list", "declared": ["county", "municipal"]}),
        ({"tier": {"county": 1}}, "policy.fact.value.unknown", f"{W}.tier",
         {"what": "tier", "shown": "a mapping", "declared": ["county", "municipal"]}),
        ({"accident": "no"}, "policy.bool", f"{W}.accident", {"shown": "'no'"}),
        ({"scheme": "farmer"}, "policy.fact.attribute.value", f"{W}.scheme",
         {"shown": "'farmer'", "attribute": "scheme"}),
        ({"retiree": "true"}, "policy.fact.attribute.value", f"{W}.retiree",
         {"shown": "'true'", "attribute": "retiree"}),
        ({"age": 60}, "policy.fact.unknown", f"{W}.age",
         {"fact": "age", "known": ["accident", "categories", "county", "facility",
                                   "in_county", "kind", "poor", "retiree", "scheme", "tier"]}),
    ],
)  # fmt: skip
def test_each_condition_error_at_its_path(
    when: Any, code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused({"when": when}, **ATTRS), code, path, params)


def test_a_condition_is_read_with_ids_for_names() -> None:
    when = {"tier": ["县级", "municipal"], "not": {"retiree": True},
            "any": [{"scheme": "employee"}, {"poor": True}]}  # fmt: skip
    layer = _policy({"when": when}, **ATTRS).layers[0]
    assert layer.when.text == (
        "tier is county or municipal, not (retiree=true), any of (scheme=employee; poor=true)"
    )
    assert dict(layer.when.atoms) == {"tier": frozenset({"county", "municipal"})}
    assert layer.when.negated is not None
    assert layer.when.negated.text == "retiree=true"
    assert [c.text for c in layer.when.any_of] == ["scheme=employee", "poor=true"]


def test_an_unknown_fact_lists_the_known_ones_in_the_message() -> None:
    assert str(_refused({"when": {"age": 60}})) == (
        "p.yaml: layers[0].when.age: unknown fact 'age' (known: accident, categories, county,"
        " facility, in_county, kind, poor, tier, any, not)"
    )


# -- effective dates and lists of ids -----------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "code", "path", "params"),
    [
        ({"from": "2020-01-01", "until": "2019-12-31"}, "policy.until.order",
         "layers[0].effective.until",
         {"until": "2019-12-31", "start": "2020-01-01"}),
        ({"from": "2020-01-01", "reference": " "}, "policy.text",
         "layers[0].effective.reference", {"shown": "' '"}),
        ({"until": "x"}, "policy.date", "layers[0].effective.until", {"shown": "'x'"}),
        ({"since": ON}, "policy.key.unknown", "layers[0].effective.since",
         {"accepted": ["from", "reference", "until"]}),
    ],
)  # fmt: skip
def test_each_effective_error_at_its_path(
    effective: Any, code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused({"effective": effective}), code, path, params)


def test_a_layers_effective_dates_as_read() -> None:
    layer = _policy({"effective": {"from": "2019-09-01", "until": "2020-01-01",
                                    "reference": " 从 9月 "}}).layers[0]  # fmt: skip
    assert (layer.start, layer.until, layer.effective_reference) == (
        dt.date(2019, 9, 1), dt.date(2020, 1, 1), "从 9月",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kinds", "code", "path", "params"),
    [
        ("inpatient", "policy.ids.list", "layers[0].kinds",
         {"what": "claim kind", "shown": "'inpatient'"}),
        (["inpatient", "outpatient"], "policy.ids.unknown", "layers[0].kinds[1]",
         {"what": "claim kind", "shown": "'outpatient'", "declared": ["inpatient"]}),
        (["inpatient", ["inpatient"]], "policy.ids.unknown", "layers[0].kinds[1]",
         {"what": "claim kind", "shown": "list", "declared": ["inpatient"]}),
        (["inpatient", "住院"], "policy.ids.twice", "layers[0].kinds[1]",
         {"shown": "'inpatient'"}),
    ],
)  # fmt: skip
def test_each_id_list_error_at_its_path(
    kinds: Any, code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused({"kinds": kinds}), code, path, params)


# -- declarations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "code", "path", "params"),
    [
        (["county"], "policy.declarations", "tiers", {}),
        ({"a b": {"name": "x"}}, "policy.id", "tiers.a b", {"shown": "'a b'"}),
        ({"county": "县级医院"}, "policy.mapping", "tiers.county", {"shown": "'县级医院'"}),
        ({"county": {"aliases": ["县级"]}}, "policy.key.missing", "tiers.county.name", {}),
        ({"county": {"name": ""}}, "policy.text", "tiers.county.name", {"shown": "''"}),
        ({"county": {"name": "x", "assumed": True}}, "policy.assumed.reason",
         "tiers.county.reason", {}),
        ({"county": {"name": "x", "reason": "r"}}, "policy.reason.assumed",
         "tiers.county.reason", {}),
        ({"county": {"name": "x", "assumed": False, "reason": "r"}}, "policy.reason.assumed",
         "tiers.county.reason", {}),
        ({"county": {"name": "x", "assumed": "yes", "reason": "r"}}, "policy.bool",
         "tiers.county.assumed", {"shown": "'yes'"}),
        ({"county": {"name": "x", "assumed": True, "reason": " "}}, "policy.text",
         "tiers.county.reason", {"shown": "' '"}),
        ({"county": {"name": "x", "aliases": "县级"}}, "policy.aliases",
         "tiers.county.aliases", {}),
        ({"county": {"name": "x", "aliases": ["县级", True]}}, "policy.text",
         "tiers.county.aliases[1]", {"shown": "true"}),
        ({"county": {"name": "x", "tier": "y"}}, "policy.key.unknown", "tiers.county.tier",
         {"accepted": ["aliases", "assumed", "name", "reason"]}),
        ({"county": {"name": "县级医院"}, "municipal": {"name": "市级", "aliases": ["县级医院"]}},
         "policy.alias.shadow", "tiers.municipal.aliases[0]",
         {"shown": "县级医院", "what": "tiers", "first": "county", "second": "municipal"}),
    ],
)  # fmt: skip
def test_each_declaration_error_at_its_path(
    tiers: Any, code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused(tiers=tiers), code, path, params)


def test_an_assumed_declaration_as_read() -> None:
    tiers = {"county": {"name": " 县级 医院 ", "aliases": ["县级"], "assumed": True,
                        "reason": " not  stated "}, "municipal": {"name": "市级医院"}}  # fmt: skip
    policy = _policy(tiers=tiers)
    county, municipal = policy.tiers["county"], policy.tiers["municipal"]
    assert (county.name, county.aliases, county.assumed, county.reason) == (
        " 县级 医院 ", ("县级",), True, "not stated",
    )  # fmt: skip
    assert (municipal.assumed, municipal.reason) == (False, None)


def test_categories_and_counties_may_be_left_out() -> None:
    policy = _policy()
    assert (policy.categories, policy.counties) == ({}, {})


# -- person and claim attributes ----------------------------------------------------------------


def test_attributes_as_read() -> None:
    policy = _policy(
        person_attributes={"scheme": {"name": "参保类型", "values": ["resident", "employee"]},
                           "retiree": {"name": "退休", "type": "bool", "default": False}},
        claim_attributes={"referral": {"name": "转诊备案", "type": "enum",
                                       "values": ["filed", "unfiled"], "default": "filed"}},
    )  # fmt: skip
    assert policy.person_attributes == {
        "scheme": Attribute("scheme", "参保类型", "enum", ("resident", "employee"), None),
        "retiree": Attribute("retiree", "退休", "bool", (), False),
    }
    assert policy.claim_attributes == {
        "referral": Attribute("referral", "转诊备案", "enum", ("filed", "unfiled"), "filed"),
    }


A = "person_attributes"


@pytest.mark.parametrize(
    ("attrs", "code", "path", "params"),
    [
        ({"poor": {"name": "贫困", "type": "bool"}}, "policy.attribute.builtin", f"{A}.poor",
         {"attribute": "poor"}),
        ({"tier": {"name": "x", "values": ["a"]}}, "policy.attribute.builtin", f"{A}.tier",
         {"attribute": "tier"}),
        ({"any": {"name": "x", "type": "bool"}}, "policy.attribute.keyword", f"{A}.any",
         {"attribute": "any"}),
        ({"not": {"name": "x", "type": "bool"}}, "policy.attribute.keyword", f"{A}.not",
         {"attribute": "not"}),
        ({"age": {"name": "x", "type": "int"}}, "policy.attribute.type", f"{A}.age.type",
         {"shown": "'int'"}),
        ({"scheme": {"name": "x"}}, "policy.attribute.values", f"{A}.scheme.values", {}),
        ({"scheme": {"name": "x", "values": []}}, "policy.attribute.values",
         f"{A}.scheme.values", {}),
        ({"scheme": {"name": "x", "values": "a"}}, "policy.attribute.values",
         f"{A}.scheme.values", {}),
        ({"scheme": {"name": "x", "values": ["a", "b c"]}}, "policy.id",
         f"{A}.scheme.values[1]", {"shown": "'b c'"}),
        ({"scheme": {"name": "x", "values": ["a"], "default": "b"}},
         "policy.attribute.default", f"{A}.scheme.default", {"shown": "'b'", "attribute": "scheme"}),
        ({"retiree": {"name": "x", "type": "bool", "default": "false"}},
         "policy.attribute.default", f"{A}.retiree.default",
         {"shown": "'false'", "attribute": "retiree"}),
        ({"retiree": {"name": "x", "type": "bool", "default": None}},
         "policy.attribute.default", f"{A}.retiree.default",
         {"shown": "null", "attribute": "retiree"}),
        ({"scheme": {"name": "x", "values": ["a"], "kind": "enum"}}, "policy.key.unknown",
         f"{A}.scheme.kind",
         {"accepted": ["aliases", "assumed", "default", "name", "reason", "type", "values"]}),
        (["scheme"], "policy.declarations", A, {}),
    ],
)  # fmt: skip
def test_each_attribute_error_at_its_path(
    attrs: Any, code: str, path: str, params: dict[str, object]
) -> None:
    _check(_refused(person_attributes=attrs), code, path, params)


def test_an_attribute_error_message_names_the_attribute() -> None:
    error = _refused(person_attributes={"poor": {"name": "贫困", "type": "bool"}})
    assert str(error) == (
        "p.yaml: person_attributes.poor: 'poor' is a built-in fact and cannot be redeclared"
    )


# -- value types (the "Value types" table) ------------------------------------------------------

D = f"layers[0].deductible.values.{ON}"


@pytest.mark.parametrize(
    ("written", "read"),
    [("500", "500.00"), ("0.5", "0.50"), ("1500.00", "1500.00"), ("1e3", "1000.00"),
     ("-0", "0.00"), (" 12.3 ", "12.30")],
)  # fmt: skip
def test_money_as_read_to_the_fen(written: str, read: str) -> None:
    p = _policy({"deductible": _param({ON: written}, unit="CNY")}).layers[0].deductible
    assert p is not None
    assert str(p.values[0][1]) == read


@pytest.mark.parametrize(
    ("written", "code", "params"),
    [
        ("-1", "policy.money.negative", {"value": "-1"}),
        ("-0.01", "policy.money.negative", {"value": "-0.01"}),
        ("1e60", "policy.money.large", {"value": "1e60"}),
        ("0.001", "policy.money.decimals", {"value": "0.001"}),
        ("abc", "policy.number", {"shown": "'abc'"}),
        ("NaN", "policy.number", {"shown": "'NaN'"}),
        ("Infinity", "policy.number", {"shown": "'Infinity'"}),
        ("70%", "policy.number", {"shown": "'70%'"}),
        (True, "policy.number", {"shown": "true"}),
        ([], "policy.number", {"shown": "list"}),
    ],
)  # fmt: skip
def test_each_money_error(written: object, code: str, params: dict[str, object]) -> None:
    _check(_refused({"deductible": _param({ON: written}, unit="CNY")}), code, D, params)


def test_money_errors_show_the_value_as_written() -> None:
    error = _refused({"deductible": _param({ON: "0.001"}, unit="CNY")})
    assert str(error) == (
        f"p.yaml: {D}: 0.001 has more than 2 decimal places (money is in yuan and fen)"
    )
    error = _refused({"deductible": _param({ON: "1e60"}, unit="CNY")})
    assert str(error) == f"p.yaml: {D}: 1e60 is too large for an amount"


@pytest.mark.parametrize(
    ("written", "ok"),
    [("0", True), ("1", True), ("0.055", True), ("0.123456", True), ("1.000000", True),
     ("0.1234567", False), ("-0.1", False), ("1.000001", False)],
)  # fmt: skip
def test_a_ratio_is_in_0_to_1_with_at_most_6_places(written: str, ok: bool) -> None:
    if ok:
        p = _policy({"ratio": _param({ON: written})}).layers[0].ratio
        assert p is not None
        assert p.values[0][1] == Decimal(written)
        return
    code = "policy.ratio.decimals" if written == "0.1234567" else "policy.ratio.range"
    _check(_refused({"ratio": _param({ON: written})}), code,
           f"layers[0].ratio.values.{ON}", {"value": written})  # fmt: skip


@pytest.mark.parametrize(
    ("tier", "code", "shown"),
    [("a.b", "policy.id", "'a.b'"), ("a[1]", "policy.id", "'a[1]'"), ("a]", "policy.id", "'a]'")],
)
def test_an_id_has_no_spaces_dots_or_brackets(tier: str, code: str, shown: str) -> None:
    _check(_refused(tiers={tier: {"name": "x"}}), code, f"tiers.{tier}", {"shown": shown})


def test_an_id_may_be_chinese() -> None:
    assert list(_policy(tiers={"三级": {"name": "三级医院"}, "county": {"name": "县"},
                               "municipal": {"name": "市"}}).tiers) == [
        "三级", "county", "municipal",
    ]  # fmt: skip


def test_the_first_missing_key_in_order_is_named() -> None:
    error = _refused({"ratio": {"description": "x", "reference": "r"}})
    _check(error, "policy.key.missing", "layers[0].ratio.unit", {})


def test_a_name_equal_to_another_declarations_id_is_refused() -> None:
    tiers = {"county": {"name": "县级医院"}, "municipal": {"name": "市级", "aliases": ["county"]}}
    _check(_refused(tiers=tiers), "policy.alias.shadow", "tiers.municipal.aliases[0]",
           {"shown": "county", "what": "tiers", "first": "county", "second": "municipal"})  # fmt: skip


def test_names_are_compared_with_white_space_joined() -> None:
    tiers = {"county": {"name": "县级  医院"}, "municipal": {"name": " 县级 医院"}}
    _check(_refused(tiers=tiers), "policy.alias.shadow", "tiers.municipal.name",
           {"shown": "县级 医院", "what": "tiers", "first": "county", "second": "municipal"})  # fmt: skip


def test_a_table_may_be_keyed_by_a_name_with_white_space_joined() -> None:
    ratio = _param({ON: {"县级医院": "0.5", "municipal": "0.4"}}, by="tier")
    tiers = {"county": {"name": " 县级医院 "}, "municipal": {"name": "市级医院"}}
    p = _policy({"ratio": ratio}, tiers=tiers).layers[0].ratio
    assert p is not None
    assert p.values[0][1] == {"county": Decimal("0.5"), "municipal": Decimal("0.4")}


# -- the last survivors: each a case the tests above left out -----------------------------------


@pytest.mark.parametrize(
    ("effective", "reference"),
    [(None, ""), ({"from": "2019-09-01"}, "")],
)
def test_a_layer_without_an_effective_reference_has_none(
    effective: dict[str, Any] | None, reference: str
) -> None:
    layer = _policy({} if effective is None else {"effective": effective}).layers[0]
    assert layer.effective_reference == reference


@pytest.mark.parametrize(("written", "shown"), [(True, "true"), ([ON], "list")])
def test_a_date_that_is_not_a_text_is_refused(written: object, shown: str) -> None:
    _check(_refused({"effective": {"from": written}}), "policy.date",
           "layers[0].effective.from", {"shown": shown})  # fmt: skip


def test_a_band_start_is_money_checked_at_its_path() -> None:
    _check(_bands_refused({"from": "0.001", "upto": "100", "ratio": "0.5"}),
           "policy.money.decimals", f"{P}[0].from", {"value": "0.001"})  # fmt: skip


def test_multiply_by_zero_is_accepted() -> None:
    # "multiply: number ≥ 0" (the Modifiers table)
    p = _policy({"ratio": _param(modifiers=[_mod(multiply="0")])}).layers[0].ratio
    assert p is not None
    assert [(m.op, m.value) for m in p.modifiers] == [("multiply", Decimal(0))]


def test_set_on_a_cap_is_read_as_money_to_the_fen() -> None:
    cap = {"per": "year", **_param({ON: "300000"}, unit="CNY",
                                    modifiers=[_mod(set="0.5")])}  # fmt: skip
    [read] = _policy({"caps": [cap]}).layers[0].caps
    [m] = read.amount.modifiers
    assert str(m.value) == "0.50"


def test_money_takes_any_size_a_decimal_reads_exactly() -> None:
    # "money (CNY): a number ≥ 0 with at most 2 decimal places" — no upper bound on a file's
    # amount (10^30 yuan needs 33 digits, beyond the 28 of Python's default context)
    p = _policy({"deductible": _param({ON: "1e30"}, unit="CNY")}).layers[0].deductible
    assert p is not None
    assert p.values[0][1] == Decimal("1e30")


def test_money_of_more_than_28_digits_is_read_to_the_fen() -> None:
    # 10^28 + 0.01 yuan has 31 significant digits: read exactly, never rounded to 10^28
    big = "10000000000000000000000000000.01"
    p = _policy({"deductible": _param({ON: big}, unit="CNY")}).layers[0].deductible
    assert p is not None
    assert str(p.values[0][1]) == big
    zero = _policy({"deductible": _param({ON: "-0"}, unit="CNY")}).layers[0].deductible
    assert zero is not None
    assert "0.00" == str(zero.values[0][1])  # -0 is 0, written without a sign


@pytest.mark.parametrize(
    ("by", "table", "read"),
    [("kind", {"住院": "0.5"}, {"inpatient": Decimal("0.5")}),
     ("county", {"永定区": "0.5", "cili": "0.4"},
      {"yongding": Decimal("0.5"), "cili": Decimal("0.4")})],
)  # fmt: skip
def test_a_table_by_kind_or_county(by: str, table: dict[str, str], read: dict[str, Any]) -> None:
    counties = {"yongding": {"name": "永定区"}, "cili": {"name": "慈利县"}}
    p = _policy({"ratio": _param({ON: table}, by=by)}, counties=counties).layers[0].ratio
    assert p is not None
    assert (p.by, p.values[0][1]) == (by, read)


def test_a_count_that_is_not_a_number_is_refused_at_its_path() -> None:
    chronic = {"description": "d", "reference": "r", "conditions": {"htn": {"name": "高血压"}},
               "services_per_year": _param({ON: "four"}, unit="services")}  # fmt: skip
    _check(_refused(chronic_care=chronic), "policy.number",
           f"chronic_care.services_per_year.values.{ON}", {"shown": "'four'"})  # fmt: skip
