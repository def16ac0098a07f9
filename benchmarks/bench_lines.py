"""The cost of fee lines in the batch: ``simulate(..., lines=)`` against ``simulate`` on the
same claims given their amounts.

Run: ``python benchmarks/bench_lines.py`` (options: ``--claims N`` (default 100,000),
``--per-claim K`` lines (default 10), ``--repeat R`` (best of R, default 3)).

Data: the claims of ``bench_simulate.make_tables`` (seeded), each given ``K`` fee lines
(classes A / B / C, a quarter with a price limit, 10 % of B paid first). Two runs of the
same claims, in the same process:

* ``baseline`` — ``simulate`` with each claim's ``total`` and ``in_scope`` given, computed
  here from the lines in int64 numpy (amount, the part above the limit, 10 % of class B
  half up, class C wholly self-paid);
* ``lines`` — ``simulate(..., lines=)`` with ``total`` and ``in_scope`` left empty: the
  library splits the lines claim by claim by the policy's catalogue rules.

The benchmark checks that both give the same table before it reports the times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_simulate import make_tables

from zjj_medical.batch import simulate


def make_lines(
    claims: pd.DataFrame, k: int, seed: int = 7
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``k`` lines a claim, and each claim's total and in-scope fen as the split gives them."""
    rng = np.random.default_rng(seed)
    n = len(claims)
    m = n * k
    cls = rng.choice(np.array(["A", "B", "C"], dtype=object), m, p=[0.5, 0.4, 0.1])
    quantity = rng.integers(1, 10, m)
    price = rng.integers(1, 50_000, m)  # fen
    has_limit = rng.random(m) < 0.25
    limit = np.where(has_limit, (price * rng.uniform(0.5, 1.2, m)).astype(np.int64) + 1, 0)
    amount = quantity * price
    over = np.where(has_limit, np.maximum(0, amount - limit * quantity), 0)
    rest = amount - over
    pre = np.where(cls == "B", (rest + 5) // 10, 0)  # 10 % half up, in fen
    inscp = np.where(cls == "C", 0, rest - pre)
    owner = np.repeat(np.arange(n), k)
    total = np.bincount(owner, weights=amount, minlength=n).astype(np.int64)
    in_scope = np.bincount(owner, weights=inscp, minlength=n).astype(np.int64)

    def yuan(fen: np.ndarray) -> np.ndarray:
        return np.char.add(np.char.add((fen // 100).astype(str), "."),
                           np.char.zfill((fen % 100).astype(str), 2)).astype(object)  # fmt: skip

    lines = pd.DataFrame({
        "claim_id": claims["claim_id"].to_numpy()[owner],
        "code": np.char.add("K", (price % 997).astype(str)).astype(object),
        "name": "项目", "class": cls, "quantity": quantity.astype(str).astype(object),
        "price": yuan(price), "limit": np.where(has_limit, yuan(limit), None),
    })  # fmt: skip
    return lines, total, in_scope


def _best(run: object, repeat: int) -> tuple[float, pd.DataFrame]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    assert out is not None
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--per-claim", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    claims, people = make_tables(args.claims)
    lines, total, in_scope = make_lines(claims, args.per_claim)
    given = claims.assign(total=total / 100.0, in_scope=in_scope / 100.0)
    empty = claims.assign(total=np.nan, in_scope=np.nan)
    base_t, base = _best(lambda: simulate(given, people, money="fen"), args.repeat)
    line_t, with_lines = _best(
        lambda: simulate(empty, people, lines=lines, money="fen"), args.repeat
    )
    pd.testing.assert_frame_equal(base, with_lines)
    n = len(claims)
    print(f"{n:,} claims, {len(lines):,} lines; best of {args.repeat}; same table: yes")
    print(
        f"simulate, amounts given (baseline) : {base_t:8.2f} s  {n / base_t:10,.0f} claims/s  1.0x"
    )
    print(
        f"simulate(..., lines=)              : {line_t:8.2f} s  {n / line_t:10,.0f} claims/s"
        f"  {line_t / base_t:.1f}x  ({(line_t - base_t) / n * 1e6:.0f} µs a claim more)"
    )


if __name__ == "__main__":
    main()
