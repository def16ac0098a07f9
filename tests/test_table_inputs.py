"""Reading claim and people tables: only an empty cell is missing, nested Parquet columns are
refused with a clear error, and an empty claims table writes an empty result."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from zjj_medical.batch import simulate_file
from zjj_medical.cli import cli

IDS = ("NA", "null", "None", "nan")
HEADER = "claim_id,person_id,kind,date,facility_level,facility_county,total,in_scope\n"


@pytest.fixture
def tables(tmp_path: Path) -> tuple[Path, Path]:
    """Four persons whose ids read as missing under pandas' defaults, one claim each."""
    people = tmp_path / "people.csv"
    people.write_text(
        "person_id,poor,county\n" + "".join(f"{i},false,cili\n" for i in IDS), encoding="utf-8"
    )
    claims = tmp_path / "claims.csv"
    claims.write_text(
        HEADER + "".join(f"C{n},{i},inpatient,2019-05-01,county,cili,1000,1000\n"
                         for n, i in enumerate(IDS)),
        encoding="utf-8",
    )  # fmt: skip
    return claims, people


def _simulate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["simulate", *args, "--width", "160"])
    return result.exit_code, result.output


def test_cli_reads_na_like_ids_as_ids(tables: tuple[Path, Path], tmp_path: Path) -> None:
    """Ids NA, null, None and nan are persons, not missing values: each claim settles
    (county hospital, 1000.00 − deductible 500.00 = 500.00 × 0.75 = 375.00)."""
    claims, people = tables
    out = tmp_path / "out.csv"
    code, text = _simulate(str(claims), "--people", str(people), "-o", str(out))
    assert 0 == code, text
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(IDS) == result["person_id"].tolist()
    assert ["375.00"] * 4 == result["basic_insurance"].tolist()
    assert [""] * 4 == result["error"].tolist()


def test_simulate_file_reads_na_like_ids_as_ids(tables: tuple[Path, Path], tmp_path: Path) -> None:
    """The streaming path reads the same ids the same way."""
    claims, people = tables
    out = tmp_path / "out.csv"
    assert 4 == simulate_file(claims, people, out)
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(IDS) == result["person_id"].tolist()
    assert [""] * 4 == result["error"].tolist()


def test_no_claims_writes_an_empty_result(tables: tuple[Path, Path], tmp_path: Path) -> None:
    """A claims file with a header and no rows writes a result with its columns and no rows."""
    _, people = tables
    claims = tmp_path / "empty.csv"
    claims.write_text(HEADER, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, text = _simulate(str(claims), "--people", str(people), "-o", str(out))
    assert 0 == code, text
    result = pd.read_csv(out)
    assert 0 == len(result)
    assert {"claim_id", "basic_insurance", "patient_pay", "error"} <= set(result.columns)


def test_nested_parquet_column_is_refused(tables: tuple[Path, Path], tmp_path: Path) -> None:
    """A Parquet column of lists is named in the error, in the CLI and in simulate_file."""
    claims, _ = tables
    nested = tmp_path / "people.parquet"
    pd.DataFrame({"person_id": ["NA"], "poor": [False], "county": [["cili"]]}).to_parquet(nested)
    code, text = _simulate(str(claims), "--people", str(nested))
    assert 1 == code
    assert "column county holds lists or records" in text
    with pytest.raises(ValueError, match="column county holds lists or records"):
        simulate_file(claims, nested, tmp_path / "out.csv")
