"""LedgerBook.settle on SQLite and on PostgreSQL: throughput and latency with 1, 4, 16 writers.

Run: ``python benchmarks/bench_store_backends.py --pg-url postgresql://user@host/db``
(or with ``ZJJ_MEDICAL_TEST_PG_URL`` set; ``--claims N``, ``--persons M``, ``--writers 1,4,16``).
The PostgreSQL store is made in a fresh schema of that database, dropped afterwards.

The claims of ``bench_store.py`` (M persons of 慈利县, fixed seed), each settled in its own
transaction, by W writer processes at once; every person's claims are dealt round-robin
to the writers, so they contend for the same person-years. Each writer times every
``LedgerBook.settle`` call; the table gives the throughput (claims / wall time from the
start signal to the last writer's end) and the median and 99th percentile of the
per-call latency. Baseline, measured in the same run: plain ``settle`` in memory (one
process, the ledgers in a dict). Before its figures are printed each run is checked:
every claim stored once, each person-year equal to settling its claims in memory in the
order the store committed them, and ``verify`` passes.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_store import baseline, check_sequential, stored, workload

from zjj_medical import settle
from zjj_medical.store import LedgerBook

CTX = mp.get_context("spawn")


def _writer(url: str, n_claims: int, n_persons: int, k: int, w: int, start: Any, out: Any) -> None:
    claims = workload(n_claims, n_persons)[k::w]  # rebuilt here: claims do not pickle
    latencies = []
    with LedgerBook.open(url, timeout=120) as book:
        start.wait()
        for claim, person in claims:
            t0 = time.perf_counter()
            book.settle(claim, person)
            latencies.append(time.perf_counter() - t0)
    out.put(latencies)


def run(url: str, n_claims: int, n_persons: int, writers: int) -> tuple[float, list[float]]:
    """Wall seconds of ``writers`` processes settling the claims, and every call's latency."""
    start, out = CTX.Barrier(writers + 1), CTX.Queue()
    procs = [
        CTX.Process(target=_writer, args=(url, n_claims, n_persons, k, writers, start, out))
        for k in range(writers)
    ]
    for p in procs:
        p.start()
    start.wait()  # every writer has imported and opened the store
    t0 = time.perf_counter()
    latencies: list[float] = []
    for _ in procs:
        latencies.extend(out.get())
    seconds = time.perf_counter() - t0
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0] * writers
    return seconds, latencies


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    """A store URL in a fresh schema of the database at ``base`` (dropped afterwards)."""
    import psycopg

    name = "zjjbench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@contextmanager
def sqlite_file(tmp: str, name: str) -> Iterator[str]:
    """A new SQLite store file."""
    yield str(Path(tmp) / f"{name}.db")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--persons", type=int, default=100)
    parser.add_argument("--writers", default="1,4,16")
    parser.add_argument("--pg-url", default=os.environ.get("ZJJ_MEDICAL_TEST_PG_URL"))
    args = parser.parse_args()
    claims = workload(args.claims, args.persons)
    writers = [int(w) for w in args.writers.split(",")]
    baseline(claims[:50])  # warm up: policy loaded, caches filled
    expected = baseline(claims)

    base_lat = []
    t0 = time.perf_counter()
    ledgers: dict[str, Any] = {}
    for claim, person in claims:
        t1 = time.perf_counter()
        s = settle(claim, person, ledger=ledgers.get(person.id))
        ledgers[person.id] = s.ledger
        base_lat.append(time.perf_counter() - t1)
    base_s = time.perf_counter() - t0
    rows = [("settle in memory (baseline)", 1, base_s, base_lat)]

    with tempfile.TemporaryDirectory() as tmp:
        backends = [("SQLite", lambda w: sqlite_file(tmp, f"w{w}"))]
        if args.pg_url:
            backends.append(("PostgreSQL", lambda w: pg_schema(args.pg_url)))
        else:
            print("PostgreSQL skipped: give --pg-url or set ZJJ_MEDICAL_TEST_PG_URL")
        for name, make in backends:
            for w in writers:
                with make(w) as url:
                    LedgerBook.open(url).close()
                    seconds, lat = run(url, args.claims, args.persons, w)
                    assert expected.keys() == stored(url).keys()
                    check_sequential(url, claims)
                    with LedgerBook.open(url) as book:
                        report = book.verify()
                        assert report.ok, report.summary()
                        assert report.postings == len(claims), report.summary()
                rows.append((f"{name}, LedgerBook.settle", w, seconds, lat))

    print(f"{len(claims)} claims, {args.persons} persons, one transaction per claim")
    print(f"{'':<32} {'writers':>7} {'claims/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for label, w, seconds, lat in rows:
        print(
            f"{label:<32} {w:>7} {len(claims) / seconds:>9.0f} "
            f"{1000 * statistics.median(lat):>8.2f} {1000 * pct(lat, 99):>8.2f}"
        )


if __name__ == "__main__":
    main()
