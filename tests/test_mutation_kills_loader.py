"""Behaviour checks of the policy loader (policy/loader.py): the top level, shared caps, the
premium, chronic care, numbers handed in as Python values, and where policies are found,
added while mutation-testing it (tests/MUTATION.md lists the survivors and their verdicts).

Every case is worked from docs/reference/policy-format.md ("Top level", "shared_caps",
"premium", "chronic_care", "targets", "Declarations") and the error catalogue
(src/zjj_medical/messages/en.py): each error is checked by its code, its key path and the
params that carry the offending value; each value as read is checked field by field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from zjj_medical import parse_policy
from zjj_medical.errors import PolicyError
from zjj_medical.policy.loader import builtin_for, builtin_for_dates, load_policy, policy_source
from zjj_medical.policy.model import ALWAYS, Policy

ON = "2019-01-01"
D0 = dt.date(2019, 1, 1)


def _param(values: Any = None, unit: str = "CNY", **more: Any) -> dict[str, Any]:
    return {"description": "x", "reference": "示例", "unit": unit,
            "values": {ON: "100"} if values is None else values, **more}  # fmt: skip


def _doc(**top: Any) -> dict[str, Any]:
    """Two tiers, two claim kinds, two schedule layers ``a`` and ``b``."""
    layer = {"name": "a", "reference": "r", "kinds": ["inpatient"],
             "ratio": _param({ON: "0.5"}, unit="ratio")}  # fmt: skip
    return {
        "format": "zjj-medical-policy/1", "id": "ld", "name": "示例", "source": "test",
        "effective": {"from": ON},
        "tiers": {"county": {"name": "县级医院"}, "municipal": {"name": "市级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}},
        "layers": [{"id": "a", **layer}, {"id": "b", **layer, "name": "b"}], **top,
    }  # fmt: skip


def _policy(**top: Any) -> Policy:
    return parse_policy(_doc(**top), "p.yaml")


def _refused(**top: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        _policy(**top)
    return caught.value


def _params(error: PolicyError) -> dict[str, object]:
    """The error's params without the file and path every one of them carries."""
    params = {k: v for k, v in error.to_dict()["params"].items() if not k.endswith("_repr")}
    assert params.pop("source") == "p.yaml"
    params.pop("path", None)
    return params


def _check(error: PolicyError, code: str, path: str, params: dict[str, object]) -> None:
    assert (code, path, params) == (error.code, error.to_dict()["path"], _params(error))


# -- shared caps ---------------------------------------------------------------------------------


def _cap(**more: Any) -> dict[str, Any]:
    return {"id": "fund", "layers": ["a", "b"], "per": "year", **_param({ON: "150000"}), **more}


def test_shared_caps_as_read() -> None:
    caps = _policy(shared_caps=[_cap(name="统筹基金"), _cap(id="visit", per="claim")]).shared_caps
    assert [(c.id, c.name, c.layers, c.per) for c in caps] == [
        ("fund", "统筹基金", ("a", "b"), "year"),
        ("visit", "visit", ("a", "b"), "claim"),  # the name defaults to the id
    ]
    amount = caps[0].amount
    assert (amount.path, amount.unit, amount.values) == (
        "shared_caps[0]", "CNY", ((D0, Decimal("150000.00")),),
    )  # fmt: skip
    assert _policy(shared_caps=[_cap(values={ON: None})]).shared_caps[0].amount.values == (
        (D0, None),
    )  # a cap of "no limit"
    assert _policy().shared_caps == ()


@pytest.mark.parametrize(
    ("caps", "code", "path", "params"),
    [
        ({"id": "fund"}, "policy.shared_caps.list", "shared_caps", {}),
        ([_cap(per="month")], "policy.per", "shared_caps[0].per", {"shown": "'month'"}),
        ([_cap(), _cap(id="x", per="day")], "policy.per", "shared_caps[1].per",
         {"shown": "'day'"}),
        ([_cap(layers=["a", "c"])], "policy.ids.unknown", "shared_caps[0].layers[1]",
         {"what": "layer", "shown": "'c'", "declared": ["a", "b"]}),
        ([{k: v for k, v in _cap().items() if k != "per"}], "policy.key.missing",
         "shared_caps[0].per", {}),
        ([_cap(per_claim=True)], "policy.key.unknown", "shared_caps[0].per_claim", None),
        ([_cap(id="Fund X")], "policy.id", "shared_caps[0].id", None),
        ([_cap(unit="ratio")], "policy.unit", "shared_caps[0].unit",
         {"unit": "ratio", "expected": "CNY"}),
        (["fund"], "policy.mapping", "shared_caps[0]", None),
    ],
)  # fmt: skip
def test_each_shared_cap_error_at_its_path(
    caps: Any, code: str, path: str, params: dict[str, object] | None
) -> None:
    error = _refused(shared_caps=caps)
    if params is None:
        assert (error.code, error.to_dict()["path"]) == (code, path)
    else:
        _check(error, code, path, params)


# -- premium -------------------------------------------------------------------------------------


def test_the_premium_as_read() -> None:
    premium = _policy(
        premium={
            "amount": _param({ON: "220", "2020-01-01": "250"}),
            "subsidies": [{"when": {"poor": True}, **_param({ON: "110"})}],
        },
        person_attributes={},
    ).premium
    assert premium is not None
    assert (premium.amount.path, premium.amount.unit, premium.amount.values) == (
        "premium.amount", "CNY",
        ((D0, Decimal("220.00")), (dt.date(2020, 1, 1), Decimal("250.00"))),
    )  # fmt: skip
    [subsidy] = premium.subsidies
    assert (subsidy.amount.path, subsidy.amount.unit, subsidy.amount.values) == (
        "premium.subsidies[0]", "CNY", ((D0, Decimal("110.00")),),
    )  # fmt: skip
    assert subsidy.when.facts_read() == {"poor"}
    assert subsidy.when.matches({"poor": True})
    assert not subsidy.when.matches({"poor": False})
    alone = _policy(premium={"amount": _param()}).premium
    assert alone is not None
    assert alone.subsidies == ()
    assert _policy().premium is None


@pytest.mark.parametrize(
    ("premium", "code", "path", "params"),
    [
        ({"amount": _param(), "subsidies": [_param()]}, "policy.key.missing",
         "premium.subsidies[0].when", {}),
        ({"amount": _param(), "subsidies": ["x"]}, "policy.key.missing",
         "premium.subsidies[0].when", {}),
        ({"amount": _param(), "subsidies": [{"when": {"poor": True}, **_param()},
                                            {"when": {"poor": True}}]},
         "policy.key.missing", "premium.subsidies[1].description", {}),
        ({"amount": _param(), "subsidies": [{"when": {"poorr": True}, **_param()}]},
         "policy.fact.unknown", "premium.subsidies[0].when.poorr", None),
        ({"amount": _param(), "subsidies": [{"when": {"poor": True}, **_param(unit="ratio")}]},
         "policy.unit", "premium.subsidies[0].unit", {"unit": "ratio", "expected": "CNY"}),
        ({"amount": _param({ON: "0.5"}, unit="ratio")}, "policy.unit", "premium.amount.unit",
         {"unit": "ratio", "expected": "CNY"}),
        ({"amount": _param({ON: "0.001"})}, "policy.money.decimals",
         f"premium.amount.values.{ON}", None),
        ({"amount": _param(), "subsidy": []}, "policy.key.unknown", "premium.subsidy", None),
        ({"subsidies": []}, "policy.key.missing", "premium.amount", {}),
        ("220", "policy.mapping", "premium", None),
    ],
)  # fmt: skip
def test_each_premium_error_at_its_path(
    premium: Any, code: str, path: str, params: dict[str, object] | None
) -> None:
    error = _refused(premium=premium)
    if params is None:
        assert (error.code, error.to_dict()["path"]) == (code, path)
    else:
        _check(error, code, path, params)


# -- chronic care --------------------------------------------------------------------------------


def _chronic(**more: Any) -> dict[str, Any]:
    return {
        "description": "  Contracted  care ", "reference": " 每年进行4次 健康服务 ",
        "conditions": {"hypertension": {"name": "高血压"}, "diabetes": {"name": "糖尿病"}},
        "services_per_year": _param({ON: "4"}, unit="services"), **more,
    }  # fmt: skip


def test_chronic_care_as_read() -> None:
    care = _policy(chronic_care=_chronic(when={"poor": True})).chronic_care
    assert care is not None
    assert (care.description, care.reference) == ("Contracted care", "每年进行4次 健康服务")
    assert dict(care.conditions) == {"hypertension": "高血压", "diabetes": "糖尿病"}
    assert care.when.matches({"poor": True})
    assert not care.when.matches({"poor": False})
    services = care.services_per_year
    assert (services.path, services.unit, services.values) == (
        "chronic_care.services_per_year", "services", ((D0, Decimal(4)),),
    )  # fmt: skip
    everyone = _policy(chronic_care=_chronic()).chronic_care
    assert everyone is not None
    assert everyone.when is ALWAYS
    assert _policy().chronic_care is None


@pytest.mark.parametrize(
    ("care", "code", "path", "params"),
    [
        (_chronic(conditions={}), "policy.chronic_care.conditions", "chronic_care.conditions", {}),
        (_chronic(conditions={"x": {}}), "policy.key.missing", "chronic_care.conditions.x.name",
         {}),
        (_chronic(description=[]), "policy.text", "chronic_care.description", None),
        (_chronic(reference=[]), "policy.text", "chronic_care.reference", None),
        (_chronic(when={"poorr": True}), "policy.fact.unknown", "chronic_care.when.poorr", None),
        (_chronic(services_per_year=_param({ON: "x"}, unit="services")), "policy.number",
         f"chronic_care.services_per_year.values.{ON}", None),
        (_chronic(extra=1), "policy.key.unknown", "chronic_care.extra", None),
        ([], "policy.mapping", "chronic_care", None),
    ],
)  # fmt: skip
def test_each_chronic_care_error_at_its_path(
    care: Any, code: str, path: str, params: dict[str, object] | None
) -> None:
    error = _refused(chronic_care=care)
    if params is None:
        assert (error.code, error.to_dict()["path"]) == (code, path)
    else:
        _check(error, code, path, params)


# -- numbers handed in as Python values ----------------------------------------------------------


def test_python_ints_decimals_dates_and_tuples_are_read_exactly() -> None:
    doc = _doc(effective={"from": D0})
    doc["layers"] = (
        {**doc["layers"][0], "ratio": _param({D0: Decimal("0.55")}, unit="ratio"),
         "caps": [{"per": "year", **_param({D0: 150000, dt.date(2020, 1, 1): "1e3"})}]},
    )  # fmt: skip
    policy = parse_policy(doc, "p.yaml")
    assert policy.start == D0
    [layer] = policy.layers
    assert layer.ratio is not None
    assert layer.ratio.values == ((D0, Decimal("0.55")),)
    assert layer.caps[0].amount.values == (
        (D0, Decimal("150000.00")), (dt.date(2020, 1, 1), Decimal("1000.00")),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("where", "value", "code", "path"),
    [
        ("ratio", 0.5, "policy.float", f"layers[0].ratio.values.{ON}"),
        ("kinds", 1.5, "policy.float", "layers[0].kinds[1]"),
        ("ratio", {0.5}, "policy.value.type", f"layers[0].ratio.values.{ON}"),
        ("kinds", b"x", "policy.value.type", "layers[0].kinds[1]"),
    ],
)
def test_a_float_or_another_python_value_is_refused_at_its_path(
    where: str, value: Any, code: str, path: str
) -> None:
    doc = _doc()
    layer = doc["layers"][0]
    if where == "ratio":
        layer["ratio"] = _param({ON: value}, unit="ratio")
    else:
        layer["kinds"] = ["inpatient", value]
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, "p.yaml")
    error = caught.value
    assert (error.code, error.to_dict()["path"], error.source) == (code, path, "p.yaml")
    shown = f"{value!r} is a float" if code == "policy.float" else f"unsupported value {value!r}"
    assert str(error).startswith(f"p.yaml: {path}: {shown}")


# -- where policies are found --------------------------------------------------------------------


def test_a_built_in_policy_by_name_is_loaded_once_and_named_by_its_file() -> None:
    assert load_policy() is load_policy("zhangjiajie")
    assert load_policy("zhangjiajie_2024") is load_policy("zhangjiajie_2024")
    assert (load_policy("zhangjiajie_2024").id, load_policy().file) == (
        "zhangjiajie_2024", "zhangjiajie.yaml",
    )  # fmt: skip
    text, source = policy_source()
    assert (source, text) == ("zhangjiajie.yaml", policy_source("zhangjiajie")[0])
    assert policy_source("example_county")[1] == "example_county.yaml"


def test_a_policy_file_by_path_is_read_each_time_and_named_by_its_file(tmp_path: Path) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_text(yaml.safe_dump(_doc(), allow_unicode=True), encoding="utf-8")
    first = load_policy(path)
    assert (first.id, first.file) == ("ld", "my_county.yaml")
    assert load_policy(str(path)) is not first
    assert load_policy(str(path)) is not load_policy(str(path))  # read again: it may change
    assert load_policy(str(path)) == first
    assert policy_source(path) == (path.read_text(encoding="utf-8"), "my_county.yaml")


def test_a_missing_policy_file_is_refused_listing_the_built_in_ones(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.yaml")
    for name_or_path in (missing, "zhangjiajie_2030"):
        with pytest.raises(PolicyError) as caught:
            load_policy(name_or_path)
        error = caught.value
        assert (error.code, error.source, error.params["source"]) == (
            "policy.file.missing", name_or_path, name_or_path,
        )  # fmt: skip
        assert error.params["builtin"] == ["zhangjiajie", "zhangjiajie_2024", "example_county"]


@pytest.mark.parametrize(
    ("on", "policy_id"),
    [(dt.date(2018, 12, 31), "zhangjiajie"), (dt.date(2019, 1, 1), "zhangjiajie"),
     (dt.date(2023, 12, 31), "zhangjiajie"), (dt.date(2024, 1, 1), "zhangjiajie_2024"),
     (dt.date(2030, 1, 1), "zhangjiajie_2024")],
)  # fmt: skip
def test_the_built_in_policy_in_force_on_a_date(on: dt.date, policy_id: str) -> None:
    # the 2019 policy from 2019-01-01, its 2024 successor from 2024-01-01; a date before the
    # first gets the first (so that settling says it is not in force)
    assert builtin_for(on).id == policy_id


def test_the_built_in_policy_in_force_over_a_tables_dates() -> None:
    def days(*iso: str) -> Any:
        return np.array(iso, dtype="datetime64[D]")

    assert builtin_for_dates(days()).id == "zhangjiajie_2024"  # none: the latest
    assert builtin_for_dates(days("2019-11-03", "2023-12-31")).id == "zhangjiajie"
    assert builtin_for_dates(days("2019-11-03")).id == "zhangjiajie"
    assert builtin_for_dates(days("2024-01-01", "2025-06-30")).id == "zhangjiajie_2024"
    with pytest.raises(ValueError, match="two built-in policies") as caught:
        builtin_for_dates(days("2024-01-01", "2023-12-31"))
    assert str(caught.value) == (
        "claims from 2023-12-31 to 2024-01-01 fall under two built-in policies (zhangjiajie "
        "until 2024-01-01, then zhangjiajie_2024); pass policy= for each period"
    )


# -- the top level and tables by tier ------------------------------------------------------------


def test_a_policy_parsed_without_a_source_is_named_memory() -> None:
    assert parse_policy(_doc()).file == "<memory>"
    with pytest.raises(PolicyError) as caught:
        parse_policy({**_doc(), "format": "x"})
    assert (caught.value.source, caught.value.params["source"]) == ("<memory>", "<memory>")


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"name": 0.5}, "policy.float", "name"),
        ({"layer": []}, "policy.key.unknown", "layer"),
        ({"effective": {"reference": "x"}}, "policy.key.missing", "effective.from"),
    ],
)
def test_each_top_level_error_at_its_path(change: dict[str, Any], code: str, path: str) -> None:
    error = _refused(**change)
    assert (error.code, error.to_dict()["path"]) == (code, path)
    missing = {k: v for k, v in _doc().items() if k != "layers"}
    with pytest.raises(PolicyError) as caught:
        parse_policy(missing, "p.yaml")
    assert (caught.value.code, caught.value.to_dict()["path"]) == ("policy.key.missing", "layers")


def _by_tier(**more: Any) -> dict[str, Any]:
    return {**_param({ON: {"county": "500"}}), "by": "tier", **more}


def test_a_table_by_tier_must_name_every_tier_of_the_layers_kinds() -> None:
    # both tiers serve inpatient claims; the deductible table names only the county tier
    doc = _doc()
    doc["layers"][0]["deductible"] = _by_tier()
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, "p.yaml")
    error = caught.value
    assert (error.code, error.to_dict()["path"]) == (
        "policy.tier_table.missing", f"layers[0].deductible.values.{ON}",
    )  # fmt: skip
    assert (error.params["tiers"], error.params["kinds"]) == (["municipal"], ["inpatient"])
    # a layer whose condition names the tier says where it applies: exempt
    doc["layers"][0]["when"] = {"tier": "county"}
    assert parse_policy(doc, "p.yaml").layers[0].deductible is not None
    # a condition on another fact is no exemption
    doc["layers"][0]["when"] = {"poor": True}
    with pytest.raises(PolicyError):
        parse_policy(doc, "p.yaml")


def test_a_table_by_tier_is_checked_after_parameters_by_nothing() -> None:
    # the ratio (not a table) comes before the deductible (a table missing a tier)
    doc = _doc()
    doc["layers"][0]["deductible"] = _param({ON: "500"})
    doc["layers"][0]["caps"] = [{"per": "year", **_by_tier()}]
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc, "p.yaml")
    assert (caught.value.code, caught.value.params["tiers"]) == (
        "policy.tier_table.missing", ["municipal"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "code", "shown"), [([], "policy.mapping", "list"), (1.5, "policy.float", "1.5")]
)
def test_a_document_that_is_not_a_mapping_is_refused_at_the_top(
    data: Any, code: str, shown: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, "p.yaml")
    error = caught.value
    assert (error.code, error.to_dict()["path"]) == (code, "")  # the top: the empty key path
    assert shown in str(error)
    assert "None" not in str(error)


# -- declarations --------------------------------------------------------------------------------

DECLS: dict[str, Any] = {
    "tiers": {
        "county": {"name": "县级医院", "aliases": ["县级", "二级"], "assumed": True,
                   "reason": " read as  second level "},
        "municipal": {"name": "市级医院"},
    },
    "claim_kinds": {
        "inpatient": {"name": "住院", "aliases": ["住院治疗"]},
        "outpatient": {"name": "门诊", "tiers": ["县级"], "assumed": True, "reason": "k"},
    },
    "categories": {"extreme": {"name": "特困", "aliases": ["特困人员"]},
                   "low": {"name": "低保", "assumed": True, "reason": "c"}},
    "counties": {
        "sangzhi": {"name": "桑植县", "aliases": ["桑植"], "designated_in_county": ["h1"]},
        "cili": {"name": "慈利县", "assumed": True, "reason": "n"},
    },
    "facilities": {
        "h1": {"name": "桑植县人民医院", "tier": "县级", "county": "桑植", "aliases": ["县医院"]},
        "h2": {"name": "市人民医院", "tier": "市级医院", "assumed": True, "reason": "f"},
    },
}  # fmt: skip


def test_declarations_as_read() -> None:
    p = _policy(**DECLS)
    county = p.tiers["county"]
    assert (county.id, county.name, county.aliases, county.assumed, county.reason) == (
        "county", "县级医院", ("县级", "二级"), True, "read as second level",
    )  # fmt: skip
    municipal = p.tiers["municipal"]
    assert (municipal.id, municipal.aliases, municipal.assumed, municipal.reason) == (
        "municipal", (), False, None,
    )  # fmt: skip
    assert [(k.id, k.name, k.tiers, k.aliases) for k in p.claim_kinds.values()] == [
        ("inpatient", "住院", ("county", "municipal"), ("住院治疗",)),  # all tiers by default
        ("outpatient", "门诊", ("county",), ()),
    ]
    # each declaration keeps its own assumed and reason
    assumed = [p.claim_kinds["outpatient"], p.categories["low"], p.counties["cili"],
               p.facilities["h2"]]  # fmt: skip
    assert [(d.assumed, d.reason) for d in assumed] == [
        (True, "k"), (True, "c"), (True, "n"), (True, "f"),
    ]  # fmt: skip
    not_assumed = [p.claim_kinds["inpatient"], p.categories["extreme"], p.counties["sangzhi"],
                   p.facilities["h1"]]  # fmt: skip
    assert [(d.assumed, d.reason) for d in not_assumed] == [(False, None)] * 4
    assert [(c.id, c.name, c.aliases) for c in p.categories.values()] == [
        ("extreme", "特困", ("特困人员",)), ("low", "低保", ()),
    ]  # fmt: skip
    assert [(c.id, c.name, c.aliases, c.designated_in_county) for c in p.counties.values()] == [
        ("sangzhi", "桑植县", ("桑植",), ("h1",)), ("cili", "慈利县", (), ()),
    ]  # fmt: skip
    assert [(f.id, f.name, f.tier, f.county, f.aliases) for f in p.facilities.values()] == [
        ("h1", "桑植县人民医院", "county", "sangzhi", ("县医院",)),  # aliases read as ids
        ("h2", "市人民医院", "municipal", None, ()),
    ]  # fmt: skip


def _without(key: str, inner: str) -> dict[str, Any]:
    return {k: v for k, v in DECLS[key][inner].items() if k != "name"}


@pytest.mark.parametrize(
    ("change", "code", "path", "params"),
    [
        ({"tiers": {}}, "policy.tiers.none", "tiers", {}),
        ({"categories": {"low": {}}}, "policy.key.missing", "categories.low.name", {}),
        ({"categories": {"low": {"name": "低保", "tier": "x"}}}, "policy.key.unknown",
         "categories.low.tier", None),
        ({"counties": {"cili": {}}}, "policy.key.missing", "counties.cili.name", {}),
        ({"counties": {**DECLS["counties"],
                       "cili": {"name": "慈利县", "designated_in_county": ["h3"]}}},
         "policy.ids.unknown", "counties.cili.designated_in_county[0]",
         {"what": "facility", "shown": "'h3'", "declared": ["h1", "h2"]}),
        ({"facilities": {"h2": _without("facilities", "h2")}}, "policy.key.missing",
         "facilities.h2.name", {}),
        ({"facilities": {"h2": {"name": "x", "tier": "省级"}}}, "policy.facility.tier",
         "facilities.h2.tier", {"shown": "'省级'", "declared": ["county", "municipal"]}),
        ({"facilities": {"h2": {"name": "x"}}}, "policy.facility.tier", "facilities.h2.tier",
         {"shown": "null", "declared": ["county", "municipal"]}),
        ({"facilities": {"h2": {"name": "x", "tier": "county", "county": "永定"}}},
         "policy.facility.county", "facilities.h2.county", {"shown": "'永定'"}),
        ({"claim_kinds": {"inpatient": {"name": "住院", "tiers": []}}},
         "policy.claim_kind.tiers", "claim_kinds.inpatient.tiers", {}),
        ({"claim_kinds": {"inpatient": {"name": "住院", "tiers": ["省级"]}}},
         "policy.ids.unknown", "claim_kinds.inpatient.tiers[0]",
         {"what": "tier", "shown": "'省级'", "declared": ["county", "municipal"]}),
    ],
)  # fmt: skip
def test_each_declaration_error_at_its_path(
    change: dict[str, Any], code: str, path: str, params: dict[str, object] | None
) -> None:
    error = _refused(**{**DECLS, **change})
    if params is None:
        assert (error.code, error.to_dict()["path"]) == (code, path)
    else:
        _check(error, code, path, params)


# -- the policy as read --------------------------------------------------------------------------


def test_the_top_level_as_read() -> None:
    p = parse_policy(
        _doc(
            description="  One  paragraph ", effective={"from": ON, "until": "2024-01-01"},
            in_county={"tiers": ["县级医院"], "reference": " 县域内 ", "description": "x"},
            pay_later={"when": {"poor": True}, "reference": " 先诊疗、后付费 "},
            targets={"in_county_rate": _param({ON: "0.85"}, unit="ratio")},
            **{k: v for k, v in DECLS.items() if k != "claim_kinds"},
        ),
        "my_county.yaml",
    )  # fmt: skip
    assert (p.id, p.name, p.description, p.source, p.start, p.until, p.file) == (
        "ld", "示例", "One paragraph", "test", D0, dt.date(2024, 1, 1), "my_county.yaml",
    )  # fmt: skip
    assert (p.in_county_tiers, p.in_county_reference) == (frozenset({"county"}), "县域内")
    assert p.pay_later_reference == "先诊疗、后付费"
    assert p.pay_later.matches({"poor": True})
    assert not p.pay_later.matches({"poor": False})
    assert [layer.id for layer in p.layers] == ["a", "b"]
    target = p.targets["in_county_rate"]
    assert (target.path, target.unit, target.values) == (
        "targets.in_county_rate", "ratio", ((D0, Decimal("0.85")),),
    )  # fmt: skip
    assert p.change_dates == (D0, dt.date(2024, 1, 1))  # the start and the end
    assert p.warnings == ()
    bare = _policy()
    assert (bare.description, bare.until, bare.in_county_tiers, bare.in_county_reference) == (
        "示例", None, frozenset(), "",
    )  # fmt: skip
    assert bare.pay_later_reference == ""
    assert not bare.pay_later.matches({"poor": True})  # without pay_later, nobody is
    assert bare.targets == {}


def test_change_dates_are_every_date_a_value_starts_and_warnings_are_kept() -> None:
    doc = _doc()
    doc["layers"][0]["ratio"] = _param(
        {ON: "0.95", "2020-07-01": "0.9"}, unit="ratio",
        modifiers=[{"when": {"poor": True}, "add": "0.10", "reference": "提高10%"}],
    )  # fmt: skip
    doc["layers"][1]["ratio"] = _param({ON: "0.5", "2021-01-01": "0.6"}, unit="ratio")
    p = parse_policy(doc, "p.yaml")
    assert p.change_dates == (D0, dt.date(2020, 7, 1), dt.date(2021, 1, 1))
    [warning] = p.warnings
    assert warning.path.startswith("layers[0].ratio")


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"layers": []}, "policy.layers.list", "layers"),
        ({"layers": {"a": {}}}, "policy.layers.list", "layers"),
        ({"targets": ["x"]}, "policy.targets.mapping", "targets"),
        ({"targets": {"in county": _param({ON: "0.5"}, unit="ratio")}}, "policy.id",
         "targets.in county"),
        ({"targets": {"rate": _param({ON: "85"}, unit="ratio")}}, "policy.ratio.range",
         f"targets.rate.values.{ON}"),
        ({"in_county": {"tiers": ["省级"], "reference": "x"}}, "policy.ids.unknown",
         "in_county.tiers[0]"),
        ({"in_county": {"tiers": ["county"]}}, "policy.key.missing", "in_county.reference"),
        ({"in_county": {"tiers": ["county"], "reference": []}}, "policy.text",
         "in_county.reference"),
        ({"pay_later": {"when": {"poorr": True}, "reference": "x"}}, "policy.fact.unknown",
         "pay_later.when.poorr"),
        ({"pay_later": {"when": {"poor": True}}}, "policy.key.missing", "pay_later.reference"),
        ({"pay_later": {"when": {"poor": True}, "reference": []}}, "policy.text",
         "pay_later.reference"),
        ({"format": "zjj-medical-policy/2"}, "policy.format", "format"),
        ({"id": "my county"}, "policy.id", "id"),
        ({"name": []}, "policy.text", "name"),
        ({"description": []}, "policy.text", "description"),
        ({"source": []}, "policy.text", "source"),
        ({"person_attributes": {"x": {"name": "x", "type": "bool", "default": False}},
          "claim_attributes": {"x": {"name": "x", "type": "bool", "default": False}}},
         "policy.attribute.clash", "claim_attributes.x"),
    ],
)  # fmt: skip
def test_each_policy_error_at_its_path(change: dict[str, Any], code: str, path: str) -> None:
    error = _refused(**change)
    assert (error.code, error.to_dict()["path"], error.source) == (code, path, "p.yaml")


# -- more of the top level -----------------------------------------------------------------------


def test_a_wrong_format_is_shown_with_the_one_expected() -> None:
    error = _refused(format="zjj-medical-policy/2")
    _check(error, "policy.format", "format",
           {"shown": "'zjj-medical-policy/2'", "format": "zjj-medical-policy/1"})  # fmt: skip


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        ({"effective": {"from": ON, "until": "2018-01-01"}}, "policy.until.order",
         "effective.until"),
        ({"effective": {"from": "2019-02-30"}}, "policy.date", "effective.from"),
        ({"claim_kinds": {"inpatient": {}}}, "policy.key.missing", "claim_kinds.inpatient.name"),
        ({"person_attributes": {"x": {"type": "bool", "default": False}}}, "policy.key.missing",
         "person_attributes.x.name"),
        ({"claim_attributes": {"x": {"type": "bool", "default": False}}}, "policy.key.missing",
         "claim_attributes.x.name"),
        ({"premium": {"amount": _param(), "subsidies": "x"}}, "policy.subsidies.list",
         "premium.subsidies"),
    ],
)  # fmt: skip
def test_more_errors_at_their_paths(change: dict[str, Any], code: str, path: str) -> None:
    error = _refused(**change)
    assert (error.code, error.to_dict()["path"]) == (code, path)


def test_person_and_claim_attributes_as_read() -> None:
    flag = {"name": "x", "type": "bool", "default": False}
    p = _policy(person_attributes={"retiree": flag}, claim_attributes={"referred": flag})
    assert (list(p.person_attributes), list(p.claim_attributes)) == (["retiree"], ["referred"])
    assert list(_policy(person_attributes={"retiree": flag}).person_attributes) == ["retiree"]
    assert list(_policy(claim_attributes={"referred": flag}).claim_attributes) == ["referred"]


def test_without_pay_later_nobody_is_and_it_says_never() -> None:
    assert _policy().pay_later.text == "never"


def test_the_catalogue_and_platform_of_a_file_are_read() -> None:
    builtin = load_policy("zhangjiajie")
    assert builtin.catalogue is not None
    assert builtin.platform is not None
    assert (_policy().catalogue, _policy().platform) == (None, None)


def test_a_file_that_is_not_yaml_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "my_county.yaml"
    path.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    error = caught.value
    assert (error.code, error.source, error.params["source"]) == (
        "policy.yaml.invalid", "my_county.yaml", "my_county.yaml",
    )  # fmt: skip
    assert '"my_county.yaml"' in str(error.params["detail"])
