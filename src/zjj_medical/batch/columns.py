"""Reading the claim and people tables column-wise, with a row-wise fallback.

Each column is read by a fast vectorised path for the common forms (numbers,
``"18000.00"`` text, ISO dates, booleans); any value the fast path does not
recognise is read by the row rule of :mod:`zjj_medical.contract.rows` (for money,
:func:`zjj_medical.money.parse_fen`), so both paths accept exactly the same values with
the same result. Rows that the row rule
refuses are marked ``bad`` here; their message is produced later by the scalar
path, so it is the very message :func:`~zjj_medical.batch.simulate_scalar` gives.

>>> import pandas as pd
>>> money_column(pd.Series(["18000.00", " 7 ", "0.005", 12.5], dtype=object))
(array([1800000,     700,       0,    1250]), array([False, False,  True, False]))
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from zjj_medical.contract.rows import is_missing, read_bool, read_date, read_id
from zjj_medical.money import MAX_FEN, parse_fen

__all__ = [
    "IdTexts",
    "IntArray",
    "Texts",
    "combine_codes",
    "date_column",
    "flag_column",
    "id_text",
    "is_arrow_text",
    "missing_cells",
    "money_column",
    "text_codes",
    "text_factorize",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_MONEY_TEXT = r"\d{1,10}(?:\.\d{1,2})?"  # at most 12 digits: exact through float64


def _fallback(
    values: pd.Series, todo: BoolArray, read: Callable[[object], Any], out: npt.NDArray[Any]
) -> BoolArray:
    """Read the ``todo`` rows one by one; returns the rows the rule refused."""
    bad = np.zeros(len(values), dtype=bool)
    if not todo.any():
        return bad
    raw = values.to_numpy(dtype=object)
    for i in np.flatnonzero(todo):
        try:
            out[i] = read(raw[i])
        except (ValueError, TypeError):
            bad[i] = True
    return bad


def money_column(values: pd.Series) -> tuple[IntArray, BoolArray]:
    """Fen of each amount, and the rows refused (missing, sub-fen, negative, too large …).

    A float is accepted when ``rint(100·v) / 100 == v``: the decimal with two places
    that parses to ``v`` exists, so it is ``v``'s shortest ``repr`` (two such
    decimals cannot parse to the same double below 2**53 fen) — the row rule.
    """
    n = len(values)
    fen = np.zeros(n, dtype=np.int64)
    if pd.api.types.is_bool_dtype(values.dtype):
        return fen, np.ones(n, dtype=bool)
    if pd.api.types.is_integer_dtype(values.dtype) and not isinstance(
        values.dtype, pd.CategoricalDtype
    ):
        v = values.to_numpy(dtype=np.int64, na_value=-1)
        ok = (v >= 0) & (v <= MAX_FEN // 100)
        fen[ok] = v[ok] * 100
        todo = ~ok
    elif pd.api.types.is_float_dtype(values.dtype):
        v = values.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore", over="ignore"):
            n100 = np.rint(v * 100.0)
            ok = np.isfinite(v) & (v >= 0) & (n100 <= MAX_FEN) & (n100 / 100.0 == v)
        fen[ok] = n100[ok].astype(np.int64)
        todo = ~ok
    else:
        ok = _money_text(values, fen)
        todo = ~ok
    bad = _fallback(values, todo, _money_or_missing, fen)
    fen[bad] = 0
    return fen, bad


def _money_text(values: pd.Series, fen: IntArray) -> BoolArray:
    """Fast path for text amounts ``123`` / ``123.4`` / ``123.45`` (no spaces, no sign),
    and for ``Decimal`` amounts through their exact text.

    Fills ``fen`` where it matches and returns where it did; the rest go to the row rule.
    Up to 12 digits, so the double nearest to the text, times 100, rounds to the exact fen.
    """
    try:
        raw = values if values.dtype != object else values.to_numpy(dtype=object)
        text = pa.array(raw, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # a column of Decimal amounts is read through their exact text ('123.45');
        # anything else that is not all text goes to the row rule
        objects = values.to_numpy(dtype=object)
        if not all(type(v) is Decimal for v in objects):
            return np.zeros(len(values), dtype=bool)
        text = pa.array([str(v) for v in objects], type=pa.string())
    match = pc.match_substring_regex(text, "^" + _MONEY_TEXT + "$")
    ok = np.asarray(pc.fill_null(match, False).to_numpy(zero_copy_only=False), dtype=bool)
    if ok.any():
        parsed = pc.cast(pc.if_else(pa.array(ok), text, "0"), pa.float64()).to_numpy()
        fen[ok] = np.rint(parsed[ok] * 100.0).astype(np.int64)
        ok &= fen <= MAX_FEN
    return ok


def _money_or_missing(value: object) -> int:
    if is_missing(value):
        raise ValueError("missing")
    return parse_fen(value)


def date_column(values: pd.Series) -> tuple[npt.NDArray[np.datetime64], BoolArray]:
    """Each date as ``datetime64[D]``, and the rows refused."""
    n = len(values)
    fast = _iso_dates(values)
    if fast is not None:
        return fast
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values
    else:
        # Only text goes to pandas' parser (numbers would be read as epochs by a later
        # pandas); any other cell is left to the row rule below.
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            texts = values
        else:
            texts = values.map(lambda v: v if isinstance(v, str) else None).astype(object)
        # pandas' parser also takes 2019-1-1, which the row rule refuses: only the strict
        # form goes to it, any other text to the row rule.
        strict = pd.Series(texts, dtype=object).str.fullmatch(_ISO_DATE[1:-1]).fillna(False)
        texts = pd.Series(texts, dtype=object).where(strict.to_numpy(dtype=bool), None)
        stamps = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    ns = stamps.to_numpy(dtype="datetime64[ns]")
    days = ns.astype("datetime64[D]")
    ok = ~np.isnat(ns) & (days.astype("datetime64[ns]") == ns)
    out = np.where(ok, days, np.datetime64("1970-01-01", "D")).astype("datetime64[D]")
    holder = np.empty(n, dtype=object)
    bad = _fallback(values, ~ok, read_date, holder)
    for i in np.flatnonzero(~ok & ~bad):
        out[i] = np.datetime64(holder[i], "D")
    return out, bad


def _iso_dates(values: pd.Series) -> tuple[npt.NDArray[np.datetime64], BoolArray] | None:
    """Fast path for a text column whose every value is ``YYYY-MM-DD`` (Arrow's parser, no
    Python object per row); ``None`` when any value is not, so the general path decides."""
    if (
        not (isinstance(values.dtype, pd.StringDtype) or values.dtype == object)
        or pd.api.types.infer_dtype(values, skipna=False) != "string"
    ):
        return None
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
        if text.null_count or not _all_iso_shaped(text):
            return None
        days = pc.cast(text, pa.date32()).to_numpy(zero_copy_only=False).astype("datetime64[D]")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # an impossible day (2019-02-30 …): the general path refuses that row
    if len(days) and days.min() < np.datetime64("0001-01-01"):
        return None  # year 0000 is no date to the row rule
    return days, np.zeros(len(values), dtype=bool)


_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def _all_iso_shaped(text: pa.Array) -> bool:
    """Whether every text is ``YYYY-MM-DD`` in shape (:data:`_ISO_DATE`): read from the
    bytes when every text is 10 bytes long (four digits, a dash, two digits, a dash, two
    digits), else by the regular expression.

    >>> _all_iso_shaped(pa.array(["2019-01-31", "2020-12-01"]))
    True
    >>> _all_iso_shaped(pa.array(["2019-01-31", "2019/01/31"])), _all_iso_shaped(pa.array(["2019-1-1"]))
    (False, False)
    """
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    n = len(text)
    if n and pa.types.is_string(text.type) and pc.all(pc.equal(pc.binary_length(text), 10)).as_py():
        first = text.offset * 4
        start = int(np.frombuffer(text.buffers()[1], dtype=np.int32, count=1, offset=first)[0])
        chars = np.frombuffer(text.buffers()[2], dtype=np.uint8, count=10 * n, offset=start)
        chars = chars.reshape(n, 10)
        digits = chars[:, [0, 1, 2, 3, 5, 6, 8, 9]]
        return bool(((digits >= 48) & (digits <= 57)).all() and (chars[:, [4, 7]] == 45).all())
    return bool(pc.all(pc.match_substring_regex(text, _ISO_DATE)).as_py())


def flag_column(values: pd.Series | None, n: int) -> tuple[BoolArray, BoolArray]:
    """A boolean per row (missing → ``False``), and the rows refused.

    Each distinct value is read once by the row rule (a flag column has few).
    """
    if values is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    if pd.api.types.is_bool_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy(dtype=bool), np.zeros(n, dtype=bool)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if values.dtype == object and not all(isinstance(u, str) for u in uniques):
        # True, 1 and 1.0 are one value to a hash table but not to the row rule.
        holder = np.zeros(n, dtype=object)
        bad = _fallback(values, np.ones(n, dtype=bool), _flag_or_missing, holder)
        return np.where(bad, False, holder.astype(bool)), bad
    flag = np.zeros(len(uniques) + 1, dtype=bool)  # the last entry: missing (code -1)
    refused = np.zeros(len(uniques) + 1, dtype=bool)
    for k, value in enumerate(uniques):
        try:
            flag[k] = _flag_or_missing(value)
        except ValueError:
            refused[k] = True
    return flag[codes], refused[codes]


def _flag_or_missing(value: object) -> bool:
    return False if is_missing(value) else read_bool(value)


def id_text(values: pd.Series) -> np.ndarray[Any, Any]:
    """Ids as an object array of texts (integers read from a CSV give their digits)."""
    if values.dtype.kind in "iu":
        return values.astype(str).to_numpy(dtype=object)
    arr = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=False) == "string":
        return arr
    return np.array([read_id(v) for v in arr], dtype=object)


def text_factorize(parts: list[pd.Series]) -> tuple[IntArray, IntArray] | None:
    """Codes of the texts of ``parts`` one after the other — equal texts, equal codes, and
    the codes ``0 … k-1`` of the ``k`` distinct texts in no particular order — and, for each
    row, a row with the same text; ``None`` unless every part is a column of Arrow text
    (pandas' ``str``) without a missing value, each text of at most 32 bytes in UTF-8.

    The fast path for ids: it reads the texts' bytes from the Arrow buffers (no Python string
    per row), packs each text into four 64-bit words at most, and hashes the words into one
    64-bit key; equal keys are brought together by a sort, then every row's words and length
    are compared with those of a row of its code, so two different texts never share a code
    (on a hash collision, ``None``: the caller's general path decides).

    >>> codes, same = text_factorize([pd.Series(["P1", "P22"], dtype="str"),
    ...                               pd.Series(["P22", "P3", "P1"], dtype="str")])
    >>> codes[0] == codes[4], codes[1] == codes[2], len(set(codes.tolist()))
    (np.True_, np.True_, 3)
    """
    chunks: list[pa.Array] = []
    for part in parts:
        if not is_arrow_text(part):
            return None
        arrow = pa.chunked_array(pa.array(part, from_pandas=True))
        chunks.extend(arrow.chunks)
    text = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
    if text.null_count:
        return None
    width: np.dtype[Any]
    if pa.types.is_string(text.type):
        width = np.dtype(np.int32)
    elif pa.types.is_large_string(text.type):
        width = np.dtype(np.int64)
    else:
        return None
    n = len(text)
    _, offsets_buf, data_buf = text.buffers()
    offsets = np.frombuffer(
        offsets_buf, dtype=width, count=n + 1, offset=text.offset * width.itemsize
    ).astype(np.int64)
    lo, hi = int(offsets[0]), int(offsets[-1])
    lengths = np.diff(offsets)
    longest = int(lengths.max()) if n else 0
    if longest > _PACKED_BYTES:
        return None
    n_words = max(1, -(-longest // 8))
    data = np.zeros(hi - lo + 8 * n_words, dtype=np.uint8)  # zeros after the last text
    if hi > lo and data_buf is not None:
        data[: hi - lo] = np.frombuffer(data_buf, dtype=np.uint8, count=hi - lo, offset=lo)
    # word_at[i]: the 8 bytes from byte i on, as a little-endian 64-bit number
    word_at = np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
    start = offsets[:-1] - lo
    words = []
    for k in range(n_words):
        # the text's bytes of this word, the bytes after its end zeroed
        low = _LOW_BYTES[np.clip(lengths - 8 * k, 0, 8)]
        words.append(np.bitwise_and(word_at[start + 8 * k], low, dtype=np.uint64))
    del word_at, data, start  # the working arrays go as soon as they are read
    if longest < 8:
        # one word and a byte to spare: the text's length in its top byte makes the key
        # the text itself, so equal keys are equal texts (nothing to check after)
        key = words[0] | (lengths.astype(np.uint64) << np.uint64(56))
        codes, rep = _sorted_codes(key)
        return codes, rep
    key = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for word in words:
        key = _mix(key, word)
    codes, rep = _sorted_codes(key)
    if not (lengths == lengths[rep]).all() or any((w != w[rep]).any() for w in words):
        return None  # two texts with one key
    return codes, rep


def _sorted_codes(key: npt.NDArray[np.uint64]) -> tuple[IntArray, IntArray]:
    """Codes ``0 … k-1`` of the distinct keys (in the keys' order), and a row of each row's
    code. Equal keys are brought side by side by a sort (of 64-bit numbers: faster here than
    a hash table) and numbered in the order of their runs."""
    n = len(key)
    order = np.argsort(key)
    ranked = key[order]
    del key
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = ranked[1:] != ranked[:-1]
    del ranked
    codes = np.empty(n, dtype=np.int64)
    codes[order] = np.cumsum(new_run) - 1
    heads = order[np.flatnonzero(new_run)]
    del order, new_run
    return codes, heads[codes]


_PACKED_BYTES = 32
#: A mask of the low ``j`` bytes of a 64-bit word, for ``j`` = 0 … 8.
_LOW_BYTES = np.array([(1 << (8 * j)) - 1 for j in range(9)], dtype=np.uint64)


def _mix(key: npt.NDArray[np.uint64], word: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit key and the next word of the text, mixed (a multiply-xorshift step)."""
    key = (key ^ word) * np.uint64(0xBF58476D1CE4E5B9)
    return key ^ (key >> np.uint64(31))


def is_arrow_text(column: pd.Series) -> bool:
    """Whether a column is pandas' text of Arrow strings (the ``str`` dtype with pyarrow, the
    default of pandas 3): its texts can be read from Arrow's buffers without a Python string
    per row.

    >>> is_arrow_text(pd.Series(["a"], dtype="str")), is_arrow_text(pd.Series(["a"], dtype=object))
    (True, False)
    """
    return isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"


def missing_cells(column: pd.Series) -> BoolArray:
    """The rows of a column the row rule reads as not given
    (:func:`~zjj_medical.contract.rows.is_missing`: no value, or a text of spaces only) — for
    Arrow text by one regular expression over the characters Python calls spaces.

    >>> missing_cells(pd.Series(["P1", "", " \u3000", None], dtype="str")).tolist()
    [False, True, True, True]
    >>> missing_cells(pd.Series(["P1", None, float("nan"), 7], dtype=object)).tolist()
    [False, True, True, False]
    """
    if is_arrow_text(column):
        text = pa.array(column, from_pandas=True)
        blank = pc.match_substring_regex(text, _blank())
        return np.asarray(pc.fill_null(blank, True).to_numpy(zero_copy_only=False), dtype=bool)
    return np.fromiter((is_missing(v) for v in column), dtype=bool, count=len(column))


@functools.cache
def _blank() -> str:
    """A regular expression of a text of spaces only, as Python's ``str.strip`` sees spaces
    (every ``isspace`` character)."""
    spaces = "".join(f"\\x{{{c:x}}}" for c in range(0x110000) if chr(c).isspace())
    return "^[" + spaces + "]*$"


class Texts(Protocol):
    """Texts by row: one row's (``texts[i]``) or some rows' (``texts[rows]``)."""

    def __getitem__(self, at: Any, /) -> Any: ...


class IdTexts:
    """The ids of a column as texts (:func:`id_text`), read only for the rows asked when the
    column is Arrow text: a text per row is made only for a row's message or a tie of
    dates, not for every row of the run.

    >>> texts = IdTexts(pd.Series(["C1", "C2", "C3"], dtype="str"))
    >>> texts[1], texts[np.array([2, 0])].tolist(), texts.all().tolist()
    ('C2', ['C3', 'C1'], ['C1', 'C2', 'C3'])
    """

    def __init__(self, column: pd.Series) -> None:
        self._column = column
        self._all: np.ndarray[Any, Any] | None = None if is_arrow_text(column) else id_text(column)

    def __len__(self) -> int:
        return len(self._column)

    def __getitem__(self, at: Any) -> Any:
        if self._all is not None:
            return self._all[at]
        if np.ndim(at) == 0:
            return id_text(self._column.iloc[[int(at)]])[0]
        return id_text(self._column.iloc[np.asarray(at, dtype=np.int64)])

    def all(self) -> np.ndarray[Any, Any]:
        """Every row's text."""
        if self._all is None:
            self._all = id_text(self._column)
        return self._all


def text_codes(values: pd.Series | None, n: int) -> tuple[IntArray, list[object]]:
    """Factorised codes of a column (``-1`` for missing) and its distinct values."""
    if values is None:
        return np.full(n, -1, dtype=np.int64), []
    obj = values
    if values.dtype == object:
        listed = [isinstance(v, list | tuple | np.ndarray) for v in values]
        if any(listed):
            obj = pd.Series(
                [tuple(v) if f else v for v, f in zip(values, listed, strict=True)], dtype=object
            )
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    kinds = set(map(type, obj)) - {str, type(None)} if values.dtype == object else set()
    if len(kinds) > 1:
        # True, 1 and 1.0 are one value to a hash table, not to the row rules: key by type too.
        keyed = pd.Series(
            [None if is_missing(v) else (type(v).__name__, v) for v in obj], dtype=object
        )
        codes, uniques = pd.factorize(keyed, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def combine_codes(columns: list[IntArray], n: int) -> tuple[IntArray, IntArray]:
    """One code per distinct combination of the columns' codes, and a row of each.

    >>> combine_codes([np.array([0, 1, 0, 1]), np.array([5, 5, 5, 6])], 4)
    (array([0, 1, 0, 2]), array([0, 1, 3]))
    """
    code = np.zeros(n, dtype=np.int64)
    if n:
        # Mixed radix while the product of the widths fits, then factorise (once if it all fits).
        span = 1
        for col in columns:
            width = int(col.max()) + 2
            if span * width >= 2**62:
                code = pd.factorize(code)[0].astype(np.int64)
                span = int(code.max()) + 1
            code = code * width + (col + 1)
            span *= width
        code = _appearance_codes(code, span)
    # factorize numbers codes in order of first appearance: a row is its code's first
    # when its code is above every code before it.
    is_first = np.ones(n, dtype=bool)
    if n:
        is_first[1:] = code[1:] > np.maximum.accumulate(code)[:-1]
    return code, np.flatnonzero(is_first).astype(np.int64)


def _appearance_codes(code: IntArray, span: int) -> IntArray:
    """``pd.factorize(code)[0]`` for codes in ``[0, span)``: numbered in order of first
    appearance; from a table over the span when it is a quarter of the rows or less (the
    first row of each code by ``np.minimum.at``), faster there than a hash table."""
    n = len(code)
    if span > n // 4:
        return pd.factorize(code)[0].astype(np.int64)
    first_at = np.full(span, n, dtype=np.int64)
    np.minimum.at(first_at, code, np.arange(n, dtype=np.int64))
    present = first_at < n
    firsts = first_at[present]
    rank = np.empty(len(firsts), dtype=np.int64)
    rank[np.argsort(firsts)] = np.arange(len(firsts), dtype=np.int64)
    number = np.full(span, -1, dtype=np.int64)
    number[present] = rank
    return number[code]
