"""The one exact money type of result frames: Decimal yuan in an Arrow decimal128(18, 2)
column — exact values and sums, and pandas plots it."""

from __future__ import annotations

from decimal import Decimal

import matplotlib
import numpy as np
import pandas as pd
import pytest

from zjj_medical.analysis.metrics import MONEY_DTYPE, fen_column, summarize
from zjj_medical.analysis.reform import compare
from zjj_medical.batch import money_from_fen, simulate

matplotlib.use("Agg")

PEOPLE = pd.DataFrame({"person_id": ["P1", "P2"], "poor": [True, False],
                       "county": ["sangzhi", "cili"]})  # fmt: skip
CLAIMS = pd.DataFrame({
    "claim_id": ["C1", "C2", "V1"], "person_id": ["P1", "P2", "P2"],
    "kind": ["inpatient", "inpatient", "outpatient"],
    "date": ["2019-11-03", "2019-05-01", "2019-10-01"],
    "facility_id": [None, None, None], "facility_level": ["county", "county", "township"],
    "facility_county": ["sangzhi", "cili", "cili"],
    "total": ["20000.00", "10500.00", "300.10"], "in_scope": ["18000.00", "10500.00", "300.10"],
})  # fmt: skip


def test_fund_cost_plots_and_stays_exact() -> None:
    """The plot call of a notebook works, and each amount is the exact Decimal.

    By hand: C1 (poor, county, in county) basic 18,000 × 0.85 = 15,300.00 and the backstop
    lifts it to 85 % of 20,000 = 17,000: 1,700.00; C2 (not poor) (10,500 − 500) × 0.75 =
    7,500.00; V1 outpatient pooling 300.10 × 0.70 = 210.07. Basic insurance 22,800.00.
    """
    import matplotlib.pyplot as plt

    summary = summarize(simulate(CLAIMS, PEOPLE, money="fen"), PEOPLE, claims=CLAIMS)
    plt.close("all")  # a fresh figure: the call below draws on the current axes
    ax = summary.fund_cost.set_index("layer")["amount"].plot.bar()
    s = summary
    amounts = s.fund_cost.set_index("layer")["amount"]
    heights = {
        t.get_text(): p.get_height() for t, p in zip(ax.get_xticklabels(), ax.patches, strict=True)
    }
    plt.close("all")
    assert heights["basic_insurance"] == pytest.approx(22800.00)
    assert amounts.dtype == MONEY_DTYPE
    assert Decimal("22800.00") == amounts["basic_insurance"]
    assert Decimal("1700.00") == amounts["fiscal_backstop"]
    assert Decimal("210.07") == amounts["outpatient_pooling"]
    assert Decimal("24710.07") == amounts.sum()  # 22,800 + 1,700 + 210.07, exact
    assert Decimal("24710.07") == s.totals.loc["all", "reimbursed"]


def test_totals_and_percentiles_have_the_money_type() -> None:
    s = summarize(simulate(CLAIMS, PEOPLE, money="fen"), PEOPLE, claims=CLAIMS)
    for column in ("total_cost", "reimbursed", "out_of_pocket"):
        assert s.totals[column].dtype == MONEY_DTYPE
    for group in ("all", "poor", "not_poor"):
        assert s.out_of_pocket[group].dtype == MONEY_DTYPE
    # C1 leaves the poor person 20,000 − 17,000 = 3,000.00 for the year.
    assert Decimal("3000.00") == s.out_of_pocket.loc[100, "poor"]
    assert s.to_dict()["fund_cost"][0]["amount"] == "22800.00"


def test_simulate_decimal_money_is_the_same_fen() -> None:
    """money="decimal" is the fen of money="fen", as exact Decimal yuan (0.10 stays 0.10)."""
    fen = simulate(CLAIMS, PEOPLE, money="fen")
    dec = simulate(CLAIMS, PEOPLE, money="decimal")
    assert dec["reimbursed"].dtype == MONEY_DTYPE
    assert Decimal("210.07") == dec.loc[2, "outpatient_pooling"]
    for column in ("basic_insurance", "reimbursed", "patient_pay"):
        assert fen[column].tolist() == fen_column(dec[column]).tolist()
    summary = summarize(dec, PEOPLE, claims=CLAIMS)
    assert Decimal("24710.07") == summary.totals.loc["all", "reimbursed"]


def test_comparison_money_plots() -> None:
    import matplotlib.pyplot as plt

    c = compare(CLAIMS, PEOPLE, None,
                {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"})  # fmt: skip
    assert c.layers["change"].dtype == MONEY_DTYPE
    # C2: (10,500 − 500) × 0.05 = +500.00; C1 basic +900 (0.95 × 18,000 = 17,100) and the
    # backstop −900, so the total change is +500.00.
    assert Decimal("500.00") == c.layers["change"].sum()
    plt.close("all")
    c.layers["change"].plot.bar()
    plt.close("all")


def test_money_from_fen_round_trips() -> None:
    fen = np.array([0, 1, 10, 123456789012, -5, 99])
    assert fen.tolist() == fen_column(money_from_fen(fen)).tolist()
    assert [Decimal("0.00"), Decimal("0.01"), Decimal("0.10")] == money_from_fen(fen).tolist()[:3]
