"""Batch-run metrics on small results whose figures are worked by hand (money in fen)."""

from decimal import Decimal

import pandas as pd
import pytest

from reference import INPATIENT_LAYERS, OUTPATIENT_LAYERS
from zjj_medical.analysis.metrics import DEFAULT_CATASTROPHIC_THRESHOLD, Summary, summarize
from zjj_medical.analysis.population import population_parameters
from zjj_medical.batch import simulate

D = Decimal
#: The built-in policy's layers in policy order: the inpatient ones, then outpatient pooling.
LAYERS = [*INPATIENT_LAYERS, *OUTPATIENT_LAYERS]

# Persons: P1 and P2 registered poor (sangzhi), P3 and P4 not poor (cili); P4 has no claims.
PEOPLE = pd.DataFrame(
    {
        "person_id": ["P1", "P2", "P3", "P4"],
        "poor": [True, True, False, False],
        "county": ["sangzhi", "sangzhi", "cili", "cili"],
    }
)
# One row per claim, in fen, as simulate(money="fen") returns it:
# C1 P1 in-county admission, total 20,000.00: basic 15,300.00 + backstop 1,700.00 = 17,000.00.
# C2 P1 in-county visit, total 100.00: outpatient pooling 70.00.
# C3 P2 municipal admission (out-of-county), total 10,000.00: basic 6,500.00.
# C4 P3 in-county admission, total 10,000.00: basic 6,375.00.
# C5 P3 not settled (sub-fen amount).
# C6 P1 in-county admission, total 100.05: basic 80.00 + backstop 5.04 = 85.04 = round(0.85 × 100.05).
ROWS = [
    (
        "C1",
        "P1",
        "inpatient",
        True,
        {"basic_insurance": 1530000, "fiscal_backstop": 170000},
        300000,
    ),
    ("C2", "P1", "outpatient", True, {"outpatient_pooling": 7000}, 3000),
    ("C3", "P2", "inpatient", False, {"basic_insurance": 650000}, 350000),
    ("C4", "P3", "inpatient", True, {"basic_insurance": 637500}, 362500),
    ("C5", "P3", "inpatient", False, {}, 0),
    ("C6", "P1", "inpatient", True, {"basic_insurance": 8000, "fiscal_backstop": 504}, 1501),
]
ERROR = (
    "InvalidClaim: claim C5: total: 1.234 has more than 2 decimal places "
    "(accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56')"
)


def _result() -> pd.DataFrame:
    records = []
    for cid, pid, _, in_county, pays, patient in ROWS:
        row = {"claim_id": cid, "person_id": pid, "in_county": in_county, "pay_later": False}
        row.update({layer: pays.get(layer, 0) for layer in LAYERS})
        row["reimbursed"] = sum(pays.values())
        row["patient_pay"] = patient
        row["actual_ratio"] = float("nan")
        row["error"] = ERROR if cid == "C5" else None
        row["error_type"] = "InvalidClaim" if cid == "C5" else None
        row["error_field"] = "total" if cid == "C5" else None
        row["error_code"] = "claim.cell.money.decimals" if cid == "C5" else None
        records.append(row)
    return pd.DataFrame(records)


def _claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": [r[0] for r in ROWS],
            "person_id": [r[1] for r in ROWS],
            "kind": [r[2] for r in ROWS],
            "date": ["2019-11-01"] * len(ROWS),
        }
    )


@pytest.fixture
def summary() -> Summary:
    return summarize(_result(), PEOPLE, claims=_claims())


def test_counts(summary: Summary) -> None:
    """6 rows: 5 settled, 1 error; 4 persons, 2 of them registered poor."""
    assert (6, 5, 1, 4, 2) == (
        summary.claims,
        summary.settled,
        summary.errors,
        summary.persons,
        summary.poor_persons,
    )


def test_totals(summary: Summary) -> None:
    """Totals, exact: all = 4,020,005 fen cost = 3,003,004 reimbursed + 1,017,001 out-of-pocket."""
    t = summary.totals
    # cost 2,000,000 + 10,000 + 1,000,000 + 1,000,000 + 10,005 = 4,020,005 fen
    assert D("40200.05") == t.loc["all", "total_cost"]
    # reimbursed 1,700,000 + 7,000 + 650,000 + 637,500 + 8,504 = 3,003,004 fen
    assert D("30030.04") == t.loc["all", "reimbursed"]
    # out-of-pocket 300,000 + 3,000 + 350,000 + 362,500 + 1,501 = 1,017,001 fen
    assert D("10170.01") == t.loc["all", "out_of_pocket"]
    # poor (C1, C2, C3, C6): cost 3,020,005; reimbursed 2,365,504; out-of-pocket 654,501
    assert [D("30200.05"), D("23655.04"), D("6545.01")] == [
        t.loc["poor", "total_cost"],
        t.loc["poor", "reimbursed"],
        t.loc["poor", "out_of_pocket"],
    ]
    # not poor (C4): 637,500 ÷ 1,000,000 = 0.6375
    assert D("0.6375") == t.loc["not_poor", "actual_ratio"]
    assert [4, 2, 2] == t["persons"].tolist()
    assert [5, 4, 1] == t["claims"].tolist()


def test_fund_cost_by_layer(summary: Summary) -> None:
    """basic 15,300 + 6,500 + 6,375 + 80 = 28,255.00; backstop 1,700 + 5.04; outpatient 70."""
    cost = summary.fund_cost.set_index("layer")
    assert LAYERS == list(cost.index)
    assert D("28255.00") == cost.loc["basic_insurance", "amount"]
    assert D("1705.04") == cost.loc["fiscal_backstop", "amount"]
    assert D("70.00") == cost.loc["outpatient_pooling", "amount"]
    assert D("0.00") == cost.loc["critical_illness", "amount"]
    assert [4, 2, 1] == [
        cost.loc["basic_insurance", "claims_paid"], cost.loc["fiscal_backstop", "claims_paid"],
        cost.loc["outpatient_pooling", "claims_paid"],
    ]  # fmt: skip
    # 2,825,500 ÷ 3,003,004 = 0.94089… → 0.9409
    assert D("0.9409") == cost.loc["basic_insurance", "share"]
    assert "基本医疗保险" == cost.loc["basic_insurance", "name"]


def test_poor_targets(summary: Summary) -> None:
    """The poor's in-county admissions (C1, C6) reach 85%; 3 of 4 poor claims are in-county."""
    poor = summary.poor
    # (1,700,000 + 8,504) ÷ (2,000,000 + 10,005) = 0.8499998… → 0.8500; target 0.85 from the policy
    assert D("0.8500") == poor.loc["in_county_actual_ratio", "value"]
    assert D("0.85") == poor.loc["in_county_actual_ratio", "target"]
    assert poor.loc["in_county_actual_ratio", "met"] is True
    # C6: 8,504 ≥ round(0.85 × 10,005 = 8,504.25) = 8,504, so both admissions reach it
    assert D("1.0000") == poor.loc["claims_reaching_target", "value"]
    # P1's year: 1,708,504 ÷ 2,010,005 → 0.8500 ≥ 0.85; P2 has no in-county admission
    assert D("1.0000") == poor.loc["persons_reaching_target", "value"]
    # in-county: C1, C2, C6 of C1, C2, C3, C6 = 0.75 < 0.85
    assert D("0.7500") == poor.loc["in_county_treatment_rate", "value"]
    assert poor.loc["in_county_treatment_rate", "met"] is False
    # admissions C1, C3, C6; in-county C1, C6: 2 ÷ 3 = 0.6667
    assert D("0.6667") == poor.loc["in_county_inpatient_rate", "value"]


def test_out_of_pocket_percentiles(summary: Summary) -> None:
    """Per person-year: P1 3,045.01, P2 3,500.00, P3 3,625.00 (C5 left out), P4 0; nearest rank."""
    oop = summary.out_of_pocket
    # all, sorted [0, 3045.01, 3500.00, 3625.00]: P50 → rank ⌈0.5·4⌉ = 2, P75 → 3, P90 → ⌈3.6⌉ = 4
    assert [D("3045.01"), D("3500.00"), D("3625.00"), D("3625.00")] == [
        oop.loc[50, "all"],
        oop.loc[75, "all"],
        oop.loc[90, "all"],
        oop.loc[100, "all"],
    ]
    # poor [3045.01, 3500.00]: P50 → rank 1, P75 → rank ⌈1.5⌉ = 2
    assert [D("3045.01"), D("3500.00")] == [oop.loc[50, "poor"], oop.loc[75, "poor"]]
    # not poor [0, 3625.00]: P50 → rank 1
    assert D("0.00") == oop.loc[50, "not_poor"]


def test_catastrophic_default_threshold(summary: Summary) -> None:
    """Above 2,400 (40% × 6,000): P1, P2 and P3, so 3 of 4, both poor, 1 of 2 others."""
    c = summary.catastrophic
    assert D("2400.00") == summary.catastrophic_threshold
    assert [3, 2, 1] == c["catastrophic"].tolist()
    assert [D("0.7500"), D("1.0000"), D("0.5000")] == c["share"].tolist()
    assert D("1.0000") == summary.indicator("catastrophic_share")


def test_catastrophic_threshold_is_strictly_above() -> None:
    """With 3,500: P2's 3,500.00 is not above it; only P3's 3,625.00 is."""
    s = summarize(_result(), PEOPLE, claims=_claims(), catastrophic_threshold="3500")
    assert [1, 0, 1] == s.catastrophic["catastrophic"].tolist()


def test_default_threshold_comes_from_the_population_file() -> None:
    """The default threshold is poor_income × catastrophic_share = 6000 × 0.40 = 2400."""
    params = population_parameters()
    income, share = params["poor_income"].value, params["catastrophic_share"].value
    assert isinstance(income, float)
    assert isinstance(share, float)
    assert D("2400.00") == DEFAULT_CATASTROPHIC_THRESHOLD
    assert 2400 == round(income * share)


def test_missing_poor_flag_is_not_poor() -> None:
    """A person whose poor cell is empty (NaN, as a CSV read as text gives it) is not poor."""
    p5 = pd.DataFrame({"person_id": ["P5"], "poor": [float("nan")], "county": ["cili"]})
    s = summarize(_result(), pd.concat([PEOPLE, p5], ignore_index=True), claims=_claims())
    # poor: P1, P2; not poor: P3, P4 and P5 (who has no claims)
    assert (5, 2) == (s.persons, s.poor_persons)
    assert [5, 2, 3] == s.totals["persons"].tolist()


def test_errors_grouped(summary: Summary) -> None:
    """The unsettled row is grouped by type and field, with its message as the example."""
    table = summary.error_table
    assert [("InvalidClaim", "total", 1)] == list(
        zip(table["type"], table["field"], table["count"], strict=True)
    )
    assert ERROR == table.loc[0, "example"]


def test_yuan_result_gives_the_same_summary() -> None:
    """A result in float yuan (simulate's default) sums to the same exact figures."""
    fen = _result()
    yuan = fen.copy()
    for col in [*LAYERS, "reimbursed", "patient_pay"]:
        yuan[col] = fen[col] / 100.0
    a = summarize(fen, PEOPLE, claims=_claims()).to_dict()
    b = summarize(yuan, PEOPLE, claims=_claims()).to_dict()
    assert a == b


def test_without_claims_every_in_county_claim_counts() -> None:
    """Without the claims table the ratio counts C2 too: 1,715,504 ÷ 2,020,005 = 0.84926 → 0.8493."""
    s = summarize(_result(), PEOPLE)
    assert D("0.8493") == s.indicator("in_county_actual_ratio")
    assert "in_county_inpatient_rate" not in s.poor.index


def test_to_dict_is_json_ready(summary: Summary) -> None:
    """to_dict gives money as text with two places and rows as mappings."""
    import json

    d = summary.to_dict()
    json.dumps(d)
    assert "28255.00" == next(
        r["amount"] for r in d["fund_cost"] if r["layer"] == "basic_insurance"
    )
    assert "all" == d["totals"][0]["group"]


def test_claims_of_another_run_refused() -> None:
    """A claims table with another number of rows than the result is refused."""
    with pytest.raises(ValueError, match="claims: 2 rows"):
        summarize(_result(), PEOPLE, claims=_claims().head(2))


def test_through_the_engine() -> None:
    """End to end: SPEC §3.1/§3.3 worked claims settle and sum as computed by hand."""
    people = pd.DataFrame(
        {"person_id": ["P1", "P2"], "poor": [True, False], "county": ["sangzhi", "cili"]}
    )
    claims = pd.DataFrame(
        {
            "claim_id": ["C1", "C2"], "person_id": ["P1", "P2"], "kind": ["inpatient"] * 2,
            "date": ["2019-11-03"] * 2, "facility_id": [None, None],
            "facility_level": ["county", "county"], "facility_county": ["sangzhi", "cili"],
            "total": ["20000.00", "10000.00"], "in_scope": ["18000.00", "9000.00"],
        }
    )  # fmt: skip
    s = summarize(simulate(claims, people, money="fen"), people, claims=claims)
    cost = s.fund_cost.set_index("layer")["amount"]
    # P1 poor: 18,000 × (0.75 + 0.10) = 15,300; P2: (9,000 − 500) × 0.75 = 6,375
    assert D("21675.00") == cost["basic_insurance"]
    # P1 backstop: round(0.85 × 20,000) − 15,300 = 1,700
    assert D("1700.00") == cost["fiscal_backstop"]
    # out-of-pocket: 20,000 − 17,000 = 3,000 and 10,000 − 6,375 = 3,625
    assert D("6625.00") == s.totals.loc["all", "out_of_pocket"]


def test_errors_grouped_by_the_error_columns_not_the_words() -> None:
    """The error table reads error_type and error_field, whatever the message says."""
    result = _result()
    c5 = result["claim_id"] == "C5"
    result.loc[c5, "error"] = "InvalidClaim: a message in other words"
    result.loc[c5, "error_field"] = "in_scope"
    table = summarize(result, PEOPLE, claims=_claims()).error_table
    assert [("InvalidClaim", "in_scope", 1)] == list(
        zip(table["type"], table["field"], table["count"], strict=True)
    )
    old = result.drop(columns=["error_type", "error_field", "error_code"])
    table = summarize(old, PEOPLE, claims=_claims()).error_table
    assert [("", "", 1)] == list(zip(table["type"], table["field"], table["count"], strict=True))


@pytest.mark.parametrize("id_dtype", ["str", object])
def test_ids_as_arrow_text_or_python_objects_give_the_same_summary(id_dtype: object) -> None:
    """Ids of pandas' Arrow text and ids as Python objects are joined alike; a person id
    given twice in the people table is read from its last row."""
    result, claims = _result(), _claims()
    result["person_id"] = result["person_id"].astype(id_dtype)
    twice = pd.concat(
        [pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]}), PEOPLE],
        ignore_index=True,
    )  # P1 first not poor, then poor (the row of the fixture): poor
    twice["person_id"] = twice["person_id"].astype(id_dtype)
    got = summarize(result, twice, claims=claims).to_dict()
    want = summarize(_result(), PEOPLE, claims=claims).to_dict()
    # the extra row is one more person (without claims), the rest is the fixture's summary
    assert got["persons"] == want["persons"] + 1
    assert got["fund_cost"] == want["fund_cost"]
    assert got["poor"] == want["poor"]
    # P1's claims count among the poor's (read from P1's last row): C1, C2, C6 and P2's C3
    assert [dict(g, persons=None) for g in got["totals"]] == [
        dict(g, persons=None) for g in want["totals"]
    ]
    assert got["totals"][1]["claims"] == 4
