"""Reading one payer layer of a policy file: schedule or target, with caps and deductible rules."""

from __future__ import annotations

from typing import Any, cast

from zjj_medical.policy.model import ALWAYS, Cap, PolicyLayer, RepeatRule
from zjj_medical.policy.reader import Reader, show

__all__ = ["read_caps", "read_layer", "read_repeat"]


def read_layer(r: Reader, obj: Any, path: str, earlier: list[str]) -> PolicyLayer:
    m = r.mapping(
        obj, path, required={"id", "name", "reference", "kinds"},
        optional={
            "description", "type", "when", "effective", "base", "accumulation", "deductible",
            "deductible_repeat", "deductible_ceiling", "ratio", "bands", "caps", "target",
        },
    )  # fmt: skip
    layer_id = r.ident(m["id"], f"{path}.id")
    if layer_id in earlier:
        r.fail(f"{path}.id", "policy.layer.twice", layer=layer_id)
    typ = m.get("type", "schedule")
    if typ not in ("schedule", "target"):
        r.fail(f"{path}.type", "policy.layer.type", shown=show(typ))
    kinds = r.ids(m["kinds"], f"{path}.kinds", r.kinds, "claim kind")
    if not kinds:
        r.fail(f"{path}.kinds", "policy.layer.kinds")
    start, until, eff_ref = r.effective(m.get("effective"), f"{path}.effective")
    when = r.condition(m["when"], f"{path}.when") if "when" in m else ALWAYS
    base_of: str = "in_scope"
    minus: tuple[str, ...] = ()
    if "base" in m:
        b = r.mapping(m["base"], f"{path}.base", required={"of"}, optional={"minus"})
        base_of = b["of"]
        if base_of not in ("in_scope", "total"):
            r.fail(f"{path}.base.of", "policy.layer.of", shown=show(base_of))
        if b.get("minus") == "earlier":
            minus = tuple(earlier)
        elif "minus" in b:
            minus = r.ids(b["minus"], f"{path}.base.minus", set(earlier), "earlier layer")
    accumulation = m.get("accumulation", "claim")
    if accumulation not in ("claim", "year"):
        r.fail(f"{path}.accumulation", "policy.per", shown=show(accumulation))
    common: dict[str, Any] = {
        "id": layer_id, "name": r.text(m["name"], f"{path}.name"),
        "description": r.text(m.get("description", m["name"]), f"{path}.description"),
        "reference": r.text(m["reference"], f"{path}.reference"), "kinds": kinds,
        "when": when, "start": start, "until": until, "effective_reference": eff_ref,
    }  # fmt: skip
    if typ == "target":
        for key in (
            "base", "accumulation", "deductible", "deductible_repeat", "deductible_ceiling",
            "ratio", "bands",
        ):  # fmt: skip
            if key in m:
                r.fail(f"{path}.{key}", "policy.layer.target.key", key=key)
        if "target" not in m:
            r.fail(f"{path}.target", "policy.layer.target.missing")
        target = r.param(m["target"], f"{path}.target", "ratio", extra={"of"})
        target_of = m["target"].get("of", "total")
        if target_of not in ("in_scope", "total"):
            r.fail(f"{path}.target.of", "policy.layer.of", shown=show(target_of))
        caps = read_caps(r, m.get("caps"), f"{path}.caps")
        return PolicyLayer(
            **common, type="target", target=target, target_of=target_of, caps=caps,
            base_of=cast(Any, base_of), base_minus=minus,
        )  # fmt: skip
    if "target" in m:
        r.fail(f"{path}.target", "policy.layer.target.schedule")
    if ("ratio" in m) == ("bands" in m):
        r.fail(path, "policy.layer.ratio_or_bands")
    ratio = r.param(m["ratio"], f"{path}.ratio", "ratio") if "ratio" in m else None
    bands = measured = None
    if "bands" in m:
        bands = r.param(m["bands"], f"{path}.bands", "bands", extra={"measured"})
        measured = m["bands"].get("measured", "above_deductible")
        if measured not in ("above_deductible", "absolute"):
            r.fail(f"{path}.bands.measured", "policy.layer.measured", shown=show(measured))
    deductible = (
        r.param(m["deductible"], f"{path}.deductible", "money") if "deductible" in m else None
    )
    repeat = ceiling = None
    if "deductible_repeat" in m:
        if accumulation != "claim":
            r.fail(f"{path}.deductible_repeat", "policy.layer.repeat.year")
        repeat = read_repeat(r, m["deductible_repeat"], f"{path}.deductible_repeat")
    if "deductible_ceiling" in m:
        if accumulation != "claim":
            r.fail(f"{path}.deductible_ceiling", "policy.layer.ceiling.year")
        ceiling = r.param(m["deductible_ceiling"], f"{path}.deductible_ceiling", "money")
    return PolicyLayer(
        **common, base_of=cast(Any, base_of), base_minus=minus,
        accumulation=accumulation, deductible=deductible, repeat=repeat,
        deductible_ceiling=ceiling, ratio=ratio, bands=bands,
        measured=measured or "above_deductible", caps=read_caps(r, m.get("caps"), f"{path}.caps"),
    )  # fmt: skip


def read_caps(r: Reader, obj: Any, path: str) -> tuple[Cap, ...]:
    if obj is None:
        return ()
    if not isinstance(obj, list):
        r.fail(path, "policy.caps.list")
    out = []
    for i, item in enumerate(obj):
        p = f"{path}[{i}]"
        per = item.get("per") if isinstance(item, dict) else None
        if per not in ("claim", "year"):
            r.fail(f"{p}.per", "policy.per", shown=show(per))
        out.append(Cap(per, r.param(item, p, "cap", extra={"per"})))
    return tuple(out)


def read_repeat(r: Reader, obj: Any, path: str) -> RepeatRule:
    m = r.mapping(
        obj, path, required={"count", "description", "reference"},
        optional={"multiply", "set", "step", "floor", "from", "until"},
    )  # fmt: skip
    if m["count"] not in ("same_tier", "any_tier"):
        r.fail(f"{path}.count", "policy.repeat.count", shown=show(m["count"]))
    ops = [op for op in ("multiply", "set", "step") if op in m]
    if len(ops) != 1:
        r.fail(path, "policy.repeat.op")
    op = ops[0]
    value = r.ratio(m[op], f"{path}.{op}") if op == "multiply" else r.money(m[op], f"{path}.{op}")
    if "floor" in m and op != "step":
        r.fail(f"{path}.floor", "policy.repeat.floor")
    floor = r.money(m["floor"], f"{path}.floor") if "floor" in m else None
    start, until, _ = r.effective({k: m[k] for k in ("from", "until") if k in m} or None, path)
    return RepeatRule(
        m["count"], cast(Any, op), value, floor, start, until,
        r.text(m["description"], f"{path}.description"),
        r.text(m["reference"], f"{path}.reference"),
    )  # fmt: skip
