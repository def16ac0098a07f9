"""``zjj-medical simulate --dask``: a dataset partitioned by person, settled on a local
cluster, gives the rows and the summary of the one-machine run."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from zjj_medical import examples
from zjj_medical.analysis.population import synthetic_population
from zjj_medical.cli import cli

pytest.importorskip("dask.distributed")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["simulate", *args, "--width", "160"])
    return result.exit_code, result.output


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    people, claims = synthetic_population(600, seed=8)
    claims.to_csv(tmp_path / "claims.csv", index=False)
    people.to_csv(tmp_path / "people.csv", index=False)
    return tmp_path / "claims.csv", tmp_path / "people.csv"


def test_partition_then_dask_equals_one_machine(files: tuple[Path, Path], tmp_path: Path) -> None:
    claims, people = files
    code, out = _run(str(claims), "--people", str(people), "-o", str(tmp_path / "one.parquet"))
    assert 0 == code, out
    code, text = _run(str(claims), "--people", str(people), "--partition-to",
                      str(tmp_path / "data"), "--partitions", "3")  # fmt: skip
    assert 0 == code, text
    assert "Wrote 3 partitions" in text
    code, dask_out = _run(str(tmp_path / "data"), "--dask", "local:2:threads",
                          "-o", str(tmp_path / "out"))  # fmt: skip
    assert 0 == code, dask_out
    assert 3 == len(list((tmp_path / "out").glob("part-*.parquet")))
    one = pd.read_parquet(tmp_path / "one.parquet")
    many = pd.read_parquet(tmp_path / "out").sort_values("row").reset_index(drop=True)
    for column in ("claim_id", "basic_insurance", "critical_illness", "fiscal_backstop",
                   "reimbursed", "patient_pay"):  # fmt: skip
        assert one[column].tolist() == many[column].tolist(), column
    # The printed summary is the same, table for table.
    tables = out[out.index("Fund cost by layer") : out.index("Wrote")]
    assert tables in dask_out


def test_dataset_directory_needs_dask(tmp_path: Path) -> None:
    code, out = _run(str(tmp_path))
    assert 2 == code
    assert "needs --dask" in out


def test_dask_local_processes(files: tuple[Path, Path], tmp_path: Path) -> None:
    """local:N starts worker processes (the tasks and the policy travel pickled)."""
    claims, people = files
    code, out = _run(str(claims), "--people", str(people), "--dask", "local:1",
                     "--partitions", "2")  # fmt: skip
    assert 0 == code, out
    assert "Fund cost by layer" in out


def test_reform_on_dask_is_the_comparison(tmp_path: Path) -> None:
    """--reform with --dask compares as a sweep of one scenario: the same fund cost as
    compare() on one machine, layer by layer, to the fen."""
    from zjj_medical.analysis.reform import compare

    reform = str(examples.path("reforms/county_ratio_080.yaml"))
    code, out = _run("--synthetic", "500", "--seed", "4", "--reform", reform,
                     "--dask", "local:2:threads", "-o", str(tmp_path / "c.csv"))  # fmt: skip
    assert 0 == code, out
    table = pd.read_csv(tmp_path / "c.csv", dtype=str).set_index("scenario")
    people, claims = synthetic_population(500, seed=4)
    c = compare(claims, people, None, reform)
    for layer, row in c.layers.iterrows():
        assert f"{row['baseline']:.2f}" == table.loc["baseline", f"fund_{layer}"]
        assert f"{row['reform']:.2f}" == table.loc["scenario_1", f"fund_{layer}"]
    assert [str(c.persons.loc["all", "better_off"])] == [table.loc["scenario_1", "better_off"]]
