"""Settlements through the HTTP service, against ``LedgerBook.settle`` in process.

Run: ``python benchmarks/bench_service.py`` (``--claims N`` per client, ``--clients 1,4,16``,
``--repeat K``). With ``ZJJ_MEDICAL_TEST_PG_URL`` set, PostgreSQL is measured too.

For each store kind (a SQLite file; PostgreSQL when the variable is set) and each number of
concurrent clients, in one run:

* baseline: ``LedgerBook.settle`` in this process, one thread and one book per client, on a
  fresh store of that kind (one transaction per claim);
* service: ``zjj-medical serve`` started on a free loopback port on another fresh store of
  the same kind, a facility token made with ``zjj-medical token create``, and as many
  asyncio clients (httpx, one connection each) each posting its claims to ``/v1/settle``
  one after the other.

Every client settles its own persons' claims (a person-year is never shared between two
clients), the same claims both ways; the service's payments are checked against the
baseline's before any figure is printed. Figures: settlements per second (all clients), and
the latency of one settlement p50 / p99 as the client sees it (a request sent to its answer
read, or one ``LedgerBook.settle`` call). The work is bounded: N claims a client (default
150), loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from zjj_medical import Claim, Facility, Person
from zjj_medical.contract.inputs import claim_to_dict, person_to_dict
from zjj_medical.store import LedgerBook
from zjj_medical.store.access import AuditRecord

FACILITY = "zjj-peoples-hospital"


def workload(client: int, n_claims: int, run: str) -> list[tuple[Claim, Person]]:
    """A client's claims: 5 persons of 永定区 (registered poor and not), inpatient stays at the
    municipal hospital and outpatient visits, fixed seed; ids unique to the run and client."""
    rng = random.Random(2019 + client)
    persons = [
        Person(f"{run}-K{client:02d}-P{i}", poor=i % 2 == 0, county="yongding") for i in range(5)
    ]
    out = []
    for k in range(n_claims):
        kind = "inpatient" if k % 3 == 0 else "outpatient"
        fen = rng.randint(5_000, 6_000_000 if kind == "inpatient" else 60_000)
        total = f"{fen // 100}.{fen % 100:02d}"
        day = f"2019-{1 + k * 12 // n_claims:02d}-{1 + k % 28:02d}"
        facility = Facility(id=FACILITY, county="yongding")
        cid = f"{run}-K{client:02d}-C{k:05d}"
        out.append((Claim(cid, kind, day, facility, total, total), persons[k % len(persons)]))
    return out


def body(claim: Claim, person: Person) -> dict[str, Any]:
    """The request of ``POST /v1/settle``: the JSON contract's document of one claim."""
    return {"person": person_to_dict(person), "claims": [claim_to_dict(claim)], "ledger": None}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# -- stores ---------------------------------------------------------------------------------------
@contextmanager
def fresh_store(kind: str, tmp: Path, name: str) -> Iterator[str]:
    """The URL or path of an empty store of the kind."""
    if kind == "sqlite":
        yield str(tmp / f"{name}.db")
        return
    url = os.environ["ZJJ_MEDICAL_TEST_PG_URL"]
    yield url  # claim and person ids carry the run's id, so runs do not meet in one database


# -- baseline: LedgerBook.settle in process -------------------------------------------------------
def baseline(
    store: str, work: list[list[tuple[Claim, Person]]], *, audit: bool = False
) -> tuple[float, list[float], dict[str, Any]]:
    """Each client a thread with its own book (a SQLite connection is used by one thread).

    ``audit``: after each settlement, append its record to the audit trail as the service
    does (a second transaction), to show what that write costs without HTTP.
    """
    latencies: list[list[float]] = [[] for _ in work]
    results: dict[str, Any] = {}
    failed: list[BaseException] = []
    start = threading.Barrier(len(work) + 1)
    LedgerBook.open(store).close()  # made once, before the clients open it together

    def client(i: int) -> None:
        lat = latencies[i]
        try:
            with LedgerBook.open(store) as book:
                book.policy_for(work[i][0][0].date)
                start.wait()
                for claim, person in work[i]:
                    t0 = time.perf_counter()
                    stored = book.settle(claim, person)
                    if audit:
                        book.store.add_audit(  # type: ignore[attr-defined]
                            AuditRecord(0, "2019-01-01T00:00:00Z", "settle", "bench", "facility",
                                        FACILITY, "", claim.id, "", 200, "ok")
                        )  # fmt: skip
                    lat.append(time.perf_counter() - t0)
                    results[claim.id] = {k: str(v) for k, v in stored.settlement.payments.items()}
        except BaseException as exc:
            failed.append(exc)
            start.abort()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    with suppress(threading.BrokenBarrierError):
        start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if failed:
        raise SystemExit(f"the in-process baseline failed: {failed[0]!r}")
    return wall, [x for lat in latencies for x in lat], results


# -- the service ----------------------------------------------------------------------------------
def cli(*args: str) -> list[str]:
    exe = shutil.which("zjj-medical", path=str(Path(sys.executable).parent))
    return [exe, *args] if exe else [sys.executable, "-m", "zjj_medical.cli", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(store: str) -> Iterator[tuple[str, str]]:
    """``zjj-medical serve`` on the store: (base URL, a facility token)."""
    made = subprocess.run(
        cli("token", "create", "--db", store, "--facility", FACILITY),
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    token = made.stdout.split()[-1]
    port = free_port()
    proc = subprocess.Popen(
        cli("serve", "--db", store, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"zjj-medical serve did not start: {proc.stderr.read() if proc.stderr else ''}"
                    ) from None
                time.sleep(0.1)
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def through_service(
    url: str, token: str, work: list[list[tuple[Claim, Person]]]
) -> tuple[float, list[float], dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    results: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def client(claims: list[tuple[Claim, Person]]) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as c:
            for claim, person in claims:
                payload = body(claim, person)
                t0 = time.perf_counter()
                r = await c.post("/v1/settle", json=payload)
                data = r.json()
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise SystemExit(f"{claim.id}: {r.status_code} {data}")
                results[claim.id] = data["settlements"][0]["payments"]

    t0 = time.perf_counter()
    await asyncio.gather(*(client(w) for w in work))
    return time.perf_counter() - t0, latencies, results


async def round_trips(url: str, n: int) -> list[float]:
    """The latency of ``GET /healthz`` (no token, one store read): HTTP's own floor."""
    out = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as c:
        for _ in range(n):
            t0 = time.perf_counter()
            r = await c.get("/healthz")
            r.read()
            out.append(time.perf_counter() - t0)
    return out


async def warm_up(url: str, token: str, run: str) -> None:
    """A few settlements first, so the server's imports and caches are warm."""
    work = [workload(99, 10, f"{run}-warm")]
    await through_service(url, token, work)


def row(name: str, wall: float, lat: list[float]) -> str:
    rate = len(lat) / wall
    p50, p99 = percentile(lat, 50) * 1e3, percentile(lat, 99) * 1e3
    return f"| {name} | {rate:,.0f} | {p50:.2f} ms | {p99:.2f} ms |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--claims", type=int, default=150, help="claims a client (default 150)")
    ap.add_argument("--clients", default="1,4,16", help="numbers of concurrent clients")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each, the best p50 kept")
    args = ap.parse_args()
    if not 1 <= args.claims <= 5000:
        raise SystemExit("--claims: 1 to 5000")
    clients = [int(x) for x in args.clients.split(",")]
    if not all(1 <= k <= 64 for k in clients):
        raise SystemExit("--clients: each 1 to 64")
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("ZJJ_MEDICAL_TEST_PG_URL") else [])
    print(f"{args.claims} claims a client; python {sys.version.split()[0]}; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for kind in kinds:
            print(f"\n### {kind}\n")
            print("| | settlements/s | p50 | p99 |")
            print("|---|---:|---:|---:|")
            for k in clients:
                floor: list[float] = []
                best: dict[str, tuple[float, list[float]]] = {}
                for _ in range(args.repeat):
                    run = uuid.uuid4().hex[:8]
                    work = [workload(i, args.claims, run) for i in range(k)]
                    with fresh_store(kind, tmp, f"base-{run}") as store:
                        b_wall, b_lat, b_res = baseline(store, work)
                    with fresh_store(kind, tmp, f"audit-{run}") as store:
                        a_wall, a_lat, a_res = baseline(store, work, audit=True)
                    with fresh_store(kind, tmp, f"svc-{run}") as store, serve(store) as (url, tok):
                        asyncio.run(warm_up(url, tok, run))
                        s_wall, s_lat, s_res = asyncio.run(through_service(url, tok, work))
                        if k == 1:
                            floor = asyncio.run(round_trips(url, args.claims))
                    if s_res != b_res:
                        bad = next(c for c in b_res if s_res.get(c) != b_res[c])
                        raise SystemExit(
                            f"{bad}: the service paid {s_res.get(bad)}, the book {b_res[bad]}"
                        )
                    if a_res != b_res:
                        raise SystemExit("the audited baseline paid otherwise than the baseline")
                    for name, wall, lat in (
                        ("base", b_wall, b_lat),
                        ("audit", a_wall, a_lat),
                        ("svc", s_wall, s_lat),
                    ):
                        if name not in best or statistics.median(lat) < statistics.median(
                            best[name][1]
                        ):
                            best[name] = (wall, lat)
                print(
                    row(f"`LedgerBook.settle` in process, {k} thread(s) (baseline)", *best["base"])
                )
                print(row(f"… and its audit record, in process, {k} thread(s)", *best["audit"]))
                print(row(f"`POST /v1/settle`, {k} client(s)", *best["svc"]))
                added = (
                    statistics.median(best["svc"][1]) - statistics.median(best["base"][1])
                ) * 1e3
                print(f"| the service − the baseline, at p50 | | {added:+.2f} ms | |")
                if k == 1:
                    p50, p99 = percentile(floor, 50) * 1e3, percentile(floor, 99) * 1e3
                    print(
                        f"| `GET /healthz`, 1 client (HTTP alone) | | {p50:.2f} ms | {p99:.2f} ms |"
                    )


if __name__ == "__main__":
    main()
