"""The settlement service: an ASGI application (FastAPI) over a :class:`~zjj_medical.store.LedgerBook`.

Endpoints (stable; bodies are the JSON contract's documents, errors are RFC 9457 problem
details, every response carries ``X-Request-ID``):

============================================  ==============================================
``POST /v1/settle``                            settle a person-year document (stored)
``POST /v1/presettle``                         the same, nothing written (预结算)
``POST /v1/claims/{claim_id}/reverse``         reverse a claim (冲正), later claims re-settled
``GET  /v1/claims/{claim_id}``                 the stored settlement of a claim
``GET  /v1/persons/{person_id}/years/{year}``  a person-year's ledger and settlements
``GET  /v1/policies``                          the policies settled under, and the built-in ones
``GET  /v1/policies/{policy_id}?date=``        a policy's parameters in force on a date
``GET  /v1/reports/reconciliation?date=&facility=``  对账 per fund (bureau tokens)
``POST /v1/platform/settle``                   settle a request in the national platform's shape
``POST /v1/platform/presettle``                the same, nothing written
``POST /v1/platform/reverse``                  reverse the claim ``{"mdtrt_id": …}``
``GET  /openapi.json``                         the OpenAPI 3.1 document
``GET  /healthz``                              ``{"status": "ok"}`` when the store answers
``GET  /``                                     the static files of ``service/static/``
============================================  ==============================================

Every ``/v1`` request needs ``Authorization: Bearer <token>`` (``zjj-medical token create``).
Writes accept an ``Idempotency-Key`` header.

>>> from fastapi.testclient import TestClient
>>> from zjj_medical.store import SQLiteStore
>>> from zjj_medical.store.access import issue_token
>>> store = SQLiteStore(":memory:")
>>> secret, _ = issue_token(store, "facility", "H1")
>>> with TestClient(create_app(store)) as client:
...     r = client.get("/v1/claims/C1", headers={"Authorization": f"Bearer {secret}"})
>>> r.status_code, r.headers["content-type"], r.json()["code"]
(403, 'application/problem+json', 'service.claim.forbidden')
>>> store.close()
"""

from __future__ import annotations

import functools
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zjj_medical.contract.jsontext import MAX_DOCUMENT_BYTES
from zjj_medical.errors import ReimbursementError
from zjj_medical.service import operations as ops
from zjj_medical.service.openapi import components, json_body, problem_responses
from zjj_medical.service.pool import BookPool
from zjj_medical.service.problems import ServiceError, problem_bytes, status_of
from zjj_medical.store.access import TokenRecord
from zjj_medical.store.base import LedgerStore
from zjj_medical.store.book import LedgerBook, PolicyVersion

__all__ = ["STATIC", "create_app"]

_Handler = TypeVar("_Handler", bound=Callable[..., Awaitable[Response]])


class _Work(Protocol):
    def __call__(
        self, book: LedgerBook, call: ops.Call, who: TokenRecord, *, audit: ops.AuditInside
    ) -> tuple[ops.Reply, str]: ...


log = logging.getLogger("zjj_medical.service")

#: The folder served at ``/``.
STATIC = Path(__file__).parent / "static"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_PROBLEM = "application/problem+json"


class _RequestId:
    """Give every request an id (a valid ``X-Request-ID`` is kept) and every response the
    header; log one line a request (never a header's value but the id); answer a defect
    (an unexpected exception) with problem details 500 naming the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = time.monotonic()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"x-request-id"]  # fmt: skip
                message["headers"] = [*headers, (b"x-request-id", rid.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # never the answer to an input (the tests send every kind): a defect, logged whole
            log.exception("internal error, request_id=%s", rid)
            if status:
                raise  # the response has begun: the server closes the connection
            error = ServiceError(code="service.internal", params={"request_id": rid})
            await Response(problem_bytes(error), 500, media_type=_PROBLEM)(
                scope, receive, send_with_id
            )
        finally:
            log.info("%s %s %s %.1f ms request_id=%s", scope["method"], scope["path"], status,
                     (time.monotonic() - started) * 1000, rid)  # fmt: skip


def _lang(request: Request) -> str:
    accepted = request.headers.get("accept-language", "")
    return "zh" if accepted.lower().startswith("zh") else "en"


def _problem(exc: ReimbursementError, lang: str = "en") -> Response:
    return Response(problem_bytes(exc, lang), status_of(exc), media_type=_PROBLEM)


class _Service:
    """The state of one app: its books and its bounds."""

    def __init__(self, pool: BookPool, max_body: int, timeout: float) -> None:
        self.pool = pool
        self.max_body = max_body
        self.timeout = timeout

    async def body(self, request: Request) -> bytes:
        """The request body, refused past ``max_body`` bytes (413) without reading it all."""
        limit = self.max_body
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ServiceError(code="service.body.size", params={"limit": limit})
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ServiceError(code="service.body.size", params={"limit": limit})
            chunks.append(chunk)
        return b"".join(chunks)

    async def bounded_body(self, request: Request) -> bytes:
        """The body, read within the time bound too (a client that sends it too slowly
        gets 503)."""
        data = None
        with anyio.move_on_after(self.timeout):
            data = await self.body(request)
        if data is None:
            raise ServiceError(code="service.timeout", params={"seconds": self.timeout})
        return data

    async def run(self, work: Callable[[LedgerBook], ops.Reply]) -> Response:
        """Run ``work`` on a book in a worker thread, within the service's time bound."""
        deadline = time.monotonic() + self.timeout

        def in_thread() -> ops.Reply:
            with self.pool.book(deadline, self.timeout) as book:
                return work(book)

        reply = None
        with anyio.move_on_after(self.timeout):
            reply = await anyio.to_thread.run_sync(in_thread, abandon_on_cancel=True)
        if reply is None:
            raise ServiceError(code="service.timeout", params={"seconds": self.timeout})
        return Response(reply.body, reply.status, media_type=reply.media_type)

    async def call(self, request: Request, *, body: bool = False) -> ops.Call:
        """The request as the operations see it."""
        return ops.Call(
            request_id=request.state.request_id,
            authorization=request.headers.get("authorization"),
            method=request.method,
            path=request.url.path,
            body=await self.bounded_body(request) if body else b"",
            idempotency_key=request.headers.get("idempotency-key"),
            lang=_lang(request),
        )


def _open_pool(
    store: LedgerStore | str | Path,
    policies: tuple[str | Path | PolicyVersion, ...],
    store_timeout: float,
    workers: int,
) -> BookPool:
    loaded = tuple(p if isinstance(p, PolicyVersion) else PolicyVersion.load(p) for p in policies)
    if isinstance(store, str | Path):
        first = LedgerBook.open(store, *loaded, timeout=store_timeout)
        opener = functools.partial(LedgerBook.open, store, *first.policies,
                                   timeout=store_timeout, check=False)  # fmt: skip
        return BookPool(first, opener, workers)
    return BookPool(LedgerBook(store, *loaded), None, 1, owns_first=False)


def create_app(
    store: LedgerStore | str | Path,
    *policies: str | Path | PolicyVersion,
    max_body: int = MAX_DOCUMENT_BYTES,
    timeout: float = 30.0,
    workers: int = 8,
    static: Path | None = STATIC,
) -> FastAPI:
    """The settlement service's ASGI application.

    Args:
        store: a store URL or file path (opened here, checked once, then once more per
            worker; closed when the app shuts down), or a store object (used by one
            request at a time; left open).
        policies: the policies to settle under (as :class:`~zjj_medical.store.LedgerBook`).
        max_body: the largest request body accepted, in bytes (more: 413).
        timeout: seconds a request may take, waiting for the store included (more: 503).
        workers: the most books (store connections) opened from a URL.
        static: the folder served at ``/`` (``None``: none).

    Raises:
        StoreError: the store cannot be opened (a URL or path).
    """
    pool = _open_pool(store, policies, min(timeout, 30.0), workers)
    service = _Service(pool, max_body, timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    # The interactive API page (/docs) from files shipped with the service, not a CDN: a
    # hospital's network often reaches no internet.
    app = FastAPIOffline(
        title="zjj-medical settlement service",
        version="1",
        summary="One-stop settlement (一站式结算) against the ledger store, over HTTP.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-static",
    )
    app.state.service = service
    app.add_middleware(_RequestId)

    @app.exception_handler(ReimbursementError)
    async def library_error(request: Request, exc: ReimbursementError) -> Response:
        response = _problem(exc, _lang(request))
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="zjj-medical"'
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        allowed = _allowed(app, request.url.path)
        if exc.status_code == 405 or allowed:
            allowed = allowed or (exc.headers or {}).get("Allow", "GET, HEAD")
            error = ServiceError(code="service.method", params={
                "method": request.method, "path": request.url.path, "allowed": allowed})  # fmt: skip
            response = _problem(error, _lang(request))
            response.headers["Allow"] = allowed
            return response
        error = ServiceError(code="service.not_found", params={"path": request.url.path})
        return _problem(error, _lang(request))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        name = str((first.get("loc") or ("", "request"))[-1])
        error = ServiceError(code="service.query", params={
            "name": name, "value": str(first.get("input"))[:100], "accepted": first.get("msg", "")
        }, field=name)  # fmt: skip
        return _problem(error, _lang(request))

    auth: list[dict[str, list[str]]] = [{"bearer": []}]
    writes = problem_responses(400, 401, 403, 409, 413, 422, 503)

    def route(
        method: str, path: str, body: str | None, out: str, errors: Any, **kw: Any
    ) -> Callable[[_Handler], _Handler]:
        extra: dict[str, Any] = {"security": auth}
        if body is not None:
            extra["requestBody"] = {"required": True, "content": json_body(body)}
        decorator: Callable[[_Handler], _Handler] = app.api_route(
            path, methods=[method], openapi_extra=extra,
            responses={200: {"description": "OK", "content": json_body(out)}, **errors}, **kw,
        )  # fmt: skip
        return decorator

    async def _write(action: str, call: ops.Call, work: _Work) -> Response:
        return await service.run(
            lambda book: ops.write(
                book, call, action, lambda who, audit: work(book, call, who, audit=audit)
            )
        )

    async def _settle(request: Request, *, write: bool, platform: bool) -> Response:
        """Settle (``write``) or pre-settle the request's claims, in the contract's or the
        national platform's shape."""
        call = await service.call(request, body=True)
        if write:
            return await _write("settle", call, functools.partial(
                ops.settle, write=True, platform=platform))  # fmt: skip
        return await service.run(lambda book: ops.read(book, call, lambda who: ops.settle(
            book, call, who, write=False, platform=platform)))  # fmt: skip

    @route("POST", "/v1/settle", "SettlementInput", "SettlementOutput", writes,
           summary="Settle a person-year document and store it")  # fmt: skip
    async def settle(request: Request) -> Response:
        return await _settle(request, write=True, platform=False)

    @route("POST", "/v1/presettle", "SettlementInput", "SettlementOutput", writes,
           summary="Pre-settle (预结算): what the claims would get now, nothing written")  # fmt: skip
    async def presettle(request: Request) -> Response:
        return await _settle(request, write=False, platform=False)

    @route("POST", "/v1/claims/{claim_id}/reverse", None, "Reversal",
           problem_responses(400, 401, 403, 409, 413, 503),
           summary="Reverse a claim (冲正)")  # fmt: skip
    async def reverse(request: Request, claim_id: str) -> Response:
        call = await service.call(request, body=True)
        work = functools.partial(ops.reverse, claim_id=claim_id)
        return await _write("reverse", call, work)

    @route("GET", "/v1/claims/{claim_id}", None, "StoredSettlement",
           problem_responses(401, 403, 404, 503),
           summary="The stored settlement of a claim")  # fmt: skip
    async def claim(request: Request, claim_id: str) -> Response:
        call = await service.call(request)
        return await service.run(lambda book: ops.claim(book, call, claim_id))

    @route("GET", "/v1/persons/{person_id}/years/{year}", None, "PersonYear",
           problem_responses(400, 401, 403, 404, 503),
           summary="A person-year's ledger and settlements")  # fmt: skip
    async def person_year(request: Request, person_id: str, year: str) -> Response:
        call = await service.call(request)
        return await service.run(lambda book: ops.person_year(book, call, person_id, year))

    @route("GET", "/v1/policies", None, "PolicyList", problem_responses(401, 503),
           summary="The policies settled under, and the built-in ones")  # fmt: skip
    async def policy_list(request: Request) -> Response:
        call = await service.call(request)
        return await service.run(lambda book: ops.policies(book, call))

    @route("GET", "/v1/policies/{policy_id}", None, "PolicyParameters",
           problem_responses(400, 401, 404, 503),
           summary="A policy's parameters in force on a date")  # fmt: skip
    async def policy(request: Request, policy_id: str, date: str | None = None) -> Response:
        call = await service.call(request)
        return await service.run(lambda book: ops.policy(book, call, policy_id, date))

    @route("GET", "/v1/reports/reconciliation", None, "Reconciliation",
           problem_responses(400, 401, 403, 503),
           summary="对账: per fund, the claims and amounts of a claim date")  # fmt: skip
    async def report(request: Request, date: str | None = None,
                     facility: str | None = None) -> Response:  # fmt: skip
        call = await service.call(request)
        return await service.run(lambda book: ops.reconciliation(book, call, date, facility))

    @route("POST", "/v1/platform/settle", "PlatformRequest", "PlatformOutput", writes,
           summary="Settle a request in the national platform's shape")  # fmt: skip
    async def platform_settle(request: Request) -> Response:
        return await _settle(request, write=True, platform=True)

    @route("POST", "/v1/platform/presettle", "PlatformRequest", "PlatformOutput", writes,
           summary="Pre-settle a request in the national platform's shape")  # fmt: skip
    async def platform_presettle(request: Request) -> Response:
        return await _settle(request, write=False, platform=True)

    @route("POST", "/v1/platform/reverse", "PlatformReverse", "Reversal",
           problem_responses(400, 401, 403, 409, 413, 422, 503),
           summary="Reverse the claim of a platform request (mdtrt_id)")  # fmt: skip
    async def platform_reverse(request: Request) -> Response:
        call = await service.call(request, body=True)
        work = functools.partial(ops.reverse, claim_id=None)
        return await _write("reverse", call, work)

    health: Callable[[_Handler], _Handler] = app.get(
        "/healthz", summary="The service and its store answer",
        responses={200: {"description": "OK", "content": json_body("Health")},
                   **problem_responses(503)},
    )  # fmt: skip

    @health
    async def healthz() -> Response:
        return await service.run(lambda book: ops.health(book))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    if static is not None and static.is_dir():
        app.mount("/", StaticFiles(directory=static, html=True), name="static")
    return app


def _allowed(app: FastAPI, path: str) -> str:
    """The methods the API's routes take at ``path`` ("" when none matches it): a path
    the static files would otherwise answer with 404."""
    methods: set[str] = set()
    for r in app.routes:
        if isinstance(r, APIRoute) and r.path_regex.match(path):
            methods |= r.methods or set()
    return ", ".join(sorted(methods))


def _document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with the contract's schemas as components, the bearer scheme, and
    the ``Idempotency-Key`` header on the writes."""
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary,
                      routes=app.routes)  # fmt: skip
    doc["components"] = {
        "schemas": components(),
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    }
    key = {
        "name": "Idempotency-Key", "in": "header", "required": False,
        "description": "A retry with the same key and body gets the first response back.",
        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    }  # fmt: skip
    request_id = {
        "name": "X-Request-ID", "in": "header", "required": False,
        "description": "Your id of the request (letters, digits, ._:-), echoed back; an "
        "invalid one is replaced by a new id.",
        "schema": {"type": "string"},
    }  # fmt: skip
    echoed = {"X-Request-ID": {"description": "The request's id.", "schema": {"type": "string"}}}
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            operation.setdefault("parameters", []).append(request_id)
            for response in operation.get("responses", {}).values():
                response["headers"] = echoed
            responses = operation.get("responses", {})
            if "422" in responses and "Problem" not in str(responses["422"]):
                del responses["422"]
            if method == "post" and path not in ("/v1/presettle", "/v1/platform/presettle"):
                operation.setdefault("parameters", []).append(key)
    return doc
