"""Short ``repr`` and HTML (``_repr_html_``) of the objects an analyst meets in a notebook.

A :class:`~zjj_medical.engine.settlement.Settlement`, a
:class:`~zjj_medical.analysis.metrics.Summary`, a
:class:`~zjj_medical.analysis.reform.Comparison` and a
:class:`~zjj_medical.policy.model.Policy` show themselves in one line as text and as a
compact table in Jupyter. Money is written exactly, as text with two decimals (the JSON
contract's form), never as a float. The words are in :data:`TEXT`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from zjj_medical.i18n import N_, gettext, yes_no
from zjj_medical.money import format_money
from zjj_medical.render.explain import layer_label
from zjj_medical.render.notes import DOCS, assumed_zero_layers, note

if TYPE_CHECKING:
    import pandas as pd

    from zjj_medical.analysis.metrics import Summary
    from zjj_medical.analysis.reform import Comparison
    from zjj_medical.engine.settlement import Settlement
    from zjj_medical.policy.model import Policy

__all__ = [
    "TEXT",
    "comparison_html",
    "comparison_repr",
    "policy_html",
    "policy_repr",
    "settlement_html",
    "settlement_repr",
    "summary_html",
    "summary_repr",
]


class _Translated(dict[str, str]):
    """Words keyed by what they name, each read in the current language."""

    def __getitem__(self, key: str) -> str:
        return gettext(super().__getitem__(key))


#: The words of the reprs, keyed by what they name (in the current language when read).
TEXT: Mapping[str, str] = _Translated(
    {
        "settlement": N_(
            "Settlement {claim_id}: {kind} {date}, total {total}, reimbursed {reimbursed}, patient pays {patient_pay}, actual ratio {ratio}"
        ),
        "summary": N_(
            "Summary of {policy_id}: {persons} persons ({poor} registered poor), {claims} claims ({errors} not settled); total cost {total}, reimbursed {reimbursed}, out of pocket {oop}"
        ),
        "comparison": N_(
            "Comparison of {reform} with {baseline}: reimbursed {reimbursed:+}, out of pocket {oop:+}; {better} better off, {worse} worse off"
        ),
        "policy": N_("Policy {id} ({name}): in force {dates}, {layers} layers, from {file}"),
        "dates": N_("from {start}"),
        "dates.until": N_("from {start} until {until}"),
        "payer": N_("支付方 payer"),
        "amount": N_("金额 amount"),
        "note": N_("note"),
        "reimbursed": N_("报销合计 reimbursed"),
        "patient_pay": N_("个人自付 patient pays"),
        "actual_ratio": N_("实际报销比例 actual ratio"),
        "total": N_("医疗费总额 total cost"),
        "in_scope": N_("政策范围内费用 in-scope cost"),
        "in_county": N_("县域内 in-county"),
        "fund_cost": N_("Fund cost by layer"),
        "totals": N_("Totals"),
        "targets": N_("Registered poor: targets"),
        "layers": N_("Layers"),
        "persons": N_("Persons better and worse off (out-of-pocket over the year)"),
        "worse_off": N_(
            "{count} persons worse off; see comparison.worse_off() for who and why ({docs})"
        ),
        "errors": N_("{errors} rows not settled: see summary.error_table"),
    }
)


def _e(value: object) -> str:
    return html.escape(str(value))


def _money(value: object) -> str:
    if isinstance(value, Decimal):
        return format_money(value)
    return "—" if value is None else str(value)


def _ratio(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _signed(value: Decimal) -> str:
    return ("+" if value > 0 else "") + format_money(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], right: int = 1) -> str:
    """An HTML table; columns from ``right`` on are right-aligned (amounts)."""

    def cell(tag: str, i: int, value: object) -> str:
        style = ' style="text-align:right"' if i >= right and tag == "td" else ""
        return f"<{tag}{style}>{_e(value)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _frame(frame: pd.DataFrame, index: str) -> str:
    """A summary table (Decimal money as text) with its index as the first column."""
    header = [index, *map(str, frame.columns)]
    ratio = [str(c).endswith(("ratio", "share")) for c in frame.columns]
    rows = [
        [str(i), *(_ratio(v) if r else _money(v) for r, v in zip(ratio, row, strict=True))]
        for i, row in zip(frame.index, frame.values.tolist(), strict=True)
    ]
    return _table(header, rows)


def _block(title: str, *parts: str) -> str:
    inner = "".join(parts)
    return f'<div class="zjj-medical"><strong>{_e(title)}</strong>{inner}</div>'


# -- Settlement -------------------------------------------------------------------------


def settlement_repr(s: Settlement) -> str:
    """One line: the claim, its total, what was reimbursed and what the patient pays."""
    return "<" + TEXT["settlement"].format(
        claim_id=s.claim_id, kind=s.kind, date=s.date, total=format_money(s.total),
        reimbursed=format_money(s.reimbursed), patient_pay=format_money(s.patient_pay),
        ratio=_ratio(s.actual_ratio),
    ) + ">"  # fmt: skip


def settlement_html(s: Settlement) -> str:
    """The settlement as a small table: every payer, the totals, the why of a zero."""
    facts = _table(
        ["", ""],
        [
            (TEXT["total"], format_money(s.total)),
            (TEXT["in_scope"], format_money(s.in_scope)),
            (TEXT["in_county"], yes_no(s.in_county)),
        ],
    )
    rows = [
        (layer_label(e.layer, e.name), format_money(e.amount), e.note if e.amount == 0 else "")
        for e in s.trace
    ]
    rows += [
        (TEXT["reimbursed"], format_money(s.reimbursed), ""),
        (TEXT["patient_pay"], format_money(s.patient_pay), ""),
        (TEXT["actual_ratio"], _ratio(s.actual_ratio), ""),
    ]
    payers = _table([TEXT["payer"], TEXT["amount"], TEXT["note"]], rows)
    title = f"{s.claim_id} — {s.kind} {s.date} ({s.policy_id})"
    return _block(title, facts, payers)


# -- Summary ----------------------------------------------------------------------------


def summary_repr(s: Summary) -> str:
    """One line: the run's size and its money totals (everyone)."""
    row = s.totals.loc["all"]
    return "<" + TEXT["summary"].format(
        policy_id=s.policy_id, persons=f"{s.persons:,}", poor=f"{s.poor_persons:,}",
        claims=f"{s.claims:,}", errors=f"{s.errors:,}", total=_money(row["total_cost"]),
        reimbursed=_money(row["reimbursed"]), oop=_money(row["out_of_pocket"]),
    ) + ">"  # fmt: skip


def _fund_cost(frame: pd.DataFrame) -> str:
    has_note = "note" in frame.columns
    rows = [
        (
            layer_label(r["layer"], r["name"]), _money(r["amount"]), _ratio(r["share"]),
            f"{r['claims_paid']:,}", r["note"] if has_note else "",
        )
        for r in frame.to_dict("records")
    ]  # fmt: skip
    return _table(["layer", "amount", "share", "claims paid", TEXT["note"]], rows)


def summary_html(s: Summary) -> str:
    """The totals, the fund cost by layer (with why a layer pays nothing) and the targets."""
    targets = [
        (i, r["name"], _ratio(r["value"]), _ratio(r["target"]), "—" if r["met"] is None else ("✓" if r["met"] else "✗"))
        for i, r in zip(s.poor.index, s.poor.to_dict("records"), strict=True)
    ]  # fmt: skip
    parts = [
        f"<p>{_e(summary_repr(s)[1:-1])}</p>",
        f"<p>{_e(TEXT['totals'])}</p>",
        _frame(s.totals, "group"),
        f"<p>{_e(TEXT['fund_cost'])}</p>",
        _fund_cost(s.fund_cost),
        f"<p>{_e(TEXT['targets'])}</p>",
        _table(["indicator", "name", "value", "target", "met"], targets, right=2),
    ]
    if s.errors:
        parts.append(f"<p>{_e(TEXT['errors'].format(errors=f'{s.errors:,}'))}</p>")
    return _block(f"Summary — {s.policy_id}", *parts)


# -- Comparison -------------------------------------------------------------------------


def comparison_repr(c: Comparison) -> str:
    """One line: the change in reimbursement and out-of-pocket, who is better and worse off."""
    t: dict[Any, Any] = c.totals.loc["all"].to_dict()
    p: dict[Any, Any] = c.persons.loc["all"].to_dict()
    return "<" + TEXT["comparison"].format(
        reform=repr(c.reform_name), baseline=c.baseline_name,
        reimbursed=_Signed(t["reimbursed_change"]), oop=_Signed(t["out_of_pocket_change"]),
        better=f"{int(p['better_off']):,}", worse=f"{int(p['worse_off']):,}",
    ) + ">"  # fmt: skip


class _Signed:
    """A money amount that formats with its sign (``{x:+}``) as exact text."""

    def __init__(self, value: Decimal) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return _signed(self.value) if "+" in spec else format_money(self.value)


def comparison_html(c: Comparison) -> str:
    """The layers' fund cost in both runs, the totals' change, and who is worse off."""
    layers = [
        (
            layer_label(str(i), r["name"]), _money(r["baseline"]), _money(r["reform"]),
            _signed(r["change"]), r.get("note", ""),
        )
        for i, r in zip(c.layers.index, c.layers.to_dict("records"), strict=True)
    ]  # fmt: skip
    worse = int(c.persons["worse_off"].to_dict()["all"])
    parts = [
        f"<p>{_e(comparison_repr(c)[1:-1])}</p>",
        f"<p>{_e(TEXT['layers'])}</p>",
        _table(["layer", "baseline", "reform", "change", TEXT["note"]], layers),
        f"<p>{_e(TEXT['totals'])}</p>",
        _frame(c.totals, "group"),
        f"<p>{_e(TEXT['persons'])}</p>",
        _frame(c.persons, "group"),
        "<p>"
        + _e(
            TEXT["worse_off"].format(count=f"{worse:,}", docs=DOCS["worse_off"])
            if worse
            else note("worse_off.none")
        )
        + "</p>",
    ]
    return _block(f"{c.reform_name} vs {c.baseline_name}", *parts)


# -- Policy -----------------------------------------------------------------------------


def _dates(p: Policy) -> str:
    key = "dates.until" if p.until else "dates"
    return TEXT[key].format(start=p.start, until=p.until)


def policy_repr(p: Policy) -> str:
    """One line: the policy's id, name, dates, number of layers and file."""
    return "<" + TEXT["policy"].format(
        id=p.id, name=p.name, dates=_dates(p), layers=len(p.layers), file=p.file,
    ) + ">"  # fmt: skip


def policy_html(p: Policy) -> str:
    """The policy's facts and its layers (kinds, type, who is eligible, a zero rate's why)."""
    zero = assumed_zero_layers(p)
    facts = _table(
        ["", ""],
        [
            ("source", p.source),
            ("in force", _dates(p)),
            ("tiers", ", ".join(p.tiers)),
            ("file", p.file),
        ],
        right=2,
    )
    rows: list[Sequence[Any]] = [
        (
            layer.id, layer.name, layer.type, ", ".join(layer.kinds), layer.when.text,
            note("zero_rate.short") + f" ({zero[layer.id]})" if layer.id in zero else "",
        )
        for layer in p.layers
    ]  # fmt: skip
    layers = _table(["layer", "name", "type", "kinds", "eligible", TEXT["note"]], rows, right=9)
    return _block(f"{p.id} — {p.name}", facts, layers)
