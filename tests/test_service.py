"""The settlement service in process (FastAPI's TestClient): settle, retries, reads, bounds,
problem details, request ids and the audit trail."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service_helpers import Tokens, auth, body, document, platform_request
from zjj_medical.contract.jsontext import MAX_DEPTH
from zjj_medical.service import create_app
from zjj_medical.store import SQLiteStore
from zjj_medical.store.access import audit_chain_problems

PROBLEM = "application/problem+json"


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    """An empty in-memory store."""
    s = SQLiteStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def keys(store: SQLiteStore) -> Tokens:
    """Tokens of H1, H2, the bureau, and a revoked one."""
    return Tokens(store)


@pytest.fixture
def client(store: SQLiteStore, keys: Tokens) -> Iterator[TestClient]:
    """A client of the service on ``store``."""
    with TestClient(create_app(store)) as c:
        yield c


def _settle(client: TestClient, token: str, doc: Any, **headers: str) -> Any:
    return client.post("/v1/settle", content=body(doc), headers=auth(token, **headers))


def test_settle_stores_the_claim_and_answers_the_output_document(
    client: TestClient, keys: Tokens, store: SQLiteStore
) -> None:
    """A poor Sangzhi patient's county inpatient claim, 20000.00 total, 18000.00 in scope:
    basic = 18000 × (0.75 + 0.10) = 15300.00; the 85 % target 0.85 × 20000 = 17000.00 is
    reached by the fiscal backstop 17000 − 15300 = 1700.00; the patient pays 3000.00."""
    r = _settle(client, keys.h1, document())
    assert 200 == r.status_code
    assert "application/json" == r.headers["content-type"]
    (s,) = r.json()["settlements"]
    assert ("15300.00", "1700.00", "3000.00") == (
        s["payments"]["basic_insurance"], s["payments"]["fiscal_backstop"], s["patient_pay"]
    )  # fmt: skip
    assert ["C1"] == r.json()["ledger"]["claim_ids"]
    stored = store.settlement("C1")
    assert stored is not None
    assert "15300.00" == str(stored.settlement.payments["basic_insurance"])


def test_presettle_writes_nothing(client: TestClient, keys: Tokens, store: SQLiteStore) -> None:
    """Pre-settling answers the same settlement and stores nothing (no audit record either)."""
    before = len(store.audit())
    r = client.post("/v1/presettle", content=body(document()), headers=auth(keys.h1))
    assert 200 == r.status_code
    assert "3000.00" == r.json()["settlements"][0]["patient_pay"]
    assert store.settlement("C1") is None
    assert before == len(store.audit())


def test_a_retry_by_claim_id_gets_the_first_response_byte_for_byte(
    client: TestClient, keys: Tokens
) -> None:
    """The same claim id and content again: the same bytes, even after a later claim."""
    first = _settle(client, keys.h1, document("C1"))
    later = _settle(client, keys.h1, document("C2", date="2019-12-01"))
    assert 200 == later.status_code
    again = _settle(client, keys.h1, document("C1"))
    assert (200, first.content) == (again.status_code, again.content)


def test_the_same_claim_id_with_other_content_is_409(client: TestClient, keys: Tokens) -> None:
    """Another total under a stored claim id: 409 with the DuplicateClaim detail."""
    _settle(client, keys.h1, document("C1"))
    r = _settle(client, keys.h1, document("C1", total="21000.00"))
    assert (409, PROBLEM) == (r.status_code, r.headers["content-type"])
    problem = r.json()
    assert ("store.claim.other_content", "DuplicateClaim", "C1", "id") == (
        problem["code"], problem["error_type"], problem["claim_id"], problem["field"]
    )  # fmt: skip


def test_an_idempotency_key_replays_the_first_response(client: TestClient, keys: Tokens) -> None:
    """Same key and body: the first response's bytes; same key, other body: 409."""
    first = _settle(client, keys.h1, document("C1"), **{"Idempotency-Key": "k-1"})
    again = _settle(client, keys.h1, document("C1"), **{"Idempotency-Key": "k-1"})
    assert (200, first.content) == (again.status_code, again.content)
    other = _settle(client, keys.h1, document("C9"), **{"Idempotency-Key": "k-1"})
    assert (409, "service.idempotency.conflict") == (other.status_code, other.json()["code"])
    bad = _settle(client, keys.h1, document("C1"), **{"Idempotency-Key": "with space"})
    assert (400, "service.idempotency.key") == (bad.status_code, bad.json()["code"])


def test_a_reverse_retry_gets_the_reversal_again(client: TestClient, keys: Tokens) -> None:
    """Reversing C1 refunds its 15300.00 basic payment; reversing it again (a retry)
    answers the same reversal; the claim is then gone."""
    _settle(client, keys.h1, document("C1"))
    r = client.post("/v1/claims/C1/reverse", headers=auth(keys.h1))
    assert 200 == r.status_code
    assert "15300.00" == r.json()["refund"]["basic_insurance"]
    again = client.post("/v1/claims/C1/reverse", headers=auth(keys.h1))
    assert (200, r.content) == (again.status_code, again.content)
    gone = client.get("/v1/claims/C1", headers=auth(keys.bureau))
    assert (404, "store.claim.unknown") == (gone.status_code, gone.json()["code"])


def test_reads_of_a_claim_and_a_person_year(client: TestClient, keys: Tokens) -> None:
    """The stored settlement, and the person-year with its ledger and settlements."""
    _settle(client, keys.h1, document("C1"))
    r = client.get("/v1/claims/C1", headers=auth(keys.h1))
    assert (200, "H1", 1) == (r.status_code, r.json()["facility"], r.json()["seq"])
    py = client.get("/v1/persons/P1/years/2019", headers=auth(keys.bureau))
    assert 200 == py.status_code
    assert (["C1"], ["C1"]) == (
        py.json()["ledger"]["claim_ids"],
        [s["settlement"]["claim_id"] for s in py.json()["settlements"]],
    )
    none = client.get("/v1/persons/P9/years/2019", headers=auth(keys.bureau))
    assert (404, "service.person.unknown") == (none.status_code, none.json()["code"])
    bad = client.get("/v1/persons/P1/years/20x9", headers=auth(keys.bureau))
    assert (400, "service.query", "year") == (bad.status_code, bad.json()["code"],
                                              bad.json()["field"])  # fmt: skip


def test_the_reconciliation_report(client: TestClient, keys: Tokens) -> None:
    """Two claims of H1 on one date: basic 15300.00 + 15300.00 = 30600.00 over 2 claims."""
    _settle(client, keys.h1, document("C1"))
    _settle(client, keys.h1, document("C2", person="P2"))
    r = client.get("/v1/reports/reconciliation", params={"date": "2019-11-03"},
                   headers=auth(keys.bureau))  # fmt: skip
    assert 200 == r.status_code
    rows = {row["layer"]: row for row in r.json()["rows"]}
    assert (2, "30600.00") == (rows["basic_insurance"]["claims"], rows["basic_insurance"]["amount"])
    assert "40000.00" == rows["total"]["amount"]
    bad = client.get("/v1/reports/reconciliation", params={"date": "2019-02-30"},
                     headers=auth(keys.bureau))  # fmt: skip
    assert (400, "date") == (bad.status_code, bad.json()["field"])


def test_policies_and_parameters_in_force(client: TestClient, keys: Tokens) -> None:
    """The policies list, and the parameters of zhangjiajie on a date, with their clauses."""
    r = client.get("/v1/policies", headers=auth(keys.h1))
    assert "zhangjiajie" in [p["id"] for p in r.json()["builtin"]]
    p = client.get("/v1/policies/zhangjiajie", params={"date": "2019-11-03"},
                   headers=auth(keys.h1))  # fmt: skip
    assert 200 == p.status_code
    assert all(e["reference"] for e in p.json()["params"])
    assert "2019-11-03" == p.json()["date"]
    none = client.get("/v1/policies/atlantis", headers=auth(keys.h1))
    assert (404, "service.policy.unknown") == (none.status_code, none.json()["code"])
    early = client.get("/v1/policies/zhangjiajie", params={"date": "1999-01-01"},
                       headers=auth(keys.h1))  # fmt: skip
    assert (404, "service.policy.not_in_force") == (early.status_code, early.json()["code"])


def test_platform_settle_presettle_and_reverse(client: TestClient, keys: Tokens) -> None:
    """A platform request of two class-A lines, 500.00 + 500.00 = 1000.00, all in scope:
    medfee_sumamt 1000.00 = fund_pay_sumamt + psn_part_amt; reversing by mdtrt_id works."""
    pre = client.post("/v1/platform/presettle", content=body(platform_request()),
                      headers=auth(keys.h1))  # fmt: skip
    assert 200 == pre.status_code
    r = client.post("/v1/platform/settle", content=body(platform_request()),
                    headers=auth(keys.h1))  # fmt: skip
    assert (200, pre.content) == (r.status_code, r.content)
    (s,) = r.json()["settlements"]
    info = s["setlinfo"]
    assert ("A1", "1000.00", "1000.00") == (s["claim_id"], info["medfee_sumamt"],
                                             info["inscp_scp_amt"])  # fmt: skip
    from decimal import Decimal

    assert Decimal("1000.00") == Decimal(info["fund_pay_sumamt"]) + Decimal(info["psn_part_amt"])
    rev = client.post("/v1/platform/reverse", content=body({"mdtrt_id": "A1"}),
                      headers=auth(keys.h1))  # fmt: skip
    assert (200, "A1") == (rev.status_code, rev.json()["claim_id"])
    bad = client.post("/v1/platform/reverse", content=body({"mdtrt": "A1"}), headers=auth(keys.h1))
    assert (422, "platform.request", "mdtrt") == (bad.status_code, bad.json()["code"],
                                                  bad.json()["field"])  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{", "service.body.json"),
        (b'{"person": 1, "person": 2}', "document.key.twice"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "document.depth"),
        (b'{"a": "\xff"}', "document.encoding"),
    ],
)
def test_unreadable_bodies_are_400(client: TestClient, keys: Tokens, raw: bytes, code: str) -> None:
    """Bad JSON, a key twice, nesting past the bound, bytes not UTF-8: 400 with the code."""
    r = client.post("/v1/settle", content=raw, headers=auth(keys.h1))
    assert (400, PROBLEM, code) == (r.status_code, r.headers["content-type"], r.json()["code"])


def test_a_document_that_cannot_be_settled_is_422(client: TestClient, keys: Tokens) -> None:
    """in_scope above total: 422 naming the claim and field."""
    r = _settle(client, keys.h1, document(in_scope="30000.00"))
    problem = r.json()
    assert (422, "InvalidClaim", "C1") == (
        r.status_code,
        problem["error_type"],
        problem["claim_id"],
    )
    assert problem["type"] == "urn:zjj-medical:problem:" + problem["code"]
    assert {"type", "title", "status", "detail", "code", "claim_id", "field"} <= set(problem)


def test_a_body_past_the_bound_is_413(store: SQLiteStore, keys: Tokens) -> None:
    """A body longer than max_body is refused (413), declared or streamed."""
    with TestClient(create_app(store, max_body=100)) as c:
        r = c.post("/v1/settle", content=body(document()), headers=auth(keys.h1))
        assert (413, "service.body.size") == (r.status_code, r.json()["code"])

        def chunks() -> Iterator[bytes]:
            yield b"{" + b" " * 80
            yield b" " * 80 + b"}"

        streamed = c.post("/v1/settle", content=chunks(), headers=auth(keys.h1))
        assert 413 == streamed.status_code


def test_a_request_past_the_time_bound_is_503(store: SQLiteStore, keys: Tokens) -> None:
    """While the only book is busy longer than the bound, a request gets 503 (then works)."""
    app = create_app(store, timeout=0.2)
    pool = app.state.service.pool
    release = threading.Event()
    held = threading.Event()

    def hold() -> None:
        with pool.book(float("inf"), 1.0):
            held.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    with TestClient(app) as c:
        worker.start()
        held.wait(10)
        r = c.get("/v1/policies", headers=auth(keys.h1))
        release.set()
        worker.join()
        assert (503, "service.timeout") == (r.status_code, r.json()["code"])
        assert 200 == c.get("/v1/policies", headers=auth(keys.h1)).status_code


def test_request_ids_are_echoed_or_made(client: TestClient, keys: Tokens) -> None:
    """A valid X-Request-ID comes back; a missing or invalid one is replaced by a new one."""
    r = client.get("/healthz", headers={"X-Request-ID": "his-42.a"})
    assert "his-42.a" == r.headers["x-request-id"]
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\t"})
    assert made.headers["x-request-id"] not in ("", "bad id\t")
    assert 32 == len(client.get("/v1/nothing").headers["x-request-id"])


def test_unknown_paths_and_methods(client: TestClient) -> None:
    """An unknown path is 404, a known one with another method 405, both problem details."""
    assert (404, PROBLEM) == (lambda r: (r.status_code, r.headers["content-type"]))(
        client.get("/v1/nothing")
    )
    r = client.get("/v1/settle")
    assert (405, "POST") == (r.status_code, r.headers["allow"])
    assert "service.method" == r.json()["code"]


def test_the_static_page_is_served_at_the_root(client: TestClient) -> None:
    """GET / answers the static index page (HTML)."""
    r = client.get("/")
    assert 200 == r.status_code
    assert r.headers["content-type"].startswith("text/html")


def test_every_write_is_in_the_audit_trail(
    client: TestClient, keys: Tokens, store: SQLiteStore
) -> None:
    """Each settle and reverse made through the API — accepted or refused — appends one
    audit record with its token, request id, body hash and status; the chain holds."""
    sent: list[tuple[str, int, str]] = []

    def post(path: str, payload: bytes, token: str, rid: str) -> None:
        r = client.post(path, content=payload, headers=auth(token, **{"X-Request-ID": rid}))
        sent.append((rid, r.status_code, "sha256:" + hashlib.sha256(payload).hexdigest()))

    post("/v1/settle", body(document("C1")), keys.h1, "r1")
    post("/v1/settle", body(document("C1")), keys.h1, "r2")  # a retry
    post("/v1/settle", body(document("C1", total="1.00", in_scope="1.00")), keys.h1, "r3")
    post("/v1/settle", body(document("C5", facility="H1")), keys.h2, "r4")  # another facility
    post("/v1/claims/C1/reverse", b"", keys.h1, "r5")
    post("/v1/platform/settle", body(platform_request()), keys.h1, "r6")
    post("/v1/settle", b"{", keys.h1, "r7")
    writes = [r for r in store.audit() if r.action in ("settle", "reverse")]
    assert sent == [(r.request_id, r.status, r.content_hash) for r in writes]
    assert [200, 200, 409, 403, 200, 200, 400] == [s for _, s, _ in sent]
    assert ["settle"] * 4 + ["reverse", "settle", "settle"] == [r.action for r in writes]
    assert [keys.h1_record.id] * 3 == [r.actor for r in writes[:3]]
    assert ("facility", "H2") == (writes[3].role, writes[3].facility)
    assert [] == audit_chain_problems(store.audit())


def test_a_settlement_and_its_audit_record_are_committed_together(
    client: TestClient, keys: Tokens, store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit record of a settlement or a reversal is written in the write's own
    transaction: when it cannot be written, nothing of the write is stored either (the
    refusal is audited after), so no write is ever stored without its record."""
    from zjj_medical.errors import StoreError

    real = store.add_audit
    calls: list[str] = []
    fail = [True]  # the next call fails

    def fails_once(record: Any) -> Any:
        calls.append(record.outcome)
        if fail[0]:
            fail[0] = False
            raise StoreError(code="store.sqlite", params={"db": "t.db", "detail": "disk full"})
        return real(record)

    monkeypatch.setattr(store, "add_audit", fails_once)
    r = _settle(client, keys.h1, document("C1"))
    assert 503 == r.status_code
    assert store.settlement("C1") is None  # rolled back with its audit record
    assert ["ok", "store.sqlite"] == calls  # the success inside, then the refusal after
    assert [(503, "store.sqlite")] == [(a.status, a.outcome) for a in store.audit()
                                   if a.action == "settle"]  # fmt: skip

    calls.clear()
    assert 200 == _settle(client, keys.h1, document("C1")).status_code
    assert store.settlement("C1") is not None
    assert ["ok"] == calls  # one record, written inside the settlement's transaction

    calls.clear()
    fail[0] = True
    r = client.post("/v1/claims/C1/reverse", content=b"", headers=auth(keys.h1))
    assert 503 == r.status_code
    assert [] == store.reversals("C1")  # the reversal rolled back with its record
    assert store.settlement("C1") is not None


def test_tokens_never_reach_the_log(
    client: TestClient, keys: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    """The request log names method, path, status and request id, never the token."""
    caplog.set_level("INFO", logger="zjj_medical.service")
    _settle(client, keys.h1, document())
    client.get("/v1/claims/C1", headers=auth(keys.revoked))
    text = caplog.text
    assert "POST /v1/settle 200" in text
    assert keys.h1 not in text
    assert keys.revoked not in text


def test_the_api_page_loads_nothing_from_outside_the_service(client: TestClient) -> None:
    """/docs (Swagger UI) takes its script and style from the service itself, so it works
    on a hospital network without internet; both are served."""
    import re

    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert all(u.startswith("/") and not u.startswith("//") for u in sources), sources
    assert "cdn" not in page.text.lower()
    assert "/openapi.json" in page.text
    for url in ("/docs-static/swagger-ui-bundle.js", "/docs-static/swagger-ui.css"):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 10_000, url


def test_openapi_uses_the_shipped_schema_files(client: TestClient) -> None:
    """/openapi.json is OpenAPI 3.1; the settle body is the contract's input schema file,
    its $defs made components and its references rewritten to them."""
    from importlib import resources

    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    shipped = json.loads(
        resources.files("zjj_medical.contract").joinpath("settlement-input.schema.json").read_text()
    )
    schemas = doc["components"]["schemas"]
    assert shipped["properties"].keys() == schemas["SettlementInput"]["properties"].keys()
    assert shipped["$defs"]["claim"]["required"] == schemas["SettlementInput_claim"]["required"]
    settle = doc["paths"]["/v1/settle"]["post"]
    ref = settle["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "#/components/schemas/SettlementInput" == ref
    assert "#/$defs/" not in json.dumps(doc)
    assert {"200", "400", "401", "403", "409", "413", "422", "503"} == set(settle["responses"])


def test_a_defect_is_a_500_problem_naming_the_request(
    store: SQLiteStore, keys: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected exception (a defect: no input causes one) answers problem details 500
    with the request id in the detail, and is logged."""
    from zjj_medical.service import operations

    def broken(*_: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr(operations, "policies", broken)
    with TestClient(create_app(store), raise_server_exceptions=False) as c:
        r = c.get("/v1/policies", headers=auth(keys.h1, **{"X-Request-ID": "req-500"}))
    assert (500, PROBLEM, "service.internal") == (
        r.status_code, r.headers["content-type"], r.json()["code"]
    )  # fmt: skip
    assert "req-500" in r.json()["detail"]
    assert "req-500" == r.headers["x-request-id"]


def test_a_claim_without_a_facility_id_is_told_which_id_to_give(
    client: TestClient, keys: Tokens
) -> None:
    """A facility token's claim must name its facility: one without a facility id is refused
    (403) with the id to give, in Chinese too — not as "None is not this token's facility"."""
    doc = document(facility=None)
    r = client.post("/v1/presettle", content=body(doc), headers=auth(keys.h1))
    assert r.status_code == 403
    problem = r.json()
    assert problem["code"] == "service.facility.missing"
    assert problem["field"] == "facility.id"
    assert "give facility.id H1" in problem["detail"]
    assert "None" not in problem["detail"]
    zh = client.post(
        "/v1/settle", content=body(doc), headers=auth(keys.h1, **{"Accept-Language": "zh"})
    )
    assert zh.status_code == 403
    assert "请填写 facility.id H1" in zh.json()["detail"]
