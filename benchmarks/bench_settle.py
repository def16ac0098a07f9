"""Latency of one settlement: ``settle`` (validation, policy lookup, trace) vs bare Decimal.

Run: ``python benchmarks/bench_settle.py`` (``--repeat N`` for more samples).

Both sides settle the same inpatient claim of a registered poor person at a county
hospital in Sangzhi (total 20,000.00, in-scope 18,000.00, a ledger already holding an
earlier admission so the critical-illness bands are used), in a warm process. The
baseline is the same arithmetic written directly in ``Decimal``: no validation, no
policy file, no trace. The figure that matters is the ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from zjj_medical import Claim, Facility, Person, load_policy, settle

CENT = Decimal("0.01")
Z = Decimal("0.00")


def q(v: Decimal) -> Decimal:
    return v.quantize(CENT, rounding=ROUND_HALF_UP)


BANDS = ((Decimal(0), Decimal(30000), Decimal("0.65")), (Decimal(30000), Decimal(80000), Decimal("0.70")),
         (Decimal(80000), Decimal(150000), Decimal("0.80")), (Decimal(150000), None, Decimal("0.90")))  # fmt: skip


def f(a: Decimal, d: Decimal) -> Decimal:
    e = max(Z, a - d)
    out = Z
    for lo, hi, r in BANDS:
        top = e if hi is None else min(e, hi)
        if top > lo:
            out += (top - lo) * r
    return out


def bare(
    total: Decimal, in_scope: Decimal, ci_base0: Decimal, basic_paid: Decimal
) -> dict[str, Decimal]:
    """Basic (poor, county: deductible waived, 0.85), CI (poor: 5000, bands +0.05), 3 zero layers, backstop."""
    basic = min(q(max(Z, in_scope) * Decimal("0.85")), max(Z, Decimal(150000) - basic_paid))
    x = in_scope - basic
    ci = q(f(ci_base0 + x, Decimal(5000))) - q(f(ci_base0, Decimal(5000)))
    earlier = basic + ci
    zero = [q(max(Z, in_scope - earlier) * Decimal(0)) for _ in range(3)]
    target = q(Decimal("0.85") * total)
    backstop = min(max(Z, target - earlier - sum(zero)), total - earlier)
    paid = earlier + sum(zero) + backstop
    return {"basic": basic, "ci": ci, "backstop": backstop, "patient": total - paid}


def median_us(fn: Callable[[], object], number: int, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args()
    policy = load_policy()
    person = Person("P1", poor=True, county="sangzhi")
    county = Facility(level="county", county="sangzhi")
    first = Claim("C0", "inpatient", "2019-10-20", county, total="60000.00", in_scope="55000.00")
    ledger = settle(first, person, policy=policy).ledger
    claim = Claim("C1", "inpatient", "2019-11-03", county, total="20000.00", in_scope="18000.00")
    engine = settle(claim, person, policy=policy, ledger=ledger)
    state = ledger.state("critical_illness")
    check = bare(claim.total, claim.in_scope, state.base, ledger.paid("basic_insurance"))
    assert check["basic"] == engine.payments["basic_insurance"], (check, engine.payments)
    assert check["ci"] == engine.payments["critical_illness"], (check, engine.payments)
    assert check["backstop"] == engine.payments["fiscal_backstop"], (check, engine.payments)
    assert check["patient"] == engine.patient_pay
    t_engine = median_us(
        lambda: settle(claim, person, policy=policy, ledger=ledger), args.number, args.repeat
    )
    t_bare = median_us(
        lambda: bare(claim.total, claim.in_scope, state.base, Z), args.number, args.repeat
    )
    t_json = median_us(
        lambda: settle(claim, person, policy=policy, ledger=ledger).to_dict(),
        args.number // 4,
        args.repeat,
    )
    print(
        f"python {sys.version.split()[0]}; median of {args.repeat} runs × {args.number} settlements"
    )
    print(f"bare Decimal (baseline)      {t_bare:8.1f} µs   1.0×")
    print(f"settle (trace included)      {t_engine:8.1f} µs  {t_engine / t_bare:5.1f}×")
    print(f"settle + to_dict (JSON form) {t_json:8.1f} µs  {t_json / t_bare:5.1f}×")


if __name__ == "__main__":
    main()
