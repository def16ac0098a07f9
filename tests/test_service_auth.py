"""Who may do what: every endpoint for no token, a bad, unknown or revoked token, the claim's
own facility, another facility, and the bureau."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service_helpers import Tokens, auth, body, document, platform_request
from zjj_medical.service import create_app
from zjj_medical.store import SQLiteStore

WHO = ("none", "basic", "unknown", "revoked", "own", "other", "bureau")


def _headers(keys: Tokens, who: str) -> dict[str, str]:
    return {
        "none": {},
        "basic": {"Authorization": f"Basic {keys.h1}"},
        "unknown": auth("x" * 43),
        "revoked": auth(keys.revoked),
        "own": auth(keys.h1),
        "other": auth(keys.h2),
        "bureau": auth(keys.bureau),
    }[who]


_H1_DOC = body(document("C2", person="P2"))
_H1_PLATFORM = body(platform_request("A2"))
#: (method, path, body) → expected status per caller, in the order of WHO. C1 (person P1,
#: 2019) is stored for facility H1 before each request.
MATRIX: list[tuple[str, str, bytes, tuple[int, ...]]] = [
    ("POST", "/v1/settle", _H1_DOC, (401, 401, 401, 401, 200, 403, 403)),
    ("POST", "/v1/presettle", _H1_DOC, (401, 401, 401, 401, 200, 403, 403)),
    ("POST", "/v1/platform/settle", _H1_PLATFORM, (401, 401, 401, 401, 200, 403, 403)),
    ("POST", "/v1/platform/presettle", _H1_PLATFORM, (401, 401, 401, 401, 200, 403, 403)),
    ("POST", "/v1/claims/C1/reverse", b"", (401, 401, 401, 401, 200, 403, 403)),
    ("POST", "/v1/platform/reverse", body({"mdtrt_id": "C1"}), (401, 401, 401, 401, 200, 403, 403)),
    ("GET", "/v1/claims/C1", b"", (401, 401, 401, 401, 200, 403, 200)),
    ("GET", "/v1/persons/P1/years/2019", b"", (401, 401, 401, 401, 200, 403, 200)),
    ("GET", "/v1/policies", b"", (401, 401, 401, 401, 200, 200, 200)),
    ("GET", "/v1/policies/zhangjiajie?date=2019-11-03", b"", (401, 401, 401, 401, 200, 200, 200)),
    ("GET", "/v1/reports/reconciliation?date=2019-11-03", b"", (401, 401, 401, 401, 403, 403, 200)),
    ("GET", "/healthz", b"", (200,) * 7),
]
CASES = [(m, p, b, who, codes[i]) for m, p, b, codes in MATRIX for i, who in enumerate(WHO)]


def _client(stored: bool) -> Iterator[tuple[TestClient, Tokens, SQLiteStore]]:
    store = SQLiteStore(":memory:")
    keys = Tokens(store)
    with TestClient(create_app(store)) as client:
        if stored:
            r = client.post("/v1/settle", content=body(document("C1")), headers=auth(keys.h1))
            assert 200 == r.status_code
        yield client, keys, store
    store.close()


@pytest.fixture
def served() -> Iterator[tuple[TestClient, Tokens, SQLiteStore]]:
    """A client, the tokens, and C1 stored for H1."""
    yield from _client(stored=True)


@pytest.fixture
def empty() -> Iterator[tuple[TestClient, Tokens, SQLiteStore]]:
    """A client and the tokens, nothing stored."""
    yield from _client(stored=False)


@pytest.mark.parametrize(("method", "path", "payload", "who", "status"), CASES,
                         ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES])  # fmt: skip
def test_the_matrix(
    served: tuple[TestClient, Tokens, SQLiteStore],
    method: str, path: str, payload: bytes, who: str, status: int,
) -> None:  # fmt: skip
    """The status each caller gets; a refusal is problem details with a code of its kind."""
    client, keys, _ = served
    r = client.request(method, path, content=payload, headers=_headers(keys, who))
    assert status == r.status_code, r.text
    if status == 401:
        expected = "service.auth.missing" if who == "none" else "service.auth.invalid"
        assert expected == r.json()["code"]
    if status == 403:
        assert r.json()["code"] in (
            "service.role", "service.facility.other", "service.claim.forbidden",
            "service.person.forbidden",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/claims/C1"), ("POST", "/v1/claims/C1/reverse"),
     ("GET", "/v1/persons/P1/years/2019")],
)  # fmt: skip
def test_another_facility_learns_nothing(
    served: tuple[TestClient, Tokens, SQLiteStore],
    empty: tuple[TestClient, Tokens, SQLiteStore],
    method: str,
    path: str,
) -> None:
    """For H2, H1's stored claim and a claim that does not exist give the same 403 body."""
    answers: list[Any] = []
    for client, keys, _ in (served, empty):
        r = client.request(method, path, headers=auth(keys.h2))
        answers.append((r.status_code, r.headers["content-type"], r.content))
    assert 403 == answers[0][0]
    assert answers[0] == answers[1]


def test_a_claim_id_taken_by_another_facility_says_nothing_of_it(
    served: tuple[TestClient, Tokens, SQLiteStore],
) -> None:
    """H2 settling its own claim under H1's claim id C1 (same person) gets 409 without the
    stored claim's date, the same as a claim id of another person."""
    client, keys, _ = served
    r = client.post("/v1/settle", content=body(document("C1", facility="H2")),
                    headers=auth(keys.h2))  # fmt: skip
    assert (409, "store.claim.taken") == (r.status_code, r.json()["code"])
    assert "2019-11-03" not in r.text


def test_a_facility_reads_only_its_own_settlements_of_a_person_year(
    served: tuple[TestClient, Tokens, SQLiteStore],
) -> None:
    """P1 has C1 at H1 and C3 at H2: each facility sees its own settlement only; the bureau both."""
    client, keys, _ = served
    doc = document("C3", facility="H2", date="2019-12-01")
    assert 200 == client.post("/v1/settle", content=body(doc), headers=auth(keys.h2)).status_code

    def seen(token: str) -> list[str]:
        r = client.get("/v1/persons/P1/years/2019", headers=auth(token))
        return [s["settlement"]["claim_id"] for s in r.json()["settlements"]]

    assert (["C1"], ["C3"], ["C1", "C3"]) == (seen(keys.h1), seen(keys.h2), seen(keys.bureau))


def test_a_revoked_token_stops_working_at_once(
    served: tuple[TestClient, Tokens, SQLiteStore],
) -> None:
    """Revoking H1's token: its next request is 401."""
    client, keys, store = served
    assert 200 == client.get("/v1/policies", headers=auth(keys.h1)).status_code
    store.revoke_token(keys.h1_record.id, "2026-06-01T00:00:00+00:00")
    r = client.get("/v1/policies", headers=auth(keys.h1))
    assert (401, "service.auth.invalid") == (r.status_code, r.json()["code"])
