"""The service against its own OpenAPI document: generated requests (schemathesis) never get
a 5xx and their responses conform; every status the document names is reached."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from service_helpers import Tokens, auth, body, document, platform_request
from zjj_medical.service import create_app
from zjj_medical.store import SQLiteStore

#: Examples per operation: a few by default (seconds); ZJJ_SERVICE_FUZZ=500 for a long run.
EXAMPLES = int(os.environ.get("ZJJ_SERVICE_FUZZ", "4"))

_STORE = SQLiteStore(":memory:", check=False)
_KEYS = Tokens(_STORE)
APP = create_app(_STORE)
with TestClient(APP) as _c:
    assert (
        200
        == _c.post("/v1/settle", content=body(document("C1")), headers=auth(_KEYS.h1)).status_code
    )
#: The coverage phase (boundary values of every schema keyword) takes tens of seconds on the
#: contract's schemas: only in the long run.
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": "ZJJ_SERVICE_FUZZ" in os.environ}}}
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_generated_requests(case: schemathesis.Case) -> None:
    """No generated request gets a 5xx; each response conforms to the document (status,
    content type, body schema). The contract's readers, not the schema files, decide what a
    document is: a schema-valid document may still be refused (an unknown county: 422),
    and the readers take some values the files leave out, so schemathesis' checks of
    which data should be accepted or rejected are left out."""
    case.call_and_validate(
        headers=auth(_KEYS.h1),
        excluded_checks=[
            schemathesis.checks.negative_data_rejection,
            schemathesis.checks.positive_data_acceptance,
        ],
    )


# -- every documented status is reached --------------------------------------------------------
_BAD_DOC = body(document("C2", in_scope="30000.00"))
_OTHER_C1 = body(document("C1", total="21000.00"))
_OPS: dict[tuple[str, str], str] = {
    ("POST", "/v1/settle"): "/v1/settle",
    ("POST", "/v1/presettle"): "/v1/presettle",
    ("POST", "/v1/platform/settle"): "/v1/platform/settle",
    ("POST", "/v1/platform/presettle"): "/v1/platform/presettle",
    ("POST", "/v1/claims/{claim_id}/reverse"): "/v1/claims/C1/reverse",
    ("POST", "/v1/platform/reverse"): "/v1/platform/reverse",
    ("GET", "/v1/claims/{claim_id}"): "/v1/claims/C1",
    ("GET", "/v1/persons/{person_id}/years/{year}"): "/v1/persons/P1/years/2019",
    ("GET", "/v1/policies"): "/v1/policies",
    ("GET", "/v1/policies/{policy_id}"): "/v1/policies/zhangjiajie?date=2019-11-03",
    ("GET", "/v1/reports/reconciliation"): "/v1/reports/reconciliation?date=2019-11-03",
    ("GET", "/healthz"): "/healthz",
}
_GOOD: dict[str, bytes] = {
    "/v1/settle": body(document("C2")),
    "/v1/presettle": body(document("C2")),
    "/v1/platform/settle": body(platform_request("A2")),
    "/v1/platform/presettle": body(platform_request("A2")),
    "/v1/platform/reverse": body({"mdtrt_id": "C1"}),
}
_SETTLES = ("/v1/settle", "/v1/presettle", "/v1/platform/settle", "/v1/platform/presettle")
_PLATFORM_C1 = body(platform_request("C1"))
#: (op, status) → (who, path, body, headers) where they differ from the good request.
_SPECIAL: dict[tuple[str, int], tuple[str, str | None, bytes | None, dict[str, str]]] = {
    **{(p, 400): ("h1", None, b"{", {}) for p in _SETTLES},
    **{(p, 403): ("bureau", None, None, {}) for p in _SETTLES},
    ("/v1/settle", 409): ("h1", None, _OTHER_C1, {}),
    ("/v1/presettle", 409): ("h1", None, _OTHER_C1, {}),
    ("/v1/platform/settle", 409): ("h1", None, _PLATFORM_C1, {}),
    ("/v1/platform/presettle", 409): ("h1", None, _PLATFORM_C1, {}),
    **{(p, 422): ("h1", None, _BAD_DOC, {}) for p in ("/v1/settle", "/v1/presettle")},
    **{(p, 422): ("h1", None, body({}), {}) for p in _SETTLES[2:]},
    ("/v1/claims/C1/reverse", 400): ("h1", None, None, {"Idempotency-Key": "a b"}),
    ("/v1/claims/C1/reverse", 403): ("h2", None, None, {}),
    ("/v1/platform/reverse", 400): ("h1", None, b"{", {}),
    ("/v1/platform/reverse", 403): ("h2", None, None, {}),
    ("/v1/platform/reverse", 422): ("h1", None, body({"x": 1}), {}),
    ("/v1/claims/C1", 403): ("h2", None, None, {}),
    ("/v1/claims/C1", 404): ("bureau", "/v1/claims/C9", None, {}),
    ("/v1/persons/P1/years/2019", 400): ("bureau", "/v1/persons/P1/years/x", None, {}),
    ("/v1/persons/P1/years/2019", 403): ("h2", None, None, {}),
    ("/v1/persons/P1/years/2019", 404): ("bureau", "/v1/persons/P9/years/2019", None, {}),
    ("/v1/policies/zhangjiajie?date=2019-11-03", 400): (
        "h1", "/v1/policies/zhangjiajie?date=2019-1-3", None, {}),
    ("/v1/policies/zhangjiajie?date=2019-11-03", 404): ("h1", "/v1/policies/atlantis", None, {}),
    ("/v1/reports/reconciliation?date=2019-11-03", 400): (
        "bureau", "/v1/reports/reconciliation", None, {}),
    ("/v1/reports/reconciliation?date=2019-11-03", 403): ("h1", None, None, {}),
}  # fmt: skip


def _documented() -> set[tuple[str, str, int]]:
    with TestClient(APP) as client:
        doc = client.get("/openapi.json").json()
    return {
        (method.upper(), path, int(status))
        for path, item in doc["paths"].items()
        for method, op in item.items()
        for status in op["responses"]
    }


DOCUMENTED = sorted(_documented())


@contextlib.contextmanager
def _fresh(**options: Any) -> Iterator[tuple[TestClient, Tokens]]:
    store = SQLiteStore(":memory:")
    keys = Tokens(store)
    with TestClient(create_app(store)) as seed:
        assert 200 == seed.post("/v1/settle", content=body(document("C1")),
                                headers=auth(keys.h1)).status_code  # fmt: skip
    with TestClient(create_app(store, **options)) as client:
        yield client, keys
    store.close()


def _reach(method: str, template: str, status: int) -> int:
    """Send the request that should get ``status`` from the operation; the status it got."""
    path = _OPS[(method, template)]
    who, target, payload, headers = "h1", path, _GOOD.get(path, b""), {}
    if template in ("/v1/reports/reconciliation",):
        who = "bureau"
    if (path, status) in _SPECIAL:
        who, other, given, headers = _SPECIAL[(path, status)]
        target, payload = other or path, payload if given is None else given
    options: dict[str, Any] = {"max_body": 1} if status == 413 else {}
    if status == 503:
        options["timeout"] = 0.2
    with _fresh(**options) as (client, keys):
        token = {"h1": keys.h1, "h2": keys.h2, "bureau": keys.bureau}[who]
        sent = auth(token, **headers) if status != 401 else {}
        if status == 409 and template.endswith("reverse"):  # a key reused for another claim
            first = client.post(
                target, content=payload, headers=auth(token, **{"Idempotency-Key": "k"})
            )
            assert 200 == first.status_code
            target = target.replace("C1", "C9")
            payload = payload.replace(b"C1", b"C9")
            sent = auth(token, **{"Idempotency-Key": "k"})
        if status == 413 and not payload:
            payload = b"{}"
        if status != 503:
            return client.request(method, target, content=payload, headers=sent).status_code
        pool = client.app.state.service.pool  # type: ignore[attr-defined]
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with pool.book(float("inf"), 1.0):
                held.set()
                release.wait(10)

        worker = threading.Thread(target=hold)
        worker.start()
        held.wait(10)
        try:
            return client.request(method, target, content=payload, headers=sent).status_code
        finally:
            release.set()
            worker.join()


@pytest.mark.parametrize(("method", "template", "status"), DOCUMENTED,
                         ids=[f"{m} {p} {s}" for m, p, s in DOCUMENTED])  # fmt: skip
def test_every_documented_status_is_reached(method: str, template: str, status: int) -> None:
    """Each status the OpenAPI document names for an operation is answered to some request."""
    assert status == _reach(method, template, status)


def test_the_documented_statuses_are_these() -> None:
    """The document names 2xx, 4xx and 503 only (never 500) for every operation."""
    assert len(DOCUMENTED) >= 60
    assert {200, 400, 401, 403, 404, 409, 413, 422, 503} == {s for _, _, s in DOCUMENTED}
    assert {t for _, t in _OPS} == {t for _, t, _ in DOCUMENTED}
