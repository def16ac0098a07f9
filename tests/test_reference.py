"""The engine against the naive reference implementation (tests/reference.py) on random inputs.

The reference is itself first checked against the hand-worked examples, so that a
disagreement points at the engine.
"""

from __future__ import annotations

import doctest
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import reference
from reference import reference_settle_year
from strategies import person_years, to_claim, to_person
from test_worked_examples import EXAMPLES, flat, in_example_terms
from zjj_medical import settle_year


def test_reference_docstring_example() -> None:
    """The reference's own docstring example (SPEC §6) runs and prints what it shows."""
    result = doctest.testmod(reference)
    assert 0 == result.failed
    assert 0 < result.attempted  # the example is there and ran


def test_reference_reproduces_every_worked_example() -> None:
    """The reference gives the hand-computed results of every worked example."""
    for ex in EXAMPLES:
        got = [in_example_terms(r) for r in reference_settle_year(ex["person"], ex["claims"])]
        assert ex["expected"] == got, ex["name"]


def _compare(person: dict[str, Any], claims: list[dict[str, Any]]) -> None:
    expected = reference_settle_year(person, claims)
    actual = [flat(s) for s in settle_year([to_claim(c) for c in claims], to_person(person))]
    assert len(expected) == len(actual)
    for exp, act in zip(expected, actual, strict=True):
        assert exp == act
        for key, value in exp.items():
            if isinstance(value, Decimal) and key != "actual_ratio":
                assert value == value.quantize(Decimal("0.01")), key


@given(person_years())
def test_engine_equals_reference_on_random_years(case: tuple[dict[str, Any], list[Any]]) -> None:
    """Every payment, reimbursed, patient_pay, actual_ratio and flag equals the reference's."""
    _compare(*case)


@given(person_years(max_claims=12, kind="inpatient"), st.booleans())
def test_engine_equals_reference_on_inpatient_years(
    case: tuple[dict[str, Any], list[Any]], poor: bool
) -> None:
    """Long inpatient years (caps and all four CI bands reached) agree with the reference."""
    person, claims = case
    _compare({**person, "poor": poor}, claims)


@given(person_years(max_claims=10, kind="outpatient"))
def test_engine_equals_reference_on_outpatient_years(
    case: tuple[dict[str, Any], list[Any]],
) -> None:
    """Outpatient years across 2019-09-01 and the 350 cap agree with the reference."""
    _compare(*case)
