"""Behaviour checks of the schedule layer type added while mutation-testing it.

Each test here kills mutants of ``engine/layers/schedule.py`` that the other fast tests let
survive (tests/MUTATION.md lists them and their verdicts): the settlement sheet's arithmetic
line, the reader's errors (their key path, code and shown value), a base of the total, and
the check of where the first band starts. Expected values are worked by hand from
docs/reference/policy-format.md and docs/tutorial/settlement-sheet.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from zjj_medical import Claim, Facility, Person, parse_policy, settle_year
from zjj_medical.engine.layers.schedule import how
from zjj_medical.errors import PolicyError
from zjj_medical.policy.model import Policy

PERSON = Person("P1", poor=False, county="x")
COUNTY = Facility(level="county", county=None)


def _param(values: dict[str, Any], unit: str = "ratio", **more: Any) -> dict[str, Any]:
    return {"description": "x", "reference": "示例", "unit": unit, "values": values, **more}


def _policy(**keys: Any) -> Policy:
    """A policy with one schedule layer ``layers[0]`` (id ``s``) holding ``keys``."""
    layer = {"id": "s", "name": "s", "reference": "r", "kinds": ["inpatient"], **keys}
    doc = {
        "format": "zjj-medical-policy/1", "id": "sched", "name": "示例", "source": "test",
        "effective": {"from": "2019-01-01"},
        "tiers": {"township": {"name": "乡镇卫生院"}, "county": {"name": "县级医院"}},
        "claim_kinds": {"inpatient": {"name": "住院"}}, "layers": [layer],
    }  # fmt: skip
    return parse_policy(doc, "s.yaml")


def _refused(**keys: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        _policy(**keys)
    return caught.value


RATIO = _param({"2019-01-01": "0.5"})


# -- the settlement sheet's line (docs/tutorial/settlement-sheet.md) --------------------------


def test_sheet_line_of_a_ratio_on_the_years_base() -> None:
    """An annual layer with one ratio: the year's base before → after, the annual deductible
    and the ratio; the line writes no amount."""
    inputs = {
        "ratio": "0.6", "base": "7000.00", "deductible": "5000.00",
        "cumulative_before": "3000.00", "cumulative_after": "10000.00", "computed": "3000.00",
    }  # fmt: skip
    assert ["year's base 3000.00 → 10000.00, annual deductible 5000.00, × 0.6"] == how(inputs)


def test_sheet_lines_of_bands_on_one_claim() -> None:
    """A per-claim banded layer: 0.5 of (12000.00 − 2000.00) in its first band 2000.00–
    7000.00 is 2500.00, 0.6 of the 5000.00 above 7000.00 is 3000.00: 5500.00. A band the
    claim does not reach is left out; the open last band is written up to ∞."""
    inputs = {
        "base": "12000.00", "deductible": "2000.00", "computed": "5500.00",
        "bands": [
            {"from": "2000.00", "to": "7000.00", "ratio": "0.5", "this_claim": "2500.00"},
            {"from": "7000.00", "to": None, "ratio": "0.6", "this_claim": "3000.00"},
        ],
    }  # fmt: skip
    assert [
        "base 12000.00, deductible 2000.00",
        "bands: 2500.00 at 0.5 (2000.00–7000.00), 3000.00 at 0.6 (7000.00–∞) = 5500.00",
    ] == how(inputs)


def test_sheet_lines_of_bands_on_the_years_base_leave_out_the_bands_not_reached() -> None:
    """A critical-illness claim (the tutorial's sheet writes its line the same way, with a
    base below the deductible): year's base 0.00 → 30000.00 above an annual deductible of
    10000.00, 0.6 up to 50000.00: 0.6 × 20000.00 = 12000.00; the band above 50000.00 pays
    0.00 on this claim and is not written."""
    inputs = {
        "base": "30000.00", "deductible": "10000.00", "computed": "12000.00",
        "cumulative_before": "0.00", "cumulative_after": "30000.00",
        "bands": [
            {"from": "10000.00", "to": "50000.00", "ratio": "0.6", "this_claim": "12000.00"},
            {"from": "50000.00", "to": None, "ratio": "0.7", "this_claim": "0.00"},
        ],
    }  # fmt: skip
    assert [
        "year's base 0.00 → 30000.00, annual deductible 10000.00",
        "bands: 12000.00 at 0.6 (10000.00–50000.00) = 12000.00",
    ] == how(inputs)


# -- the reader's errors: each at its key path, with its code --------------------------------


def test_accumulation_other_than_claim_or_year_is_refused_at_its_path() -> None:
    error = _refused(accumulation="month", ratio=RATIO)
    assert "policy.per" == error.code
    assert "s.yaml: layers[0].accumulation: 'month' is not claim or year" == str(error)


@pytest.mark.parametrize("keys", [{}, {"ratio": RATIO, "bands": _param({"2019-01-01": []})}])
def test_schedule_layer_needs_exactly_one_of_ratio_and_bands(keys: dict[str, Any]) -> None:
    error = _refused(**keys)
    assert "policy.layer.ratio_or_bands" == error.code
    assert "s.yaml: layers[0]: a schedule layer needs exactly one of ratio, bands" == str(error)


def test_repeat_rule_on_an_annual_deductible_is_refused_at_its_path() -> None:
    repeat = {"count": "same_tier", "multiply": "0.5", "description": "x", "reference": "r"}
    error = _refused(accumulation="year", ratio=RATIO, deductible_repeat=repeat)
    assert "policy.layer.repeat.year" == error.code
    assert (
        "s.yaml: layers[0].deductible_repeat: only a per-claim deductible can change for "
        "later claims"
    ) == str(error)


def test_deductible_ceiling_is_a_money_parameter() -> None:
    """A ceiling written as a ratio is refused at its unit (money parameters are in CNY)."""
    error = _refused(ratio=RATIO, deductible_ceiling=_param({"2019-01-01": "0.5"}))
    assert "policy.unit" == error.code
    assert "layers[0].deductible_ceiling.unit" == error.to_dict()["path"]
    ceiling = _policy(ratio=RATIO, deductible_ceiling=_param({"2019-01-01": 800}, "CNY"))
    param = ceiling.layers[0].deductible_ceiling
    assert param is not None
    assert "layers[0].deductible_ceiling" == param.path
    assert Decimal("800.00") == param.raw_at(dt.date(2019, 1, 1))


def test_a_ratio_layer_is_measured_above_the_deductible() -> None:
    """``measured`` belongs to bands; a layer with one ratio has the default."""
    assert "above_deductible" == _policy(ratio=RATIO).layers[0].measured


# -- a base of the total (docs/reference/policy-format.md, `base`) -----------------------------


@pytest.mark.parametrize(("of", "expected"), [("total", "1500.00"), ("in_scope", "1000.00")])
def test_schedule_base_of_total_or_in_scope(of: str, expected: str) -> None:
    """0.5 of total 3000.00 = 1500.00; 0.5 of in-scope 2000.00 = 1000.00 (no deductible)."""
    policy = _policy(base={"of": of}, ratio=RATIO)
    claim = Claim("C1", "inpatient", "2019-02-01", COUNTY, total="3000.00", in_scope="2000.00")
    [s] = settle_year([claim], PERSON, policy=policy)
    assert Decimal(expected) == s.payments["s"]


# -- where the first band starts (schedule._check_band_start) ---------------------------------


def _bands(first_from: str | None, measured: str | None = None, by: str | None = None) -> Any:
    first: dict[str, Any] = {"upto": 30000, "ratio": "0.6"}
    if first_from is not None:
        first["from"] = first_from
    value: Any = [first, {"upto": None, "ratio": "0.7"}]
    more: dict[str, Any] = {}
    if measured is not None:
        more["measured"] = measured
    if by is not None:
        more["by"] = by
        value = {"township": value, "county": value}
    return _param({"2019-01-01": value}, **more)


def _deductible(values: dict[str, Any], by: str | None = None) -> dict[str, Any]:
    return _param(values, "CNY", **({"by": by} if by else {}))


def test_bands_with_a_gap_above_the_deductible_are_flagged_with_the_date() -> None:
    """Measured above a deductible of 500.00, a first band from 1.00 pays nothing on the
    first 1.00 above the deductible: a warning at the first band's ``from``."""
    policy = _policy(deductible=_deductible({"2019-01-01": 500}), bands=_bands("1"))
    [warning] = policy.warnings
    assert "policy.warn.bands_gap" == warning.code
    assert "layers[0].bands.values.2019-01-01[0].from" == warning.path
    assert warning.message.startswith(
        "s.yaml: layers[0].bands.values.2019-01-01[0].from: the bands are measured above the "
        "deductible and the first starts 1.00 above it (value of 2019-01-01): nothing is paid "
        "on the first 1.00 above the deductible"
    )


def test_bands_from_0_above_a_deductible_of_0_are_accepted() -> None:
    policy = _policy(deductible=_deductible({"2019-01-01": 0}), bands=_bands("0"))
    assert () == policy.warnings


def test_bands_from_the_deductible_measured_above_it_are_refused() -> None:
    """A first band from 1.00 above a deductible of 1.00: written on the absolute amount."""
    error = _refused(deductible=_deductible({"2019-01-01": 1}), bands=_bands("1"))
    assert "policy.bands.absolute_from" == error.code
    assert "layers[0].bands.values.2019-01-01[0].from" == error.to_dict()["path"]


def test_bands_from_the_deductible_of_a_tier_measured_above_it_are_refused() -> None:
    """The deductible by tier (township 200.00, county 500.00) and a first band from 500.00
    measured above it: the county's bands would start at 1000.00."""
    error = _refused(
        deductible=_deductible({"2019-01-01": {"township": 200, "county": 500}}, "tier"),
        bands=_bands("500"),
    )
    assert "policy.bands.absolute_from" == error.code


def test_absolute_bands_from_the_deductible_are_not_flagged() -> None:
    policy = _policy(deductible=_deductible({"2019-01-01": 5000}), bands=_bands("5000", "absolute"))
    assert () == policy.warnings


def test_absolute_bands_below_a_later_deductible_are_flagged_with_that_date() -> None:
    """Absolute bands from 5000.00 (from 2019) meet a deductible of 5000.00 in 2019 and of
    10000.00 from 2020: the 2020 value of the deductible is above the bands' start, flagged
    at the bands' 2019 value with the date 2020-01-01."""
    policy = _policy(
        deductible=_deductible({"2019-01-01": 5000, "2020-01-01": 10000}),
        bands=_bands("5000", "absolute"),
    )
    [warning] = policy.warnings
    assert "policy.warn.bands_below_deductible" == warning.code
    assert "layers[0].bands.values.2019-01-01[0]" == warning.path
    assert warning.message == (
        "s.yaml: layers[0].bands.values.2019-01-01[0]: the bands are measured on the absolute "
        "amount and start at 5000.00, below the deductible 10000.00 (value of 2020-01-01): "
        "nothing below the deductible is paid"
    )


def test_band_start_is_checked_from_the_day_the_deductible_is_in_force() -> None:
    """Absolute bands from 0 (from 2019) and a deductible only from 2020 (5000.00): nothing
    to check in 2019, the warning is about 2020."""
    policy = _policy(deductible=_deductible({"2020-01-01": 5000}), bands=_bands(None, "absolute"))
    assert ["policy.warn.bands_below_deductible"] == [w.code for w in policy.warnings]
    assert "(value of 2020-01-01)" in policy.warnings[0].message


def test_absolute_bands_by_tier_are_left_to_the_author() -> None:
    """Bands by a fact (here the tier) are not checked against the deductible."""
    policy = _policy(
        deductible=_deductible({"2019-01-01": 5000}), bands=_bands(None, "absolute", "tier")
    )
    assert () == policy.warnings


def test_absolute_bands_below_a_tiers_deductible_are_flagged() -> None:
    """Absolute bands from 0 under a deductible by tier (township 200.00, county 500.00):
    flagged at the lower one (a start left out is 0)."""
    policy = _policy(
        deductible=_deductible({"2019-01-01": {"township": 200, "county": 500}}, "tier"),
        bands=_bands(None, "absolute"),
    )
    [warning] = policy.warnings
    assert "start at 0, below the deductible 200.00 (value of 2019-01-01)" in warning.message
