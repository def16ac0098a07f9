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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from zjj_medical.contract.inputs import LINE_FIELDS, claim_from_dict, person_from_dict
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.lines import FeeLine
from zjj_medical.engine.people import Person, is_id, shown
from zjj_medical.errors import InvalidClaim, problem, problem_of
from zjj_medical.i18n import read_yes_no
from zjj_medical.policy.model import Attribute, Policy

__all__ = [
    "LINE_COLUMNS",
    "LINE_REQUIRED",
    "claim_from_row",
    "is_missing",
    "line_from_row",
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
    """``True``/``False`` from a boolean, 0/1, or text ``true``/``false``/``1``/``0``/``是``/``否``.

    >>> read_bool("TRUE"), read_bool(0), read_bool(np.bool_(True)), read_bool("否")
    (True, False, True, False)
    """
    value = read_yes_no(value)
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


#: The columns of a lines table: ``claim_id`` then a fee line's fields (the last three optional).
LINE_COLUMNS = ("claim_id", *LINE_FIELDS)
#: The columns every row of a lines table needs.
LINE_REQUIRED = ("claim_id", "code", "name", "class", "quantity", "price")


def _line_cell(value: object) -> object:
    """A lines-table cell as the fee line reads it: numbers as their shortest text (a float
    ``0.1`` is ``'0.1'``, as money is read everywhere), text and ``Decimal`` as they are."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return value


def line_from_row(row: Mapping[Any, Any], index: int) -> FeeLine:
    """A :class:`~zjj_medical.engine.lines.FeeLine` from a lines-table row (columns
    ``claim_id, code, name, class, quantity, price`` and optional ``amount, limit,
    self_pay_ratio``); ``index`` is the line's place among its claim's lines (its order in
    the lines table), which names it in errors.

    Raises :class:`~zjj_medical.errors.InvalidClaim` with code ``claim.line.invalid``, naming
    the claim and the cell (``lines[1].price``), as the JSON reader names a line's field.

    >>> line_from_row({"claim_id": "C1", "code": "B1", "name": "头孢", "class": "乙类",
    ...                "quantity": "3", "price": "12.35"}, 0).amount
    Decimal('37.05')
    >>> try:
    ...     line_from_row({"claim_id": "C1", "code": "B1", "name": "头孢", "class": "B",
    ...                    "quantity": "3", "price": "12.351"}, 1)
    ... except InvalidClaim as exc:
    ...     print(exc.code, exc.field, "-", exc)
    claim.line.invalid lines[1].price - claim C1: lines[1].price: price: '12.351' has more than 2 decimal places (accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56')
    """
    cid = read_id(row.get("claim_id"))
    at = f"lines[{index}]"

    def fail(column: str, detail: str) -> InvalidClaim:
        where = f"{at}.{column}"
        return InvalidClaim(
            code="claim.line.invalid", params={"claim_id": cid, "where": where, "detail": detail},
            claim_id=cid, field=where, path=where,
        )  # fmt: skip

    cells: dict[str, Any] = {}
    for column in LINE_FIELDS:
        value = row.get(column)
        if is_missing(value):
            if column in LINE_REQUIRED:
                raise fail(column, "missing")
            cells[column] = None
        elif column in ("code", "name", "class"):
            text = read_id(value).strip() if column == "code" else str(value).strip()
            if not is_id(text):
                raise fail(column, f"'{shown(text)}' is not valid Unicode (a lone surrogate)")
            cells[column] = text
        else:
            cells[column] = _line_cell(value)
    try:
        return FeeLine(
            cells["code"], cells["name"], cells["class"], cells["quantity"], cells["price"],
            cells["amount"], cells["limit"], cells["self_pay_ratio"],
        )  # fmt: skip
    except (ValueError, TypeError) as exc:
        error = exc
    checks: tuple[tuple[str, Callable[[Any], FeeLine]], ...] = (
        ("quantity", lambda v: FeeLine("-", "-", "-", v, "0")),
        ("price", lambda v: FeeLine("-", "-", "-", "1", v)),
        ("limit", lambda v: FeeLine("-", "-", "-", "1", "0", limit=v)),
        ("self_pay_ratio", lambda v: FeeLine("-", "-", "-", "1", "0", self_pay_ratio=v)),
    )
    for column, check in checks:  # which cell it was: each alone, in the columns' order
        if cells[column] is not None:
            try:
                check(cells[column])
            except (ValueError, TypeError) as exc:
                raise fail(column, str(exc)) from None
    raise fail("amount", str(error))


def claim_from_row(
    row: Mapping[Any, Any], policy: Policy, lines: Sequence[Mapping[Any, Any]] = ()
) -> Claim:
    """A :class:`Claim` from a claims-table row, with the rows of its fee lines (``lines``,
    rows of a lines table in their order, read by :func:`line_from_row`).

    The row's own spellings are undone here (``claim_id``, flat ``facility_id``,
    ``facility_level`` and ``facility_county`` columns, dates and booleans as the table
    holds them, missing cells); the claim object is then read by
    :func:`~zjj_medical.contract.inputs.claim_from_dict`, the reader of every shape.
    Raises :class:`~zjj_medical.errors.InvalidClaim` naming the claim and field: the
    claim's id, then its lines (the first line that cannot be read), then its other cells.

    A claim with lines may leave ``total`` and ``in_scope`` empty: they follow from its
    lines (``total`` their sum, ``in_scope`` their split by the policy's catalogue rules,
    made when the claim is settled); given, they must agree with them, as for
    :func:`~zjj_medical.settle`.
    """
    cid = read_id(row.get("claim_id"))
    who = {"claim_id": cid}
    if is_missing(row.get("claim_id")):
        raise InvalidClaim(
            code="claim.column.missing", params={**who, "column": "claim_id"},
            claim_id=cid, field="claim_id", path="claim_id",
        )  # fmt: skip
    fee_lines = [line_from_row(line, i) for i, line in enumerate(lines)]

    def missing(column: str) -> InvalidClaim:
        return InvalidClaim(
            code="claim.column.missing", params={**who, "column": column},
            claim_id=cid, field=column, path=column,
        )  # fmt: skip

    for name in ("total", "in_scope"):
        if not fee_lines and is_missing(row.get(name)):
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
        id=cid, kind=str(kind).strip(), date=date, facility=facility, accident=accident_b,
    )  # fmt: skip
    if not fee_lines:
        data.update(total=row["total"], in_scope=row["in_scope"])
        return claim_from_dict(data)
    # With lines: the claim is read without them (amounts standing in), then given its lines
    # and its own amounts (empty ones follow from the lines), checked again as a Claim is.
    claim = claim_from_dict({**data, "total": "0", "in_scope": "0"})
    total: Any = None if is_missing(row.get("total")) else row.get("total")
    in_scope: Any = None if is_missing(row.get("in_scope")) else row.get("in_scope")
    try:
        return attrs.evolve(claim, lines=fee_lines, total=total, in_scope=in_scope)
    except InvalidClaim as exc:
        exc.path = exc.field
        raise
