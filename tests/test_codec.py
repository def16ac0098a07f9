"""The store's record codec: the versioned content hash of a claim and its person."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from zjj_medical import Claim, Facility, Person
from zjj_medical.contract import codec
from zjj_medical.contract.codec import content_hash, hash_version, same_content
from zjj_medical.contract.inputs import claim_to_dict, person_to_dict

CLAIM = Claim("C1", "inpatient", "2019-11-03", Facility(level="县级医院", county="桑植县"),
              "20000", "18000.5", attributes={"referral": "filed"})  # fmt: skip
PERSON = Person("P1", poor=True, county="sangzhi", categories=("dibao",))
# The canonical JSON of CLAIM and PERSON, written by hand: compact, keys sorted at every
# level, UTF-8 text unescaped, money as two-decimal text, the attribute beside the fields.
CANONICAL = (
    '{"claim":{"accident":false,"date":"2019-11-03",'
    '"facility":{"county":"桑植县","id":null,"level":"县级医院"},'
    '"id":"C1","in_scope":"18000.50","kind":"inpatient","referral":"filed","total":"20000.00"},'
    '"person":{"categories":["dibao"],"county":"sangzhi","id":"P1","poor":true}}'
)
V1 = "sha256:" + hashlib.sha256(CANONICAL.encode("utf-8")).hexdigest()


def test_version_1_is_the_unversioned_hash_of_the_canonical_json() -> None:
    """The hash written today is sha256: and the SHA-256 of the canonical JSON, as before."""
    assert V1 == content_hash(claim_to_dict(CLAIM), person_to_dict(PERSON))
    assert V1 == content_hash(claim_to_dict(CLAIM), person_to_dict(PERSON), version=1)
    assert 1 == hash_version(V1)
    assert same_content(V1, claim_to_dict(CLAIM), person_to_dict(PERSON))


def test_other_content_is_not_the_same() -> None:
    """Another amount, attribute or person gives another hash."""
    claim, person = claim_to_dict(CLAIM), person_to_dict(PERSON)
    assert not same_content(V1, {**claim, "total": "20000.01"}, person)
    assert not same_content(V1, {**claim, "referral": "none"}, person)
    assert not same_content(V1, claim, {**person, "poor": False})


@pytest.mark.parametrize(
    ("digest", "version"),
    [("sha256:00ff", 1), ("v2:sha256:00ff", 2), ("v10:sha256:", 10)],
)
def test_hash_version_reads_the_prefix(digest: str, version: int) -> None:
    """A bare sha256: hash is version 1; v<N>: names version N."""
    assert version == hash_version(digest)


@pytest.mark.parametrize(
    "digest", ["", "md5:00", "v1:sha256:00", "v:sha256:00", "v2:00", "vx:sha256:0"]
)
def test_hash_version_refuses_other_text(digest: str) -> None:
    """Text that is not a content hash (v1 is never written with a prefix) is refused."""
    with pytest.raises(ValueError, match="not sha256:<hex> or v<N>:sha256:<hex>"):
        hash_version(digest)
    assert not same_content(digest, claim_to_dict(CLAIM), person_to_dict(PERSON))


@pytest.fixture
def with_fee_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A later release: version 2 adds the claim field ``lines`` (not given: null)."""
    monkeypatch.setattr(codec, "HASH_VERSION", 2)
    monkeypatch.setattr(codec, "_LATER_CLAIM_FIELDS", {"lines": (2, None)})


@pytest.mark.usefixtures("with_fee_lines")
def test_a_record_of_version_1_still_matches_after_a_field_is_added() -> None:
    """After an upgrade adding a field, a retry of a v1 record is hashed at v1 and matches;
    the new hash is v2 and covers the new field."""
    claim: dict[str, Any] = {**claim_to_dict(CLAIM), "lines": None}
    person = person_to_dict(PERSON)
    v2_text = CANONICAL.replace('"kind":"inpatient",', '"kind":"inpatient","lines":null,')
    expected_v2 = "v2:sha256:" + hashlib.sha256(v2_text.encode("utf-8")).hexdigest()
    assert expected_v2 == content_hash(claim, person)
    assert 2 == hash_version(expected_v2)
    assert same_content(V1, claim, person)
    assert same_content(expected_v2, claim, person)
    assert V1 == content_hash(claim, person, version=1)


@pytest.mark.usefixtures("with_fee_lines")
def test_a_claim_using_the_new_field_is_not_a_version_1_record() -> None:
    """A claim that gives fee lines is other content than any v1 record, and has no v1 hash."""
    claim: dict[str, Any] = {**claim_to_dict(CLAIM), "lines": [{"code": "X", "amount": "1.00"}]}
    person = person_to_dict(PERSON)
    assert not same_content(V1, claim, person)
    with pytest.raises(ValueError, match="uses a later field"):
        content_hash(claim, person, version=1)


def test_a_hash_of_a_newer_release_is_never_the_same_content() -> None:
    """A v2 hash read by a library that writes v1 is other content (never a false match)."""
    assert not same_content("v2:" + V1, claim_to_dict(CLAIM), person_to_dict(PERSON))
    with pytest.raises(ValueError, match="this library writes 1 to 1"):
        content_hash(claim_to_dict(CLAIM), person_to_dict(PERSON), version=2)
