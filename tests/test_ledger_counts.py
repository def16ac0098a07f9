"""A carried ledger's per-layer claim counts are whole numbers: a boolean, a fraction or a
text is refused naming the layer and key, never read as a count (``int(False)`` is 0,
``int(1.9)`` is 1 — a ledger edited that way would change what the next claim pays)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from zjj_medical import Claim, Facility, LedgerMismatch, Person, settle
from zjj_medical.engine.ledger import Ledger


def _written() -> dict[str, Any]:
    person = Person("P1", poor=False, county="cili")
    claim = Claim(
        "C1", "inpatient", "2019-03-01", Facility(level="county", county="cili"), "20000", "18000"
    )
    return settle(claim, person).ledger.to_dict()


def _layer_with_counts(data: dict[str, Any]) -> str:
    return next(k for k, v in data["layers"].items() if v["claims"])


def test_the_written_counts_read_back() -> None:
    """A ledger as written reads back equal (the counts are ints)."""
    data = _written()
    assert Ledger.from_dict(data).to_dict() == data


@pytest.mark.parametrize("bad", [False, True, 1.9, "1", None])
def test_a_count_that_is_not_a_whole_number_is_refused(bad: object) -> None:
    data = copy.deepcopy(_written())
    layer = _layer_with_counts(data)
    key = next(iter(data["layers"][layer]["claims"]))
    data["layers"][layer]["claims"][key] = bad
    with pytest.raises(LedgerMismatch) as info:
        Ledger.from_dict(data)
    error = info.value
    assert "ledger.layer.count.type" == error.code
    assert f"ledger.layers.{layer}.claims.{key}" == error.path
    assert "is not a whole number of claims" in str(error)


def test_a_negative_count_is_still_refused() -> None:
    data = copy.deepcopy(_written())
    layer = _layer_with_counts(data)
    key = next(iter(data["layers"][layer]["claims"]))
    data["layers"][layer]["claims"][key] = -1
    with pytest.raises(LedgerMismatch) as info:
        Ledger.from_dict(data)
    assert "ledger.layer.count" == info.value.code
