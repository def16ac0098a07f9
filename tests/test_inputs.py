"""The claim and person codec: one reader and one writer that every shape goes through."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import claims, persons, to_claim, to_person
from zjj_medical import Claim, Facility, InvalidClaim, Person, load_policy
from zjj_medical.contract.documents import parse_document
from zjj_medical.contract.inputs import (
    claim_from_dict,
    claim_to_dict,
    person_from_dict,
    person_to_dict,
)
from zjj_medical.contract.rows import claim_from_row, person_from_row

CLAIM: dict[str, Any] = {
    "id": "C1", "kind": "inpatient", "date": "2019-11-03",
    "facility": {"id": None, "level": "county", "county": "sangzhi"},
    "total": "20000.00", "in_scope": "18000.00", "accident": False,
}  # fmt: skip
PERSON: dict[str, Any] = {"id": "P1", "poor": True, "county": "sangzhi", "categories": []}


@given(claims(), st.dictionaries(st.sampled_from(["referral", "scheme"]), st.booleans()))
def test_a_claim_written_and_read_back_is_equal(
    data: dict[str, Any], extra: dict[str, Any]
) -> None:
    """claim_from_dict(claim_to_dict(c)) == c, attributes included; the dict is the contract's."""
    claim = Claim(
        data["id"], data["kind"], data["date"], to_claim(data).facility, data["total"],
        data["in_scope"], data["accident"], attributes=extra,
    )  # fmt: skip
    written = claim_to_dict(claim)
    assert claim == claim_from_dict(written, "claims[0]")
    assert written == claim_to_dict(claim_from_dict(written))


@given(persons(), st.dictionaries(st.sampled_from(["retiree", "scheme"]), st.booleans()))
def test_a_person_written_and_read_back_is_equal(
    data: dict[str, Any], extra: dict[str, Any]
) -> None:
    """person_from_dict(person_to_dict(p)) == p, attributes included."""
    base = to_person(data)
    person = Person(base.id, base.poor, base.county, base.categories, attributes=extra)
    assert person == person_from_dict(person_to_dict(person))


def test_the_written_claim_is_the_contract_form() -> None:
    """claim_to_dict writes the JSON contract's claim object, attributes after the fields."""
    claim = Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
                  "20000", "18000", attributes={"referral": "filed"})  # fmt: skip
    assert {**CLAIM, "referral": "filed"} == claim_to_dict(claim)
    assert [*CLAIM, "referral"] == list(claim_to_dict(claim))


def _claim(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(CLAIM)
    out.update(changes)
    return {k: v for k, v in out.items() if v is not _DROP}


_DROP = object()

# (case id, claim object at claims[2], path, field, message)
CLAIM_CASES: list[tuple[str, object, str, str, str]] = [
    ("not an object", ["C1"], "claims[2]", "claims[2]", "claims[2]: expected an object"),
    ("no id", _claim(id=_DROP), "claims[2].id", "id", "claims[2].id: None is not a non-empty text"),
    ("no kind", _claim(kind=_DROP), "claims[2].kind", "kind", "claim C1: kind: missing required field"),
    ("facility not an object", _claim(facility="county"), "claims[2].facility", "facility",
     "claim C1: facility: expected an object"),
    ("unknown facility key", _claim(facility={"tier": "county"}), "claims[2].facility.tier",
     "facility.tier", "claim C1: facility.tier: unknown field (accepted: county, id, level)"),
    ("bad date", _claim(date="2019-13-01"), "claims[2].date", "date",
     "claim C1: date: '2019-13-01' is not a date (YYYY-MM-DD)"),
    ("sub-fen total", _claim(total="1.005"), "claims[2].total", "total",
     "claim C1: total: '1.005' has more than 2 decimal places"),
    ("in_scope over total", _claim(in_scope="20000.01"), "claims[2].in_scope", "in_scope",
     "claim C1: in_scope 20000.01 is more than total 20000.00 (accepted: in_scope ≤ total)"),
    ("accident as text", _claim(accident="yes"), "claims[2].accident", "accident",
     "claim C1: accident: 'yes' is not true or false"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "path", "field", "message"),
    [case[1:] for case in CLAIM_CASES],
    ids=[case[0] for case in CLAIM_CASES],
)
def test_claim_errors_carry_the_json_path(
    data: object, path: str, field: str, message: str
) -> None:
    """Each error reading claims[2] names its JSON path, keeps its field and its message."""
    with pytest.raises(InvalidClaim) as info:
        claim_from_dict(data, "claims[2]")
    assert (path, field) == (info.value.path, info.value.field)  # type: ignore[attr-defined]
    assert str(info.value).startswith(message)


# (case id, person object, path, field, message)
PERSON_CASES: list[tuple[str, object, str, str, str]] = [
    ("not an object", "P1", "person", "person", "person: expected an object"),
    ("no poor", {"id": "P1", "county": "cili"}, "person.poor", "poor",
     "person: poor: missing required field"),
    ("poor as text", {**PERSON, "poor": "yes"}, "person.poor", "person.poor",
     "person P1: poor: 'yes' is not true or false"),
    ("empty id", {**PERSON, "id": ""}, "person.id", "person.id",
     "person.id: '' is not a non-empty text"),
    ("categories as text", {**PERSON, "categories": "dibao"}, "person.categories",
     "person.categories", "person.categories: expected a list"),
    ("county as a number", {**PERSON, "county": 430822}, "person.county", "person.county",
     "person.county: 430822 is not a text"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "path", "field", "message"),
    [case[1:] for case in PERSON_CASES],
    ids=[case[0] for case in PERSON_CASES],
)
def test_person_errors_carry_the_json_path(
    data: object, path: str, field: str, message: str
) -> None:
    """Each error reading the person names its JSON path, keeps its field and its message."""
    with pytest.raises(InvalidClaim) as info:
        person_from_dict(data)
    assert (path, field) == (info.value.path, info.value.field)  # type: ignore[attr-defined]
    assert message == str(info.value)


def test_a_document_error_names_the_claim_index() -> None:
    """In a document, the third claim's facility level error is at claims[2].facility.level."""
    doc = {"person": PERSON, "claims": [CLAIM, _claim(id="C2"), _claim(id="C3", facility=[])]}
    with pytest.raises(InvalidClaim) as info:
        parse_document(doc)
    assert "claims[2].facility" == info.value.path  # type: ignore[attr-defined]
    assert ("C3", "facility") == (info.value.claim_id, info.value.field)


def test_a_row_is_read_as_its_contract_object() -> None:
    """A table row (flat facility, text boolean, attribute column) gives the claim its JSON
    object gives; a bad amount gets the same message either way."""
    policy = load_policy()
    row = {
        "claim_id": "C1", "person_id": "P1", "kind": " inpatient ", "date": "2019-11-03",
        "facility_id": float("nan"), "facility_level": "county", "facility_county": "sangzhi",
        "total": 20000.0, "in_scope": "18000", "accident": "false", "unrelated": 7,
    }  # fmt: skip
    assert claim_from_dict(CLAIM) == claim_from_row(row, policy)
    with pytest.raises(InvalidClaim) as by_row:
        claim_from_row({**row, "total": "1e400"}, policy)
    with pytest.raises(InvalidClaim) as by_object:
        claim_from_dict(_claim(total="1e400"))
    assert by_object.value.message == by_row.value.message
    assert "total" == by_row.value.path  # type: ignore[attr-defined]
    person_row = {"person_id": "P1", "poor": "1", "county": "sangzhi", "categories": ""}
    assert person_from_dict(PERSON) == person_from_row(person_row, policy)


def test_a_row_with_a_missing_cell_names_the_column() -> None:
    """A missing cell is the row's own error: the column named, the claim id kept."""
    row = {"claim_id": "C7", "kind": None, "date": "2019-11-03", "total": "1", "in_scope": "1"}
    with pytest.raises(InvalidClaim, match=r"^claim C7: kind: missing$") as info:
        claim_from_row(row, load_policy())
    assert ("kind", "kind") == (info.value.path, info.value.field)  # type: ignore[attr-defined]
    with pytest.raises(InvalidClaim, match=r"^person P9: poor: 'maybe' is not true or false$") as p:
        person_from_row({"person_id": "P9", "poor": "maybe", "county": "cili"}, load_policy())
    assert "person.poor" == p.value.path  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("doc", "path", "message"),
    [
        ([], "", "document: expected a JSON object"),
        ({"person": PERSON, "claims": [], "extra": 1}, "extra", "extra: unknown top-level field"),
        ({"claims": []}, "person", "document: person: missing required field"),
        ({"person": PERSON, "claims": {}}, "claims", "claims: expected a list"),
    ],
)
def test_document_errors_carry_their_path(doc: Any, path: str, message: str) -> None:
    """The document's own errors are located too ("" is the document itself)."""
    with pytest.raises(InvalidClaim) as info:
        parse_document(doc)
    assert path == info.value.path  # type: ignore[attr-defined]
    assert str(info.value).startswith(message)
