"""The synthetic population: deterministic per seed, shaped for the batch engine, exact money,
and drawn within the bounds its documented parameters (data/population.yaml) set."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from zjj_medical.analysis.population import (
    CLAIM_COLUMNS,
    PEOPLE_COLUMNS,
    population_parameters,
    synthetic_population,
)
from zjj_medical.errors import PolicyError

N = 40_000


@pytest.fixture(scope="module")
def drawn() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic_population(N, seed=11)


def _value(name: str) -> object:
    return population_parameters()[name].value


def test_same_seed_same_tables() -> None:
    """Two draws with the same seed are identical; another seed gives other claims."""
    people_a, claims_a = synthetic_population(500, seed=3)
    people_b, claims_b = synthetic_population(500, seed=3)
    _, claims_c = synthetic_population(500, seed=4)
    assert people_a.equals(people_b)
    assert claims_a.equals(claims_b)
    assert not claims_a.equals(claims_c)


def test_columns_and_ids(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """The tables have the engine's columns, one row per person, unique ids, known persons."""
    people, claims = drawn
    assert list(PEOPLE_COLUMNS) == list(people.columns)
    assert list(CLAIM_COLUMNS) == list(claims.columns)
    assert N == len(people)
    assert people["person_id"].is_unique
    assert claims["claim_id"].is_unique
    assert set(claims["person_id"]) <= set(people["person_id"])


def test_zero_people() -> None:
    """No persons draw empty tables with the same columns."""
    people, claims = synthetic_population(0, seed=1)
    assert (0, 0) == (len(people), len(claims))
    assert list(CLAIM_COLUMNS) == list(claims.columns)


def test_money_is_whole_fen(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Every amount is a Decimal with exactly two places, 0 ≤ in_scope ≤ total, total ≥ 0.01."""
    _, claims = drawn
    for column in ("total", "in_scope"):
        assert {-2} == {d.as_tuple().exponent for d in claims[column]}
        assert all(isinstance(d, Decimal) for d in claims[column])
    assert bool((claims["in_scope"] <= claims["total"]).all())
    assert bool((claims["in_scope"] >= 0).all())
    assert Decimal("0.01") <= min(claims["total"])
    # cost_max clips the Pareto tail: 2,000,000 yuan a claim at most.
    assert Decimal("2000000.00") >= max(claims["total"])


def test_dates_within_the_year_and_sorted() -> None:
    """Claims of a leap year fall within it, in date order, claim ids in that order."""
    _, claims = synthetic_population(3000, seed=5, year=2020)
    dates = list(claims["date"])
    assert dt.date(2020, 1, 1) <= min(dates)
    assert dt.date(2020, 12, 31) >= max(dates)
    assert sorted(dates) == dates
    assert sorted(claims["claim_id"]) == list(claims["claim_id"])


def test_registered_poor_share_is_the_source_share(
    drawn: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """The poor share is 30362 / 1720000 = 1.765% (source text), within 4 standard errors."""
    people, _ = drawn
    p = 30362 / 1720000  # 0.017652
    se = (p * (1 - p) / N) ** 0.5  # 0.00066 for N = 40,000
    assert abs(people["poor"].mean() - p) < 4 * se


def test_sangzhi_has_the_highest_poor_share(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Sangzhi (weight 2.0) has a higher poor share than Cili (1.0) and Yongding (0.6)."""
    people, _ = drawn
    share = people.groupby("county")["poor"].mean()
    assert share["sangzhi"] > share["cili"] > share["yongding"]


def test_county_shares(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Each county's population share is its documented share within 0.01."""
    people, _ = drawn
    expected = _value("county_share")
    assert isinstance(expected, dict)
    actual = people["county"].value_counts(normalize=True)
    for county, share in expected.items():
        assert abs(share - actual[county]) < 0.01, county


def test_use_rates(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Admissions per person-year: 0.19 not poor (±0.015), and more often for the poor."""
    people, claims = drawn
    inpatient = claims[claims["kind"] == "inpatient"]
    per_person = inpatient.groupby("person_id").size().reindex(people["person_id"], fill_value=0)
    poor = people.set_index("person_id")["poor"]
    # Gamma-Poisson counts: variance 0.19 + 0.19² / 0.6 = 0.25, so the mean's standard
    # error over ~39,300 persons is 0.0025; 0.015 is six of them.
    assert abs(0.19 - per_person[~poor].mean()) < 0.015
    outpatient = claims[claims["kind"] == "outpatient"].groupby("person_id").size()
    outpatient = outpatient.reindex(people["person_id"], fill_value=0)
    assert abs(2.0 - outpatient[~poor].mean()) < 0.1
    assert outpatient[poor].mean() > outpatient[~poor].mean()


def test_facilities(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """No admissions at village clinics; named facilities are municipal; provincial has no county."""
    people, claims = drawn
    inpatient = claims[claims["kind"] == "inpatient"]
    assert "village_clinic" not in set(inpatient["facility_level"])
    named = claims[claims["facility_id"].notna()]
    assert {"municipal"} == set(named["facility_level"])
    assert {"zjj-peoples-hospital", "zjj-tcm-hospital"} == set(named["facility_id"])
    assert bool(
        claims.loc[claims["facility_level"] == "provincial", "facility_county"].isna().all()
    )
    local = claims[
        claims["facility_level"].isin(["village_clinic", "township", "community", "county"])
    ]
    home = local["person_id"].map(people.set_index("person_id")["county"])
    away = (local["facility_county"] != home).mean()
    # other_county_share: 0.06 not poor, 0.03 poor; the mix is almost all not poor.
    assert 0.05 < away < 0.07


def test_tier_mix_and_in_scope_share(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """County hospitals take 45% of non-poor admissions (±2 pts); in-scope share there ≈ 0.88."""
    people, claims = drawn
    poor_ids = set(people.loc[people["poor"], "person_id"])
    inpatient = claims[(claims["kind"] == "inpatient") & ~claims["person_id"].isin(poor_ids)]
    assert abs(0.45 - (inpatient["facility_level"] == "county").mean()) < 0.02
    county = claims[claims["facility_level"] == "county"]
    share = (county["in_scope"].map(float) / county["total"].map(float)).mean()
    assert abs(0.88 - share) < 0.01


def test_costs_by_level_and_heavy_tail(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Median admission cost rises with the level; the Pareto tail reaches far above it."""
    _, claims = drawn
    inpatient = claims[claims["kind"] == "inpatient"].copy()
    inpatient["yuan"] = inpatient["total"].map(float)
    median = inpatient.groupby("facility_level")["yuan"].median()
    assert median["township"] < median["county"] < median["municipal"] < median["provincial"]
    # Body median 6000 at county hospitals, nudged up ~3% by the 3% tail draws.
    assert 5400 < median["county"] < 6600
    assert inpatient["yuan"].max() > 20 * inpatient["yuan"].median()


def test_accidents_only_among_admissions(drawn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Accidents are 8% of admissions (±1.5 pts) and never outpatient visits."""
    _, claims = drawn
    assert not bool(claims.loc[claims["kind"] == "outpatient", "accident"].any())
    share = claims.loc[claims["kind"] == "inpatient", "accident"].mean()
    assert abs(0.08 - share) < 0.015


def test_parameters_are_documented() -> None:
    """The poor count and the population cite the source text; the county shares are assumed."""
    # Descriptions, references and the reasons of assumed values are required by the reader
    # (test_parameter_file_is_validated, test_malformed_parameter_file_refused).
    params = population_parameters()
    assert not params["registered_poor"].assumed
    assert "30362" in params["registered_poor"].reference
    assert not params["population"].assumed
    assert "172万" in params["population"].reference
    assert params["county_share"].assumed


def test_parameter_file_is_validated(tmp_path: Path) -> None:
    """An assumed parameter without a reason is refused with its key path."""
    path = tmp_path / "pop.yaml"
    path.write_text(
        "format: zjj-medical-population/1\nparameters:\n"
        "  x: {description: d, reference: r, value: 1, assumed: true}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        PolicyError, match=r"parameters\.x\.reason: an assumed value needs a reason"
    ):
        population_parameters(path)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ("3", r"parameters: expected a non-empty mapping of parameters"),
        (
            "\n  x: {description: d, reference: r, value: 1, assumed: 'yes', reason: q}",
            r"parameters\.x\.assumed: expected true or false, got 'yes'",
        ),
        ("\n  x: {description: d, reference: r, value: -1}", r"parameters\.x\.value: '-1' is not"),
        ("\n  x: {description: d, reference: r, valeu: 1}", r"parameters\.x\.valeu: unknown key"),
    ],
)
def test_malformed_parameter_file_refused(tmp_path: Path, parameters: str, message: str) -> None:
    """A malformed parameter file is refused with a PolicyError naming the key path."""
    path = tmp_path / "pop.yaml"
    path.write_text(f"format: zjj-medical-population/1\nparameters: {parameters}\n", "utf-8")
    with pytest.raises(PolicyError, match=message):
        population_parameters(path)


def test_negative_size_refused() -> None:
    """A negative number of persons is an error."""
    with pytest.raises(ValueError, match="n_people"):
        synthetic_population(-1, seed=1)
