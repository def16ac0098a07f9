"""``zjj-medical simulate``: summary tables, reform comparison, output files, plots, errors."""

import os
import re

os.environ.setdefault("MPLBACKEND", "Agg")

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from zjj_medical import examples
from zjj_medical.cli import cli

EXAMPLE_REFORM = str(examples.path("reforms/county_ratio_080.yaml"))


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["simulate", *args, "--width", "160"])
    return result.exit_code, result.output


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """Three claims worked by hand (SPEC §3.1, §3.3, §3.4), and their people."""
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "claim_id,person_id,kind,date,facility_id,facility_level,facility_county,total,in_scope\n"
        "C1,P1,inpatient,2019-11-03,,county,sangzhi,20000.00,18000.00\n"
        "C2,P2,inpatient,2019-11-03,,county,cili,10500,10500\n"
        "V1,P2,outpatient,2019-10-01,,township,cili,300.10,300.10\n",
        encoding="utf-8",
    )
    people = tmp_path / "people.csv"
    people.write_text(
        "person_id,poor,county,categories\nP1,true,sangzhi,\nP2,false,cili,\n", encoding="utf-8"
    )
    return claims, people


def test_reform_with_fee_lines_settles_the_lines_under_both_policies(tmp_path: Path) -> None:
    """--lines with --reform: claim L1 is given by two class-A lines of 500.00 each (no
    total): (1,000.00 − 500.00) × 0.75 = 375.00 under the baseline, × 0.80 = 400.00 under
    the county-ratio reform; no row is refused."""
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "claim_id,person_id,kind,date,facility_id,facility_level,facility_county,total,in_scope\n"
        "L1,P2,inpatient,2019-11-03,,county,cili,,\n",
        encoding="utf-8",
    )
    people = tmp_path / "people.csv"
    people.write_text("person_id,poor,county\nP2,false,cili\n", encoding="utf-8")
    lines = tmp_path / "lines.csv"
    lines.write_text(
        "claim_id,code,name,class,quantity,price\nL1,BED,床位费,A,10,50.00\n"
        "L1,DRUG,药品,A,5,100.00\n",
        encoding="utf-8",
    )
    out_csv = tmp_path / "out.csv"
    code, out = _run(str(claims), "--people", str(people), "--lines", str(lines),
                     "--reform", EXAMPLE_REFORM, "-o", str(out_csv))  # fmt: skip
    assert 0 == code, out
    table = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    assert ["375.00", "400.00"] == table.loc[
        0, ["basic_insurance", "reform_basic_insurance"]
    ].tolist()
    assert ["", ""] == table.loc[0, ["error", "reform_error"]].tolist()


def test_synthetic_run_prints_the_summary() -> None:
    """A small synthetic run prints the run, fund cost, totals, targets and percentiles."""
    code, out = _run("--synthetic", "300", "--seed", "1")
    assert 0 == code, out
    for text in (
        "synthetic population: 300 persons, seed 1, year 2019",
        "Fund cost by layer",
        "basic_insurance",
        "基本医疗保险",
        "县域内住院实际报销比例",
        "In-county treatment rate",
        "Out-of-pocket per person-year",
        "Catastrophic out-of-pocket",
    ):
        assert text in out


def test_file_run_worked_by_hand(files: tuple[Path, Path], tmp_path: Path) -> None:
    """-o CSV: one row per claim, in input order, money in yuan with two decimals."""
    claims, people = files
    out_csv = tmp_path / "out.csv"
    code, out = _run(str(claims), "--people", str(people), "-o", str(out_csv))
    assert 0 == code, out
    assert "Wrote 3 rows" in out
    table = pd.read_csv(out_csv, dtype=str)
    assert ["C1", "C2", "V1"] == table["claim_id"].tolist()
    # C1 poor: 18,000 × 0.85 = 15,300; backstop 17,000 − 15,300 = 1,700; pays 3,000
    assert ["15300.00", "1700.00", "3000.00"] == table.loc[
        0, ["basic_insurance", "fiscal_backstop", "patient_pay"]
    ].tolist()
    # C2: (10,500 − 500) × 0.75 = 7,500
    assert "7500.00" == table.loc[1, "basic_insurance"]
    # V1: round(300.10 × 0.70 = 210.07) = 210.07 (outpatient pooling from 2019-09-01)
    assert "210.07" == table.loc[2, "outpatient_pooling"]
    # totals: 17,000 + 7,500 + 210.07 = 24,710.07 reimbursed
    assert "24,710.07" in out


def test_reform_prints_the_comparison(files: tuple[Path, Path], tmp_path: Path) -> None:
    """--reform prints the comparison; -o adds the reform's columns prefixed reform_."""
    claims, people = files
    out_csv = tmp_path / "out.csv"
    code, out = _run(
        str(claims), "--people", str(people), "--reform", EXAMPLE_REFORM, "-o", str(out_csv)
    )
    assert 0 == code, out
    assert "Reform 改革: County hospitals at 80%" in out
    # C2: (10,500 − 500) × 0.05 = +500; C1's basic +900 and backstop −900
    assert "+1,400.00" in out  # basic insurance change: 500 + 900
    assert "-900.00" in out
    assert "Better off 减少" in out
    table = pd.read_csv(out_csv, dtype=str)
    assert ["7500.00", "8000.00"] == table.loc[
        1, ["basic_insurance", "reform_basic_insurance"]
    ].tolist()


def test_parquet_in_and_out(files: tuple[Path, Path], tmp_path: Path) -> None:
    """Parquet tables are read; -o .parquet writes exact Decimal money, one row per claim."""
    claims, people = files
    c_pq, p_pq, out = tmp_path / "c.parquet", tmp_path / "p.parquet", tmp_path / "o.parquet"
    pd.read_csv(claims, dtype=str).to_parquet(c_pq)
    pd.read_csv(people, dtype=str).to_parquet(p_pq)
    code, text = _run(str(c_pq), "--people", str(p_pq), "-o", str(out))
    assert 0 == code, text
    table = pd.read_parquet(out)
    assert 3 == len(table)
    assert Decimal("210.07") == table.loc[2, "outpatient_pooling"]


def test_plots_written(tmp_path: Path) -> None:
    """--plots writes the curve, the fund cost and (with a reform) the out-of-pocket figures."""
    code, out = _run(
        "--synthetic",
        "200",
        "--seed",
        "2",
        "--reform",
        EXAMPLE_REFORM,
        "--plots",
        str(tmp_path / "p"),
    )
    assert 0 == code, out
    names = sorted(p.name for p in (tmp_path / "p").iterdir())
    assert ["curve.png", "fund_cost.png", "out_of_pocket.png"] == names


def test_synthetic_output_has_one_row_per_claim(tmp_path: Path) -> None:
    """-o on a synthetic run writes as many rows as the run has claims."""
    out = tmp_path / "o.csv"
    code, text = _run("--synthetic", "150", "--seed", "3", "-o", str(out))
    assert 0 == code, text
    rows = len(pd.read_csv(out))
    assert f"Wrote {rows:,} rows" in text
    assert f"{rows:,} claims" in text


def test_rows_not_settled_are_reported(files: tuple[Path, Path]) -> None:
    """A row with a sub-fen amount is reported with its field; the run still succeeds."""
    claims, people = files
    claims.write_text(claims.read_text("utf-8").replace("300.10,300.10", "300.105,300.10"), "utf-8")
    code, out = _run(str(claims), "--people", str(people))
    assert 0 == code, out
    assert "Rows not settled 未结算: 1" in out
    assert "'300.105' has more than 2 decimal places" in out


def test_catastrophic_threshold_option(files: tuple[Path, Path]) -> None:
    """--catastrophic-threshold sets the threshold shown and used (P1 3,000.00, P2 3,090.03)."""
    claims, people = files
    code, out = _run(str(claims), "--people", str(people), "--catastrophic-threshold", "3050")
    assert 0 == code, out
    assert "above 3,050.00 yuan" in out
    # all 1 (P2), poor 0 (P1's 3,000.00 is below), others 1
    assert re.search(r"Catastrophic 灾难性\s+1\s+0\s+1\s", out)
    code, out = _run(str(claims), "--people", str(people), "--catastrophic-threshold", "-1")
    assert 0 != code
    assert "not an amount" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--synthetic", "10"], "--synthetic needs --seed"),
        ([], "give either CLAIMS --people PEOPLE or --synthetic N --seed S"),
        (["missing.csv", "--people", "missing.csv"], "does not exist"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    """Missing or contradictory inputs are usage errors with a clear message."""
    code, out = _run(*args)
    assert 2 == code
    assert message in out


def test_bad_files(files: tuple[Path, Path], tmp_path: Path) -> None:
    """An unsupported type, missing columns or a broken Parquet file exit 1 naming the file."""
    claims, people = files
    txt = tmp_path / "claims.txt"
    txt.write_text("x", encoding="utf-8")
    code, out = _run(str(txt), "--people", str(people))
    assert (1, True) == (code, "unsupported file type '.txt'" in out)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out = _run(str(bad), "--people", str(people))
    assert (1, True) == (code, "missing column(s) claim_id" in out)
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet")
    code, out = _run(str(broken), "--people", str(people))
    assert (1, True) == (code, "cannot be read" in out)
    code, out = _run(str(claims), "--people", str(people), "-o", str(tmp_path / "o.xlsx"))
    assert (1, True) == (code, "unsupported file type '.xlsx'" in out)


def test_bad_policy_and_reform(files: tuple[Path, Path], tmp_path: Path) -> None:
    """An unknown policy or a reform naming a path the policy lacks exits 1 with the key path."""
    claims, people = files
    code, out = _run(str(claims), "--people", str(people), "--policy", "nowhere")
    assert (1, True) == (code, "no such policy file" in out)
    reform = tmp_path / "r.yaml"
    reform.write_text(
        "format: zjj-medical-reform/1\nname: x\nchanges:\n  layers[dental].ratio: 1\n", "utf-8"
    )
    code, out = _run(str(claims), "--people", str(people), "--reform", str(reform))
    assert (1, True) == (code, "changes.layers[dental].ratio" in out)
