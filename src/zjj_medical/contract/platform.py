"""The national platform's settlement shapes: the request it is sent, and ``setlinfo`` and
``setldetail`` it answers with.

:func:`request_document` reads a settlement request in the platform's field names (the
discharge, its fee details ``feedetail``) as the JSON contract's document, so it is settled
by the same readers and rules as every other shape.

:func:`to_platform` writes a :class:`~zjj_medical.Settlement` as the platform's settlement
output (2304 inpatient / 2207 outpatient): the summary ``setlinfo`` and one ``setldetail``
row per fund, following the policy's ``platform:`` mapping (which layer pays into which
field and fund code, :mod:`zjj_medical.policy.platform`). Amounts are two-decimal text.

Identities (checked by the tests on random years):

* ``fund_pay_sumamt`` = Σ ``setldetail.fund_payamt`` (the layers that are funds);
* ``fund_pay_sumamt + hosp_part_amt + psn_part_amt = medfee_sumamt`` — a hospital reduction
  mapped to ``hosp_part_amt`` is borne by the hospital: neither a fund nor the person's share;
* ``fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt = medfee_sumamt``
  (without fee lines the out-of-scope part is ``fulamt_ownpay_amt``).

>>> from zjj_medical import Claim, Facility, Person, load_policy, settle
>>> s = settle(Claim("C1", "inpatient", "2019-11-03", Facility(level="county", county="sangzhi"),
...                  "20000.00", "18000.00"), Person("P1", poor=True, county="sangzhi"))
>>> out = to_platform(s, load_policy())
>>> out["setlinfo"]["hifp_pay"], out["setlinfo"]["oth_pay"], out["setlinfo"]["psn_part_amt"]
('15300.00', '1700.00', '3000.00')
>>> [(d["fund_pay_type"], d["fund_payamt"]) for d in out["setldetail"]]
[('390100', '15300.00'), ('999998', '1700.00')]
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from zjj_medical.engine.settlement import Settlement
from zjj_medical.errors import InvalidClaim, PolicyError
from zjj_medical.money import ZERO, format_money
from zjj_medical.policy.model import Policy
from zjj_medical.policy.platform import FIELDS

__all__ = ["CHARGE_LEVELS", "MED_TYPES", "request_document", "to_platform"]


def to_platform(settlement: Settlement, policy: Policy) -> dict[str, Any]:
    """The settlement as the platform's ``{"setlinfo": {…}, "setldetail": [...]}``."""
    platform = policy.platform
    if platform is None:
        raise PolicyError(code="policy.platform.none", params={"policy_id": policy.id})
    s = settlement
    fields = dict.fromkeys(FIELDS, ZERO)
    funds: dict[str, list[Any]] = {}
    for layer_id, amount in s.payments.items():
        where = platform.layers[layer_id]
        fields[where.field] += amount
        if where.fund_pay_type is not None:
            row = funds.setdefault(where.fund_pay_type, [where.name, ZERO])
            row[1] += amount
    fund_sum = sum((paid for _, paid in funds.values()), ZERO)
    if s.split is not None:
        own, over, pre, inscp = (
            s.split.fulamt_ownpay,
            s.split.overlmt_selfpay,
            s.split.preselfpay,
            s.split.inscp,
        )
    else:
        own, over, pre, inscp = s.total - s.in_scope, ZERO, ZERO, s.in_scope
    basic = next((e for e in s.trace if platform.layers[e.layer].field == "hifp_pay"), None)
    deductible = Decimal(0)
    ratio = None
    if basic is not None:
        # a stored settlement's trace holds money as text (its JSON form)
        deductible = Decimal(str(basic.inputs.get("deductible_borne", ZERO)))
        ratio = basic.inputs.get("ratio")
    setlinfo: dict[str, Any] = {
        "medfee_sumamt": format_money(s.total),
        "fulamt_ownpay_amt": format_money(own),
        "overlmt_selfpay": format_money(over),
        "preselfpay_amt": format_money(pre),
        "inscp_scp_amt": format_money(inscp),
        "act_pay_dedc": format_money(deductible),
        "pool_prop_selfpay": ratio,
        **{name: format_money(value) for name, value in fields.items()},
        "fund_pay_sumamt": format_money(fund_sum),
        "psn_part_amt": format_money(s.patient_pay),
        "acct_pay": "0.00",
        "psn_cash_pay": format_money(s.patient_pay),
    }
    setldetail = [
        {
            "fund_pay_type": code,
            "fund_pay_type_name": name,
            "inscp_scp_amt": format_money(inscp),
            "fund_payamt": format_money(paid),
        }
        for code, (name, paid) in funds.items()
        if paid
    ]
    return {"setlinfo": setlinfo, "setldetail": setldetail}


#: The platform's medical types (``med_type``) read as claim kinds (assumed: 11 普通门诊,
#: 21 普通住院; any other value is taken as a claim kind id or name of the policy).
MED_TYPES = {"11": "outpatient", "21": "inpatient"}
#: The platform's charge-item levels (``chrgitm_lv``) read as catalogue classes (assumed:
#: 01 甲类, 02 乙类, 03 丙类; any other value is taken as a class id or name of the policy).
CHARGE_LEVELS = {"01": "A", "02": "B", "03": "C"}
_REQUEST = {
    "psn_no", "insured", "mdtrt_id", "med_type", "dscg_date", "fixmedins_code", "facility",
    "medfee_sumamt", "feedetail", "accident", "ledger",
}  # fmt: skip
_DETAIL = {
    "feedetl_sn", "med_list_codg", "hilist_name", "cnt", "pric", "det_item_fee_sumamt",
    "chrgitm_lv", "pric_uplmt_amt", "selfpay_prop",
}  # fmt: skip


def _bad(path: str, detail: str, field: str | None = None) -> InvalidClaim:
    return InvalidClaim(
        code="platform.request", params={"path": path, "detail": detail},
        field=field or path, path=path,
    )  # fmt: skip


def request_document(req: Any) -> dict[str, Any]:
    """A settlement request in the platform's field names as the JSON contract's document.

    One request is one discharge (or visit) of one person::

        {"psn_no": "SZ-0001", "mdtrt_id": "A1", "med_type": "21", "dscg_date": "2019-11-03",
         "fixmedins_code": null, "medfee_sumamt": "1467.05",
         "feedetail": [{"feedetl_sn": "1", "med_list_codg": "A1", "hilist_name": "床位费",
                        "cnt": "10", "pric": "50.00", "det_item_fee_sumamt": "500.00",
                        "chrgitm_lv": "01", "pric_uplmt_amt": null, "selfpay_prop": null}],
         "insured": {"poor": true, "county": "sangzhi"},
         "facility": {"level": "county", "county": "sangzhi"},
         "ledger": null}

    ``insured`` and ``facility`` carry what the platform's request does not: the facts the
    policy reads of the person (registered poor, county, categories, attributes) and the
    facility's tier and county. The fee details become the claim's fee lines; the policy's
    catalogue rules split them. Errors name the request's own field path.
    """
    if not isinstance(req, Mapping):
        raise InvalidClaim(code="platform.request.object", field="document", path="")
    unknown = sorted(set(req) - _REQUEST)
    if unknown:
        raise _bad(unknown[0], f"unknown field (accepted: {', '.join(sorted(_REQUEST))})")
    for key in ("psn_no", "mdtrt_id", "med_type", "dscg_date", "feedetail", "insured"):
        if key not in req:
            raise _bad(key, "missing required field")
    insured = req["insured"]
    if not isinstance(insured, Mapping):
        raise _bad("insured", "expected an object (poor, county, …)")
    details = req["feedetail"]
    if not isinstance(details, list) or not details:
        raise _bad("feedetail", "expected a non-empty list of fee details")
    lines = []
    for i, d in enumerate(details):
        at = f"feedetail[{i}]"
        if not isinstance(d, Mapping):
            raise _bad(at, "expected an object")
        extra = sorted(set(d) - _DETAIL)
        if extra:
            raise _bad(
                f"{at}.{extra[0]}", f"unknown field (accepted: {', '.join(sorted(_DETAIL))})"
            )
        for key in ("med_list_codg", "cnt", "pric", "chrgitm_lv"):
            if key not in d:
                raise _bad(f"{at}.{key}", "missing required field")
        level = d["chrgitm_lv"]
        line: dict[str, Any] = {
            "code": d["med_list_codg"],
            "name": d.get("hilist_name") or d["med_list_codg"],
            "class": CHARGE_LEVELS.get(level, level) if isinstance(level, str) else level,
            "quantity": d["cnt"], "price": d["pric"],
        }  # fmt: skip
        for ours, theirs in (("amount", "det_item_fee_sumamt"), ("limit", "pric_uplmt_amt"),
                             ("self_pay_ratio", "selfpay_prop")):  # fmt: skip
            if d.get(theirs) is not None:
                line[ours] = d[theirs]
        lines.append(line)
    kind = req["med_type"]
    date = req["dscg_date"]
    if not isinstance(date, str):
        raise _bad("dscg_date", "expected a date text (YYYY-MM-DD, a time after it is ignored)")
    facility = dict(req.get("facility") or {})
    if req.get("fixmedins_code") is not None:
        facility["id"] = req["fixmedins_code"]
    claim: dict[str, Any] = {
        "id": req["mdtrt_id"], "kind": MED_TYPES.get(kind, kind) if isinstance(kind, str) else kind,
        "date": date[:10], "facility": facility, "lines": lines,
        "accident": req.get("accident", False),
    }  # fmt: skip
    if req.get("medfee_sumamt") is not None:
        claim["total"] = req["medfee_sumamt"]
    return {
        "person": {"id": req["psn_no"], **insured},
        "claims": [claim],
        "ledger": req.get("ledger"),
    }
