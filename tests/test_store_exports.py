"""Exports of the ledger store: FHIR R4 ClaimResponse (validated) and the reconciliation report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from strategies import person_years, to_claim, to_person
from zjj_medical import Claim, Facility, Person, settle
from zjj_medical.contract.fhir import ACCUMULATOR_URL, LAYER_SYSTEM
from zjj_medical.money import ZERO
from zjj_medical.store import (
    LedgerBook,
    SQLiteStore,
    claim_response,
    fhir_json,
    reconciliation,
    reconciliation_table,
    to_fhir_claim_response,
    write_reconciliation_csv,
)

POOR = Person("P1", poor=True, county="sangzhi")
A1 = Claim("A1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
           total="20000.00", in_scope="18000.00")  # fmt: skip


@pytest.fixture
def r4b() -> Any:
    """The fhir.resources R4B ClaimResponse module (the FHIR tests skip without it)."""
    return pytest.importorskip("fhir.resources.R4B.claimresponse")


@pytest.fixture
def book() -> Iterator[LedgerBook]:
    """A book on an in-memory store."""
    with LedgerBook(SQLiteStore(":memory:"), clock=lambda: "2019-11-03T10:00:00+00:00") as b:
        yield b


# -- FHIR -------------------------------------------------------------------------------------
def test_fhir_claim_response_validates_and_carries_every_layer(book: LedgerBook, r4b: Any) -> None:
    """The ClaimResponse passes the fhir.resources R4B model; one adjudication per layer, in order."""
    r = book.settle(A1, POOR)
    model = to_fhir_claim_response(r.settlement, created=r.settled_at)
    assert isinstance(model, r4b.ClaimResponse)
    again = r4b.ClaimResponse.model_validate_json(model.model_dump_json())  # JSON round trip
    codes = [a.category.coding[0].code for a in again.adjudication]
    assert list(r.settlement.payments) == codes
    assert {LAYER_SYSTEM} == {a.category.coding[0].system for a in again.adjudication}
    amounts = {a.category.coding[0].code: a.amount.value for a in again.adjudication}
    assert Decimal("15300.00") == amounts["basic_insurance"]  # 18000 × 0.85
    assert Decimal("1700.00") == amounts["fiscal_backstop"]  # 0.85 × 20000 − 15300
    totals = {t.category.coding[0].code: t.amount.value for t in again.total}
    expected = {"submitted": Decimal("20000.00"), "eligible": Decimal("18000.00"),
                "benefit": Decimal("17000.00"), "patient-pay": Decimal("3000.00")}  # fmt: skip
    assert expected == totals
    assert Decimal("17000.00") == again.payment.amount.value
    assert "CNY" == again.payment.amount.currency
    assert "P1" == again.patient.identifier.value
    assert "institutional" == again.type.coding[0].code


def test_fhir_accumulators_are_the_ledger_after_the_claim(book: LedgerBook, r4b: Any) -> None:
    """The annual-accumulator extensions give each layer's base, paid and deductible after the claim."""
    r = book.settle(A1, POOR)
    data = claim_response(r.settlement)
    acc = {}
    for ext in data["extension"]:
        if ext["url"] == ACCUMULATOR_URL:
            parts = {e["url"]: e for e in ext["extension"]}
            acc[parts["layer"]["valueCoding"]["code"]] = (
                parts["base"]["valueMoney"]["value"], parts["paid"]["valueMoney"]["value"],
            )  # fmt: skip
    # basic: base = in-scope 18000, paid 15300; critical illness: base 18000 − 15300 = 2700
    assert (Decimal("18000.00"), Decimal("15300.00")) == acc["basic_insurance"]
    assert (Decimal("2700.00"), Decimal("0.00")) == acc["critical_illness"]
    r4b.ClaimResponse(**data)


def test_fhir_json_keeps_the_fen(r4b: Any) -> None:
    """The JSON text writes 15300.00, not 15300.0, and parses back to the same resource."""
    data = claim_response(settle(A1, POOR))
    text = fhir_json(data)
    assert '"value": 15300.00' in text
    assert data == json.loads(text, parse_float=Decimal)
    r4b.ClaimResponse.model_validate_json(text)


def test_fhir_outpatient_is_professional(r4b: Any) -> None:
    """An outpatient visit: 300 × 0.70 = 210.00 from outpatient pooling, claim type professional."""
    visit = Claim("V1", "outpatient", "2019-10-01", Facility(level="township", county="cili"),
                  total="300.00", in_scope="300.00")  # fmt: skip
    model = to_fhir_claim_response(settle(visit, Person("P2", poor=False, county="cili")))
    assert "professional" == model.type.coding[0].code
    assert [("outpatient_pooling", Decimal("210.00"))] == [
        (a.category.coding[0].code, a.amount.value) for a in model.adjudication
    ]


def test_fhir_missing_dependency_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without fhir.resources the export says which extra to install."""
    import importlib

    real = importlib.import_module

    def fake(name: str, *args: Any) -> Any:
        if name.startswith("fhir.resources"):
            raise ModuleNotFoundError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"zjj_medical\[fhir\]"):
        to_fhir_claim_response(settle(A1, POOR))


# -- reconciliation ---------------------------------------------------------------------------
def test_reconciliation_by_hand(book: LedgerBook) -> None:
    """Two 300.00 township visits of one day: pooling 2 × 210.00 = 420.00, patients 2 × 90.00."""
    f = Facility(level="乡镇卫生院", county="慈利县")
    for i in (1, 2):
        visit = Claim(f"V{i}", "outpatient", "2019-10-01", f, "300.00", "300.00")
        book.settle(visit, Person(f"P{i}", poor=False, county="cili"))
    rows = reconciliation(book.store, date=dt.date(2019, 10, 1))
    expected = [
        ("township@cili", "outpatient_pooling", 2, Decimal("420.00")),
        ("township@cili", "total", 2, Decimal("600.00")),
        ("township@cili", "patient_pay", 2, Decimal("180.00")),
    ]
    assert expected == [(r.facility, r.layer, r.claims, r.amount) for r in rows]
    assert [] == reconciliation(book.store, date=dt.date(2019, 10, 2))
    assert [] == reconciliation(book.store, date=dt.date(2019, 10, 1), facility="county@cili")


@st.composite
def county_claims(draw: st.DrawFn) -> list[tuple[Person, list[Claim]]]:
    """Two or three person-years with distinct person and claim ids."""
    out = []
    for n in range(draw(st.integers(2, 3))):
        person, claims = draw(person_years(max_claims=4))
        p = to_person({**person, "id": f"P{n}"})
        out.append((p, [to_claim({**c, "id": f"P{n}-{c['id']}"}) for c in claims]))
    return out


@settings(max_examples=25)
@given(county_claims())
def test_reconciliation_totals_equal_the_sum_of_settlements(
    people: list[tuple[Person, list[Claim]]],
) -> None:
    """The report sums to the stored settlements per date and layer, balances, and matches its CSV."""
    # per (date, facility): the funds + patient_pay = total
    with LedgerBook(SQLiteStore(":memory:")) as book:
        settled = [s for p, claims in people for s in book.settle_all(claims, p)]
        rows = reconciliation(book.store)
        expected: dict[tuple[dt.date, str], Decimal] = {}
        for r in settled:
            s = r.settlement
            for layer, amount in [*s.payments.items(), ("total", s.total), ("patient_pay", s.patient_pay)]:  # fmt: skip
                expected[s.date, layer] = expected.get((s.date, layer), ZERO) + amount
        actual: dict[tuple[dt.date, str], Decimal] = {}
        for row in rows:
            actual[row.date, row.layer] = actual.get((row.date, row.layer), ZERO) + row.amount
        assert expected == actual
        balance: dict[tuple[dt.date, str], Decimal] = {}
        for row in rows:
            sign = -1 if row.layer == "total" else 1
            balance[row.date, row.facility] = balance.get((row.date, row.facility), ZERO) + sign * row.amount  # fmt: skip
        assert dict.fromkeys(balance, ZERO) == balance
        buf = io.StringIO()
        write_reconciliation_csv(rows, buf)
        parsed = list(csv.DictReader(io.StringIO(buf.getvalue())))
        assert [str(r.amount) for r in rows] == [p["amount"] for p in parsed]
        assert sum((r.settlement.reimbursed for r in settled), ZERO) == sum(
            (Decimal(p["amount"]) for p in parsed if p["layer"] not in ("total", "patient_pay")),
            ZERO,
        )


def test_reconciliation_after_a_reversal_moves_by_the_net(book: LedgerBook) -> None:
    """After reversing, each fund's reported total changes by the reversal's net for that fund."""
    f = Facility(level="county", county="cili")
    p = Person("P-cili", poor=False, county="cili")
    claims = [Claim(f"C{i}", "inpatient", f"2019-0{i}-10", f, "40000.00", "40000.00") for i in (1, 2, 3)]  # fmt: skip
    book.settle_all(claims, p)

    def by_layer() -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for r in reconciliation(book.store):
            out[r.layer] = out.get(r.layer, ZERO) + r.amount
        return out

    before = by_layer()
    rev = book.reverse("C1")
    after = by_layer()
    assert rev.net() == {k: after[k] - before[k] for k in rev.net()}
    # C1 refunded: basic 29625.00; C2, C3 become first and second: CI 225 and 6225 instead of
    # 6225 and 6225, so critical illness changes by −225 (C1) − 6000 (C2) + 0 (C3) = −6225.00
    assert Decimal("-6225.00") == rev.net()["critical_illness"]


def test_reconciliation_table_renders(book: LedgerBook) -> None:
    """The rich table shows each row and the overall total per fund."""
    book.settle(A1, POOR)
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(reconciliation_table(reconciliation(book.store)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "county@sangzhi" in text
    assert "15300.00" in text
    assert "fiscal_backstop" in text


def test_report_csv_file(book: LedgerBook, tmp_path: Path) -> None:
    """The CSV header is date, facility, layer, name, claims, amount."""
    book.settle(A1, POOR)
    out = tmp_path / "r.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        write_reconciliation_csv(reconciliation(book.store), fh)
    first = out.read_text("utf-8").splitlines()[:2]
    expected = [
        "date,facility,layer,name,claims,amount",
        "2019-11-03,county@sangzhi,basic_insurance,基本医疗保险 basic medical insurance,1,15300.00",
    ]
    assert expected == first


def test_report_names_are_chinese_alone_in_chinese(book: LedgerBook) -> None:
    """In Chinese every name of the report is the Chinese name alone, the layers' and the
    two pseudo-layers' (医疗费总额, 个人自付) alike; in English both names."""
    from zjj_medical.i18n import use_language

    book.settle(A1, POOR)
    rows = reconciliation(book.store)
    with use_language("zh"):
        names = {r.layer: r.name for r in rows}
    assert names["basic_insurance"] == "基本医疗保险"
    assert names["total"] == "医疗费总额"
    assert names["patient_pay"] == "个人自付"
    with use_language("en"):
        names = {r.layer: r.name for r in rows}
    assert names["total"] == "医疗费总额 total cost"
    assert names["patient_pay"] == "个人自付 patient pays"
