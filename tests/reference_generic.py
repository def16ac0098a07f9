"""A deliberately naive second implementation of the policy-file rules, for ANY policy document.

Written from the documentation only (docs/reference/policy-format.md, docs/explanation/
layers.md and exactness.md, SPEC §3–§5 and §9), never from the engine's code, so that it
can check the engine on policies generated at random (tests/policy_strategies.py). One
claim at a time, plain ``Decimal``, rounding to the fen (half up) only where the format's
formulas say ``round``.

It knows the subset of the format the generator writes: tiers, claim kinds, schedule
layers (``base`` with ``of`` and ``minus``, ``accumulation`` claim or year, ``deductible``
scalar or ``by`` a fact, ``deductible_repeat`` (one rule or a list with ``when``),
``deductible_ceiling``, ``ratio`` or
``bands`` measured ``above_deductible`` or ``absolute``, ``caps`` per claim or per year),
target layers, ``shared_caps``, modifiers (``add`` / ``multiply`` / ``set`` with
``from`` / ``until``), dated values, layer ``effective`` dates and ``when`` conditions on
the facts ``poor``, ``categories``, ``tier``, ``kind`` and ``county`` (with ``any`` and
``not``). Inputs are assumed valid: the loader's checks are tested elsewhere.

The policy is the parsed document (plain dicts and lists, numbers as text or int). A person
is ``{"poor": bool, "categories": [ids], "county": id}``; a claim is ``{"id", "kind",
"date" (ISO text), "tier", "total", "in_scope"}``. Worked by hand: a per-claim layer with a
deductible of 500 and a ratio of 0.75, then a year layer on what it left, deductible 1000
and 0.50; two claims of 2,000.10 and 3,000.00:

- claim 1: basic (2,000.10 − 500) × 0.75 = 1,125.075 → 1,125.08 (half up); the year
  layer's base is 2,000.10 − 1,125.08 = 875.02, below its deductible of 1,000: 0.
- claim 2: basic (3,000 − 500) × 0.75 = 1,875.00; base 1,125.00, A0 = 875.02,
  A1 = 2,000.02; F(A1) = 0.50 × (2,000.02 − 1,000) = 500.01, F(A0) = 0: pays 500.01.

>>> def param(unit, value):
...     return {"description": "d", "reference": "r", "unit": unit,
...             "values": {"2021-01-01": value}}
>>> policy = {
...     "tiers": {"county": {"name": "县级医院"}},
...     "claim_kinds": {"inpatient": {"name": "住院"}},
...     "layers": [
...         {"id": "basic", "kinds": ["inpatient"],
...          "deductible": param("CNY", 500), "ratio": param("ratio", "0.75")},
...         {"id": "annual", "kinds": ["inpatient"], "accumulation": "year",
...          "base": {"of": "in_scope", "minus": ["basic"]},
...          "deductible": param("CNY", 1000), "ratio": param("ratio", "0.50")},
...     ],
... }
>>> person = {"poor": False, "categories": [], "county": "here"}
>>> claims = [
...     {"id": "C1", "kind": "inpatient", "date": "2021-03-01", "tier": "county",
...      "total": "2000.10", "in_scope": "2000.10"},
...     {"id": "C2", "kind": "inpatient", "date": "2021-05-01", "tier": "county",
...      "total": "3000.00", "in_scope": "3000.00"},
... ]
>>> [(r["payments"]["basic"], r["payments"]["annual"])
...  for r in reference_settle_year_generic(policy, person, claims)]
[(Decimal('1125.08'), Decimal('0.00')), (Decimal('1875.00'), Decimal('500.01'))]
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["reference_settle_year_generic"]

D = Decimal
ZERO = D("0.00")
#: A parameter with no value in force on the date, or a table without the claim's key.
NO_VALUE = object()


def _round(value: Decimal) -> Decimal:
    """round(): to the fen, half up."""
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _num(value: Any) -> Decimal:
    return D(str(value))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _inside(date: dt.date, start: Any, end: Any) -> bool:
    """``from`` inclusive, ``until`` exclusive; a missing bound is open."""
    if start is not None and date < _date(start):
        return False
    return not (end is not None and date >= _date(end))


# -- conditions ------------------------------------------------------------------------------


def _holds(cond: dict[str, Any] | None, facts: dict[str, Any]) -> bool:
    """A ``when`` condition: every entry must hold; a list means any of."""
    if cond is None:
        return True
    for key, want in cond.items():
        if key == "any":
            if not any(_holds(c, facts) for c in want):
                return False
        elif key == "not":
            if _holds(want, facts):
                return False
        elif key == "categories":
            wanted = want if isinstance(want, list) else [want]
            if not set(wanted) & set(facts["categories"]):
                return False
        elif key in ("poor", "tier", "kind", "county"):
            options = want if isinstance(want, list) else [want]
            if facts[key] not in options:
                return False
        else:
            raise NotImplementedError(f"condition on {key!r}")
    return True


# -- parameters ------------------------------------------------------------------------------


def _bands(raw: list[dict[str, Any]]) -> list[list[Any]]:
    """Bands as [lower, upper or None, ratio]; ``from`` defaults to the previous ``upto``."""
    out = []
    previous = D(0)
    for band in raw:
        lower = _num(band["from"]) if band.get("from") is not None else previous
        upper = None if band["upto"] is None else _num(band["upto"])
        out.append([lower, upper, _num(band["ratio"])])
        previous = upper if upper is not None else previous
    return out


def _resolve(
    param: dict[str, Any] | None,
    what: str,
    date: dt.date,
    facts: dict[str, Any],
    modified: bool = True,
) -> Any:
    """The value in force on ``date`` for these facts, after modifiers (policy-format.md).

    ``what`` is ``money``, ``ratio``, ``cap`` (money or None = no limit) or ``bands``.
    Without ``modified``, the table's value before any modifier.
    """
    if param is None:
        return NO_VALUE
    value: Any = NO_VALUE
    for start in sorted(param["values"], key=lambda s: _date(s)):
        if _date(start) <= date:
            value = param["values"][start]
    if value is NO_VALUE:
        return NO_VALUE
    if param.get("by") is not None:
        key = facts[param["by"]]
        if key not in value:
            return NO_VALUE
        value = value[key]
    if what == "bands":
        value = _bands(value)
    elif value is not None:
        value = _num(value)
    if not modified:
        return value
    for mod in param.get("modifiers") or []:
        if not _inside(date, mod.get("from"), mod.get("until")):
            continue
        if not _holds(mod["when"], facts):
            continue
        if what == "bands":
            for band in value:
                if "add" in mod:
                    band[2] = band[2] + _num(mod["add"])
                else:
                    band[2] = band[2] * _num(mod["multiply"])
        elif "set" in mod:
            value = None if mod["set"] is None else _num(mod["set"])
        elif value is None:
            pass  # a cap with no limit stays without one under add and multiply
        elif "add" in mod:
            value = value + _num(mod["add"])
        else:
            value = value * _num(mod["multiply"])
    if what == "bands":
        for band in value:
            band[2] = min(D(1), max(D(0), band[2]))
    elif what == "ratio":
        value = min(D(1), max(D(0), value))
    elif value is not None:  # money, or a cap with a limit
        value = _round(max(D(0), value))
    return value


# -- the band sum ----------------------------------------------------------------------------


def _band_sum(a: Decimal, d: Decimal, bands: list[list[Any]], absolute: bool) -> Decimal:
    """F(A) = Σ ratio × |[lower + s, upper + s) ∩ [d, A)|, s = 0 (absolute) or d."""
    s = D(0) if absolute else d
    f = D(0)
    for lower, upper, ratio in bands:
        low = max(lower + s, d)
        high = a if upper is None else min(upper + s, a)
        if high > low:
            f = f + ratio * (high - low)
    return f


# -- settling --------------------------------------------------------------------------------


def reference_settle_year_generic(
    policy: dict[str, Any], person: dict[str, Any], claims: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Settle one person's claims of one year under ``policy``, in the order given.

    Each result is ``{"claim_id", "payments": {layer id: Decimal} (every layer of the
    claim's kind, zeros included), "reimbursed", "patient_pay"}``.
    """
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        state = {
            layer["id"]: {"base": ZERO, "paid": ZERO, "borne": ZERO, "settled": []}
            for layer in policy["layers"]
        }
        return [_settle(policy, person, claim, state) for claim in claims]


def _settle(
    policy: dict[str, Any],
    person: dict[str, Any],
    claim: dict[str, Any],
    state: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    date = _date(claim["date"])
    total = _num(claim["total"])
    in_scope = _num(claim["in_scope"])
    facts = {
        "poor": bool(person["poor"]),
        "categories": list(person.get("categories") or []),
        "county": person.get("county"),
        "tier": claim["tier"],
        "kind": claim["kind"],
    }
    payments: dict[str, Decimal] = {}
    earlier_ids: list[str] = []
    for layer in policy["layers"]:
        lid = layer["id"]
        if claim["kind"] in layer["kinds"]:
            payments[lid] = _layer_pay(
                policy, layer, earlier_ids, payments, state, facts, date, total, in_scope
            )
        earlier_ids.append(lid)
    reimbursed = sum(payments.values(), ZERO)
    return {
        "claim_id": claim["id"],
        "payments": payments,
        "reimbursed": reimbursed,
        "patient_pay": total - reimbursed,
    }


def _layer_pay(
    policy: dict[str, Any],
    layer: dict[str, Any],
    earlier_ids: list[str],
    payments: dict[str, Decimal],
    state: dict[str, dict[str, Any]],
    facts: dict[str, Any],
    date: dt.date,
    total: Decimal,
    in_scope: Decimal,
) -> Decimal:
    """One layer's payment on this claim; updates the layer's person-year state."""
    mine = state[layer["id"]]
    eff = layer.get("effective") or {}
    if not _inside(date, eff.get("from"), eff.get("until")):
        return ZERO
    if not _holds(layer.get("when"), facts):
        return ZERO
    paid_before = sum(payments.values(), ZERO)  # the earlier layers, on this claim

    # "Before the first start date nothing is in force: the layer that needs the parameter
    # pays 0." Every parameter the layer declares (and every shared cap over it) is needed:
    # without a value in force the layer pays 0 and counts nothing for the year.
    needed: dict[str, Any] = {}
    if layer.get("type", "schedule") == "target":
        needed["target"] = _resolve(layer["target"], "ratio", date, facts)
    elif "ratio" in layer:
        needed["ratio"] = _resolve(layer["ratio"], "ratio", date, facts)
    else:
        needed["bands"] = _resolve(layer["bands"], "bands", date, facts)
    if "deductible" in layer:
        needed["deductible"] = _resolve(layer["deductible"], "money", date, facts)
    if "deductible_ceiling" in layer:
        needed["ceiling"] = _resolve(layer["deductible_ceiling"], "money", date, facts)
    caps = [(cap, _resolve(cap, "cap", date, facts)) for cap in layer.get("caps") or []]
    shared_caps = [
        (shared, _resolve(shared, "cap", date, facts))
        for shared in policy.get("shared_caps") or []
        if layer["id"] in shared["layers"]
    ]
    values = [*needed.values(), *(v for _, v in caps), *(v for _, v in shared_caps)]
    if any(v is NO_VALUE for v in values):
        return ZERO

    if "target" in needed:
        target = layer["target"]
        of = total if target.get("of", "total") == "total" else in_scope
        pay = max(ZERO, _round(needed["target"] * of) - paid_before)
    else:
        if "ratio" in needed:
            bands = [[D(0), None, needed["ratio"]]]  # one band from 0 with no end
            absolute = False
        else:
            bands = needed["bands"]
            absolute = layer["bands"].get("measured", "above_deductible") == "absolute"
        base = layer.get("base") or {"of": "in_scope"}
        of = in_scope if base["of"] == "in_scope" else total
        minus = base.get("minus") or []
        if minus == "earlier":
            minus = earlier_ids
        x = max(ZERO, of - sum((payments.get(m, ZERO) for m in minus), ZERO))

        d = needed.get("deductible", ZERO)
        if layer.get("accumulation", "claim") == "year":
            a0 = mine["base"]
            a1 = a0 + x
            mine["base"] = a1
        else:
            rules = layer.get("deductible_repeat") or []
            rules = rules if isinstance(rules, list) else [rules]
            # "the first rule in force whose when matches applies"
            repeat = next(
                (
                    rule
                    for rule in rules
                    if _inside(date, rule.get("from"), rule.get("until"))
                    and _holds(rule.get("when"), facts)
                ),
                None,
            )
            if repeat is not None:
                counted = [
                    t
                    for t in mine["settled"]
                    if repeat["count"] == "any_tier" or t == facts["tier"]
                ]
                n = len(counted) + 1
                if n >= 2:
                    # the rule works on the table's deductible (the person's own if a
                    # modifier raised it); the lower of the two applies: no stacking
                    table = _resolve(layer["deductible"], "money", date, facts, modified=False)
                    top = max(table, d)
                    if "multiply" in repeat:
                        lower = _round(top * _num(repeat["multiply"]))
                    elif "set" in repeat:
                        lower = _num(repeat["set"])
                    else:
                        floor = _num(repeat.get("floor", 0))
                        lower = max(floor, top - _num(repeat["step"]) * (n - 1))
                    d = min(d, lower)  # never raises the deductible
            if "ceiling" in needed:
                d = min(d, max(ZERO, needed["ceiling"] - mine["borne"]))
            mine["borne"] = mine["borne"] + min(d, x)
            mine["settled"].append(facts["tier"])
            a0 = ZERO
            a1 = x
        pay = _round(_band_sum(a1, d, bands, absolute)) - _round(_band_sum(a0, d, bands, absolute))

    for cap, limit in caps:
        if limit is None:
            continue
        if cap["per"] == "claim":
            pay = min(pay, limit)
        else:
            pay = min(pay, max(ZERO, limit - mine["paid"]))
    for shared, limit in shared_caps:
        if limit is None:
            continue
        if shared["per"] == "claim":
            used = sum((payments.get(lid, ZERO) for lid in shared["layers"]), ZERO)
        else:
            used = sum((state[lid]["paid"] for lid in shared["layers"]), ZERO)
        pay = min(pay, max(ZERO, limit - used))
    pay = min(pay, total - paid_before)  # no layer pays more than what is left of the total
    mine["paid"] = mine["paid"] + pay
    return pay
