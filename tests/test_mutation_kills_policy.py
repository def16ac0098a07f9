"""Behaviour checks of the policy's ``catalogue:`` and ``platform:`` sections, added while
mutation-testing their readers (policy/catalogue.py, policy/platform.py; tests/MUTATION.md
lists the survivors and their verdicts).

Every error is checked by its code and key path (and its params where they carry the
offending value), as docs/reference/policy-format.md describes the two sections.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from zjj_medical import parse_policy
from zjj_medical.errors import PolicyError
from zjj_medical.policy.catalogue import ratio_of
from zjj_medical.policy.model import Policy
from zjj_medical.policy.platform import FIELDS, PlatformLayer
from zjj_medical.policy.reader import condition_text, known_list

ON = dt.date(2019, 6, 1)


def _ratio(value: str, unit: str = "ratio") -> dict[str, Any]:
    return {"description": "x", "reference": "示例", "unit": unit,
            "values": {"2019-01-01": value}}  # fmt: skip


def _policy(**top: Any) -> Policy:
    """A policy of two ratio layers ``a`` and ``b``, with the top-level sections ``top``."""
    layers = [
        {"id": i, "name": i, "reference": "r", "kinds": ["inpatient"], "ratio": _ratio("0.5")}
        for i in ("a", "b")
    ]
    doc = {
        "format": "zjj-medical-policy/1", "id": "sections", "name": "示例", "source": "test",
        "effective": {"from": "2019-01-01"}, "tiers": {"county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}}, "layers": layers, **top,
    }  # fmt: skip
    return parse_policy(doc, "p.yaml")


def _refused(**top: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        _policy(**top)
    return caught.value


def _where(error: PolicyError) -> tuple[str, str]:
    return error.code, str(error.to_dict()["path"])


# -- platform: (the national platform's settlement fields) -------------------------------------

FUNDS = {
    "a": {"field": "hifp_pay", "fund_pay_type": "390100", "name": "  基本医疗保险  基金 "},
    "b": {"field": "hosp_part_amt"},
}


def _platform(layers: Any = None, **more: Any) -> dict[str, Any]:
    return {"reference": "接口规范", "layers": FUNDS if layers is None else layers, **more}


def test_the_settlement_fields_a_layer_may_pay_into() -> None:
    """The platform's setlinfo payment fields (docs: the national platform shape)."""
    assert {
        "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "hifdm_pay",
        "maf_pay", "oth_pay", "hosp_part_amt",
    } == set(FIELDS)  # fmt: skip
    assert 9 == len(FIELDS)


@pytest.mark.parametrize("field", sorted(set(FIELDS) - {"hosp_part_amt"}))
def test_every_fund_field_is_accepted_with_a_fund_code(field: str) -> None:
    layers = {"a": {"field": field, "fund_pay_type": "1"}, "b": {"field": "hosp_part_amt"}}
    policy = _policy(platform=_platform(layers))
    assert policy.platform is not None
    assert PlatformLayer(field, "1", "") == policy.platform.layers["a"]


def test_a_platform_section_as_read() -> None:
    policy = _policy(platform=_platform())
    p = policy.platform
    assert p is not None
    assert ("接口规范", False, None) == (p.reference, p.assumed, p.reason)
    assert {
        "a": PlatformLayer("hifp_pay", "390100", "基本医疗保险 基金"),
        "b": PlatformLayer("hosp_part_amt", None, ""),
    } == dict(p.layers)
    assumed = _policy(platform=_platform(assumed=True, reason="the  codes are usual")).platform
    assert assumed is not None
    assert (True, "the codes are usual") == (assumed.assumed, assumed.reason)


def test_an_assumed_platform_section_needs_a_reason() -> None:
    error = _refused(platform=_platform(assumed=True))
    assert ("policy.assumed.reason", "platform.reason") == _where(error)


def test_every_layer_is_mapped() -> None:
    error = _refused(platform=_platform({}))
    assert ("policy.platform.missing", "platform.layers") == _where(error)
    assert ["a", "b"] == error.to_dict()["params"]["layers"]
    only_b = _refused(platform=_platform({"a": FUNDS["a"]}))
    assert ["b"] == only_b.to_dict()["params"]["layers"]
    assert "p.yaml: platform.layers: every layer maps to a platform field; missing: b" == str(
        only_b
    )


def test_a_mapping_of_an_unknown_layer_is_refused() -> None:
    error = _refused(platform=_platform({**FUNDS, "c": {"field": "oth_pay"}}))
    assert ("policy.key.unknown", "platform.layers.c") == _where(error)


def test_a_field_the_platform_does_not_have_is_refused() -> None:
    error = _refused(platform=_platform({**FUNDS, "a": {"field": "hifx_pay"}}))
    assert ("policy.platform.field", "platform.layers.a.field") == _where(error)
    assert str(error).startswith(
        "p.yaml: platform.layers.a.field: 'hifx_pay' is not a settlement field (accepted: "
        "hifp_pay, cvlserv_pay, "
    )


@pytest.mark.parametrize("code", ["", "  ", True])
def test_a_fund_code_is_a_non_empty_text(code: object) -> None:
    error = _refused(platform=_platform({**FUNDS, "a": {"field": "hifp_pay",
                                                           "fund_pay_type": code}}))  # fmt: skip
    assert ("policy.text", "platform.layers.a.fund_pay_type") == _where(error)
    assert f"expected a non-empty text, got {code!r}" in str(error)


def test_the_hospitals_share_has_no_fund_code() -> None:
    layers = {**FUNDS, "b": {"field": "hosp_part_amt", "fund_pay_type": "1"}}
    error = _refused(platform=_platform(layers))
    assert ("policy.platform.hospital", "platform.layers.b.fund_pay_type") == _where(error)


def test_a_fund_field_needs_its_fund_code() -> None:
    error = _refused(platform=_platform({**FUNDS, "a": {"field": "maf_pay"}}))
    assert ("policy.platform.fund", "platform.layers.a.fund_pay_type") == _where(error)
    assert (
        "p.yaml: platform.layers.a.fund_pay_type: a layer paying into maf_pay is a fund: "
        "give its fund_pay_type"
    ) == str(error)


# -- catalogue: (classes of fee lines and their self-pay shares) -------------------------------


def _classes(**more: Any) -> dict[str, Any]:
    return {
        "A": {"name": "甲类", "aliases": ["甲"]},
        "B": {"name": "乙类", "aliases": ["乙"], "self_pay_ratio": _ratio("0.10")},
        "C": {"name": "丙类", "excluded": True},
        **more,
    }


def test_a_catalogue_as_read() -> None:
    catalogue = _policy(catalogue={"classes": _classes()}).catalogue
    assert catalogue is not None
    assert ("", False) == (catalogue.reference, catalogue.line_ratio)
    a, b, c = (catalogue.classes[k] for k in "ABC")
    assert ("甲类", ("甲",), False, None) == (a.name, a.aliases, a.excluded, a.self_pay_ratio)
    assert (False, True) == (b.excluded, c.excluded)
    assert Decimal("0.10") == ratio_of(b, ON, {})
    assert Decimal(0) == ratio_of(a, ON, {})
    assert "catalogue.classes.B.self_pay_ratio" == (b.self_pay_ratio and b.self_pay_ratio.path)
    full = _policy(catalogue={"classes": _classes(), "line_ratio": True,
                              "reference": " 目录  甲乙丙 "}).catalogue  # fmt: skip
    assert full is not None
    assert ("目录 甲乙丙", True) == (full.reference, full.line_ratio)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("A", "A"), ("乙类", "B"), ("乙", "B"), (" 丙类 ", "C"), ("丁类", None), (1, None)],
)
def test_a_class_is_found_by_id_name_or_alias(name: object, expected: str | None) -> None:
    catalogue = _policy(catalogue={"classes": _classes()}).catalogue
    assert catalogue is not None
    assert expected == catalogue.lookup(name)


@pytest.mark.parametrize("classes", [{}, [], "A"])
def test_a_catalogue_needs_classes(classes: object) -> None:
    error = _refused(catalogue={"classes": classes})
    assert ("policy.catalogue.classes", "catalogue.classes") == _where(error)


def test_a_class_outside_the_catalogue_has_no_self_pay_ratio() -> None:
    error = _refused(
        catalogue={
            "classes": _classes(
                C={"name": "丙类", "excluded": True, "self_pay_ratio": _ratio("0.1")}
            )
        }
    )
    assert ("policy.catalogue.excluded_ratio", "catalogue.classes.C.self_pay_ratio") == _where(
        error
    )
    not_excluded = _policy(
        catalogue={
            "classes": _classes(
                C={"name": "丙类", "excluded": False, "self_pay_ratio": _ratio("1")}
            )
        }
    )
    assert not_excluded.catalogue is not None
    assert Decimal("1") == ratio_of(not_excluded.catalogue.classes["C"], ON, {})


@pytest.mark.parametrize("aliases", ["甲", ["甲", True]])
def test_aliases_are_a_list_of_texts(aliases: object) -> None:
    error = _refused(catalogue={"classes": _classes(A={"name": "甲类", "aliases": aliases})})
    assert ("policy.catalogue.aliases", "catalogue.classes.A.aliases") == _where(error)


def test_a_name_of_two_classes_is_refused() -> None:
    error = _refused(catalogue={"classes": _classes(B={"name": "乙类", "aliases": ["甲"]})})
    assert ("policy.catalogue.shadow", "catalogue.classes.B") == _where(error)
    assert ("甲", "A") == (error.to_dict()["params"]["name"], error.to_dict()["params"]["other"])
    # a class may repeat its own id or name among its aliases
    policy = _policy(catalogue={"classes": _classes(A={"name": "甲类", "aliases": ["A", "甲类"]})})
    assert policy.catalogue is not None


@pytest.mark.parametrize(
    ("section", "path"),
    [
        ({"line_ratio": "yes"}, "catalogue.line_ratio"),
        ({"excluded": 1}, "catalogue.classes.A.excluded"),
        ({"ratio_unit": "CNY"}, "catalogue.classes.B.self_pay_ratio.unit"),
        ({"name": " "}, "catalogue.classes.A.name"),
        ({"reference": ""}, "catalogue.reference"),
    ],
)
def test_each_catalogue_value_is_checked_at_its_path(section: dict[str, Any], path: str) -> None:
    classes = _classes()
    top: dict[str, Any] = {"classes": classes}
    if "line_ratio" in section:
        top["line_ratio"] = section["line_ratio"]
    if "excluded" in section:
        classes["A"] = {"name": "甲类", "excluded": section["excluded"]}
    if "ratio_unit" in section:
        classes["B"] = {"name": "乙类", "self_pay_ratio": _ratio("0.1", section["ratio_unit"])}
    if "name" in section:
        classes["A"] = {"name": section["name"]}
    if "reference" in section:
        top["reference"] = section["reference"]
    error = _refused(catalogue=top)
    assert path == error.to_dict()["path"]


@pytest.mark.parametrize(
    ("catalogue", "path"),
    [
        ([], "catalogue"),
        ({"classes": {"a b": {"name": "甲类"}}}, "catalogue.classes.a b"),
        ({"classes": {"A": "甲类"}}, "catalogue.classes.A"),
    ],
)
def test_a_malformed_catalogue_is_refused_at_its_path(catalogue: Any, path: str) -> None:
    assert path == _refused(catalogue=catalogue).to_dict()["path"]


def test_a_catalogue_and_a_platform_section_may_be_described() -> None:
    policy = _policy(
        catalogue={"classes": _classes(), "description": "目录"},
        platform=_platform(description="接口"),
    )
    assert policy.catalogue is not None
    assert policy.platform is not None


@pytest.mark.parametrize(
    ("platform", "path"),
    [
        ([], "platform"),
        (_platform(assumed="yes"), "platform.assumed"),
        (_platform(assumed=True, reason=" "), "platform.reason"),
        ({"reference": " ", "layers": FUNDS}, "platform.reference"),
        (_platform({**FUNDS, "a": "hifp_pay"}), "platform.layers.a"),
        (
            _platform({**FUNDS, "b": {"field": "hosp_part_amt", "name": ""}}),
            "platform.layers.b.name",
        ),
    ],
)
def test_a_malformed_platform_section_is_refused_at_its_path(platform: Any, path: str) -> None:
    assert path == _refused(platform=platform).to_dict()["path"]


# -- a condition in words (policy/reader.py, condition_text): ids as written, no Python reprs ---


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ({"poor": True}, "poor=true"),
        ({"accident": False, "county": None}, "accident=false, county=null"),
        ({"tier": "county"}, "tier=county"),
        ({"tier": ["county"]}, "tier is county"),
        ({"tier": ["township", "county"]}, "tier is township or county"),
        ({"tier": ["township", "county", "community"]}, "tier is township, county or community"),
        ({"any": [{"poor": True}, {"tier": "county", "kind": "inpatient"}]},
         "any of (poor=true; tier=county, kind=inpatient)"),
        ({"not": {"accident": True}, "kind": "inpatient"}, "not (accident=true), kind=inpatient"),
        ({"not": {"any": [{"poor": True}, {"age": 65}]}}, "not (any of (poor=true; age=65))"),
    ],
)  # fmt: skip
def test_a_condition_in_words(condition: dict[str, Any], words: str) -> None:
    assert words == condition_text(condition)


def test_a_list_of_known_ids_in_words() -> None:
    assert "county, township" == known_list(["township", "county"])
    assert "none" == known_list([])
