"""What a policy analyst reads off a batch run: fund cost, out-of-pocket burden, targets.

:func:`summarize` turns the result of :func:`zjj_medical.batch.simulate` (and its people
and claims tables) into a :class:`Summary`:

* fund cost by layer (基本医疗保险, 大病保险, … 财政兜底), reimbursed and out-of-pocket totals,
  for everyone and for the registered poor (建档立卡贫困人口) and the others;
* the targets of the source text for the registered poor, read from the policy's
  ``targets``: the in-county inpatient actual reimbursement ratio (县域内住院实际
  报销比例, target 85%) — in aggregate, as the share of claims reaching it (a claim reaches
  it when reimbursed ≥ round(target × total), the fiscal backstop's own rule) and as the
  share of persons whose year's ratio Σreimbursed ÷ Σtotal, rounded to 4 places, reaches
  it — and the in-county treatment rate (县域内就诊率, target 85%: the share of the poor's
  settled claims, inpatient and outpatient, that are in-county);
* out-of-pocket percentiles per person-year, and the persons whose out-of-pocket spending
  is catastrophic (灾难性卫生支出);
* the rows that could not be settled, grouped by error type and field (the result's
  ``error_type`` and ``error_field`` columns; a result without them groups its errors
  under an empty type and field).

Money is summed exactly in integer fen and shown as ``Decimal`` yuan. A row that was not
settled (its ``error`` is set) is left out of every money figure and counted in ``errors``.

>>> import pandas as pd
>>> from zjj_medical.batch import simulate
>>> people = pd.DataFrame({"person_id": ["P1", "P2"], "poor": [True, False],
...                        "county": ["sangzhi", "cili"]})
>>> claims = pd.DataFrame({
...     "claim_id": ["C1", "C2"], "person_id": ["P1", "P2"], "kind": ["inpatient"] * 2,
...     "date": ["2019-11-03"] * 2, "facility_id": [None, None],
...     "facility_level": ["county", "county"], "facility_county": ["sangzhi", "cili"],
...     "total": ["20000.00", "10000.00"], "in_scope": ["18000.00", "9000.00"]})
>>> s = summarize(simulate(claims, people, money="fen"), people, claims=claims)
>>> s.totals.loc["all", ["total_cost", "reimbursed", "out_of_pocket"]].tolist()
[Decimal('30000.00'), Decimal('23375.00'), Decimal('6625.00')]
>>> s.indicator("in_county_actual_ratio")
Decimal('0.8500')
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from zjj_medical.batch._output import MONEY_DTYPE, money_from_fen
from zjj_medical.batch.columns import date_column, id_text, text_factorize
from zjj_medical.errors import problem
from zjj_medical.i18n import read_yes_no
from zjj_medical.money import from_fen
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import Policy
from zjj_medical.render.notes import assumed_zero_layers, note

__all__ = [
    "DEFAULT_CATASTROPHIC_THRESHOLD",
    "GROUPS",
    "INDICATOR_NAMES",
    "MONEY_COLUMNS",
    "MONEY_DTYPE",
    "PERCENTILES",
    "Summary",
    "SummaryPart",
    "combine_parts",
    "fen_column",
    "flags",
    "ids_column",
    "latest_date",
    "money_from_fen",
    "money_series",
    "nearest_rank",
    "summarize",
    "summary_part",
    "table_records",
    "yuan",
    "zero_rate_notes",
]

#: Out-of-pocket spending of a person-year above this is catastrophic: 40% of the 2019
#: per-capita net income of registered-poor households, 0.40 × 6000 = 2400 yuan
#: (``poor_income`` and ``catastrophic_share`` in ``data/population.yaml``: the income is
#: stated in the source text for one village; the 40% convention is assumed).
DEFAULT_CATASTROPHIC_THRESHOLD = Decimal("2400.00")
#: Out-of-pocket percentiles reported (nearest rank, so each is an actual person's amount).
PERCENTILES = (50, 75, 90, 95, 99, 100)
_RATIO = Decimal("0.0001")
#: The groups every summary reports: everyone, the registered poor, the others.
GROUPS = ("all", "poor", "not_poor")
#: Indicator ids with their Chinese names (the rows of :attr:`Summary.poor`).
INDICATOR_NAMES = {
    "in_county_actual_ratio": "县域内住院实际报销比例",
    "claims_reaching_target": "达标住院人次占比",
    "persons_reaching_target": "达标住院人数占比",
    "in_county_treatment_rate": "县域内就诊率",
    "in_county_inpatient_rate": "县域内住院率",
    "catastrophic_share": "灾难性卫生支出人数占比",
}


#: The money columns of each table of a :class:`Summary`.
MONEY_COLUMNS = {
    "totals": ["total_cost", "reimbursed", "out_of_pocket"],
    "fund_cost": ["amount"],
    "out_of_pocket": list(GROUPS),
}


def money_series(values: Sequence[Decimal | None], index: Any = None) -> pd.Series:
    """Exact yuan amounts (``Decimal``, ``None`` for none) as a :data:`MONEY_DTYPE` column.

    >>> s = money_series([Decimal("0.10"), Decimal("0.20"), None])
    >>> s.sum(), s.iloc[0], str(s.dtype)
    (Decimal('0.30'), Decimal('0.10'), 'decimal128(18, 2)[pyarrow]')
    """
    arr = pa.array(list(values), type=pa.decimal128(18, 2))
    return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=index)


def _money_frame(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for c in columns:
        table[c] = money_series(table[c].tolist(), index=table.index)
    return table


def yuan(fen: int) -> Decimal:
    """Integer fen as exact ``Decimal`` yuan (``12345`` → ``Decimal('123.45')``).

    >>> yuan(12345), yuan(0)
    (Decimal('123.45'), Decimal('0.00'))
    """
    return from_fen(int(fen))


def _ratio(num: int, den: int) -> Decimal | None:
    """``num ÷ den`` half up to 4 places, exact; ``None`` when ``den`` is 0."""
    if den == 0:
        return None
    return (Decimal(num) / Decimal(den)).quantize(_RATIO, rounding=ROUND_HALF_UP)


def fen_column(
    values: pd.Series, money: Literal["yuan", "fen"] | None = None
) -> npt.NDArray[np.int64]:
    """A result money column as ``int64`` fen.

    ``money=None`` reads integer columns as fen and float columns as yuan (the two forms
    :func:`zjj_medical.batch.simulate` returns); float yuan are the doubles nearest to whole
    fen, so rounding ``× 100`` to the nearest integer recovers them exactly.

    >>> fen_column(pd.Series([1.1, 0.29])).tolist(), fen_column(pd.Series([110, 29])).tolist()
    ([110, 29], [110, 29])
    """
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_decimal(values.dtype.pyarrow_dtype):
        # exact Decimal yuan (MONEY_DTYPE): × 100 in decimals, then the integer
        dec = pa.array(values.array).cast(pa.decimal128(18, 2))
        return np.asarray(
            pc.cast(
                pc.multiply(dec, pa.scalar(Decimal(100), pa.decimal128(3, 0))), pa.int64()
            ).to_numpy(zero_copy_only=False),
            dtype=np.int64,
        )
    arr = values.to_numpy()
    if money is None:
        money = "fen" if np.issubdtype(arr.dtype, np.integer) else "yuan"
    if money == "fen":
        return arr.astype(np.int64)
    return np.rint(arr.astype(np.float64) * 100.0).astype(np.int64)


def ids_column(values: pd.Series) -> pd.Series:
    """Ids as text; whole numbers read from a CSV as numbers keep their digits (``7.0`` → ``'7'``).

    >>> ids_column(pd.Series([7.0, "P1"])).tolist()
    ['7', 'P1']
    """
    return pd.Series(id_text(values), index=values.index, dtype=object)


def flags(values: pd.Series) -> npt.NDArray[np.bool_]:
    """Flags of a people column: ``true``/``1`` (any case), ``是``, or a true value; missing
    is false.

    >>> flags(pd.Series([True, "TRUE", "0", None, float("nan"), pd.NA, "是", "否"])).tolist()
    [True, True, False, False, False, False, True, False]
    """

    def one(v: object) -> bool:
        v = read_yes_no(v)
        if isinstance(v, str):
            return v.strip().lower() in ("true", "1")
        if v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return False
        return bool(v)

    if pd.api.types.is_bool_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy(dtype=bool)
    try:  # one decision per distinct value, not per row
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable cells
        return np.array([one(v) for v in values], dtype=bool)
    table = np.array([one(u) for u in uniques] + [False], dtype=bool)
    out: npt.NDArray[np.bool_] = table[codes]  # a missing value (code -1) reads False
    return out


def nearest_rank(sorted_fen: npt.NDArray[np.int64], p: int) -> Decimal | None:
    """The ``p``-th percentile (nearest rank) of amounts in fen sorted ascending, in yuan;
    ``None`` for no amounts.

    >>> import numpy as np
    >>> nearest_rank(np.array([100, 200, 300, 400]), 50), nearest_rank(np.array([], np.int64), 50)
    (Decimal('2.00'), None)
    """
    n = len(sorted_fen)
    if n == 0:
        return None
    k = max(1, math.ceil(p * n / 100))
    return yuan(int(sorted_fen[k - 1]))


@attrs.frozen
class Summary:
    """The figures of one batch run. Money is ``Decimal`` yuan, ratios ``Decimal`` (4 places).

    Attributes:
        policy_id: the policy the run used.
        claims: rows of the result; ``settled`` of them were settled, ``errors`` were not.
        persons, poor_persons: persons in the people table, registered poor among them.
        totals: index ``all`` / ``poor`` / ``not_poor``; columns ``persons``, ``claims``,
            ``total_cost`` (医疗费总额), ``reimbursed`` (报销), ``out_of_pocket`` (自付),
            ``actual_ratio`` (reimbursed ÷ total cost).
        fund_cost: one row per layer in policy order: ``layer``, ``name``, ``amount``,
            ``share`` (of all reimbursement), ``claims_paid`` (claims with a payment > 0),
            ``note`` (why a layer pays nothing when its rate is assumed 0, else empty).
        poor: the registered poor's indicators: index indicator id, columns ``name``
            (Chinese), ``value``, ``target`` (from the policy, ``None`` when it sets none),
            ``met`` (``None`` without a target).
        out_of_pocket: out-of-pocket per person-year at :data:`PERCENTILES` (index), columns
            ``all`` / ``poor`` / ``not_poor``; persons without claims count as 0.
        catastrophic: index ``all`` / ``poor`` / ``not_poor``; columns ``persons``,
            ``catastrophic`` (out-of-pocket above the threshold), ``share``.
        catastrophic_threshold: the threshold used (yuan a person-year).
        error_table: rows not settled, by ``type`` and ``field``: ``count``, ``example``.
    """

    policy_id: str
    claims: int
    settled: int
    errors: int
    persons: int
    poor_persons: int
    totals: pd.DataFrame = attrs.field(eq=False)
    fund_cost: pd.DataFrame = attrs.field(eq=False)
    poor: pd.DataFrame = attrs.field(eq=False)
    out_of_pocket: pd.DataFrame = attrs.field(eq=False)
    catastrophic: pd.DataFrame = attrs.field(eq=False)
    catastrophic_threshold: Decimal
    error_table: pd.DataFrame = attrs.field(eq=False)

    def __repr__(self) -> str:
        """One line: the run's size and money totals, exact."""
        from zjj_medical.render.notebook import summary_repr

        return summary_repr(self)

    def _repr_html_(self) -> str:
        """The summary's tables as HTML (Jupyter shows it)."""
        from zjj_medical.render.notebook import summary_html

        return summary_html(self)

    def indicator(self, indicator: str) -> Any:
        """The value of one of the registered poor's indicators (see :data:`INDICATOR_NAMES`)."""
        return self.poor.loc[indicator, "value"]

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data: money and ratios as text, tables as lists of rows."""
        return {
            "policy_id": self.policy_id,
            "claims": self.claims,
            "settled": self.settled,
            "errors": self.errors,
            "persons": self.persons,
            "poor_persons": self.poor_persons,
            "catastrophic_threshold": f"{self.catastrophic_threshold:.2f}",
            "totals": table_records(self.totals, "group"),
            "fund_cost": table_records(self.fund_cost),
            "poor": table_records(self.poor, "indicator"),
            "out_of_pocket": table_records(self.out_of_pocket, "percentile"),
            "catastrophic": table_records(self.catastrophic, "group"),
            "error_table": table_records(self.error_table),
        }


def _json(value: object) -> object:
    if value is pd.NA:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def table_records(table: pd.DataFrame, index: str | None = None) -> list[dict[str, object]]:
    """A table as JSON-ready rows (``Decimal`` as text), its index as column ``index``.

    >>> table_records(pd.DataFrame({"amount": [Decimal("1.50")]}, index=["all"]), "group")
    [{'group': 'all', 'amount': '1.50'}]
    """
    frame = table.reset_index(names=index) if index else table
    return [{str(k): _json(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _column(result: pd.DataFrame, name: str) -> list[object]:
    """A column of the result as a list; ``None`` for every row when it has no such column."""
    return result[name].tolist() if name in result else [None] * len(result)


def _target(policy: Policy, name: str, on: dt.date) -> Decimal | None:
    param = policy.targets.get(name)
    if param is None:
        return None
    value = param.raw_at(on)
    return value if isinstance(value, Decimal) else None  # None when not in force yet


def zero_rate_notes(policy: Policy, layer_ids: Sequence[str] | pd.Series) -> list[str]:
    """The ``note`` of each layer: why it pays nothing when its rate is assumed 0, else ``""``.

    >>> zero_rate_notes(load_policy("zhangjiajie"), ["basic_insurance", "medical_assistance"])
    ['', 'rate assumed 0 (I-5: rate not stated in the source; configure for your county): pays nothing until the policy file gives it a rate']
    """
    zero = assumed_zero_layers(policy)
    return [note("zero_rate", reason=zero[i]) if i in zero else "" for i in layer_ids]


def _reaches(
    reimbursed: npt.NDArray[np.int64], total: npt.NDArray[np.int64], target: Decimal
) -> npt.NDArray[np.bool_]:
    """``reimbursed ≥ round(target × total)`` in fen, exactly: the fiscal backstop's own rule
    (财政兜底), so a claim topped up to the rounded target counts as reaching it.

    >>> _reaches(np.array([8504, 8503]), np.array([10005, 10005]), Decimal("0.85")).tolist()
    [True, False]
    """
    num, den = target.as_integer_ratio()
    if 2 * num * (int(total.max(initial=0)) + 1) + den < 2**62:  # int64 cannot overflow
        t64 = total.astype(np.int64)
        return np.asarray(reimbursed >= (2 * num * t64 + den) // (2 * den), dtype=bool)
    t = total.astype(object)
    rounded = (2 * num * t + den) // (2 * den)  # half up of num × t ÷ den, for t ≥ 0
    return np.asarray(reimbursed.astype(object) >= rounded, dtype=bool)


def _ratio_reaches(
    reimbursed: npt.NDArray[np.int64], total: npt.NDArray[np.int64], target: Decimal
) -> npt.NDArray[np.bool_]:
    """``round_half_up(r ÷ t, 4 places) ≥ target`` for each pair (``t > 0``), in integers:
    the 4-place ratio is ``q = (2·10⁴·r + t) // 2t`` and it reaches the target when
    ``q · den ≥ num · 10⁴`` (``target = num / den``).

    >>> _ratio_reaches(np.array([8500, 84995, 84994]), np.array([10000, 100000, 100000]),
    ...                Decimal("0.85")).tolist()
    [True, True, False]
    """
    num, den = target.as_integer_ratio()
    if len(total) == 0:
        return np.zeros(0, dtype=bool)
    if 20000 * int(reimbursed.max()) + int(total.max()) < 2**62 and 10**5 * den < 2**40:
        q = (20000 * reimbursed + total) // (2 * total)
        return np.asarray(q * den >= num * 10000, dtype=bool)
    return np.array(
        [
            (_ratio(int(r), int(t)) or Decimal(0)) >= target
            for r, t in zip(reimbursed, total, strict=True)
        ],
        dtype=bool,
    )


def summarize(
    result: pd.DataFrame,
    people: pd.DataFrame,
    *,
    claims: pd.DataFrame | None = None,
    policy: Policy | None = None,
    catastrophic_threshold: Decimal | str | int = DEFAULT_CATASTROPHIC_THRESHOLD,
    money: Literal["yuan", "fen"] | None = None,
) -> Summary:
    """Summarize a batch result (one row per claim, as :func:`zjj_medical.batch.simulate` returns).

    Args:
        result: the batch result.
        people: the people table of the run (``person_id``, ``poor``, …); persons without
            claims count in the per-person figures with zero out-of-pocket.
        claims: the claims table of the run, row for row with ``result``. It gives each
            claim's ``kind``: the actual-ratio indicators then count inpatient claims only
            (住院) and the year of the targets is the claims' latest date. Without it every
            settled claim counts and the targets are those in force when the policy starts.
        policy: the policy of the run, for layer names and targets (default: built-in).
        catastrophic_threshold: out-of-pocket a person-year above which spending counts as
            catastrophic, yuan (default :data:`DEFAULT_CATASTROPHIC_THRESHOLD`).
        money: the result's money unit; ``None`` infers it (integers fen, floats yuan).

    Money columns of the summary's tables are :data:`MONEY_DTYPE` (exact ``Decimal`` yuan
    that pandas can plot).
    """
    policy = policy or load_policy()
    threshold_fen = _threshold_fen(catastrophic_threshold)
    on = latest_date(claims) if claims is not None else None
    part = summary_part(result, people, claims=claims, policy=policy, on=on, money=money)
    return combine_parts([part], policy=policy, catastrophic_threshold=yuan(threshold_fen))


def _threshold_fen(catastrophic_threshold: Decimal | str | int) -> int:
    threshold = Decimal(str(catastrophic_threshold))
    if not threshold.is_finite() or threshold < 0:
        raise problem(ValueError, "metrics.threshold", value=catastrophic_threshold)
    return int((threshold * 100).to_integral_value(rounding=ROUND_HALF_UP))


def latest_date(claims: pd.DataFrame) -> dt.date | None:
    """The latest readable date of a claims table (the year of the targets), ``None`` when
    it has none.

    >>> latest_date(pd.DataFrame({"date": ["2019-03-01", "2019-11-30", "bad"]}))
    datetime.date(2019, 11, 30)
    """
    day, bad = date_column(claims["date"])
    if not (~bad).any():
        return None
    out: dt.date = day[~bad].max().item()
    return out


@attrs.define
class SummaryPart:
    """What :func:`summarize` needs of one part of a run — a partition of persons — in
    integers: sums of fen, counts, and the out-of-pocket of each person of the part.

    Parts of a run split by person (each person's claims in one part) combine exactly with
    :func:`combine_parts`: every figure is a sum of integers, and the percentiles are read
    off the gathered per-person amounts (8 bytes a person).
    """

    on: dt.date | None
    has_claims: bool
    claims: int
    settled: int
    persons: int
    poor_persons: int
    #: per group: claims, total, reimbursed, out-of-pocket (fen)
    groups: dict[str, list[int]]
    #: per layer id present in the result: amount (fen), claims paid
    layers: dict[str, list[int]]
    #: out-of-pocket of each person of the part (fen), and whether the person is poor
    person_oop: npt.NDArray[np.int64]
    person_poor: npt.NDArray[np.bool_]
    #: whether the person has a settled claim in the part
    person_claims: npt.NDArray[np.bool_]
    #: the indicators' integer numerators and denominators
    counts: dict[str, int]
    #: refused rows by (type, field): [count, example]
    errors: dict[tuple[str, str], list[Any]]


def summary_part(
    result: pd.DataFrame,
    people: pd.DataFrame,
    *,
    claims: pd.DataFrame | None = None,
    policy: Policy | None = None,
    on: dt.date | None = None,
    money: Literal["yuan", "fen"] | None = None,
) -> SummaryPart:
    """The integer figures of one part of a run (see :class:`SummaryPart`); ``on`` is the
    date of the targets for the whole run (:func:`latest_date` of all its claims)."""
    policy = policy or load_policy()
    if claims is not None and len(claims) != len(result):
        raise problem(ValueError, "metrics.claims.rows", claims=len(claims), result=len(result))
    n = len(result)
    errors = result["error"] if "error" in result else pd.Series([None] * n, dtype=object)
    # A row is settled unless its error is a non-empty text; only the rows with an error
    # cell are looked at one by one (the refused rows, few).
    settled = np.ones(n, dtype=bool)
    at = np.flatnonzero(errors.notna().to_numpy(dtype=bool))
    settled[at] = [not (isinstance(e, str) and e) for e in errors.iloc[at]]
    reimbursed = np.where(settled, fen_column(result["reimbursed"], money), 0)
    oop = np.where(settled, fen_column(result["patient_pay"], money), 0)
    total = reimbursed + oop
    in_county = result["in_county"].to_numpy(dtype=bool) & settled
    people_poor = flags(people["poor"])
    # The join of claims to people: one pass over both id columns (the last occurrence of a
    # person id given twice wins, as a dict built from the table would keep it).
    codes = _person_codes(people["person_id"], result["person_id"])
    n_codes = int(codes.max(initial=-1)) + 1
    n_people = len(people)
    poor_by_code = np.zeros(n_codes + 1, dtype=bool)
    poor_by_code[codes[:n_people]] = people_poor
    poor = poor_by_code[codes[n_people:]]
    if claims is not None:
        kind_codes, kind_values = pd.factorize(claims["kind"])
        kind_in = np.array(
            [str(v).strip() in ("inpatient", "住院") for v in kind_values] + [False], dtype=bool
        )
        inpatient = kind_in[kind_codes]
    else:
        inpatient = np.ones(n, dtype=bool)
    when = on or policy.start

    groups: dict[str, list[int]] = {}
    for g, m in (("all", settled), ("poor", settled & poor), ("not_poor", settled & ~poor)):
        groups[g] = [int(m.sum()), int(total[m].sum()), int(reimbursed[m].sum()), int(oop[m].sum())]
    layers: dict[str, list[int]] = {}
    for layer in policy.layers:
        if layer.id in result:
            paid = np.where(settled, fen_column(result[layer.id], money), 0)
            layers[layer.id] = [int(paid.sum()), int((paid > 0).sum())]

    # Sums per person id code, in int64 fen (exact), then read back in the people's order.
    per_code = np.zeros(n_codes + 1, dtype=np.int64)
    np.add.at(per_code, codes[n_people:], oop)
    person_oop = per_code[codes[:n_people]]
    with_claims = np.zeros(n_codes + 1, dtype=bool)
    with_claims[codes[n_people:][settled]] = True
    person_claims = with_claims[codes[:n_people]]

    ratio_target = _target(policy, "in_county_actual_ratio", when)
    sel = settled & poor & in_county & inpatient
    r_sel, t_sel = reimbursed[sel], total[sel]
    counts = {"sel_r": int(r_sel.sum()), "sel_t": int(t_sel.sum())}
    if ratio_target is not None:
        pos = t_sel > 0
        counts["reach"] = int(_reaches(r_sel[pos], t_sel[pos], ratio_target).sum())
        counts["reach_of"] = int(pos.sum())
        r_of = np.zeros(n_codes + 1, dtype=np.int64)
        t_of = np.zeros(n_codes + 1, dtype=np.int64)
        np.add.at(r_of, codes[n_people:][sel], r_sel)
        np.add.at(t_of, codes[n_people:][sel], t_sel)
        has = t_of > 0
        # A person-year reaches the target when its actual ratio Σreimbursed ÷ Σtotal, to 4
        # places half up as actual_ratio is rounded, is at least the target (per-claim
        # half-fen roundings of the backstop do not count against the person).
        per = _ratio_reaches(r_of[has], t_of[has], ratio_target)
        counts["persons_reach"], counts["persons_reach_of"] = int(per.sum()), len(per)
    poor_claims = settled & poor
    counts["poor_claims"] = int(poor_claims.sum())
    counts["poor_in_county"] = int((poor_claims & in_county).sum())
    pin = poor_claims & inpatient
    counts["poor_inpatient"] = int(pin.sum())
    counts["poor_inpatient_in_county"] = int((pin & in_county).sum())

    bad = np.flatnonzero(~settled)  # only the refused rows are grouped, one by one
    refused = result.iloc[bad]
    claim_ids = refused["claim_id"].tolist() if "claim_id" in result else bad.tolist()
    error_groups: dict[tuple[str, str], list[Any]] = {}
    for cid, err, typ, field in zip(
        claim_ids, errors.iloc[bad].tolist(), _column(refused, "error_type"),
        _column(refused, "error_field"), strict=True,
    ):  # fmt: skip
        if not isinstance(err, str) or not err:
            continue
        key = (typ if isinstance(typ, str) else "", field if isinstance(field, str) else "")
        entry = error_groups.setdefault(key, [0, err if str(cid) in err else f"{cid}: {err}"])
        entry[0] += 1
    return SummaryPart(
        on=on, has_claims=claims is not None, claims=n, settled=int(settled.sum()),
        persons=n_people, poor_persons=int(people_poor.sum()), groups=groups, layers=layers,
        person_oop=person_oop, person_poor=people_poor, person_claims=person_claims,
        counts=counts, errors=error_groups,
    )  # fmt: skip


def _person_codes(people_ids: pd.Series, claim_pids: pd.Series) -> npt.NDArray[np.int64]:
    """A code per person id of the people, then of the claims: equal ids, equal codes."""
    fast = text_factorize([people_ids, claim_pids])
    if fast is not None:
        return fast[0]
    joint = np.concatenate([ids_column(people_ids).to_numpy(), ids_column(claim_pids).to_numpy()])
    return pd.factorize(joint)[0].astype(np.int64)


def combine_parts(
    parts: Sequence[SummaryPart],
    *,
    policy: Policy | None = None,
    catastrophic_threshold: Decimal | str | int = DEFAULT_CATASTROPHIC_THRESHOLD,
) -> Summary:
    """The :class:`Summary` of a run from its parts (:func:`summary_part` of each partition
    of persons), exactly: the summary of the whole run in one piece is the same."""
    policy = policy or load_policy()
    threshold_fen = _threshold_fen(catastrophic_threshold)
    dates = [p.on for p in parts if p.on is not None]
    when = max(dates) if dates else policy.start
    has_claims = any(p.has_claims for p in parts)

    def total(get: Any) -> int:
        return sum(int(get(p)) for p in parts)

    person_oop = np.concatenate([p.person_oop for p in parts]) if parts else np.zeros(0, np.int64)
    people_poor = np.concatenate([p.person_poor for p in parts]) if parts else np.zeros(0, bool)
    person_masks = {"all": np.ones(len(person_oop), bool), "poor": people_poor,
                    "not_poor": ~people_poor}  # fmt: skip
    rows = []
    for g in GROUPS:
        c, t, r, o = (sum(p.groups[g][k] for p in parts) for k in range(4))
        rows.append({"persons": int(person_masks[g].sum()), "claims": c, "total_cost": yuan(t),
                     "reimbursed": yuan(r), "out_of_pocket": yuan(o), "actual_ratio": _ratio(r, t)})  # fmt: skip
    totals = _money_frame(pd.DataFrame(rows, index=list(GROUPS)), MONEY_COLUMNS["totals"])

    all_reimbursed = total(lambda p: p.groups["all"][2])
    rows = []
    for layer in policy.layers:
        if not any(layer.id in p.layers for p in parts):
            continue
        amount = sum(p.layers.get(layer.id, [0, 0])[0] for p in parts)
        rows.append({"layer": layer.id, "name": layer.name, "amount": yuan(amount),
                     "share": _ratio(amount, all_reimbursed),
                     "claims_paid": sum(p.layers.get(layer.id, [0, 0])[1] for p in parts)})  # fmt: skip
    fund_cost = _money_frame(
        pd.DataFrame(rows, columns=["layer", "name", "amount", "share", "claims_paid"]),
        MONEY_COLUMNS["fund_cost"],
    )
    fund_cost["note"] = zero_rate_notes(policy, fund_cost["layer"])

    pct: dict[str, list[Decimal | None]] = {}
    cat_rows: list[dict[str, Any]] = []
    for g in GROUPS:
        values = np.sort(person_oop[person_masks[g]])
        pct[g] = [nearest_rank(values, p) for p in PERCENTILES]
        k = int((values > threshold_fen).sum())
        cat_rows.append(
            {"persons": len(values), "catastrophic": k, "share": _ratio(k, len(values))}
        )
    out_of_pocket = _money_frame(
        pd.DataFrame(pct, index=pd.Index(list(PERCENTILES), name=None)), list(GROUPS)
    )
    catastrophic = pd.DataFrame(cat_rows, index=list(GROUPS))

    def count(key: str) -> int:
        return total(lambda p: p.counts.get(key, 0))

    ratio_target = _target(policy, "in_county_actual_ratio", when)
    treat_target = _target(policy, "in_county_treatment_rate", when)
    indicators: dict[str, tuple[Decimal | None, Decimal | None]] = {
        "in_county_actual_ratio": (_ratio(count("sel_r"), count("sel_t")), ratio_target),
    }
    if ratio_target is not None:
        indicators["claims_reaching_target"] = (_ratio(count("reach"), count("reach_of")), None)
        indicators["persons_reaching_target"] = (
            _ratio(count("persons_reach"), count("persons_reach_of")), None,
        )  # fmt: skip
    indicators["in_county_treatment_rate"] = (
        _ratio(count("poor_in_county"), count("poor_claims")), treat_target,
    )  # fmt: skip
    if has_claims:
        indicators["in_county_inpatient_rate"] = (
            _ratio(count("poor_inpatient_in_county"), count("poor_inpatient")), None,
        )  # fmt: skip
    indicators["catastrophic_share"] = (cat_rows[GROUPS.index("poor")]["share"], None)
    poor_table = pd.DataFrame(
        [
            {
                "name": INDICATOR_NAMES[k],
                "value": v,
                "target": tg,
                "met": None if tg is None or v is None else bool(v >= tg),
            }
            for k, (v, tg) in indicators.items()
        ],
        index=list(indicators),
    )
    groups: dict[tuple[str, str], list[Any]] = {}
    for p in parts:
        for key, (c, example) in p.errors.items():
            groups.setdefault(key, [0, example])[0] += c
    error_rows = [
        {"type": t, "field": f, "count": c, "example": ex} for (t, f), (c, ex) in groups.items()
    ]
    error_rows.sort(key=lambda r: (-r["count"], r["type"], r["field"]))
    n, settled = total(lambda p: p.claims), total(lambda p: p.settled)
    return Summary(
        policy_id=policy.id, claims=n, settled=settled, errors=n - settled,
        persons=len(person_oop), poor_persons=int(people_poor.sum()), totals=totals,
        fund_cost=fund_cost, poor=poor_table, out_of_pocket=out_of_pocket,
        catastrophic=catastrophic, catastrophic_threshold=yuan(threshold_fen),
        error_table=pd.DataFrame(error_rows, columns=["type", "field", "count", "example"]),
    )  # fmt: skip
