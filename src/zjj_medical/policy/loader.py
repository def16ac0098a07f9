"""The strict policy loader: a policy file in, a validated :class:`Policy` out.

Every problem raises :class:`~zjj_medical.errors.PolicyError` whose message names
the file and the key path, e.g.
``zhangjiajie.yaml: layers[1].bands.values.2019-01-01[2].ratio: 1.5 is not in [0, 1]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from zjj_medical.errors import PolicyError
from zjj_medical.policy.catalogue import read_catalogue
from zjj_medical.policy.layer_reader import read_layer
from zjj_medical.policy.model import (
    ALWAYS,
    Category,
    ChronicCare,
    ClaimKind,
    Condition,
    County,
    FacilityInfo,
    Policy,
    PolicyLayer,
    Premium,
    SharedCap,
    Subsidy,
    Tier,
)
from zjj_medical.policy.platform import read_platform
from zjj_medical.policy.reader import PARAM_KEYS, Reader, join, marks, show
from zjj_medical.policy.yamlio import read_policy_file, read_policy_text

__all__ = [
    "BUILTIN_POLICIES",
    "FORMAT",
    "ZHANGJIAJIE_SUCCESSION",
    "builtin_for",
    "builtin_for_dates",
    "load_policy",
    "parse_policy",
    "policy_source",
]

FORMAT = "zjj-medical-policy/1"
#: Built-in policies shipped with the package, by name.
BUILTIN_POLICIES = ("zhangjiajie", "zhangjiajie_2024", "example_county")
#: Zhangjiajie's built-in policies, oldest first. Where no policy is given, a claim is settled
#: under the one in force on its date. The 2019 text states no end date: it is *assumed* in
#: force until its successor here begins (each successor's file states its start).
ZHANGJIAJIE_SUCCESSION = ("zhangjiajie", "zhangjiajie_2024")


def parse_policy(data: Any, source: str = "<memory>") -> Policy:
    """Validate an already-parsed policy document (dicts, lists, strings) into a :class:`Policy`.

    Numbers must be strings (as :func:`load_policy` reads them) or ``int``; floats are refused
    because they cannot be read exactly.
    """
    r = Reader(source)
    data = _normalise_numbers(data, r, "")
    top = r.mapping(
        data, "", required={"format", "id", "name", "source", "effective", "tiers", "claim_kinds", "layers"},
        optional={
            "description", "counties", "facilities", "in_county", "categories", "person_attributes",
            "claim_attributes", "pay_later", "shared_caps", "premium", "chronic_care", "targets",
            "catalogue", "platform",
        },
    )  # fmt: skip
    if top["format"] != FORMAT:
        r.fail("format", "policy.format", shown=show(top["format"]), format=FORMAT)
    start, until, _ = r.effective(top["effective"], "effective")
    if start is None:
        r.fail("effective.from", "policy.key.missing")

    tiers = {
        k: Tier(k, m["name"], tuple(m.get("aliases", ())), **marks(m))
        for k, m in r.named(top["tiers"], "tiers").items()
    }
    r.tiers = set(tiers)
    if not tiers:
        r.fail("tiers", "policy.tiers.none")
    category_decls = r.named(top.get("categories"), "categories")
    r.categories = set(category_decls)
    categories = {
        k: Category(k, m["name"], tuple(m.get("aliases", ())), **marks(m))
        for k, m in category_decls.items()
    }
    county_decls = r.named(top.get("counties"), "counties", extra={"designated_in_county"})
    r.counties = set(county_decls)
    fac_decls = r.named(top.get("facilities"), "facilities", extra={"tier", "county"})
    facilities = {}
    for key, m in fac_decls.items():
        m = {**m, "tier": r.canonical("tier", m.get("tier"))}
        if "county" in m:
            m["county"] = r.canonical("county", m["county"])
        if m.get("tier") not in r.tiers:
            r.fail(
                f"facilities.{key}.tier", "policy.facility.tier",
                shown=show(m.get("tier")), declared=sorted(r.tiers),
            )  # fmt: skip
        if "county" in m and m["county"] not in r.counties:
            r.fail(f"facilities.{key}.county", "policy.facility.county", shown=show(m["county"]))
        facilities[key] = FacilityInfo(
            key, m["name"], m["tier"], m.get("county"), tuple(m.get("aliases", ())), **marks(m)
        )
    r.facilities = set(facilities)
    counties = {}
    for key, m in county_decls.items():
        designated = m.get("designated_in_county", [])
        ids = r.ids(designated, f"counties.{key}.designated_in_county", r.facilities, "facility")
        counties[key] = County(key, m["name"], tuple(m.get("aliases", ())), ids, **marks(m))
    kinds = {}
    for key, m in r.named(top["claim_kinds"], "claim_kinds", extra={"tiers"}).items():
        allowed = r.ids(
            m.get("tiers", sorted(r.tiers)), f"claim_kinds.{key}.tiers", r.tiers, "tier"
        )
        if not allowed:
            r.fail(f"claim_kinds.{key}.tiers", "policy.claim_kind.tiers")
        kinds[key] = ClaimKind(key, m["name"], allowed, tuple(m.get("aliases", ())), **marks(m))
    r.kinds = set(kinds)
    person_attrs = r.attribute_decls(top.get("person_attributes"), "person_attributes")
    claim_attrs = r.attribute_decls(top.get("claim_attributes"), "claim_attributes")
    clash = set(person_attrs) & set(claim_attrs)
    if clash:
        r.fail("claim_attributes." + sorted(clash)[0], "policy.attribute.clash")
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
        r.fail("layers", "policy.layers.list")
    layers: list[PolicyLayer] = []
    for i, obj in enumerate(top["layers"]):
        layers.append(read_layer(r, obj, f"layers[{i}]", [layer.id for layer in layers]))
        _check_tier_tables(r, layers[-1], kinds)
    shared = _shared_caps(r, top.get("shared_caps"), {layer.id for layer in layers})
    premium = _premium(r, top["premium"]) if "premium" in top else None
    chronic = _chronic(r, top["chronic_care"]) if "chronic_care" in top else None
    catalogue = read_catalogue(r, top["catalogue"]) if "catalogue" in top else None
    platform = (
        read_platform(r, top["platform"], {x.id for x in layers}) if "platform" in top else None
    )
    targets = {}
    if "targets" in top:
        if not isinstance(top["targets"], dict):
            r.fail("targets", "policy.targets.mapping")
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
        layers=tuple(layers), shared_caps=shared, premium=premium, chronic_care=chronic, catalogue=catalogue, platform=platform,
        targets=targets, file=source, change_dates=tuple(sorted(r.dates)),
        warnings=tuple(r.warnings),
    )  # fmt: skip


def _check_tier_tables(r: Reader, layer: PolicyLayer, kinds: Mapping[str, ClaimKind]) -> None:
    """A table keyed by tier covers every tier the layer's claims can come from.

    Without this a county file that forgets a tier would make the layer pay 0 there
    silently. A layer whose ``when`` restricts the tier is exempt.
    """
    if "tier" in layer.when.facts_read():
        return
    needed = {t for k in layer.kinds for t in kinds[k].tiers}
    for param in layer.params():
        if param.by != "tier":
            continue
        for day, table in param.values:
            assert isinstance(table, Mapping)
            missing = sorted(needed - set(table))
            if missing:
                r.fail(
                    f"{param.path}.values.{day}", "policy.tier_table.missing",
                    tiers=missing, kinds=list(layer.kinds),
                )  # fmt: skip


def _shared_caps(r: Reader, obj: Any, layer_ids: set[str]) -> tuple[SharedCap, ...]:
    if obj is None:
        return ()
    if not isinstance(obj, list):
        r.fail("shared_caps", "policy.shared_caps.list")
    out = []
    for i, item in enumerate(obj):
        p = f"shared_caps[{i}]"
        m = r.mapping(item, p, required={"id", "layers", "per"}, optional=PARAM_KEYS | {"name"})
        if m["per"] not in ("claim", "year"):
            r.fail(f"{p}.per", "policy.per", shown=show(m["per"]))
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


def _premium(r: Reader, obj: Any) -> Premium:
    m = r.mapping(obj, "premium", required={"amount"}, optional={"subsidies"})
    subsidies = []
    if not isinstance(m.get("subsidies", []), list):
        r.fail("premium.subsidies", "policy.subsidies.list")
    for i, item in enumerate(m.get("subsidies", [])):
        p = f"premium.subsidies[{i}]"
        if not isinstance(item, dict) or "when" not in item:
            r.fail(f"{p}.when", "policy.key.missing")
        rest = {k: v for k, v in item.items() if k != "when"}
        subsidies.append(Subsidy(r.condition(item["when"], f"{p}.when"), r.param(rest, p, "money")))
    return Premium(r.param(m["amount"], "premium.amount", "money"), tuple(subsidies))


def _chronic(r: Reader, obj: Any) -> ChronicCare:
    m = r.mapping(
        obj, "chronic_care", required={"description", "reference", "conditions", "services_per_year"},
        optional={"when"},
    )  # fmt: skip
    conditions = {
        k: v["name"] for k, v in r.named(m["conditions"], "chronic_care.conditions").items()
    }
    if not conditions:
        r.fail("chronic_care.conditions", "policy.chronic_care.conditions")
    return ChronicCare(
        r.text(m["description"], "chronic_care.description"),
        r.text(m["reference"], "chronic_care.reference"),
        r.condition(m["when"], "chronic_care.when") if "when" in m else ALWAYS,
        conditions,
        r.param(m["services_per_year"], "chronic_care.services_per_year", "count"),
    )


def _normalise_numbers(obj: Any, r: Reader, path: str) -> Any:
    """Turn ints into exact strings; refuse floats (they cannot be read exactly)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        r.fail(path, "policy.float", value=obj)
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, Mapping):
        return {
            str(k) if not isinstance(k, dt.date) else k.isoformat(): _normalise_numbers(
                v, r, join(path, str(k))
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list | tuple):
        return [_normalise_numbers(v, r, f"{path}[{i}]") for i, v in enumerate(obj)]
    r.fail(path, "policy.value.type", value=obj)


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
    builtin = isinstance(name_or_path, str) and name_or_path in BUILTIN_POLICIES
    if builtin and name_or_path in _CACHE:
        return _CACHE[str(name_or_path)]
    text, source = policy_source(name_or_path)
    policy = parse_policy(read_policy_text(text, source), source)
    if builtin:
        _CACHE[str(name_or_path)] = policy
    return policy


def builtin_for(on: dt.date) -> Policy:
    """The built-in Zhangjiajie policy in force on a date (the default of ``settle``).

    A date before the first one gets the first, so that settling says it is not in force.

    >>> builtin_for(dt.date(2019, 11, 3)).id
    'zhangjiajie'
    """
    policies = [load_policy(name) for name in ZHANGJIAJIE_SUCCESSION]
    for policy in reversed(policies):
        if policy.start <= on:
            return policy
    return policies[0]


def builtin_for_dates(dates: Any) -> Policy:
    """The one built-in Zhangjiajie policy in force over a table's dates (``datetime64[D]``).

    Raises ``ValueError`` when the dates span two of them: a run settles under one policy.
    With no dates, the latest.
    """
    if len(dates) == 0:
        return load_policy(ZHANGJIAJIE_SUCCESSION[-1])
    first, last = dates.min().astype(dt.date), dates.max().astype(dt.date)
    a, b = builtin_for(first), builtin_for(last)
    if a.id != b.id:
        raise ValueError(
            f"claims from {first} to {last} fall under two built-in policies ({a.id} until "
            f"{b.start}, then {b.id}); pass policy= for each period"
        )
    return a


def policy_source(name_or_path: str | Path | None = None) -> tuple[str, str]:
    """The text of a built-in policy (by name) or of a policy file (by path), and its file name.

    >>> text, source = policy_source("zhangjiajie")
    >>> source, text.count("id: basic_insurance")
    ('zhangjiajie.yaml', 1)
    """
    if name_or_path is None:
        name_or_path = "zhangjiajie"
    if isinstance(name_or_path, str) and name_or_path in BUILTIN_POLICIES:
        ref = resources.files("zjj_medical") / "data" / "policies" / f"{name_or_path}.yaml"
        return ref.read_text("utf-8"), f"{name_or_path}.yaml"
    path = Path(name_or_path)
    if not path.is_file():
        raise PolicyError(
            code="policy.file.missing",
            params={"source": str(name_or_path), "builtin": list(BUILTIN_POLICIES)},
            source=str(name_or_path),
        )
    return read_policy_file(path), path.name
