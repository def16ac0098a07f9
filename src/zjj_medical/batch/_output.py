"""The result table of a batch run: one row per input claim, money in fen or yuan.

Money is computed in ``int64`` fen. With ``money="yuan"`` it is handed back as
``float64`` yuan, ``fen / 100``: every amount below 2**53 fen (the engine refuses
claims above :data:`~zjj_medical.money.MAX_FEN`) converts to the double
nearest to the exact decimal, which is within a quarter of a fen of it, so
printing with two decimals (``f"{x:.2f}"``) recovers the exact amount.

``actual_ratio`` is ``reimbursed ÷ total`` rounded half up to 4 places,
computed in integers — ``(2·10⁴·r + t) // 2t`` is the half-up quotient for
``r, t ≥ 0`` — then divided by 10⁴; ``NaN`` when the total is 0 or the row was not
settled.

>>> import numpy as np
>>> ratio_4(np.array([1700000, 1, 0]), np.array([2000000, 3, 0]))
array([0.85  , 0.3333,    nan])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from zjj_medical.batch.columns import id_text, is_arrow_text
from zjj_medical.errors import ReimbursementError, problem
from zjj_medical.i18n import get_language

__all__ = [
    "ERROR_COLUMNS",
    "MONEY_DTYPE",
    "Money",
    "build_frame",
    "error_columns",
    "error_text",
    "given_ids",
    "money_from_fen",
    "ratio_4",
]

#: The order a person-year's claims are posted in (see :func:`~zjj_medical.batch.simulate`).
Order = Literal["date", "given"]
Money = Literal["yuan", "fen", "decimal"]

#: The columns that say why a row was not settled (``None`` on a settled row):
#: ``error``, the error's class and message as one text (``"InvalidClaim: claim C2: total: …"``);
#: ``error_type``, the class (``InvalidClaim`` …); ``error_field``, the input field that was
#: wrong (``total``, ``facility.level`` …); ``error_code``, the stable code of the problem
#: (``claim.cell.money.decimals`` …, see the errors reference). Count and group errors by
#: these columns, never by the words of ``error``.
ERROR_COLUMNS = ("error", "error_type", "error_field", "error_code")


#: The exact money type of result frames: ``Decimal`` yuan with two decimals in an Arrow
#: ``decimal128(18, 2)`` column — each value is a ``Decimal``, sums are exact, and pandas
#: plots it as a number. :func:`~zjj_medical.batch.simulate` returns it with
#: ``money="decimal"``; every money column of a summary or a comparison has it.
MONEY_DTYPE = pd.ArrowDtype(pa.decimal128(18, 2))


def money_from_fen(fen: npt.NDArray[np.int64], index: Any = None) -> pd.Series:
    """Integer fen as a :data:`MONEY_DTYPE` column, vectorised (the same integers, scale 2).

    >>> money_from_fen(np.array([1530000, -5])).tolist()
    [Decimal('15300.00'), Decimal('-0.05')]
    """
    fen = np.asarray(fen, dtype=np.int64)
    words = np.empty((len(fen), 2), dtype="<i8")  # 128-bit two's complement, little-endian
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    arr = pa.Array.from_buffers(
        pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words.tobytes())]
    )
    return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=index)


def error_text(exc: ReimbursementError) -> str:
    """The ``error`` column: the exception's type and message (which names the field), the
    message in the current language (:func:`zjj_medical.i18n.get_language`)."""
    return f"{type(exc).__name__}: {exc.render(get_language())}"


def error_columns(
    errors: Sequence[ReimbursementError | None], at: Sequence[int] | None = None
) -> dict[str, pd.Series]:
    """The :data:`ERROR_COLUMNS` of rows with these errors (``None``: the row settled);
    ``at``, when given: the only rows that may hold an error (the others are not looked at).

    >>> from zjj_medical.errors import InvalidClaim
    >>> e = InvalidClaim(code="claim.column.missing", params={"claim_id": "C2", "column": "kind"},
    ...                  claim_id="C2", field="kind")
    >>> pd.DataFrame(error_columns([None, e])).iloc[1].tolist()
    ['InvalidClaim: claim C2: kind: missing', 'InvalidClaim', 'kind', 'claim.column.missing']
    """

    n = len(errors)
    rows = range(n) if at is None else at
    at = [int(i) for i in rows if errors[i] is not None]  # few: only the refused rows
    refused = [errors[i] for i in at]

    def column(values: list[str | None]) -> pd.Series:
        out = np.full(n, None, dtype=object)
        if at:
            out[at] = np.array(values, dtype=object)
        return pd.Series(out, dtype=object)

    return {
        "error": column([error_text(e) for e in refused if e is not None]),
        "error_type": column([type(e).__name__ for e in refused if e is not None]),
        "error_field": column([e.field for e in refused if e is not None]),
        "error_code": column([e.code for e in refused if e is not None]),
    }


def ratio_4(reimbursed: npt.NDArray[np.int64], total: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """``reimbursed ÷ total`` half up to 4 places as float; ``NaN`` where ``total`` is 0."""
    r = reimbursed.astype(np.int64)
    t = total.astype(np.int64)
    safe = np.where(t > 0, t, 1)
    # r ≤ t ≤ MAX_FEN (10**12) keeps 2·10⁴·r far within int64.
    q = (20000 * r + safe) // (2 * safe)
    return np.where(t > 0, q / 10000.0, np.nan)


def given_ids(
    column: pd.Series, texts: Sequence[object] | npt.NDArray[Any] | None = None
) -> pd.Series | Sequence[object] | npt.NDArray[Any]:
    """An id column for the result: the input's own column when it is Arrow text (pandas'
    ``str``: the very texts, missing ones missing, without a Python string per row), else
    ``texts``, the ids as read (by default :func:`~zjj_medical.batch.columns.id_text`)."""
    if is_arrow_text(column):
        return column
    return id_text(column) if texts is None else texts


def _ids(values: Sequence[object] | npt.NDArray[Any] | pd.Series) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def build_frame(
    claim_ids: Sequence[object] | npt.NDArray[Any] | pd.Series,
    person_ids: Sequence[object] | npt.NDArray[Any] | pd.Series,
    in_county: npt.NDArray[np.bool_],
    pay_later: npt.NDArray[np.bool_],
    layer_ids: Sequence[str],
    payments: Sequence[npt.NDArray[np.int64]],
    total: npt.NDArray[np.int64],
    settled: npt.NDArray[np.bool_],
    errors: Sequence[ReimbursementError | None],
    money: Money,
    refused: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Assemble the result table (``payments``: one array of fen per layer).

    A row not ``settled`` has no payments, a patient pay of 0 and no ratio, whatever its
    ``total``; its error fills the error columns (:data:`ERROR_COLUMNS`). ``refused``, when
    given: the only rows that may hold an error.
    """
    if money not in ("yuan", "fen", "decimal"):
        raise problem(ValueError, "table.money_unit", value=money)
    n = len(claim_ids)
    k = len(layer_ids)
    # The money columns as one block: layers, reimbursed, patient pay.
    block = np.empty((n, k + 2), dtype=np.int64, order="F")  # a column is contiguous
    for j, values in enumerate(payments):
        block[:, j] = values
    reimbursed = np.add.reduce(payments, dtype=np.int64) if k else np.zeros(n, np.int64)
    block[:, k] = reimbursed
    block[:, k + 1] = np.where(settled, total - reimbursed, 0)
    ratio = np.where(settled, ratio_4(reimbursed, total), np.nan)
    names = [*layer_ids, "reimbursed", "patient_pay"]
    if money == "decimal":
        amounts = pd.DataFrame({c: money_from_fen(block[:, j]) for j, c in enumerate(names)})
    else:
        amounts = pd.DataFrame(
            block if money == "fen" else block / 100.0, columns=names, copy=False
        )
    head = pd.DataFrame({
        "claim_id": _ids(claim_ids),
        "person_id": _ids(person_ids),
        "in_county": np.asarray(in_county, dtype=bool),
        "pay_later": np.asarray(pay_later, dtype=bool),
    })  # fmt: skip
    tail = pd.DataFrame({
        "actual_ratio": ratio.astype(np.float64),
        **error_columns(errors, refused),
    })  # fmt: skip
    return pd.concat([head, amounts, tail], axis=1)
