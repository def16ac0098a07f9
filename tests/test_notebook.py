"""The notebook docs/notebooks/county-year.ipynb runs from top to bottom in a Jupyter kernel
(nbclient), small, in an empty directory, and shows what an analyst needs: the summary and
the comparison as tables, the worse-off persons, three figures — and writes no file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "county-year.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """The notebook run on 1,200 persons, seed 2, in a fresh directory."""
    where = tmp_path_factory.mktemp("notebook")
    mp = pytest.MonkeyPatch()
    mp.setenv("ZJJ_PEOPLE", "1200")
    mp.setenv("ZJJ_SEED", "2")
    try:
        nb = nbformat.read(NOTEBOOK, as_version=4)
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(where)}}
        )
        client.execute()
    finally:
        mp.undo()
    return nb, where


def _outputs(nb: object) -> list[dict[str, object]]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]  # type: ignore[attr-defined]


def test_the_notebook_runs_without_errors_and_writes_nothing(executed: tuple[object, Path]) -> None:
    """No cell raises; the directory it ran in is still empty."""
    nb, where = executed
    assert [] == [o for o in _outputs(nb) if o["output_type"] == "error"]
    assert [] == list(where.iterdir())


def test_the_notebook_shows_the_tables_and_the_figures(executed: tuple[object, Path]) -> None:
    """The population line, the summary and the comparison as HTML (the safety-net layers
    noted as assumed 0), the worse-off table, and three PNG figures."""
    nb, _ = executed
    outputs = _outputs(nb)
    text = "".join(str(o.get("text", "")) for o in outputs)
    assert "1,200 persons" in text
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]  # type: ignore[index, union-attr, operator]
    summary = next(h for h in html if "Summary — zhangjiajie" in h)
    assert 3 == summary.count("rate assumed 0")
    assert any("County hospitals at 80%" in h and "better off" in h for h in html)
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]  # type: ignore[operator]
    assert 3 == len(pngs)


def test_the_notebook_is_stored_without_outputs() -> None:
    """The stored notebook holds code, not results: they are made when it runs (tests, site)."""
    doc = json.loads(NOTEBOOK.read_text("utf-8"))
    code = [c for c in doc["cells"] if c["cell_type"] == "code"]
    assert code
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
