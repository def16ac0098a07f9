"""The notebook-style example examples/county_simulation.py runs end to end, small."""

import os
import runpy
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "county_simulation.py"


def test_county_simulation_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example simulates, compares the reform and saves its three figures."""
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
    monkeypatch.setenv("ZJJ_PEOPLE", "1500")
    monkeypatch.setenv("ZJJ_SEED", "2")
    monkeypatch.setenv("ZJJ_PLOTS", str(tmp_path / "plots"))
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert "1,500 persons" in out
    assert "County hospitals at 80%" in out
    assert ["curve.png", "fund_cost.png", "out_of_pocket.png"] == sorted(
        p.name for p in (tmp_path / "plots").iterdir()
    )
