"""Rendering a settlement for a person: the layers in Chinese and English, with the why."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from zjj_medical.i18n import N_, get_language, policy_texts_in, yes_no
from zjj_medical.i18n import gettext as _
from zjj_medical.money import format_money

if TYPE_CHECKING:
    from zjj_medical.engine.settlement import Settlement
    from zjj_medical.policy.model import Policy

__all__ = [
    "INPUT_LABELS",
    "LAYER_TERMS",
    "NOTE_PHRASES",
    "explain_settlement",
    "input_label",
    "kind_name",
    "layer_label",
    "note_text",
]

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
    chinese_only = get_language() == "zh"
    if layer_id in LAYER_TERMS:
        return LAYER_TERMS[layer_id][0] if chinese_only else " ".join(LAYER_TERMS[layer_id])
    if name is None:
        return layer_id
    return name if chinese_only else f"{name} {layer_id.replace('_', ' ')}"


def kind_name(kind: str, policy_id: str, policy: Policy | None = None) -> str:
    """A claim kind as a reader of the current language knows it: in Chinese, the name the
    policy gives it (``policy``, else the built-in policy ``policy_id``); else (and for a
    kind no policy at hand names) its id.

    >>> from zjj_medical.i18n import use_language
    >>> with use_language("zh"):
    ...     kind_name("inpatient", "zhangjiajie"), kind_name("inpatient", "my_county")
    ('住院', 'inpatient')
    >>> with use_language("en"):
    ...     kind_name("inpatient", "zhangjiajie")
    'inpatient'
    """
    if get_language() != "zh":
        return kind
    if policy is None:
        from zjj_medical.policy.loader import BUILTIN_POLICIES, load_policy

        if policy_id not in BUILTIN_POLICIES:
            return kind
        policy = load_policy(policy_id)
    found = policy.claim_kinds.get(kind)
    return found.name if found is not None and found.name else kind


def explain_settlement(s: Settlement, policy: Policy | None = None) -> str:
    """A plain-text explanation of a settlement, one paragraph per layer, in the current
    language (:mod:`zjj_medical.i18n`); in Chinese the claim kind by the policy's name
    (``policy``, else the built-in policy the settlement names)."""
    ratio = "—" if s.actual_ratio is None else f"{s.actual_ratio * 100:.2f}%"
    lines = [
        _(
            "Claim {claim_id} ({kind}, {date}) — 医疗费总额 total cost {total}, "
            "政策范围内费用 in-scope cost {in_scope}"
        ).format(
            claim_id=s.claim_id,
            kind=kind_name(s.kind, s.policy_id, policy),
            date=s.date,
            total=format_money(s.total),
            in_scope=format_money(s.in_scope),
        ),
        _("县域内 in-county: {in_county}; 先诊疗、后付费 pay-later: {pay_later}").format(
            in_county=_yes(s.in_county), pay_later=_yes(s.pay_later)
        ),
        "",
    ]
    for e in s.trace:
        lines.append(f"{layer_label(e.layer, e.name)}: {format_money(e.amount)}")
        inputs = e.formatted_inputs()
        facts = ", ".join(f"{input_label(k)} {v}" for k, v in inputs.items() if isinstance(v, str))
        if facts:
            lines.append(f"    {facts}")
        for band in inputs.get("bands", []):
            upper = band["to"] or "∞"
            lines.append(
                "    "
                + _("band {lower}–{upper} at {ratio}: {amount} this claim").format(
                    lower=band["from"], upper=upper, ratio=band["ratio"], amount=band["this_claim"]
                )
            )
        if e.note:
            lines.append(f"    {note_text(e.note)}")
        lines.append("    " + _("依据 clause: {clause}").format(clause=e.clause))
    lines += [
        "",
        _(
            "报销合计 reimbursed {reimbursed}; 个人自付 patient pays {patient_pay}; "
            "实际报销比例 actual ratio {ratio}"
        ).format(
            reimbursed=format_money(s.reimbursed),
            patient_pay=format_money(s.patient_pay),
            ratio=ratio,
        ),
    ]
    return "\n".join(lines)


#: The phrases of a trace's note (written by the layer types, in English), in the catalog:
#: a Chinese explanation shows the note with each phrase translated.
NOTE_PHRASES = (
    N_("claim no. {n} this year ({count}): "),
    N_("deductibles borne this year reach the ceiling {amount}"),
    N_("limited from {amount} by: "),
    N_("no layer pays more than what is left of the claim's total"),
    N_("the ratio is 0"),
    N_("the base does not exceed the deductible"),
    N_("nothing to pay on this base"),
    N_("earlier layers already reach the target {amount}"),
)
_NOTE_VALUES = (N_("same tier"), N_("any tier"))
_FIELD = re.compile(r"\\\{(\w+)\\\}")


@functools.cache
def _note_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for phrase in NOTE_PHRASES:
        pattern = _FIELD.sub(
            lambda m: f"(?P<{m[1]}>[^)]+)" if m[1] == "count" else f"(?P<{m[1]}>[0-9.,]+)",
            re.escape(phrase),
        )
        out.append((re.compile(pattern), phrase))
    return tuple(out)


def note_text(note: str) -> str:
    """A trace's note in the current language: in Chinese, each phrase of the note that the
    catalog knows is translated, and so is the reason of a built-in policy's assumption
    (:func:`~zjj_medical.i18n.policy_texts_in`); amounts and clauses are kept as they are.

    >>> note_text("the base does not exceed the deductible")
    'the base does not exceed the deductible'
    """
    if get_language() != "zh" or not note:
        return note
    for pattern, phrase in _note_patterns():

        def translated(m: re.Match[str], phrase: str = phrase) -> str:
            values = {k: _(v) if k == "count" else v for k, v in m.groupdict().items()}
            return _(phrase).format(**values)

        note = pattern.sub(translated, note)
    return policy_texts_in(note).replace("; ", "；")


def _yes(flag: bool) -> str:
    """是 yes / 否 no in English (the Chinese term kept), 是 / 否 in Chinese."""
    if get_language() == "zh":
        return yes_no(flag, "zh")
    return "是 yes" if flag else "否 no"


#: The words of the trace inputs an explanation shows (the keys stay the JSON's).
INPUT_LABELS: dict[str, str] = {
    "base": N_("base"),
    "deductible": N_("deductible"),
    "deductible_borne": N_("deductible borne"),
    "ratio": N_("ratio"),
    "computed": N_("computed"),
    "cumulative_before": N_("year's base before"),
    "cumulative_after": N_("year's base after"),
    "target": N_("target"),
    "target_ratio": N_("target ratio"),
    "target_of": N_("target of"),
    "earlier_layers": N_("earlier layers"),
    "cap": N_("cap"),
    "amount": N_("amount"),
}


def input_label(key: str) -> str:
    """A trace input's key in words, in the current language (``deductible_borne`` →
    ``deductible borne`` / ``已承担起付线``); an unknown key with its underscores as spaces.

    >>> input_label("deductible_borne")
    'deductible borne'
    """
    if key in INPUT_LABELS:
        return _(INPUT_LABELS[key])
    return key.replace("_", " ")
