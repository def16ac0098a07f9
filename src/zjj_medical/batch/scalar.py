"""The batch run done one claim at a time through :func:`zjj_medical.settle`.

This is the definition the vectorised engine must match to the fen: each
person-year's claims are settled in (date, claim id) order, carrying the ledger;
a row that cannot be settled gets its error and zero payments and is left out of
the ledger, so the rest of that person's year settles as if it were absent.

>>> import pandas as pd
>>> people = pd.DataFrame({"person_id": ["P1"], "poor": [True], "county": ["sangzhi"]})
>>> claims = pd.DataFrame({
...     "claim_id": ["C1"], "person_id": ["P1"], "kind": ["inpatient"], "date": ["2019-11-03"],
...     "facility_id": [None], "facility_level": ["county"], "facility_county": ["sangzhi"],
...     "total": ["20000.00"], "in_scope": ["18000.00"]})
>>> out = simulate_scalar(claims, people)
>>> out.loc[0, ["basic_insurance", "fiscal_backstop", "patient_pay"]].tolist()
[15300.0, 1700.0, 3000.0]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from zjj_medical.batch._lines import lines_by_claim
from zjj_medical.batch._output import Money, Order, build_frame, error_text, given_ids
from zjj_medical.batch.columns import date_column
from zjj_medical.contract.rows import claim_from_row, is_missing, person_from_row, read_id
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import Ledger
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import settle
from zjj_medical.errors import InvalidClaim, ReimbursementError, problem
from zjj_medical.money import to_fen
from zjj_medical.policy.loader import builtin_for_dates
from zjj_medical.policy.model import Policy

__all__ = [
    "amount_columns",
    "check_columns",
    "check_row",
    "error_text",
    "read_people",
    "rows_of",
    "simulate_scalar",
]


def rows_of(table: pd.DataFrame) -> list[dict[Any, Any]]:
    """The rows of a table as dicts (values as ``DataFrame.to_dict("records")`` gives them)."""
    return table.to_dict("records")


def read_people(people: pd.DataFrame, policy: Policy) -> dict[str, Person | ReimbursementError]:
    """Each person of the table by id (an unreadable row maps to its error).

    A person id given twice, or a row without one, is refused for the whole table: the run
    would be ambiguous (a row without an id is no person a claim can name).
    """
    if "person_id" not in people.columns:
        raise problem(ValueError, "table.column.missing", table="people", column="person_id")
    out: dict[str, Person | ReimbursementError] = {}
    for k, row in enumerate(rows_of(people)):
        if is_missing(row.get("person_id")):
            raise problem(ValueError, "table.person_id.missing", row=k + 1)
        pid = read_id(row.get("person_id"))
        if pid in out:
            raise problem(ValueError, "table.person_id.twice", value=pid)
        try:
            out[pid] = person_from_row(row, policy)
        except ReimbursementError as exc:
            out[pid] = exc
    return out


def check_columns(claims: pd.DataFrame, people: pd.DataFrame, *, lines: bool = False) -> None:
    """Refuse tables without the columns every row needs (``ValueError``); with ``lines``,
    a claims table may leave out ``total`` and ``in_scope`` (its claims' lines give them)."""
    for column in ("claim_id", "person_id", "kind", "date", "total", "in_scope"):
        if lines and column in ("total", "in_scope"):
            continue
        if column not in claims.columns:
            raise problem(ValueError, "table.column.missing", table="claims", column=column)
    for column in ("person_id", "poor", "county"):
        if column not in people.columns:
            raise problem(ValueError, "table.column.missing", table="people", column=column)


def check_row(
    row: Mapping[Any, Any],
    person_of: Callable[[str], Person | ReimbursementError | None],
    policy: Policy,
    lines: Sequence[Mapping[Any, Any]] = (),
) -> tuple[Claim, Person]:
    """Read a claim row (with its fee lines' rows, ``lines``) and find its person.

    Raises the row's error: the claim's own fields first (its lines among them), then its
    person.
    """
    claim = claim_from_row(row, policy, lines)
    pid = read_id(row.get("person_id"))
    person = None if is_missing(row.get("person_id")) else person_of(pid)
    if person is None:
        raise InvalidClaim(
            code="claim.person_id.unknown", params={"claim_id": claim.id, "value": pid},
            claim_id=claim.id, field="person_id",
        )  # fmt: skip
    if isinstance(person, ReimbursementError):
        raise InvalidClaim(
            code="claim." + person.code, params={"claim_id": claim.id, **person.params},
            claim_id=claim.id, field=person.field,
        )  # fmt: skip
    return claim, person


def amount_columns(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table with empty ``total`` and ``in_scope`` columns where it has none
    (a table whose claims all carry lines may leave them out)."""
    absent = [c for c in ("total", "in_scope") if c not in claims.columns]
    if not absent:
        return claims
    return claims.assign(
        **{c: pd.Series([None] * len(claims), index=claims.index, dtype=object) for c in absent}
    )


def simulate_scalar(
    claims: pd.DataFrame,
    people: pd.DataFrame,
    *,
    lines: pd.DataFrame | None = None,
    policy: Policy | None = None,
    money: Money = "yuan",
    order: Order = "date",
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Settle every claim with :func:`~zjj_medical.settle` and a ledger per person-year.

    Same arguments and result as :func:`zjj_medical.batch.simulate`; slow, and the
    definition that function is tested against. A claim with rows in ``lines`` is read
    with those fee lines attached (:func:`~zjj_medical.contract.rows.claim_from_row`) and
    settled as :func:`~zjj_medical.settle` settles a claim with lines.
    """
    check_columns(claims, people, lines=lines is not None)
    claims = amount_columns(claims)
    lines_of = lines_by_claim(lines, claims)
    if policy is None:
        dates, bad = date_column(claims["date"])
        policy = builtin_for_dates(dates[~bad])
    persons = read_people(people, policy)
    layer_ids = [layer.id for layer in policy.layers]
    n = len(claims)
    rows = rows_of(claims)
    errors: list[ReimbursementError | None] = [None] * n
    parsed: dict[int, tuple[Claim, Person]] = {}
    keys: list[tuple[str, int, dt.date, str, int]] = []
    for i, row in enumerate(rows):
        try:
            own = lines_of.get(read_id(row.get("claim_id")), ()) if lines_of else ()
            claim, person = check_row(row, persons.get, policy, own)
        except ReimbursementError as exc:
            errors[i] = exc
            continue
        pid = person.id
        parsed[i] = (claim, person)
        if order == "date":
            keys.append((pid, claim.date.year, claim.date, claim.id, i))
        else:
            keys.append((pid, claim.date.year, dt.date.min, "", i))
    keys.sort()
    payments = np.zeros((n, len(layer_ids)), dtype=np.int64)
    totals = np.zeros(n, dtype=np.int64)
    in_county = np.zeros(n, dtype=bool)
    pay_later = np.zeros(n, dtype=bool)
    settled = np.zeros(n, dtype=bool)
    ledgers: dict[tuple[str, int], Ledger] = {}
    for done, (pid, year, _, _, i) in enumerate(keys):
        claim, person = parsed[i]
        try:
            s = settle(claim, person, policy=policy, ledger=ledgers.get((pid, year)))
        except ReimbursementError as exc:
            errors[i] = exc
        else:
            ledgers[(pid, year)] = s.ledger
            for j, layer in enumerate(layer_ids):
                if layer in s.payments:
                    payments[i, j] = to_fen(s.payments[layer])
            totals[i] = to_fen(claim.total)
            in_county[i] = s.in_county
            pay_later[i] = s.pay_later
            settled[i] = True
        if progress is not None and (done + 1) % 10000 == 0:
            progress(done + 1, n)
    if progress is not None:
        progress(n, n)
    return build_frame(
        given_ids(claims["claim_id"], [read_id(r.get("claim_id")) for r in rows]),
        given_ids(claims["person_id"], [read_id(r.get("person_id")) for r in rows]),
        in_county, pay_later, layer_ids, list(payments.T), totals, settled, errors, money,
    )  # fmt: skip
