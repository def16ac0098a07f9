"""The national platform's settlement shape: ``setlinfo`` and ``setldetail``.

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

from decimal import Decimal
from typing import Any

from zjj_medical.engine.settlement import Settlement
from zjj_medical.errors import PolicyError
from zjj_medical.money import ZERO, format_money
from zjj_medical.policy.model import Policy
from zjj_medical.policy.platform import FIELDS

__all__ = ["to_platform"]


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
        deductible = basic.inputs.get("deductible_borne", ZERO)
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
