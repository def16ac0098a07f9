"""Batch simulation (zjj_medical.batch.simulate) against settle through the ledger (SPEC §8.7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import person_years
from zjj_medical import (
    Claim,
    Facility,
    InvalidClaim,
    Ledger,
    Person,
    ReimbursementError,
    load_policy,
    settle,
)
from zjj_medical.batch import simulate, simulate_scalar
from zjj_medical.money import to_fen
from zjj_medical.policy.model import Policy

SHAPES = sorted((Path(__file__).parent / "fixtures" / "policies" / "shapes").glob("*.yaml"))
MONEY = ("reimbursed", "patient_pay")


def _opt(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def expected_rows(
    claims: pd.DataFrame, people: pd.DataFrame, policy: Policy
) -> list[dict[str, Any]]:
    """Settle the tables claim by claim with settle() and a ledger per person-year."""
    persons = {}
    for p in people.to_dict("records"):
        cats = p.get("categories") or ""
        attrs = {a: p[a] for a in policy.person_attributes if _opt(p.get(a)) is not None}
        persons[p["person_id"]] = Person(
            p["person_id"], poor=bool(p["poor"]), county=p["county"],
            categories=tuple(c for c in cats.split(";") if c), attributes=attrs,
        )  # fmt: skip
    out: list[dict[str, Any]] = [{} for _ in range(len(claims))]
    todo = []
    for i, c in enumerate(claims.to_dict("records")):
        try:
            attrs = {a: c[a] for a in policy.claim_attributes if _opt(c.get(a)) is not None}
            claim = Claim(
                c["claim_id"], c["kind"], c["date"],
                Facility(*(_opt(c[k]) for k in ("facility_id", "facility_level", "facility_county"))),
                c["total"], c["in_scope"], bool(c["accident"]), attrs,
            )  # fmt: skip
            if c["person_id"] not in persons:
                raise InvalidClaim("unknown person")
        except (ReimbursementError, ValueError) as exc:
            out[i] = {"error": type(exc).__name__}
            continue
        todo.append((c["person_id"], claim.date.year, claim.date, claim.id, i, claim))
    ledgers: dict[tuple[str, int], Ledger] = {}
    for pid, year, _, _, i, claim in sorted(todo, key=lambda t: t[:5]):
        try:
            s = settle(claim, persons[pid], policy=policy, ledger=ledgers.get((pid, year)))
        except ReimbursementError as exc:
            out[i] = {"error": type(exc).__name__}
            continue
        ledgers[(pid, year)] = s.ledger
        row: dict[str, Any] = {layer.id: 0 for layer in policy.layers}
        row.update({k: to_fen(v) for k, v in s.payments.items()})
        row.update(
            error=None, in_county=s.in_county, pay_later=s.pay_later,
            reimbursed=to_fen(s.reimbursed), patient_pay=to_fen(s.patient_pay),
            actual_ratio=None if s.actual_ratio is None else float(s.actual_ratio),
        )  # fmt: skip
        out[i] = row
    return out


def assert_matches_settle(
    claims: pd.DataFrame, people: pd.DataFrame, policy: Policy, *, messages: bool = False
) -> None:
    """Every row and every column of simulate equals settle through the ledger, to the fen.

    With ``messages``, the whole table (error messages included) also equals simulate_scalar's.
    """
    got = simulate(claims, people, policy=policy, money="fen")
    assert list(claims["claim_id"]) == list(got["claim_id"])
    expected = expected_rows(claims, people, policy)
    layers = [layer.id for layer in policy.layers]
    for i, exp in enumerate(expected):
        row = got.iloc[i]
        if exp.get("error"):
            assert exp["error"] == str(row["error"]).split(":")[0], (i, row["error"])
            assert [0] * (len(layers) + 2) == [row[k] for k in (*layers, *MONEY)]
            continue
        assert row["error"] is None, (i, row["error"])
        actual = {k: row[k] for k in exp if k != "actual_ratio"}
        assert {k: v for k, v in exp.items() if k != "actual_ratio"} == actual, i
        ratio = row["actual_ratio"]
        assert exp["actual_ratio"] == (None if np.isnan(ratio) else ratio), i
    yuan = simulate(claims, people, policy=policy)
    for column in (*layers, *MONEY):
        assert [f"{v / 100:.2f}" for v in got[column]] == [f"{v:.2f}" for v in yuan[column]]
    if messages:
        scalar = simulate_scalar(claims, people, policy=policy, money="fen")
        pd.testing.assert_frame_equal(scalar, got)


def _values(attribute: Any, rng: np.random.Generator, n: int) -> list[Any]:
    if attribute.type == "bool":
        return [bool(v) for v in rng.random(n) < 0.5]
    values = list(attribute.values) + ([None] if attribute.default is not None else [])
    return [values[k] for k in rng.integers(0, len(values), n)]


def random_tables(
    policy: Policy, seed: int, n_people: int, n_claims: int, bad: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claims of many shapes for a policy: heavy persons, every tier, key dates, bad rows."""
    rng = np.random.default_rng(seed)
    counties = list(policy.counties) or ["here", "there"]
    people = pd.DataFrame({
        "person_id": [f"P{i}" for i in range(n_people)],
        "poor": [bool(v) for v in rng.random(n_people) < 0.5],
        "county": [counties[k] for k in rng.integers(0, len(counties), n_people)],
        "categories": [
            ";".join(c for c in policy.categories if rng.random() < 0.3) for _ in range(n_people)
        ],
    })  # fmt: skip
    for name, attribute in policy.person_attributes.items():
        people[name] = _values(attribute, rng, n_people)
    heavy = rng.random(n_claims) < 0.3  # a few persons with dozens of claims each
    pid = np.where(heavy, rng.integers(0, 5, n_claims), rng.integers(0, n_people, n_claims))
    tiers = list(policy.tiers)
    kinds = list(policy.claim_kinds)
    facilities = [*policy.facilities, "H-other"]
    key_dates = [d for d in policy.change_dates if d.year < 2100] + [policy.start]
    dates = []
    for k in rng.integers(0, 3, n_claims):
        base = key_dates[rng.integers(0, len(key_dates))]
        if k == 0:
            dates.append(base + dt.timedelta(days=int(rng.integers(-2, 3))))
        else:
            dates.append(policy.start + dt.timedelta(days=int(rng.integers(0, 720))))
    big = rng.random(n_claims) < 0.3
    in_scope = np.where(
        big, rng.integers(0, 60_000_000, n_claims), rng.integers(0, 500_000, n_claims)
    )
    extra = rng.integers(0, 3_000_000, n_claims) * (rng.random(n_claims) < 0.6)
    total = in_scope + extra
    fid = [
        facilities[k] if rng.random() < 0.15 else None
        for k in rng.integers(0, 9, n_claims) % len(facilities)
    ]
    level = [tiers[k] for k in rng.integers(0, len(tiers), n_claims)]
    level = [
        None if f in policy.facilities and rng.random() < 0.5 else lv
        for f, lv in zip(fid, level, strict=True)
    ]
    claims = pd.DataFrame({
        "claim_id": [f"C{i}" for i in range(n_claims)],
        "person_id": [f"P{p}" for p in pid],
        "kind": [kinds[k] for k in rng.integers(0, len(kinds), n_claims)],
        "date": [d.isoformat() for d in dates],
        "facility_id": fid,
        "facility_level": level,
        "facility_county": [counties[k] for k in rng.integers(0, len(counties), n_claims)],
        "total": [f"{t // 100}.{t % 100:02d}" for t in total],
        "in_scope": [f"{t // 100}.{t % 100:02d}" for t in in_scope],
        "accident": [bool(v) for v in rng.random(n_claims) < 0.1],
    })  # fmt: skip
    for name, attribute in policy.claim_attributes.items():
        claims[name] = _values(attribute, rng, n_claims)
    if bad:
        for i in rng.choice(n_claims, n_claims // 50, replace=False):
            what = rng.integers(0, 6)
            if what == 0:
                claims.loc[i, "facility_level"] = "nowhere"
            elif what == 1:
                claims.loc[i, "in_scope"] = claims.loc[i, "total"] + "1"  # sub-fen or > total
            elif what == 2:
                claims.loc[i, "person_id"] = "P-unknown"
            elif what == 3:
                claims.loc[i, "date"] = (policy.start - dt.timedelta(days=1)).isoformat()
            elif what == 4:
                claims.loc[i, "claim_id"] = claims.loc[max(0, i - 1), "claim_id"]
            else:
                claims.loc[i, "kind"] = "dental"
    return claims, people


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_random_county_year_equals_settle_builtin(seed: int) -> None:
    """Thousands of claims (heavy persons, caps reached, key dates, bad rows) equal settle."""
    policy = load_policy()
    claims, people = random_tables(policy, seed, n_people=300, n_claims=4000)
    assert_matches_settle(claims, people, policy, messages=seed == 1)
    out = simulate(claims, people, policy=policy, money="fen")
    year = claims["date"].str[:4]
    per_year = out.groupby([out["person_id"], year])[["basic_insurance", "critical_illness"]].sum()
    # The heavy persons reach the basic cap (150,000.00) and, if not poor, the CI cap (300,000.00).
    assert 15_000_000 == per_year["basic_insurance"].max()
    assert 30_000_000 in set(per_year["critical_illness"])


@pytest.mark.slow
def test_random_county_year_equals_settle_example_county() -> None:
    """The example county's non-zero safety-net layers settle in batch as in settle."""
    policy = load_policy("example_county")
    claims, people = random_tables(policy, 7, n_people=250, n_claims=3000)
    paid = simulate(claims, people, policy=policy, money="fen")
    assert 0 < paid["medical_assistance"].sum()
    assert 0 < paid["special_poverty_insurance"].sum()
    assert 0 < paid["hospital_reduction"].sum()
    assert_matches_settle(claims, people, policy)


@pytest.mark.parametrize("path", SHAPES, ids=[p.stem for p in SHAPES])
def test_shape_policy_batch_equals_settle(path: Path) -> None:
    """Each SPEC §9 shape file settles in batch exactly as settle does."""
    policy = load_policy(str(path))
    claims, people = random_tables(policy, 3, n_people=60, n_claims=1200)
    assert_matches_settle(claims, people, policy, messages=True)


def _frames(
    drawn: list[tuple[dict[str, Any], list[dict[str, Any]]]], order: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    people, claims = [], []
    for k, (person, rows) in enumerate(drawn):
        pid = f"{person['id']}-{k}"
        people.append({"person_id": pid, "poor": person["poor"], "county": person["county"]})
        for c in rows:
            f = c["facility"]
            claims.append({
                "claim_id": c["id"], "person_id": pid, "kind": c["kind"], "date": c["date"],
                "facility_id": f["id"], "facility_level": f["level"], "facility_county": f["county"],
                "total": c["total"], "in_scope": c["in_scope"], "accident": c["accident"],
            })  # fmt: skip
    claims = [claims[i % len(claims)] for i in order] if claims else []
    return pd.DataFrame(claims), pd.DataFrame(people)


#: Ways to spoil a row: each must give that row an error and leave the others settling.
SPOIL = {
    "level": ("facility_level", "moon"),
    "sub_fen": ("total", "100.001"),
    "float_sub_fen": ("total", 0.1 + 0.2),
    "above_max": ("total", 10**14),
    "digits_29": ("total", "1234567890.1234567890123456789"),
    "exponent_400": ("in_scope", "1e400"),
    "person": ("person_id", "nobody"),
    "before_policy": ("date", "2018-12-31"),
    "duplicate": ("claim_id", None),  # the id of the row before
}


@given(
    st.lists(person_years(max_claims=6), min_size=1, max_size=3),
    st.permutations(range(18)),
    st.lists(st.tuples(st.integers(0, 17), st.sampled_from(sorted(SPOIL))), max_size=3),
)
def test_property_batch_equals_settle(
    drawn: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    order: list[int],
    spoiled: list[tuple[int, str]],
) -> None:
    """SPEC §8.7: any person-years, in any row order, with bad rows mixed in, settle as settle does."""
    n = sum(len(rows) for _, rows in drawn)
    claims, people = _frames(drawn, [i for i in order if i < n])
    for i, how in spoiled:
        column, value = SPOIL[how]
        at = i % n
        if not isinstance(value, str | None):  # a number among texts: a column of objects
            claims[column] = claims[column].astype(object)
        claims.loc[at, column] = value if value is not None else claims.loc[max(0, at - 1), column]
    assert_matches_settle(claims, people, load_policy(), messages=True)


def _one_claim(**over: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame({"person_id": ["P1"], "poor": [True], "county": ["sangzhi"]})
    row = {
        "claim_id": "C1", "person_id": "P1", "kind": "inpatient", "date": "2019-11-03",
        "facility_id": None, "facility_level": "county", "facility_county": "sangzhi",
        "total": "20000.00", "in_scope": "18000.00",
    }  # fmt: skip
    row.update(over)
    return pd.DataFrame([row]), people


def test_worked_example_poor_in_county() -> None:
    """A poor person's county admission: basic, backstop, patient pay worked by hand (SPEC §3)."""
    out = simulate(*_one_claim())
    # basic: deductible waived, ratio 0.75 + 0.10 = 0.85; 18000 × 0.85 = 15300.
    # critical illness: x = 18000 − 15300 = 2700 < 5000 (deductible 10000 × 0.5) → 0.
    # backstop: round(0.85 × 20000) = 17000; 17000 − 15300 = 1700. Patient: 20000 − 17000 = 3000.
    assert [15300.0, 0.0, 1700.0, 17000.0, 3000.0, 0.85] == out.loc[
        0,
        [
            "basic_insurance",
            "critical_illness",
            "fiscal_backstop",
            "reimbursed",
            "patient_pay",
            "actual_ratio",
        ],
    ].tolist()
    assert [True, True] == out.loc[0, ["in_county", "pay_later"]].tolist()


def test_rows_keep_input_order_and_count_with_bad_rows() -> None:
    """Row count in = out, input order kept; bad rows get an error naming the field and zeros."""
    people = pd.DataFrame(
        {"person_id": ["P1", "P2"], "poor": [False, False], "county": ["cili", "cili"]}
    )
    claims = pd.DataFrame({
        "claim_id": ["B", "A", "X", "Y", "Z"], "person_id": ["P1", "P1", "P9", "P2", "P2"],
        "kind": ["outpatient"] * 5,
        "date": ["2019-10-02", "2019-10-01", "2019-10-01", "2019-10-01", "2019-10-03"],
        "facility_id": [None] * 5, "facility_level": ["township", "township", "township", "moon", "township"],
        "facility_county": ["cili"] * 5, "total": ["300", "300", "10", "10", "0.005"],
        "in_scope": ["300", "300", "10", "10", "0"],
    })  # fmt: skip
    out = simulate(claims, people)
    assert ["B", "A", "X", "Y", "Z"] == out["claim_id"].tolist()
    # A (Oct 1) first: 300 × 0.70 = 210; B (Oct 2): 350 − 210 = 140 left of the annual cap.
    assert [140.0, 210.0, 0.0, 0.0, 0.0] == out["outpatient_pooling"].tolist()
    errors = out["error"].tolist()
    assert [None, None] == errors[:2]
    assert errors[2].startswith("InvalidClaim: claim X: person_id:")
    assert errors[3].startswith("InvalidClaim: claim Y: facility.level:")
    assert errors[4].startswith("InvalidClaim: claim Z: total:")
    assert [0.0, 0.0, 0.0] == out["patient_pay"].tolist()[2:]


def test_sub_fen_input_is_an_error_not_a_rounding() -> None:
    """0.005 yuan or a float 12.345 is refused for its row; 12.34 (float) reads as 1234 fen."""
    bad, people = _one_claim(total=12.345, in_scope=12.345)
    out = simulate(bad, people, money="fen")
    assert out.loc[0, "error"].startswith("InvalidClaim: claim C1: total:")
    assert 0 == out.loc[0, "reimbursed"]
    good, _ = _one_claim(total=12.34, in_scope=12.34)
    out = simulate(good, people, money="fen")
    # 12.34 yuan = 1234 fen; basic: 1234 × 0.85 = 1048.9 → 1049 fen; the backstop target
    # round(0.85 × 1234) = 1049 is already reached.
    assert [None, 1049, 0, 1049, 185] == out.loc[
        0, ["error", "basic_insurance", "fiscal_backstop", "reimbursed", "patient_pay"]
    ].tolist()


def test_decimal_money_column_is_read_exactly() -> None:
    """A column of Decimal amounts is read through their exact text: sub-fen and negative
    amounts are refused for their row, an exponent form is read by value."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": ["C1", "C2", "C3", "C4"], "person_id": ["P1"] * 4, "kind": ["outpatient"] * 4,
        "date": ["2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04"],
        "facility_id": [None] * 4, "facility_level": ["township"] * 4,
        "facility_county": ["cili"] * 4,
        "total": [Decimal("100.10"), Decimal("1.005"), Decimal("-1"), Decimal("1E+2")],
        "in_scope": [Decimal("100.10"), Decimal("1.00"), Decimal("0"), Decimal("1E+2")],
    })  # fmt: skip
    out = simulate(claims, people, money="fen")
    # C1: 10010 fen × 0.70 = 7007 fen; C4: 1E+2 = 100 yuan = 10000 fen × 0.70 = 7000 fen
    # (the year's 350-yuan cap leaves 35000 − 7007 = 27993 fen, not binding).
    assert [7007, 0, 0, 7000] == out["outpatient_pooling"].tolist()
    assert [False, True, True, False] == out["error"].notna().tolist()
    assert "claim C2: total:" in out.loc[1, "error"]
    assert "claim C3: total:" in out.loc[2, "error"]


def test_money_fen_gives_int64_columns() -> None:
    """money="fen" gives int64 money columns; money="yuan" float64 yuan."""
    fen = simulate(*_one_claim(), money="fen")
    yuan = simulate(*_one_claim())
    assert np.dtype("int64") == fen["basic_insurance"].dtype
    assert 1530000 == fen.loc[0, "basic_insurance"]  # 18000.00 × 0.85 = 15300.00 yuan
    assert np.dtype("float64") == yuan["basic_insurance"].dtype


def test_annual_caps_reached_mid_year() -> None:
    """Basic cap 150000 and CI cap 300000 (non-poor) bind on later claims of the year."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": ["C1", "C2", "C3"], "person_id": ["P1"] * 3, "kind": ["inpatient"] * 3,
        "date": ["2019-02-01", "2019-03-01", "2019-04-01"], "facility_id": [None] * 3,
        "facility_level": ["township"] * 3, "facility_county": ["cili"] * 3,
        "total": ["140200", "600000", "100000"], "in_scope": ["140200", "600000", "100000"],
    })  # fmt: skip
    out = simulate(claims, people)
    # C1: (140200 − 200) × 1.00 = 140000 basic; C2: 150000 − 140000 = 10000 left of the cap;
    # C3: 0 basic.
    assert [140000.0, 10000.0, 0.0] == out["basic_insurance"].tolist()
    # CI base: C1 140200 − 140000 = 200; C2 600000 − 10000 = 590000 → A = 590200, E = 580200:
    # 30000×0.60 + 50000×0.65 + 70000×0.75 + 430200×0.85 = 18000 + 32500 + 52500 + 365670 = 468670,
    # capped at 300000. C3: nothing left of the cap.
    assert [0.0, 300000.0, 0.0] == out["critical_illness"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_simulate_file_streams_by_person_and_keeps_order(tmp_path: Path, suffix: str) -> None:
    """simulate_file over several partitions gives simulate's table, row for row, in order."""
    from zjj_medical.batch import simulate_file

    policy = load_policy("example_county")
    claims, people = random_tables(policy, 11, n_people=80, n_claims=1500)
    if suffix == ".csv":
        claims.to_csv(tmp_path / "claims.csv", index=False)
        people.to_csv(tmp_path / "people.csv", index=False)
    else:
        claims.to_parquet(tmp_path / "claims.parquet", index=False)
        people.to_parquet(tmp_path / "people.parquet", index=False)
    out = tmp_path / f"out{suffix}"
    n = simulate_file(
        tmp_path / f"claims{suffix}", tmp_path / f"people{suffix}", out, policy=policy,
        money="fen", partition_claims=200,
    )  # fmt: skip
    expected = simulate(claims, people, policy=policy, money="fen")
    got = (
        pd.read_csv(out, keep_default_na=False, na_values=[""], dtype={"error": object})
        if suffix == ".csv"
        else pd.read_parquet(out)
    )
    assert len(claims) == n == len(got)
    assert expected["claim_id"].tolist() == got["claim_id"].astype(str).tolist()
    for column in expected.columns:
        if column in ("claim_id", "person_id", "error"):
            want = [None if v is None else str(v) for v in expected[column]]
            have = [None if v is None or v != v else str(v) for v in got[column]]
            assert want == have, column
        else:  # exact: fen are integers, and ratios are written as their shortest repr
            want = [None if v != v else v for v in expected[column]]
            have = [None if v != v else v for v in got[column]]
            assert want == have, column


def test_input_forms_give_the_same_result() -> None:
    """Dates as datetime64, categories as lists and money as numbers give the text inputs' result."""
    policy = load_policy("example_county")
    claims, people = random_tables(policy, 5, n_people=40, n_claims=400, bad=False)
    as_text = simulate(claims, people, policy=policy, money="fen")
    claims2 = claims.assign(
        date=pd.to_datetime(claims["date"]),
        total=[float(v) for v in claims["total"]],
        in_scope=[Decimal(v) for v in claims["in_scope"]],
    )
    people2 = people.assign(
        categories=[[c for c in v.split(";") if c] for v in people["categories"]]
    )
    pd.testing.assert_frame_equal(as_text, simulate(claims2, people2, policy=policy, money="fen"))
    assert 0 < as_text["medical_assistance"].sum()


def test_progress_reports_the_end() -> None:
    """progress(done, total) ends with (n, n)."""
    seen: list[tuple[int, int]] = []
    claims, people = _one_claim()
    simulate(claims, people, progress=lambda done, total: seen.append((done, total)))
    assert (1, 1) == seen[-1]


def test_mixed_type_column_is_read_value_by_value() -> None:
    """True, 1 and 1.0 hash alike but 1.0 is not a boolean: only that person's claim is refused."""
    people = pd.DataFrame({
        "person_id": ["P1", "P2", "P3"], "poor": pd.Series([True, 1.0, 1], dtype=object),
        "county": ["sangzhi"] * 3,
    })  # fmt: skip
    claims = pd.concat([_one_claim(person_id=p, claim_id=f"C{p}")[0] for p in ("P1", "P2", "P3")])
    out = simulate(claims.reset_index(drop=True), people)
    assert [None, "InvalidClaim", None] == [e and e.split(":")[0] for e in out["error"]]
    assert [1700.0, 0.0, 1700.0] == out["fiscal_backstop"].tolist()


@pytest.mark.parametrize("run", [simulate, simulate_scalar])
def test_error_columns_carry_type_field_and_code(run: Any) -> None:
    """A refused row has error, error_type, error_field and error_code; a settled row None."""
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": ["C1", "C2", "C3", "C1"], "person_id": ["P1", "P1", "P9", "P1"],
        "kind": ["outpatient"] * 4,
        "date": ["2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04"],
        "facility_id": [None] * 4, "facility_level": ["township", "clinic", "township", "township"],
        "facility_county": ["cili"] * 4,
        "total": ["100.00", "100.00", "100.005", "100.00"], "in_scope": ["100.00"] * 4,
    })  # fmt: skip
    out = run(claims, people)
    assert [None, "InvalidClaim", "InvalidClaim", "DuplicateClaim"] == out["error_type"].tolist()
    assert [None, "facility.level", "total", "id"] == out["error_field"].tolist()
    assert [
        None, "claim.facility.level.unknown", "claim.money.decimals", "claim.duplicate.ledger"
    ] == out["error_code"].tolist()  # fmt: skip
    assert [None, *(f"{t}: " for t in out["error_type"][1:])] == [
        e and e[: e.index(":") + 2] for e in out["error"]
    ]


def test_rounds_split_in_chunks_equal_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    """A round settled in chunks of 7 claims (the kernels' calls are capped at a chunk of a
    round; here the 300 people's rounds are split many times) still equals settle row by row."""
    from zjj_medical.batch import _rounds

    monkeypatch.setattr(_rounds, "_CHUNK", 7)
    policy = load_policy()
    claims, people = random_tables(policy, 3, n_people=300, n_claims=1200)
    assert_matches_settle(claims, people, policy)
