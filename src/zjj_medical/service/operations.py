"""What each endpoint does, on a ledger book, without HTTP: a :class:`Call` in, a
:class:`Reply` out.

Every operation first authenticates the bearer token (:func:`authenticate`). The writes
(settle, reverse, and their platform shapes) go through :func:`write`, which answers a
retried ``Idempotency-Key`` with the response kept for it, and appends an audit record for
every attempt of an authenticated caller — refused ones included — before the response is
sent: a write acknowledged with a 2xx is in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from zjj_medical.cli.jsonio import dumps_json
from zjj_medical.contract.documents import output_document, parse_document
from zjj_medical.contract.jsontext import read_json
from zjj_medical.contract.platform import request_document, to_platform
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.ledger import Ledger
from zjj_medical.errors import (
    DuplicateClaim,
    ReimbursementError,
    UnknownClaim,
    problem_of,
)
from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.loader import BUILTIN_POLICIES, load_policy
from zjj_medical.render.policy_table import all_params, format_value
from zjj_medical.service.problems import ServiceError, problem_bytes, status_of
from zjj_medical.store.access import (
    AuditRecord,
    IdempotentResponse,
    TokenRecord,
    same_hash,
    token_hash,
)
from zjj_medical.store.book import LedgerBook
from zjj_medical.store.records import Reversal, StoredSettlement
from zjj_medical.store.report import reconciliation as reconciliation_rows

__all__ = [
    "Call",
    "Reply",
    "attempt",
    "authenticate",
    "claim",
    "health",
    "person_year",
    "policies",
    "policy",
    "read",
    "reconciliation",
    "reverse",
    "settle",
    "write",
]

_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([\x21-\x7e]{1,512})")
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")


@attrs.frozen
class Call:
    """A request as the operations see it: who sent what."""

    request_id: str
    authorization: str | None
    method: str
    path: str
    body: bytes = b""
    idempotency_key: str | None = None
    lang: str = "en"


@attrs.frozen
class Reply:
    """A response: status, body bytes, media type."""

    status: int
    body: bytes
    media_type: str = "application/json"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _json(value: Any, status: int = 200) -> Reply:
    return Reply(status, dumps_json(value).encode("utf-8"))


def problem_reply(exc: ReimbursementError, lang: str) -> Reply:
    """The problem details of an error as a reply."""
    return Reply(status_of(exc), problem_bytes(exc, lang), "application/problem+json")


def authenticate(book: LedgerBook, authorization: str | None) -> TokenRecord:
    """The valid token of an ``Authorization: Bearer …`` header.

    Raises:
        ServiceError: ``service.auth.missing`` (no header) or ``service.auth.invalid``
            (malformed, unknown or revoked), both 401.
    """
    if not authorization:
        raise ServiceError(code="service.auth.missing")
    m = _BEARER.fullmatch(authorization.strip())
    if m is None:
        raise ServiceError(code="service.auth.invalid")
    digest = token_hash(m.group(1))
    found = book.store.token(digest)
    if found is None or not found.active or not same_hash(found.hash, digest):
        raise ServiceError(code="service.auth.invalid")
    return found


def _need_role(who: TokenRecord, role: str) -> None:
    if who.role != role:
        raise ServiceError(code="service.role", params={"role": role})


def _stored_facility(record: StoredSettlement) -> Any:
    facility = record.claim.get("facility")
    return facility.get("id") if isinstance(facility, Mapping) else None


def _own(who: TokenRecord, record: StoredSettlement | None) -> bool:
    return record is not None and (who.role == "bureau" or _stored_facility(record) == who.facility)


def _forbidden(claim_id: str) -> ServiceError:
    return ServiceError(
        code="service.claim.forbidden", params={"claim_id": claim_id},
        claim_id=claim_id, field="id",
    )  # fmt: skip


def _read(body: bytes) -> Any:
    try:
        return read_json(body, "request body")
    except json.JSONDecodeError as exc:
        raise ServiceError(code="service.body.json", params={"detail": str(exc)}) from None


# -- settling -----------------------------------------------------------------------------------
def _check_claims(book: LedgerBook, who: TokenRecord, claims: list[Claim]) -> None:
    """A facility token's claims are of its facility; a claim id stored for another
    facility is refused without saying anything of it."""
    for c in claims:
        if c.facility.id is None:
            raise ServiceError(
                code="service.facility.missing", params={"claim_id": c.id, "facility": who.facility},
                claim_id=c.id, field="facility.id",
            )  # fmt: skip
        if c.facility.id != who.facility:
            raise ServiceError(
                code="service.facility.other",
                params={"claim_id": c.id, "value": c.facility.id, "facility": who.facility},
                claim_id=c.id, field="facility.id",
            )  # fmt: skip
        found = book.store.settlement(c.id)
        if found is not None and _stored_facility(found) != who.facility:
            raise DuplicateClaim(
                code="store.claim.taken", params={"claim_id": c.id},
                claim_id=c.id, field="id",
            )  # fmt: skip


#: Records a write's success in the audit trail: called with the write's target inside the
#: write's own transaction, so the write and its audit record are committed together.
AuditInside = Callable[[str], object]


def settle(
    book: LedgerBook,
    call: Call,
    who: TokenRecord,
    *,
    write: bool,
    platform: bool,
    audit: AuditInside | None = None,
) -> tuple[Reply, str]:
    """Settle (or pre-settle) a person-year document, or a platform request; the reply and
    the claim ids it names (for the audit trail, written by ``audit`` inside the
    settlement's transaction when given)."""
    _need_role(who, "facility")
    data = _read(call.body)
    doc = request_document(data) if platform else data
    person, claims, given = parse_document(doc)
    target = ",".join(c.id for c in claims)
    _check_claims(book, who, claims)
    book.check_carried_ledger(person, claims, given)
    if write:
        then = None if audit is None else (lambda _records: audit(target))
        settlements = [r.settlement for r in book.settle_all(claims, person, then=then)]
    else:
        settlements = book.presettle_all(claims, person)
    last: Ledger | None = settlements[-1].ledger if settlements else given
    if not platform:
        return _json(output_document(settlements, last)), target
    out = {
        "settlements": [
            {"claim_id": s.claim_id, **to_platform(s, book.policy_for(s.date).policy)}
            for s in settlements
        ],
        "ledger": None if last is None else last.to_dict(),
    }
    return _json(out), target


def _platform_claim_id(body: bytes) -> str:
    data = _read(body)
    if not isinstance(data, Mapping):
        raise ServiceError(code="platform.request.object", field="document", path="")
    unknown = sorted(set(data) - {"mdtrt_id", "psn_no"})
    value = data.get("mdtrt_id")
    if unknown or not isinstance(value, str) or not value:
        field = unknown[0] if unknown else "mdtrt_id"
        detail = "unknown field (accepted: mdtrt_id, psn_no)" if unknown else "expected a claim id"
        raise ServiceError(
            code="platform.request", params={"path": field, "detail": detail},
            field=field, path=field,
        )  # fmt: skip
    return value


def reverse(
    book: LedgerBook,
    call: Call,
    who: TokenRecord,
    claim_id: str | None,
    *,
    audit: AuditInside | None = None,
) -> tuple[Reply, str]:
    """Reverse a claim (``claim_id``, or the platform body's ``mdtrt_id``). A claim already
    reversed and not settled again answers with its last reversal (a retry). ``audit``, when
    given, records the reversal inside its transaction."""
    _need_role(who, "facility")
    cid = claim_id if claim_id is not None else _platform_claim_id(call.body)
    record = book.store.settlement(cid)
    if record is not None and not _own(who, record):
        raise _forbidden(cid)
    if record is not None:
        try:
            then = None if audit is None else (lambda _reversal: audit(cid))
            reversal: Reversal = book.reverse(cid, then=then)
            return _json(reversal.to_dict()), cid
        except UnknownClaim:
            pass  # reversed meanwhile by a request running beside this one: a retry
    done = book.store.reversals(cid)
    if done and _own(who, done[-1].reversed):
        return _json(done[-1].to_dict()), cid
    raise _forbidden(cid)


def write(
    book: LedgerBook,
    call: Call,
    action: str,
    work: Callable[[TokenRecord, AuditInside], tuple[Reply, str]],
) -> Reply:
    """Run a write for an authenticated caller: idempotency, the work, the audit record.

    A write that succeeds is audited inside its own transaction (the work calls the
    ``AuditInside`` it is given), so no settlement or reversal is ever stored without its
    record; a refusal, a replay or a retry that writes nothing is audited after it."""
    who = authenticate(book, call.authorization)
    key = call.idempotency_key
    body_hash = _sha256(f"{call.method} {call.path}\n".encode() + call.body)
    kept = None
    if key is not None:
        if _KEY.fullmatch(key) is None:
            raise ServiceError(code="service.idempotency.key", params={"value": key[:300]})
        kept = book.store.idempotent(key, who.id)
    target = ""
    audited: list[AuditRecord] = []

    def record(target: str, status: int, outcome: str) -> AuditRecord:
        return AuditRecord(0, _now(), action, who.id, who.role, who.facility, call.request_id,
                           target, _sha256(call.body), status, outcome)  # fmt: skip

    def inside(target: str) -> None:  # a success, in the write's own transaction
        audited.append(book.store.add_audit(record(target, 200, "ok")))

    if kept is not None and kept.body_hash == body_hash:
        reply, outcome = Reply(kept.status, kept.body), "replay"
    else:
        if kept is not None:
            error = DuplicateClaim(code="service.idempotency.conflict", params={"key": key})
            reply, outcome = problem_reply(error, call.lang), error.code
        else:
            reply, target, outcome = attempt(lambda: work(who, inside), call.lang)
    if not (audited and outcome == "ok"):
        book.store.add_audit(record(target, reply.status, outcome))
    if key is not None and kept is None and 200 <= reply.status < 300:
        kept = book.store.add_idempotent(
            IdempotentResponse(key, who.id, body_hash, reply.status, reply.body, _now())
        )
        reply = Reply(kept.status, kept.body)
    return reply


def attempt(work: Callable[[], tuple[Reply, str]], lang: str) -> tuple[Reply, str, str]:
    """Run ``work``: its reply and target, and ``ok``; or a refusal's problem reply and code.

    A ``ValueError``, ``TypeError`` or ``LookupError`` of a low-level reader is a refusal
    too (``service.input``, or the code it carries)."""
    try:
        reply, target = work()
        return reply, target, "ok"
    except ReimbursementError as exc:
        return problem_reply(exc, lang), "", exc.code
    except (ValueError, TypeError, LookupError) as exc:
        found = problem_of(exc)
        error = (
            ServiceError(code="service.input", params={"detail": str(exc)})
            if found is None
            else ServiceError(code=found[0], params=found[1])
        )
        return problem_reply(error, lang), "", error.code


def read(book: LedgerBook, call: Call, work: Callable[[TokenRecord], tuple[Reply, str]]) -> Reply:
    """Run an operation that writes nothing (pre-settling) for an authenticated caller."""
    who = authenticate(book, call.authorization)
    return attempt(lambda: work(who), call.lang)[0]


def health(book: LedgerBook) -> Reply:
    """``{"status": "ok"}`` when the store answers a read."""
    book.store.chain_head()
    return _json({"status": "ok"})


# -- reads --------------------------------------------------------------------------------------
def claim(book: LedgerBook, call: Call, claim_id: str) -> Reply:
    """The stored settlement of a claim (a facility token: of its own facility only)."""
    who = authenticate(book, call.authorization)
    record = book.store.settlement(claim_id)
    if who.role == "facility" and not _own(who, record):
        raise _forbidden(claim_id)
    if record is None:
        raise UnknownClaim(
            code="store.claim.unknown", params={"claim_id": claim_id},
            claim_id=claim_id, field="id",
        )  # fmt: skip
    return _json(record.to_dict())


def _year(text: str) -> int:
    if _YEAR.fullmatch(text) is None:
        raise ServiceError(
            code="service.query",
            params={"name": "year", "value": text[:100], "accepted": "a year, e.g. 2019"},
            field="year",
        )  # fmt: skip
    return int(text)


def person_year(book: LedgerBook, call: Call, person_id: str, year_text: str) -> Reply:
    """A person-year's ledger and settlements (a facility token: its own settlements only,
    and only when it has one there)."""
    who = authenticate(book, call.authorization)
    year = _year(year_text)
    with book.store.snapshot():
        records = book.settlements(person_id, year)
        ledger = book.store.ledger(person_id, year)
    if who.role == "facility":
        records = [r for r in records if _own(who, r)]
        if not records:
            raise ServiceError(
                code="service.person.forbidden", params={"person_id": person_id, "year": year}
            )
    elif ledger is None and not records:
        raise ServiceError(
            code="service.person.unknown", params={"person_id": person_id, "year": year}
        )
    out = {
        "person_id": person_id,
        "year": year,
        "ledger": (ledger or Ledger.empty(person_id, year)).to_dict(),
        "settlements": [r.to_dict() for r in records],
    }
    return _json(out)


def _day(name: str, text: str | None, required: bool) -> dt.date | None:
    if text is None and not required:
        return None
    if text is None or _DATE.fullmatch(text) is None:
        raise ServiceError(
            code="service.query",
            params={"name": name, "value": text, "accepted": "a date YYYY-MM-DD"},
            field=name,
        )  # fmt: skip
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(
            code="service.query",
            params={"name": name, "value": text, "accepted": "a date YYYY-MM-DD"},
            field=name,
        ) from None


def policies(book: LedgerBook, call: Call) -> Reply:
    """The built-in policies and the ones the service settles under."""
    authenticate(book, call.authorization)

    def entry(p: Any, version: str | None) -> dict[str, Any]:
        return {
            "id": p.id, "name": p.name, "start": p.start.isoformat(),
            "until": None if p.until is None else p.until.isoformat(), "version": version,
        }  # fmt: skip

    out = {
        "settling": [entry(pv.policy, pv.version) for pv in book.policies],
        "builtin": [entry(load_policy(name), None) for name in BUILTIN_POLICIES],
    }
    return _json(out)


def policy(book: LedgerBook, call: Call, policy_id: str, on: str | None) -> Reply:
    """The parameters of a policy in force on a date (default: today)."""
    authenticate(book, call.authorization)
    day = _day("date", on, required=False) or dt.date.today()
    served = {pv.policy.id: pv.policy for pv in book.policies}
    if policy_id in served:
        found = served[policy_id]
    elif policy_id in BUILTIN_POLICIES:
        found = load_policy(policy_id)
    else:
        raise ServiceError(
            code="service.policy.unknown",
            params={"policy_id": policy_id[:100],
                    "accepted": sorted({*served, *BUILTIN_POLICIES})},
        )  # fmt: skip
    if not found.in_force(day):
        until = f" until {found.until}" if found.until else ""
        raise ServiceError(
            code="service.policy.not_in_force",
            params={"policy_id": found.id, "date": day.isoformat(), "start": found.start,
                    "until": until},
        )  # fmt: skip
    params = []
    for p in all_params(found):
        raw = p.raw_at(day)
        params.append(
            {
                "path": p.path, "description": p.description, "reference": p.reference,
                "unit": p.unit, "value": None if isinstance(raw, _NotInForce) else format_value(raw, p.unit),
                "assumed": p.assumed,
            }
        )  # fmt: skip
    out = {"id": found.id, "name": found.name, "date": day.isoformat(), "params": params}
    return _json(out)


def reconciliation(book: LedgerBook, call: Call, on: str | None, facility: str | None) -> Reply:
    """对账 per fund for a claim date (and facility): bureau tokens only."""
    who = authenticate(book, call.authorization)
    _need_role(who, "bureau")
    day = _day("date", on, required=True)
    rows = reconciliation_rows(book.store, date=day, facility=facility)
    out = {
        "date": None if day is None else day.isoformat(),
        "facility": facility,
        "rows": [
            {"date": r.date.isoformat(), "facility": r.facility, "layer": r.layer,
             "name": r.name, "claims": r.claims, "amount": str(r.amount)}
            for r in rows
        ],
    }  # fmt: skip
    return _json(out)
