"""Export a settlement as an HL7 FHIR R4 ``ClaimResponse`` (the R4B model of fhir.resources).

The resource carries:

* ``adjudication``: one entry per payer layer, ``category`` coded in
  :data:`LAYER_SYSTEM` (``https://zjj-medical.example/CodeSystem/layer``; the codes are
  the policy's layer ids, e.g. ``basic_insurance``), ``amount`` in CNY;
* ``total``: the claim's total cost (HL7 ``submitted``), in-scope cost (``eligible``),
  reimbursed (``benefit``) and the patient's share (``patient-pay`` in :data:`AMOUNT_SYSTEM`);
* ``payment``: the reimbursed amount, paid on the claim's date;
* one :data:`ACCUMULATOR_URL` extension per layer of the person-year ledger after the
  claim: sub-extensions ``layer`` (Coding), ``year``, ``base``, ``paid``, ``deductible``;
* extensions :data:`IN_COUNTY_URL` and :data:`PAY_LATER_URL` (booleans).

:func:`claim_response` builds the resource as plain JSON-ready data (no dependency);
:func:`to_fhir_claim_response` validates it with ``fhir.resources`` (the optional extra
``zjj_medical[fhir]``) and returns the model.

>>> from zjj_medical import Claim, Facility, Person, settle
>>> s = settle(Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
...                  total="20000.00", in_scope="18000.00"), Person("P1", poor=True, county="sangzhi"))
>>> cr = claim_response(s)
>>> [(a["category"]["coding"][0]["code"], str(a["amount"]["value"])) for a in cr["adjudication"]][:2]
[('basic_insurance', '15300.00'), ('critical_illness', '0.00')]
>>> str(cr["payment"]["amount"]["value"])
'17000.00'
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from decimal import Decimal
from typing import Any

from zjj_medical.engine.settlement import Settlement
from zjj_medical.render.explain import layer_label

__all__ = [
    "ACCUMULATOR_URL",
    "AMOUNT_SYSTEM",
    "CLAIM_ID_SYSTEM",
    "IN_COUNTY_URL",
    "LAYER_SYSTEM",
    "PAY_LATER_URL",
    "PERSON_ID_SYSTEM",
    "POLICY_ID_SYSTEM",
    "claim_response",
    "fhir_json",
    "to_fhir_claim_response",
]

_BASE = "https://zjj-medical.example"
#: Code system of the payer layers: the codes are the policy's layer ids.
LAYER_SYSTEM = f"{_BASE}/CodeSystem/layer"
#: Code system of amounts HL7's adjudication codes lack (``patient-pay``).
AMOUNT_SYSTEM = f"{_BASE}/CodeSystem/amount"
#: Extension: one layer's annual accumulators after the claim.
ACCUMULATOR_URL = f"{_BASE}/StructureDefinition/annual-accumulator"
#: Extension: the claim was treated in-county (县域内).
IN_COUNTY_URL = f"{_BASE}/StructureDefinition/in-county"
#: Extension: treatment first, payment after (先诊疗、后付费) applies.
PAY_LATER_URL = f"{_BASE}/StructureDefinition/pay-later"
#: Identifier systems of claim, person and policy ids.
CLAIM_ID_SYSTEM = f"{_BASE}/NamingSystem/claim-id"
PERSON_ID_SYSTEM = f"{_BASE}/NamingSystem/person-id"
POLICY_ID_SYSTEM = f"{_BASE}/NamingSystem/policy-id"
_HL7_ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
_HL7_CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
_HL7_PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"


def _money(value: Decimal) -> dict[str, Any]:
    return {"value": value, "currency": "CNY"}


def _layer(layer_id: str) -> dict[str, Any]:
    return {"system": LAYER_SYSTEM, "code": layer_id, "display": layer_label(layer_id)}


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def claim_response(
    settlement: Settlement,
    *,
    created: str | dt.date | dt.datetime | None = None,
    use: str = "claim",
) -> dict[str, Any]:
    """The settlement as a FHIR R4 ClaimResponse, as JSON-ready data (money as ``Decimal``).

    Args:
        settlement: the settlement; its ledger (after the claim) gives the accumulators.
        created: when the response was made (default: the claim's date).
        use: ``claim`` for a settlement, ``predetermination`` for a pre-settlement (预结算).
    """
    s, ledger = settlement, settlement.ledger
    if created is None:
        created = s.date
    when = created if isinstance(created, str) else created.isoformat()
    accumulators = [
        {
            "url": ACCUMULATOR_URL,
            "extension": [
                {"url": "layer", "valueCoding": _layer(layer_id)},
                {"url": "year", "valuePositiveInt": ledger.year},
                {"url": "base", "valueMoney": _money(state.base)},
                {"url": "paid", "valueMoney": _money(state.paid)},
                {"url": "deductible", "valueMoney": _money(state.deductible)},
            ],
        }
        for layer_id, state in ledger.layers.items()
    ]
    return {
        "resourceType": "ClaimResponse",
        "extension": [
            {"url": IN_COUNTY_URL, "valueBoolean": s.in_county},
            {"url": PAY_LATER_URL, "valueBoolean": s.pay_later},
            *accumulators,
        ],
        "identifier": [{"system": CLAIM_ID_SYSTEM, "value": s.claim_id}],
        "status": "active",
        "type": _concept(
            _HL7_CLAIM_TYPE, "institutional" if s.kind == "inpatient" else "professional"
        ),
        "use": use,
        "patient": {"identifier": {"system": PERSON_ID_SYSTEM, "value": ledger.person_id}},
        "created": when,
        "insurer": {
            "identifier": {"system": POLICY_ID_SYSTEM, "value": s.policy_id},
            "display": f"one-stop settlement under policy {s.policy_id}",
        },
        "request": {"identifier": {"system": CLAIM_ID_SYSTEM, "value": s.claim_id}},
        "outcome": "complete",
        "disposition": f"settled {s.kind} claim of {s.date.isoformat()}",
        "adjudication": [
            {"category": {"coding": [_layer(k)]}, "amount": _money(v)}
            for k, v in s.payments.items()
        ],
        "total": [
            {"category": _concept(_HL7_ADJUDICATION, "submitted"), "amount": _money(s.total)},
            {"category": _concept(_HL7_ADJUDICATION, "eligible"), "amount": _money(s.in_scope)},
            {"category": _concept(_HL7_ADJUDICATION, "benefit"), "amount": _money(s.reimbursed)},
            {
                "category": _concept(AMOUNT_SYSTEM, "patient-pay", "个人自付 patient pays"),
                "amount": _money(s.patient_pay),
            },
        ],
        "payment": {
            "type": _concept(_HL7_PAYMENT_TYPE, "complete"),
            "date": s.date.isoformat(),
            "amount": _money(s.reimbursed),
        },
    }


def to_fhir_claim_response(
    settlement: Settlement,
    *,
    created: str | dt.date | dt.datetime | None = None,
    use: str = "claim",
) -> Any:
    """The settlement as a validated ``fhir.resources.R4B.claimresponse.ClaimResponse``.

    Needs the optional extra ``zjj_medical[fhir]``; without it, ``ImportError`` says so.
    """
    try:
        module = importlib.import_module("fhir.resources.R4B.claimresponse")
    except ImportError as exc:
        raise ImportError(
            "FHIR export needs the optional dependency fhir.resources (with its R4B models): "
            "pip install 'zjj_medical[fhir]'"
        ) from exc
    return module.ClaimResponse(**claim_response(settlement, created=created, use=use))


_DECIMAL = re.compile(r'"__decimal__:(-?[0-9]+(?:\.[0-9]+)?)"')


def fhir_json(resource: dict[str, Any], *, indent: int | None = 2) -> str:
    """JSON text of a resource built by :func:`claim_response`, decimals written exactly.

    >>> fhir_json({"amount": {"value": Decimal("15300.00")}}, indent=None)
    '{"amount": {"value": 15300.00}}'
    """

    def default(obj: object) -> str:
        if isinstance(obj, Decimal):
            return f"__decimal__:{obj}"
        raise TypeError(f"{type(obj).__name__} is not JSON serialisable")

    text = json.dumps(resource, ensure_ascii=False, indent=indent, default=default)
    return _DECIMAL.sub(r"\1", text)
