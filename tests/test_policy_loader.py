"""The strict policy loader, the strict YAML reader and the one lookup rule for dated values.

Every file in ``tests/fixtures/policies/broken/`` is ``minimal.yaml`` with exactly one defect;
``BROKEN`` says which key path the error must name and what it must say.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zjj_medical.cli import cli
from zjj_medical.errors import PolicyError, ReimbursementError
from zjj_medical.policy import NOT_IN_FORCE, load_policy, parse_policy, value_in_force
from zjj_medical.policy.model import Band, Unresolved
from zjj_medical.policy.yamlio import read_policy_text

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
MINIMAL = FIXTURES / "minimal.yaml"
BROKEN_DIR = FIXTURES / "broken"
BUILTIN_FILES = Path(__file__).parents[1] / "src" / "zjj_medical" / "data" / "policies"

# fixture name → (exact key path, what the message says)
BROKEN: dict[str, tuple[str, str]] = {
    "bands_absolute_not_measured": (
        "layers[1].bands.values.2019-01-01[0].from",
        "the first band starts at 10000.00, the deductible 10000.00, but the bands are "
        "measured above the deductible",
    ),
    "unknown_key_top": ("currency", "unknown key (accepted here: catalogue, categories,"),
    "unknown_key_layer": ("layers[0].rate", "unknown key (accepted here: accumulation,"),
    "unknown_key_band": ("layers[1].bands.values.2019-01-01[0].rate", "unknown key"),
    "duplicate_key": ("layers[0].ratio.unit", "duplicate key (line 32)"),
    "missing_key_layer": ("layers[0].reference", "missing required key"),
    "missing_key_param": ("layers[0].deductible.unit", "missing required key"),
    "bad_date_feb30": ("layers[0].ratio.values.2019-02-30", "'2019-02-30' is not a date"),
    "bad_date_text": ("effective.from", "'next year' is not a date (YYYY-MM-DD)"),
    "bands_overlap": (
        "layers[1].bands.values.2019-01-01[1].from",
        "band starts at 20000.00, overlapping the band before (ends at 30000.00)",
    ),
    "bands_out_of_order": (
        "layers[1].bands.values.2019-01-01[1].upto",
        "20000.00 is not above the band's start 30000.00 (bands out of order)",
    ),
    "band_after_open": (
        "layers[1].bands.values.2019-01-01[2]",
        "a band follows one with no upper bound",
    ),
    "ratio_above_one": ("layers[1].bands.values.2019-01-01[1].ratio", "1.5 is not in [0, 1]"),
    "ratio_negative": ("layers[0].ratio.values.2019-01-01", "-0.75 is not in [0, 1]"),
    "ratio_percent": ("layers[0].ratio.values.2019-01-01", "'75%' is not a number"),
    "ratio_too_precise": (
        "layers[0].ratio.values.2019-01-01",
        "0.7500001 has more than 6 decimal places",
    ),
    "money_negative": ("layers[0].caps[0].values.2019-01-01", "-150000 is negative"),
    "money_three_decimals": (
        "layers[0].deductible.values.2019-01-01.county",
        "500.005 has more than 2 decimal places",
    ),
    "money_huge": ("layers[0].caps[0].values.2019-01-01", "1e400 is too large for an amount"),
    "money_nan": ("layers[0].caps[0].values.2019-01-01", "'.nan' is not a number"),
    "unknown_tier_in_table": (
        "layers[0].deductible.values.2019-01-01.city",
        "unknown tier 'city' (declared: county, township)",
    ),
    "unknown_claim_kind": (
        "layers[0].kinds[1]",
        "unknown claim kind 'outpatient' (declared: inpatient)",
    ),
    "layer_without_kinds": ("layers[0].kinds", "a layer pays at least one claim kind"),
    "claim_kind_without_tiers": (
        "claim_kinds.inpatient.tiers",
        "a claim kind needs at least one tier",
    ),
    "alias_null": ("tiers.county.aliases[0]", "expected a non-empty text, got null"),
    "count_not_whole": (
        "chronic_care.services_per_year.values.2019-01-01",
        "2.5 is not a whole count",
    ),
    "chronic_without_conditions": ("chronic_care.conditions", "declare at least one condition"),
    "tier_missing_in_table": (
        "layers[0].deductible.values.2019-01-01",
        "no value for tier county, where inpatient claims can be settled",
    ),
    "unknown_fact": ("layers[0].ratio.modifiers[0].when.retiree", "unknown fact 'retiree'"),
    "unknown_tier_in_when": ("layers[2].when.tier", "unknown tier 'city'"),
    "not_a_boolean": ("layers[0].ratio.modifiers[0].when.poor", "expected true or false"),
    "base_minus_later": ("layers[1].base.minus[1]", "unknown earlier layer 'backstop'"),
    "base_minus_unknown": ("layers[1].base.minus[0]", "unknown earlier layer 'basics'"),
    "base_minus_twice": ("layers[1].base.minus[1]", "'basic' is listed twice"),
    "attribute_named_not": ("person_attributes.not", "'not' is a condition keyword"),
    "target_with_ratio": ("layers[2].ratio", "a target layer has no ratio"),
    "target_with_accumulation": ("layers[2].accumulation", "a target layer has no accumulation"),
    "assumed_without_reason": ("layers[2].target.reason", "an assumed value needs a reason"),
    "assumed_keys_unknown": ("layers[0].deductible.assumed_keys[0]", "unknown tier 'city'"),
    "wrong_unit_ratio": ("layers[0].ratio.unit", "'percent' should be 'ratio' here"),
    "wrong_unit_cap": ("layers[0].caps[0].unit", "'yuan' should be 'CNY' here"),
    "values_not_increasing": ("layers[0].ratio.values", "start dates must be in increasing order"),
    "effective_until_before_from": ("effective.until", "2018-12-31 is not after from 2019-01-01"),
    "format_wrong": ("format", "'zjj-medical-policy/2' is not 'zjj-medical-policy/1'"),
    "modifier_two_ops": (
        "layers[0].ratio.modifiers[0]",
        "a modifier needs exactly one of add, multiply, set",
    ),
    "cap_per_month": ("layers[0].caps[0].per", "'month' is not claim or year"),
    "duplicate_layer_id": ("layers[1].id", "layer 'basic' is declared twice"),
}

D = dt.date
POOR = {"poor": True, "tier": "county"}
NOT_POOR = {"poor": False, "tier": "county"}


def minimal_data() -> Any:
    """``minimal.yaml`` read by the strict reader, to be changed in memory by a test."""
    return copy.deepcopy(read_policy_text(MINIMAL.read_text("utf-8"), "minimal.yaml"))


def parse_error(data: Any) -> PolicyError:
    """Parse ``data`` expecting a PolicyError, and return it."""
    with pytest.raises(PolicyError) as info:
        parse_policy(data, "memory.yaml")
    return info.value


# -- every broken fixture -------------------------------------------------------------------


def test_every_broken_fixture_is_listed() -> None:
    """The broken/ directory and the BROKEN table name the same fixtures."""
    expected = sorted(BROKEN)
    actual = sorted(p.stem for p in BROKEN_DIR.glob("*.yaml"))
    assert expected == actual


@pytest.mark.parametrize(("name", "case"), sorted(BROKEN.items()), ids=sorted(BROKEN))
def test_broken_fixture_raises_policy_error_naming_file_and_key_path(
    name: str, case: tuple[str, str]
) -> None:
    """Loading the fixture raises PolicyError (also a ValueError) naming file, key path and fault."""
    path, fault = case
    with pytest.raises(PolicyError) as info:
        load_policy(BROKEN_DIR / f"{name}.yaml")
    error = info.value
    assert isinstance(error, ValueError)
    assert isinstance(error, ReimbursementError)
    assert str(error).startswith(f"{name}.yaml: {path}: ")
    assert fault in str(error)
    assert path == error.path
    assert f"{name}.yaml" == error.source


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validate_cli_refuses_broken_fixture(name: str) -> None:
    """`policy validate FIXTURE` exits 1 and prints the error (file, key path) on stderr."""
    path, fault = BROKEN[name]
    result = CliRunner().invoke(cli, ["policy", "validate", str(BROKEN_DIR / f"{name}.yaml")])
    assert 1 == result.exit_code
    assert f"{name}.yaml: {path}: " in result.stderr
    assert fault in result.stderr
    assert "" == result.stdout


def test_minimal_fixture_is_valid_as_read() -> None:
    """minimal.yaml loads with the values written in it (the base of every broken fixture)."""
    policy = load_policy(MINIMAL)
    assert "minimal" == policy.id
    assert D(2019, 1, 1) == policy.start
    assert ["basic", "serious", "backstop"] == [layer.id for layer in policy.layers]
    basic, serious, backstop = policy.layers
    assert basic.deductible is not None
    assert basic.ratio is not None
    # deductible by tier: township 200, county 500
    assert {"township": Decimal("200"), "county": Decimal("500")} == basic.deductible.raw_at(
        D(2019, 1, 1)
    )
    # ratio 0.75, + 0.10 for the poor = 0.85
    assert Decimal("0.85") == basic.ratio.resolve(D(2019, 6, 1), POOR)
    assert Decimal("0.75") == basic.ratio.resolve(D(2019, 6, 1), NOT_POOR)
    assert ("basic",) == serious.base_minus
    assert "year" == serious.accumulation
    assert "target" == backstop.type
    assert "total" == backstop.target_of


@pytest.mark.parametrize(
    ("argument", "summary"),
    [
        # 6 tiers, 2 kinds, 7 layers; assumed: basic deductible, ratio, cap (I-1..I-3),
        # critical-illness bands (I-4), three unstated safety-net rates (I-5), target (I-6) = 8
        ("zhangjiajie", "6 tiers, 2 claim kinds, 7 layers, 8 assumed parameters"),
        (
            str(BUILTIN_FILES / "zhangjiajie.yaml"),
            "6 tiers, 2 claim kinds, 7 layers, 8 assumed parameters",
        ),
        # same shape; the three safety-net layers carry 3 + 3 + 2 illustrative assumed numbers
        # (deductible, bands, cap; deductible, ratio, 2 caps; ratio, cap) instead of 3 rates:
        # 4 (basic + bands) + 3 + 4 + 2 + 1 (target) = 14
        ("example_county", "6 tiers, 2 claim kinds, 7 layers, 14 assumed parameters"),
        (
            str(BUILTIN_FILES / "example_county.yaml"),
            "6 tiers, 2 claim kinds, 7 layers, 14 assumed parameters",
        ),
        # 2 tiers, 1 kind, 3 layers, only the target is assumed
        (str(MINIMAL), "2 tiers, 1 claim kinds, 3 layers, 1 assumed parameters"),
    ],
)
def test_validate_cli_accepts_valid_files_with_one_line_summary(
    argument: str, summary: str
) -> None:
    """`policy validate` on a valid file exits 0 and prints one summary line."""
    result = CliRunner().invoke(cli, ["policy", "validate", argument])
    assert 0 == result.exit_code, result.output
    lines = result.stdout.splitlines()
    assert 1 == len(lines)
    assert lines[0].startswith(f"{argument}: valid policy ")
    assert lines[0].endswith(summary)


def test_missing_policy_file_is_a_policy_error() -> None:
    """A path that is not a file names itself and the built-in policies."""
    with pytest.raises(PolicyError) as info:
        load_policy(FIXTURES / "no_such_policy.yaml")
    assert "no_such_policy.yaml: no such policy file (built-in policies: zhangjiajie" in str(
        info.value
    )


def test_invalid_yaml_and_empty_file_are_policy_errors(tmp_path: Path) -> None:
    """Text that is not YAML, and an empty file, raise PolicyError naming the file."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: [unclosed\n", "utf-8")
    with pytest.raises(PolicyError, match=r"^bad\.yaml: not valid YAML"):
        load_policy(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing here\n", "utf-8")
    with pytest.raises(PolicyError, match=r"^empty\.yaml: the file is empty$"):
        load_policy(empty)


# -- the in-memory entry point ----------------------------------------------------------------


def test_parse_policy_refuses_floats() -> None:
    """A Python float cannot be read exactly, so parse_policy refuses it with its key path."""
    data = minimal_data()
    data["layers"][0]["ratio"]["values"]["2019-01-01"] = 0.75
    error = parse_error(data)
    assert "layers[0].ratio.values.2019-01-01" == error.path
    assert "0.75 is a float" in str(error)


def test_parse_policy_reads_ints_and_dates_exactly() -> None:
    """Python ints and date keys read as the same policy as the text form."""
    data = minimal_data()
    data["layers"][0]["caps"][0]["values"] = {D(2019, 1, 1): 150000}
    cap = parse_policy(data).layers[0].caps[0].amount
    assert ((D(2019, 1, 1), Decimal("150000.00")),) == cap.values


def test_non_list_premium_subsidies_is_a_policy_error() -> None:
    """`premium.subsidies: null` is refused with its path (it used to crash with TypeError)."""
    data = minimal_data()
    amount = {"description": "d", "reference": "r", "unit": "CNY", "values": {"2019-01-01": "1"}}
    data["premium"] = {"amount": amount, "subsidies": None}
    assert "premium.subsidies" == parse_error(data).path


def test_assumed_keys_need_assumed_true() -> None:
    """assumed_keys on a parameter that is not assumed is refused."""
    data = minimal_data()
    data["layers"][0]["deductible"]["assumed_keys"] = ["county"]
    error = parse_error(data)
    assert "layers[0].deductible.assumed_keys" == error.path
    assert "assumed_keys goes with assumed: true" in str(error)


def test_negative_zero_money_reads_as_zero() -> None:
    """`-0` is not negative money; it reads as 0.00 without a sign."""
    data = minimal_data()
    data["layers"][0]["caps"][0]["values"]["2019-01-01"] = "-0"
    value = parse_policy(data).layers[0].caps[0].amount.raw_at(D(2019, 1, 1))
    assert isinstance(value, Decimal)
    assert "0.00" == str(value)


def test_layer_effective_until_before_from_is_refused() -> None:
    """A layer's effective.until must be after its from."""
    data = minimal_data()
    data["layers"][1]["effective"] = {"from": "2019-05-01", "until": "2019-05-01"}
    error = parse_error(data)
    assert "layers[1].effective.until" == error.path
    assert "2019-05-01 is not after from 2019-05-01" in str(error)


def test_conditions_are_shown_as_text() -> None:
    """Condition text spells out lists (any of), any and not."""
    data = minimal_data()
    data["layers"][2]["when"] = {
        "tier": ["township", "county"],
        "any": [{"poor": True}, {"accident": False}],
        "not": {"in_county": False},
    }
    when = parse_policy(data).layers[2].when
    expected = (
        "tier is township or county, any of (poor=true; accident=false), not (in_county=false)"
    )
    assert expected == when.text
    assert when.matches({"tier": "county", "poor": True, "accident": True, "in_county": True})
    assert not when.matches({"tier": "county", "poor": True, "in_county": False})
    assert not when.matches({"tier": "county", "poor": False, "accident": True, "in_county": True})


# -- modifiers: clipping, rounding, dates ---------------------------------------------------------


def test_ratio_modifier_is_clipped_to_one() -> None:
    """A ratio raised above 1 by `add` is clipped to 1.00 (报销比例 never above 100%)."""
    data = minimal_data()
    data["layers"][0]["ratio"]["values"]["2019-01-01"] = "0.95"
    ratio = parse_policy(data).layers[0].ratio
    assert ratio is not None
    # 0.95 + 0.10 = 1.05 → clipped to 1
    assert Decimal("1") == ratio.resolve(D(2019, 1, 1), POOR)
    assert Decimal("0.95") == ratio.resolve(D(2019, 1, 1), NOT_POOR)


def test_scaled_money_is_rounded_half_up_to_the_fen() -> None:
    """A money `multiply` modifier rounds the product half up to the fen."""
    data = minimal_data()
    deductible = data["layers"][0]["deductible"]
    deductible["values"]["2019-01-01"] = {"township": "200", "county": "500.01"}
    deductible["modifiers"] = [{"when": {"poor": True}, "multiply": "0.5"}]
    param = parse_policy(data).layers[0].deductible
    assert param is not None
    # 500.01 × 0.5 = 250.005 → 250.01 (half up)
    assert Decimal("250.01") == param.resolve(D(2019, 1, 1), POOR)
    assert Decimal("500.01") == param.resolve(D(2019, 1, 1), NOT_POOR)


def test_modifier_from_and_until_bound_its_effect() -> None:
    """A modifier with from/until applies on from, not the day before, and not on until."""
    data = minimal_data()
    modifier = data["layers"][0]["ratio"]["modifiers"][0]
    modifier.update({"from": "2019-10-01", "until": "2020-01-01"})
    ratio = parse_policy(data).layers[0].ratio
    assert ratio is not None
    assert Decimal("0.75") == ratio.resolve(D(2019, 9, 30), POOR)
    assert Decimal("0.85") == ratio.resolve(D(2019, 10, 1), POOR)  # 0.75 + 0.10
    assert Decimal("0.85") == ratio.resolve(D(2019, 12, 31), POOR)
    assert Decimal("0.75") == ratio.resolve(D(2020, 1, 1), POOR)


def test_band_modifier_adds_to_every_band() -> None:
    """`add` on bands changes each band's ratio and keeps the band limits."""
    data = minimal_data()
    data["layers"][1]["bands"]["modifiers"] = [{"when": {"poor": True}, "add": "0.05"}]
    bands = parse_policy(data).layers[1].bands
    assert bands is not None
    expected = (
        Band(Decimal(0), Decimal(30000), Decimal("0.65")),  # 0.60 + 0.05
        Band(Decimal(30000), None, Decimal("0.70")),  # 0.65 + 0.05
    )
    assert expected == bands.resolve(D(2019, 1, 1), POOR)


def test_table_without_the_fact_value_is_unresolved() -> None:
    """A by-tier table asked for a tier it lacks raises Unresolved, naming the fact's value."""
    deductible = load_policy(MINIMAL).layers[0].deductible
    assert deductible is not None
    with pytest.raises(
        Unresolved, match=r"^layers\[0\]\.deductible has no value for tier=provincial$"
    ):
        deductible.resolve(D(2019, 1, 1), {"poor": False, "tier": "provincial"})


# -- the strict YAML reader -----------------------------------------------------------------------


def test_yaml_numbers_stay_exact_text() -> None:
    """Plain numbers and dates stay strings; 0.70 loads as Decimal('0.70'), not the float 0.7."""
    data = read_policy_text("a: 0.70\nb: 2019-09-01\nc: 1e3\n", "t.yaml")
    assert {"a": "0.70", "b": "2019-09-01", "c": "1e3"} == data
    data = minimal_data()
    data["layers"][0]["ratio"]["values"]["2019-01-01"] = "0.70"
    ratio = parse_policy(data).layers[0].ratio
    assert ratio is not None
    value = ratio.raw_at(D(2019, 1, 1))
    assert isinstance(value, Decimal)
    assert "0.70" == str(value)


def test_yaml_booleans_and_nulls() -> None:
    """Only true/false and null/~/empty are typed; yes, on and quoted "true" stay strings."""
    text = "a: true\nb: False\nc: null\nd: ~\ne:\nf: yes\ng: 'true'\nh: on\n"
    expected = {
        "a": True, "b": False, "c": None, "d": None, "e": None,
        "f": "yes", "g": "true", "h": "on",
    }  # fmt: skip
    assert expected == read_policy_text(text, "t.yaml")


def test_yaml_duplicate_key_refused_with_path_and_line() -> None:
    """A key given twice is refused, naming the key path and the line of the second one."""
    text = "layers:\n  - id: a\n    ratio:\n      unit: ratio\n      unit: CNY\n"
    with pytest.raises(PolicyError) as info:
        read_policy_text(text, "dup.yaml")
    assert "dup.yaml: layers[0].ratio.unit: duplicate key (line 5)" == str(info.value)
    assert isinstance(info.value, ValueError)


def test_yaml_anchors_and_aliases_are_read() -> None:
    """An anchored block can be reused by alias (as the built-in safety-net rates are)."""
    text = "a: &rate {unit: ratio}\nb: *rate\n"
    assert {"a": {"unit": "ratio"}, "b": {"unit": "ratio"}} == read_policy_text(text, "t.yaml")


# -- the one lookup rule ----------------------------------------------------------------------


VALUES = [(D(2019, 1, 1), "220"), (D(2020, 1, 1), "250")]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2018, 12, 31), NOT_IN_FORCE),  # before the first start date: nothing
        (D(2019, 1, 1), "220"),  # on a start date: that value
        (D(2019, 12, 31), "220"),  # the day before the next start: still the first
        (D(2020, 1, 1), "250"),
        (D(2031, 6, 1), "250"),  # after the last start: the last value
    ],
)
def test_value_in_force_latest_start_on_or_before(on: dt.date, expected: object) -> None:
    """The value in force is the latest whose start date is on or before the date."""
    assert expected == value_in_force(VALUES, on)


def test_value_in_force_of_nothing_is_not_in_force() -> None:
    """An empty series has nothing in force, and NOT_IN_FORCE is falsy."""
    assert NOT_IN_FORCE is value_in_force([], D(2019, 1, 1))
    assert not NOT_IN_FORCE


def test_param_before_first_date_is_not_in_force() -> None:
    """Param.raw_at and Param.resolve answer NOT_IN_FORCE before the first start date."""
    ratio = load_policy(MINIMAL).layers[0].ratio
    assert ratio is not None
    assert NOT_IN_FORCE is ratio.raw_at(D(2018, 12, 31))
    with pytest.raises(Unresolved, match=r"not in force \(first value from 2019-01-01\)"):
        ratio.resolve(D(2018, 12, 31), POOR)
    assert Decimal("0.75") == ratio.raw_at(D(2019, 1, 1))


# -- warnings: accepted, but flagged --------------------------------------------------------


def _minimal_with(old: str, new: str, *more: tuple[str, str]) -> Any:
    text = MINIMAL.read_text("utf-8")
    for a, b in ((old, new), *more):
        assert a in text
        text = text.replace(a, b)
    return parse_policy(read_policy_text(text, "w.yaml"), "w.yaml")


def test_minimal_has_no_warnings() -> None:
    """A policy with nothing to flag has no warnings."""
    assert () == load_policy(MINIMAL).warnings


def test_warning_ratio_plus_add_above_one() -> None:
    """0.95 + 0.10 is capped at 1: a warning names the modifier's key path and both numbers."""
    policy = _minimal_with("2019-01-01: 0.75", "2019-01-01: 0.95")
    assert ["layers[0].ratio.modifiers[0].add"] == [w.path for w in policy.warnings]
    assert (
        "w.yaml: layers[0].ratio.modifiers[0].add: 0.95 + 0.10 is above 1 (value of "
        "2019-01-01) and is capped at 1 when the modifier applies"
    ) == policy.warnings[0].message


def test_no_warning_for_a_ratio_already_at_one() -> None:
    """1.00 + 0.10 stays 1.00 (报销比例相应提高10% at a 100% tier): not flagged."""
    assert () == _minimal_with("2019-01-01: 0.75", "2019-01-01: 1.00").warnings


def test_warning_absolute_bands_below_the_deductible() -> None:
    """Absolute bands starting at 0 under a deductible of 10,000 are flagged at the bands."""
    policy = _minimal_with(
        "    bands:\n      description: Cumulative bands above the deductible.",
        "    deductible:\n      description: d\n      reference: r\n      unit: CNY\n"
        "      values: {2019-01-01: 10000}\n"
        "    bands:\n      measured: absolute\n"
        "      description: Cumulative bands above the deductible.",
    )
    assert ["layers[1].bands.values.2019-01-01[0]"] == [w.path for w in policy.warnings]
    assert "start at 0, below the deductible 10000.00" in policy.warnings[0].message


def test_validate_cli_prints_warnings(tmp_path: Path) -> None:
    """policy validate counts the warnings and prints each; --strict exits 1 on them."""
    path = tmp_path / "w.yaml"
    path.write_text(MINIMAL.read_text("utf-8").replace("0.75", "0.95"), "utf-8")
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert 0 == result.exit_code
    lines = result.output.splitlines()
    assert lines[0].endswith("1 assumed parameters, 1 warnings")
    assert lines[1].startswith("warning: w.yaml: layers[0].ratio.modifiers[0].add: 0.95 + 0.10")
    strict = CliRunner().invoke(cli, ["policy", "validate", "--strict", str(path)])
    assert 1 == strict.exit_code


# -- aliases: wherever an id is expected ------------------------------------------------------

ALIASED = FIXTURES / "shapes" / "deductible_repeat_when.yaml"  # tiers 二级医院/二级, 三级医院/三级


def _aliased(*edits: tuple[str, str]) -> Any:
    text = ALIASED.read_text("utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    return parse_policy(read_policy_text(text, "a.yaml"), "a.yaml")


def test_alias_and_name_as_table_keys_are_normalised_to_ids() -> None:
    """A by-tier table may be keyed by aliases and names; the loaded table is keyed by ids."""
    policy = _aliased(
        ("{2021-01-01: {second: 1000, third: 1300}}", "{2021-01-01: {二级医院: 1000, 三级: 1300}}")
    )
    deductible = policy.layers[0].deductible
    assert deductible is not None
    assert (
        (dt.date(2021, 1, 1), {"second": Decimal("1000.00"), "third": Decimal("1300.00")}),
    ) == (deductible.values)


def test_alias_table_pays_the_aliased_tiers_rates() -> None:
    """A claim at the third-level tier gets the deductible the table gives under 三级."""
    from zjj_medical import Claim, Facility, Person, settle

    policy = _aliased(
        ("{2021-01-01: {second: 1000, third: 1300}}", "{2021-01-01: {二级: 1000, 三级: 1300}}"),
        ("{2021-01-01: {second: 0.85, third: 0.80}}", "{2021-01-01: {二级: 0.85, 三级: 0.80}}"),
    )
    claim = Claim("C1", "inpatient", "2021-03-01", Facility(level="三级医院"), "10000", "10000")
    s = settle(claim, Person("P1", poor=False, county="x"), policy=policy)
    assert Decimal("6960.00") == s.payments["basic_insurance"]  # (10000 − 1300) × 0.80


def test_alias_in_a_condition_is_normalised() -> None:
    """when: {tier: 三级} means the tier third, and {tier: [二级医院]} the tier second."""
    policy = _aliased(("      - when: {poor: true}\n", "      - when: {tier: [三级, 二级医院]}\n"))
    rule = policy.layers[0].repeats[0]
    assert {"tier": frozenset({"third", "second"})} == dict(rule.when.atoms)
    assert rule.when.matches({"tier": "third"})


def test_alias_and_id_of_one_tier_twice_in_a_table_is_refused() -> None:
    """third and 三级 in one table name the same tier twice: refused at the second key."""
    with pytest.raises(PolicyError) as info:
        _aliased(("{second: 1000, third: 1300}", "{second: 1000, third: 1300, 三级: 1200}"))
    assert "layers[0].deductible.values.2021-01-01.三级" == info.value.path
    assert "'三级' names 'third', which the table already gives" in str(info.value)


@pytest.mark.parametrize(
    ("edit", "path", "both"),
    [
        # an alias equal to another tier's id
        (("aliases: [二级]}", "aliases: [二级, third]}"), "tiers.second.aliases[1]", "'third'"),
        # an alias equal to another tier's alias
        (("aliases: [三级]}", "aliases: [三级, 二级]}"), "tiers.third.aliases[1]", "'二级'"),
        # a name equal to another tier's alias
        (("{name: 三级医院, aliases: [三级]}", "{name: 二级}"), "tiers.third.name", "'二级'"),
    ],
)
def test_shadowing_alias_is_refused_naming_both(
    edit: tuple[str, str], path: str, both: str
) -> None:
    """An alias (or name) that is another tier's id or alias is refused, naming both tiers."""
    with pytest.raises(PolicyError) as info:
        _aliased(edit)
    assert path == info.value.path
    message = str(info.value)
    assert both in message
    assert "'second'" in message
    assert "'third'" in message


def test_an_assumed_declaration_needs_a_reason() -> None:
    """A tier marked assumed: true without a reason is refused at tiers.<id>.reason."""
    with pytest.raises(PolicyError) as info:
        _aliased(
            ("third: {name: 三级医院, aliases: [三级]}", "third: {name: 三级医院, assumed: true}")
        )
    assert "tiers.third.reason" == info.value.path
    policy = _aliased(
        (
            "third: {name: 三级医院, aliases: [三级]}",
            "third: {name: 三级医院, assumed: true, reason: r}",
        )
    )
    assert (True, "r") == (policy.tiers["third"].assumed, policy.tiers["third"].reason)


def test_warning_bands_above_the_deductible_starting_above_zero() -> None:
    """A first band from 12,000 measured above a deductible of 10,000 leaves a gap: warned."""
    policy = _minimal_with(
        "    bands:\n      description: Cumulative bands above the deductible.",
        "    deductible:\n      description: d\n      reference: r\n      unit: CNY\n"
        "      values: {2019-01-01: 10000}\n"
        "    bands:\n      description: Cumulative bands above the deductible.",
    )
    assert () == policy.warnings
    gap = _minimal_with(
        "    bands:\n      description: Cumulative bands above the deductible.",
        "    deductible:\n      description: d\n      reference: r\n      unit: CNY\n"
        "      values: {2019-01-01: 10000}\n"
        "    bands:\n      description: Cumulative bands above the deductible.",
        (
            "          - {upto: 30000, ratio: 0.60}",
            "          - {from: 12000, upto: 30000, ratio: 0.60}",
        ),
    )
    assert ["layers[1].bands.values.2019-01-01[0].from"] == [w.path for w in gap.warnings]
    assert "nothing is paid on the first 12000.00 above the deductible" in gap.warnings[0].message
