"""Rendering the parameters of a policy in force on a date (``zjj-medical policy show``).

Cells are wrapped here, to the width of their column, only where a line may break: at
spaces, between two Chinese characters, after ``–`` or ``,`` — never inside a number or an
id (``市级医院1000元`` breaks before ``1000元`` or after it, not inside). Nothing is cut.

>>> print(wrap("市级医院1000元，省级医院1500元", 12))
市级医院
1000元，省级
医院1500元
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from zjj_medical.i18n import N_, get_language
from zjj_medical.i18n import gettext as _
from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.model import (
    Band,
    Condition,
    Modifier,
    Param,
    Policy,
    PolicyLayer,
    RepeatRule,
    Value,
)

__all__ = [
    "all_params",
    "condition_words",
    "format_value",
    "policy_tables",
    "repeat_rule_text",
    "wrap",
]

#: A piece no line break may split: a run of non-space, non-wide characters (a number, an id,
#: ``0.85``, ``2019-10-01``) with its unit (``1000元``, ``3万元``) and the punctuation that
#: must stay beside it, or one wide
#: character with its closing punctuation. A break is allowed after ``–``, ``,`` and ``;``.
_PIECE = re.compile(
    r"\s+"
    r"|[^\s\u2e80-\uffef–,;]*[–,;]"
    r"|[^\s\u2e80-\uffef–,;]+[万元]*[）)」》，。；、：！？%]*"
    r"|[（(《「]*[\u2e80-\uffef][）)」》，。；、：！？]*"
)


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _PIECE.match(text, pos)
        end = m.end() if m and m.end() > pos else pos + 1
        piece = text[pos:end]
        if out and out[-1][-1] in "(（《「":  # an opening bracket stays with what follows
            out[-1] += piece
        else:
            out.append(piece)
        pos = end
    return out


def wrap(text: str, width: int) -> str:
    """``text`` with line breaks so that no line is wider than ``width`` cells, breaking only
    between pieces (see the module); a piece wider than a whole line is split as a last
    resort."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in _pieces(paragraph):
            if piece.isspace():
                if line and cell_len(line) + 1 <= width:
                    line += " "
                continue
            while cell_len(piece) > width:  # longer than a line: split it, nothing is lost
                if line.strip():
                    lines.append(line.rstrip())
                    line = ""
                cut = 1
                while cell_len(piece[: cut + 1]) <= width:
                    cut += 1
                lines.append(piece[:cut])
                piece = piece[cut:]
            if cell_len(line) + cell_len(piece) > width and line.strip():
                lines.append(line.rstrip())
                line = ""
            line += piece
        lines.append(line.rstrip())
    return "\n".join(lines)


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
        return _("no limit") if unit == "CNY" else "—"
    return f"{v}"


def _bands(bands: tuple[Band, ...]) -> str:
    return _("; ").join(
        _("{lower}–{upper} at {ratio}").format(
            lower=b.lower, upper="∞" if b.upper is None else b.upper, ratio=b.ratio
        )
        for b in bands
    )


def _key_name(key: object, policy: Policy | None) -> str:
    """A table's key (a tier, a claim kind, a county …) by the policy's name for it, in
    Chinese; its id in English or when the policy has no name for it."""
    if policy is None or get_language() != "zh":
        return str(key)
    for group in _GROUPS.values():
        declared: Mapping[Any, Any] = getattr(policy, group, None) or {}
        if key in declared:
            return getattr(declared[key], "name", None) or str(key)
    return str(key)


def format_value(value: Value, unit: str, policy: Policy | None = None) -> str:
    """A value as text: a scalar, a band list or a table keyed by tier (or claim kind …);
    given the ``policy``, a key is shown in Chinese by the policy's name for it.

    >>> from decimal import Decimal
    >>> format_value({"township": Decimal("200.00"), "county": None}, "CNY")
    'township 200.00, county no limit'
    """
    if isinstance(value, tuple):
        return _bands(value)
    if isinstance(value, Mapping):
        return _(", ").join(
            f"{_key_name(k, policy)} {_bands(v) if isinstance(v, tuple) else _scalar(v, unit)}"
            for k, v in value.items()
        )
    return _scalar(value, unit)


def _active(start: dt.date | None, until: dt.date | None, on: dt.date) -> bool:
    return (start is None or start <= on) and (until is None or on < until)


def _dates(start: dt.date | None, until: dt.date | None) -> str:
    return (_(" from {date}").format(date=start) if start else "") + (
        _(" until {date}").format(date=until) if until else ""
    )


#: The facts a condition reads, in words (Chinese conditions name them).
_FACTS: dict[str, str] = {
    "poor": N_("registered poor"),
    "in_county": N_("in-county"),
    "accident": N_("accidental injury"),
    "county": N_("county"),
    "tier": N_("facility level"),
    "kind": N_("claim kind"),
    "categories": N_("category"),
    "facility": N_("facility"),
}
_GROUPS = {
    "county": "counties", "tier": "tiers", "kind": "claim_kinds", "categories": "categories",
    "facility": "facilities",
}  # fmt: skip


def _value_words(policy: Policy, key: str, values: frozenset[object]) -> list[str]:
    """A condition's values in the policy's declaration order, by their Chinese names."""
    group = _GROUPS.get(key)
    declared: Mapping[str, Any] = getattr(policy, group) if group else {}
    order = [v for v in declared if v in values] + sorted(
        (str(v) for v in values if v not in declared), key=str
    )
    return [getattr(declared[v], "name", None) or str(v) if v in declared else v for v in order]


def condition_words(condition: Condition, policy: Policy) -> str:
    """A condition in words: its English text as the policy file reads (``poor=true, tier is
    township or county``); in Chinese, facts and values by their names (``建档立卡贫困人口，
    医疗机构级别为乡镇卫生院或县级医院``)."""
    if get_language() != "zh":
        return condition.text
    if condition.text in ("always", "never") and not condition.atoms:
        return _(condition.text)
    parts: list[str] = []
    for key, values in condition.atoms:
        word = _(_FACTS[key]) if key in _FACTS else key
        if values <= {True, False} and len(values) == 1:
            yes = True in values
            parts.append(word if yes else _("not {fact}").format(fact=word))
            continue
        names = _value_words(policy, key, values)
        shown = names[0] if len(names) == 1 else "、".join(names[:-1]) + _(" or ") + names[-1]
        parts.append(_("{fact} is {values}").format(fact=word, values=shown))
    if condition.any_of:
        inner = _("; ").join(condition_words(c, policy) for c in condition.any_of)
        parts.append(_("any of ({conditions})").format(conditions=inner))
    if condition.negated is not None:
        inner = condition_words(condition.negated, policy)
        parts.append(_("not ({condition})").format(condition=inner))
    return _(", ").join(parts)


def _modifier(m: Modifier, on: dt.date, policy: Policy) -> str:
    value = _("no limit") if m.value is None else str(m.value)
    sign = {"add": "+", "multiply": "×", "set": "="}[m.op]
    state = "" if _active(m.start, m.until, on) else _(" (not in force)")
    return (
        _("{change} if {condition}").format(
            change=f"{sign}{value}", condition=condition_words(m.when, policy)
        )
        + _dates(m.start, m.until)
        + state
    )


def repeat_rule_text(rule: RepeatRule, policy: Policy | None = None) -> str:
    """A repeat-claim deductible rule in words.

    >>> from decimal import Decimal
    >>> repeat_rule_text(RepeatRule("same_tier", "multiply", Decimal("0.5")))
    'from the 2nd claim of the year at the same tier: deductible × 0.5'
    """
    where = _("at the same tier") if rule.count == "same_tier" else _("at any tier")
    if rule.op == "multiply":
        change = _("deductible × {value}").format(value=rule.value)
    elif rule.op == "set":
        change = _("deductible {value} (never more than it would be)").format(value=rule.value)
    else:
        change = _("deductible − {value} per earlier claim, not below {floor}").format(
            value=rule.value, floor=rule.floor or 0
        )
    cond = rule.when.text if policy is None else condition_words(rule.when, policy)
    when = "" if rule.when.text == "always" else _(", if {condition}").format(condition=cond)
    return (
        _("from the 2nd claim of the year {where}: {change}").format(where=where, change=change)
        + when
        + _dates(rule.start, rule.until)
    )


class _Grid:
    """A table ``width`` cells wide whose cells are wrapped here (see :func:`wrap`).

    Columns get their natural width when everything fits; otherwise the widest column gives
    up a cell at a time, down to ``minimum``. ``(assumed)`` in a label is shown in yellow.
    """

    def __init__(self, title: str, headers: Sequence[str] | None, width: int) -> None:
        self.title, self.headers, self.width = title, headers, width
        self.rows: list[tuple[str, ...]] = []

    def add(self, *cells: str) -> None:
        self.rows.append(cells)

    def table(self, minimum: int = 10) -> Table:
        n = len(self.headers) if self.headers else len(self.rows[0])
        content = self.width - (n + 1) - 2 * n  # borders, then one space each side
        natural = [
            max(
                [cell_len(self.headers[i]) if self.headers else 1]
                + [max(cell_len(line) for line in row[i].split("\n")) for row in self.rows]
            )
            for i in range(n)
        ]
        widths = list(natural)
        while sum(widths) > content and max(widths) > minimum:
            widths[widths.index(max(widths))] -= 1
        if sum(widths) < content:
            widths[-1] += content - sum(widths)
        t = Table(title=self.title, show_header=self.headers is not None)
        for i, w in enumerate(widths):
            bold = self.headers is None and i == 0
            header = self.headers[i] if self.headers else ""
            t.add_column(header, width=w, overflow="fold", style="bold" if bold else "")
        for row in self.rows:
            cells = [Text(wrap(c, w)) for c, w in zip(row, widths, strict=True)]
            cells[0].highlight_words([_(" (assumed)").strip()], style="yellow")
            t.add_row(*cells)
        return t


def _param_cell(
    p: Param, on: dt.date, label: str, layer: PolicyLayer | None, policy: Policy | None = None
) -> str:
    raw = p.raw_at(on)
    shown = _("not in force") if isinstance(raw, _NotInForce) else format_value(raw, p.unit, policy)
    if label == "bands" and layer is not None:
        shown += _(" (measured {how})").format(how=_(layer.measured.replace("_", " ")))
    return shown


def _mods(p: Param, on: dt.date, policy: Policy) -> str:
    return "\n".join(_modifier(m, on, policy) for m in p.modifiers)


#: The parameters' labels, in words (the labels are the policy file's keys).
_LABELS = {
    "deductible": N_("deductible"),
    "ratio": N_("ratio"),
    "bands": N_("bands"),
    "cap per year": N_("cap per year"),
    "cap per claim": N_("cap per claim"),
    "target": N_("target"),
    "deductible ceiling": N_("deductible ceiling"),
}
_WORDS = (
    N_("above deductible"),
    N_("absolute"),
    N_("claim"),
    N_("year"),
    N_("always"),
    N_("never"),
)


def _label(label: str) -> str:
    return _(_LABELS[label]) if label in _LABELS else label


def _assumed(flag: bool) -> str:
    return _(" (assumed)") if flag else ""


def _layer_table(policy: Policy, layer: PolicyLayer, on: dt.date, width: int) -> Table:
    headers = (_("parameter"), _("in force"), _("modifiers"), _("clause"))
    kinds = [
        policy.claim_kinds[k].name if get_language() == "zh" and k in policy.claim_kinds else k
        for k in layer.kinds
    ]
    comma = _(", ")
    t = _Grid(f"{layer.id} {layer.name} — {comma.join(kinds)}", headers, width)
    if not layer.in_force(on):
        when = (
            _("from {date}").format(date=layer.start)
            if layer.start and on < layer.start
            else _("until {date}").format(date=layer.until)
        )
        t.add(
            _("layer"), _("not in force ({when})").format(when=when), "", layer.effective_reference
        )
    if layer.when.text != "always":
        t.add(_("eligibility"), condition_words(layer.when, policy), "", "")
    if layer.type == "schedule":
        if layer.base_minus or layer.base_of != "in_scope":
            t.add(_("base"), " − ".join((layer.base_of, *layer.base_minus)), "", "")
        per = (
            _("per claim") if layer.accumulation == "claim"
            else _("cumulative over the person-year (the deductible once a year)")
        )  # fmt: skip
        t.add(_("accumulation"), per, "", "")
    for label, p in layer.labelled_params():
        t.add(
            _label(label) + _assumed(p.assumed), _param_cell(p, on, label, layer, policy),
            _mods(p, on, policy), p.reference,
        )  # fmt: skip
    for rule in layer.repeats:
        state = "" if rule.active(on) else _(" (not in force)")
        t.add(_("repeat claims"), repeat_rule_text(rule, policy) + state, "", rule.reference)
    for shared in policy.shared_caps:
        if layer.id in shared.layers:
            others = _(", ").join(x for x in shared.layers if x != layer.id)
            t.add(
                _("shared cap {id} per {per}").format(id=shared.id, per=_(shared.per))
                + _assumed(shared.amount.assumed),
                _param_cell(shared.amount, on, "", None, policy)
                + _(" with {layers}").format(layers=others),
                _mods(shared.amount, on, policy), shared.amount.reference,
            )  # fmt: skip
    return t.table()


def policy_tables(policy: Policy, on: dt.date, width: int = 100) -> RenderableType:
    """Tables of everything in force on ``on``, each ``width`` cells wide: the policy's
    declarations, then each layer's parameters, repeat rules, accumulation and caps."""
    width = max(width, 40)
    head = _Grid(
        _("{name} — {id}, in force on {date}").format(name=policy.name, id=policy.id, date=on),
        None, width,
    )  # fmt: skip
    head.add(_("source"), policy.source)
    head.add(_("in force"), _("from {date}").format(date=policy.start) + _dates(None, policy.until))
    tiers = []
    for tier in policy.tiers.values():
        aliases = f" ({', '.join(tier.aliases)})" if tier.aliases else ""
        tiers.append(f"{tier.id} {tier.name}{aliases}" + _assumed(tier.assumed))
    head.add(_("tiers"), _("; ").join(tiers))
    if policy.in_county_tiers:
        head.add(_("in-county tiers"), _(", ").join(sorted(policy.in_county_tiers)))
    for c in policy.counties.values():
        if c.designated_in_county:
            head.add(
                _("designated for {county}").format(county=c.id),
                _(", ").join(c.designated_in_county),
            )
    parts: list[RenderableType] = [head.table()]
    parts.extend(_layer_table(policy, layer, on, width) for layer in policy.layers)
    if policy.premium:
        t = _Grid(_("premium 个人缴费"), (_("parameter"), _("in force"), _("clause")), width)
        amount = policy.premium.amount
        t.add(_("premium"), _param_cell(amount, on, "", None, policy), amount.reference)
        for s in policy.premium.subsidies:
            t.add(
                _("subsidy if {condition}").format(condition=condition_words(s.when, policy)),
                _param_cell(s.amount, on, "", None, policy), s.amount.reference,
            )  # fmt: skip
        parts.append(t.table())
    return Group(*parts)
