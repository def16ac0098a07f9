"""Rows the engine refuses: their error as settle gives it, and duplicate claim ids.

A refused row is read again by the row rule (:func:`~zjj_medical.batch.scalar.check_row`)
and put through the checks :func:`~zjj_medical.settle` makes before it computes
(:func:`~zjj_medical.engine.settlement.check_in_force`, then
:func:`~zjj_medical.engine.normalize.normalize`), so its error is the very error (code,
field, message) :func:`~zjj_medical.batch.simulate_scalar` gives — in the order settle meets
them: the claim's fields, its person, the policy's dates (before the ledger is looked at),
then duplicates within the person-year, then the policy's checks of the claim.

>>> from zjj_medical import Person, load_policy
>>> row = {"claim_id": "C9", "person_id": "P1", "kind": "inpatient", "date": "2019-05-01",
...        "facility_level": "village_clinic", "facility_county": "cili",
...        "total": "100", "in_scope": "100"}
>>> error, before_ledger = row_error(row, lambda pid: Person(pid, poor=False, county="cili"),
...                                  load_policy())
>>> error.code, error.field, before_ledger
('claim.facility.level.kind', 'facility.level', False)
>>> str(error)
'claim C9: facility.level: a village_clinic facility does not take inpatient claims (accepted: township, community, county, municipal, provincial)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from zjj_medical.batch.columns import IntArray, Texts, combine_codes
from zjj_medical.batch.scalar import check_row, read_people
from zjj_medical.engine.normalize import Normalized, normalize
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import check_in_force, duplicate_claim
from zjj_medical.errors import PolicyNotInForce, ReimbursementError
from zjj_medical.policy.model import Policy

__all__ = ["PersonOf", "mark_duplicates", "person_lookup", "row_checked", "row_error"]

PersonOf = Callable[[str], Person | ReimbursementError | None]


def person_lookup(
    people: pd.DataFrame, people_ix: pd.Index, wanted: IntArray, policy: Policy
) -> PersonOf:
    """Persons by id as the row rule reads them, for the refused rows' people."""
    found = read_people(people.iloc[np.unique(wanted[wanted >= 0])], policy)

    def person_of(pid: str) -> Person | ReimbursementError | None:
        if pid not in found and people_ix.get_indexer(pd.Index([pid]))[0] >= 0:
            raise AssertionError(f"batch: person {pid!r} was not looked up")
        return found.get(pid)

    return person_of


def row_error(
    row: dict[Any, Any],
    person_of: PersonOf,
    policy: Policy,
    lines: Sequence[Mapping[Any, Any]] = (),
) -> tuple[ReimbursementError | None, bool]:
    """The row's error as the scalar path gives it; true when raised before the ledger."""
    found, before, _ = row_checked(row, person_of, policy, lines)
    return found, before


def row_checked(
    row: dict[Any, Any],
    person_of: PersonOf,
    policy: Policy,
    lines: Sequence[Mapping[Any, Any]] = (),
) -> tuple[ReimbursementError | None, bool, Normalized | None]:
    """:func:`row_error`, and the row's claim normalised when it has no error (for a claim
    with fee ``lines``, its total and in-scope amounts from their split)."""
    try:
        claim, person = check_row(row, person_of, policy, lines)
    except ReimbursementError as exc:
        return exc, True, None
    try:
        check_in_force(claim, policy)
    except PolicyNotInForce as exc:
        return exc, True, None
    try:
        return None, False, normalize(policy, claim, person)
    except ReimbursementError as exc:
        return exc, False, None


def mark_duplicates(
    candidates: IntArray,
    person_year: IntArray,
    date: np.ndarray[Any, Any],
    cid: Texts,
    settled: np.ndarray[Any, Any],
    flagged: np.ndarray[Any, Any],
    errors: list[ReimbursementError | None],
    *,
    by_date: bool = True,
    cid_codes: IntArray | None = None,
) -> None:
    """A claim id met again in a person-year after one settled: ``DuplicateClaim``.

    "After" is in posting order: by date, then input row (``by_date``), or by input row.
    ``cid_codes``: a code per row, equal where the claim ids are equal, when known already.
    """
    # Only a person-year with two claims or more can hold a claim id twice.
    many = np.bincount(person_year[candidates])[person_year[candidates]] >= 2
    candidates = candidates[many]
    if len(candidates) == 0:
        return
    if cid_codes is None:
        ids = pd.factorize(pd.Series(cid[candidates], dtype=object))[0].astype(np.int64)
    else:
        ids = cid_codes[candidates]
    key, _ = combine_codes([person_year[candidates], ids], len(candidates))
    # Only a (person-year, claim id) met twice or more can be a duplicate: the rest (almost
    # every row) leave before the sort.
    twice = np.bincount(key)[key] >= 2
    candidates, key = candidates[twice], key[twice]
    if len(candidates) == 0:
        return
    day = date[candidates].astype(np.int64) if by_date else np.zeros(len(candidates), np.int64)
    order = np.lexsort((candidates, day, key))
    seen: set[int] = set()
    k_sorted = key[order]
    repeated = np.zeros(len(order), dtype=bool)
    repeated[1:] = k_sorted[1:] == k_sorted[:-1]
    repeated[:-1] |= k_sorted[:-1] == k_sorted[1:]
    for j in np.flatnonzero(repeated):
        i = int(candidates[order[j]])
        k = int(k_sorted[j])
        if k in seen:
            errors[i] = duplicate_claim(str(cid[i]))
            settled[i] = False
            flagged[i] = True
        elif errors[i] is None:
            seen.add(k)
