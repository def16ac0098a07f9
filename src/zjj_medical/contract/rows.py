"""Claims and persons as table rows: what is specific to a table, before the one reader.

The batch engine reads ``pandas`` tables. A row is the claim (or person) object of the
JSON contract spelt the table's way: ``claim_id`` / ``person_id`` columns, the facility in
flat ``facility_id``, ``facility_level`` and ``facility_county`` columns, categories as
``;``-separated text, booleans as ``true``/``1``, dates as text or timestamps, and empty
cells for what is not given. :func:`claim_from_row` and :func:`person_from_row` undo
those spellings and hand the object to :mod:`~zjj_medical.contract.inputs`, the reader of
every shape; the vectorised engine and the scalar path it is checked against both read
rows here, so a row is refused for the same reason with the same message either way.

Money cells are handed over as they are and read by :func:`zjj_medical.money.parse_money`,
the rule every path shares (a ``float`` is read as its shortest ``repr``; at most two
places; at most :data:`~zjj_medical.money.MAX_AMOUNT`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from zjj_medical.contract.inputs import claim_from_dict, person_from_dict
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.people import Person
from zjj_medical.errors import InvalidClaim, problem, problem_of
from zjj_medical.policy.model import Attribute, Policy

__all__ = [
    "claim_from_row",
    "is_missing",
    "person_from_row",
    "read_bool",
    "read_categories",
    "read_date",
    "read_id",
]


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
    path: str,
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
                raise _wrapped(exc, subject, name, claim_id, name, f"{path}{name}") from None
        else:
            out[name] = str(value).strip()
    return out


def _wrapped(
    exc: ValueError,
    subject: dict[str, str],
    column: str,
    claim_id: str | None,
    field: str,
    path: str,
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
        claim_id=claim_id, field=field, path=path,
    )  # fmt: skip


def person_from_row(row: Mapping[Any, Any], policy: Policy) -> Person:
    """A :class:`Person` from a people-table row (columns person_id, poor, county, …).

    The row's own spellings are undone here (id column, text booleans, ``;``-separated
    categories, missing cells); the person object is then read by
    :func:`~zjj_medical.contract.inputs.person_from_dict`. Columns the policy does not
    declare as person attributes are ignored (a population table may carry age, sex …).
    """
    pid = read_id(row.get("person_id"))
    who = {"person_id": pid}
    try:
        poor = read_bool(row.get("poor"))
    except ValueError as exc:
        raise _wrapped(exc, who, "poor", None, "person.poor", "person.poor") from None
    county = row.get("county")
    if is_missing(county):
        raise InvalidClaim(
            code="person.column.missing", params={**who, "column": "county"},
            field="person.county", path="person.county",
        )  # fmt: skip
    try:
        categories = read_categories(row.get("categories"))
    except ValueError as exc:
        raise _wrapped(
            exc, who, "categories", None, "person.categories", "person.categories"
        ) from None
    data: dict[str, Any] = _attributes(row, policy.person_attributes, who, None, "person.")
    data.update(id=pid, poor=poor, county=str(county), categories=list(categories))
    return person_from_dict(data)


def claim_from_row(row: Mapping[Any, Any], policy: Policy) -> Claim:
    """A :class:`Claim` from a claims-table row.

    The row's own spellings are undone here (``claim_id``, flat ``facility_id``,
    ``facility_level`` and ``facility_county`` columns, dates and booleans as the table
    holds them, missing cells); the claim object is then read by
    :func:`~zjj_medical.contract.inputs.claim_from_dict`, the reader of every shape.
    Raises :class:`~zjj_medical.errors.InvalidClaim` naming the claim and field.
    """
    cid = read_id(row.get("claim_id"))
    who = {"claim_id": cid}

    def missing(column: str) -> InvalidClaim:
        return InvalidClaim(
            code="claim.column.missing", params={**who, "column": column},
            claim_id=cid, field=column, path=column,
        )  # fmt: skip

    for name in ("claim_id", "total", "in_scope"):
        if is_missing(row.get(name)):
            raise missing(name)
    try:
        date = read_date(row.get("date"))
    except ValueError as exc:
        raise _wrapped(exc, who, "date", cid, "date", "date") from None
    accident = row.get("accident")
    try:
        accident_b = False if is_missing(accident) else read_bool(accident)
    except ValueError as exc:
        raise _wrapped(exc, who, "accident", cid, "accident", "accident") from None
    kind = row.get("kind")
    if is_missing(kind):
        raise missing("kind")
    facility = {
        name: None if is_missing(row.get(column)) else str(row.get(column)).strip()
        for name, column in (
            ("id", "facility_id"), ("level", "facility_level"), ("county", "facility_county")
        )
    }  # fmt: skip
    data: dict[str, Any] = _attributes(row, policy.claim_attributes, who, cid, "")
    data.update(
        id=cid, kind=str(kind).strip(), date=date, facility=facility,
        total=row["total"], in_scope=row["in_scope"], accident=accident_b,
    )  # fmt: skip
    return claim_from_dict(data)
