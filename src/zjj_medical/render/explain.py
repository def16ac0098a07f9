"""Rendering a settlement for a person: the layers in Chinese and English, with the why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zjj_medical.money import format_money

if TYPE_CHECKING:
    from zjj_medical.engine.settlement import Settlement

__all__ = ["LAYER_TERMS", "explain_settlement", "layer_label"]

#: Chinese and English names of the standard layers.
LAYER_TERMS: dict[str, tuple[str, str]] = {
    "basic_insurance": ("基本医疗保险", "basic medical insurance"),
    "critical_illness": ("大病保险", "critical-illness insurance"),
    "special_poverty_insurance": ("扶贫特惠保", "special poverty insurance"),
    "medical_assistance": ("医疗救助", "medical assistance"),
    "hospital_reduction": ("医院减免", "hospital reduction"),
    "fiscal_backstop": ("财政兜底", "fiscal backstop"),
    "outpatient_pooling": ("门诊统筹", "outpatient pooling"),
}


def layer_label(layer_id: str, name: str | None = None) -> str:
    """A layer's Chinese and English names, for sheets, reports and exports.

    >>> layer_label("fiscal_backstop")
    '财政兜底 fiscal backstop'
    >>> layer_label("chronic_outpatient", "门诊慢特病")
    '门诊慢特病 chronic outpatient'
    """
    if layer_id in LAYER_TERMS:
        return " ".join(LAYER_TERMS[layer_id])
    if name is None:
        return layer_id
    return f"{name} {layer_id.replace('_', ' ')}"


def explain_settlement(s: Settlement) -> str:
    """A plain-text explanation of a settlement, one paragraph per layer."""
    ratio = "—" if s.actual_ratio is None else f"{s.actual_ratio * 100:.2f}%"
    lines = [
        f"Claim {s.claim_id} ({s.kind}, {s.date}) — 医疗费总额 total cost {format_money(s.total)}, "
        f"政策范围内费用 in-scope cost {format_money(s.in_scope)}",
        f"县域内 in-county: {'是 yes' if s.in_county else '否 no'}; "
        f"先诊疗、后付费 pay-later: {'是 yes' if s.pay_later else '否 no'}",
        "",
    ]
    for e in s.trace:
        lines.append(f"{layer_label(e.layer, e.name)}: {format_money(e.amount)}")
        inputs = e.formatted_inputs()
        facts = ", ".join(f"{k} {v}" for k, v in inputs.items() if isinstance(v, str))
        if facts:
            lines.append(f"    {facts}")
        for band in inputs.get("bands", []):
            upper = band["to"] or "∞"
            lines.append(
                f"    band {band['from']}–{upper} at {band['ratio']}: {band['this_claim']} this claim"
            )
        if e.note:
            lines.append(f"    {e.note}")
        lines.append(f"    依据 clause: {e.clause}")
    lines += [
        "",
        f"报销合计 reimbursed {format_money(s.reimbursed)}; 个人自付 patient pays "
        f"{format_money(s.patient_pay)}; 实际报销比例 actual ratio {ratio}",
    ]
    return "\n".join(lines)
