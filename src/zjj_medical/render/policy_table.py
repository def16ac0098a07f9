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

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from zjj_medical.policy.dated import _NotInForce
from zjj_medical.policy.model import Band, Modifier, Param, Policy, PolicyLayer, RepeatRule, Value

__all__ = ["all_params", "format_value", "policy_tables", "repeat_rule_text", "wrap"]

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


def _active(start: dt.date | None, until: dt.date | None, on: dt.date) -> bool:
    return (start is None or start <= on) and (until is None or on < until)


def _dates(start: dt.date | None, until: dt.date | None) -> str:
    return (f" from {start}" if start else "") + (f" until {until}" if until else "")


def _modifier(m: Modifier, on: dt.date) -> str:
    value = "no limit" if m.value is None else str(m.value)
    sign = {"add": "+", "multiply": "×", "set": "="}[m.op]
    state = "" if _active(m.start, m.until, on) else " (not in force)"
    return f"{sign}{value} if {m.when.text}{_dates(m.start, m.until)}{state}"


def repeat_rule_text(rule: RepeatRule) -> str:
    """A repeat-claim deductible rule in words.

    >>> from decimal import Decimal
    >>> repeat_rule_text(RepeatRule("same_tier", "multiply", Decimal("0.5")))
    'from the 2nd claim of the year at the same tier: deductible × 0.5'
    """
    where = "at the same tier" if rule.count == "same_tier" else "at any tier"
    if rule.op == "multiply":
        change = f"deductible × {rule.value}"
    elif rule.op == "set":
        change = f"deductible {rule.value} (never more than it would be)"
    else:
        change = f"deductible − {rule.value} per earlier claim, not below {rule.floor or 0}"
    when = "" if rule.when.text == "always" else f", if {rule.when.text}"
    return f"from the 2nd claim of the year {where}: {change}{when}{_dates(rule.start, rule.until)}"


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
            cells[0].highlight_words(["(assumed)"], style="yellow")
            t.add_row(*cells)
        return t


def _param_cell(p: Param, on: dt.date, label: str, layer: PolicyLayer | None) -> str:
    raw = p.raw_at(on)
    shown = "not in force" if isinstance(raw, _NotInForce) else format_value(raw, p.unit)
    if label == "bands" and layer is not None:
        shown += f" (measured {layer.measured.replace('_', ' ')})"
    return shown


def _mods(p: Param, on: dt.date) -> str:
    return "\n".join(_modifier(m, on) for m in p.modifiers)


def _layer_table(policy: Policy, layer: PolicyLayer, on: dt.date, width: int) -> Table:
    headers = ("parameter", "in force", "modifiers", "clause")
    t = _Grid(f"{layer.id} {layer.name} — {', '.join(layer.kinds)}", headers, width)
    if not layer.in_force(on):
        when = f"from {layer.start}" if layer.start and on < layer.start else f"until {layer.until}"
        t.add("layer", f"not in force ({when})", "", layer.effective_reference)
    if layer.when.text != "always":
        t.add("eligibility", layer.when.text, "", "")
    if layer.type == "schedule":
        if layer.base_minus or layer.base_of != "in_scope":
            t.add("base", " − ".join((layer.base_of, *layer.base_minus)), "", "")
        per = (
            "per claim" if layer.accumulation == "claim"
            else "cumulative over the person-year (the deductible once a year)"
        )  # fmt: skip
        t.add("accumulation", per, "", "")
    for label, p in layer.labelled_params():
        flag = " (assumed)" if p.assumed else ""
        t.add(label + flag, _param_cell(p, on, label, layer), _mods(p, on), p.reference)
    for rule in layer.repeats:
        state = "" if rule.active(on) else " (not in force)"
        t.add("repeat claims", repeat_rule_text(rule) + state, "", rule.reference)
    for shared in policy.shared_caps:
        if layer.id in shared.layers:
            others = ", ".join(x for x in shared.layers if x != layer.id)
            flag = " (assumed)" if shared.amount.assumed else ""
            t.add(
                f"shared cap {shared.id} per {shared.per}{flag}",
                _param_cell(shared.amount, on, "", None) + f" with {others}",
                _mods(shared.amount, on), shared.amount.reference,
            )  # fmt: skip
    return t.table()


def policy_tables(policy: Policy, on: dt.date, width: int = 100) -> RenderableType:
    """Tables of everything in force on ``on``, each ``width`` cells wide: the policy's
    declarations, then each layer's parameters, repeat rules, accumulation and caps."""
    width = max(width, 40)
    head = _Grid(f"{policy.name} — {policy.id}, in force on {on}", None, width)
    head.add("source", policy.source)
    head.add("in force", f"from {policy.start}" + _dates(None, policy.until))
    tiers = []
    for tier in policy.tiers.values():
        aliases = f" ({', '.join(tier.aliases)})" if tier.aliases else ""
        tiers.append(f"{tier.id} {tier.name}{aliases}" + (" (assumed)" if tier.assumed else ""))
    head.add("tiers", "; ".join(tiers))
    if policy.in_county_tiers:
        head.add("in-county tiers", ", ".join(sorted(policy.in_county_tiers)))
    for c in policy.counties.values():
        if c.designated_in_county:
            head.add(f"designated for {c.id}", ", ".join(c.designated_in_county))
    parts: list[RenderableType] = [head.table()]
    parts.extend(_layer_table(policy, layer, on, width) for layer in policy.layers)
    if policy.premium:
        t = _Grid("premium 个人缴费", ("parameter", "in force", "clause"), width)
        amount = policy.premium.amount
        t.add("premium", _param_cell(amount, on, "", None), amount.reference)
        for s in policy.premium.subsidies:
            t.add(
                f"subsidy if {s.when.text}", _param_cell(s.amount, on, "", None),
                s.amount.reference,
            )  # fmt: skip
        parts.append(t.table())
    return Group(*parts)
