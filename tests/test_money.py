"""Money input (zjj_medical.money): one accepted domain, exact, with the same words everywhere."""

from __future__ import annotations

import decimal
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given

from strategies import money_inputs
from zjj_medical import Claim, Facility, InvalidClaim
from zjj_medical.money import MAX_AMOUNT, MAX_FEN, format_money, parse_fen, parse_money

# (input, fen) worked by hand: yuan × 100.
ACCEPTED_CASES: list[tuple[object, int]] = [
    ("18000.00", 1_800_000),
    (" 7 ", 700),
    ("12.5", 1250),
    ("12.500", 1250),  # trailing zeros are not places of value
    ("1e3", 100_000),
    ("-0", 0),
    (Decimal("0.05"), 5),
    (200, 20_000),
    (np.int64(3), 300),
    (0.1, 10),  # the float 0.1 is read as its repr '0.1'
    (12.34, 1234),
    (np.float64(300.1), 30_010),
    (-0.0, 0),
    ("9999999999.99", 999_999_999_999),  # the maximum
    (9999999999.99, 999_999_999_999),
    (9_999_999_999, 999_999_999_900),
    ("0000000000000000000000000000000012.50", 1250),
    ("12." + "0" * 100, 1200),  # 100 zero places: exact, accepted
]

# (input, words the message carries)
REFUSED_CASES: list[tuple[object, str]] = [
    ("12.345", "'12.345' has more than 2 decimal places"),
    (0.1 + 0.2, "0.30000000000000004 has more than 2 decimal places"),
    (np.float32(0.1), "0.10000000149011612 has more than 2 decimal places"),
    ("-1", "'-1' is negative"),
    (-5, "-5 is negative"),
    ("NaN", "'NaN' is not a finite number"),
    (float("inf"), "inf is not a finite number"),
    (Decimal("sNaN"), "sNaN is not a finite number"),
    ("abc", "'abc' is not a number"),
    ("", "'' is not a number"),
    ("10000000000", "'10000000000' is above the largest amount, 9999999999.99"),
    ("9999999999.999", "'9999999999.999' is above the largest amount"),
    ("9999999999.991", "'9999999999.991' is above the largest amount"),
    ("9999999999.985", "'9999999999.985' has more than 2 decimal places"),
    (10**14, "100000000000000 is above the largest amount"),
    (1e14, "100000000000000.0 is above the largest amount"),
    ("1e400", "'1e400' is above the largest amount"),
    (10**5000, "is above the largest amount"),  # beyond Python's int-to-text limit
    # 29 significant digits: refused, not rounded to 28 by the default decimal context
    ("1234567890.1234567890123456789", "has more than 2 decimal places"),
    ("0." + "0" * 60 + "1", "has more than 2 decimal places"),
    (Decimal("1e-999999999999999999"), "has more than 2 decimal places"),
    (True, "True is a boolean, not an amount"),
    (np.bool_(False), "False is a boolean, not an amount"),
    (None, "None (NoneType) is not an amount"),
    (b"12", "b'12' (bytes) is not an amount"),
]


@pytest.mark.parametrize(
    ("value", "fen"),
    ACCEPTED_CASES,
    ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(ACCEPTED_CASES)],
)
def test_accepted_amounts_give_their_fen(value: object, fen: int) -> None:
    """Each accepted form gives the fen worked by hand, and the two-place Decimal of it."""
    assert fen == parse_fen(value, "total")
    assert Decimal(fen).scaleb(-2) == parse_money(value, "total")
    assert -2 == parse_money(value).as_tuple().exponent


@pytest.mark.parametrize(
    ("value", "words"),
    REFUSED_CASES,
    ids=[f"{type(c[0]).__name__}-{i}" for i, c in enumerate(REFUSED_CASES)],
)
def test_refused_amounts_say_why_and_what_is_accepted(value: object, words: str) -> None:
    """A refused amount raises ValueError/TypeError naming the field, the value and the rule."""
    with pytest.raises((ValueError, TypeError)) as info:
        parse_money(value, "total")
    message = str(info.value)
    assert message.startswith("total: ")
    assert words in message
    assert message.endswith(
        "(accepted: yuan from 0 to 9999999999.99 with at most 2 decimal places, e.g. '1234.56')"
    )
    assert len(message) < 200  # a huge value is shown cut short


def test_maximum_is_under_ten_billion_and_fits_int64_sums() -> None:
    """MAX_AMOUNT is 9,999,999,999.99 yuan = MAX_FEN fen; a million of them fit in int64."""
    assert Decimal("9999999999.99") == MAX_AMOUNT
    assert 999_999_999_999 == MAX_FEN == parse_fen(MAX_AMOUNT)
    assert 10**6 * MAX_FEN < 2**63 - 1
    assert MAX_FEN < 2**53


def test_parsing_does_not_read_the_ambient_context() -> None:
    """A narrow ambient decimal context changes nothing: no rounding, no trap."""
    with decimal.localcontext(decimal.Context(prec=3, traps=[decimal.Inexact])):
        assert Decimal("123456789.12") == parse_money("123456789.12")
        assert 12_345_678_912 == parse_fen("123456789.12")
        assert "123456789.12" == format_money(Decimal("123456789.12"))
        with pytest.raises(ValueError, match="more than 2 decimal places"):
            parse_money("1234567890.1234567890123456789")


@given(money_inputs())
def test_parse_money_accepts_exactly_the_domain(value: object) -> None:
    """Any input is either a two-place amount in [0, MAX_AMOUNT] or a ValueError/TypeError."""
    error: Exception | None = None
    try:
        d = parse_money(value)
    except (ValueError, TypeError) as exc:
        error = exc
    if error is not None:
        assert "accepted: yuan from 0 to 9999999999.99" in str(error)
        return
    assert Decimal(0) <= d <= MAX_AMOUNT
    assert -2 == d.as_tuple().exponent
    if isinstance(value, str):
        assert Decimal(value.strip()) == d  # text is read exactly
    elif isinstance(value, float):
        assert Decimal(repr(float(value))) == d  # a float is its shortest repr


@pytest.mark.parametrize(
    ("total", "message"),
    [
        (10**14, "claim C1: total: 100000000000000 is above the largest amount, 9999999999.99"),
        ("1e400", "claim C1: total: '1e400' is above the largest amount, 9999999999.99"),
        (0.1 + 0.2, "claim C1: total: 0.30000000000000004 has more than 2 decimal places"),
    ],
)
def test_claim_refuses_with_the_money_rule(total: object, message: str) -> None:
    """A Claim refuses an amount outside the domain with InvalidClaim naming claim and field."""
    with pytest.raises(InvalidClaim) as info:
        Claim("C1", "inpatient", "2019-11-03", Facility(level="county"), total, "0")
    assert str(info.value).startswith(message)
    assert ("C1", "total") == (info.value.claim_id, info.value.field)


def test_batch_and_settle_accept_and_refuse_alike_with_the_same_words() -> None:
    """simulate reads a float 0.1 as 10 fen as Claim does, and refuses 10¹⁴ yuan, '1e400' and
    29 significant digits with the very message Claim gives."""
    import pandas as pd

    from zjj_medical.batch import simulate

    totals: list[object] = [0.1, 10**14, "1e400", "1234567890.1234567890123456789", 0.1 + 0.2]
    n = len(totals)
    claims = pd.DataFrame({
        "claim_id": [f"C{i}" for i in range(n)], "person_id": ["P1"] * n,
        "kind": ["outpatient"] * n, "date": ["2019-10-01"] * n,
        "facility_level": ["township"] * n, "facility_county": ["cili"] * n,
        "total": pd.Series(totals, dtype=object), "in_scope": ["0"] * n,
    })  # fmt: skip
    people = pd.DataFrame({"person_id": ["P1"], "poor": [False], "county": ["cili"]})
    out = simulate(claims, people, money="fen")
    expected: list[str | None] = []
    for i, total in enumerate(totals):
        try:
            Claim(f"C{i}", "outpatient", "2019-10-01", Facility(level="township"), total, "0")
        except InvalidClaim as exc:
            expected.append(f"InvalidClaim: {exc.message}")
        else:
            expected.append(None)
    assert [None, *expected[1:]] == expected  # only the float 0.1 is accepted
    assert expected == [None if pd.isna(e) else e for e in out["error"]]
    # 0.10 yuan at a township clinic, not poor: outpatient pooling pays nothing on in_scope 0
    assert 10 == int(out.loc[0, "patient_pay"])


def test_a_sum_may_exceed_the_maximum_when_asked() -> None:
    """maximum=None reads a ledger's running sum above MAX_AMOUNT exactly; absurd sizes are refused."""
    assert Decimal("25000000000.50") == parse_money("25000000000.5", "base", maximum=None)
    with pytest.raises(ValueError, match="above the largest amount"):
        parse_money("25000000000.5", "base")
    with pytest.raises(ValueError, match="too large to read to the fen"):
        parse_money("1e400", "base", maximum=None)


def test_ledger_sums_above_the_maximum_read_back() -> None:
    """A person-year's running base may pass the maximum of one amount: two claims of
    9,999,999,999.99 make 19,999,999,999.98, and the ledger reads back exactly."""
    from zjj_medical import Ledger

    ledger = Ledger.from_dict({
        "person_id": "P1", "year": 2019, "claim_ids": ["A", "B"],
        "layers": {"critical_illness": {"base": "19999999999.98", "paid": "0.00",
                                        "deductible": "0.00", "claims": {}}},
    })  # fmt: skip
    assert Decimal("19999999999.98") == ledger.state("critical_illness").base
