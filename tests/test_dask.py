"""simulate_dask on a small LocalCluster: the same fen as simulate on one machine, and the
same summary, with persons of many claims, caps reached mid-year and a reform."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zjj_medical.analysis.metrics import fen_column, summarize
from zjj_medical.analysis.population import synthetic_population
from zjj_medical.analysis.reform import apply_reform
from zjj_medical.batch import simulate
from zjj_medical.batch.distributed import partition_dataset, simulate_dask
from zjj_medical.policy.loader import load_policy

distributed = pytest.importorskip("dask.distributed")

REFORM = {"layers[basic_insurance].ratio.values.2019-01-01.county": "0.80"}


def _population() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic county plus two persons who reach the basic-insurance cap mid-year.

    CAP1 (not poor, cili): 8 admissions at the county hospital of 30,000.00 yuan each, one a
    month. Basic insurance pays (30,000 − 500) × 0.75 = 22,125.00 a claim; after six claims
    it has paid 132,750.00, so the seventh gets what is left of the 150,000.00 cap,
    17,250.00, and the eighth nothing. Under the reform (0.80): 23,600.00 a claim, 141,600.00
    after six, the seventh 8,400.00.
    """
    people, claims = synthetic_population(1500, seed=11)
    extra_people = pd.DataFrame(
        {
            "person_id": ["CAP1", "CAP2"],
            "poor": [False, True],
            "county": ["cili", "sangzhi"],
            "categories": ["", ""],
        }
    )
    rows = []
    for pid, county in (("CAP1", "cili"), ("CAP2", "sangzhi")):
        for m in range(1, 9):
            rows.append({
                "claim_id": f"{pid}-{m}", "person_id": pid, "kind": "inpatient",
                "date": dt.date(2019, m, 15), "facility_id": None, "facility_level": "county",
                "facility_county": county, "total": Decimal("30000.00"),
                "in_scope": Decimal("30000.00"), "accident": False,
            })  # fmt: skip
    extra = pd.DataFrame(rows)
    claims = pd.concat([claims, extra.reindex(columns=claims.columns)], ignore_index=True)
    people = pd.concat([people, extra_people.reindex(columns=people.columns)], ignore_index=True)
    return people, claims


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _money(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: fen_column(frame[c]) for c in columns})


def test_dask_equals_one_machine_to_the_fen(client: object, tmp_path: Path) -> None:
    people, claims = _population()
    assert partition_dataset(claims, people, tmp_path / "data", partitions=5) == 5
    base = load_policy()
    reform = apply_reform(None, REFORM)
    run = simulate_dask(
        tmp_path / "data", tmp_path / "out", address=client,
        policies={"baseline": base, "reform": reform}, progress=False,
    )  # fmt: skip
    assert run.partitions == 5
    for name, policy in (("baseline", base), ("reform", reform)):
        whole = simulate(claims, people, policy=policy, money="fen")
        got = pd.read_parquet(tmp_path / "out" / name).sort_values("row").reset_index(drop=True)
        assert got["row"].tolist() == list(range(len(claims)))
        assert got["claim_id"].tolist() == whole["claim_id"].tolist()
        money = [*(layer.id for layer in policy.layers), "reimbursed", "patient_pay"]
        assert _money(got, money).equals(_money(whole, money))
        assert got["error_code"].isna().tolist() == whole["error_code"].isna().tolist()
        one = summarize(whole, people, claims=claims, policy=policy, money="fen")
        two = run.summaries[name]
        for table in ("totals", "fund_cost", "poor", "out_of_pocket", "catastrophic"):
            assert getattr(one, table).equals(getattr(two, table)), table
        assert (one.claims, one.settled, one.persons) == (two.claims, two.settled, two.persons)
        assert one.error_table[["type", "field", "count"]].equals(
            two.error_table[["type", "field", "count"]]
        )
    # The cap reached mid-year, by hand (see _population).
    out = pd.read_parquet(tmp_path / "out" / "baseline")
    cap1 = out[out["person_id"] == "CAP1"].sort_values("row")["basic_insurance"].tolist()
    assert [Decimal("22125.00")] * 6 + [Decimal("17250.00"), Decimal("0.00")] == cap1
    out = pd.read_parquet(tmp_path / "out" / "reform")
    cap1 = out[out["person_id"] == "CAP1"].sort_values("row")["basic_insurance"].tolist()
    assert [Decimal("23600.00")] * 6 + [Decimal("8400.00"), Decimal("0.00")] == cap1


def test_partitions_keep_each_person_whole(tmp_path: Path) -> None:
    people, claims = _population()
    partition_dataset(claims, people, tmp_path / "d", partitions=4)
    seen: dict[str, int] = {}
    n = 0
    for p in range(4):
        part = pd.read_parquet(tmp_path / "d" / "claims" / f"part-{p:05d}.parquet")
        who = pd.read_parquet(tmp_path / "d" / "people" / f"part-{p:05d}.parquet")
        assert set(part["person_id"]) <= set(who["person_id"])
        for pid in who["person_id"]:
            assert seen.setdefault(pid, p) == p
        n += len(part)
    assert n == len(claims)
    assert len(seen) == len(people)


def test_summary_parts_combine_like_the_whole() -> None:
    """Split by person by hand, summary_part + combine_parts gives summarize's figures."""
    from zjj_medical.analysis.metrics import combine_parts, latest_date, summary_part

    people, claims = _population()
    policy = load_policy()
    whole = summarize(simulate(claims, people, money="fen"), people, claims=claims)
    odd = np.arange(len(people)) % 2 == 1
    parts = []
    for mask in (odd, ~odd):
        ppl = people[mask].reset_index(drop=True)
        cl = claims[claims["person_id"].isin(set(ppl["person_id"]))].reset_index(drop=True)
        res = simulate(cl, ppl, money="fen")
        parts.append(summary_part(res, ppl, claims=cl, policy=policy, on=latest_date(claims)))
    two = combine_parts(parts, policy=policy)
    for table in ("totals", "fund_cost", "poor", "out_of_pocket", "catastrophic"):
        assert getattr(whole, table).equals(getattr(two, table)), table


def test_not_a_dataset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a partitioned dataset"):
        simulate_dask(tmp_path, address="local:1:threads", progress=False)


def test_mixed_cells_are_partitioned_as_the_row_rule_reads_them(tmp_path: Path) -> None:
    """A table of mixed cells (dates as date objects and text, money as Decimal and text)
    goes into the dataset as text the row rule reads the same: the same fen as simulate."""
    people, claims = synthetic_population(300, seed=2)
    claims = claims.astype({"date": object, "total": object})
    claims.loc[::3, "date"] = [d.isoformat() for d in claims.loc[::3, "date"]]
    claims.loc[::4, "total"] = [f"{v:.2f}" for v in claims.loc[::4, "total"]]
    partition_dataset(claims, people, tmp_path / "d", partitions=2)
    run = simulate_dask(tmp_path / "d", tmp_path / "o", address="local:1:threads", progress=False)
    whole = simulate(claims, people, money="fen")
    got = pd.read_parquet(tmp_path / "o").sort_values("row").reset_index(drop=True)
    assert fen_column(got["reimbursed"]).tolist() == whole["reimbursed"].tolist()
    assert run.summary.totals.equals(summarize(whole, people, claims=claims).totals)


def test_refusals_of_the_partitioner_carry_their_codes(tmp_path: Path) -> None:
    """A table without person ids, a number of partitions below 1, a local cluster without
    a number of workers and a folder that is no dataset are refused with their error code."""
    from zjj_medical.batch.distributed import _client
    from zjj_medical.errors import problem_of

    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({"claim_id": ["C1"], "total": ["1.00"]})
    with pytest.raises(ValueError, match=r"^claims: the table has no person_id column$") as info:
        partition_dataset(claims, people, tmp_path / "a", partitions=2)
    assert problem_of(info.value) == (
        "table.column.missing",
        {"table": "claims", "column": "person_id"},
    )
    with pytest.raises(ValueError, match=r"^partitions: 0 is not a number of partitions ≥ 1$"):
        partition_dataset(people, people, tmp_path / "b", partitions=0)
    with pytest.raises(ValueError, match=r"^--dask 'local:x': local:N needs a number") as info:
        _client("local:x")
    assert (problem_of(info.value) or ("",))[0] == "dask.address"
    with pytest.raises(ValueError, match="not a partitioned dataset") as info:
        simulate_dask(tmp_path, address="local:1:threads", progress=False)
    assert (problem_of(info.value) or ("",))[0] == "dask.dataset"
