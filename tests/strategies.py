"""Shared Hypothesis strategies for the built-in Zhangjiajie policy.

Everything is generated as JSON-like dicts (the SPEC §6 input shapes), so the same
draw feeds the engine (via :func:`to_person` / :func:`to_claim`), the JSON contract
and the naive reference (tests/reference.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import strategies as st

from zjj_medical import Claim, Facility, Person

__all__ = [
    "COUNTIES",
    "DESIGNATED",
    "LEVELS",
    "claim_dates",
    "claims",
    "facilities",
    "heavy_money",
    "inpatient_claims",
    "money",
    "money_inputs",
    "person_years",
    "persons",
    "to_claim",
    "to_person",
]

COUNTIES = ("yongding", "wulingyuan", "cili", "sangzhi")
COUNTY_ALIASES = {
    "yongding": "永定区",
    "wulingyuan": "武陵源区",
    "cili": "慈利县",
    "sangzhi": "桑植县",
}
LEVELS = ("village_clinic", "township", "community", "county", "municipal", "provincial")
LEVEL_ALIASES = {
    "village_clinic": "村卫生室",
    "township": "乡镇卫生院",
    "community": "社区卫生服务中心",
    "county": "县级医院",
    "municipal": "市级医院",
    "provincial": "省级医院",
}
DESIGNATED = ("zjj-peoples-hospital", "zjj-tcm-hospital")
#: Dates where the policy changes (outpatient from 2019-09-01, the poor's CI cap lifted
#: from 2019-10-01) and the year's ends.
KEY_DATES = (
    dt.date(2019, 1, 1),
    dt.date(2019, 8, 31),
    dt.date(2019, 9, 1),
    dt.date(2019, 9, 30),
    dt.date(2019, 10, 1),
    dt.date(2019, 12, 31),
)
#: Amounts where a rule changes: the deductibles, the CI band edges (poor and not), the caps.
EDGES = tuple(
    Decimal(v)
    for v in (200, 500, 1000, 1500, 5000, 10000, 35000, 40000, 85000, 90000, 155000, 160000)
)


def money(max_fen: int = 10**7) -> st.SearchStrategy[Decimal]:
    """Yuan with at most two places, uniform in fen up to ``max_fen``."""
    return st.integers(0, max_fen).map(lambda fen: Decimal(fen).scaleb(-2))


def money_inputs() -> st.SearchStrategy[object]:
    """Anything a caller or a table may hand in as an amount: good and bad, of every type.

    Text (plain, padded, signed, exponent, sub-fen, huge, tiny, not a number), integers
    (Python and NumPy, beyond int64 too), floats (Python and NumPy, NaN, ±inf, float32),
    ``Decimal`` (any exponent, NaN), booleans and other types.
    """
    fen = st.integers(min_value=0, max_value=10**12 + 5)
    near_max = st.integers(min_value=10**12 - 3, max_value=10**12 + 3)
    as_text = st.one_of(fen, near_max).map(lambda f: f"{f // 100}.{f % 100:02d}")
    decimals = st.decimals(allow_nan=True, allow_infinity=True, places=None)
    tiny_or_huge = st.builds(
        lambda d, e: Decimal(d).scaleb(e), st.integers(-(10**30), 10**30), st.integers(-400, 400)
    )
    floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
    return st.one_of(
        as_text,
        as_text.map(lambda t: f" {t} "),
        st.sampled_from(["", " ", "-0", "-0.00", "+5", "1e3", "1E-2", "1e400", "NaN", "-inf",
                         "12.345", "0.005", "1_000", "0x10", "abc", "١٢", "9999999999.99",
                         "10000000000", "9999999999.999", "0.1000", "00000000000012.50"]),
        st.text(alphabet="0123456789.-+eE ", max_size=16),
        fen.map(lambda f: f // 100),
        st.integers(min_value=-(10**3), max_value=10**20),
        st.integers(min_value=0, max_value=2**63 - 1).map(np.int64),
        floats,
        floats.map(np.float64),
        st.floats(allow_nan=True, allow_infinity=True, width=32).map(np.float32),
        fen.map(lambda f: f / 100),
        near_max.map(lambda f: f / 100),
        decimals,
        tiny_or_huge,
        st.sampled_from([True, False, np.bool_(True), None, [1], b"12"]),
    )  # fmt: skip


def heavy_money() -> st.SearchStrategy[Decimal]:
    """Heavy-tailed amounts: mostly small bills, some large enough to reach the annual caps."""
    return st.one_of(
        money(10**5),  # up to 1,000
        # a magnitude, then an amount between half of it and all of it (up to 800,000, so that
        # one or two admissions exhaust the basic cap and the critical-illness cap)
        st.sampled_from([2 * 10**3, 2 * 10**4, 10**5, 3 * 10**5, 8 * 10**5]).flatmap(
            lambda top: st.integers(top * 50, top * 100).map(lambda fen: Decimal(fen).scaleb(-2))
        ),
        st.sampled_from(EDGES).flatmap(
            lambda e: st.integers(-3, 3).map(lambda d: max(Decimal(0), e + Decimal(d) / 100))
        ),
    )


def _county_name(draw: st.DrawFn, county: str) -> str:
    return COUNTY_ALIASES[county] if draw(st.booleans()) and draw(st.booleans()) else county


@st.composite
def persons(draw: st.DrawFn, poor: bool | None = None) -> dict[str, Any]:
    """A person of one of the four counties (ids or Chinese names), poor or not."""
    county = draw(st.sampled_from(COUNTIES))
    return {
        "id": draw(st.sampled_from(["P1", "P2", "甲"])),
        "poor": draw(st.booleans()) if poor is None else poor,
        "county": _county_name(draw, county),
        "categories": [],
    }


@st.composite
def facilities(draw: st.DrawFn, kind: str = "inpatient") -> dict[str, Any]:
    """A facility of any level (village clinics only for outpatients), incl. the designated hospitals."""
    levels = LEVELS if kind == "outpatient" else LEVELS[1:]
    choice = draw(st.sampled_from((*levels, "designated", "designated")))
    if choice == "designated":
        fid = draw(st.sampled_from(DESIGNATED))
        level = draw(st.sampled_from([None, "municipal", "市级医院"]))
        county = draw(st.sampled_from([None, "yongding"]))
        return {"id": fid, "level": level, "county": county}
    level = LEVEL_ALIASES[choice] if draw(st.booleans()) and draw(st.booleans()) else choice
    if choice in ("municipal", "provincial"):
        county = draw(st.one_of(st.none(), st.sampled_from(COUNTIES)))
    else:
        county = _county_name(draw, draw(st.sampled_from(COUNTIES)))
    return {"id": None, "level": level, "county": county}


def claim_dates(year: int = 2019) -> st.SearchStrategy[dt.date]:
    """Dates of one year, weighted towards the days the policy changes."""
    return st.one_of(
        st.sampled_from([d for d in KEY_DATES if d.year == year] or [dt.date(year, 1, 1)]),
        st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)),
    )


@st.composite
def claims(
    draw: st.DrawFn, kind: str | None = None, date: dt.date | None = None, cid: str = "C1"
) -> dict[str, Any]:
    """One claim: kind, date, facility, heavy-tailed total with in_scope ≤ total, accident."""
    kind = kind or draw(st.sampled_from(["inpatient", "inpatient", "outpatient"]))
    date = date or draw(claim_dates())
    total = draw(heavy_money())
    share = draw(st.one_of(st.just(Decimal(1)), st.decimals(0, 1, places=2)))
    in_scope = min(total, (total * share).quantize(Decimal("0.01")))
    return {
        "id": cid,
        "kind": kind,
        "date": date.isoformat(),
        "facility": draw(facilities(kind)),
        "total": str(total),
        "in_scope": str(in_scope),
        "accident": draw(st.booleans()),
    }


def inpatient_claims(cid: str = "C1") -> st.SearchStrategy[dict[str, Any]]:
    """One inpatient claim."""
    return claims(kind="inpatient", cid=cid)


@st.composite
def person_years(
    draw: st.DrawFn, poor: bool | None = None, max_claims: int = 8, kind: str | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A person and their claims of 2019 in date order (across 2019-09-01 and 2019-10-01)."""
    person = draw(persons(poor=poor))
    dates = sorted(draw(st.lists(claim_dates(), min_size=1, max_size=max_claims)))
    out = [draw(claims(kind=kind, date=d, cid=f"C{i + 1}")) for i, d in enumerate(dates)]
    return person, out


def to_person(data: dict[str, Any]) -> Person:
    """The engine's :class:`Person` from a person dict."""
    return Person(data["id"], poor=data["poor"], county=data["county"])


def to_claim(data: dict[str, Any]) -> Claim:
    """The engine's :class:`Claim` from a claim dict."""
    fac = data["facility"]
    return Claim(
        data["id"],
        data["kind"],
        data["date"],
        Facility(fac["id"], fac["level"], fac["county"]),
        total=data["total"],
        in_scope=data["in_scope"],
        accident=data["accident"],
    )
