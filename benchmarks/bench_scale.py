"""The batch path near the hardware and beyond one machine: before/after, Dask 1 vs 2 workers.

Run: ``python benchmarks/bench_scale.py --before /tmp/before/src`` where ``/tmp/before/src``
is the ``src`` of an earlier checkout (``git archive <commit> src | tar -x -C /tmp/before``);
without ``--before`` only this checkout is measured. Options: ``--claims N`` (default
1,000,000), ``--repeat R`` (best of R, default 3), ``--skip compute,cli,dask``.

Data: the tables of ``bench_simulate.py`` (seeded numpy), with the realistic input forms of
a DataFrame read from a billing system: string ids, dates as ISO text, money as float yuan.

* ``compute`` — ``simulate(claims, people, money="fen")`` on the tables in memory, and
  ``summarize`` on its result, best of R, each version in its own process; the numpy
  reference of ``bench_simulate.py`` in the same process as a yardstick.
* ``cli`` — ``zjj-medical simulate CLAIMS --people PEOPLE -o OUT`` end to end, CSV → CSV and
  Parquet → Parquet, one fresh process per run: wall time and peak RSS (GNU time's
  ``%M``).
* ``dask`` — the claims written as a dataset partitioned by person
  (``partition_dataset``), settled with ``simulate_dask`` on a ``LocalCluster`` of 1 and of 2
  worker processes (one thread each); and one partition settled alone in a fresh process:
  its time and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def _tables(n: int):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(HERE))
    from bench_simulate import make_tables

    claims, people = make_tables(n)
    claims["date"] = claims["date"].dt.strftime("%Y-%m-%d")
    return claims, people


def _vmhwm() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_compute(n: int, repeat: int) -> None:
    """In a subprocess: time simulate and summarize on this interpreter's zjj_medical."""
    from zjj_medical import load_policy
    from zjj_medical.analysis.metrics import summarize
    from zjj_medical.batch import simulate

    claims, people = _tables(n)
    policy = load_policy()
    best_sim = best_sum = cpu_sim = float("inf")
    for _ in range(repeat):
        t, cpu = time.perf_counter(), time.process_time()
        result = simulate(claims, people, policy=policy, money="fen")
        best_sim = min(best_sim, time.perf_counter() - t)
        cpu_sim = min(cpu_sim, time.process_time() - cpu)
        t = time.perf_counter()
        summarize(result, people, claims=claims, policy=policy, money="fen")
        best_sum = min(best_sum, time.perf_counter() - t)
    print(f"{best_sim:.3f} {best_sum:.3f} {int(result['reimbursed'].sum())} {_vmhwm():.0f} "
          f"{cpu_sim:.3f}")  # fmt: skip


def run_reference(n: int, repeat: int) -> None:
    sys.path.insert(0, str(HERE))
    from bench_simulate import make_tables, reference

    claims, people = make_tables(n)
    best = best_cpu = float("inf")
    for _ in range(repeat):
        t, cpu = time.perf_counter(), time.process_time()
        reference(claims, people)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{best:.3f} {best_cpu:.3f}")


def _sub(args: list[str], src: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    res = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True
    )
    return res.stdout.strip().splitlines()[-1]


def compute(n: int, repeat: int, versions: dict[str, Path]) -> None:
    ref, ref_cpu = map(float, _sub(["--run", "reference", str(n), str(repeat)], SRC).split())
    print(f"\n## compute, {n:,} claims (string ids, ISO text dates, float yuan), best of {repeat}")
    print("| version | simulate | claims/s | vs numpy reference | CPU time | claims per CPU "
          "second | summarize | peak RSS |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| numpy reference (no accumulation) | {ref:.2f} s | {n / ref:,.0f} | 1.00× | "
          f"{ref_cpu:.2f} s | {n / ref_cpu:,.0f} | | |")  # fmt: skip
    sums = set()
    for name, src in versions.items():
        sim, summ, total, rss, cpu = _sub(["--run", "compute", str(n), str(repeat)], src).split()
        sums.add(total)
        print(f"| {name} | {float(sim):.2f} s | {n / float(sim):,.0f} | "
              f"{ref / float(sim):.2f}× | {float(cpu):.2f} s | {n / float(cpu):,.0f} | "
              f"{float(summ):.2f} s | {float(rss):,.0f} MiB |")  # fmt: skip
    assert len(sums) == 1, f"versions disagree on the total reimbursed: {sums}"


def _timed(cmd: list[str], src: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    res = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *cmd], env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    wall, kib = res.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kib) / 1024


def _write_files(n: int, d: Path) -> None:
    claims, people = _tables(n)
    claims.to_csv(d / "claims.csv", index=False)
    people.to_csv(d / "people.csv", index=False)
    claims.to_parquet(d / "claims.parquet", index=False)
    people.to_parquet(d / "people.parquet", index=False)


def cli(n: int, versions: dict[str, Path], d: Path) -> None:
    print(
        f"\n## CLI end to end, {n:,} claims (`zjj-medical simulate CLAIMS --people PEOPLE -o OUT`)"
    )
    print("| version | input → output | wall | claims/s | peak RSS |")
    print("|---|---|---:|---:|---:|")
    main = "import sys; from zjj_medical.cli import main; sys.argv[0] = 'zjj-medical'; main()"
    for name, src in versions.items():
        for kind in ("csv", "parquet"):
            cmd = [sys.executable, "-c", main, "simulate", str(d / f"claims.{kind}"),
                   "--people", str(d / f"people.{kind}"), "-o", str(d / f"out-{name}.{kind}")]  # fmt: skip
            wall, rss = _timed(cmd, src)
            print(f"| {name} | {kind} → {kind} | {wall:.1f} s | {n / wall:,.0f} | {rss:,.0f} MiB |")


def run_dask(dataset: str, workers: int) -> None:
    from zjj_medical.batch.distributed import simulate_dask

    t = time.perf_counter()
    run = simulate_dask(dataset, None, address=f"local:{workers}", progress=False)
    wall = time.perf_counter() - t
    print(f"{wall:.3f} {run.summary.claims} {run.summary.totals.loc['all', 'reimbursed']}")


def run_dask_warm(dataset: str, workers: int, repeat: int) -> None:
    """simulate_dask on a cluster already started: the settling alone, best of ``repeat``."""
    from dask.distributed import Client, LocalCluster

    from zjj_medical.batch.distributed import simulate_dask

    t = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0",
                           silence_logs=40)  # fmt: skip
    client = Client(cluster)
    start = time.perf_counter() - t
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        simulate_dask(dataset, None, address=client, progress=False)
        best = min(best, time.perf_counter() - t)
    client.close()
    cluster.close()
    print(f"{start:.3f} {best:.3f}")


def run_partition(dataset: str, p: int) -> None:
    from zjj_medical.analysis.metrics import summary_part
    from zjj_medical.batch import simulate
    from zjj_medical.batch.distributed import read_dataset_partition

    t = time.perf_counter()
    claims, people = read_dataset_partition(dataset, p)
    claims = claims.drop(columns=["row"])
    result = simulate(claims, people, money="fen")
    summary_part(result, people, claims=claims, money="fen")
    print(f"{time.perf_counter() - t:.3f} {len(claims)} {_vmhwm():.0f}")


def dask(n: int, d: Path, partitions: int) -> None:
    from zjj_medical.batch.distributed import partition_dataset

    t = time.perf_counter()
    partition_dataset(
        d / "claims.parquet", d / "people.parquet", d / "dataset", partitions=partitions
    )
    split = time.perf_counter() - t
    print(f"\n## Dask, {n:,} claims in {partitions} partitions (partitioning: {split:.1f} s)")
    one = _sub(["--run", "partition", str(d / "dataset"), "0"], SRC).split()
    print(f"one partition alone ({int(one[1]):,} claims, fresh process): {float(one[0]):.2f} s, "
          f"peak RSS {float(one[2]):,.0f} MiB")  # fmt: skip
    print("| workers | wall, start-up included | claims/s | summary reimbursed |")
    print("|---:|---:|---:|---:|")
    for w in (1, 2):
        wall, _claims, reimbursed = _sub(["--run", "dask", str(d / "dataset"), str(w)], SRC).split()
        print(f"| {w} | {float(wall):.1f} s | {n / float(wall):,.0f} | {reimbursed} |")
    print("| workers | cluster start-up | settling on the started cluster (best of 3) | claims/s |")
    print("|---:|---:|---:|---:|")
    for w in (1, 2):
        start, best = _sub(["--run", "dask-warm", str(d / "dataset"), str(w), "3"], SRC).split()
        print(f"| {w} | {float(start):.1f} s | {float(best):.2f} s | {n / float(best):,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--skip", default="")
    parser.add_argument("--run", nargs="+", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.run:
        kind, *rest = a.run
        if kind == "compute":
            run_compute(int(rest[0]), int(rest[1]))
        elif kind == "reference":
            run_reference(int(rest[0]), int(rest[1]))
        elif kind == "dask":
            run_dask(rest[0], int(rest[1]))
        elif kind == "dask-warm":
            run_dask_warm(rest[0], int(rest[1]), int(rest[2]))
        elif kind == "partition":
            run_partition(rest[0], int(rest[1]))
        return
    skip = set(a.skip.split(","))
    versions = {"before": a.before} if a.before else {}
    versions["this checkout"] = SRC
    if "compute" not in skip:
        compute(a.claims, a.repeat, versions)
    with tempfile.TemporaryDirectory(prefix="zjj-bench-") as tmp:
        d = Path(tmp)
        if not {"cli", "dask"} <= skip:
            _write_files(a.claims, d)
        if "cli" not in skip:
            cli(a.claims, versions, d)
        if "dask" not in skip:
            dask(a.claims, d, a.partitions)


if __name__ == "__main__":
    main()
