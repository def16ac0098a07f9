"""The one-stop settlement sheet (一站式结算单), rendered with rich."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

from zjj_medical.engine.layers import LAYER_TYPES
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import Settlement
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.money import format_money
from zjj_medical.policy.model import Policy
from zjj_medical.render.explain import layer_label
from zjj_medical.render.notes import assumed_zero_layers, note

__all__ = ["how_text", "settlement_sheet"]


def how_text(entry: TraceEntry, layer_type: str) -> str:
    """The sheet's *how* column: the arithmetic of one layer in a line or two, then the why.

    The layer's type (:data:`~zjj_medical.engine.layers.LAYER_TYPES`) writes its own
    arithmetic from the inputs its trace gave; the caps and the note are the same for all.

    >>> from decimal import Decimal as D
    >>> how_text(TraceEntry("basic_insurance", "基本医疗保险", D("15300.00"), "",
    ...     {"base": D("18000.00"), "deductible": D("0.00"), "ratio": "0.85",
    ...      "computed": D("15300.00")}), "schedule")
    '(18000.00 − deductible 0.00) × 0.85 = 15300.00'
    """
    i = entry.formatted_inputs()
    parts = LAYER_TYPES[layer_type].how(i) if i else []
    for cap in i.get("caps", []):
        per = "a year" if cap["per"] == "year" else "a claim"
        shared = f" shared by {cap['shared_by']}" if "shared_by" in cap else ""
        parts.append(f"cap {cap['cap']} {per}{shared}, {cap['remaining']} left")
    if i.get("cap"):
        parts.append(f"cap: {i['cap']}")
    text = "; ".join(parts)
    if entry.note:
        note = entry.note[0].upper() + entry.note[1:]
        text = f"{text}. {note}" if text else note
    return text


def _yes(flag: bool) -> str:
    return "是 yes" if flag else "否 no"


def settlement_sheet(
    settlements: Sequence[Settlement], person: Person, policy: Policy
) -> RenderableType:
    """A sheet per claim (settled under ``policy``): header facts, one row per layer with the
    why, totals."""
    types = {layer.id: layer.type for layer in policy.layers}
    assumed_zero = assumed_zero_layers(policy)
    panels: list[RenderableType] = []
    for s in settlements:
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row(
            "参保人 person",
            f"{person.id}  {'建档立卡贫困人口 registered poor' if person.poor else ''}",
        )
        head.add_row("类别 kind / 日期 date", f"{s.kind} / {s.date}")
        head.add_row("县域内 in-county", _yes(s.in_county))
        head.add_row("先诊疗、后付费 pay-later", _yes(s.pay_later))
        head.add_row("医疗费总额 total cost", format_money(s.total))
        head.add_row("政策范围内费用 in-scope cost", format_money(s.in_scope))
        table = Table(show_lines=False, expand=True)
        table.add_column("支付方 payer")
        table.add_column("金额 amount", justify="right")
        table.add_column("计算 how", overflow="fold")
        for e in s.trace:
            table.add_row(
                layer_label(e.layer, e.name), format_money(e.amount), how_text(e, types[e.layer])
            )
        table.add_section()
        table.add_row("[bold]报销合计 reimbursed[/]", f"[bold]{format_money(s.reimbursed)}[/]", "")
        table.add_row(
            "[bold]个人自付 patient pays[/]", f"[bold]{format_money(s.patient_pay)}[/]", ""
        )
        ratio = "—" if s.actual_ratio is None else f"{s.actual_ratio * 100:.2f}%"
        table.add_row("实际报销比例 actual ratio", ratio, "reimbursed ÷ total cost")
        if zero := [e.name for e in s.trace if e.layer in assumed_zero and e.amount == 0]:
            table.add_row("", "", note("zero_rate.sheet", layers="、".join(zero)))
        panels.append(
            Panel(
                Group(head, table), title=f"一站式结算单 one-stop settlement — claim {s.claim_id}"
            )
        )
    return Group(*panels)
