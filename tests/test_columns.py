"""The batch engine's vectorised column readers agree with the one-value rules they speed up."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import money_inputs
from zjj_medical.batch.columns import money_column
from zjj_medical.money import parse_fen

_FEN = st.integers(min_value=0, max_value=10**12 + 5)
# Columns of one kind, so pandas infers a typed column and the fast paths run.
_TYPED_LISTS = st.one_of(
    st.lists(money_inputs()),
    st.lists(st.floats(allow_nan=True, allow_infinity=True)),
    st.lists(_FEN.map(lambda f: f / 100)),
    st.lists(st.integers(min_value=-5, max_value=10**10 + 5)),
    st.lists(_FEN.map(lambda f: f"{f // 100}.{f % 100:02d}")),
    st.lists(st.text(alphabet="0123456789.", max_size=16)),
    st.lists(st.decimals(allow_nan=False, allow_infinity=False)),
    st.lists(st.floats(width=32).map(np.float32)),
)


def _expected(value: object) -> int | None:
    """The fen the one-value rule gives, or None where it refuses (missing included)."""
    try:
        return parse_fen(value)
    except (ValueError, TypeError):
        return None


def _columns(values: list[object]) -> list[pd.Series]:
    columns = [pd.Series(values, dtype=object)]
    with contextlib.suppress(TypeError, ValueError, OverflowError):  # pandas may refuse to infer
        columns.append(pd.Series(values))
    if all(isinstance(v, str) for v in values):
        columns.append(pd.Series(values, dtype="string"))
        columns.append(pd.Series(values, dtype="string[pyarrow]"))
    for dtype in ("category", "Float64", "Int64"):  # when pandas can make such a column
        with contextlib.suppress(TypeError, ValueError, ArithmeticError, RuntimeWarning):
            columns.append(pd.Series(values, dtype=dtype))
    return columns


@given(_TYPED_LISTS)
def test_money_column_decides_and_reads_as_parse_fen(values: list[object]) -> None:
    """Every value of every column form: refused where parse_fen refuses, else the same fen."""
    for column in _columns(values):
        fen, bad = money_column(column)
        assert fen.dtype == np.int64
        for i, value in enumerate(column.to_numpy(dtype=object)):
            expected = _expected(value)
            assert (expected is None) == bool(bad[i]), (column.dtype, value)
            assert (expected or 0) == int(fen[i]), (column.dtype, value)


@pytest.mark.parametrize(
    ("values", "fen", "bad"),
    [
        # worked by hand: yuan × 100; refused rows read 0
        ([0.1, 12.34, 9999999999.99, 1e10, 0.1 + 0.2], [10, 1234, 999999999999, 0, 0],
         [False, False, False, True, True]),
        ([5, 9_999_999_999, 10_000_000_000, -1], [500, 999999999900, 0, 0],
         [False, False, True, True]),
        (["12.50", "1e400", "1234567890.1234567890123456789", " 7 ", "-0"],
         [1250, 0, 0, 700, 0], [False, True, True, False, False]),
        ([Decimal("0.05"), Decimal("1E+14"), Decimal("NaN")], [5, 0, 0], [False, True, True]),
    ],
)  # fmt: skip
def test_money_column_worked_examples(
    values: list[object], fen: list[int], bad: list[bool]
) -> None:
    """Floats by their repr, integers, text and Decimal against amounts worked by hand."""
    got_fen, got_bad = money_column(pd.Series(values))
    assert fen == got_fen.tolist()
    assert bad == got_bad.tolist()


@pytest.mark.parametrize(
    "values",
    [pd.Series([20190301, 5]), pd.Series([20190301.0, None]), pd.Series([None], dtype=object),
     pd.Series(["2019-03-01", 20190301, True], dtype=object)],
)  # fmt: skip
def test_date_column_never_reads_numbers_as_dates(values: pd.Series) -> None:
    """Numbers in a date column are refused rows, not handed to pandas' parser (which warned
    it would read them as epochs: a traceback under warnings-as-errors, found by fuzzing)."""
    from zjj_medical.batch.columns import date_column

    days, bad = date_column(values)
    expected = [not (isinstance(v, str) and v == "2019-03-01") for v in values]
    assert expected == bad.tolist()
    assert all(d == np.datetime64("2019-03-01") for d, b in zip(days, bad, strict=True) if not b)
