"""The strict policy loader: a policy file in, a validated :class:`Policy` out.

Every problem raises :class:`~zjj_medical.errors.PolicyError` whose message names
the file and the key path, e.g.
``zhangjiajie.yaml: layers[1].bands.values.2019-01-01[2].ratio: 1.5 is not in [0, 1]``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NoReturn, cast

from zjj_medical.errors import PolicyError
from zjj_medical.money import EXACT
from zjj_medical.policy.model import (
    ALWAYS,
    Attribute,
    Band,
    Cap,
    ChronicCare,
    ClaimKind,
    Condition,
    County,
    FacilityInfo,
    Modifier,
    Param,
    Policy,
    PolicyLayer,
    Premium,
    RepeatRule,
    SharedCap,
    Subsidy,
    Tier,
    Value,
)
from zjj_medical.policy.yamlio import read_policy_text

__all__ = ["BUILTIN_POLICIES", "load_policy", "parse_policy"]

FORMAT = "zjj-medical-policy/1"
#: Built-in policies shipped with the package, by name.
BUILTIN_POLICIES = ("zhangjiajie", "example_county")
_ID = re.compile(r"^[^\s.\[\]]+$")
_BUILTIN_FACTS = (
    "poor",
    "county",
    "categories",
    "kind",
    "tier",
    "in_county",
    "accident",
    "facility",
)
_PARAM_KEYS = {
    "description", "reference", "unit", "values", "by", "modifiers",
    "assumed", "assumed_keys", "reason",
}  # fmt: skip
Kind = Literal["money", "cap", "ratio", "bands", "count"]
_UNITS: dict[str, str] = {"money": "CNY", "cap": "CNY", "ratio": "ratio", "bands": "ratio"}


class _Reader:
    """Walks the parsed document, validating as it goes; knows the file name for errors."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.dates: set[dt.date] = set()
        self.tiers: set[str] = set()
        self.kinds: set[str] = set()
        self.counties: set[str] = set()
        self.categories: set[str] = set()
        self.facilities: set[str] = set()
        self.attributes: dict[str, Attribute] = {}

    # -- primitives -------------------------------------------------------------------
    def fail(self, path: str, message: str) -> NoReturn:
        raise PolicyError(f"{self.source}: {path}: {message}", source=self.source, path=path)

    def mapping(
        self, obj: Any, path: str, required: Iterable[str] = (), optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(obj, dict):
            self.fail(path, f"expected a mapping, got {_show(obj)}")
        required, optional = set(required), set(optional)
        for key in obj:
            if key not in required and key not in optional:
                accepted = ", ".join(sorted(required | optional))
                self.fail(_join(path, key), f"unknown key (accepted here: {accepted})")
        for key in sorted(required):
            if key not in obj:
                self.fail(_join(path, key), "missing required key")
        return obj

    def text(self, obj: Any, path: str) -> str:
        if not isinstance(obj, str) or not obj.strip():
            self.fail(path, f"expected a non-empty text, got {_show(obj)}")
        return " ".join(obj.split())

    def ident(self, obj: Any, path: str) -> str:
        if not isinstance(obj, str) or not _ID.match(obj):
            self.fail(path, f"{_show(obj)} is not a valid id (no spaces, dots or brackets)")
        return obj

    def boolean(self, obj: Any, path: str) -> bool:
        if not isinstance(obj, bool):
            self.fail(path, f"expected true or false, got {_show(obj)}")
        return obj

    def date(self, obj: Any, path: str) -> dt.date:
        if isinstance(obj, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", obj):
            try:
                day = dt.date.fromisoformat(obj)
            except ValueError:
                pass
            else:
                self.dates.add(day)
                return day
        self.fail(path, f"{_show(obj)} is not a date (YYYY-MM-DD)")

    def number(self, obj: Any, path: str) -> Decimal:
        if isinstance(obj, str):
            try:
                d = Decimal(obj.strip())
            except InvalidOperation:
                d = Decimal("NaN")
            if d.is_finite():
                return d
        self.fail(path, f"{_show(obj)} is not a number")

    def money(self, obj: Any, path: str) -> Decimal:
        d = self.number(obj, path)
        if d < 0:
            self.fail(path, f"{obj} is negative (money must be ≥ 0)")
        try:
            fen = d.quantize(Decimal("0.01"), context=EXACT)
        except InvalidOperation:
            self.fail(path, f"{obj} is too large for an amount")
        if d != fen:
            self.fail(path, f"{obj} has more than 2 decimal places (money is in yuan and fen)")
        return fen + Decimal("0.00")  # + 0.00 turns -0 into 0

    def ratio(self, obj: Any, path: str) -> Decimal:
        d = self.number(obj, path)
        if not Decimal(0) <= d <= Decimal(1):
            self.fail(path, f"{obj} is not in [0, 1]")
        if d != d.quantize(Decimal("0.000001")):
            self.fail(path, f"{obj} has more than 6 decimal places")
        return d

    def ids(self, obj: Any, path: str, known: set[str], what: str) -> tuple[str, ...]:
        if not isinstance(obj, list):
            self.fail(path, f"expected a list of {what} ids, got {_show(obj)}")
        out = []
        for i, item in enumerate(obj):
            if item not in known:
                self.fail(
                    f"{path}[{i}]", f"unknown {what} {_show(item)} (declared: {_list(known)})"
                )
            if item in out:
                # e.g. base.minus: [a, a] would subtract a's payment twice
                self.fail(f"{path}[{i}]", f"{_show(item)} is listed twice")
            out.append(item)
        return tuple(out)

    def effective(self, obj: Any, path: str) -> tuple[dt.date | None, dt.date | None, str]:
        if obj is None:
            return None, None, ""
        m = self.mapping(obj, path, optional={"from", "until", "reference"})
        start = self.date(m["from"], _join(path, "from")) if "from" in m else None
        until = self.date(m["until"], _join(path, "until")) if "until" in m else None
        if start and until and until <= start:
            self.fail(_join(path, "until"), f"{until} is not after from {start}")
        ref = self.text(m["reference"], _join(path, "reference")) if "reference" in m else ""
        return start, until, ref

    # -- conditions ---------------------------------------------------------------------
    def condition(self, obj: Any, path: str) -> Condition:
        if not isinstance(obj, dict) or not obj:
            self.fail(path, f"expected a non-empty mapping of conditions, got {_show(obj)}")
        atoms: list[tuple[str, frozenset[object]]] = []
        any_of: tuple[Condition, ...] = ()
        negated = None
        for key, value in obj.items():
            sub = _join(path, key)
            if key == "any":
                if not isinstance(value, list) or not value:
                    self.fail(sub, "expected a non-empty list of conditions")
                any_of = tuple(self.condition(v, f"{sub}[{i}]") for i, v in enumerate(value))
            elif key == "not":
                negated = self.condition(value, sub)
            else:
                values = value if isinstance(value, list) else [value]
                atoms.append((key, frozenset(self.fact_value(key, v, sub) for v in values)))
        return Condition(tuple(atoms), any_of, negated, _condition_text(obj))

    def fact_value(self, key: str, value: Any, path: str) -> object:
        domains: dict[str, tuple[set[str], str]] = {
            "county": (self.counties, "county"),
            "tier": (self.tiers, "tier"),
            "kind": (self.kinds, "claim kind"),
            "categories": (self.categories, "category"),
            "facility": (self.facilities, "facility"),
        }
        if key in ("poor", "in_county", "accident"):
            return self.boolean(value, path)
        if key in domains:
            known, what = domains[key]
            if value not in known:
                self.fail(path, f"unknown {what} {_show(value)} (declared: {_list(known)})")
            return value
        if key in self.attributes:
            attribute = self.attributes[key]
            if not attribute.accepts(value):
                self.fail(path, f"{_show(value)} is not a value of attribute {key!r}")
            return value
        facts = sorted({*_BUILTIN_FACTS, *self.attributes})
        self.fail(path, f"unknown fact {key!r} (known: {', '.join(facts)}, any, not)")

    # -- parameters ---------------------------------------------------------------------
    def param(self, obj: Any, path: str, kind: Kind, extra: Iterable[str] = ()) -> Param:
        m = self.mapping(
            obj, path, required={"description", "reference", "unit", "values"},
            optional=_PARAM_KEYS | set(extra),
        )  # fmt: skip
        unit = self.text(m["unit"], _join(path, "unit"))
        expected = _UNITS.get(kind)
        if expected and unit != expected:
            self.fail(_join(path, "unit"), f"{unit!r} should be {expected!r} here")
        by = None
        if "by" in m:
            by = m["by"]
            if by not in ("tier", "kind", "county") and by not in self.attributes:
                self.fail(_join(path, "by"), f"cannot key a table by {_show(by)}")
        values_obj = m["values"]
        vpath = _join(path, "values")
        if not isinstance(values_obj, dict) or not values_obj:
            self.fail(vpath, "expected a mapping of start date → value")
        values: list[tuple[dt.date, Value]] = []
        for key, raw in values_obj.items():
            day = self.date(key, f"{vpath}.{key}")
            values.append((day, self.param_value(raw, f"{vpath}.{key}", kind, by)))
        if [d for d, _ in values] != sorted(d for d, _ in values):
            self.fail(vpath, "start dates must be in increasing order")
        mods = m.get("modifiers", [])
        if not isinstance(mods, list):
            self.fail(_join(path, "modifiers"), "expected a list")
        modifiers = tuple(
            self.modifier(mod, f"{path}.modifiers[{i}]", kind) for i, mod in enumerate(mods)
        )
        assumed = self.boolean(m["assumed"], _join(path, "assumed")) if "assumed" in m else False
        reason = self.text(m["reason"], _join(path, "reason")) if "reason" in m else None
        if assumed and not reason:
            self.fail(_join(path, "reason"), "an assumed value needs a reason")
        keys: tuple[str, ...] = ()
        if "assumed_keys" in m:
            kpath = _join(path, "assumed_keys")
            if not assumed:
                self.fail(kpath, "assumed_keys goes with assumed: true")
            if by is None:
                self.fail(kpath, "assumed_keys needs a table (by)")
            table_keys = {k for _, table in values if isinstance(table, Mapping) for k in table}
            keys = self.ids(m["assumed_keys"], kpath, table_keys, by)
        return Param(
            path=path,
            description=self.text(m["description"], _join(path, "description")),
            reference=self.text(m["reference"], _join(path, "reference")),
            unit=unit,
            values=tuple(values),
            by=by,
            modifiers=modifiers,
            assumed=assumed,
            assumed_keys=keys,
            reason=reason,
        )

    def param_value(self, raw: Any, path: str, kind: Kind, by: str | None) -> Value:
        if by is not None:
            if not isinstance(raw, dict) or not raw:
                self.fail(path, f"expected a table keyed by {by}")
            known = {"tier": self.tiers, "kind": self.kinds, "county": self.counties}.get(by)
            if known is None:
                known = set(self.attributes[by].values) or {"true", "false"}
            table = {}
            for key, item in raw.items():
                if key not in known:
                    self.fail(f"{path}.{key}", f"unknown {by} {key!r} (declared: {_list(known)})")
                table[key] = self.scalar_or_bands(item, f"{path}.{key}", kind)
            return cast(Value, table)
        return self.scalar_or_bands(raw, path, kind)

    def scalar_or_bands(self, raw: Any, path: str, kind: Kind) -> Value:
        if kind == "bands":
            return self.bands(raw, path)
        if kind == "cap" and raw is None:
            return None
        if kind in ("money", "cap"):
            return self.money(raw, path)
        if kind == "ratio":
            return self.ratio(raw, path)
        d = self.number(raw, path)
        if d < 0:
            self.fail(path, f"{raw} is negative")
        return d

    def bands(self, raw: Any, path: str) -> tuple[Band, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail(path, "expected a non-empty list of bands")
        out: list[Band] = []
        previous: Decimal | None = Decimal(0)
        for i, item in enumerate(raw):
            p = f"{path}[{i}]"
            m = self.mapping(item, p, required={"upto", "ratio"}, optional={"from"})
            if previous is None:
                self.fail(p, "a band follows one with no upper bound (upto: null)")
            lower = self.money(m["from"], f"{p}.from") if "from" in m else previous
            if lower < previous:
                self.fail(
                    f"{p}.from",
                    f"band starts at {lower}, overlapping the band before (ends at {previous})",
                )
            upper = None if m["upto"] is None else self.money(m["upto"], f"{p}.upto")
            if upper is not None and upper <= lower:
                self.fail(
                    f"{p}.upto",
                    f"{upper} is not above the band's start {lower} (bands out of order)",
                )
            out.append(Band(lower, upper, self.ratio(m["ratio"], f"{p}.ratio")))
            previous = upper
        return tuple(out)

    def modifier(self, obj: Any, path: str, kind: Kind) -> Modifier:
        m = self.mapping(
            obj, path, required={"when"},
            optional={"add", "multiply", "set", "from", "until", "reference", "description"},
        )  # fmt: skip
        ops = [op for op in ("add", "multiply", "set") if op in m]
        if len(ops) != 1:
            self.fail(path, "a modifier needs exactly one of add, multiply, set")
        op = ops[0]
        raw = m[op]
        if op == "set":
            value = None if raw is None and kind == "cap" else self.scalar_or_bands(
                raw, f"{path}.set", "money" if kind == "cap" else kind)  # fmt: skip
            if isinstance(value, tuple):
                self.fail(f"{path}.set", "set on bands is not supported; add or multiply")
        elif op == "add":
            value = self.number(raw, f"{path}.add")
        else:
            value = self.number(raw, f"{path}.multiply")
            if value < 0:
                self.fail(f"{path}.multiply", f"{raw} is negative")
        start, until, _ = self.effective(
            {k: m[k] for k in ("from", "until") if k in m} or None, path
        )
        ref = self.text(m["reference"], f"{path}.reference") if "reference" in m else ""
        return Modifier(
            self.condition(m["when"], f"{path}.when"), cast(Any, op),
            cast(Decimal | None, value), start, until, ref,
        )  # fmt: skip

    # -- declarations -------------------------------------------------------------------
    def named(self, obj: Any, path: str, extra: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
        if obj is None:
            return {}
        if not isinstance(obj, dict):
            self.fail(path, "expected a mapping of id → declaration")
        out = {}
        for key, decl in obj.items():
            self.ident(key, f"{path}.{key}")
            m = self.mapping(decl, f"{path}.{key}", required={"name"}, optional={"aliases", *extra})
            self.text(m["name"], f"{path}.{key}.name")
            if "aliases" in m and not isinstance(m["aliases"], list):
                self.fail(f"{path}.{key}.aliases", "expected a list of names")
            out[key] = m
        return out

    def attribute_decls(self, obj: Any, path: str) -> dict[str, Attribute]:
        out: dict[str, Attribute] = {}
        for key, m in self.named(obj, path, extra={"type", "values", "default"}).items():
            p = f"{path}.{key}"
            if key in _BUILTIN_FACTS:
                self.fail(p, f"{key!r} is a built-in fact and cannot be redeclared")
            if key in ("any", "not"):
                self.fail(p, f"{key!r} is a condition keyword and cannot name an attribute")
            typ = m.get("type", "enum")
            if typ not in ("bool", "enum"):
                self.fail(f"{p}.type", f"{_show(typ)} is not bool or enum")
            values: tuple[str, ...] = ()
            if typ == "enum":
                if not isinstance(m.get("values"), list) or not m["values"]:
                    self.fail(f"{p}.values", "an enum attribute needs a list of values")
                values = tuple(self.ident(v, f"{p}.values[{i}]") for i, v in enumerate(m["values"]))
            attribute = Attribute(key, m["name"], typ, values, m.get("default"))
            if "default" in m and not attribute.accepts(m["default"]):
                self.fail(f"{p}.default", f"{_show(m['default'])} is not a value of {key!r}")
            out[key] = attribute
        return out

    # -- layers -------------------------------------------------------------------------
    def layer(self, obj: Any, path: str, earlier: list[str]) -> PolicyLayer:
        m = self.mapping(
            obj, path, required={"id", "name", "reference", "kinds"},
            optional={
                "description", "type", "when", "effective", "base", "accumulation", "deductible",
                "deductible_repeat", "deductible_ceiling", "ratio", "bands", "caps", "target",
            },
        )  # fmt: skip
        layer_id = self.ident(m["id"], f"{path}.id")
        if layer_id in earlier:
            self.fail(f"{path}.id", f"layer {layer_id!r} is declared twice")
        typ = m.get("type", "schedule")
        if typ not in ("schedule", "target"):
            self.fail(f"{path}.type", f"{_show(typ)} is not schedule or target")
        kinds = self.ids(m["kinds"], f"{path}.kinds", self.kinds, "claim kind")
        if not kinds:
            self.fail(f"{path}.kinds", "a layer pays at least one claim kind")
        start, until, eff_ref = self.effective(m.get("effective"), f"{path}.effective")
        when = self.condition(m["when"], f"{path}.when") if "when" in m else ALWAYS
        base_of: str = "in_scope"
        minus: tuple[str, ...] = ()
        if "base" in m:
            b = self.mapping(m["base"], f"{path}.base", required={"of"}, optional={"minus"})
            base_of = b["of"]
            if base_of not in ("in_scope", "total"):
                self.fail(f"{path}.base.of", f"{_show(base_of)} is not in_scope or total")
            if b.get("minus") == "earlier":
                minus = tuple(earlier)
            elif "minus" in b:
                minus = self.ids(b["minus"], f"{path}.base.minus", set(earlier), "earlier layer")
        accumulation = m.get("accumulation", "claim")
        if accumulation not in ("claim", "year"):
            self.fail(f"{path}.accumulation", f"{_show(accumulation)} is not claim or year")
        common: dict[str, Any] = {
            "id": layer_id, "name": self.text(m["name"], f"{path}.name"),
            "description": self.text(m.get("description", m["name"]), f"{path}.description"),
            "reference": self.text(m["reference"], f"{path}.reference"), "kinds": kinds,
            "when": when, "start": start, "until": until, "effective_reference": eff_ref,
        }  # fmt: skip
        if typ == "target":
            for key in (
                "base", "accumulation", "deductible", "deductible_repeat", "deductible_ceiling",
                "ratio", "bands",
            ):  # fmt: skip
                if key in m:
                    self.fail(f"{path}.{key}", "a target layer has no " + key)
            if "target" not in m:
                self.fail(f"{path}.target", "missing required key for a target layer")
            target = self.param(m["target"], f"{path}.target", "ratio", extra={"of"})
            target_of = m["target"].get("of", "total")
            if target_of not in ("in_scope", "total"):
                self.fail(f"{path}.target.of", f"{_show(target_of)} is not in_scope or total")
            caps = self.caps(m.get("caps"), f"{path}.caps")
            return PolicyLayer(
                **common, type="target", target=target, target_of=target_of, caps=caps,
                base_of=cast(Any, base_of), base_minus=minus,
            )  # fmt: skip
        if "target" in m:
            self.fail(f"{path}.target", "only a target layer has a target")
        if ("ratio" in m) == ("bands" in m):
            self.fail(path, "a schedule layer needs exactly one of ratio, bands")
        ratio = self.param(m["ratio"], f"{path}.ratio", "ratio") if "ratio" in m else None
        bands = measured = None
        if "bands" in m:
            bands = self.param(m["bands"], f"{path}.bands", "bands", extra={"measured"})
            measured = m["bands"].get("measured", "above_deductible")
            if measured not in ("above_deductible", "absolute"):
                self.fail(
                    f"{path}.bands.measured",
                    f"{_show(measured)} is not above_deductible or absolute",
                )
        deductible = (
            self.param(m["deductible"], f"{path}.deductible", "money")
            if "deductible" in m
            else None
        )
        repeat = ceiling = None
        if "deductible_repeat" in m:
            if accumulation != "claim":
                self.fail(
                    f"{path}.deductible_repeat",
                    "only a per-claim deductible can change for later claims",
                )
            repeat = self.repeat(m["deductible_repeat"], f"{path}.deductible_repeat")
        if "deductible_ceiling" in m:
            if accumulation != "claim":
                self.fail(
                    f"{path}.deductible_ceiling", "an annual deductible has no yearly ceiling"
                )
            ceiling = self.param(m["deductible_ceiling"], f"{path}.deductible_ceiling", "money")
        return PolicyLayer(
            **common, base_of=cast(Any, base_of), base_minus=minus,
            accumulation=accumulation, deductible=deductible, repeat=repeat,
            deductible_ceiling=ceiling, ratio=ratio, bands=bands,
            measured=measured or "above_deductible", caps=self.caps(m.get("caps"), f"{path}.caps"),
        )  # fmt: skip

    def caps(self, obj: Any, path: str) -> tuple[Cap, ...]:
        if obj is None:
            return ()
        if not isinstance(obj, list):
            self.fail(path, "expected a list of caps")
        out = []
        for i, item in enumerate(obj):
            p = f"{path}[{i}]"
            per = item.get("per") if isinstance(item, dict) else None
            if per not in ("claim", "year"):
                self.fail(f"{p}.per", f"{_show(per)} is not claim or year")
            out.append(Cap(per, self.param(item, p, "cap", extra={"per"})))
        return tuple(out)

    def repeat(self, obj: Any, path: str) -> RepeatRule:
        m = self.mapping(
            obj, path, required={"count", "description", "reference"},
            optional={"multiply", "set", "step", "floor", "from", "until"},
        )  # fmt: skip
        if m["count"] not in ("same_tier", "any_tier"):
            self.fail(f"{path}.count", f"{_show(m['count'])} is not same_tier or any_tier")
        ops = [op for op in ("multiply", "set", "step") if op in m]
        if len(ops) != 1:
            self.fail(path, "needs exactly one of multiply, set, step")
        op = ops[0]
        value = (
            self.ratio(m[op], f"{path}.{op}")
            if op == "multiply"
            else self.money(m[op], f"{path}.{op}")
        )
        if "floor" in m and op != "step":
            self.fail(f"{path}.floor", "floor goes with step")
        floor = self.money(m["floor"], f"{path}.floor") if "floor" in m else None
        start, until, _ = self.effective(
            {k: m[k] for k in ("from", "until") if k in m} or None, path
        )
        return RepeatRule(
            m["count"], cast(Any, op), value, floor, start, until,
            self.text(m["description"], f"{path}.description"),
            self.text(m["reference"], f"{path}.reference"),
        )  # fmt: skip


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, (dict, list)):
        return type(obj).__name__ if isinstance(obj, list) else "a mapping"
    return repr(obj)


def _condition_text(obj: dict[str, Any]) -> str:
    """A condition as text for tables and traces: ``poor=true, tier in ['township', 'county']``."""
    parts = []
    for key, value in obj.items():
        if key == "any":
            parts.append("any of [" + "; ".join(_condition_text(v) for v in value) + "]")
        elif key == "not":
            parts.append(f"not ({_condition_text(value)})")
        elif isinstance(value, list):
            parts.append(f"{key} in [{', '.join(_show(v) for v in value)}]")
        else:
            parts.append(f"{key}={_show(value)}")
    return ", ".join(parts)


def _list(known: Iterable[str]) -> str:
    return ", ".join(sorted(known)) or "none"


def parse_policy(data: Any, source: str = "<memory>") -> Policy:
    """Validate an already-parsed policy document (dicts, lists, strings) into a :class:`Policy`.

    Numbers must be strings (as :func:`load_policy` reads them) or ``int``; floats are refused
    because they cannot be read exactly.
    """
    r = _Reader(source)
    data = _normalise_numbers(data, r, "")
    top = r.mapping(
        data, "", required={"format", "id", "name", "source", "effective", "tiers", "claim_kinds", "layers"},
        optional={
            "description", "counties", "facilities", "in_county", "categories", "person_attributes",
            "claim_attributes", "pay_later", "shared_caps", "premium", "chronic_care", "targets",
        },
    )  # fmt: skip
    if top["format"] != FORMAT:
        r.fail("format", f"{_show(top['format'])} is not {FORMAT!r}")
    start, until, _ = r.effective(top["effective"], "effective")
    if start is None:
        r.fail("effective.from", "missing required key")

    tiers = {
        k: Tier(k, m["name"], tuple(m.get("aliases", ())))
        for k, m in r.named(top["tiers"], "tiers").items()
    }
    r.tiers = set(tiers)
    if not tiers:
        r.fail("tiers", "declare at least one tier")
    category_decls = r.named(top.get("categories"), "categories")
    r.categories = set(category_decls)
    categories = {k: m["name"] for k, m in category_decls.items()}
    category_aliases = {k: tuple(m.get("aliases", ())) for k, m in category_decls.items()}
    county_decls = r.named(top.get("counties"), "counties", extra={"designated_in_county"})
    r.counties = set(county_decls)
    fac_decls = r.named(top.get("facilities"), "facilities", extra={"tier", "county"})
    facilities = {}
    for key, m in fac_decls.items():
        if m.get("tier") not in r.tiers:
            r.fail(
                f"facilities.{key}.tier",
                f"unknown tier {_show(m.get('tier'))} (declared: {_list(r.tiers)})",
            )
        if "county" in m and m["county"] not in r.counties:
            r.fail(f"facilities.{key}.county", f"unknown county {_show(m['county'])}")
        facilities[key] = FacilityInfo(
            key, m["name"], m["tier"], m.get("county"), tuple(m.get("aliases", ()))
        )
    r.facilities = set(facilities)
    counties = {}
    for key, m in county_decls.items():
        designated = m.get("designated_in_county", [])
        ids = r.ids(designated, f"counties.{key}.designated_in_county", r.facilities, "facility")
        counties[key] = County(key, m["name"], tuple(m.get("aliases", ())), ids)
    kinds = {}
    for key, m in r.named(top["claim_kinds"], "claim_kinds", extra={"tiers"}).items():
        allowed = r.ids(
            m.get("tiers", sorted(r.tiers)), f"claim_kinds.{key}.tiers", r.tiers, "tier"
        )
        kinds[key] = ClaimKind(key, m["name"], allowed, tuple(m.get("aliases", ())))
    r.kinds = set(kinds)
    person_attrs = r.attribute_decls(top.get("person_attributes"), "person_attributes")
    claim_attrs = r.attribute_decls(top.get("claim_attributes"), "claim_attributes")
    clash = set(person_attrs) & set(claim_attrs)
    if clash:
        r.fail("claim_attributes." + sorted(clash)[0], "also declared as a person attribute")
    r.attributes = {**person_attrs, **claim_attrs}

    in_county_tiers: tuple[str, ...] = ()
    in_county_ref = ""
    if "in_county" in top:
        ic = r.mapping(
            top["in_county"], "in_county", required={"tiers", "reference"}, optional={"description"}
        )
        in_county_tiers = r.ids(ic["tiers"], "in_county.tiers", r.tiers, "tier")
        in_county_ref = r.text(ic["reference"], "in_county.reference")
    pay_later, pay_later_ref = Condition(text="never", negated=ALWAYS), ""
    if "pay_later" in top:
        pl = r.mapping(
            top["pay_later"], "pay_later", required={"when", "reference"}, optional={"description"}
        )
        pay_later = r.condition(pl["when"], "pay_later.when")
        pay_later_ref = r.text(pl["reference"], "pay_later.reference")

    if not isinstance(top["layers"], list) or not top["layers"]:
        r.fail("layers", "expected a non-empty list of layers")
    layers: list[PolicyLayer] = []
    for i, obj in enumerate(top["layers"]):
        layers.append(r.layer(obj, f"layers[{i}]", [layer.id for layer in layers]))
    shared = _shared_caps(r, top.get("shared_caps"), {layer.id for layer in layers})
    premium = _premium(r, top["premium"]) if "premium" in top else None
    chronic = _chronic(r, top["chronic_care"]) if "chronic_care" in top else None
    targets = {}
    if "targets" in top:
        if not isinstance(top["targets"], dict):
            r.fail("targets", "expected a mapping of target id → parameter")
        targets = {
            r.ident(k, f"targets.{k}"): r.param(v, f"targets.{k}", "ratio")
            for k, v in top["targets"].items()
        }
    return Policy(
        id=r.ident(top["id"], "id"), name=r.text(top["name"], "name"),
        description=r.text(top.get("description", top["name"]), "description"),
        source=r.text(top["source"], "source"), start=start, until=until,
        tiers=tiers, counties=counties, facilities=facilities,
        in_county_tiers=frozenset(in_county_tiers), in_county_reference=in_county_ref,
        categories=categories, person_attributes=person_attrs, claim_attributes=claim_attrs,
        claim_kinds=kinds, pay_later=pay_later, pay_later_reference=pay_later_ref,
        layers=tuple(layers), shared_caps=shared, premium=premium, chronic_care=chronic,
        targets=targets, file=source, change_dates=tuple(sorted(r.dates)),
        category_aliases=category_aliases,
    )  # fmt: skip


def _shared_caps(r: _Reader, obj: Any, layer_ids: set[str]) -> tuple[SharedCap, ...]:
    if obj is None:
        return ()
    if not isinstance(obj, list):
        r.fail("shared_caps", "expected a list")
    out = []
    for i, item in enumerate(obj):
        p = f"shared_caps[{i}]"
        m = r.mapping(item, p, required={"id", "layers", "per"}, optional=_PARAM_KEYS | {"name"})
        if m["per"] not in ("claim", "year"):
            r.fail(f"{p}.per", f"{_show(m['per'])} is not claim or year")
        ids = r.ids(m["layers"], f"{p}.layers", layer_ids, "layer")
        rest = {k: v for k, v in m.items() if k not in ("id", "layers", "per", "name")}
        out.append(
            SharedCap(
                r.ident(m["id"], f"{p}.id"),
                str(m.get("name", m["id"])),
                ids,
                m["per"],
                r.param(rest, p, "cap"),
            )
        )
    return tuple(out)


def _premium(r: _Reader, obj: Any) -> Premium:
    m = r.mapping(obj, "premium", required={"amount"}, optional={"subsidies"})
    subsidies = []
    if not isinstance(m.get("subsidies", []), list):
        r.fail("premium.subsidies", "expected a list of subsidies")
    for i, item in enumerate(m.get("subsidies", [])):
        p = f"premium.subsidies[{i}]"
        if not isinstance(item, dict) or "when" not in item:
            r.fail(f"{p}.when", "missing required key")
        rest = {k: v for k, v in item.items() if k != "when"}
        subsidies.append(Subsidy(r.condition(item["when"], f"{p}.when"), r.param(rest, p, "money")))
    return Premium(r.param(m["amount"], "premium.amount", "money"), tuple(subsidies))


def _chronic(r: _Reader, obj: Any) -> ChronicCare:
    m = r.mapping(
        obj, "chronic_care", required={"description", "reference", "conditions", "services_per_year"},
        optional={"when"},
    )  # fmt: skip
    conditions = {
        k: v["name"] for k, v in r.named(m["conditions"], "chronic_care.conditions").items()
    }
    return ChronicCare(
        r.text(m["description"], "chronic_care.description"),
        r.text(m["reference"], "chronic_care.reference"),
        r.condition(m["when"], "chronic_care.when") if "when" in m else ALWAYS,
        conditions,
        r.param(m["services_per_year"], "chronic_care.services_per_year", "count"),
    )


def _normalise_numbers(obj: Any, r: _Reader, path: str) -> Any:
    """Turn ints into exact strings; refuse floats (they cannot be read exactly)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        r.fail(path, f"{obj!r} is a float; write numbers as text or integers so they stay exact")
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {
            str(k) if not isinstance(k, dt.date) else k.isoformat(): _normalise_numbers(
                v, r, _join(path, str(k))
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [_normalise_numbers(v, r, f"{path}[{i}]") for i, v in enumerate(obj)]
    r.fail(path, f"unsupported value {obj!r}")


_CACHE: dict[str, Policy] = {}


def load_policy(name_or_path: str | Path | None = None) -> Policy:
    """Load and validate a policy: ``None`` or a built-in name, or a path to a YAML/JSON file.

    Built-in policies are cached (values are immutable, so sharing is safe).

    >>> policy = load_policy()
    >>> policy.id
    'zhangjiajie'
    >>> [layer.id for layer in policy.layers_for("inpatient")][:2]
    ['basic_insurance', 'critical_illness']
    """
    if name_or_path is None:
        name_or_path = "zhangjiajie"
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_POLICIES:
        if name_or_path not in _CACHE:
            ref = resources.files("zjj_medical") / "data" / "policies" / f"{name_or_path}.yaml"
            source = f"{name_or_path}.yaml"
            _CACHE[name_or_path] = parse_policy(
                read_policy_text(ref.read_text("utf-8"), source), source
            )
        return _CACHE[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        names = ", ".join(BUILTIN_POLICIES)
        raise PolicyError(
            f"{name_or_path}: no such policy file (built-in policies: {names})",
            source=str(name_or_path),
        )
    return parse_policy(read_policy_text(path.read_text("utf-8"), path.name), path.name)
