"""Throughput of the batch engine ``simulate`` against a hand-written numpy reference.

Run: ``python benchmarks/bench_simulate.py`` (options: ``--claims N``, ``--files``,
``--big N`` for the end-to-end file runs, ``--profile``).

Data: ``N`` claims (default 1,000,000) of ``0.6 N`` persons, generated with numpy
(seeded): every person has one claim, the remaining ``0.4 N`` claims go to persons at
random (so some have several); 40 % inpatient, 60 % outpatient, all levels, a few
claims at the two designated municipal hospitals, dates over 2019, log-normal costs
with a heavy tail, money as float yuan with two decimals (as ``read_csv`` gives it).

Compute (same process, tables in memory, no file I/O):

* ``reference`` — the built-in policy's arithmetic for the inpatient and outpatient
  layers written directly in int64 numpy for this data: money to fen, the person's
  columns joined, tier / in-county / poor lookups, basic insurance, critical
  illness, the three zero-rate safety-net layers, the fiscal backstop and outpatient
  pooling, each claim as if it were its person's only claim of the year (NO annual
  accumulation, no validation, no policy file);
* ``simulate`` — the library: validation, policy resolution, accumulation over the
  year in (date, claim id) order, error column.

The benchmark checks that both give the same payments on the claims that are their
person's only claim of the year, then reports the throughput ratio.

Files (``--files`` at ``--claims``, ``--big N`` for a second size; each run in a fresh
subprocess so its peak RSS is its own): CSV → CSV and Parquet → Parquet, wall time
and peak RSS (``VmHWM`` of ``/proc/self/status``; ``ru_maxrss`` would carry the
parent's size across ``execve``) of

* ``memory`` — pandas reads the whole files, ``simulate``, pandas writes;
* ``stream`` — :func:`zjj_medical.batch.simulate_file`, which settles the file in
  partitions by person (the only mode at ``--big`` sizes: the whole-table mode needs
  about 1.1 GiB per million claims).

``--repeat 0`` skips the compute comparison.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zjj_medical import load_policy
from zjj_medical.batch import simulate, simulate_file

COUNTIES = np.array(["yongding", "wulingyuan", "cili", "sangzhi"], dtype=object)
IN_LEVELS = np.array(["township", "community", "county", "municipal", "provincial"], dtype=object)
OUT_LEVELS = np.array(
    ["village_clinic", "township", "community", "county", "municipal", "provincial"], dtype=object
)


def make_tables(
    n_claims: int, seed: int = 2019, prefix: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims and people tables (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_people = max(1, int(n_claims * 0.6))
    people = pd.DataFrame({
        "person_id": np.char.add(f"P{prefix}", np.arange(n_people).astype(str)).astype(object),
        "poor": rng.random(n_people) < 0.3,
        "county": COUNTIES[rng.integers(0, 4, n_people)],
    })  # fmt: skip
    person = np.concatenate([np.arange(n_people), rng.integers(0, n_people, n_claims - n_people)])
    person = person[rng.permutation(n_claims)]
    inpatient = rng.random(n_claims) < 0.4
    level = np.where(
        inpatient,
        IN_LEVELS[rng.choice(5, n_claims, p=[0.3, 0.05, 0.4, 0.15, 0.1])],
        OUT_LEVELS[rng.choice(6, n_claims, p=[0.35, 0.3, 0.1, 0.15, 0.05, 0.05])],
    )
    own = people["county"].to_numpy()[person]
    fcounty = np.where(rng.random(n_claims) < 0.85, own, COUNTIES[rng.integers(0, 4, n_claims)])
    designated = (level == "municipal") & (rng.random(n_claims) < 0.5)
    fid = np.where(
        designated,
        np.where(rng.random(n_claims) < 0.5, "zjj-peoples-hospital", "zjj-tcm-hospital"),
        None,
    )
    fcounty = np.where(np.isin(level, ["municipal", "provincial"]), None, fcounty)
    scale = np.where(inpatient, 8000.0, 120.0)
    in_scope = np.minimum(np.round(rng.lognormal(0, 1.1, n_claims) * scale * 100), 5e7)
    total = in_scope + np.round(in_scope * rng.uniform(0, 0.3, n_claims))
    day = rng.integers(0, 365, n_claims).astype("timedelta64[D]")
    claims = pd.DataFrame({
        "claim_id": np.char.add(f"C{prefix}", np.arange(n_claims).astype(str)).astype(object),
        "person_id": people["person_id"].to_numpy()[person],
        "kind": np.where(inpatient, "inpatient", "outpatient").astype(object),
        "date": np.datetime64("2019-01-01") + day,
        "facility_id": fid.astype(object),
        "facility_level": level.astype(object),
        "facility_county": fcounty.astype(object),
        "total": total / 100.0,
        "in_scope": in_scope / 100.0,
        "accident": rng.random(n_claims) < 0.05,
    })  # fmt: skip
    return claims, people


def _half_up(x: np.ndarray, r: int) -> np.ndarray:
    """round_half_up(x × r / 100) for x ≥ 0 fen and r a ratio in hundredths."""
    return (x * r + 50) // 100


def _bands(e: np.ndarray, poor: np.ndarray) -> np.ndarray:
    """round(F): critical-illness bands on E (amount above the deductible), in fen."""
    edges = np.array([0, 3_000_000, 8_000_000, 15_000_000], dtype=np.int64)
    rates = np.array([60, 65, 75, 85], dtype=np.int64)
    num = np.zeros(len(e), dtype=np.int64)
    for k in range(4):
        hi = e if k == 3 else np.minimum(e, edges[k + 1])
        piece = np.maximum(hi - edges[k], 0)
        num += piece * (rates[k] + 5 * poor)
    return (num + 50) // 100


def reference(claims: pd.DataFrame, people: pd.DataFrame) -> dict[str, np.ndarray]:
    """The built-in policy for one claim per person-year, inlined in int64 numpy."""
    total = np.rint(claims["total"].to_numpy() * 100).astype(np.int64)
    in_scope = np.rint(claims["in_scope"].to_numpy() * 100).astype(np.int64)
    at = pd.Index(people["person_id"]).get_indexer(claims["person_id"])
    poor = people["poor"].to_numpy()[at].astype(np.int64)
    county = people["county"].to_numpy()[at]
    levels = pd.Index(OUT_LEVELS)
    tier = levels.get_indexer(claims["facility_level"])
    inpatient = (claims["kind"] == "inpatient").to_numpy()
    designated = claims["facility_id"].notna().to_numpy() & np.isin(
        county, ["yongding", "wulingyuan"]
    )
    in_county = ((tier <= 3) & (claims["facility_county"].to_numpy() == county)) | designated
    # basic: deductible by tier (waived for the poor), ratio + 0.10 for the poor, cap 150,000.
    ded = np.array([0, 20000, 20000, 50000, 100000, 150000], dtype=np.int64)[tier] * (1 - poor)
    ratio = np.minimum(np.array([0, 100, 100, 75, 65, 55], dtype=np.int64)[tier] + 10 * poor, 100)
    basic = np.minimum(_half_up(np.maximum(in_scope - ded, 0), ratio), 15_000_000) * inpatient
    # critical illness: annual deductible 10,000 (poor 5,000), bands, cap 300,000 (poor from
    # 2019-10-01: none).
    x = np.maximum(in_scope - basic, 0)
    e = np.maximum(x - np.where(poor == 1, 500_000, 1_000_000), 0)
    ci = _bands(e, poor)
    lifted = (poor == 1) & (claims["date"].to_numpy() >= np.datetime64("2019-10-01"))
    ci = np.where(lifted, ci, np.minimum(ci, 30_000_000))
    ci = np.minimum(ci, total - basic) * inpatient
    # three safety-net layers at rate 0 for the poor (they pay 0); fiscal backstop to 85 % of total.
    target = _half_up(total, 85)
    backstop = np.maximum(target - basic - ci, 0) * (poor == 1) * in_county * inpatient
    backstop = np.minimum(backstop, np.maximum(total - basic - ci, 0))
    # outpatient pooling from 2019-09-01 at primary tiers: 0.70, cap 350.
    from_sep = claims["date"].to_numpy() >= np.datetime64("2019-09-01")
    pooled = np.minimum(_half_up(in_scope, 70), 35_000) * (~inpatient) * (tier <= 2) * from_sep
    return {
        "basic_insurance": basic, "critical_illness": ci, "fiscal_backstop": backstop,
        "outpatient_pooling": pooled,
    }  # fmt: skip


def best_of(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def compute(n: int, repeat: int, profile: bool) -> None:
    claims, people = make_tables(n)
    policy = load_policy()
    got = simulate(claims, people, policy=policy, money="fen")
    ref = reference(claims, people)
    counts = claims.groupby("person_id")["claim_id"].transform("size").to_numpy()
    single = counts == 1
    for layer, values in ref.items():
        assert np.array_equal(values[single], got[layer].to_numpy()[single]), layer
    assert got["error"].isna().all()
    t_ref = best_of(lambda: reference(claims, people), repeat)
    t_sim = best_of(lambda: simulate(claims, people, policy=policy), repeat)
    print(
        f"claims: {n:,}  persons: {len(people):,}  (single-claim persons checked: {single.sum():,})"
    )
    print(f"reference (numpy, no accumulation): {t_ref:8.3f} s  {n / t_ref:12,.0f} claims/s  1.00x")
    print(
        f"simulate:                           {t_sim:8.3f} s  {n / t_sim:12,.0f} claims/s  {t_ref / t_sim:.2f}x"
    )
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        simulate(claims, people, policy=policy)
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())


def file_run(mode: str, claims_path: str, people_path: str, out_path: str) -> None:
    """One end-to-end run (in a subprocess): read, simulate, write; prints seconds and RSS.

    ``memory``: pandas reads the whole files, ``simulate``, pandas writes.
    ``stream``: :func:`zjj_medical.batch.simulate_file` (partitions by person).
    """
    t = time.perf_counter()
    csv = claims_path.endswith(".csv")
    if mode == "stream":
        simulate_file(claims_path, people_path, out_path)
    else:
        if csv:
            claims = pd.read_csv(claims_path, parse_dates=["date"])
            people = pd.read_csv(people_path)
        else:
            claims = pd.read_parquet(claims_path)
            people = pd.read_parquet(people_path)
        out = simulate(claims, people)
        if csv:
            out.to_csv(out_path, index=False)
        else:
            out.to_parquet(out_path, index=False)
    wall = time.perf_counter() - t
    print(f"{wall:.3f} {peak_rss_mib():.0f}")


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started (``VmHWM``).

    ``ru_maxrss`` is not used: Linux keeps it across ``execve``, so a child started
    from a big parent would report the parent's size.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_files(n: int, d: Path) -> None:
    """The benchmark tables as CSV and Parquet, a million claims at a time."""
    writers: dict[str, pq.ParquetWriter] = {}
    step = 1_000_000
    for c, low in enumerate(range(0, n, step)):
        claims, people = make_tables(min(step, n - low), seed=2019 + c, prefix=f"{c}-")
        for name, table in (("claims", claims), ("people", people)):
            table.to_csv(d / f"{name}.csv", index=False, mode="a", header=c == 0)
            arrow = pa.Table.from_pandas(table, preserve_index=False)
            if name not in writers:
                writers[name] = pq.ParquetWriter(d / f"{name}.parquet", arrow.schema)
            writers[name].write_table(arrow.cast(writers[name].schema))
    for w in writers.values():
        w.close()


def files(n: int, modes: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        write_files(n, d)
        for mode in modes:
            for kind in ("csv", "parquet"):
                args = [
                    str(d / f"claims.{kind}"),
                    str(d / f"people.{kind}"),
                    str(d / f"out.{kind}"),
                ]
                res = subprocess.run(
                    [sys.executable, __file__, "--run-file", mode, *args],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                wall, rss = res.stdout.split()[-2:]
                print(
                    f"{mode:6s} {kind:8s} {n:>12,} claims: {float(wall):8.2f} s wall, "
                    f"{n / float(wall):10,.0f} claims/s, peak RSS {float(rss):8.0f} MiB"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--files", action="store_true")
    parser.add_argument("--big", type=int, default=0, help="also run the file runs at this size")
    parser.add_argument("--run-file", nargs=4, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.run_file:
        file_run(*a.run_file)
        return
    if a.repeat:
        compute(a.claims, a.repeat, a.profile)
    if a.files:
        files(a.claims, ("memory", "stream"))
    if a.big:
        files(a.big, ("stream",))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
