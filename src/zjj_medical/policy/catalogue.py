"""Catalogue rules: how a fee line (费用明细) splits into self-paid and in-scope parts.

A hospital's fee list names each drug, test or service with its catalogue class — 甲类
(class A, fully in scope), 乙类 (class B: the patient first pays a share, 先行自付), 丙类
(class C, outside the catalogue: wholly self-paid, 全自费) — a price, a quantity and, for some
items, a price limit (the part of the amount above ``limit × quantity`` is 超限价自费). The
policy file states the classes and the class-B share as dated parameters, in a
``catalogue:`` section::

    catalogue:
      reference: 基本医疗保险药品目录、诊疗项目目录（甲类、乙类、丙类）
      line_ratio: true          # a line's own self_pay_ratio overrides its class's
      classes:
        A: {name: 甲类}
        B:
          name: 乙类
          self_pay_ratio: {description: …, reference: …, unit: ratio, values: {2019-01-01: 0.10}}
        C: {name: 丙类, excluded: true}

A class's ``self_pay_ratio`` is an ordinary parameter: dated, with its clause, ``assumed``
flags and modifiers by person (e.g. another ratio for a category). A class without one has
no share paid first.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from zjj_medical.policy.model import Param
from zjj_medical.policy.reader import Reader

__all__ = ["Catalogue", "CatalogueClass", "read_catalogue"]


@attrs.frozen
class CatalogueClass:
    """A catalogue class: its name, whether it is outside the catalogue, its self-pay share."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    excluded: bool = False
    self_pay_ratio: Param | None = None


@attrs.frozen
class Catalogue:
    """The policy's catalogue rules."""

    reference: str
    classes: Mapping[str, CatalogueClass]
    line_ratio: bool = False

    def lookup(self, name: object) -> str | None:
        """The class id of an id, a name or an alias (``乙类`` → ``B``)."""
        if not isinstance(name, str):
            return None
        name = name.strip()
        for cls in self.classes.values():
            if name in (cls.id, cls.name, *cls.aliases):
                return cls.id
        return None


def read_catalogue(r: Reader, obj: Any, path: str = "catalogue") -> Catalogue:
    """Read the ``catalogue:`` section, strictly (every error names its key path)."""
    m = r.mapping(
        obj, path, required={"classes"}, optional={"reference", "description", "line_ratio"}
    )
    line_ratio = r.boolean(m.get("line_ratio", False), f"{path}.line_ratio")
    raw = m["classes"]
    if not isinstance(raw, dict) or not raw:
        r.fail(f"{path}.classes", "policy.catalogue.classes")
    classes: dict[str, CatalogueClass] = {}
    names: dict[str, str] = {}
    for key, value in raw.items():
        p = f"{path}.classes.{key}"
        cid = r.ident(key, p)
        c = r.mapping(
            value, p, required={"name"}, optional={"aliases", "excluded", "self_pay_ratio"}
        )
        excluded = r.boolean(c.get("excluded", False), f"{p}.excluded")
        if excluded and "self_pay_ratio" in c:
            r.fail(f"{p}.self_pay_ratio", "policy.catalogue.excluded_ratio")
        aliases = c.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            r.fail(f"{p}.aliases", "policy.catalogue.aliases")
        cls = CatalogueClass(
            cid, r.text(c["name"], f"{p}.name"), tuple(aliases), excluded,
            r.param(c["self_pay_ratio"], f"{p}.self_pay_ratio", "ratio")
            if "self_pay_ratio" in c else None,
        )  # fmt: skip
        for name in (cls.id, cls.name, *cls.aliases):
            if name in names and names[name] != cid:
                r.fail(p, "policy.catalogue.shadow", name=name, other=names[name])
            names[name] = cid
        classes[cid] = cls
    reference = r.text(m.get("reference", ""), f"{path}.reference") if "reference" in m else ""
    return Catalogue(reference, classes, line_ratio)


def ratio_of(cls: CatalogueClass, on: Any, facts: Mapping[str, object]) -> Decimal:
    """The class's self-pay share for these facts on this date (0 without one)."""
    if cls.self_pay_ratio is None:
        return Decimal(0)
    return cls.self_pay_ratio.amount(on, facts)
