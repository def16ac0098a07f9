"""The claim and the person as mappings of their JSON-contract fields: one reader and one
writer each, which every shape goes through.

* The JSON contract (:mod:`~zjj_medical.contract.documents`) reads a document's ``person``
  and each of its ``claims[i]`` here.
* The ledger store keeps what :func:`claim_to_dict` and :func:`person_to_dict` write — the
  contract's form — and reads its records back here.
* A table row (:mod:`~zjj_medical.contract.rows`) is a mapping of the same fields once the
  table's own spellings are undone (flat ``facility_*`` columns, ``;``-separated
  categories, missing cells, text booleans); it is read here too.

Keys other than the fields are the policy attributes of the claim or person
(``"referral": "filed"``); the policy refuses the ones it does not declare when settling.

Every :class:`~zjj_medical.errors.InvalidClaim` raised while reading carries, besides its
``claim_id`` and ``field``, the JSON path of the bad input as ``path``
(``claims[2].facility.level``, ``person.poor``), from the path of the mapping given.

>>> from zjj_medical import Claim, Facility
>>> c = claim_from_dict({"id": "C1", "kind": "inpatient", "date": "2019-11-03",
...                      "facility": {"level": "county", "county": "sangzhi"},
...                      "total": "20000", "in_scope": "18000", "referral": "filed"})
>>> claim_to_dict(c)["total"], dict(c.attributes), claim_from_dict(claim_to_dict(c)) == c
('20000.00', {'referral': 'filed'}, True)
>>> try:
...     claim_from_dict({"id": "C1", "facility": {"tier": "x"}}, "claims[2]")
... except InvalidClaim as exc:
...     print(exc.path, "-", exc)
claims[2].facility.tier - claim C1: facility.tier: unknown field (accepted: county, id, level)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from zjj_medical.engine.claims import Claim
from zjj_medical.engine.lines import FeeLine, line_problem
from zjj_medical.engine.people import Facility, Person, is_id, shown
from zjj_medical.errors import InvalidClaim
from zjj_medical.i18n import read_yes_no
from zjj_medical.money import format_money

__all__ = [
    "CLAIM_FIELDS",
    "FACILITY_FIELDS",
    "LINE_FIELDS",
    "PERSON_FIELDS",
    "claim_from_dict",
    "claim_to_dict",
    "invalid",
    "person_from_dict",
    "person_to_dict",
]

#: The fields of a claim object; any other key is a claim attribute.
CLAIM_FIELDS = ("id", "kind", "date", "facility", "total", "in_scope", "accident", "lines")
#: The fields of a fee line; no other key is accepted.
LINE_FIELDS = ("code", "name", "class", "quantity", "price", "amount", "limit", "self_pay_ratio")
#: The fields of a claim's ``facility`` object; no other key is accepted.
FACILITY_FIELDS = ("id", "level", "county")
#: The fields of a person object; any other key is a person attribute.
PERSON_FIELDS = ("id", "poor", "county", "categories")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and name else path or name


def _located(exc: InvalidClaim, path: str) -> InvalidClaim:
    """The error with the JSON path of the bad input as ``path`` (its message unchanged)."""
    exc.path = path
    return exc


def invalid(message: str, path: str, *, claim_id: str | None = None, field: str) -> InvalidClaim:
    """An :class:`~zjj_medical.errors.InvalidClaim` about the input at JSON path ``path``,
    for the shapes' own errors (a table's missing cell), located like the reader's."""
    return InvalidClaim(message, claim_id=claim_id, field=field, path=path)


def _fail(
    code: str, path: str, *, claim_id: str | None = None, field: str, **params: object
) -> NoReturn:
    raise InvalidClaim(
        code=code, params={"claim_id": claim_id, "field": field, **params},
        claim_id=claim_id, field=field, path=path,
    )  # fmt: skip


def _need(data: Mapping[str, Any], key: str, path: str, cid: str | None) -> Any:
    if key not in data:
        if cid is None:
            _fail("person.field.missing", _join(path, key), field=key, where=path)
        _fail("claim.field.missing", _join(path, key), claim_id=cid, field=key)
    return data[key]


def _bad_text(value: object, name: str) -> str | None:
    """The field name (``facility.level``, ``categories[1]``) of the first text in ``value``
    (keys included) that holds a lone surrogate, else ``None``."""
    if isinstance(value, str):
        return None if is_id(value) or not value else name
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = _join(name, str(shown(key)))
            if isinstance(key, str) and _bad_text(key, child):
                return child
            found = _bad_text(item, child)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _bad_text(item, f"{name}[{i}]")
            if found:
                return found
    return None


def claim_from_dict(data: object, path: str = "") -> Claim:
    """The :class:`~zjj_medical.Claim` a claim object describes; ``path`` is where the object
    is in its document (``claims[2]``), for the errors.

    Raises :class:`~zjj_medical.errors.InvalidClaim` naming the claim, the field and the path.
    """
    if not isinstance(data, Mapping):
        _fail("claim.object", path, field=path or "claim", where=path or "claim")
    cid = data.get("id")
    if not isinstance(cid, str) or not is_id(cid):
        id_path = _join(path, "id")
        _fail("claim.id.document", id_path, field="id", where=id_path or "id", value=shown(cid))
    bad = _bad_text(data, "")
    if bad:
        _fail("claim.text.surrogate", _join(path, bad), claim_id=cid, field=bad)
    fac = _need(data, "facility", path, cid)
    if not isinstance(fac, Mapping):
        _fail("claim.facility.object", _join(path, "facility"), claim_id=cid, field="facility")
    unknown = sorted(set(fac) - set(FACILITY_FIELDS))
    if unknown:
        name = f"facility.{unknown[0]}"
        _fail("claim.facility.field.unknown", _join(path, name), claim_id=cid, field=name,
              accepted=sorted(FACILITY_FIELDS))  # fmt: skip
    if fac.get("id") is not None and not is_id(fac["id"]):
        _fail("claim.facility.id.text", _join(path, "facility.id"), claim_id=cid,
              field="facility.id", value=fac["id"])  # fmt: skip
    facility = Facility(fac.get("id"), fac.get("level"), fac.get("county"))
    lines = _lines(data.get("lines"), path, cid)
    needed = ("kind", "date") if lines else ("kind", "date", "total", "in_scope")
    kind, date = (_need(data, key, path, cid) for key in ("kind", "date"))
    for key in needed[2:]:
        _need(data, key, path, cid)
    total: Any = data.get("total")  # with lines, None: their sum
    in_scope: Any = data.get("in_scope")
    attributes = {k: v for k, v in data.items() if k not in CLAIM_FIELDS}
    try:
        return Claim(cid, kind, date, facility, total=total, in_scope=in_scope,
                     accident=read_yes_no(data.get("accident", False)), attributes=attributes,
                     lines=lines)  # fmt: skip
    except InvalidClaim as exc:
        raise _located(exc, _join(path, exc.field or "")) from None


def _lines(raw: object, path: str, cid: str) -> tuple[FeeLine, ...]:
    """The fee lines of a claim object (``lines``: a list of line objects, or absent)."""
    if raw is None:
        return ()
    where = _join(path, "lines")
    if not isinstance(raw, list):
        _fail("claim.line.invalid", where, claim_id=cid, field="lines", where="lines",
              detail="expected a list of fee lines")  # fmt: skip
    out = []
    for i, item in enumerate(raw):
        at = f"lines[{i}]"
        if not isinstance(item, Mapping):
            _fail("claim.line.invalid", _join(path, at), claim_id=cid, field=at, where=at,
                  detail="expected an object")  # fmt: skip
        unknown = sorted(set(item) - set(LINE_FIELDS))
        missing = [k for k in ("code", "name", "class", "quantity", "price") if k not in item]
        if unknown or missing:
            key = (unknown or missing)[0]
            detail = (
                f"unknown field (accepted: {', '.join(LINE_FIELDS)})"
                if unknown
                else "missing required field"
            )
            _fail("claim.line.invalid", _join(path, f"{at}.{key}"), claim_id=cid,
                  field=f"{at}.{key}", where=f"{at}.{key}", detail=detail)  # fmt: skip
        for key in ("code", "name", "class"):
            if not isinstance(item[key], str) or not item[key].strip():
                _fail("claim.line.invalid", _join(path, f"{at}.{key}"), claim_id=cid,
                      field=f"{at}.{key}", where=f"{at}.{key}",
                      detail=f"{item[key]!r} is not a non-empty text")  # fmt: skip
        try:
            out.append(FeeLine(
                item["code"], item["name"], item["class"], item["quantity"], item["price"],
                item.get("amount"), item.get("limit"), item.get("self_pay_ratio"),
            ))  # fmt: skip
        except (ValueError, TypeError) as exc:
            code, params = line_problem(exc)
            _fail(f"claim.{code}", _join(path, at), claim_id=cid, field=at, where=at, **params)
    return tuple(out)


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    """A claim as the JSON contract writes it (money as two-decimal text, the attributes
    after the fields); :func:`claim_from_dict` reads it back to an equal claim."""
    out: dict[str, Any] = {
        "id": claim.id,
        "kind": claim.kind,
        "date": claim.date.isoformat(),
        "facility": {
            "id": claim.facility.id,
            "level": claim.facility.level,
            "county": claim.facility.county,
        },
        "total": format_money(claim.total),
        "in_scope": None if claim.in_scope is None else format_money(claim.in_scope),
        "accident": claim.accident,
    }
    if claim.lines:
        out["lines"] = [line.to_dict() for line in claim.lines]
    out.update(claim.attributes)
    return out


def person_from_dict(data: object, path: str = "person") -> Person:
    """The :class:`~zjj_medical.Person` a person object describes; ``path`` is where the
    object is in its document, for the errors.

    Raises :class:`~zjj_medical.errors.InvalidClaim` naming the field and the path.
    """
    if not isinstance(data, Mapping):
        _fail("person.object", path, field=path, where=path)
    pid = _need(data, "id", path, None)
    if not is_id(pid):
        where = _join(path, "id")
        _fail("person.id.text", where, field="person.id", value=shown(pid))
    bad = _bad_text(data, "")
    if bad:
        where = _join(path, bad)
        _fail("person.text.surrogate", where, field=f"person.{bad}", where=where)
    county = _need(data, "county", path, None)
    categories = data.get("categories") or []
    if not isinstance(categories, list):
        where = _join(path, "categories")
        _fail("person.categories.list", where, field="person.categories", where=where)
    if not isinstance(county, str):
        where = _join(path, "county")
        _fail("person.county.text", where, field="person.county", where=where, value=county)
    attributes = {k: v for k, v in data.items() if k not in PERSON_FIELDS}
    poor = read_yes_no(_need(data, "poor", path, None))  # true/false, or 是/否
    try:
        return Person(pid, poor=poor, county=county, categories=tuple(categories),
                      attributes=attributes)  # fmt: skip
    except InvalidClaim as exc:
        field = (exc.field or "").removeprefix("person.")
        raise _located(exc, _join(path, field)) from None


def person_to_dict(person: Person) -> dict[str, Any]:
    """A person as the JSON contract writes it; :func:`person_from_dict` reads it back."""
    out: dict[str, Any] = {
        "id": person.id,
        "poor": person.poor,
        "county": person.county,
        "categories": list(person.categories),
    }
    out.update(person.attributes)
    return out
