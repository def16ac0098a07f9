"""The validating reader under the policy loader: primitives, conditions, parameters.

A :class:`Reader` walks a parsed policy document and turns each part into a
value of :mod:`zjj_medical.policy.model`, raising
:class:`~zjj_medical.errors.PolicyError` with the file and key path on the first
problem. :mod:`zjj_medical.policy.layer_reader` reads layers with it and
:mod:`zjj_medical.policy.loader` the whole document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, NoReturn, cast

from zjj_medical.errors import PolicyError
from zjj_medical.money import EXACT
from zjj_medical.policy.model import (
    FACTS,
    Attribute,
    Band,
    Condition,
    Modifier,
    Param,
    PolicyWarning,
    Value,
)

__all__ = [
    "BUILTIN_FACTS",
    "PARAM_KEYS",
    "Kind",
    "Reader",
    "condition_text",
    "join",
    "known_list",
    "marks",
    "show",
]

_ID = re.compile(r"^[^\s.\[\]]+$")
#: The declarations whose ids, names and aliases inputs (and the file itself) may use.
DECLARATIONS = ("tiers", "claim_kinds", "counties", "categories", "facilities")
#: The declaration a kind of id belongs to (as ``what`` of :meth:`Reader.ids` or ``by``).
_DECLARED_BY = {
    "tier": "tiers", "claim kind": "claim_kinds", "kind": "claim_kinds",
    "county": "counties", "category": "categories", "facility": "facilities",
}  # fmt: skip
BUILTIN_FACTS = tuple(f.name for f in FACTS)
PARAM_KEYS = {
    "description", "reference", "unit", "values", "by", "modifiers",
    "assumed", "assumed_keys", "reason",
}  # fmt: skip
Kind = Literal["money", "cap", "ratio", "bands", "count"]
_UNITS: dict[str, str] = {"money": "CNY", "cap": "CNY", "ratio": "ratio", "bands": "ratio"}


class Reader:
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
        self.warnings: list[PolicyWarning] = []
        #: For each declaration, its ids, names and aliases → the id.
        self.names: dict[str, dict[str, str]] = {d: {} for d in DECLARATIONS}

    # -- primitives -------------------------------------------------------------------
    def fail(self, path: str, code: str, **params: object) -> NoReturn:
        """Raise the :class:`PolicyError` ``code`` at ``path`` of this file."""
        raise PolicyError(
            code=code, params={"source": self.source, "path": path, **params},
            source=self.source, path=path,
        )  # fmt: skip

    def warn(self, path: str, code: str, **params: object) -> None:
        """Record the warning ``code`` at ``path`` of this file (the load goes on)."""
        self.warnings.append(
            PolicyWarning(code, path, {"source": self.source, "path": path, **params})
        )

    def mapping(
        self, obj: Any, path: str, required: Iterable[str] = (), optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(obj, dict):
            self.fail(path, "policy.mapping", shown=show(obj))
        required, optional = set(required), set(optional)
        for key in obj:
            if key not in required and key not in optional:
                accepted = sorted(required | optional)
                self.fail(join(path, key), "policy.key.unknown", accepted=accepted)
        for key in sorted(required):
            if key not in obj:
                self.fail(join(path, key), "policy.key.missing")
        return obj

    def text(self, obj: Any, path: str) -> str:
        if not isinstance(obj, str) or not obj.strip():
            self.fail(path, "policy.text", shown=show(obj))
        return " ".join(obj.split())

    def ident(self, obj: Any, path: str) -> str:
        if not isinstance(obj, str) or not _ID.match(obj):
            self.fail(path, "policy.id", shown=show(obj))
        return obj

    def boolean(self, obj: Any, path: str) -> bool:
        if not isinstance(obj, bool):
            self.fail(path, "policy.bool", shown=show(obj))
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
        self.fail(path, "policy.date", shown=show(obj))

    def number(self, obj: Any, path: str) -> Decimal:
        if isinstance(obj, str):
            try:
                d = Decimal(obj.strip())
            except InvalidOperation:
                d = Decimal("NaN")
            if d.is_finite():
                return d
        self.fail(path, "policy.number", shown=show(obj))

    def money(self, obj: Any, path: str) -> Decimal:
        d = self.number(obj, path)
        if d < 0:
            self.fail(path, "policy.money.negative", value=obj)
        try:
            fen = d.quantize(Decimal("0.01"), context=EXACT)
        except InvalidOperation:
            self.fail(path, "policy.money.large", value=obj)
        if d != fen:
            self.fail(path, "policy.money.decimals", value=obj)
        return fen.copy_abs()  # -0.00 → 0.00 exactly (no context, so no rounding)

    def ratio(self, obj: Any, path: str) -> Decimal:
        d = self.number(obj, path)
        if not Decimal(0) <= d <= Decimal(1):
            self.fail(path, "policy.ratio.range", value=obj)
        if d != d.quantize(Decimal("0.000001")):
            self.fail(path, "policy.ratio.decimals", value=obj)
        return d

    def canonical(self, what: str, value: object) -> object:
        """The id a name or alias of a declaration stands for (the value itself otherwise).

        ``what`` is a kind of id (``tier``, ``claim kind``, ``kind``, ``county`` …) or a
        declaration (``tiers`` …).
        """
        index = self.names.get(_DECLARED_BY.get(what, what))
        if index is None or not isinstance(value, str):
            return value
        return index.get(value, value)

    def ids(self, obj: Any, path: str, known: set[str], what: str) -> tuple[str, ...]:
        if not isinstance(obj, list):
            self.fail(path, "policy.ids.list", what=what, shown=show(obj))
        out = []
        for i, item in enumerate(obj):
            item = self.canonical(what, item)
            if not isinstance(item, str) or item not in known:
                self.fail(
                    f"{path}[{i}]", "policy.ids.unknown",
                    what=what, shown=show(item), declared=sorted(known),
                )  # fmt: skip
            if item in out:
                # e.g. base.minus: [a, a] would subtract a's payment twice
                self.fail(f"{path}[{i}]", "policy.ids.twice", shown=show(item))
            out.append(item)
        return tuple(out)

    def effective(self, obj: Any, path: str) -> tuple[dt.date | None, dt.date | None, str]:
        if obj is None:
            return None, None, ""
        m = self.mapping(obj, path, optional={"from", "until", "reference"})
        start = self.date(m["from"], join(path, "from")) if "from" in m else None
        until = self.date(m["until"], join(path, "until")) if "until" in m else None
        if start and until and until <= start:
            self.fail(join(path, "until"), "policy.until.order", until=until, start=start)
        ref = self.text(m["reference"], join(path, "reference")) if "reference" in m else ""
        return start, until, ref

    # -- conditions ---------------------------------------------------------------------
    def condition(self, obj: Any, path: str) -> Condition:
        if not isinstance(obj, dict) or not obj:
            self.fail(path, "policy.condition.mapping", shown=show(obj))
        atoms: list[tuple[str, frozenset[object]]] = []
        any_of: tuple[Condition, ...] = ()
        negated = None
        parts: list[str] = []
        for key, value in obj.items():
            sub = join(path, key)
            if key == "any":
                if not isinstance(value, list) or not value:
                    self.fail(sub, "policy.condition.any")
                any_of = tuple(self.condition(v, f"{sub}[{i}]") for i, v in enumerate(value))
                parts.append("any of (" + "; ".join(c.text for c in any_of) + ")")
            elif key == "not":
                negated = self.condition(value, sub)
                parts.append(f"not ({negated.text})")
            else:
                values = value if isinstance(value, list) else [value]
                read = [self.fact_value(key, v, sub) for v in values]
                atoms.append((key, frozenset(read)))
                parts.append(_atom_text(key, read, isinstance(value, list)))
        return Condition(tuple(atoms), any_of, negated, ", ".join(parts))

    def fact_value(self, key: str, value: Any, path: str) -> object:
        declared: dict[str, tuple[set[str], str]] = {
            "counties": (self.counties, "county"),
            "tiers": (self.tiers, "tier"),
            "claim_kinds": (self.kinds, "claim kind"),
            "categories": (self.categories, "category"),
            "facilities": (self.facilities, "facility"),
        }
        fact = next((f for f in FACTS if f.name == key), None)
        if fact is not None and fact.domain == "bool":
            return self.boolean(value, path)
        if fact is not None:
            known, what = declared[fact.domain]
            value = self.canonical(fact.domain, value)
            if not isinstance(value, str) or value not in known:
                self.fail(
                    path,
                    "policy.fact.value.unknown",
                    what=what,
                    shown=show(value),
                    declared=sorted(known),
                )
            return value
        if key in self.attributes:
            attribute = self.attributes[key]
            if not attribute.accepts(value):
                self.fail(path, "policy.fact.attribute.value", shown=show(value), attribute=key)
            return value
        facts = sorted({*BUILTIN_FACTS, *self.attributes})
        self.fail(path, "policy.fact.unknown", fact=key, known=facts)

    # -- parameters ---------------------------------------------------------------------
    def param(self, obj: Any, path: str, kind: Kind, extra: Iterable[str] = ()) -> Param:
        m = self.mapping(
            obj, path, required={"description", "reference", "unit", "values"},
            optional=PARAM_KEYS | set(extra),
        )  # fmt: skip
        unit = self.text(m["unit"], join(path, "unit"))
        expected = _UNITS.get(kind)
        if expected and unit != expected:
            self.fail(join(path, "unit"), "policy.unit", unit=unit, expected=expected)
        by = None
        if "by" in m:
            by = m["by"]
            if not isinstance(by, str) or (
                by not in ("tier", "kind", "county") and by not in self.attributes
            ):
                self.fail(join(path, "by"), "policy.by", shown=show(by))
        values_obj = m["values"]
        vpath = join(path, "values")
        if not isinstance(values_obj, dict) or not values_obj:
            self.fail(vpath, "policy.values.mapping")
        values: list[tuple[dt.date, Value]] = []
        for key, raw in values_obj.items():
            day = self.date(key, f"{vpath}.{key}")
            values.append((day, self.param_value(raw, f"{vpath}.{key}", kind, by)))
        if [d for d, _ in values] != sorted(d for d, _ in values):
            self.fail(vpath, "policy.values.order")
        mods = m.get("modifiers", [])
        if not isinstance(mods, list):
            self.fail(join(path, "modifiers"), "policy.modifiers.list")
        modifiers = tuple(
            self.modifier(mod, f"{path}.modifiers[{i}]", kind) for i, mod in enumerate(mods)
        )
        if kind in ("ratio", "bands"):
            self._warn_capped(path, values, modifiers)
        assumed = self.boolean(m["assumed"], join(path, "assumed")) if "assumed" in m else False
        reason = self.text(m["reason"], join(path, "reason")) if "reason" in m else None
        if assumed and not reason:
            self.fail(join(path, "reason"), "policy.assumed.reason")
        keys: tuple[str, ...] = ()
        if "assumed_keys" in m:
            kpath = join(path, "assumed_keys")
            if not assumed:
                self.fail(kpath, "policy.assumed_keys.assumed")
            if by is None:
                self.fail(kpath, "policy.assumed_keys.by")
            table_keys = {k for _, table in values if isinstance(table, Mapping) for k in table}
            keys = self.ids(m["assumed_keys"], kpath, table_keys, by)
        return Param(
            path=path,
            description=self.text(m["description"], join(path, "description")),
            reference=self.text(m["reference"], join(path, "reference")),
            unit=unit,
            values=tuple(values),
            by=by,
            modifiers=modifiers,
            assumed=assumed,
            assumed_keys=keys,
            reason=reason,
        )

    def _warn_capped(
        self, path: str, values: list[tuple[dt.date, Value]], modifiers: tuple[Modifier, ...]
    ) -> None:
        """Warn where a ratio below 1 plus an ``add`` modifier exceeds 1 (it is capped at 1).

        A ratio already at 1 is not flagged: "报销比例相应提高10%" leaves 100% at 100%.
        """
        for i, mod in enumerate(modifiers):
            if mod.op != "add" or mod.value is None or mod.value <= 0:
                continue
            for day, value in values:
                entries = value.items() if isinstance(value, Mapping) else [("", value)]
                for key, entry in entries:
                    ratios = [b.ratio for b in entry] if isinstance(entry, tuple) else [entry]
                    for ratio in ratios:
                        if ratio is not None and ratio < 1 < ratio + mod.value:
                            where = f"{day}" + (f".{key}" if key else "")
                            self.warn(
                                f"{path}.modifiers[{i}].add", "policy.warn.ratio_capped",
                                ratio=ratio, add=mod.value, value=where,
                            )  # fmt: skip
                            break

    def param_value(self, raw: Any, path: str, kind: Kind, by: str | None) -> Value:
        if by is not None:
            if not isinstance(raw, dict) or not raw:
                self.fail(path, "policy.table", by=by)
            known = {"tier": self.tiers, "kind": self.kinds, "county": self.counties}.get(by)
            if known is None:
                known = set(self.attributes[by].values) or {"true", "false"}
            table = {}
            for written, item in raw.items():
                key = self.canonical(by, written)
                if key not in known:
                    self.fail(
                        f"{path}.{written}", "policy.table.key",
                        by=by, key=written, declared=sorted(known),
                    )  # fmt: skip
                if key in table:
                    self.fail(f"{path}.{written}", "policy.table.key.twice", key=written, id=key)
                table[str(key)] = self.scalar_or_bands(item, f"{path}.{written}", kind)
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
        if d < 0 or d != d.to_integral_value() or d > 1_000_000:
            self.fail(path, "policy.count", value=raw)
        return d

    def bands(self, raw: Any, path: str) -> tuple[Band, ...]:
        if not isinstance(raw, list) or not raw:
            self.fail(path, "policy.bands.list")
        out: list[Band] = []
        previous: Decimal | None = Decimal(0)
        for i, item in enumerate(raw):
            p = f"{path}[{i}]"
            m = self.mapping(item, p, required={"upto", "ratio"}, optional={"from"})
            if previous is None:
                self.fail(p, "policy.bands.after_open")
            lower = self.money(m["from"], f"{p}.from") if "from" in m else previous
            if lower < previous:
                self.fail(f"{p}.from", "policy.bands.overlap", lower=lower, previous=previous)
            upper = None if m["upto"] is None else self.money(m["upto"], f"{p}.upto")
            if upper is not None and upper <= lower:
                self.fail(f"{p}.upto", "policy.bands.order", upper=upper, lower=lower)
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
            self.fail(path, "policy.modifier.op")
        op = ops[0]
        raw = m[op]
        if op == "set":
            value = None if raw is None and kind == "cap" else self.scalar_or_bands(
                raw, f"{path}.set", "money" if kind == "cap" else kind)  # fmt: skip
            if isinstance(value, tuple):
                self.fail(f"{path}.set", "policy.modifier.set_bands")
        elif op == "add":
            value = self.number(raw, f"{path}.add")
        else:
            value = self.number(raw, f"{path}.multiply")
            if value < 0:
                self.fail(f"{path}.multiply", "policy.modifier.negative", value=raw)
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
            self.fail(path, "policy.declarations")
        out = {}
        for key, decl in obj.items():
            self.ident(key, f"{path}.{key}")
            m = self.mapping(
                decl, f"{path}.{key}", required={"name"},
                optional={"aliases", "assumed", "reason", *extra},
            )  # fmt: skip
            self.text(m["name"], f"{path}.{key}.name")
            if self.boolean(m.get("assumed", False), f"{path}.{key}.assumed"):
                if "reason" not in m:
                    self.fail(f"{path}.{key}.reason", "policy.assumed.reason")
            elif "reason" in m:
                self.fail(f"{path}.{key}.reason", "policy.reason.assumed")
            if "reason" in m:
                self.text(m["reason"], f"{path}.{key}.reason")
            if "aliases" in m:
                if not isinstance(m["aliases"], list):
                    self.fail(f"{path}.{key}.aliases", "policy.aliases")
                for i, alias in enumerate(m["aliases"]):
                    self.text(alias, f"{path}.{key}.aliases[{i}]")
            out[key] = m
        if path in self.names:
            self._index(path, out)
        return out

    def _index(self, path: str, decls: dict[str, dict[str, Any]]) -> None:
        """Index the declarations' ids, names and aliases; refuse one naming two of them."""
        index = self.names[path]
        index.update({key: key for key in decls})
        for key, m in decls.items():
            names = [("name", m["name"])]
            names += [(f"aliases[{i}]", a) for i, a in enumerate(m.get("aliases", []))]
            for where, name in names:
                name = " ".join(name.split())
                other = index.setdefault(name, key)
                if other != key:
                    self.fail(
                        f"{path}.{key}.{where}", "policy.alias.shadow",
                        shown=name, what=path, first=other, second=key,
                    )  # fmt: skip

    def attribute_decls(self, obj: Any, path: str) -> dict[str, Attribute]:
        out: dict[str, Attribute] = {}
        for key, m in self.named(obj, path, extra={"type", "values", "default"}).items():
            p = f"{path}.{key}"
            if key in BUILTIN_FACTS:
                self.fail(p, "policy.attribute.builtin", attribute=key)
            if key in ("any", "not"):
                self.fail(p, "policy.attribute.keyword", attribute=key)
            typ = m.get("type", "enum")
            if typ not in ("bool", "enum"):
                self.fail(f"{p}.type", "policy.attribute.type", shown=show(typ))
            values: tuple[str, ...] = ()
            if typ == "enum":
                if not isinstance(m.get("values"), list) or not m["values"]:
                    self.fail(f"{p}.values", "policy.attribute.values")
                values = tuple(self.ident(v, f"{p}.values[{i}]") for i, v in enumerate(m["values"]))
            attribute = Attribute(key, m["name"], typ, values, m.get("default"))
            if "default" in m and not attribute.accepts(m["default"]):
                self.fail(
                    f"{p}.default",
                    "policy.attribute.default",
                    shown=show(m["default"]),
                    attribute=key,
                )
            out[key] = attribute
        return out


def marks(m: Mapping[str, Any]) -> dict[str, Any]:
    """A declaration's ``assumed`` and ``reason`` (checked by :meth:`Reader.named`)."""
    reason = m.get("reason")
    return {
        "assumed": m.get("assumed", False),
        "reason": " ".join(reason.split()) if reason else None,
    }


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def show(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, (dict, list)):
        return type(obj).__name__ if isinstance(obj, list) else "a mapping"
    return repr(obj)


def _word(value: object) -> str:
    return show(value) if isinstance(value, bool) or value is None else str(value)


def _atom_text(key: str, values: list[object], listed: bool) -> str:
    """``poor=true``, ``tier=county``; a list: ``tier is township, county or community``."""
    words = [_word(v) for v in values]
    if not listed or len(words) == 1:
        return f"{key}={words[0]}" if not listed else f"{key} is {words[0]}"
    return f"{key} is {', '.join(words[:-1])} or {words[-1]}"


def condition_text(obj: dict[str, Any]) -> str:
    """A condition as words for tables and traces, ids as written, no Python reprs:
    ``poor=true, tier is township or county, any of (…; …), not (…)``.

    >>> condition_text({"poor": True, "tier": ["township", "county"], "not": {"accident": True}})
    'poor=true, tier is township or county, not (accident=true)'
    """
    parts = []
    for key, value in obj.items():
        if key == "any":
            parts.append("any of (" + "; ".join(condition_text(v) for v in value) + ")")
        elif key == "not":
            parts.append(f"not ({condition_text(value)})")
        elif isinstance(value, list):
            parts.append(_atom_text(key, value, True))
        else:
            parts.append(_atom_text(key, [value], False))
    return ", ".join(parts)


def known_list(known: Iterable[str]) -> str:
    return ", ".join(sorted(known)) or "none"
