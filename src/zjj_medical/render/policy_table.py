"""Rendering the parameters of a policy in force on a date (``zjj-medical policy show``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from rich.console import Group, RenderableType
from rich.table import Table

from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.model import Band, Modifier, Param, Policy, Value

__all__ = ["all_params", "format_value", "policy_tables"]


def all_params(policy: Policy) -> Iterator[Param]:
    """Every parameter of the policy (layers, shared caps, premium, chronic care, targets)."""
    for layer in policy.layers:
        yield from layer.params()
    for cap in policy.shared_caps:
        yield cap.amount
    if policy.premium:
        yield policy.premium.amount
        yield from (s.amount for s in policy.premium.subsidies)
    if policy.chronic_care:
        yield policy.chronic_care.services_per_year
    yield from policy.targets.values()


def _scalar(v: object, unit: str) -> str:
    if v is None:
        return "no limit" if unit == "CNY" else "—"
    return f"{v}"


def _bands(bands: tuple[Band, ...]) -> str:
    return "; ".join(f"{b.lower}–{'∞' if b.upper is None else b.upper} at {b.ratio}" for b in bands)


def format_value(value: Value, unit: str) -> str:
    """A value as text: a scalar, a band list or a table keyed by tier."""
    if isinstance(value, tuple):
        return _bands(value)
    if isinstance(value, Mapping):
        return ", ".join(
            f"{k} {_bands(v) if isinstance(v, tuple) else _scalar(v, unit)}"
            for k, v in value.items()
        )
    return _scalar(value, unit)


def _modifier(m: Modifier, on: dt.date) -> str:
    active = (m.start is None or m.start <= on) and (m.until is None or on < m.until)
    value = "no limit" if m.value is None else str(m.value)
    sign = {"add": "+", "multiply": "×", "set": "="}[m.op]
    when = f" from {m.start}" if m.start else ""
    state = "" if active else " (not in force)"
    return f"{sign}{value} if {m.when.text}{when}{state}"


def policy_tables(policy: Policy, on: dt.date) -> RenderableType:
    """Tables of everything in force on ``on``: tiers, then each layer's parameters."""
    head = Table(title=f"{policy.name} — {policy.id}, in force on {on}", show_header=False)
    head.add_column(style="bold")
    head.add_column()
    head.add_row("source", policy.source)
    head.add_row(
        "in force", f"from {policy.start}" + (f" until {policy.until}" if policy.until else "")
    )
    head.add_row("tiers", ", ".join(f"{t.id} {t.name}" for t in policy.tiers.values()))
    head.add_row("in-county tiers", ", ".join(sorted(policy.in_county_tiers)))
    for c in policy.counties.values():
        if c.designated_in_county:
            head.add_row(f"designated for {c.id}", ", ".join(c.designated_in_county))
    parts: list[RenderableType] = [head]
    for layer in policy.layers:
        t = Table(title=f"{layer.id} {layer.name} — {', '.join(layer.kinds)}", expand=True)
        t.add_column("parameter")
        t.add_column("in force")
        t.add_column("modifiers")
        t.add_column("clause", overflow="fold")
        in_force = layer.in_force(on)
        if not in_force:
            t.add_row("layer", f"not in force (from {layer.start})", "", layer.effective_reference)
        if layer.when.text != "always":
            t.add_row("eligibility", layer.when.text, "", "")
        if layer.base_minus or layer.base_of != "in_scope":
            t.add_row(
                "base",
                f"{layer.base_of} − " + " − ".join(layer.base_minus)
                if layer.base_minus
                else layer.base_of,
                "",
                "",
            )
        for label, p in layer.labelled_params():
            raw = p.raw_at(on)
            shown = "not in force" if isinstance(raw, _NotInForce) else format_value(raw, p.unit)
            if label == "bands" and layer.measured:
                shown += f" (measured {layer.measured.replace('_', ' ')})"
            flag = " [yellow](assumed)[/]" if p.assumed else ""
            t.add_row(
                label + flag, shown, "\n".join(_modifier(m, on) for m in p.modifiers), p.reference
            )
        parts.append(t)
    if policy.premium:
        t = Table(title="premium 个人缴费", expand=True)
        t.add_column("parameter")
        t.add_column("in force")
        t.add_column("clause", overflow="fold")
        raw = policy.premium.amount.raw_at(on)
        t.add_row(
            "premium",
            format_value(raw, "CNY") if not isinstance(raw, _NotInForce) else "not in force",
            policy.premium.amount.reference,
        )
        for s in policy.premium.subsidies:
            raw = s.amount.raw_at(on)
            t.add_row(
                f"subsidy if {s.when.text}",
                format_value(raw, "CNY") if not isinstance(raw, _NotInForce) else "not in force",
                s.amount.reference,
            )
        parts.append(t)
    return Group(*parts)
