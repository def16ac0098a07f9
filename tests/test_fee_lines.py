"""Fee lines → split → settlement: worked examples by hand, errors, and properties (the split
of every line sums to its amount; lines settle as their computed in_scope does)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zjj_medical import Claim, Facility, InvalidClaim, Person, settle
from zjj_medical.contract.documents import settle_document
from zjj_medical.engine.lines import FeeLine, LineSplit, split_line
from zjj_medical.policy.loader import load_policy

D = Decimal
CASES = yaml.safe_load((Path(__file__).parent / "data" / "fee_lines.yaml").read_text("utf-8"))
COUNTY = Facility(level="county", county="sangzhi")


def _line(data: dict[str, Any]) -> FeeLine:
    return FeeLine(
        data["code"], data["name"], data["class"], data["quantity"], data["price"],
        data.get("amount"), data.get("limit"), data.get("self_pay_ratio"),
    )  # fmt: skip


def _claim(lines: list[FeeLine], **kw: Any) -> Claim:
    return Claim("X1", "inpatient", "2019-11-03", COUNTY, total=kw.pop("total", None),
                 in_scope=kw.pop("in_scope", None), lines=lines, **kw)  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_worked_example(case: dict[str, Any]) -> None:
    """Each worked example's split (and, where given, payments) as computed by hand."""
    person = Person("P1", poor=case.get("poor", False), county="sangzhi",
                    categories=tuple(case.get("categories", ())))  # fmt: skip
    s = settle(_claim([_line(x) for x in case["lines"]]), person)
    assert LineSplit(**{k: D(v) for k, v in case["split"].items()}) == s.split
    assert D(case["split"]["inscp"]) == s.in_scope
    for layer, amount in case.get("payments", {}).items():
        assert D(amount) == s.payments[layer], layer
    if "patient_pay" in case:
        assert D(case["patient_pay"]) == s.patient_pay


def test_disagreeing_in_scope_is_refused_naming_both() -> None:
    """A claim giving lines and an in_scope that is not their in-scope part names both."""
    line = _line(CASES[1]["lines"][0])  # in scope 33.34
    with pytest.raises(
        InvalidClaim, match=r"in_scope: 37\.05 is not the in-scope part of the fee lines, 33\.34"
    ):
        settle(_claim([line], in_scope="37.05"), Person("P1", poor=False, county="sangzhi"))


def test_disagreeing_total_is_refused_naming_both() -> None:
    """A claim whose total is not the sum of its lines names both."""
    with pytest.raises(
        InvalidClaim, match=r"total: 40\.00 is not the sum of the fee lines, 37\.05"
    ):
        _claim([_line(CASES[1]["lines"][0])], total="40.00")


def test_amount_must_be_quantity_times_price() -> None:
    """A line's given amount must be quantity × price rounded to the fen."""
    with pytest.raises(
        ValueError, match=r"amount 37\.00 is not quantity × price = 3 × 12\.35 = 37\.05"
    ):
        FeeLine("B1", "x", "B", "3", "12.35", amount="37.00")


def test_unknown_class_is_refused() -> None:
    """A class the catalogue does not declare is refused, listing the classes."""
    with pytest.raises(
        InvalidClaim, match=r"lines\[0\]\.class: unknown catalogue class 'D' \(accepted: A, B, C\)"
    ):
        settle(
            _claim([FeeLine("D1", "x", "D", "1", "1.00")]),
            Person("P1", poor=False, county="sangzhi"),
        )


def test_lines_in_the_json_contract() -> None:
    """The JSON contract reads lines (no in_scope needed) and writes the split."""
    doc = {"person": {"id": "P1", "poor": False, "county": "sangzhi"},
           "claims": [{"id": "X1", "kind": "inpatient", "date": "2019-11-03",
                       "facility": {"id": None, "level": "county", "county": "sangzhi"},
                       "lines": CASES[9]["lines"]}]}  # fmt: skip
    [out] = settle_document(doc)["settlements"]
    assert "11000.00" == out["total"]
    assert "9800.00" == out["in_scope"]
    assert CASES[9]["split"] == out["split"]
    assert "6975.00" == out["payments"]["basic_insurance"]


def test_a_bad_line_names_its_path() -> None:
    """A line missing its price is refused at claims[0].lines[0].price."""
    doc = {"person": {"id": "P1", "poor": False, "county": "sangzhi"},
           "claims": [{"id": "X1", "kind": "inpatient", "date": "2019-11-03",
                       "facility": {"id": None, "level": "county", "county": "sangzhi"},
                       "lines": [{"code": "A", "name": "a", "class": "A", "quantity": "1"}]}]}  # fmt: skip
    with pytest.raises(InvalidClaim) as info:
        settle_document(doc)
    assert "lines[0].price" == info.value.field
    assert "claims[0].lines[0].price" == info.value.path


def test_a_claim_without_lines_settles_as_before() -> None:
    """No lines: no split in the output (the document is unchanged)."""
    s = settle(Claim("C1", "inpatient", "2019-11-03", COUNTY, "20000.00", "18000.00"),
               Person("P1", poor=True, county="sangzhi"))  # fmt: skip
    assert s.split is None
    assert "split" not in s.to_dict()


_money = st.integers(1, 2_000_000).map(lambda f: D(f).scaleb(-2))
_lines = st.lists(
    st.builds(
        FeeLine, st.just("X"), st.just("x"), st.sampled_from(["A", "B", "C", "甲类", "乙"]),
        st.integers(1, 3000).map(lambda q: D(q).scaleb(-1)), _money, st.none(),
        st.one_of(st.none(), _money), st.one_of(st.none(), st.integers(0, 100).map(lambda r: D(r).scaleb(-2))),
    ),
    min_size=1, max_size=8,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_lines, st.booleans(), st.booleans())
def test_split_sums_to_amount_and_lines_settle_as_their_in_scope(
    lines: list[FeeLine], poor: bool, tekun: bool
) -> None:
    """Every part is ≥ 0, the parts sum to the lines' total, and settling the lines pays
    what settling the computed total and in_scope pays, layer by layer."""
    person = Person("P1", poor=poor, county="sangzhi", categories=("tekun",) if tekun else ())
    s = settle(_claim(lines), person)
    assert s.split is not None
    assert s.total == s.split.total
    assert all(v >= 0 for v in attrs.astuple(s.split))
    plain = settle(Claim("X1", "inpatient", "2019-11-03", COUNTY, s.total, s.in_scope), person)
    assert dict(plain.payments) == dict(s.payments)
    catalogue = load_policy().catalogue
    assert catalogue is not None
    for line in lines:  # each line's own split sums to its amount
        cls = catalogue.classes[catalogue.lookup(line.class_) or ""]
        part = split_line(line, excluded=cls.excluded, ratio=line.self_pay_ratio or D("0.10"))
        assert line.total == part.total


def test_the_store_keeps_the_lines_and_the_split(tmp_path: Path) -> None:
    """A claim with lines settles through the ledger store; a retry and a fresh read give back
    the same settlement, split included."""
    from zjj_medical.store import LedgerBook

    claim = _claim([_line(CASES[1]["lines"][0])])
    person = Person("P1", poor=True, county="sangzhi")
    with LedgerBook.open(tmp_path / "book.db") as book:
        first = book.settle(claim, person)
        assert first == book.settle(claim, person)
    with LedgerBook.open(tmp_path / "book.db") as book:
        again = book.settlement("X1")
    assert first == again
    assert D("33.34") == again.settlement.in_scope
    assert again.settlement.split is not None
    assert D("3.71") == again.settlement.split.preselfpay
    assert claim == again.parsed_claim()
