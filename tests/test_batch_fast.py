"""The batch engine's fast ways to number, order and write rows, against the plain NumPy, pandas
and Python codings they stand for (``pd.factorize``, ``np.unique``, ``np.argsort(kind="stable")``,
the yuan text of each amount)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zjj_medical.batch import columns
from zjj_medical.batch._run import _stable_argsort, _unique_first, _years
from zjj_medical.batch.columns import IdTexts, combine_codes, id_text, text_factorize
from zjj_medical.cli.simulate import yuan_strings

# Short texts with the characters that could fool a packing of bytes: NUL, multi-byte
# UTF-8, texts that are prefixes of others, the empty text.
_TEXT = st.text(alphabet=st.sampled_from(["a", "b", "\x00", "中", "é", "1", " "]), max_size=12)


def _same_partition(codes: np.ndarray, texts: list[str]) -> None:
    expected = pd.factorize(pd.Series(texts, dtype=object))[0]
    # equal texts ⇔ equal codes, and the codes are 0 … k-1
    assert len(codes) == len(texts)
    pairs = set(zip(codes.tolist(), expected.tolist(), strict=True))
    assert len({c for c, _ in pairs}) == len(pairs) == len({e for _, e in pairs})
    assert sorted(set(codes.tolist())) == list(range(len(set(texts))))


@given(st.lists(st.lists(_TEXT, max_size=30), min_size=1, max_size=3))
@settings(max_examples=200, deadline=None)
def test_text_factorize_numbers_equal_texts_alike_across_parts(parts: list[list[str]]) -> None:
    series = [pd.Series(p, dtype="str") for p in parts]
    found = text_factorize(series)
    assert found is not None
    codes, same = found
    texts = [t for p in parts for t in p]
    _same_partition(codes, texts)
    assert [texts[i] for i in same.tolist()] == texts  # a row with the same text


def test_text_factorize_worked_example() -> None:
    # "a" and "a\x00" differ only by a NUL byte, "中文" is 6 bytes of UTF-8, "" is empty
    texts = ["a", "ab", "a\x00", "", "ab", "中文", "中文x", "a"]
    found = text_factorize([pd.Series(texts, dtype="str")])
    assert found is not None
    codes = found[0].tolist()
    assert codes[0] == codes[7]
    assert codes[1] == codes[4]
    assert len(set(codes)) == 6


def test_text_factorize_reads_texts_of_32_bytes_and_leaves_longer_ones() -> None:
    at_edge = ["x" * 32, "x" * 31 + "y", "x" * 32]
    found = text_factorize([pd.Series(at_edge, dtype="str")])
    assert found is not None
    assert found[0].tolist()[0] == found[0].tolist()[2] != found[0].tolist()[1]
    assert text_factorize([pd.Series(["x" * 33], dtype="str")]) is None


@pytest.mark.parametrize(
    "series",
    [
        pd.Series(["a", None], dtype="str"),  # a missing id: the general path reads it
        pd.Series(["a", "b"], dtype=object),  # not Arrow text
        pd.Series([1, 2]),
        pd.Series(["a"], dtype=pd.StringDtype("python")),
    ],
)
def test_text_factorize_leaves_other_columns_to_the_general_path(series: pd.Series) -> None:
    assert text_factorize([series]) is None


def test_text_factorize_reads_a_slice_of_a_column() -> None:
    # an Arrow array that starts inside its buffers (a slice) is read from its offset
    whole = pd.Series(["zz", "a", "b", "a"], dtype="str")
    found = text_factorize([whole.iloc[1:]])
    assert found is not None
    codes = found[0].tolist()
    assert codes[0] == codes[2] != codes[1]


def test_text_factorize_refuses_when_two_texts_share_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # texts of 8 bytes or more are hashed; every text hashed to one key: the comparison of
    # the words finds the difference
    monkeypatch.setattr(columns, "_mix", lambda key, word: key * np.uint64(0))
    assert text_factorize([pd.Series(["abcdefgh", "abcdefgi"], dtype="str")]) is None
    assert text_factorize([pd.Series(["abcdefgh", "abcdefg"], dtype="str")]) is None
    # shorter texts are their own keys: no hash to collide
    found = text_factorize([pd.Series(["a", "b", "a"], dtype="str")])
    assert found is not None
    assert found[0][0] == found[0][2] != found[0][1]
    found = text_factorize([pd.Series(["abcdefgh", "abcdefgh"], dtype="str")])
    assert found is not None
    assert found[0].tolist() == [0, 0]


@given(st.lists(st.integers(0, 40), max_size=200), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_combine_codes_is_factorize_of_the_combinations(values: list[int], shift: int) -> None:
    a = np.array(values, dtype=np.int64)
    b = (a * 7 + shift) % 5
    codes, first = combine_codes([a, b], len(a))
    pairs = pd.Series(list(zip(a.tolist(), b.tolist(), strict=True)), dtype=object)
    expected = pd.factorize(pairs)[0]
    assert codes.tolist() == expected.tolist()
    assert first.tolist() == pd.Series(expected).drop_duplicates().index.tolist()


@given(st.lists(st.integers(0, 2**20), max_size=300))
@settings(max_examples=200, deadline=None)
def test_stable_argsort_is_numpys_stable_argsort(values: list[int]) -> None:
    key = np.array(values, dtype=np.int64)
    assert _stable_argsort(key).tolist() == np.argsort(key, kind="stable").tolist()


def test_stable_argsort_of_keys_too_large_to_pack() -> None:
    key = np.array([2**61, 5, 2**61, 0, 5], dtype=np.int64)
    assert _stable_argsort(key).tolist() == [3, 1, 4, 0, 2]


@pytest.mark.parametrize("scale", [1, 2**14, 2**61])
def test_stable_argsort_keeps_the_input_order_of_equal_keys_among_many(scale: int) -> None:
    """A thousand keys of three values (small, 16-bit, too large to pack): equal keys stay
    in their input order, in every way of sorting."""
    key = np.random.default_rng(7).integers(0, 3, 1000).astype(np.int64) * scale
    order = _stable_argsort(key)
    assert order.tolist() == np.argsort(key, kind="stable").tolist()
    for value in (0, scale, 2 * scale):
        rows = order[key[order] == value]
        assert rows.tolist() == sorted(rows.tolist())


def test_stable_argsort_of_keys_at_the_16_bit_edge() -> None:
    """2**15 does not fit a signed 16-bit number: it is sorted as itself."""
    key = np.array([2**15, 0, 2**15 - 1, 2**15], dtype=np.int64)
    assert _stable_argsort(key).tolist() == [1, 2, 0, 3]


@given(st.lists(st.integers(-5, 60), max_size=300), st.booleans())
@settings(max_examples=200, deadline=None)
def test_unique_first_is_numpys_unique(values: list[int], wide: bool) -> None:
    v = np.array(values, dtype=np.int64) * (10**9 if wide else 1)  # wide: np.unique itself
    uniques, first, code = _unique_first(v)
    want_u, want_first = np.unique(v, return_index=True)
    assert uniques.tolist() == want_u.tolist()
    assert first.tolist() == want_first.tolist()
    assert code.tolist() == np.searchsorted(want_u, v).tolist()


def test_years_worked_example() -> None:
    # the last day of 2019, the first of 2020, a leap day, and 1970-01-01 (day 0)
    days = np.array(["2019-12-31", "2020-01-01", "2020-02-29", "1970-01-01"], "datetime64[D]")
    assert _years(days).tolist() == [2019, 2020, 2020, 1970]
    # the first day of the table not 1970-01-01 (the day numbers start at the earliest date)
    days = np.array(["2020-01-01", "2019-12-31", "2019-06-30"], "datetime64[D]")
    years = _years(days)
    assert years.tolist() == [2020, 2019, 2019]
    assert years.dtype == np.int64
    assert _years(np.array([], "datetime64[D]")).tolist() == []
    assert _years(np.array([], "datetime64[D]")).dtype == np.int64


@given(st.lists(st.integers(-(10**12), 10**12), max_size=60), st.floats(0, 1))
@settings(max_examples=200, deadline=None)
def test_yuan_strings_writes_every_amount_in_yuan_and_fen(fen: list[int], zeros: float) -> None:
    # a share of the amounts set to 0, below and above half (the two ways of writing)
    values = np.array([0 if (k % 100) < zeros * 100 else v for k, v in enumerate(fen)], np.int64)
    # each amount written out one by one: sign, whole yuan, two places of fen
    expected = [f"{'-' if v < 0 else ''}{abs(v) // 100}.{abs(v) % 100:02d}" for v in values]
    assert yuan_strings(values).to_pylist() == expected


def test_yuan_strings_worked_example() -> None:
    # 4 of 5 zeros: only 15300.00 is cast; 3 of 5 paying: all are cast
    assert yuan_strings(np.array([0, 1530000, 0, 0, 0])).to_pylist() == [
        "0.00", "15300.00", "0.00", "0.00", "0.00",
    ]  # fmt: skip
    assert yuan_strings(np.array([5, -5, 0, 100, 0])).to_pylist() == [
        "0.05", "-0.05", "0.00", "1.00", "0.00",
    ]  # fmt: skip
    assert yuan_strings(np.array([], dtype=np.int64)).to_pylist() == []


@given(
    st.lists(st.one_of(_TEXT, st.none()), min_size=1, max_size=30),
    st.sampled_from(["str", object]),
    st.data(),
)
@settings(max_examples=200, deadline=None)
def test_id_texts_read_rows_as_id_text_reads_the_column(
    values: list[str | None], dtype: object, data: st.DataObject
) -> None:
    column = pd.Series(values, dtype=dtype)
    whole = id_text(column)
    texts = IdTexts(column)
    i = data.draw(st.integers(0, len(values) - 1))
    rows = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=10)), np.int64)
    assert texts[i] == whole[i]
    assert texts[rows].tolist() == whole[rows].tolist()
    assert texts.all().tolist() == whole.tolist()
    assert len(texts) == len(values)


def test_id_texts_of_numbers_read_from_a_csv_give_their_digits() -> None:
    texts = IdTexts(pd.Series([7, 12]))
    assert texts[0] == "7"
    assert texts[np.array([1])].tolist() == ["12"]


_DATE_CHARS = st.sampled_from(["0", "1", "9", "2", "-", "/", " ", "a", "１", "٣", "\x00", "é"])


@given(
    st.lists(
        st.one_of(
            st.dates().map(lambda d: d.isoformat()),
            st.text(alphabet=_DATE_CHARS, min_size=8, max_size=11),
        ),
        min_size=1,
        max_size=20,
    )
)
@settings(max_examples=300, deadline=None)
def test_iso_shape_from_the_bytes_is_the_regular_expression(texts: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from zjj_medical.batch.columns import _ISO_DATE, _all_iso_shaped

    text = pa.array(texts, type=pa.string())
    expected = bool(pc.all(pc.match_substring_regex(text, _ISO_DATE)).as_py())
    assert _all_iso_shaped(text) == expected
    assert _all_iso_shaped(text.slice(1)) == bool(
        pc.all(pc.match_substring_regex(text.slice(1), _ISO_DATE)).as_py()
    )


@given(st.integers(1, 400), st.integers(1, 200), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_appearance_codes_are_factorize_from_the_table_or_the_hash(
    n: int, span: int, rnd: Any
) -> None:
    """Codes numbered in order of first appearance, as pandas numbers them, whether the span
    is small against the rows (the table) or not (pandas' hash table)."""
    from zjj_medical.batch.columns import _appearance_codes

    code = np.array([rnd.randrange(span) for _ in range(n)], dtype=np.int64)
    assert _appearance_codes(code, span).tolist() == pd.factorize(code)[0].tolist()


def test_appearance_codes_worked_example() -> None:
    # 12 rows over a span of 3 (a quarter of the rows: the table): first seen 2, then 0, then 1
    code = np.array([2, 2, 0, 2, 1, 0, 0, 1, 2, 2, 0, 1], dtype=np.int64)
    assert _appearance_codes_of(code, 3) == [0, 0, 1, 0, 2, 1, 1, 2, 0, 0, 1, 2]
    # a span larger than a quarter of the rows: the same numbers from pandas
    assert _appearance_codes_of(code, 4) == [0, 0, 1, 0, 2, 1, 1, 2, 0, 0, 1, 2]


def _appearance_codes_of(code: np.ndarray, span: int) -> list[int]:
    from zjj_medical.batch.columns import _appearance_codes

    out = _appearance_codes(code, span)
    assert out.dtype == np.int64
    return out.tolist()


def test_combine_codes_past_63_bits_factorises_on_the_way() -> None:
    """Columns whose widths multiply past 2**62 are numbered step by step: the same codes."""
    rows = 6
    wide = [np.array([0, 2**40, 0, 5, 2**40, 0], dtype=np.int64) for _ in range(3)]
    codes, first = combine_codes(wide, rows)
    assert codes.tolist() == [0, 1, 0, 2, 1, 0]
    assert first.tolist() == [0, 1, 3]


def _one_claim(ids: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A claim C1 of P1 (not poor, Cili) at a county hospital, 10,500.00 in scope: basic
    insurance (10,500.00 − 500.00) × 0.75 = 7,500.00; the ids in the given column form."""
    people = pd.DataFrame({"person_id": ids(["P1"]), "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": ids(["C1"]), "person_id": ids(["P1"]), "kind": ["inpatient"],
        "date": ["2019-05-01"], "facility_level": ["county"], "facility_county": ["cili"],
        "total": ["10500"], "in_scope": ["10500"]})  # fmt: skip
    return claims, people


@pytest.mark.parametrize(
    ("ids", "dtype"),
    [
        (lambda v: pd.Series(v, dtype="str"), "str"),  # pandas' Arrow text: kept as given
        (lambda v: pd.Series(v, dtype=object), object),  # Python strings: kept as objects
    ],
)
def test_the_result_gives_the_ids_back_in_their_form(ids: Any, dtype: Any) -> None:
    from zjj_medical.batch import simulate, simulate_scalar

    claims, people = _one_claim(ids)
    for run in (simulate, simulate_scalar):
        out = run(claims, people, money="fen")
        assert out["claim_id"].tolist() == ["C1"]
        assert out["person_id"].tolist() == ["P1"]
        assert out["claim_id"].dtype == dtype
        assert out["basic_insurance"].tolist() == [750000]


def test_ids_read_as_numbers_come_back_as_their_digits() -> None:
    """Ids a CSV reader took for numbers (7, 12) are the texts "7" and "12"."""
    from zjj_medical.batch import simulate

    people = pd.DataFrame({"person_id": [12], "poor": [False], "county": ["cili"]})
    claims = pd.DataFrame({
        "claim_id": [7], "person_id": [12], "kind": ["inpatient"], "date": ["2019-05-01"],
        "facility_level": ["county"], "facility_county": ["cili"],
        "total": ["10500"], "in_scope": ["10500"]})  # fmt: skip
    out = simulate(claims, people, money="fen")
    assert out["claim_id"].tolist() == ["7"]
    assert out["person_id"].tolist() == ["12"]
    assert out["basic_insurance"].tolist() == [750000]


def test_no_claims_and_no_people_give_an_empty_result() -> None:
    from zjj_medical.batch import simulate

    claims, people = _one_claim(lambda v: pd.Series(v, dtype="str"))
    out = simulate(claims.iloc[:0], people.iloc[:0], money="fen")
    assert len(out) == 0
    assert "basic_insurance" in out.columns


@pytest.mark.parametrize("at", range(10))
def test_iso_shape_refuses_one_wrong_character_at_any_place(at: int) -> None:
    """Each of the ten places of YYYY-MM-DD is checked: a letter, a colon (the character
    after 9) or a slash in one place makes the text no ISO date."""
    import pyarrow as pa

    from zjj_medical.batch.columns import _all_iso_shaped

    good = "2019-11-03"
    assert _all_iso_shaped(pa.array([good, good]))
    for wrong in ("x", ":", "/"):
        text = good[:at] + wrong + good[at + 1 :]
        assert not _all_iso_shaped(pa.array([good, text])), text
    # dashes in place but a letter among the digits, and digits in place of the dashes
    assert not _all_iso_shaped(pa.array(["2019x11-03"]))
    assert not _all_iso_shaped(pa.array(["2019-11-0x"]))
    assert not _all_iso_shaped(pa.array(["2019111103"]))


@pytest.mark.parametrize("length", [8, 9, 16, 17, 24, 25, 32])
def test_texts_differing_only_in_their_last_byte_get_two_codes(length: int) -> None:
    """Every byte of a text up to 32 bytes is in its words: two texts equal but for the last
    byte are two ids."""
    a, b = "a" * (length - 1) + "x", "a" * (length - 1) + "y"
    found = text_factorize([pd.Series([a, b, a], dtype="str")])
    assert found is not None
    codes = found[0].tolist()
    assert codes[0] == codes[2] != codes[1]


def test_combine_codes_does_not_let_a_column_wrap_away() -> None:
    """Three columns of width 2**32: their mixed-radix number would need 96 bits, and taken
    modulo 2**64 the first column would vanish (rows 0 and 1 alike); numbered on the way,
    the three rows stay three combinations."""
    top = 2**32 - 2  # width top + 2 = 2**32
    columns = [np.array(c, dtype=np.int64) for c in ([0, top, 0], [0, 0, top], [0, 0, top])]
    codes, first = combine_codes(columns, 3)
    assert codes.tolist() == [0, 1, 2]
    assert first.tolist() == [0, 1, 2]


@pytest.mark.parametrize("dtype", ["str", object])
@pytest.mark.parametrize("absent", [None, "", " \u3000"])
def test_a_person_without_an_id_is_refused_in_both_paths(dtype: Any, absent: Any) -> None:
    """A people row without a person id (none, empty, or spaces only) is no person a claim
    can name: the table is refused, naming the row, by the batch and the row-by-row path
    alike — a claim of a person called "None" or "nan" does not settle against it."""
    from zjj_medical.batch import simulate, simulate_scalar
    from zjj_medical.errors import problem_of

    people = pd.DataFrame({
        "person_id": pd.Series(["P1", absent], dtype=dtype), "poor": [False, False],
        "county": ["cili", "cili"]})  # fmt: skip
    claims, _ = _one_claim(lambda v: pd.Series(v, dtype=dtype))
    for run in (simulate, simulate_scalar):
        with pytest.raises(ValueError, match=r"^people: data row 2 has no person_id") as info:
            run(claims, people, money="fen")
        assert problem_of(info.value) == ("table.person_id.missing", {"row": 2})
