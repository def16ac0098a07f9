"""The one-stop settlement sheet (一站式结算单), rendered with rich."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

from zjj_medical.engine.layers import LAYER_TYPES
from zjj_medical.engine.people import Person
from zjj_medical.engine.settlement import Settlement
from zjj_medical.engine.trace import TraceEntry
from zjj_medical.i18n import get_language, yes_no
from zjj_medical.i18n import gettext as _
from zjj_medical.money import format_money
from zjj_medical.policy.model import Policy
from zjj_medical.render.explain import layer_label, note_text
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
    zh = get_language() == "zh"
    if zh and i and layer_type in _HOW_ZH:
        parts = _HOW_ZH[layer_type](i)
    else:
        parts = LAYER_TYPES[layer_type].how(i) if i else []
    for cap in i.get("caps", []):
        per = _("a year") if cap["per"] == "year" else _("a claim")
        shared = (
            _(" shared by {layers}").format(layers=cap["shared_by"]) if "shared_by" in cap else ""
        )
        parts.append(
            _("cap {cap} {per}{shared}, {remaining} left").format(
                cap=cap["cap"], per=per, shared=shared, remaining=cap["remaining"]
            )
        )
    if str(i.get("cap") or "").startswith("none"):  # the trace's "none (上不封顶)"
        parts.append(_("no cap (上不封顶)"))
    elif i.get("cap"):
        parts.append(_("cap: {cap}").format(cap=i["cap"]))
    text = ("；" if zh else "; ").join(parts)
    if entry.note and zh:
        text = f"{text}。{note_text(entry.note)}" if text else note_text(entry.note)
    elif entry.note:
        note = entry.note[0].upper() + entry.note[1:]
        text = f"{text}. {note}" if text else note
    return text


def _schedule_zh(i: Any) -> list[str]:
    """A schedule layer's arithmetic in Chinese (the English is the layer type's own)."""
    year = "cumulative_after" in i
    if "ratio" in i:
        if year:
            return [
                f"年度累计 {i['cumulative_before']} → {i['cumulative_after']}，"
                f"年度起付线 {i['deductible']}，× {i['ratio']}"
            ]
        return [f"（{i['base']} − 起付线 {i['deductible']}）× {i['ratio']} = {i['computed']}"]
    base = (
        f"年度累计 {i['cumulative_before']} → {i['cumulative_after']}"
        if year
        else f"基数 {i['base']}"
    )
    parts = [f"{base}，{'年度' if year else ''}起付线 {i['deductible']}"]
    used = [
        f"{b['this_claim']} 按 {b['ratio']}（{b['from']}–{b['to'] or '∞'}）"
        for b in i["bands"]
        if b["this_claim"] != "0.00"
    ]
    if used:
        parts.append("分段：" + "，".join(used) + f" = {i['computed']}")
    return parts


def _target_zh(i: Any) -> list[str]:
    """A target layer's arithmetic in Chinese."""
    of = "政策范围内费用" if i["target_of"] == "in_scope" else "医疗费总额"
    return [
        f"{i['target_ratio']} × {of} {i['base']} = {i['target']}，"
        f"减去前面各项已支付 {i['earlier_layers']}"
    ]


_HOW_ZH: dict[str, Callable[[Any], list[str]]] = {"schedule": _schedule_zh, "target": _target_zh}


def _yes(flag: bool) -> str:
    if get_language() == "zh":
        return yes_no(flag, "zh")
    return "是 yes" if flag else "否 no"


def settlement_sheet(
    settlements: Sequence[Settlement], person: Person, policy: Policy
) -> RenderableType:
    """A sheet per claim (settled under ``policy``): header facts, one row per layer with the
    why, totals."""
    types = {layer.id: layer.type for layer in policy.layers}
    assumed_zero = assumed_zero_layers(policy)
    panels: list[RenderableType] = []
    poor_label = _("建档立卡贫困人口 registered poor")
    reimbursed_label = _("报销合计 reimbursed")
    patient_label = _("个人自付 patient pays")
    for s in settlements:
        head = Table.grid(padding=(0, 2))
        head.add_column(style="bold")
        head.add_column()
        head.add_row(
            _("参保人 person"),
            f"{person.id}  {poor_label if person.poor else ''}",
        )
        kind = policy.claim_kinds.get(s.kind)
        shown = kind.name if kind is not None and get_language() == "zh" else s.kind
        head.add_row(_("类别 kind / 日期 date"), f"{shown} / {s.date}")
        head.add_row(_("县域内 in-county"), _yes(s.in_county))
        head.add_row(_("先诊疗、后付费 pay-later"), _yes(s.pay_later))
        head.add_row(_("医疗费总额 total cost"), format_money(s.total))
        head.add_row(_("政策范围内费用 in-scope cost"), format_money(s.in_scope))
        table = Table(show_lines=False, expand=True)
        table.add_column(_("支付方 payer"))
        table.add_column(_("金额 amount"), justify="right")
        table.add_column(_("计算 how"), overflow="fold")
        for e in s.trace:
            table.add_row(
                layer_label(e.layer, e.name), format_money(e.amount), how_text(e, types[e.layer])
            )
        table.add_section()
        table.add_row(f"[bold]{reimbursed_label}[/]", f"[bold]{format_money(s.reimbursed)}[/]", "")
        table.add_row(f"[bold]{patient_label}[/]", f"[bold]{format_money(s.patient_pay)}[/]", "")
        ratio = "—" if s.actual_ratio is None else f"{s.actual_ratio * 100:.2f}%"
        table.add_row(_("实际报销比例 actual ratio"), ratio, _("reimbursed ÷ total cost"))
        if zero := [e.name for e in s.trace if e.layer in assumed_zero and e.amount == 0]:
            table.add_row("", "", note("zero_rate.sheet", layers="、".join(zero)))
        title = _("一站式结算单 one-stop settlement — claim {claim_id}").format(claim_id=s.claim_id)
        panels.append(Panel(Group(head, table), title=title))
    return Group(*panels)
