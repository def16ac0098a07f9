"""What the book hands back equals what the store gives back later, with no JSON round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import person_years, to_claim, to_person
from zjj_medical import ReimbursementError
from zjj_medical.store import LedgerBook, StoredSettlement, records
from zjj_medical.store.book import PolicyVersion

EXAMPLE_COUNTY = Path(__file__).parent.parent / "src/zjj_medical/data/policies/example_county.yaml"
POLICIES = {
    "zhangjiajie": PolicyVersion.load(),
    "example_county": PolicyVersion.load(EXAMPLE_COUNTY),
}


def fields(record: StoredSettlement) -> dict[str, str]:
    """Every field of the record and of its settlement, as repr: Decimal places, list vs tuple."""
    out = {f"record.{k}": repr(v) for k, v in attrs.asdict(record, recurse=False).items()}
    s = record.settlement
    out.update({f"settlement.{k}": repr(v) for k, v in attrs.asdict(s, recurse=False).items()})
    for i, entry in enumerate(s.trace):
        for k, v in attrs.asdict(entry, recurse=False).items():
            out[f"trace[{i}].{k}"] = repr(dict(v) if k == "inputs" else v)
    out["settlement.payments"] = repr(dict(s.payments))
    return out


def assert_same(handed: StoredSettlement, read: StoredSettlement) -> None:
    """Equal as values and field by field in repr (so 1.0 ≠ 1.00 and [..] ≠ (..) show)."""
    assert fields(handed) == fields(read)
    assert handed == read
    assert handed.to_dict() == read.to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=person_years(max_claims=5), policy=st.sampled_from(sorted(POLICIES)))
def test_settle_equals_a_fresh_read_for_every_field(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[dict[str, Any], list[Any]], policy: str
) -> None:
    """book.settle(...) equals book.settlement(id) read by a fresh connection, for every field."""
    person_data, claims_data = case
    person = to_person(person_data)
    db = tmp_path_factory.mktemp("form") / "ledger.db"
    handed: list[StoredSettlement] = []
    with LedgerBook.open(db, POLICIES[policy], synchronous="OFF") as book:
        for c in claims_data:
            try:
                handed.append(book.settle(to_claim(c), person))
            except ReimbursementError:
                continue  # a claim the policy refuses: nothing stored
        if len(handed) > 1:  # re-settlements of a reversal are stored as built, too
            reversal = book.reverse(handed[0].claim_id)
            handed = [book.settlement(a.claim_id) for a in reversal.adjustments]
            with LedgerBook.open(db, POLICIES[policy]) as fresh:
                for record in handed:
                    assert_same(record, fresh.settlement(record.claim_id))
            return
    with LedgerBook.open(db, POLICIES[policy]) as fresh:
        for record in handed:
            assert_same(record, fresh.settlement(record.claim_id))


def test_the_write_path_parses_no_settlement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling new claims never reads a settlement back from JSON (stored_form builds it)."""
    from zjj_medical import Claim, Facility, Person

    def refuse(*args: object) -> None:
        raise AssertionError("a settlement was parsed from JSON on the write path")

    person = Person("P1", poor=True, county="sangzhi")
    f = Facility(level="county", county="sangzhi")
    claims = [
        Claim(f"C{i}", "inpatient", f"2019-0{i}-03", f, "20000.00", "18000.00") for i in (1, 2)
    ]
    with LedgerBook.open(tmp_path / "ledger.db") as book:
        monkeypatch.setattr(records, "settlement_from_dict", refuse)
        handed = book.settle_all(claims, person)
        monkeypatch.undo()
        for record in handed:
            assert_same(record, book.settlement(record.claim_id))
