"""Reform sweeps: N reform scenarios over one population, in one comparison table.

A sweep file lists reforms (the reform format of :mod:`zjj_medical.analysis.reform`) and/or a
grid of values for key paths of the policy; every grid point is one scenario::

    format: zjj-medical-sweep/1
    name: County hospital ratio × critical-illness deductible
    baseline: zhangjiajie            # optional: a built-in policy name or a policy file
    scenarios:                       # optional: reforms, by file (beside the sweep file) …
      - county_ratio_080.yaml
      - name: Critical illness from 8,000 yuan     # … or inline
        changes:
          layers[critical_illness].deductible.values.2019-01-01: 8000
    grid:                            # optional: every combination is a scenario
      layers[basic_insurance].ratio.values.2019-01-01.county: ["0.80", "0.85"]

:func:`run_sweep` settles the population under the baseline and each scenario —
locally, or as tasks on a Dask cluster (the population then is a dataset of
:func:`zjj_medical.batch.distributed.partition_dataset`, read once per partition for all
scenarios) — and :func:`sweep_table` gives one row per scenario: fund cost by layer, total
reimbursement and its change from the baseline, the registered poor's targets,
out-of-pocket percentiles per person-year, and the persons better and worse off than under
the baseline. Money is exact (:data:`~zjj_medical.batch.MONEY_DTYPE`).

>>> from zjj_medical.analysis.population import synthetic_population
>>> people, claims = synthetic_population(300, seed=4)
>>> sweep = load_sweep({"format": "zjj-medical-sweep/1", "name": "ratio",
...     "grid": {"layers[basic_insurance].ratio.values.2019-01-01.county": ["0.80", "0.85"]}})
>>> [s.name for s in sweep.scenarios]
['layers[basic_insurance].ratio.values.2019-01-01.county=0.80', 'layers[basic_insurance].ratio.values.2019-01-01.county=0.85']
>>> run = run_sweep(claims, people, sweep)
>>> table = run.table
>>> list(table.index)[:2], bool(table.loc["baseline", "reimbursed_change"] == 0)
(['baseline', 'scenario_1'], True)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from zjj_medical.analysis.metrics import (
    DEFAULT_CATASTROPHIC_THRESHOLD,
    PERCENTILES,
    Summary,
    SummaryPart,
    combine_parts,
    latest_date,
    money_from_fen,
    nearest_rank,
    summary_part,
)
from zjj_medical.analysis.reform import Reform, _baseline_source, apply_reform, load_reform
from zjj_medical.errors import PolicyError
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import Policy
from zjj_medical.policy.yamlio import read_policy_file, read_policy_text

__all__ = ["FORMAT", "Sweep", "SweepRun", "load_sweep", "run_sweep", "sweep_figure", "sweep_table"]

FORMAT = "zjj-medical-sweep/1"


@attrs.frozen
class Sweep:
    """A named list of reform scenarios over one baseline policy."""

    name: str
    scenarios: tuple[Reform, ...]
    baseline: str | None = None
    source: str = "<sweep>"


def load_sweep(sweep: Sweep | Mapping[str, Any] | str | os.PathLike[str]) -> Sweep:
    """A :class:`Sweep` from a sweep file or document (see the module for the format).

    Scenario files are looked up beside the sweep file. A bad file is refused with a
    ``PolicyError`` naming the key path.
    """
    if isinstance(sweep, Sweep):
        return sweep
    here = Path(".")
    source = "<sweep>"
    if isinstance(sweep, str | os.PathLike):
        path = Path(sweep)
        if not path.is_file():
            raise PolicyError(
                code="sweep.file.missing", params={"source": str(path)}, source=str(path)
            )
        doc: Any = read_policy_text(read_policy_file(path), path.name)
        here, source = path.parent, path.name
    else:
        doc = dict(sweep)

    def fail(path: str, code: str, **params: object) -> PolicyError:
        return PolicyError(
            code=code, params={"source": source, "path": path, **params}, source=source, path=path
        )

    if not isinstance(doc, dict):
        raise fail("", "sweep.mapping")
    accepted = {"format", "name", "description", "baseline", "scenarios", "grid"}
    for key in doc:
        if key not in accepted:
            raise fail(str(key), "sweep.key.unknown", accepted=sorted(accepted))
    for key in ("format", "name"):
        if key not in doc:
            raise fail(key, "sweep.key.missing")
    if doc["format"] != FORMAT:
        raise fail("format", "sweep.format", value=doc["format"], format=FORMAT)
    if not isinstance(doc["name"], str) or not doc["name"].strip():
        raise fail("name", "sweep.name")
    scenarios: list[Reform] = []
    listed = doc.get("scenarios", [])
    if not isinstance(listed, list):
        raise fail("scenarios", "sweep.scenarios")
    for i, entry in enumerate(listed):
        if isinstance(entry, str):
            scenarios.append(load_reform(here / entry))
        elif isinstance(entry, Mapping) and "changes" in entry:
            scenarios.append(load_reform({"format": "zjj-medical-reform/1", **entry}))
        else:
            raise fail(f"scenarios[{i}]", "sweep.scenarios")
    grid = doc.get("grid", {})
    if not isinstance(grid, Mapping) or not all(
        isinstance(k, str) and isinstance(v, list) and v for k, v in grid.items()
    ):
        raise fail("grid", "sweep.grid")
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)) if keys else ():
        changes = dict(zip(keys, values, strict=True))
        name = ", ".join(f"{k}={v}" for k, v in changes.items())
        scenarios.append(load_reform({"format": "zjj-medical-reform/1", "name": name,
                                      "changes": changes}))  # fmt: skip
    if not scenarios:
        raise fail("scenarios", "sweep.empty")
    baseline = doc.get("baseline")
    if baseline is not None and not (here / str(baseline)).is_file():
        base = str(baseline)
    elif baseline is not None:
        base = str(here / str(baseline))
    else:
        base = None
    return Sweep(" ".join(doc["name"].split()), tuple(scenarios), base, source)


@attrs.frozen
class SweepRun:
    """A sweep's results.

    Attributes:
        sweep: the sweep run.
        policies: the policies by scenario id (``baseline``, ``scenario_1`` …).
        names: each scenario's name by id.
        summaries: each scenario's :class:`~zjj_medical.analysis.metrics.Summary` by id.
        table: :func:`sweep_table` of the run.
    """

    sweep: Sweep
    policies: dict[str, Policy]
    names: dict[str, str]
    summaries: dict[str, Summary]
    table: pd.DataFrame = attrs.field(eq=False)


def sweep_policies(sweep: Sweep) -> tuple[dict[str, Policy], dict[str, str]]:
    """The baseline and each scenario's policy, by id, and their names."""
    base = load_policy(sweep.baseline)
    source = _baseline_source(sweep.baseline)
    policies = {"baseline": base}
    names = {"baseline": f"baseline ({base.id})"}
    for i, reform in enumerate(sweep.scenarios, start=1):
        policies[f"scenario_{i}"] = apply_reform(source, reform)
        names[f"scenario_{i}"] = reform.name
    return policies, names


def run_sweep(
    claims: pd.DataFrame | None,
    people: pd.DataFrame | None,
    sweep: Sweep | Mapping[str, Any] | str | os.PathLike[str],
    *,
    dataset: str | os.PathLike[str] | None = None,
    address: Any = None,
    out_dir: str | os.PathLike[str] | None = None,
    catastrophic_threshold: Decimal | str | int = DEFAULT_CATASTROPHIC_THRESHOLD,
    progress: bool = False,
) -> SweepRun:
    """Run every scenario of a sweep over one population and tabulate them.

    Locally (``address=None``) on the ``claims`` and ``people`` tables; on a Dask cluster
    (``address``: a client, ``local:N`` or ``tcp://host:port``) over a partitioned
    ``dataset`` (:func:`~zjj_medical.batch.distributed.partition_dataset`), each partition
    a task that settles it under every scenario. Both give the same table.
    """
    spec = load_sweep(sweep)
    policies, names = sweep_policies(spec)
    parts: dict[str, list[SummaryPart]]
    if address is not None:
        from zjj_medical.batch.distributed import simulate_dask

        if dataset is None:
            raise ValueError("run_sweep: a Dask run needs dataset= (a partitioned dataset)")
        run = simulate_dask(
            dataset, out_dir, address=address, policies=policies,
            catastrophic_threshold=catastrophic_threshold, progress=progress,
        )  # fmt: skip
        parts = run.parts
    else:
        from zjj_medical.batch import simulate

        if claims is None or people is None:
            raise ValueError("run_sweep: a local run needs the claims and people tables")
        on = latest_date(claims)
        parts = {}
        for key, policy in policies.items():
            result = simulate(claims, people, policy=policy, money="fen")
            parts[key] = [
                summary_part(result, people, claims=claims, policy=policy, on=on, money="fen")
            ]
    threshold = catastrophic_threshold
    summaries = {
        key: combine_parts(parts[key], policy=policies[key], catastrophic_threshold=threshold)
        for key in policies
    }
    table = sweep_table(summaries, names, parts)
    return SweepRun(spec, policies, names, summaries, table)


def sweep_table(
    summaries: Mapping[str, Summary],
    names: Mapping[str, str],
    parts: Mapping[str, Sequence[SummaryPart]],
) -> pd.DataFrame:
    """One row per scenario (the first is the baseline): ``name``; ``fund_<layer>`` per
    layer, ``reimbursed``, ``reimbursed_change`` (from the baseline), ``out_of_pocket``
    (money, exact); the poor's indicators (``in_county_actual_ratio`` …) and whether each
    target is met (``<id>_met``); ``oop_p50`` … ``oop_max`` (out-of-pocket per person-year,
    everyone); ``better_off`` / ``worse_off`` (persons whose year's out-of-pocket is lower /
    higher than under the baseline)."""
    keys = list(summaries)
    base_key = keys[0]
    base_oop = np.concatenate([p.person_oop for p in parts[base_key]])
    layer_ids: list[str] = []
    for key in keys:
        for layer in summaries[key].fund_cost["layer"]:
            if layer not in layer_ids:
                layer_ids.append(str(layer))
    money: dict[str, list[int]] = {f"fund_{x}": [] for x in layer_ids}
    money |= {"reimbursed": [], "reimbursed_change": [], "out_of_pocket": []}
    money |= {("oop_max" if p == 100 else f"oop_p{p}"): [] for p in PERCENTILES}
    other: dict[str, list[Any]] = {"name": [], "better_off": [], "worse_off": []}
    base_reimbursed = _fen(summaries[base_key].totals.loc["all", "reimbursed"])
    for key in keys:
        s = summaries[key]
        cost = s.fund_cost.set_index("layer")["amount"]
        for x in layer_ids:
            money[f"fund_{x}"].append(_fen(cost[x]) if x in cost.index else 0)
        reimbursed = _fen(s.totals.loc["all", "reimbursed"])
        money["reimbursed"].append(reimbursed)
        money["reimbursed_change"].append(reimbursed - base_reimbursed)
        money["out_of_pocket"].append(_fen(s.totals.loc["all", "out_of_pocket"]))
        oop = np.concatenate([p.person_oop for p in parts[key]])
        values = np.sort(oop)
        for p in PERCENTILES:
            rank = nearest_rank(values, p)
            money["oop_max" if p == 100 else f"oop_p{p}"].append(0 if rank is None else _fen(rank))
        change = oop - base_oop
        other["name"].append(names[key])
        other["better_off"].append(int((change < 0).sum()))
        other["worse_off"].append(int((change > 0).sum()))
        for ind, row in s.poor.iterrows():
            other.setdefault(str(ind), []).append(row["value"])
            if row["target"] is not None:
                other.setdefault(f"{ind}_met", []).append(row["met"])
    table = pd.DataFrame({"name": other.pop("name")}, index=keys)
    for col, amounts in money.items():
        table[col] = money_from_fen(np.array(amounts, dtype=np.int64), index=keys)
    for col, cells in other.items():
        if len(cells) == len(keys):
            table[col] = pd.Series(cells, index=keys, dtype=object)
    return table


def _fen(value: Any) -> int:
    return int(Decimal(value) * 100)


def sweep_figure(table: pd.DataFrame) -> Any:
    """Fund cost by layer per scenario, stacked bars (a matplotlib ``Figure``)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fund = [c for c in table.columns if c.startswith("fund_")]
    data = table[fund].astype("float64") / 10_000  # 万元, for the axis only
    data.columns = [c.removeprefix("fund_") for c in fund]
    fig = Figure(figsize=(max(6.0, 1.2 * len(table) + 3), 4.5), layout="constrained")
    ax = fig.add_subplot()
    data.plot.bar(stacked=True, ax=ax)
    ax.set_ylabel("fund cost (10,000 yuan)")
    ax.set_xlabel("scenario")
    ax.set_title("Fund cost by layer per scenario")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
