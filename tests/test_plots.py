"""Figures: the curve's numbers worked by hand, the axes and lines each figure draws, PNGs written."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")  # headless, before anything imports pyplot

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from reference import INPATIENT_LAYERS, OUTPATIENT_LAYERS
from zjj_medical.analysis.metrics import summarize
from zjj_medical.analysis.plots import (
    curve_data,
    curve_figure,
    fund_cost_figure,
    out_of_pocket_figure,
    save_figures,
)
from zjj_medical.analysis.reform import Comparison, compare
from zjj_medical.batch import simulate
from zjj_medical.policy import load_policy

D = Decimal
INPATIENT_TIERS = ["township", "community", "county", "municipal", "provincial"]


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    people = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "poor": [False, True, False],
            "county": ["cili", "sangzhi", "cili"],
        }
    )
    claims = pd.DataFrame(
        {
            "claim_id": ["C1", "C2", "C3"], "person_id": ["P1", "P2", "P3"],
            "kind": ["inpatient"] * 3, "date": ["2019-05-01"] * 3, "facility_id": [None] * 3,
            "facility_level": ["county", "county", "township"],
            "facility_county": ["cili", "sangzhi", "cili"],
            "total": ["10500", "20000", "3000"], "in_scope": ["10500", "18000", "3000"],
        }
    )  # fmt: skip
    return compare(
        claims, people, None, {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"}
    )


def test_curve_data_worked_points() -> None:
    """County hospital, in-scope 90%: poor get 85% (backstop); others (in-scope − 500) × 0.75."""
    data = curve_data(points=2, low=10000, high=100000)
    assert INPATIENT_TIERS == list(dict.fromkeys(t for t, _ in data))
    # poor, 10,000: basic 9,000 × 0.85 = 7,650, backstop to round(0.85 × 10,000) = 8,500
    assert (D("10000.00"), D("8500.00"), D("1500.00")) == data[("county", True)][0]
    # not poor, 10,000: (9,000 − 500) × 0.75 = 6,375; CI base 2,625 < 10,000
    assert (D("10000.00"), D("6375.00"), D("3625.00")) == data[("county", False)][0]
    # not poor, township, 100,000: basic (90,000 − 200) × 1.00 = 89,800; CI base 200 → 0
    assert (D("100000.00"), D("89800.00"), D("10200.00")) == data[("township", False)][1]


def test_curve_data_refuses_a_bad_share() -> None:
    """An in-scope share above 1 is refused."""
    with pytest.raises(ValueError, match="in_scope_share"):
        curve_data(in_scope_share="1.2", points=2)


def test_curve_figure_axes_and_lines() -> None:
    """Four panels (ratio and out-of-pocket × not poor and poor), one line per inpatient tier."""
    fig = curve_figure(points=4)
    assert isinstance(fig, Figure)
    assert 4 == len(fig.axes)
    for ax in fig.axes:
        assert INPATIENT_TIERS == [line.get_label() for line in ax.get_lines()]
        assert "log" == ax.get_xscale()
    assert "Registered poor: actual reimbursement ratio" == fig.axes[1].get_title()
    # the poor's county-tier ratio is 0.85 at every total (the fiscal backstop)
    county_line = fig.axes[1].get_lines()[INPATIENT_TIERS.index("county")]
    assert [0.85] * 4 == [round(float(y), 4) for y in county_line.get_ydata()]


def test_out_of_pocket_figure(comparison: Comparison) -> None:
    """Two distribution panels (baseline, reform, threshold) and a histogram of the changes."""
    fig = out_of_pocket_figure(comparison)
    assert 3 == len(fig.axes)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert ["baseline (zhangjiajie)", "reform (reform)", "catastrophic (2,400)"] == labels
    # P1 alone changes: (10,500 − 500) × 0.05 = 500 less out-of-pocket
    assert "Change per person (1 of 3 changed)" == fig.axes[2].get_title()


def test_fund_cost_figure(comparison: Comparison) -> None:
    """One bar per layer for a run; two per layer for a comparison; the bars in 10,000 yuan."""
    layers = len(comparison.layers)
    one = fund_cost_figure(comparison.baseline)
    assert layers == len(one.axes[0].patches)
    two = fund_cost_figure(comparison)
    assert 2 * layers == len(two.axes[0].patches)
    # basic insurance, baseline: 7,500 + 18,000 × 0.85 + 2,800 = 25,600 yuan = 2.56 × 10,000
    assert pytest.approx(2.56) == two.axes[0].patches[0].get_width()


def test_fund_cost_figure_of_a_summary_without_claims() -> None:
    """A summary of an empty run still draws its layers, each bar of width 0."""
    claims = pd.DataFrame(
        columns=["claim_id", "person_id", "kind", "date", "facility_id", "facility_level",
                 "facility_county", "total", "in_scope"]
    )  # fmt: skip
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    # without dates and without a policy the latest built-in would settle: name the 2019 one
    result = simulate(claims, people, policy=load_policy("zhangjiajie"), money="fen")
    fig = fund_cost_figure(summarize(result, people, claims=claims))
    bars = fig.axes[0].patches
    # the 2019 built-in policy's six inpatient layers and outpatient pooling, nothing paid
    assert [*INPATIENT_LAYERS, *OUTPATIENT_LAYERS] == [
        t.get_text() for t in fig.axes[0].get_yticklabels()
    ]
    assert [0.0] * 7 == [bar.get_width() for bar in bars]


def test_save_figures_writes_pngs(tmp_path: Path, comparison: Comparison) -> None:
    """save_figures writes one PNG per figure into a new directory."""
    paths = save_figures(
        {
            "fund_cost": fund_cost_figure(comparison),
            "out_of_pocket": out_of_pocket_figure(comparison),
        },
        tmp_path / "plots",
    )
    assert ["fund_cost.png", "out_of_pocket.png"] == [p.name for p in paths]
    for p in paths:
        assert b"\x89PNG" == p.read_bytes()[:4]


def test_no_pyplot_state(comparison: Comparison) -> None:
    """Building figures registers none with pyplot (no global state, nothing to close)."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fund_cost_figure(comparison)
    curve_figure(points=2)
    assert before == plt.get_fignums()
