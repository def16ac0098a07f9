"""The column readers' fast paths accept exactly what the row rule accepts, with its value."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zjj_medical.batch.columns import date_column
from zjj_medical.contract.rows import read_date

EDGES = ["2019-02-29", "2020-02-29", "0000-01-01", "0001-01-01", "2019-1-1", " 2019-01-01",
         "2019-04-31", "2019-00-10", "9999-12-31", "2019-12-31"]  # fmt: skip


def _by_row(values: list[str]) -> list[dt.date | None]:
    out: list[dt.date | None] = []
    for v in values:
        try:
            out.append(read_date(v))
        except ValueError:
            out.append(None)
    return out


def _by_column(values: pd.Series) -> list[dt.date | None]:
    days, bad = date_column(values)
    return [None if b else d.astype(dt.date) for d, b in zip(days, bad, strict=True)]


@pytest.mark.parametrize("dtype", [object, "str"])
@pytest.mark.parametrize("value", EDGES)
def test_dates_alone_and_among_good_ones(value: str, dtype: object) -> None:
    """Each edge alone, and among ISO dates (the column's fast path), reads as the row rule."""
    for values in ([value], ["2019-05-01", value, "2019-06-30"]):
        assert _by_row(values) == _by_column(pd.Series(values, dtype=dtype))  # type: ignore[call-overload]


@given(st.lists(st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat), max_size=20))
def test_iso_texts_read_as_the_row_rule(values: list[str]) -> None:
    assert _by_row(values) == _by_column(pd.Series(values, dtype="str"))


def test_fast_path_gives_days() -> None:
    days, bad = date_column(pd.Series(["2019-10-01", "2020-02-29"], dtype="str"))
    assert not bad.any()
    assert days.tolist() == [dt.date(2019, 10, 1), dt.date(2020, 2, 29)]
    assert days.dtype == np.dtype("datetime64[D]")
