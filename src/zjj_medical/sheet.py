"""The one-stop settlement sheet (一站式结算单), rendered with rich."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

from zjj_medical.explain import LAYER_TERMS
from zjj_medical.money import format_money
from zjj_medical.people import Person
from zjj_medical.settlement import Settlement

__all__ = ["settlement_sheet"]


def _yes(flag: bool) -> str:
    return "是 yes" if flag else "否 no"


def settlement_sheet(settlements: Sequence[Settlement], person: Person) -> RenderableType:
    """A sheet per claim: header facts, one row per layer with the why, totals."""
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
            zh, en = LAYER_TERMS.get(e.layer, (e.name, e.layer))
            how = ", ".join(
                f"{k} {v}" for k, v in e.formatted_inputs().items() if isinstance(v, str)
            )
            if e.note:
                how = f"{how}; {e.note}" if how else e.note
            table.add_row(f"{zh} {en}", format_money(e.amount), how)
        table.add_section()
        table.add_row("[bold]报销合计 reimbursed[/]", f"[bold]{format_money(s.reimbursed)}[/]", "")
        table.add_row(
            "[bold]个人自付 patient pays[/]", f"[bold]{format_money(s.patient_pay)}[/]", ""
        )
        ratio = "—" if s.actual_ratio is None else f"{s.actual_ratio * 100:.2f}%"
        table.add_row("实际报销比例 actual ratio", ratio, "reimbursed ÷ total cost")
        panels.append(
            Panel(
                Group(head, table), title=f"一站式结算单 one-stop settlement — claim {s.claim_id}"
            )
        )
    return Group(*panels)
