"""Reading one payer layer of a policy file: the keys every layer has, then its type's reader.

Each layer type reads its own keys (``read`` of its
:class:`~zjj_medical.engine.layers.LayerType`); the helpers here (``base``, caps, the
repeat-claim deductible rule) are shared by the types that take those keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from zjj_medical.policy.model import ALWAYS, Cap, PolicyLayer, RepeatRule
from zjj_medical.policy.reader import Reader, show

__all__ = ["read_base", "read_caps", "read_layer", "read_repeat"]


#: Keys every layer takes, whatever its type.
COMMON_REQUIRED = frozenset({"id", "name", "reference", "kinds"})
COMMON_OPTIONAL = frozenset({"description", "type", "when", "effective", "caps"})


def read_layer(r: Reader, obj: Any, path: str, earlier: list[str]) -> PolicyLayer:
    """Read the keys every layer has, then the type's own keys by the type's reader."""
    from zjj_medical.engine.layers import LAYER_TYPES

    typ = obj.get("type", "schedule") if isinstance(obj, dict) else "schedule"
    if typ not in LAYER_TYPES:
        r.fail(f"{path}.type", "policy.layer.type", shown=show(typ), types=" or ".join(LAYER_TYPES))
    kind = LAYER_TYPES[typ]
    own = frozenset().union(*(t.keys for t in LAYER_TYPES.values()))
    m = r.mapping(obj, path, required=set(COMMON_REQUIRED), optional=set(COMMON_OPTIONAL | own))
    layer_id = r.ident(m["id"], f"{path}.id")
    if layer_id in earlier:
        r.fail(f"{path}.id", "policy.layer.twice", layer=layer_id)
    for key in m:
        if key not in COMMON_REQUIRED | COMMON_OPTIONAL and key not in kind.keys:
            r.fail(f"{path}.{key}", "policy.layer.key", type=typ, key=key)
    kinds = r.ids(m["kinds"], f"{path}.kinds", r.kinds, "claim kind")
    if not kinds:
        r.fail(f"{path}.kinds", "policy.layer.kinds")
    start, until, eff_ref = r.effective(m.get("effective"), f"{path}.effective")
    when = r.condition(m["when"], f"{path}.when") if "when" in m else ALWAYS
    common = PolicyLayer(
        id=layer_id, name=r.text(m["name"], f"{path}.name"),
        description=r.text(m.get("description", m["name"]), f"{path}.description"),
        reference=r.text(m["reference"], f"{path}.reference"), kinds=kinds,
        type=typ, when=when, start=start, until=until, effective_reference=eff_ref,
        caps=read_caps(r, m.get("caps"), f"{path}.caps"),
    )  # fmt: skip
    return kind.read(r, m, path, earlier, common)


def read_base(r: Reader, m: Mapping[str, Any], path: str, earlier: list[str]) -> dict[str, Any]:
    """The ``base:`` key (``of`` in_scope or total, ``minus`` earlier layers) as layer fields."""
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
    return {"base_of": base_of, "base_minus": minus}


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


def read_repeat(r: Reader, obj: Any, path: str) -> tuple[RepeatRule, ...]:
    """``deductible_repeat``: one rule (a mapping) or a list of rules, each with a ``when``."""
    if isinstance(obj, list):
        if not obj:
            r.fail(path, "policy.repeat.list")
        return tuple(_repeat_rule(r, item, f"{path}[{i}]") for i, item in enumerate(obj))
    return (_repeat_rule(r, obj, path),)


def _repeat_rule(r: Reader, obj: Any, path: str) -> RepeatRule:
    m = r.mapping(
        obj, path, required={"count", "description", "reference"},
        optional={"multiply", "set", "step", "floor", "from", "until", "when"},
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
        r.condition(m["when"], f"{path}.when") if "when" in m else ALWAYS,
    )  # fmt: skip
