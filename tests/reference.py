"""A deliberately naive second implementation of the built-in Zhangjiajie policy (SPEC §3).

It exists only to check the engine (and the batch engine) against: one claim at a
time, plain ``Decimal``, every number written straight from SPEC §3, no policy file.
Do not make it clever; if it disagrees with the engine, one of the two is wrong and
the hand-worked examples (tests/data/worked_examples.yaml) decide which.

Input is JSON-like: ``person`` is ``{"id", "poor", "county"}``; each claim is
``{"id", "kind", "date", "facility": {"id", "level", "county"}, "total", "in_scope",
"accident"}`` with money as ``str``/``Decimal``/``int`` and the date as ISO text or a
``date``. Chinese names of levels, counties, kinds and the two designated hospitals
are accepted. Inputs are assumed valid (the engine's validation is tested elsewhere).

>>> person = {"id": "P1", "poor": True, "county": "sangzhi"}
>>> claim = {"id": "C1", "kind": "inpatient", "date": "2019-11-03",
...          "facility": {"id": None, "level": "county", "county": "sangzhi"},
...          "total": "20000.00", "in_scope": "18000.00", "accident": False}
>>> r = reference_settle_year(person, [claim])[0]
>>> r["basic_insurance"], r["fiscal_backstop"], r["actual_ratio"]
(Decimal('15300.00'), Decimal('1700.00'), Decimal('0.8500'))
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "INPATIENT_LAYERS",
    "OUTPATIENT_LAYERS",
    "ci_band_sum",
    "reference_settle_year",
]

D = Decimal
ZERO = D("0.00")

#: Payment keys of an inpatient claim, in settlement order (SPEC §3.1–§3.3).
INPATIENT_LAYERS = (
    "basic_insurance",
    "critical_illness",
    "special_poverty_insurance",
    "medical_assistance",
    "hospital_reduction",
    "fiscal_backstop",
)
#: Payment keys of an outpatient claim (SPEC §3.4).
OUTPATIENT_LAYERS = ("outpatient_pooling",)

LEVEL_NAMES = {
    "村卫生室": "village_clinic",
    "乡镇卫生院": "township",
    "乡镇(社区)卫生院": "township",
    "社区卫生服务中心": "community",
    "社区卫生院": "community",
    "县级医院": "county",
    "市级医院": "municipal",
    "省级医院": "provincial",
}
COUNTY_NAMES = {
    "永定区": "yongding",
    "武陵源区": "wulingyuan",
    "慈利县": "cili",
    "桑植县": "sangzhi",
}
KIND_NAMES = {"住院": "inpatient", "门诊": "outpatient"}
HOSPITAL_NAMES = {
    "张家界市人民医院": "zjj-peoples-hospital",
    "市人民医院": "zjj-peoples-hospital",
    "张家界市中医医院": "zjj-tcm-hospital",
    "市中医院": "zjj-tcm-hospital",
}

# §3.1 basic insurance
BASIC_DEDUCTIBLE = {
    "township": D(200),
    "community": D(200),
    "county": D(500),
    "municipal": D(1000),
    "provincial": D(1500),
}
BASIC_RATIO = {
    "township": D("1.00"),
    "community": D("1.00"),
    "county": D("0.75"),
    "municipal": D("0.65"),
    "provincial": D("0.55"),
}
BASIC_POOR_RATIO_UP = D("0.10")
BASIC_ANNUAL_CAP = D(150000)

# §3.2 critical illness
CI_DEDUCTIBLE = D(10000)
CI_DEDUCTIBLE_POOR = D(5000)
CI_BANDS = ((D(30000), D("0.60")), (D(80000), D("0.65")), (D(150000), D("0.75")), (None, D("0.85")))
CI_POOR_RATIO_UP = D("0.05")
CI_ANNUAL_CAP = D(300000)
CI_POOR_UNCAPPED_FROM = dt.date(2019, 10, 1)

# §3.3 fiscal backstop
BACKSTOP_RATIO = D("0.85")

# §3.4 outpatient pooling
OUTPATIENT_FROM = dt.date(2019, 9, 1)
OUTPATIENT_LEVELS = ("village_clinic", "township", "community")
OUTPATIENT_RATIO = D("0.70")
OUTPATIENT_ANNUAL_CAP = D(350)

# §3.5 in-county
IN_COUNTY_LEVELS = ("village_clinic", "township", "community", "county")
DESIGNATED = {
    "zjj-peoples-hospital": ("yongding", "wulingyuan"),
    "zjj-tcm-hospital": ("yongding", "wulingyuan"),
}


def _round(value: Decimal) -> Decimal:
    """SPEC §4 round(): to the fen, half up."""
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _money(value: Any) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def ci_band_sum(a: Decimal, poor: bool) -> Decimal:
    """F(A) of SPEC §3.2: the exact band sum on E = max(0, A − deductible), unrounded."""
    deductible = CI_DEDUCTIBLE_POOR if poor else CI_DEDUCTIBLE
    e = max(D(0), a - deductible)
    f = D(0)
    lower = D(0)
    for upper, ratio in CI_BANDS:
        if poor:
            ratio = ratio + CI_POOR_RATIO_UP
        top = e if upper is None else min(e, upper)
        if top > lower:
            f = f + (top - lower) * ratio
        if upper is None:
            break
        lower = upper
    return f


def reference_settle_year(
    person: dict[str, Any], claims: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Settle a person's claims in the order given; one result per claim.

    Each result has one ``Decimal`` per payment key (INPATIENT_LAYERS or
    OUTPATIENT_LAYERS, by kind), ``reimbursed``, ``patient_pay``, ``actual_ratio``
    (``Decimal`` with 4 places, or ``None`` when total is 0), and the flags
    ``in_county`` and ``pay_later`` (``bool``). Annual amounts are kept per calendar year.
    """
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        return [_settle(person, claim, year) for claim, year in _with_years(claims)]


def _with_years(claims: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Decimal]]]:
    years: dict[int, dict[str, Decimal]] = {}
    out = []
    for claim in claims:
        year = years.setdefault(
            _date(claim["date"]).year,
            {"basic_paid": ZERO, "ci_base": ZERO, "ci_paid": ZERO, "outpatient_paid": ZERO},
        )
        out.append((claim, year))
    return out


def _settle(
    person: dict[str, Any], claim: dict[str, Any], year: dict[str, Decimal]
) -> dict[str, Any]:
    poor = bool(person["poor"])
    county = COUNTY_NAMES.get(person["county"], person["county"])
    kind = KIND_NAMES.get(claim["kind"], claim["kind"])
    date = _date(claim["date"])
    total = _money(claim["total"])
    in_scope = _money(claim["in_scope"])
    facility = claim["facility"]
    facility_id = HOSPITAL_NAMES.get(facility.get("id"), facility.get("id"))
    level = LEVEL_NAMES.get(facility.get("level"), facility.get("level"))
    if level is None and facility_id in DESIGNATED:
        level = "municipal"
    facility_county = COUNTY_NAMES.get(facility.get("county"), facility.get("county"))

    # §3.5 in-county
    in_county = False
    if level in IN_COUNTY_LEVELS and facility_county == county:
        in_county = True
    if facility_id in DESIGNATED and county in DESIGNATED[facility_id]:
        in_county = True

    # §3.6 pay-later
    pay_later = poor and kind == "inpatient" and in_county and not claim.get("accident", False)

    payments: dict[str, Decimal] = {}
    if kind == "inpatient":
        if level == "village_clinic":
            raise ValueError("village clinics do not admit inpatients")
        # §3.1 basic insurance
        deductible = D(0) if poor else BASIC_DEDUCTIBLE[level]
        ratio = BASIC_RATIO[level]
        if poor:
            ratio = min(D(1), ratio + BASIC_POOR_RATIO_UP)
        basic = _round(max(D(0), in_scope - deductible) * ratio)
        basic = min(basic, max(D(0), BASIC_ANNUAL_CAP - year["basic_paid"]))
        basic = min(basic, total)
        year["basic_paid"] += basic
        payments["basic_insurance"] = basic

        # §3.2 critical illness
        x = in_scope - basic
        a0 = year["ci_base"]
        a1 = a0 + x
        ci = _round(ci_band_sum(a1, poor)) - _round(ci_band_sum(a0, poor))
        capped = not (poor and date >= CI_POOR_UNCAPPED_FROM)
        if capped:
            ci = min(ci, max(D(0), CI_ANNUAL_CAP - year["ci_paid"]))
        ci = min(ci, total - basic)
        year["ci_base"] = a1
        year["ci_paid"] += ci
        payments["critical_illness"] = ci

        # §3.3 safety net: the rates are not stated (I-5), so they pay 0
        payments["special_poverty_insurance"] = ZERO
        payments["medical_assistance"] = ZERO
        payments["hospital_reduction"] = ZERO

        # §3.3 fiscal backstop
        backstop = ZERO
        if poor and in_county:
            earlier = basic + ci
            target = _round(BACKSTOP_RATIO * total)
            backstop = max(D(0), target - earlier)
            backstop = min(backstop, total - earlier)
        payments["fiscal_backstop"] = backstop
    elif kind == "outpatient":
        # §3.4 outpatient pooling
        pay = ZERO
        if date >= OUTPATIENT_FROM and level in OUTPATIENT_LEVELS:
            pay = _round(in_scope * OUTPATIENT_RATIO)
            pay = min(pay, max(D(0), OUTPATIENT_ANNUAL_CAP - year["outpatient_paid"]))
        year["outpatient_paid"] += pay
        payments["outpatient_pooling"] = pay
    else:
        raise ValueError(f"unknown claim kind {kind!r}")

    reimbursed = sum(payments.values(), ZERO)
    patient_pay = total - reimbursed
    if total == 0:
        actual_ratio = None
    else:
        actual_ratio = (reimbursed / total).quantize(D("0.0001"), rounding=ROUND_HALF_UP)
    result: dict[str, Any] = {"claim_id": claim["id"]}
    result.update(payments)
    result["reimbursed"] = reimbursed
    result["patient_pay"] = patient_pay
    result["actual_ratio"] = actual_ratio
    result["in_county"] = in_county
    result["pay_later"] = pay_later
    return result
