"""The example documents are package data: found by name wherever the package is installed,
listed, read, and copied only where told; every one is shipped by the package-data rules."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from zjj_medical import examples
from zjj_medical.analysis.reform import Reform
from zjj_medical.errors import problem_of

ROOT = Path(__file__).resolve().parent.parent


def test_the_examples_are_the_household_the_reform_and_the_sweep() -> None:
    """Three examples, by their names below the package."""
    assert [
        "reforms/county_ratio_080.yaml",
        "reforms/sweep_county_ratio.yaml",
        "sangzhi_poor_household.json",
    ] == examples.names()


def test_the_sweep_example_loads_with_its_reform_beside_it() -> None:
    """The sweep names ``county_ratio_080.yaml`` beside it and a 2 × 2 grid: 1 + 4 scenarios."""
    from zjj_medical.analysis.sweep import Sweep

    sweep = examples.load("reforms/sweep_county_ratio.yaml")
    assert isinstance(sweep, Sweep)
    assert 5 == len(sweep.scenarios)


def test_every_example_is_shipped_by_the_package_data_rules() -> None:
    """Each example file matches a ``package-data`` pattern of pyproject.toml, so a wheel has it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["zjj_medical"]
    for name in examples.names():
        assert any(fnmatch.fnmatch(f"examples/{name}", p) for p in patterns), name


def test_path_and_load_read_the_installed_files() -> None:
    """The household: person SZ-0001, two admissions (20000.00 and 60000.00); the reform sets
    the county ratio to 0.80."""
    doc = examples.load("sangzhi_poor_household.json")
    assert "SZ-0001" == doc["person"]["id"]
    assert ["20000.00", "60000.00"] == [c["total"] for c in doc["claims"]]
    reform = examples.load("reforms/county_ratio_080.yaml")
    assert isinstance(reform, Reform)
    assert (("layers[basic_insurance].ratio.values.2019-01-01.county", "0.80"),) == tuple(
        (k, str(v)) for k, v in reform.changes
    )
    assert examples.path("sangzhi_poor_household.json").is_file()


def test_an_unknown_name_is_refused_with_its_code() -> None:
    """A name that is no example: KeyError, code examples.unknown, the names accepted."""
    with pytest.raises(KeyError) as info:
        examples.path("examples/sangzhi_poor_household.json")
    code, params = problem_of(info.value) or ("", {})
    assert "examples.unknown" == code
    assert examples.names() == params["accepted"]


def test_copy_writes_only_into_the_directory_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """copy creates the directory asked for and writes one file there, nothing in the cwd."""
    cwd, target = tmp_path / "cwd", tmp_path / "out" / "docs"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    written = examples.copy("reforms/county_ratio_080.yaml", target)
    assert target / "county_ratio_080.yaml" == written
    assert examples.path("reforms/county_ratio_080.yaml").read_bytes() == written.read_bytes()
    assert [] == list(cwd.iterdir())


def test_the_module_prints_a_path_for_a_shell(tmp_path: Path) -> None:
    """``python -m zjj_medical.examples path NAME`` prints the file, from any directory; an
    unknown name exits 1 with the names on standard error."""
    run = [sys.executable, "-m", "zjj_medical.examples"]
    out = subprocess.run([*run, "path", "sangzhi_poor_household.json"], cwd=tmp_path,
                         capture_output=True, text=True, check=True)  # fmt: skip
    assert examples.path("sangzhi_poor_household.json") == Path(out.stdout.strip())
    bad = subprocess.run([*run, "path", "nope.json"], cwd=tmp_path, capture_output=True, text=True)
    assert 1 == bad.returncode
    assert "sangzhi_poor_household.json" in bad.stderr
    assert [] == list(tmp_path.iterdir())
