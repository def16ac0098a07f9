"""zjj_medical against OpenFisca, side by side: the same rules on the same claims file.

Run: ``python benchmarks/bench_openfisca.py`` (``--claims N``, default 1,000,000;
``--quick`` for 100,000; ``--repeat R``, best of R, default 3). Needs ``openfisca-core``
installed next to zjj_medical (it is not a dependency of the project).

Data: the files of ``bench_scale.py`` (its ``_write_files``: the seeded tables of
``bench_simulate.py``, string ids, dates as ISO text, money as float yuan), written once
as CSV and Parquet. Every measured run is a fresh process; best of R, the runs of the
sides interleaved:

* compute — the tables read from Parquet before the clock starts, then
  - OpenFisca (``openfisca_model.py``): the model's input arrays from the tables (person
    columns joined, in-county, level codes) and ``calculate`` of every layer; and
    ``calculate`` alone on arrays already built;
  - zjj_medical: ``simulate(claims, people, policy=policy, money="fen")``, the built-in
    policy read before the clock starts (as OpenFisca's tax-benefit system is built before
    it);
  - the numpy reference of ``bench_simulate.py`` (no validation, no accumulation);
* every figure twice: wall time, and CPU time (``time.process_time()``; end to end, GNU
  time's user + system) — on a machine shared with other jobs the wall time grows with the
  load, the CPU time much less;
* end to end, wall time of the process and its peak RSS (GNU time's ``%M``):
  - OpenFisca: pandas reads the claims and people (CSV or Parquet), the model computes,
    pandas writes claim id, person id and the layers (CSV or Parquet);
  - zjj_medical: ``zjj-medical simulate CLAIMS --people PEOPLE -o OUT``.

The totals reimbursed of OpenFisca and zjj_medical are printed; they must agree within 1 %
(the model settles each claim alone and in float32, the library over the person's year).
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
MAIN = "import sys; from zjj_medical.cli import main; sys.argv[0] = 'zjj-medical'; main()"


def _vmhwm() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read(d: Path, kind: str):  # type: ignore[no-untyped-def]
    import pandas as pd

    if kind == "csv":
        return pd.read_csv(d / "claims.csv"), pd.read_csv(d / "people.csv")
    return pd.read_parquet(d / "claims.parquet"), pd.read_parquet(d / "people.parquet")


def run_child(what: str, d: Path) -> None:
    """One measured run in this fresh process; prints seconds, total reimbursed, peak RSS,
    CPU seconds (and, for OpenFisca's compute, the seconds and CPU seconds of ``calculate``)."""
    sys.path.insert(0, str(HERE))
    extra = ""
    cpu = time.process_time()
    if what in ("of-compute", "of-calculate", "ours-compute", "numpy"):
        claims, people = _read(d, "parquet")
        if what == "ours-compute":
            from zjj_medical import load_policy
            from zjj_medical.batch import simulate

            policy = load_policy()  # read before the clock, as OpenFisca's system is built
            t, cpu = time.perf_counter(), time.process_time()
            out = simulate(claims, people, policy=policy, money="fen")
            wall = time.perf_counter() - t
            total = int(out["reimbursed"].sum()) / 100
        elif what == "numpy":
            import pandas as pd
            from bench_simulate import reference

            claims["date"] = pd.to_datetime(claims["date"])
            t, cpu = time.perf_counter(), time.process_time()
            ref = reference(claims, people)
            wall = time.perf_counter() - t
            total = sum(int(v.sum()) for v in ref.values()) / 100
        else:
            import openfisca_model as model

            tbs = model.tax_benefit_system()
            t, cpu = time.perf_counter(), time.process_time()
            arrays = model.inputs(claims, people)
            t_calc, cpu_calc = time.perf_counter(), time.process_time()
            res = model.calculate(tbs, arrays)
            wall = time.perf_counter() - t
            extra = f" {time.perf_counter() - t_calc:.4f} {time.process_time() - cpu_calc:.4f}"
            total = float(res["reimbursed"].astype("float64").sum())
    else:  # of-csv, of-parquet: end to end, timed by the parent
        import openfisca_model as model
        import pandas as pd

        kind = what.split("-")[1]
        claims, people = _read(d, kind)
        res = model.calculate(model.tax_benefit_system(), model.inputs(claims, people))
        out = pd.DataFrame({"claim_id": claims["claim_id"], "person_id": claims["person_id"]})
        for name, values in res.items():
            out[name] = values
        if kind == "csv":
            out.to_csv(d / "out-openfisca.csv", index=False)
        else:
            out.to_parquet(d / "out-openfisca.parquet", index=False)
        wall, total = 0.0, float(res["reimbursed"].astype("float64").sum())
    print(f"{wall:.4f} {total:.2f} {_vmhwm():.0f} {time.process_time() - cpu:.4f}{extra}")


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(SRC), str(HERE)])
    return {**os.environ, "PYTHONPATH": path, "PYTHONHASHSEED": "0"}


def _children(whats: list[str], d: Path, repeat: int) -> list[list[float]]:
    """The best of ``repeat`` fresh processes of ``run_child`` each, figure by figure (the
    least wall time, the least CPU time …).

    The runs are interleaved (a, b, c, a, b, c, …) so a change of load on a shared machine
    falls on every side alike.
    """
    runs: list[list[list[float]]] = [[] for _ in whats]
    for _ in range(repeat):
        for i, what in enumerate(whats):
            res = subprocess.run(
                [sys.executable, __file__, "--run", what, str(d)], env=_env(), check=True,
                capture_output=True, text=True,
            )  # fmt: skip
            runs[i].append([float(x) for x in res.stdout.strip().splitlines()[-1].split()])
    return [[min(column) for column in zip(*r, strict=True)] for r in runs]


def _timed(cmds: list[list[str]], repeat: int) -> list[tuple[float, float, float]]:
    """Best wall time of ``repeat`` fresh processes of each command (interleaved), the peak
    RSS (MiB) of that run, and the least CPU time (user + system) of the runs."""
    runs: list[list[tuple[float, float, float]]] = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            res = subprocess.run(
                ["/usr/bin/time", "-f", "%e %M %U %S", *cmd], env=_env(), check=True,
                capture_output=True, text=True,
            )  # fmt: skip
            wall, kib, user, system = res.stderr.strip().splitlines()[-1].split()
            runs[i].append((float(wall), int(kib) / 1024, float(user) + float(system)))
    return [(*min(r)[:2], min(x[2] for x in r)) for r in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 claims: a smoke run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run", nargs=2, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.run:
        run_child(a.run[0], Path(a.run[1]))
        return
    from importlib.metadata import version

    import numpy
    import openfisca_core

    sys.path.insert(0, str(HERE))
    from bench_scale import _write_files

    n = 100_000 if a.quick else a.claims
    r = a.repeat
    print(f"openfisca-core {version('openfisca-core')} ({openfisca_core.__name__}), "
          f"numpy {numpy.__version__}, Python {sys.version.split()[0]}")  # fmt: skip
    print(f"load at start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="zjj-of-bench-") as tmp:
        d = Path(tmp)
        _write_files(n, d)
        of_c, ours_c, ref = _children(["of-compute", "ours-compute", "numpy"], d, r)
        diff = (ours_c[1] - of_c[1]) / ours_c[1]
        print(f"\n## compute, {n:,} claims, tables in memory, best of {r} fresh processes")
        print(f"total reimbursed: zjj_medical {ours_c[1]:,.2f} yuan, OpenFisca {of_c[1]:,.2f} "
              f"yuan ({diff:+.2%}); numpy reference {ref[1]:,.2f} yuan")  # fmt: skip
        assert abs(diff) < 0.01, "OpenFisca and zjj_medical differ by more than 1 %"
        print("| | time | claims/s | zjj_medical ÷ this (time) | CPU time | zjj_medical ÷ this "
              "(CPU) | peak RSS of the process |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|")
        rows = [
            ("OpenFisca: inputs from the tables + calculate", of_c[0], of_c[3], of_c[2]),
            ("OpenFisca: calculate alone (arrays built)", of_c[4], of_c[5], of_c[2]),
            ("numpy reference (no accumulation)", ref[0], ref[3], ref[2]),
            ("zjj_medical `simulate`", ours_c[0], ours_c[3], ours_c[2]),
        ]
        for name, t, c, rss in rows:
            print(f"| {name} | {t:.3f} s | {n / t:,.0f} | {ours_c[0] / t:.2f} | {c:.3f} s | "
                  f"{ours_c[3] / c:.2f} | {rss:,.0f} MiB |")  # fmt: skip
        print(f"\n## end to end, {n:,} claims, a fresh process each, best of {r}")
        print("| | input → output | wall | claims/s | CPU (user + system) | peak RSS | "
              "MiB per M claims |")  # fmt: skip
        print("|---|---|---:|---:|---:|---:|---:|")
        e2e = {}
        for kind in ("csv", "parquet"):
            of_cmd = [sys.executable, __file__, "--run", f"of-{kind}", str(d)]
            ours_cmd = [sys.executable, "-c", MAIN, "simulate", str(d / f"claims.{kind}"),
                        "--people", str(d / f"people.{kind}"), "-o", str(d / f"out.{kind}")]  # fmt: skip
            e2e["OpenFisca", kind], e2e["zjj_medical", kind] = _timed([of_cmd, ours_cmd], r)
            for who in ("OpenFisca", "zjj_medical"):
                wall, rss, cpu = e2e[who, kind]
                print(f"| {who} | {kind} → {kind} | {wall:.2f} s | {n / wall:,.0f} | "
                      f"{cpu:.2f} s | {rss:,.0f} MiB | {rss * 1e6 / n:,.0f} |")  # fmt: skip
        print("\n## ratios, zjj_medical ÷ OpenFisca (time: below 1 is faster)")
        print(f"compute (inputs + calculate): time {ours_c[0] / of_c[0]:.2f}, CPU "
              f"{ours_c[3] / of_c[3]:.2f}; against calculate alone: time "
              f"{ours_c[0] / of_c[4]:.2f}, CPU {ours_c[3] / of_c[5]:.2f}")  # fmt: skip
        for kind in ("csv", "parquet"):
            (ow, orss, oc), (zw, zrss, zc) = e2e["OpenFisca", kind], e2e["zjj_medical", kind]
            print(f"end to end {kind}: time {zw / ow:.2f}, CPU {zc / oc:.2f}, "
                  f"peak RSS {zrss / orss:.2f}")  # fmt: skip
    print(f"load at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
