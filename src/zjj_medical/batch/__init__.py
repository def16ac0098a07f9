"""Batch simulation: a county's claims for a year through the policy, exact to the fen.

:func:`simulate` settles a table of claims (one row per claim) for a table of
people, each person's claims accumulating over the calendar year in (date,
claim id) order exactly as :func:`zjj_medical.settle` does with a ledger, and
returns one row per input claim, in input order.
:func:`simulate_file` does the same from a CSV or Parquet file to another, a
partition of persons at a time, for files larger than memory.
:func:`simulate_scalar` is the definition both are tested against: ``settle``
one claim at a time.

Input: claims with ``claim_id, person_id, kind, date, facility_id,
facility_level, facility_county, total, in_scope`` (``accident`` and the claim
attributes the policy declares are optional); people with ``person_id, poor,
county`` (``categories`` — a list or ``;``-separated text — and declared person
attributes optional; other columns are ignored); optionally (``lines=``) the claims'
fee lines, one row per line keyed by ``claim_id`` (``code, name, class, quantity,
price``, and ``amount, limit, self_pay_ratio`` optional): a claim with lines may leave
``total`` and ``in_scope`` empty, and settles as :func:`zjj_medical.settle` settles a
claim with those lines. Money is yuan from 0 to
9,999,999,999.99 with at most two decimals (text, ``Decimal``, integers; a float is read
as its shortest ``repr``), the same rule as :func:`zjj_medical.settle`: see
:mod:`zjj_medical.money`.

Output columns: ``claim_id, person_id, in_county, pay_later``, one column per
layer of the policy (0 where the layer does not apply to the claim's kind),
``reimbursed, patient_pay, actual_ratio``, then ``error, error_type, error_field,
error_code``. A row that cannot be settled (unknown level or person, ``in_scope >
total``, a date before the policy, a claim id met twice in a person-year, sub-fen
money, …) keeps its place with zero payments and its error: ``error`` the class and
message as one text (``"InvalidClaim: claim C2: total: …"``), ``error_type`` the
class, ``error_field`` the input field that was wrong (``total``), ``error_code``
the stable code of the problem (``claim.money.decimals``) — count and group by
these, not by the words. The error columns are ``None`` on a settled row; the rest of
the person's year settles as if the refused row were absent. Money is ``float64`` yuan
(``money="yuan"``, exact when printed with two decimals), ``int64`` fen
(``money="fen"``) or exact ``Decimal`` yuan in an Arrow ``decimal128(18, 2)`` column that
also plots (``money="decimal"``, :data:`MONEY_DTYPE`, the type of every money column of a
summary), :data:`Money`. A person-year's claims are posted by date, or in the
order given (``order=``, :data:`Order`).

>>> import pandas as pd
>>> people = pd.DataFrame({"person_id": ["P1", "P2"], "poor": [True, False],
...                        "county": ["sangzhi", "cili"]})
>>> claims = pd.DataFrame({
...     "claim_id": ["C1", "V1", "V2"], "person_id": ["P1", "P2", "P2"],
...     "kind": ["inpatient", "outpatient", "outpatient"],
...     "date": ["2019-11-03", "2019-10-01", "2019-10-02"],
...     "facility_id": [None, None, None], "facility_level": ["county", "township", "township"],
...     "facility_county": ["sangzhi", "cili", "cili"],
...     "total": ["20000.00", "300", "300"], "in_scope": ["18000.00", "300", "300"]})
>>> out = simulate(claims, people)
>>> out.loc[0, ["basic_insurance", "fiscal_backstop", "patient_pay", "actual_ratio"]].tolist()
[15300.0, 1700.0, 3000.0, 0.85]
>>> out["outpatient_pooling"].tolist()  # 300 × 0.70 = 210, then 350 − 210 = 140 left of the cap
[0.0, 210.0, 140.0]
"""

from zjj_medical.batch._output import MONEY_DTYPE, Money, Order, money_from_fen
from zjj_medical.batch._run import simulate
from zjj_medical.batch.files import simulate_file
from zjj_medical.batch.scalar import simulate_scalar

__all__ = [
    "MONEY_DTYPE",
    "Money",
    "Order",
    "money_from_fen",
    "simulate",
    "simulate_file",
    "simulate_scalar",
]
