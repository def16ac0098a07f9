"""The table of error codes for the errors reference: each code, what it means, and an
example of its English message, read from the catalog (:mod:`zjj_medical.messages`), so
the page cannot drift from the messages the library gives.

>>> rows = code_rows()
>>> [r for r in rows if r[0] == "claim.facility.level.unknown"]  # doctest: +NORMALIZE_WHITESPACE
[('claim.facility.level.unknown', 'the facility level is not one the policy declares',
  "claim C1: facility.level: unknown facility level 'clinic' (accepted: village_clinic, township, county)")]
"""

from __future__ import annotations

from typing import Any

from zjj_medical.messages import render, template_fields
from zjj_medical.messages.en import MESSAGES, meaning

__all__ = ["EXAMPLE_PARAMS", "HEADERS", "code_rows", "code_table", "example_params"]

_TIERS = ["village_clinic", "township", "county"]

#: An example value for each param name the templates read.
EXAMPLE_PARAMS: dict[str, Any] = {
    "accepted": _TIERS,
    "application_id": "0x0",
    "at": "layers[9]",
    "attribute": "scheme",
    "builtin": ["zhangjiajie", "zhangjiajie_2018"],
    "by": "tier",
    "claim_id": "C1",
    "column": "total",
    "count": 9,
    "date": "2019-11-03",
    "day": "2019-07-01",
    "db": "ledger.db",
    "declared": _TIERS,
    "detail": "database is locked",
    "expected": "ratio",
    "fact": "age",
    "facility": "zjj-peoples-hospital",
    "field": "referral",
    "format": "zjj-medical-policy/1",
    "ids": ["basic_insurance", "fiscal_backstop"],
    "index": 2,
    "key": "city",
    "keys": ["base", "paid"],
    "kind": "inpatient",
    "kinds": ["inpatient"],
    "known": ["accident", "county", "poor", "tier"],
    "layer": "basic_insurance",
    "ledger_person": "P2",
    "line": 12,
    "lower": "50000.00",
    "max": "10000000000.00",
    "message": "the message as given",
    "path": "layers[0].ratio.values.2019-01-01",
    "person_id": "P1",
    "policy_id": "zhangjiajie",
    "previous": "60000.00",
    "segment": "ratio",
    "shown": "'x'",
    "source": "county.yaml",
    "start": "2019-01-01",
    "tables": "users",
    "text": "12.345",
    "tier": "village_clinic",
    "tiers": ["provincial"],
    "total": "100.00",
    "type": "list",
    "unit": "CNY",
    "until": "2018-12-31",
    "upper": "40000.00",
    "value": "clinic",
    "version": 9,
    "what": "total",
    "where": "layers[0]",
    "year": 2019,
    "years": [2019, 2020],
    "in_scope": "120.00",
    "known_version": 2,
}

#: Example params for the codes whose message reads better with values of their own.
_OVERRIDES: dict[str, dict[str, Any]] = {
    "claim.in_scope.above_total": {},
    "policy.ratio.range": {"value": "1.2"},
    "policy.ratio.decimals": {"value": "0.1234567"},
    "policy.money.negative": {"value": "-1"},
    "policy.money.large": {"value": "1E+40"},
    "policy.money.decimals": {"value": "0.001"},
    "policy.count": {"value": "1.5"},
    "policy.modifier.negative": {"value": "-0.5"},
    "policy.float": {"value": 0.85},
    "policy.value.type": {"value": {1, 2}},
    "policy.ids.list": {"what": "tier"},
    "policy.ids.unknown": {"what": "tier", "shown": "'city'"},
    "policy.fact.value.unknown": {"what": "tier", "shown": "'city'"},
    "policy.table.key": {"key": "city"},
    "policy.format": {"shown": "'v0'"},
    "policy.facility.tier": {"shown": "'city'"},
    "policy.facility.county": {"shown": "'nowhere'"},
    "population.number": {"value": "-1"},
    "population.format": {"value": "v0", "format": "zjj-medical-population/1"},
    "reform.format": {"value": "v0", "format": "zjj-medical-reform/1"},
    "reform.set.key": {"segment": "ratoi", "keys": ["ratio", "reference", "unit"]},
    "reform.set.id": {"segment": "basic"},
    "reform.set.date": {"day": "2019-02-30"},
    "ledger.keys": {"keys": ["layers", "person_id"]},
    "ledger.year": {"value": "2019"},
    "ledger.malformed": {"detail": "invalid literal for int() with base 10: 'y'"},
    "store.synchronous": {"value": "SOMETIMES", "accepted": ["OFF", "NORMAL", "FULL", "EXTRA"]},
    "store.schema.newer": {"version": 9, "known": 2},
    "store.transaction.needed": {"what": "put_ledger"},
    "store.claim.not_stored": {"what": "remove_settlement"},
    "chronic_care.condition.unknown": {
        "value": "asthma",
        "accepted": ["hypertension (高血压)", "diabetes (糖尿病)"],
    },
}
_STAMP = {"value": "2019-05-01 10:00:00", "value_repr": "Timestamp('2019-05-01 10:00:00')"}
_COUNTIES = {"value": "nowhere", "accepted": ["yongding", "wulingyuan", "cili", "sangzhi"]}
_OVERRIDES.update(
    {
        "claim.facility.field.unknown": {
            "field": "facility.name",
            "accepted": ["county", "id", "level"],
        },
        "document.field.unknown": {"field": "patient", "accepted": ["claims", "ledger", "person"]},
        "document.field.missing": {"field": "claims"},
        "person.field.missing": {"field": "county"},
        "claim.field.missing": {"field": "kind"},
        "claim.kind.unknown": {"value": "surgery", "accepted": ["inpatient", "outpatient"]},
        "claim.facility.county.unknown": _COUNTIES,
        "claim.person.county.unknown": _COUNTIES,
        "person.county.unknown": _COUNTIES,
        "claim.person.category.unknown": {"value": "wubao", "accepted": ["tekun", "dibao"]},
        "person.category.unknown": {"value": "wubao", "accepted": ["tekun", "dibao"]},
        "claim.attribute.unknown": {"field": "transfer", "accepted": ["referral"]},
        "claim.attribute.value": {"value": "yes", "accepted": ["filed", "unfiled", "emergency"]},
        "claim.person_attribute.unknown": {
            "field": "person.age",
            "accepted": ["scheme", "retiree"],
        },
        "claim.person_attribute.value": {
            "field": "person.scheme",
            "value": "x",
            "accepted": ["resident", "employee"],
        },
        "claim.person_attribute.bool": {"field": "person.retiree"},
        "claim.person_attribute.required": {"field": "person.scheme"},
        "person.attribute.unknown": {"field": "person.age", "accepted": ["scheme", "retiree"]},
        "person.attribute.value": {
            "field": "person.scheme",
            "value": "x",
            "accepted": ["resident", "employee"],
        },
        "person.attribute.bool": {"field": "person.retiree"},
        "person.attribute.required": {"field": "person.scheme"},
        "claim.id.text": {"value": ""},
        "claim.id.document": {"value": None},
        "person.id.text": {"value": ""},
        "person.county.text": {"value": 5},
        "claim.facility.type": {"value": "county"},
        "claim.person_id.unknown": {"value": "P9"},
        "cell.categories": {"value": 5},
        "claim.person.cell.categories": {"value": 5, "column": "categories"},
        "person.cell.categories": {"value": 5, "column": "categories"},
        "claim.person.cell.bool": {"column": "poor"},
        "person.cell.bool": {"column": "poor"},
        "claim.person.column.missing": {"column": "county"},
        "person.column.missing": {"column": "county"},
        "claim.cell.bool": {"column": "accident"},
        "claim.cell.date": {"column": "date"},
        "claim.cell.date.time": {"column": "date", **_STAMP},
        "cell.date.time": _STAMP,
        "claim.column.missing": {"column": "kind"},
        "policy.key.unknown": {"accepted": ["description", "reference", "unit", "values"]},
        "reform.key.unknown": {
            "accepted": ["changes", "description", "format", "name", "reference"]
        },
        "policy.yaml.invalid": {"detail": "while parsing a flow sequence ... expected ',' or ']'"},
        "store.open": {"detail": "unable to open database file"},
        "store.not_sqlite": {"detail": "file is not a database"},
        "store.sqlite": {"detail": "disk I/O error"},
        "store.settlement.damaged": {"detail": "Expecting value: line 1 column 1 (char 0)"},
        "store.ledger.damaged": {"detail": "Expecting value: line 1 column 1 (char 0)"},
        "reform.set.index": {"where": "layers"},
        "reform.set.id": {"segment": "basic", "where": "layers"},
        "reform.set.not_list": {"where": "layers[0].ratio", "segment": "0"},
        "reform.set.not_mapping": {"where": "layers[0].name", "segment": "x"},
    }
)
_MONEY_VALUE = {"value": "0.005", "text": "0.005"}


def example_params(code: str) -> dict[str, Any]:
    """Example params for a code: every field its template reads."""
    params = {name: EXAMPLE_PARAMS.get(name, name) for name in template_fields(MESSAGES[code])}
    if ".money." in f".{code}" or ".cell.money." in code:
        params.update({k: v for k, v in _MONEY_VALUE.items() if k in params})
    if code.endswith((".bool", "cell.bool")) and "value" in params:
        params["value"] = "maybe"
    if code.endswith((".date", ".date.format", ".date.type")):
        params["value"] = "2019-13-01"
    if code.endswith("money.type"):
        params.update({"value": [1], "type": "list"})
    chosen = _OVERRIDES.get(code, {}).items()
    params.update({k: v for k, v in chosen if k in params or k.endswith("_repr")})
    return params


def code_rows(lang: str = "en") -> list[tuple[str, str, str]]:
    """``(code, meaning, example message)`` for every code of the catalog, sorted, in ``lang``
    (the meaning and message through the gettext catalog; English where it has no
    translation yet).

    >>> [r[1] for r in code_rows("zh") if r[0] == "claim.kind.unknown"]
    ['理赔类型不是政策声明的类型']
    """
    return [
        (code, meaning(code, lang), render(code, example_params(code), lang))
        for code in sorted(MESSAGES)
    ]


#: The table's header in each language (English for a language not listed).
HEADERS: dict[str, tuple[str, str, str]] = {
    "en": ("code", "meaning", "example message"),
    "zh": ("代码 code", "含义 meaning", "示例消息 example message"),
}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def code_table(lang: str = "en") -> str:
    """The Markdown table of :func:`code_rows` in ``lang``.

    >>> code_table("zh").splitlines()[0]
    '| 代码 code | 含义 meaning | 示例消息 example message |'
    """
    head = HEADERS.get(lang, HEADERS["en"])
    lines = [f"| {head[0]} | {head[1]} | {head[2]} |", "|---|---|---|"]
    lines += [f"| `{c}` | {_cell(m)} | {_cell(e)} |" for c, m, e in code_rows(lang)]
    return "\n".join(lines)
