"""Behaviour checks added while mutation-testing money and the rule kernels.

Each test here kills a mutant that the fast tests let survive; tests/MUTATION.md lists the
survivors and their verdicts. Expected values are worked by hand from the documented rules.
"""

from __future__ import annotations

import pytest

from zjj_medical.money import parse_fen, parse_money

# An amount shown in an error message is cut to 40 characters (money._SHOWN): text is shown
# as its repr (quotes included); a longer one keeps its first 39 characters and ends in "…".


def test_error_shows_an_amount_of_exactly_40_characters_whole() -> None:
    value = "x" * 38  # repr: 38 characters between two quotes = 40
    with pytest.raises(ValueError, match="is not a number") as caught:
        parse_money(value)
    assert str(caught.value).startswith("amount: '" + "x" * 38 + "' is not a number")


def test_error_cuts_an_amount_of_41_characters_to_39_and_an_ellipsis() -> None:
    value = "x" * 39  # repr: 41 characters
    with pytest.raises(ValueError, match="is not a number") as caught:
        parse_money(value)
    assert str(caught.value).startswith("amount: '" + "x" * 38 + "… is not a number")


def test_parse_fen_names_the_amount_by_default() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places") as caught:
        parse_fen("0.005")
    assert str(caught.value).startswith("amount: '0.005' has more than 2 decimal places")


def test_parse_fen_names_the_amount_as_asked() -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places") as caught:
        parse_fen("0.005", "total")
    assert str(caught.value).startswith("total: '0.005' has more than 2 decimal places")
