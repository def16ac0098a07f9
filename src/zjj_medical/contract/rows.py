"""Reading claim and person tables row by row: money to fen, dates, ids, attributes.

The batch engine reads ``pandas`` tables. This module holds the one rule for each
input field, shared by the vectorised engine and the scalar path it is checked
against, so a row is refused for the same reason with the same message either way.

Money rule (SPEC §4, exact): an amount is yuan with at most two decimals, given as
text, ``Decimal`` or an integer. A ``float`` is read as the decimal text of its
shortest ``repr`` (``12.34`` → ``'12.34'`` → 1234 fen; ``0.1`` → 10 fen); when that
text has more than two decimals (``12.345``) the row is refused, never rounded.
Amounts above :data:`MAX_FEN` (10,000,000,000.00 yuan a claim) are refused too, so
every sum the engine forms stays exact in 64-bit integers and in float64 output.

>>> money_fen("12.34"), money_fen(12.34), money_fen(200), money_fen(0.1)
(1234, 1234, 20000, 10)
>>> money_fen(12.345)
Traceback (most recent call last):
...
ValueError: 12.345 has more than 2 decimal places (amounts are yuan and fen)
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np

from zjj_medical.engine.claims import Claim
from zjj_medical.engine.people import Facility, Person
from zjj_medical.errors import InvalidClaim, problem, problem_of
from zjj_medical.policy.model import Attribute, Policy

__all__ = [
    "MAX_FEN",
    "claim_from_row",
    "is_missing",
    "money_fen",
    "person_from_row",
    "read_bool",
    "read_categories",
    "read_date",
    "read_id",
]

#: The largest amount a claim may carry, in fen (10,000,000,000.00 yuan). Every amount
#: handed out for a claim is at most its total, so below 2**53 fen, where float64 yuan
#: still prints back to the exact fen; the year's running sums stay in int64, which holds
#: over four million such claims a person-year.
MAX_FEN = 10**12


def is_missing(value: object) -> bool:
    """``None``, ``NaN``, ``pd.NA``/``NaT`` or empty text: the field was not given.

    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing("x")
    (True, True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float | np.floating):
        return bool(math.isnan(value))
    return type(value).__name__ in ("NAType", "NaTType")


def money_fen(value: object) -> int:
    """Integer fen of an amount in yuan under the module's money rule (``ValueError`` if not).

    >>> money_fen(Decimal("0.05")), money_fen("  7 ")
    (5, 700)
    """
    if isinstance(value, bool | np.bool_):
        raise problem(ValueError, "cell.money.bool", value=value)
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            raise problem(ValueError, "cell.money.finite", value=value)
        text = repr(float(value))
    elif isinstance(value, int | np.integer):
        text = str(int(value))
    elif isinstance(value, Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise problem(ValueError, "cell.money.type", value=value, type=type(value).__name__)
    try:
        d = Decimal(text)
    except decimal.InvalidOperation:
        raise problem(ValueError, "cell.money.number", value=value) from None
    if not d.is_finite():
        raise problem(ValueError, "cell.money.finite", value=value)
    if d < 0:
        raise problem(ValueError, "cell.money.negative", value=value, text=text)
    fen = d.scaleb(2)
    if fen != fen.to_integral_value():
        raise problem(ValueError, "cell.money.decimals", value=value, text=text)
    out = int(fen)
    if out > MAX_FEN:
        raise problem(ValueError, "cell.money.max", value=value, text=text, max="10000000000.00")
    return out


def read_date(value: object) -> dt.date:
    """A date from ``datetime.date``, a timestamp at midnight or ISO text ``YYYY-MM-DD``.

    >>> read_date("2019-10-01"), read_date(np.datetime64("2019-10-01"))
    (datetime.date(2019, 10, 1), datetime.date(2019, 10, 1))
    """
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[us]").item()
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        if value.time() != dt.time(0):
            raise problem(ValueError, "cell.date.time", value=value)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise problem(ValueError, "cell.date", value=value)


def read_bool(value: object) -> bool:
    """``True``/``False`` from a boolean, 0/1, or text ``true``/``false``/``1``/``0``.

    >>> read_bool("TRUE"), read_bool(0), read_bool(np.bool_(True))
    (True, False, True)
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer) and int(value) in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    raise problem(ValueError, "cell.bool", value=value)


def read_categories(value: object) -> tuple[str, ...]:
    """Categories from a list, or from text separated by ``;``; missing is none.

    >>> read_categories("tekun; dibao"), read_categories(None), read_categories(["dibao"])
    (('tekun', 'dibao'), (), ('dibao',))
    """
    if is_missing(value):
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(";") if p.strip())
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(str(v) for v in value)
    raise problem(ValueError, "cell.categories", value=value)


def read_id(value: object) -> str:
    """An id as text (integers from a CSV read as numbers give their digits)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _attributes(
    row: Mapping[Any, Any],
    declared: Mapping[str, Attribute],
    subject: dict[str, str],
    claim_id: str | None,
) -> dict[str, str | bool]:
    out: dict[str, str | bool] = {}
    for name, attribute in declared.items():
        value = row.get(name)
        if is_missing(value):
            continue
        if attribute.type == "bool":
            try:
                out[name] = read_bool(value)
            except ValueError as exc:
                raise _wrapped(exc, subject, name, claim_id, name) from None
        else:
            out[name] = str(value).strip()
    return out


def _wrapped(
    exc: ValueError, subject: dict[str, str], column: str, claim_id: str | None, field: str
) -> InvalidClaim:
    """The :class:`InvalidClaim` of a cell a reader refused (``exc``), in the claim's or the
    person's row (``subject``: ``claim_id`` or ``person_id``)."""
    found = problem_of(exc)
    if found is None:
        raise exc
    code, params = found
    head = "claim." if "claim_id" in subject else "person."
    return InvalidClaim(
        code=head + code, params={**subject, "column": column, **params},
        claim_id=claim_id, field=field,
    )  # fmt: skip


def person_from_row(row: Mapping[Any, Any], policy: Policy) -> Person:
    """A :class:`Person` from a people-table row (columns person_id, poor, county, …).

    Columns the policy does not declare as person attributes are ignored (a
    population table may carry age, sex …).
    """
    pid = read_id(row.get("person_id"))
    who = {"person_id": pid}
    try:
        poor = read_bool(row.get("poor"))
    except ValueError as exc:
        raise _wrapped(exc, who, "poor", None, "person.poor") from None
    county = row.get("county")
    if is_missing(county):
        raise InvalidClaim(
            code="person.column.missing", params={**who, "column": "county"}, field="person.county"
        )
    try:
        categories = read_categories(row.get("categories"))
    except ValueError as exc:
        raise _wrapped(exc, who, "categories", None, "person.categories") from None
    attributes = _attributes(row, policy.person_attributes, who, None)
    return Person(pid, poor=poor, county=str(county), categories=categories, attributes=attributes)


def claim_from_row(row: Mapping[Any, Any], policy: Policy) -> Claim:
    """A :class:`Claim` from a claims-table row.

    Raises :class:`~zjj_medical.errors.InvalidClaim` naming the claim and field.
    """
    cid = read_id(row.get("claim_id"))
    who = {"claim_id": cid}

    def missing(column: str) -> InvalidClaim:
        return InvalidClaim(
            code="claim.column.missing", params={**who, "column": column},
            claim_id=cid, field=column,
        )  # fmt: skip

    if is_missing(row.get("claim_id")):
        raise missing("claim_id")
    fen = {}
    for name in ("total", "in_scope"):
        value = row.get(name)
        if is_missing(value):
            raise missing(name)
        try:
            fen[name] = money_fen(value)
        except ValueError as exc:
            raise _wrapped(exc, who, name, cid, name) from None
    if fen["in_scope"] > fen["total"]:
        raise InvalidClaim(
            code="claim.row.in_scope.above_total",
            params={**who, "in_scope": row["in_scope"], "total": row["total"]},
            claim_id=cid, field="in_scope",
        )  # fmt: skip
    try:
        date = read_date(row.get("date"))
    except ValueError as exc:
        raise _wrapped(exc, who, "date", cid, "date") from None
    accident = row.get("accident")
    try:
        accident_b = False if is_missing(accident) else read_bool(accident)
    except ValueError as exc:
        raise _wrapped(exc, who, "accident", cid, "accident") from None
    kind = row.get("kind")
    if is_missing(kind):
        raise missing("kind")
    facility = Facility(*(None if is_missing(row.get(k)) else str(row.get(k)).strip()
                          for k in ("facility_id", "facility_level", "facility_county")))  # fmt: skip
    attributes = _attributes(row, policy.claim_attributes, who, cid)
    total = Decimal(fen["total"]).scaleb(-2)
    in_scope = Decimal(fen["in_scope"]).scaleb(-2)
    return Claim(cid, str(kind).strip(), date, facility, total, in_scope, accident_b, attributes)
