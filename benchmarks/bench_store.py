"""Throughput of settlement through the ledger store, against plain in-memory ``settle``.

Run: ``python benchmarks/bench_store.py`` (``--claims N``, ``--persons M``, ``--repeat K``).

The same claims (M persons of 慈利县, half of them registered poor, each with a year of
inpatient and outpatient claims) are settled four ways in one run:

* baseline: ``settle`` in memory, the ledger carried in a dict — no store;
* ``LedgerBook.settle`` on a SQLite file, one process, ``synchronous=FULL`` and ``NORMAL``
  (one transaction per claim: read ledger, settle, write settlement and ledger, commit);
* two processes settling on one file at once (``FULL`` and ``NORMAL``), the claims of
  every person split between them, so they contend for the same person-years.

Each way is checked to give the same settlements as the baseline before its figure is shown.
Figures are settlements per second and the time per settlement as a multiple of the baseline's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zjj_medical import Claim, Facility, Ledger, Person, settle
from zjj_medical.store import LedgerBook

KINDS = ("inpatient", "outpatient", "outpatient")


def workload(n_claims: int, n_persons: int) -> list[tuple[Claim, Person]]:
    """Claims in date order, each with its person; fixed seed so every run is the same."""
    rng = random.Random(2019)
    persons = [Person(f"P{i:04d}", poor=i % 2 == 0, county="cili") for i in range(n_persons)]
    out = []
    for k in range(n_claims):
        kind = KINDS[k % 3]
        level = "county" if kind == "inpatient" else "township"
        fen = rng.randint(5_000, 6_000_000 if kind == "inpatient" else 60_000)
        total = f"{fen // 100}.{fen % 100:02d}"
        day = f"2019-{1 + k * 12 // n_claims:02d}-{1 + k % 28:02d}"
        facility = Facility(level=level, county="cili")
        out.append((Claim(f"C{k:06d}", kind, day, facility, total, total), persons[k % n_persons]))
    return out


def baseline(claims: list[tuple[Claim, Person]]) -> dict[str, dict[str, Any]]:
    """Plain ``settle`` with the ledgers in a dict."""
    ledgers: dict[str, Ledger] = {}
    out = {}
    for claim, person in claims:
        s = settle(claim, person, ledger=ledgers.get(person.id))
        ledgers[person.id] = s.ledger
        out[claim.id] = s.to_dict(trace=False)
    return out


def through_store(path: str, claims: list[tuple[Claim, Person]], synchronous: str) -> None:
    """One ``LedgerBook.settle`` (one transaction) per claim."""
    with LedgerBook.open(path, synchronous=synchronous) as book:
        for claim, person in claims:
            book.settle(claim, person)


def _worker(path: str, n_claims: int, n_persons: int, half: int, sync: str, start: Any) -> None:
    claims = workload(n_claims, n_persons)[half::2]  # values are rebuilt: they do not pickle
    with LedgerBook.open(path, synchronous=sync) as book:
        start.wait()
        for claim, person in claims:
            book.settle(claim, person)


def stored(path: str) -> dict[str, dict[str, Any]]:
    """The store's settlements, by claim id."""
    with LedgerBook.open(path) as book:
        return {r.claim_id: r.settlement.to_dict(trace=False) for r in book.store.find()}


def check_sequential(path: str, claims: list[tuple[Claim, Person]]) -> None:
    """Two-process result = sequential settlement in the committed order of each person-year."""
    persons = {p.id: p for _, p in claims}
    by_id = {c.id: c for c, _ in claims}
    with LedgerBook.open(path) as book:
        for pid, person in persons.items():
            ledger = book.ledger(pid, 2019)
            expected = baseline([(by_id[cid], person) for cid in ledger.claim_ids])
            got = {
                r.claim_id: r.settlement.to_dict(trace=False) for r in book.settlements(pid, 2019)
            }
            assert expected == got, pid


def two_processes(path: str, n_claims: int, n_persons: int, sync: str) -> float:
    """Wall time of two processes settling the claims (every person's split between them)."""
    ctx = mp.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_worker, args=(path, n_claims, n_persons, half, sync, start))
        for half in (0, 1)
    ]
    for p in procs:
        p.start()
    time.sleep(2.0)  # let both children import and open the store
    t0 = time.perf_counter()
    start.set()
    for p in procs:
        p.join()
    seconds = time.perf_counter() - t0
    assert [p.exitcode for p in procs] == [0, 0]
    return seconds


def best(repeat: int, fn: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds (the machine may be shared)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=600)
    parser.add_argument("--persons", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per way")
    args = parser.parse_args()
    claims = workload(args.claims, args.persons)
    n = len(claims)
    baseline(claims[:50])  # warm up: policy loaded, caches filled

    expected = baseline(claims)
    base = best(args.repeat, lambda: baseline(claims))
    rows = [("settle in memory (baseline)", base)]

    with tempfile.TemporaryDirectory() as tmp:
        for sync in ("FULL", "NORMAL"):
            runs = []
            for k in range(args.repeat):
                path = str(Path(tmp) / f"one-{sync}-{k}.db")
                LedgerBook.open(path).close()
                t0 = time.perf_counter()
                through_store(path, claims, sync)
                runs.append(time.perf_counter() - t0)
                assert expected == stored(path)
            rows.append((f"LedgerBook.settle, 1 process, synchronous={sync}", min(runs)))

        for sync in ("FULL", "NORMAL"):
            runs = []
            for k in range(args.repeat):
                path = str(Path(tmp) / f"two-{sync}-{k}.db")
                LedgerBook.open(path).close()
                runs.append(two_processes(path, args.claims, args.persons, sync))
                assert set(expected) == set(stored(path))
                check_sequential(path, claims)
            rows.append((f"LedgerBook.settle, 2 processes, one file, {sync}", min(runs)))

    print(f"{n} claims, {args.persons} persons, one transaction per claim, best of {args.repeat}")
    print(f"{'':<50} {'settlements/s':>14} {'time ×baseline':>15}")
    for name, seconds in rows:
        print(f"{name:<50} {n / seconds:>14.0f} {seconds / base:>14.1f}×")


if __name__ == "__main__":
    main()
