"""Which field of the national platform's settlement each layer's payment goes to.

The national medical security information platform (国家医疗保障信息平台, 定点医药机构接口规范)
reports a settlement as a summary ``setlinfo`` (``hifp_pay`` basic pooling fund, ``hifmi_pay``
residents' critical-illness insurance, ``maf_pay`` medical assistance, ``hosp_part_amt``
borne by the hospital, ``oth_pay`` other payments …) and one ``setldetail`` row per fund,
identified by its fund-pay-type code (``fund_pay_type``). Which field and code each layer
maps to is policy data, in a ``platform:`` section::

    platform:
      reference: 国家医疗保障信息平台定点医药机构接口规范（2304 住院结算 setlinfo / setldetail）
      assumed: true
      reason: …
      layers:
        basic_insurance: {field: hifp_pay, fund_pay_type: "390100", name: 城乡居民基本医疗保险基金}
        hospital_reduction: {field: hosp_part_amt}      # not a fund: no setldetail row

A layer paying into a fund field names its ``fund_pay_type``: it has a ``setldetail`` row
and counts in ``fund_pay_sumamt``. A layer paying into ``hosp_part_amt`` is borne by the
hospital (医院减免): no fund code, neither a fund nor the person's share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from zjj_medical.policy.reader import Reader

__all__ = ["FIELDS", "Platform", "PlatformLayer", "read_platform"]

#: The ``setlinfo`` fields a layer may pay into.
FIELDS = (
    "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "hifdm_pay", "maf_pay",
    "oth_pay", "hosp_part_amt",
)  # fmt: skip


@attrs.frozen
class PlatformLayer:
    """Where a layer's payment goes: a ``setlinfo`` field, and its fund code if it is a fund."""

    field: str
    fund_pay_type: str | None = None
    name: str = ""


@attrs.frozen
class Platform:
    """The policy's mapping of its layers to the platform's settlement fields."""

    reference: str
    layers: Mapping[str, PlatformLayer]
    assumed: bool = False
    reason: str | None = None


def read_platform(r: Reader, obj: Any, layer_ids: set[str], path: str = "platform") -> Platform:
    """Read the ``platform:`` section; every layer of the policy must be mapped."""
    m = r.mapping(
        obj, path, required={"reference", "layers"},
        optional={"description", "assumed", "reason"},
    )  # fmt: skip
    assumed = r.boolean(m.get("assumed", False), f"{path}.assumed")
    reason = r.text(m["reason"], f"{path}.reason") if "reason" in m else None
    if assumed and reason is None:
        r.fail(f"{path}.reason", "policy.assumed.reason")
    raw = r.mapping(m["layers"], f"{path}.layers", optional=layer_ids)
    missing = sorted(layer_ids - set(raw))
    if missing:
        r.fail(f"{path}.layers", "policy.platform.missing", layers=missing)
    layers = {}
    for layer_id, value in raw.items():
        p = f"{path}.layers.{layer_id}"
        e = r.mapping(value, p, required={"field"}, optional={"fund_pay_type", "name"})
        if e["field"] not in FIELDS:
            r.fail(f"{p}.field", "policy.platform.field", value=e["field"], accepted=list(FIELDS))
        code = e.get("fund_pay_type")
        if code is not None and not (isinstance(code, str) and code.strip()):
            r.fail(f"{p}.fund_pay_type", "policy.text", shown=repr(code))
        if e["field"] == "hosp_part_amt" and code is not None:
            r.fail(f"{p}.fund_pay_type", "policy.platform.hospital")
        if e["field"] != "hosp_part_amt" and code is None:
            r.fail(f"{p}.fund_pay_type", "policy.platform.fund", field=e["field"])
        layers[layer_id] = PlatformLayer(
            e["field"], code, r.text(e["name"], f"{p}.name") if "name" in e else ""
        )
    return Platform(r.text(m["reference"], f"{path}.reference"), layers, assumed, reason)
