"""Hypothesis strategies for whole policy documents and person-years settled under them.

:func:`policies` draws a VALID ``zjj-medical-policy/1`` document as plain dicts and lists
(money and ratios as text, dates as ``YYYY-MM-DD`` text), the same data a YAML file parses
to: 2–4 tiers, 1–2 claim kinds and 1–5 layers mixing per-claim and per-year schedule layers
(deductibles scalar or by tier, repeat rules, a yearly deductible ceiling, a ratio (scalar
or by tier) or 1–4 bands measured above the deductible or absolute, caps per claim and per year, ``null``
caps, ``base`` of in-scope or total cost minus earlier layers) and target layers, a cap
shared by two layers, modifiers on ``poor`` and on a category, values and layers that
start or change inside the year, and layers only for the poor. :func:`person_years` draws
a person and 1–6 claims of 2021 under such a policy. Everything feeds both the engine and
the naive reference (tests/reference_generic.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from zjj_medical import Claim, Facility, Person

__all__ = [
    "MID_YEAR",
    "YEAR",
    "person_years",
    "policies",
    "to_claim",
    "to_person",
]

YEAR = 2021
START = f"{YEAR}-01-01"
#: The dates inside the year on which values, modifiers and layers may start.
MID_YEAR = (f"{YEAR}-04-01", f"{YEAR}-07-01", f"{YEAR}-10-01")
KINDS = ("inpatient", "outpatient")
CATEGORY = "dibao"


def _fen(low: int, high: int) -> st.SearchStrategy[str]:
    """Money as text between ``low`` and ``high`` yuan: round yuan, or with fen."""
    return st.one_of(
        st.integers(low, high).map(str),
        st.integers(low * 100, high * 100).map(lambda f: f"{f // 100}.{f % 100:02d}"),
    )


def _ratio(low: int = 0, high: int = 1000) -> st.SearchStrategy[str]:
    """A ratio with 2 or 3 decimals, in thousandths between ``low`` and ``high``."""
    return st.one_of(
        st.integers(low // 10, high // 10).map(lambda c: f"{c // 100}.{c % 100:02d}"),
        st.integers(low, high).map(lambda m: f"{m // 1000}.{m % 1000:03d}"),
    )


def _param(unit: str, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    param = {"description": "A generated number.", "reference": "generated", "unit": unit}
    param["values"] = values
    param.update(extra)
    return param


@st.composite
def _repeat_rule(draw: st.DrawFn, high: int, tiers: list[str]) -> dict[str, Any]:
    """One repeat-claim deductible rule, sometimes with a condition on the person or tier."""
    op = draw(st.sampled_from(["multiply", "set", "step"]))
    repeat: dict[str, Any] = {"count": draw(st.sampled_from(["same_tier", "any_tier"]))}
    if op == "multiply":
        repeat["multiply"] = draw(_ratio())
    elif op == "set":
        repeat["set"] = draw(_fen(0, high))
    else:
        repeat["step"] = draw(_fen(0, high // 2))
        if draw(st.booleans()):
            repeat["floor"] = draw(_fen(0, high // 2))
    if draw(st.integers(0, 3)) == 0:
        repeat["from"] = draw(st.sampled_from(MID_YEAR))
    if draw(st.booleans()):
        repeat["when"] = draw(
            st.sampled_from([{"poor": True}, {"poor": False}, {"tier": tiers[0]}])
        )
    repeat["description"] = "Lower deductibles for later claims."
    repeat["reference"] = "generated"
    return repeat


@st.composite
def _dated(
    draw: st.DrawFn, value: st.SearchStrategy[Any], late_start: bool = False
) -> dict[str, Any]:
    """Values from the year's start, sometimes changing on a date inside the year.

    With ``late_start`` the first value may start inside the year (nothing is in force
    before it).
    """
    first = START
    if late_start and draw(st.integers(0, 9)) == 0:
        first = draw(st.sampled_from(MID_YEAR))
    values = {first: draw(value)}
    later = [d for d in MID_YEAR if d > first]
    if later and draw(st.integers(0, 3)) == 0:
        values[draw(st.sampled_from(later))] = draw(value)
    return values


@st.composite
def _modifiers(draw: st.DrawFn, *ops: tuple[str, st.SearchStrategy[Any]]) -> list[dict[str, Any]]:
    """0–2 modifiers on the poor or on a category, each one of ``ops`` (``add``, …) with its
    value, sometimes only from and/or until a date in the year.

    Two modifiers may match the same person (a poor person of the category): both apply in
    the order written, and the result is clipped or rounded once, after them all.
    """
    count = draw(st.integers(0, 2))
    if count == 2:
        whens = draw(st.sampled_from([
            [{"poor": True}, {"poor": False, "categories": [CATEGORY]}],
            [{"poor": True}, {"categories": [CATEGORY]}],
        ]))  # fmt: skip
    else:
        whens = [draw(st.sampled_from([{"poor": True}, {"categories": [CATEGORY]}]))] * count
    out = []
    for when in whens:
        op, value = draw(st.sampled_from(ops))
        mod: dict[str, Any] = {"when": when, op: draw(value)}
        if draw(st.integers(0, 3)) == 0:
            mod["from"] = draw(st.sampled_from(MID_YEAR[:-1]))
        if draw(st.integers(0, 5)) == 0:
            mod["until"] = draw(st.sampled_from([d for d in MID_YEAR if d > mod.get("from", "")]))
        out.append(mod)
    return out


@st.composite
def _bands(draw: st.DrawFn) -> list[dict[str, Any]]:
    """1–4 bands in order, sometimes with a gap (``from``), the last open or not."""
    bands = []
    edge = 0
    for i in range(draw(st.integers(1, 4))):
        band: dict[str, Any] = {}
        if draw(st.integers(0, 4)) == 0 or (i == 0 and draw(st.booleans())):
            edge = edge + draw(st.integers(0, 20000))
            band["from"] = edge
        edge = edge + draw(st.integers(1, 80000))
        band["upto"] = edge
        band["ratio"] = draw(_ratio())
        bands.append(band)
    if draw(st.booleans()):
        bands[-1]["upto"] = None
    return bands


@st.composite
def _money_param(
    draw: st.DrawFn, low: int, high: int, tiers: list[str] | None = None, deductible: bool = False
) -> dict[str, Any]:
    """A money parameter, keyed ``by: tier`` when ``tiers`` is given; a deductible may be
    scaled or waived by modifiers."""
    if tiers is not None:
        table = st.fixed_dictionaries({t: _fen(low, high) for t in tiers})
        param = _param("CNY", draw(_dated(table, late_start=True)), by="tier")
    else:
        param = _param("CNY", draw(_dated(_fen(low, high), late_start=True)))
    mods = (
        draw(_modifiers(("multiply", _ratio(0, 1500)), ("set", st.just(0)))) if deductible else []
    )
    if mods:
        param["modifiers"] = mods
    return param


@st.composite
def _caps(draw: st.DrawFn) -> list[dict[str, Any]]:
    """0–2 caps per claim or per year; a value may be ``null`` (no limit)."""
    caps = []
    for per in draw(st.lists(st.sampled_from(["claim", "year"]), max_size=2)):
        limit = st.one_of(_fen(0, 60000), st.just(None))
        cap = _param("CNY", draw(_dated(limit, late_start=True)), per=per)
        mods = draw(_modifiers(("set", st.one_of(st.none(), _fen(0, 60000)))))
        if mods:
            cap["modifiers"] = mods
        caps.append({"per": cap.pop("per"), **cap})
    return caps


@st.composite
def _schedule(draw: st.DrawFn, earlier: list[str], tiers: list[str]) -> dict[str, Any]:
    """A schedule layer: base, accumulation, deductible and its rules, ratio or bands, caps."""
    layer: dict[str, Any] = {}
    base: dict[str, Any] = {"of": draw(st.sampled_from(["in_scope", "in_scope", "total"]))}
    if earlier:
        minus = draw(
            st.one_of(
                st.none(),
                st.just("earlier"),
                st.lists(st.sampled_from(earlier), min_size=1, unique=True),
            )
        )
        if minus is not None:
            base["minus"] = minus
    layer["base"] = base
    accumulation = draw(st.sampled_from(["claim", "year"]))
    layer["accumulation"] = accumulation
    if draw(st.integers(0, 4)) > 0:
        by_tier = draw(st.booleans())
        high = draw(st.sampled_from([500, 3000, 20000]))
        layer["deductible"] = draw(
            _money_param(0, high, tiers if by_tier else None, deductible=True)
        )
        if accumulation == "claim" and draw(st.integers(0, 2)) > 0:
            rules = [draw(_repeat_rule(high, tiers)) for _ in range(draw(st.integers(1, 3)))]
            if len(rules) == 1 and draw(st.booleans()):
                layer["deductible_repeat"] = rules[0]
            else:
                layer["deductible_repeat"] = rules
        if accumulation == "claim" and draw(st.integers(0, 2)) == 0:
            layer["deductible_ceiling"] = draw(_money_param(0, 2 * high))
    if draw(st.booleans()):
        if draw(st.integers(0, 3)) == 0:
            table = st.fixed_dictionaries({t: _ratio() for t in tiers})
            ratio = _param("ratio", draw(_dated(table, late_start=True)), by="tier")
        else:
            ratio = _param("ratio", draw(_dated(_ratio(), late_start=True)))
        mods = draw(_modifiers(("add", _ratio(0, 200)), ("add", _ratio(0, 200).map("-{}".format))))
        if mods:
            ratio["modifiers"] = mods
        layer["ratio"] = ratio
    else:
        bands = _param("ratio", draw(_dated(_bands(), late_start=True)))
        bands["measured"] = draw(st.sampled_from(["above_deductible", "absolute"]))
        # a factor with 2 decimals: band ratio (3) × two factors (2 + 2) stays within the
        # 8 decimal places ratios are computed with
        factor = st.integers(50, 150).map(lambda c: f"{c // 100}.{c % 100:02d}")
        mods = draw(_modifiers(("add", _ratio(0, 200)), ("multiply", factor)))
        if mods:
            bands["modifiers"] = mods
        if bands["measured"] == "above_deductible" and "deductible" in layer:
            _not_from_the_deductible(bands, layer["deductible"])
        layer["bands"] = bands
    caps = draw(_caps())
    if caps:
        layer["caps"] = caps
    return layer


def _not_from_the_deductible(bands: dict[str, Any], deductible: dict[str, Any]) -> None:
    """Bands measured above the deductible whose first band starts at a deductible amount
    are refused (written on the absolute amount by mistake): start such bands at 0."""
    amounts = set()
    for value in deductible["values"].values():
        for v in value.values() if isinstance(value, dict) else [value]:
            amounts.add(Decimal(str(v)))
    for listed in bands["values"].values():
        first = listed[0]
        if "from" in first and Decimal(str(first["from"])) in amounts:
            del first["from"]  # from 0 instead


@st.composite
def _target(draw: st.DrawFn) -> dict[str, Any]:
    """A target layer: top the claim up to round(ratio × total or in-scope cost)."""
    target = _param("ratio", draw(_dated(_ratio(500, 1000), late_start=True)))
    target["of"] = draw(st.sampled_from(["total", "in_scope"]))
    mods = draw(_modifiers(("add", _ratio(0, 200))))
    if mods:
        target["modifiers"] = mods
    layer: dict[str, Any] = {"type": "target", "target": target}
    caps = draw(_caps())
    if caps:
        layer["caps"] = caps
    return layer


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """A valid policy document of 2–4 tiers, 1–2 claim kinds and 1–5 layers."""
    tiers = [f"t{i + 1}" for i in range(draw(st.integers(2, 4)))]
    kinds = list(KINDS[: draw(st.integers(1, 2))])
    kind_tiers = {
        k: draw(st.lists(st.sampled_from(tiers), min_size=1, unique=True).map(sorted))
        for k in kinds
    }
    layers: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 5))):
        lkinds = draw(st.lists(st.sampled_from(kinds), min_size=1, unique=True).map(sorted))
        earlier = [layer["id"] for layer in layers]
        if i > 0 and draw(st.integers(0, 4)) == 0:
            body = draw(_target())
        else:
            body = draw(_schedule(earlier, tiers))
        layer = {
            "id": f"L{i + 1}",
            "name": f"Layer {i + 1}",
            "reference": "generated",
            "kinds": lkinds,
        }
        if draw(st.integers(0, 4)) == 0:
            layer["when"] = {"poor": True}
        if draw(st.integers(0, 5)) == 0:
            layer["effective"] = {"from": draw(st.sampled_from(MID_YEAR))}
        layer.update(body)
        layers.append(layer)
    doc: dict[str, Any] = {
        "format": "zjj-medical-policy/1",
        "id": "generated",
        "name": "Generated county",
        "source": "tests/policy_strategies.py",
        "effective": {"from": START},
        "tiers": {t: {"name": f"Tier {t}"} for t in tiers},
        "claim_kinds": {k: {"name": k, "tiers": kind_tiers[k]} for k in kinds},
        "categories": {CATEGORY: {"name": "低保"}},
        "layers": layers,
    }
    if len(layers) >= 2 and draw(st.booleans()):
        pair = draw(
            st.lists(
                st.sampled_from([la["id"] for la in layers]), min_size=2, max_size=2, unique=True
            )
        )
        shared = _param("CNY", draw(_dated(_fen(0, 80000), late_start=True)))
        mods = draw(_modifiers(("set", st.one_of(st.none(), _fen(0, 80000)))))
        if mods:
            shared["modifiers"] = mods
        doc["shared_caps"] = [
            {"id": "fund", "name": "Shared fund", "layers": pair,
             "per": draw(st.sampled_from(["year", "year", "claim"])), **shared}
        ]  # fmt: skip
    return doc


def _money(max_yuan: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_yuan * 100).map(lambda f: Decimal(f"{f // 100}.{f % 100:02d}"))


@st.composite
def _claim(
    draw: st.DrawFn,
    policy: dict[str, Any],
    date: dt.date,
    cid: str,
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """A claim; half the time of the previous claim's kind and tier (repeat rules count them)."""
    if previous is not None and draw(st.booleans()):
        kind, tier = previous["kind"], previous["tier"]
    else:
        kind = draw(st.sampled_from(sorted(policy["claim_kinds"])))
        tier = draw(st.sampled_from(policy["claim_kinds"][kind]["tiers"]))
    total = draw(st.one_of(_money(3000), _money(30000), _money(300000)))
    share = draw(st.one_of(st.just(Decimal(1)), st.decimals(0, 1, places=2)))
    in_scope = min(total, (total * share).quantize(Decimal("0.01")))
    return {
        "id": cid,
        "kind": kind,
        "date": date.isoformat(),
        "tier": tier,
        "total": str(total),
        "in_scope": str(in_scope),
    }


def _dates() -> st.SearchStrategy[dt.date]:
    """Dates of the year, weighted towards the days something changes and the day before."""
    key = [dt.date.fromisoformat(d) for d in MID_YEAR]
    key = key + [d - dt.timedelta(days=1) for d in key]
    return st.one_of(st.sampled_from(key), st.dates(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)))


@st.composite
def person_years(
    draw: st.DrawFn, policy: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A person (poor or not, maybe in the category) and 1–6 claims of the year in date order."""
    person = {
        "id": "P1",
        "poor": draw(st.booleans()),
        "county": "here",
        "categories": draw(st.sampled_from([[], [], [CATEGORY]])),
    }
    dates = sorted(draw(st.lists(_dates(), min_size=1, max_size=6)))
    claims: list[dict[str, Any]] = []
    for i, date in enumerate(dates):
        claims.append(draw(_claim(policy, date, f"C{i + 1}", claims[-1] if claims else None)))
    return person, claims


def to_person(data: dict[str, Any]) -> Person:
    """The engine's :class:`Person` from a person dict."""
    return Person(
        data["id"], poor=data["poor"], county=data["county"], categories=data["categories"]
    )


def to_claim(data: dict[str, Any]) -> Claim:
    """The engine's :class:`Claim` from a claim dict."""
    return Claim(
        data["id"],
        data["kind"],
        dt.date.fromisoformat(data["date"]),
        Facility(level=data["tier"], county="here"),
        total=Decimal(data["total"]),
        in_scope=Decimal(data["in_scope"]),
    )
