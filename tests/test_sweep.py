"""Reform sweeps: the sweep file format, the comparison table (exact money, the baseline's
own row unchanged), and ``zjj-medical simulate --sweep`` locally and with --dask."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from zjj_medical import examples
from zjj_medical.analysis.metrics import MONEY_DTYPE
from zjj_medical.analysis.sweep import load_sweep, run_sweep
from zjj_medical.cli import cli
from zjj_medical.errors import PolicyError

SWEEP = str(examples.path("reforms/sweep_county_ratio.yaml"))
RATIO = "layers[basic_insurance].ratio.values.2019-01-01.county"

PEOPLE = pd.DataFrame({"person_id": ["P1", "P2"], "poor": [False, False],
                       "county": ["cili", "cili"]})  # fmt: skip
CLAIMS = pd.DataFrame({
    "claim_id": ["C1", "C2"], "person_id": ["P1", "P2"], "kind": ["inpatient"] * 2,
    "date": ["2019-05-01", "2019-06-01"], "facility_id": [None, None],
    "facility_level": ["county", "county"], "facility_county": ["cili", "cili"],
    "total": ["10500.00", "2500.10"], "in_scope": ["10500.00", "2500.10"],
})  # fmt: skip


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["simulate", *args, "--width", "200"])
    return result.exit_code, result.output


def test_grid_worked_by_hand() -> None:
    """Two county claims of persons not poor, deductible 500 a claim.

    Baseline 0.75: (10,500 − 500) × 0.75 = 7,500.00 and (2,500.10 − 500) × 0.75 =
    1,500.075 → 1,500.08; 9,000.08 in all. At 0.80: 8,000.00 + 1,600.08 = 9,600.08 (+600.00).
    At 0.85: 8,500.00 + 1,700.085 → 1,700.09 = 10,200.09 (+1,200.01).
    """
    sweep = {"format": "zjj-medical-sweep/1", "name": "ratio", "grid": {RATIO: ["0.80", "0.85"]}}
    table = run_sweep(CLAIMS, PEOPLE, sweep).table
    assert ["baseline", "scenario_1", "scenario_2"] == list(table.index)
    assert table["reimbursed"].dtype == MONEY_DTYPE
    assert [Decimal("9000.08"), Decimal("9600.08"), Decimal("10200.09")] == table[
        "fund_basic_insurance"
    ].tolist()
    assert [Decimal("0.00"), Decimal("600.00"), Decimal("1200.01")] == table[
        "reimbursed_change"
    ].tolist()
    assert [0, 2, 2] == table["better_off"].tolist()
    assert [0, 0, 0] == table["worse_off"].tolist()
    # Out-of-pocket max: C1 pays 10,500 − 7,500 = 3,000.00 at baseline, 2,000.00 at 0.85.
    assert [Decimal("3000.00"), Decimal("2500.00"), Decimal("2000.00")] == table["oop_max"].tolist()


def test_example_sweep_loads() -> None:
    sweep = load_sweep(SWEEP)
    assert 5 == len(sweep.scenarios)  # one file, a grid of 2 × 2
    assert "County hospitals at 80%" in sweep.scenarios[0].name


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({"format": "zjj-medical-sweep/1", "name": "x"}, "sweep.empty"),
        ({"format": "zjj-medical-sweep/2", "name": "x", "grid": {RATIO: ["0.8"]}}, "sweep.format"),
        ({"format": "zjj-medical-sweep/1", "name": "x", "grid": {RATIO: []}}, "sweep.grid"),
        ({"format": "zjj-medical-sweep/1", "name": "x", "scenarios": [3]}, "sweep.scenarios"),
        ({"format": "zjj-medical-sweep/1", "name": "x", "grids": {}}, "sweep.key.unknown"),
    ],
)
def test_bad_sweeps_are_refused(doc: dict[str, object], code: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_sweep(doc)
    assert code == info.value.code


def test_cli_sweep_writes_table_and_plot(tmp_path: Path) -> None:
    code, out = _run(
        "--synthetic", "400", "--seed", "3", "--sweep", SWEEP,
        "-o", str(tmp_path / "sweep.csv"), "--plots", str(tmp_path / "p"),
    )  # fmt: skip
    assert 0 == code, out
    assert "layers[basic_insurance].ratio" in out  # names are printed, not read as markup
    table = pd.read_csv(tmp_path / "sweep.csv", dtype=str)
    assert 6 == len(table)
    assert "0.00" == table.loc[0, "reimbursed_change"]
    assert (tmp_path / "p" / "sweep.png").stat().st_size > 0


def test_cli_sweep_on_dask_equals_local(tmp_path: Path) -> None:
    args = ["--synthetic", "400", "--seed", "3", "--sweep", SWEEP]
    code, _ = _run(*args, "-o", str(tmp_path / "local.csv"))
    assert 0 == code
    code, out = _run(*args, "--dask", "local:2:threads", "--partitions", "3",
                     "-o", str(tmp_path / "dask.csv"))  # fmt: skip
    assert 0 == code, out
    local = pd.read_csv(tmp_path / "local.csv", dtype=str)
    dask = pd.read_csv(tmp_path / "dask.csv", dtype=str)
    assert local.equals(dask)


def test_cli_sweep_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: zjj-medical-sweep/1\nname: x\n", encoding="utf-8")
    code, out = _run("--synthetic", "50", "--seed", "1", "--sweep", str(bad))
    assert 1 == code
    assert "names no scenario" in out
