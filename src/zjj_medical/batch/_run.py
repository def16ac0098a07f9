"""The batch engine: tables in, one settled row per claim out, exact to the fen.

Steps (each vectorised over the rows, looping only over *distinct* cases):

1. read the columns (:mod:`~zjj_medical.batch.columns`); a row the fast readers
   cannot take is read by the row rule, and a row refused anywhere gets the very
   error :func:`~zjj_medical.batch.simulate_scalar` gives it;
2. group the rows by what the policy can see of them — kind, facility, tier,
   county, accident, claim attributes and the person's poor / county /
   categories / attributes — and :func:`~zjj_medical.engine.normalize.normalize` one
   claim of each group (facts, in-county, pay-later);
3. for each group and policy epoch (:meth:`Policy.epoch`), take every layer's numbers
   from :meth:`~zjj_medical.engine.layers._compiled.Compiled.numbers` — the very numbers
   :func:`~zjj_medical.settle` uses — as integer tables
   (:class:`~zjj_medical.engine.layers.numbers.LayerTable`);
4. settle the claims in rounds (:mod:`~zjj_medical.batch._rounds`), each layer by its
   type's kernel, the code the scalar evaluator runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from zjj_medical.batch._lines import LinesOf, lines_by_claim
from zjj_medical.batch._output import Money, Order, build_frame, given_ids
from zjj_medical.batch._refusals import mark_duplicates, person_lookup, row_checked, row_error
from zjj_medical.batch._rounds import LayerRun, run_rounds
from zjj_medical.batch.columns import (
    IdTexts,
    IntArray,
    Texts,
    combine_codes,
    date_column,
    flag_column,
    id_text,
    missing_cells,
    money_column,
    text_codes,
    text_factorize,
)
from zjj_medical.batch.scalar import amount_columns, check_columns, rows_of
from zjj_medical.contract.rows import claim_from_row, person_from_row
from zjj_medical.engine.layers._compiled import CompiledLayer, compiled
from zjj_medical.engine.layers.numbers import LayerTable, ParamRow, ratio_places
from zjj_medical.engine.layers.schedule import SchedulePlan
from zjj_medical.engine.normalize import Normalized, normalize
from zjj_medical.engine.people import Person
from zjj_medical.errors import InvalidClaim, ReimbursementError, problem
from zjj_medical.policy.loader import builtin_for_dates
from zjj_medical.policy.model import Policy, fact_inputs

__all__ = ["simulate"]


def simulate(
    claims: pd.DataFrame,
    people: pd.DataFrame,
    *,
    lines: pd.DataFrame | None = None,
    policy: Policy | None = None,
    money: Money = "yuan",
    order: Order = "date",
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Settle a table of claims for a table of people; one result row per claim, in order.

    Args:
        claims: claim_id, person_id, kind, date, facility_id, facility_level,
            facility_county, total, in_scope, accident (optional), and the claim
            attributes the policy declares (see :mod:`zjj_medical.contract.rows` for
            the money rule).
        people: person_id, poor, county, categories (optional) and the person
            attributes the policy declares; other columns are ignored.
        lines: the claims' fee lines, one row per line: claim_id, code, name, class,
            quantity, price, and optionally amount, limit, self_pay_ratio (a claim's lines
            are its rows, in the table's order). A claim with lines may leave total and
            in_scope empty — the policy's catalogue rules split its lines into them, as
            :func:`~zjj_medical.settle` does; given, they must agree (else the row's
            error). Its claim id must be on one claims row only, and every line's claim id
            on a claims row (else ``ValueError``). The split is computed claim by claim
            (not vectorised): each claim with lines is read, with its lines and person, by
            the row rule and normalised — the one coding of the split — and its amounts go
            into the vectorised settlement. It costs about 370 µs a claim of 10 lines,
            some 75 times the run with the amounts given (``benchmarks/README.md``).
        policy: the policy; ``None`` is the built-in Zhangjiajie policy in force over the
            claims' dates (``ValueError`` when they span two).
        money: ``"yuan"`` (float64 yuan, exact to the fen at two decimals) or
            ``"fen"`` (int64).
        order: the order a person-year's claims are posted in: ``"date"`` (by date, then
            claim id, then input row — the default, the order of a year's records) or
            ``"given"`` (the input rows' order, as a billing system sent them; equal to
            :func:`~zjj_medical.settle_year` on each person's claims in that order).
        progress: called as ``progress(done, total)`` while claims are settled.

    Returns:
        claim_id, person_id, in_county, pay_later, one column per policy layer,
        reimbursed, patient_pay, actual_ratio, error, error_type, error_field,
        error_code — see :mod:`zjj_medical.batch`.

    Raises:
        ValueError: a required column is missing, a person id is given twice, or a fee
            line cannot be attributed to one claim row.
        PolicyError: the policy has a ratio needing more than 8 decimal places.

    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    >>> claims = pd.DataFrame({"claim_id": ["A1", "A2"], "person_id": ["P1", "P1"],
    ...     "kind": ["inpatient"] * 2, "date": ["2019-03-01", "2019-02-01"],
    ...     "facility_level": ["county"] * 2, "facility_county": ["cili"] * 2,
    ...     "total": [300000, 250000], "in_scope": [300000, 250000]})
    >>> out = simulate(claims, people, money="fen")
    >>> # A2 (February) settles first: basic (250000 − 500) × 0.75 = 187125; the cap of
    >>> # 150000 leaves A1 (March) 150000 − 150000 = 0 from basic insurance.
    >>> out["basic_insurance"].tolist()
    [0, 15000000]
    """
    check_columns(claims, people, lines=lines is not None)
    claims = amount_columns(claims)
    lines_of = lines_by_claim(lines, claims)
    n = len(claims)
    date, bad_date = date_column(claims["date"])
    if policy is None:
        policy = builtin_for_dates(date[~bad_date])
    report = None if progress is None else (lambda done: progress(done, n))
    pids = claims["person_id"]
    people_ix, person_group, person_obj, who = _people(people, policy, pids)
    col = claims.get
    total, bad_total = money_column(claims["total"])
    in_scope, bad_scope = money_column(claims["in_scope"])
    accident, bad_accident = flag_column(col("accident"), n)
    cids = claims["claim_id"]
    cid_text = IdTexts(cids)
    # Claims with fee lines: read and normalised one by one, their amounts from the split.
    early: dict[int, tuple[ReimbursementError, bool]] = {}
    if lines_of:
        early = _split_lines(
            claims, people, people_ix, who, cid_text.all(), lines_of, policy,
            (total, bad_total, in_scope, bad_scope),
        )  # fmt: skip
    flagged = (
        bad_total | bad_scope | bad_date | bad_accident | (in_scope > total) | (who < 0)
        | claims["claim_id"].isna().to_numpy() | pids.isna().to_numpy()
        | claims["kind"].isna().to_numpy()
    )  # fmt: skip
    person_group = np.append(person_group, -1)  # who == -1 (unknown person) reads -1
    flagged |= person_group[who] < 0
    flagged[list(early)] = True

    # Groups of claims the policy cannot tell apart, normalised once each: the claims agree
    # on every input a fact comes from (the facts' declaration), and on the person's group.
    codes = [person_group[who]]
    for column in fact_inputs(policy, "claim"):
        if column == "facility_id":
            codes.append(_facility_codes(col(column), n, policy))
        elif column == "accident":
            codes.append(accident.astype(np.int64))
        else:
            codes.append(text_codes(col(column), n)[0])
    ok = ~flagged
    group = np.full(n, -1, dtype=np.int64)
    group_ok, first = combine_codes([c[ok] for c in codes], int(ok.sum()))
    group[ok] = group_ok
    rep_rows = np.flatnonzero(ok)[first]
    reps = rows_of(claims.iloc[rep_rows])
    normal: list[Normalized | None] = []
    for k, i in enumerate(rep_rows):
        own = lines_of.get(cid_text[i], ()) if lines_of else ()
        claim = claim_from_row(reps[k], policy, own)
        try:
            normal.append(normalize(policy, claim, person_obj[person_group[who[i]]]))
        except InvalidClaim:
            normal.append(None)
    bad_group = np.array([x is None for x in normal] + [True], dtype=bool)
    flagged |= bad_group[group]  # group -1 (already flagged) picks the last entry
    change = np.array(policy.change_dates, dtype="datetime64[D]")
    epoch = np.searchsorted(change, date, side="right")
    start = np.datetime64(policy.start, "D")
    flagged |= date < start
    if policy.until is not None:
        flagged |= date >= np.datetime64(policy.until, "D")
    year = _years(date)

    # Errors, in the order settle meets them; then duplicates within a person-year.
    errors: list[ReimbursementError | None] = [None] * n
    before_ledger = np.zeros(n, dtype=bool)  # refused before the ledger is looked at
    refused = np.flatnonzero(flagged)
    person_of = person_lookup(people, people_ix, who[refused], policy)
    for i, row in zip(refused, rows_of(claims.iloc[refused]), strict=True):
        if int(i) in early:
            errors[i], before_ledger[i] = early[int(i)]
            continue
        own = lines_of.get(cid_text[i], ()) if lines_of else ()
        errors[i], before_ledger[i] = row_error(row, person_of, policy, own)
        if errors[i] is None:  # every check above is one the row rule makes
            raise AssertionError(f"batch: row {i} was refused here but settles one at a time")
    candidates = np.flatnonzero(~before_ledger)
    person_year, _ = combine_codes([np.maximum(who, 0), year], n)
    settled = ~flagged
    fast_cids = text_factorize([cids])
    mark_duplicates(
        candidates, person_year, date, cid_text, settled, flagged, errors,
        by_date=order == "date", cid_codes=None if fast_cids is None else fast_cids[0],
    )  # fmt: skip

    # Resolve each layer once per (group, epoch) seen among the rows to settle.
    rows = np.flatnonzero(settled)
    n_epochs = len(change) + 1
    case_of_row = group[rows] * n_epochs + epoch[rows]
    case, case_first, case_code = _unique_first(case_of_row)
    plans, places = _plans(policy, case, case_first, rows, date, n_epochs, normal, case_code, n)
    tiers = {t: k for k, t in enumerate(policy.tiers)}
    tier = np.zeros(n, dtype=np.int64)
    in_county = np.zeros(n, dtype=bool)
    pay_later = np.zeros(n, dtype=bool)
    g_tier = np.array([tiers[x.tier] if x else 0 for x in normal] + [0], dtype=np.int64)
    g_in = np.array([bool(x and x.in_county) for x in normal] + [False], dtype=bool)
    g_later = np.array([bool(x and x.pay_later) for x in normal] + [False], dtype=bool)
    tier[rows] = g_tier[group[rows]]
    in_county[rows] = g_in[group[rows]]
    pay_later[rows] = g_later[group[rows]]
    scale = 10**places
    if order == "date":
        ordered = rows[_settle_order(rows, person_year, date, cid_text)]
    else:
        ordered = rows[_stable_argsort(person_year[rows])]
    py_sorted = person_year[ordered]
    starts = np.r_[0, np.flatnonzero(py_sorted[1:] != py_sorted[:-1]) + 1]
    nth = np.arange(len(ordered)) - np.repeat(starts, np.diff(np.r_[starts, len(ordered)]))
    by_round = _stable_argsort(nth)
    bounds = np.r_[0, np.cumsum(np.bincount(nth))] if len(nth) else np.zeros(1, dtype=np.int64)
    rounds = [ordered[by_round[a:b]] for a, b in itertools.pairwise(bounds)]
    pay = run_rounds(
        plans, rounds, person_year, int(person_year.max()) + 1 if n else 0, tier,
        len(tiers), total, in_scope, scale, report,
    )  # fmt: skip
    if progress is not None:
        progress(n, n)
    with_error = np.flatnonzero(flagged)  # every row with an error, and only those, is flagged
    # The run's working arrays go back before the result is built (the peak of a run).
    del plans, rounds, ordered, by_round, nth, py_sorted, starts, codes, group, epoch, year
    del person_year, case_of_row, case_code, tier, candidates, date, in_scope, who, flagged
    return build_frame(
        given_ids(cids), given_ids(pids), in_county, pay_later,
        [layer.id for layer in policy.layers], pay, total, settled,
        errors, money, with_error.tolist(),
    )  # fmt: skip


def _split_lines(
    claims: pd.DataFrame,
    people: pd.DataFrame,
    people_ix: pd.Index,
    who: IntArray,
    cid_text: np.ndarray[Any, Any],
    lines_of: LinesOf,
    policy: Policy,
    amounts: tuple[IntArray, np.ndarray[Any, Any], IntArray, np.ndarray[Any, Any]],
) -> dict[int, tuple[ReimbursementError, bool]]:
    """Read each claim with lines by the row rule, with its lines and person, and normalise
    it: its total and in-scope fen (``amounts``: total, bad total, in_scope, bad in_scope,
    updated in place) are the split's. Returns the error of each claim refused on the way
    (and whether before the ledger), as :func:`~zjj_medical.settle` would refuse it."""
    total, bad_total, in_scope, bad_scope = amounts
    at = np.flatnonzero(pd.Index(cid_text, dtype=object).isin(pd.Index(list(lines_of))))
    person_of = person_lookup(people, people_ix, who[at], policy)
    refused: dict[int, tuple[ReimbursementError, bool]] = {}
    for i, row in zip(at, rows_of(claims.iloc[at]), strict=True):
        error, before, normal = row_checked(row, person_of, policy, lines_of[cid_text[i]])
        if error is not None:
            refused[int(i)] = (error, before)
            continue
        assert normal is not None
        total[i], in_scope[i] = normal.total, normal.in_scope
        bad_total[i] = bad_scope[i] = False
    return refused


def _years(date: np.ndarray[Any, Any]) -> IntArray:
    """The calendar year of each ``datetime64[D]`` date, read from a table of the days
    between the first date and the last (one conversion a day, not one a row)."""
    if not len(date):
        return np.zeros(0, dtype=np.int64)
    day = date.astype(np.int64)
    low, high = int(day.min()), int(day.max())
    table = np.arange(low, high + 1, dtype=np.int64).astype("datetime64[D]")
    year: IntArray = table.astype("datetime64[Y]").astype(np.int64)[day - low] + 1970
    return year


def _settle_order(
    rows: IntArray, person_year: IntArray, date: np.ndarray[Any, Any], cid: Texts
) -> IntArray:
    """Positions of ``rows`` in (person-year, date, claim id, input row) order."""
    day = date[rows].astype(np.int64)
    span = int(day.max() - day.min()) + 1 if len(rows) else 1
    order = _stable_argsort(person_year[rows] * span + (day - day.min(initial=0)))
    py, d = person_year[rows][order], day[order]
    tie = np.zeros(len(order), dtype=bool)
    tie[1:] = (py[1:] == py[:-1]) & (d[1:] == d[:-1])
    tie[:-1] |= tie[1:]
    if tie.any():  # claim ids decide only between claims of one person-year and day
        at = np.flatnonzero(tie)
        sub = order[at]
        again = np.lexsort((rows[sub], _rank(cid[rows[sub]]), day[sub], person_year[rows][sub]))
        order[at] = sub[again]
    return order


def _stable_argsort(key: IntArray) -> IntArray:
    """``np.argsort(key, kind="stable")`` for keys ``≥ 0``, by a faster sort to the same
    order: small keys as 16-bit numbers (NumPy's radix sort); else, when the keys times their
    count fit in 63 bits, the keys made unique by their position (``key · n + i``) by the
    default sort."""
    n = len(key)
    top = int(key.max()) if n else 0
    if top < 2**15:
        return np.argsort(key.astype(np.int16), kind="stable")
    if top < (2**62) // n:
        return np.argsort(key * n + np.arange(n, dtype=np.int64))
    return np.argsort(key, kind="stable")


def _unique_first(values: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """``np.unique(values, return_index=True)`` and each value's position among the uniques,
    from a table over the values' range when it is small (codes of cases: a few thousand)."""
    n = len(values)
    low = int(values.min()) if n else 0
    span = int(values.max()) - low + 1 if n else 0
    if span > 4 * n + 1024:
        uniques, first = np.unique(values, return_index=True)
        return uniques, first, np.searchsorted(uniques, values)
    rel = values - low
    first_at = np.full(span, n, dtype=np.int64)
    np.minimum.at(first_at, rel, np.arange(n, dtype=np.int64))
    present = first_at < n
    code_of = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, first_at[present], code_of[rel]


def _rank(values: np.ndarray[Any, Any]) -> IntArray:
    """Codes that sort as the texts do."""
    codes, _ = pd.factorize(pd.Series(values, dtype=object), sort=True)
    return codes.astype(np.int64)


def _people(
    people: pd.DataFrame, policy: Policy, claim_pids: pd.Series
) -> tuple[pd.Index, IntArray, list[Person], IntArray]:
    """The people index, each person's group (``-1``: unreadable person), a Person per group,
    and each claim's row in the people table (``-1``: unknown person).

    One pass over the people's ids and the claims' person ids together gives both the check
    that no person id is given twice and the join.
    """
    m = len(people)
    absent = np.flatnonzero(missing_cells(people["person_id"]))
    if len(absent):
        raise problem(ValueError, "table.person_id.missing", row=int(absent[0]) + 1)
    ids = IdTexts(people["person_id"])
    fast = text_factorize([people["person_id"], claim_pids])
    if fast is not None:
        joint = fast[0]
    else:
        joint = pd.factorize(
            np.concatenate([ids.all(), np.asarray(id_text(claim_pids), dtype=object)])
        )[0].astype(np.int64)
    own = joint[:m]
    if m and int(np.bincount(own).max()) > 1:
        first = np.flatnonzero(pd.Series(own).duplicated().to_numpy())[0]
        raise problem(ValueError, "table.person_id.twice", value=ids[first])
    row_of = np.full(int(joint.max(initial=-1)) + 2, -1, dtype=np.int64)
    row_of[own] = np.arange(m, dtype=np.int64)
    who = row_of[joint[m:]]
    index = pd.Index(people["person_id"]) if fast is not None else pd.Index(ids.all(), dtype=object)
    codes = [text_codes(people.get(c), m)[0] for c in fact_inputs(policy, "person")]
    group, first = combine_codes(codes, m)
    persons: list[Person] = []
    bad = np.zeros(len(first) + 1, dtype=bool)
    for row in rows_of(people.iloc[first]):
        try:
            persons.append(person_from_row(row, policy))
        except ReimbursementError:
            persons.append(Person("-", poor=False, county="-"))
            bad[len(persons) - 1] = True
    return index, np.where(bad[group], -1, group), persons, who


def _facility_codes(values: pd.Series | None, n: int, policy: Policy) -> IntArray:
    """Facility ids, keeping apart only those the policy can tell apart."""
    codes, uniques = text_codes(values, n)
    later_keys = policy.pay_later.facts_read()
    reads_facility = "facility" in later_keys or any(
        "facility" in cl.relevant for cl in compiled(policy).layers
    )
    designated = {f for c in policy.counties.values() for f in c.designated_in_county}
    keep = np.array(
        [
            reads_facility
            or (isinstance(u, str) and (policy.lookup("facilities", u) is not None
                                        or u.strip() in designated))
            for u in uniques
        ] + [False],
        dtype=bool,
    )  # fmt: skip
    # Any id the policy does not know is "some other facility" (one code), never missing.
    return np.where(codes < 0, -1, np.where(keep[codes], codes, len(uniques)))


def _plans(
    policy: Policy,
    case: IntArray,
    case_first: IntArray,
    rows: IntArray,
    date: np.ndarray[Any, Any],
    n_epochs: int,
    normal: list[Normalized | None],
    case_code: IntArray,
    n: int,
) -> tuple[list[LayerRun], int]:
    """Each layer's integer table and the table row of every row; and the ratio places."""
    comp = compiled(policy)
    per_layer: list[tuple[list[ParamRow], IntArray]] = []
    for j, cl in enumerate(comp.layers):
        table: dict[ParamRow, int] = {}
        of_case = np.full(len(case), -1, dtype=np.int64)
        for c, (key, i) in enumerate(zip(case, case_first, strict=True)):
            nz = normal[int(key // n_epochs)]
            assert nz is not None
            if nz.kind not in cl.layer.kinds:
                continue
            on = dt.date.fromisoformat(str(date[rows[i]]))
            found = comp.numbers(j, on, nz.facts)
            if found.row is not None:
                of_case[c] = table.setdefault(found.row, len(table))
        per_layer.append((list(table), of_case))
    k = ratio_places(r for rows_, _ in per_layer for row in rows_ for r in row.ratios())
    runs = []
    for cl, (rows_, of_case) in zip(comp.layers, per_layer, strict=True):
        built = LayerTable.build(rows_, len(cl.slots), k)
        of_row = np.full(n, -1, dtype=np.int64)
        if not _pays_nothing(cl, built):
            of_row[rows] = of_case[case_code]
        runs.append(LayerRun(cl, built, of_row))
    return runs, k


def _pays_nothing(cl: CompiledLayer, table: LayerTable) -> bool:
    """A schedule layer every ratio of which is 0 on every claim of the run (a safety-net
    layer the poor's deductible and ratio set to 0): it pays 0 on every row, and what it
    would count over the year (its base, deductibles borne, claims) is read by no other
    layer, so the rounds can leave it out — each of its payments is 0 either way."""
    return isinstance(cl.plan, SchedulePlan) and not table.ratio.any()
