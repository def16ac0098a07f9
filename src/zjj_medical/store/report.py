"""Reconciliation (对账): what each fund owes, per claim date and facility, from the store.

One row per (date, facility, layer): the number of claims the layer applied to and
the sum of its payments, plus the claims' total cost and patient share per
(date, facility) under the pseudo-layers ``total`` and ``patient_pay``. The report
reads the settlements as currently stored: a reversed claim is gone and the later
claims it changed show their re-settled amounts (the changes themselves are in the
store's reversals).

>>> from zjj_medical import Claim, Facility, Person
>>> from zjj_medical.store.book import LedgerBook
>>> book = LedgerBook.open(":memory:")
>>> f = Facility(level="township", county="cili")
>>> for i in (1, 2):
...     _ = book.settle(Claim(f"V{i}", "outpatient", "2019-10-01", f, "300", "300"),
...                     Person(f"P{i}", poor=False, county="cili"))
>>> [(r.layer, r.claims, str(r.amount)) for r in reconciliation(book.store)][:2]
[('outpatient_pooling', 2, '420.00'), ('total', 2, '600.00')]
>>> book.close()
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO

import attrs
from rich.table import Table

from zjj_medical.i18n import N_, get_language, gettext, name_with_id, pgettext
from zjj_medical.money import EXACT, ZERO, format_money
from zjj_medical.render.explain import LAYER_TERMS, layer_label
from zjj_medical.store.base import LedgerStore
from zjj_medical.store.records import StoredSettlement

__all__ = [
    "CSV_COLUMNS",
    "TABLE_COLUMNS",
    "ReconciliationRow",
    "reconciliation",
    "reconciliation_rows",
    "reconciliation_table",
    "write_reconciliation_csv",
]

#: The CSV header, in order.
CSV_COLUMNS = ("date", "facility", "layer", "name", "claims", "amount")
_PSEUDO = ("total", "patient_pay")
#: The pseudo-layers' names, Chinese and English (as ``LAYER_TERMS`` names the layers).
_PSEUDO_NAMES = {"total": ("医疗费总额", "total cost"), "patient_pay": ("个人自付", "patient pays")}
#: The table's column headings (English, the source text of :func:`_headings`).
TABLE_COLUMNS = ("date", "facility", "layer", "claims", "amount")


def _headings(lang: str) -> tuple[str, ...]:
    """The column headings in ``lang`` (catalog context ``reconciliation``)."""
    return (
        pgettext("reconciliation", "date", lang),
        pgettext("reconciliation", "facility", lang),
        pgettext("reconciliation", "layer", lang),
        pgettext("reconciliation", "claims", lang),
        pgettext("reconciliation", "amount", lang),
    )


def _layer_cell(layer: str, lang: str) -> str:
    """A layer in the table: its id, and in Chinese its Chinese name beside it."""
    if lang != "zh":
        return layer
    chinese = _PSEUDO_NAMES.get(layer, LAYER_TERMS.get(layer, ("",)))[0]
    return name_with_id(layer, chinese or None, lang)


@attrs.frozen
class ReconciliationRow:
    """One fund's (or pseudo-layer's) claims and amount for a date and facility."""

    date: dt.date
    facility: str
    layer: str
    claims: int
    amount: Decimal

    @property
    def name(self) -> str:
        """The layer's Chinese and English names (its Chinese name alone when the language
        is Chinese, as for a layer: :func:`~zjj_medical.render.explain.layer_label`)."""
        if self.layer in _PSEUDO_NAMES:
            chinese, english = _PSEUDO_NAMES[self.layer]
            return chinese if get_language() == "zh" else f"{chinese} {english}"
        return layer_label(self.layer)


def reconciliation_rows(records: Iterable[StoredSettlement]) -> list[ReconciliationRow]:
    """Group settlements by (date, facility); one row per layer, then ``total`` and ``patient_pay``."""
    groups: dict[tuple[dt.date, str], dict[str, tuple[int, Decimal]]] = {}
    for r in records:
        s = r.settlement
        g = groups.setdefault((s.date, r.facility), {})
        amounts = [*s.payments.items(), ("total", s.total), ("patient_pay", s.patient_pay)]
        for layer, amount in amounts:
            n, total = g.get(layer, (0, ZERO))
            g[layer] = (n + 1, EXACT.add(total, amount))
    out: list[ReconciliationRow] = []
    for (day, facility), g in sorted(groups.items()):
        layers = [k for k in g if k not in _PSEUDO] + list(_PSEUDO)
        out.extend(ReconciliationRow(day, facility, k, *g[k]) for k in layers)
    return out


def reconciliation(
    store: LedgerStore, *, date: dt.date | None = None, facility: str | None = None
) -> list[ReconciliationRow]:
    """The reconciliation of the stored settlements of a claim date and facility (``None``: all)."""
    with store.snapshot():
        return reconciliation_rows(store.find(date=date, facility=facility))


def write_reconciliation_csv(rows: Sequence[ReconciliationRow], out: IO[str]) -> None:
    """Write the rows as CSV (header :data:`CSV_COLUMNS`, money as two-decimal text)."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow(
            [r.date.isoformat(), r.facility, r.layer, r.name, r.claims, format_money(r.amount)]
        )


def reconciliation_table(rows: Sequence[ReconciliationRow], *, title: str = "") -> Table:
    """The rows as a rich table, with each fund's total over all dates and facilities, in
    the current language (in Chinese each layer id has its Chinese name beside it).

    >>> from zjj_medical.i18n import use_language
    >>> row = ReconciliationRow(dt.date(2019, 10, 1), "township@cili", "outpatient_pooling",
    ...                         2, Decimal("420.00"))
    >>> with use_language("zh"):
    ...     table = reconciliation_table([row])
    >>> [c.header for c in table.columns], table.title
    (['日期', '医疗机构', '支付层', '理赔数', '金额'], '对账')
    >>> list(table.columns[2].cells), list(table.columns[0].cells)[1]
    (['outpatient_pooling（门诊统筹）', 'outpatient_pooling（门诊统筹）'], '[bold]合计[/]')
    """
    lang = get_language()
    table = Table(title=title or gettext(N_("reconciliation"), lang), show_lines=False)
    for i, column in enumerate(_headings(lang)):
        if i < 3:
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="right")
    totals: dict[str, tuple[int, Decimal]] = {}
    for r in rows:
        table.add_row(
            r.date.isoformat(), r.facility, _layer_cell(r.layer, lang), str(r.claims),
            format_money(r.amount),
        )  # fmt: skip
        n, amount = totals.get(r.layer, (0, ZERO))
        totals[r.layer] = (n + r.claims, EXACT.add(amount, r.amount))
    table.add_section()
    order = [k for k in totals if k not in _PSEUDO] + [k for k in _PSEUDO if k in totals]
    every = gettext(N_("all"), lang)
    for layer in order:
        n, amount = totals[layer]
        table.add_row(
            f"[bold]{every}[/]", "", _layer_cell(layer, lang), str(n),
            f"[bold]{format_money(amount)}[/]",
        )  # fmt: skip
    return table
