"""Figures for policy analysis: the reimbursement curve, out-of-pocket burden, fund cost.

Every function returns a :class:`matplotlib.figure.Figure` built without ``pyplot``, so no
global figure state is created or leaked and no display is needed (figures render with the
Agg backend when saved). Labels follow the language (:mod:`zjj_medical.i18n`): in Chinese,
with a CJK font found by matplotlib's font manager (Noto Sans CJK, Source Han Sans,
WenQuanYi …; Debian: ``apt-get install fonts-noto-cjk``); without one, a warning is given
once and the labels stay English (matplotlib's own fonts have no Chinese glyphs).

* :func:`curve_figure` — reimbursement ratio and out-of-pocket as a function of the total
  cost of one admission, for each facility level, registered poor vs not (the policy's
  "curve", each point settled with :func:`zjj_medical.settle` as the first claim of a year);
* :func:`out_of_pocket_figure` — distribution of out-of-pocket spending per person-year,
  baseline vs reform (from :func:`zjj_medical.analysis.reform.compare`);
* :func:`fund_cost_figure` — fund cost by layer, of one run or baseline vs reform;
* :func:`save_figures` — write figures as PNG files into a directory.

>>> fig = curve_figure(points=5)
>>> [ax.get_title() for ax in fig.axes]  # doctest: +NORMALIZE_WHITESPACE
['Not poor: actual reimbursement ratio', 'Registered poor: actual reimbursement ratio',
 'Not poor: out-of-pocket', 'Registered poor: out-of-pocket']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import warnings
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from zjj_medical.analysis.metrics import Summary
from zjj_medical.analysis.reform import Comparison
from zjj_medical.engine.claims import Claim
from zjj_medical.engine.people import Facility, Person
from zjj_medical.engine.settlement import settle
from zjj_medical.errors import problem
from zjj_medical.i18n import get_language, use_language
from zjj_medical.i18n import gettext as _
from zjj_medical.money import round_half_up
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import Policy
from zjj_medical.render.notes import note

__all__ = [
    "curve_data",
    "curve_figure",
    "fund_cost_figure",
    "out_of_pocket_figure",
    "save_figures",
]

_BASELINE, _REFORM = "#4c72b0", "#dd8452"

#: Font families with Chinese glyphs, best first (matched against the installed fonts).
CJK_FONTS = (
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans SC",
    "Source Han Sans CN", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Droid Sans Fallback",
)  # fmt: skip


@functools.cache
def cjk_font() -> str | None:
    """The family of an installed font with Chinese glyphs (:data:`CJK_FONTS`), or None."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first_cjk({f.name for f in manager.ttflist})
    if found is None:  # fonts installed after matplotlib cached its list: look for them
        for path in font_manager.findSystemFonts():
            if any(key in Path(path).name.lower() for key in ("cjk", "wqy", "sourcehan")):
                with contextlib.suppress(Exception):  # a font file matplotlib cannot read
                    manager.addfont(path)
        found = _first_cjk({f.name for f in manager.ttflist})
    return found


def _declared_name(policy: Policy, group: str, name: str) -> str:
    """A tier's, kind's or county's Chinese name from its id, name or alias (else as given)."""
    found = policy.lookup(group, name)
    declared = getattr(policy, group)
    return str(declared[found].name) if found is not None and found in declared else name


def _first_cjk(installed: set[str]) -> str | None:
    return next((name for name in CJK_FONTS if name in installed), None)


@functools.cache
def _warn_no_font() -> None:
    warnings.warn(
        "no font with Chinese glyphs found (install fonts-noto-cjk, or any of "
        + ", ".join(CJK_FONTS[:3])
        + "); the figures are labelled in English",
        UserWarning,
        stacklevel=4,
    )


@contextlib.contextmanager
def _labels() -> Iterator[None]:
    """Within the block, figures are labelled in the current language: Chinese with a CJK
    font when there is one, else English (and a one-time warning)."""
    from matplotlib import rc_context

    if get_language() != "zh":
        yield
        return
    font = cjk_font()
    if font is None:
        _warn_no_font()
        with use_language("en"):
            yield
        return
    with rc_context({"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False}):
        yield


def _grid(low: int, high: int, points: int) -> list[Decimal]:
    """``points`` totals from ``low`` to ``high`` yuan, evenly spaced on a log scale, in whole yuan."""
    values = np.unique(np.rint(np.geomspace(low, high, points)).astype(np.int64))
    return [Decimal(int(v)) for v in values]


def curve_data(
    policy: Policy | None = None,
    *,
    kind: str = "inpatient",
    county: str = "sangzhi",
    in_scope_share: Decimal | str = "0.90",
    date: dt.date | str = "2019-11-01",
    low: int = 100,
    high: int = 500_000,
    points: int = 60,
) -> dict[tuple[str, bool], list[tuple[Decimal, Decimal, Decimal]]]:
    """The curve as numbers: ``(tier, poor)`` → ``[(total, reimbursed, patient_pay), …]``.

    Each point is one claim of ``kind`` at a facility of that tier in the person's own
    ``county`` (so local tiers are in-county and municipal/provincial ones are not), dated
    ``date``, settled as the first claim of the person's year; ``in_scope`` is
    ``round(total × in_scope_share)``.

    >>> data = curve_data(points=3, low=1000, high=100000)
    >>> [(str(t), str(r)) for t, r, _ in data[("county", True)]]
    [('1000.00', '850.00'), ('10000.00', '8500.00'), ('100000.00', '85000.00')]
    """
    policy = policy or load_policy()
    share = Decimal(str(in_scope_share))
    if not Decimal(0) <= share <= Decimal(1):
        raise problem(ValueError, "plots.in_scope_share", value=in_scope_share)
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    kind_id = policy.lookup("claim_kinds", kind) or kind
    tiers = policy.claim_kinds[kind_id].tiers
    out: dict[tuple[str, bool], list[tuple[Decimal, Decimal, Decimal]]] = {}
    for poor in (False, True):
        person = Person("curve", poor=poor, county=county)
        for tier in tiers:
            rows = []
            for total in _grid(low, high, points):
                claim = Claim(
                    "curve", kind_id, day, Facility(level=tier, county=county),
                    total=total, in_scope=round_half_up(total * share),
                )  # fmt: skip
                s = settle(claim, person, policy=policy)
                rows.append((s.total, s.reimbursed, s.patient_pay))
            out[(tier, poor)] = rows
    return out


def _curve_figure(
    policy: Policy | None = None,
    *,
    kind: str = "inpatient",
    county: str = "sangzhi",
    in_scope_share: Decimal | str = "0.90",
    date: dt.date | str = "2019-11-01",
    points: int = 60,
) -> Figure:
    """Reimbursement ratio and out-of-pocket vs total cost, per tier, not poor vs registered poor.

    Top row: actual reimbursement ratio (reimbursed ÷ total); bottom row: out-of-pocket in
    yuan (log scales). Columns: not poor, registered poor. One line per facility tier. See
    :func:`curve_data` for how each point is settled.
    """
    policy = policy or load_policy()
    data = curve_data(
        policy, kind=kind, county=county, in_scope_share=in_scope_share, date=date, points=points
    )
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    tiers = list(dict.fromkeys(tier for tier, _ in data))
    colors = _colors(len(tiers))
    styles = ["-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1))]
    zh = get_language() == "zh"
    for col, poor in enumerate((False, True)):
        who = _("Registered poor") if poor else _("Not poor")
        ratio_ax, oop_ax = axes[0][col], axes[1][col]
        for i, (tier, color) in enumerate(zip(tiers, colors, strict=True)):
            rows = data[(tier, poor)]
            total = np.array([float(t) for t, _, _ in rows])
            reimbursed = np.array([float(r) for _, r, _ in rows])
            oop = np.array([float(p) for _, _, p in rows])
            style = {"color": color, "linestyle": styles[i % len(styles)], "linewidth": 1.8}
            label = policy.tiers[tier].name if zh and tier in policy.tiers else tier
            ratio_ax.plot(total, reimbursed / total, label=label, **style)
            oop_ax.plot(total, oop, label=label, **style)
        ratio_ax.set_title(_("{who}: actual reimbursement ratio").format(who=who))
        ratio_ax.set_ylabel(_("reimbursed / total cost"))
        ratio_ax.set_ylim(0, 1.02)
        ratio_ax.yaxis.set_major_formatter(_percent)
        oop_ax.set_title(_("{who}: out-of-pocket").format(who=who))
        oop_ax.set_ylabel(_("out-of-pocket (yuan)"))
        oop_ax.set_yscale("log")
        oop_ax.set_xlabel(_("total cost of one claim (yuan)"))
        oop_ax.yaxis.set_major_formatter(_thousands)
        for ax in (ratio_ax, oop_ax):
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(_thousands)
            ax.grid(True, which="major", alpha=0.3)
    axes[0][0].legend(title=_("facility level"), fontsize="small", loc="upper left")
    fig.suptitle(
        _(
            "{policy}: {kind} claim, in-scope share {share}, resident of {county}, dated "
            "{date} (first claim of the year)"
        ).format(
            policy=policy.id,
            kind=_declared_name(policy, "claim_kinds", kind) if zh else kind,
            share=in_scope_share,
            date=date,
            county=_declared_name(policy, "counties", county) if zh else county,
        )
    )
    return fig


def _percent(value: float, _: object) -> str:
    return f"{value:.0%}"


def _thousands(value: float, _: object) -> str:
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _compact(value: float, _: object) -> str:
    """Log-axis ticks that stay short: 1, 10, 100, 1k, 10k, 100k, 1M."""
    for unit, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= unit:
            return f"{value / unit:g}{suffix}"
    return f"{value:g}"


def _colors(n: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(i / max(n - 1, 1) * 0.9) for i in range(n)]


def _ecdf(ax: Axes, values: Sequence[Decimal], label: str, color: str) -> None:
    x = np.sort(np.array([float(v) for v in values]))
    if len(x) == 0:
        return
    y = np.arange(1, len(x) + 1) / len(x)
    ax.step(np.maximum(x, 1.0), y, where="post", label=label, color=color)


def _out_of_pocket_figure(comparison: Comparison) -> Figure:
    """Out-of-pocket per person-year, baseline vs reform, and the change per person.

    Left and middle: cumulative distribution over all persons with a claim, and over the
    registered poor with a claim; the dotted line is the catastrophic threshold (amounts
    below 1 yuan are drawn at 1 on the log scale). Right: histogram of the change
    (reform − baseline) over the persons whose out-of-pocket changed.
    """
    fig = Figure(figsize=(14, 4.6), layout="constrained")
    axes = fig.subplots(1, 3)
    people = comparison.per_person
    people = people[people["has_claims"]]
    threshold = float(comparison.baseline.catastrophic_threshold)
    panels = ((_("All persons"), people), (_("Registered poor"), people[people["poor"]]))
    for ax, (title, sel) in zip(axes[:2], panels, strict=True):
        _ecdf(
            ax,
            list(sel["baseline"]),
            _("baseline ({name})").format(name=comparison.baseline_name),
            _BASELINE,
        )
        _ecdf(
            ax, list(sel["reform"]), _("reform ({name})").format(name=comparison.reform_id), _REFORM
        )
        ax.axvline(
            threshold,
            color="grey",
            linestyle=":",
            label=_("catastrophic ({threshold})").format(threshold=f"{threshold:,.0f}"),
        )
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(_compact)
        ax.set_title(_("{who} with a claim (n = {n})").format(who=title, n=f"{len(sel):,}"))
        ax.set_xlabel(_("out-of-pocket per person-year (yuan)"))
        ax.set_ylabel(_("share of persons at or below"))
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
        ax.yaxis.set_major_formatter(_percent)
    axes[0].legend(fontsize="small", loc="lower right")
    ax = axes[2]
    change = np.array([float(v) for v in people["change"]])
    changed = change[change != 0]
    if len(changed):
        ax.hist(changed, bins=40, color=_REFORM, alpha=0.85)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_title(
        _("Change per person ({changed} of {n} changed)").format(
            changed=f"{len(changed):,}", n=f"{len(people):,}"
        )
    )
    ax.set_xlabel(_("reform − baseline out-of-pocket (yuan; < 0 better off)"))
    ax.set_ylabel(_("persons"))
    ax.grid(True, alpha=0.3)
    fig.suptitle(
        _(
            "Out-of-pocket spending per person-year: baseline ({baseline}) vs reform ({reform})"
        ).format(baseline=comparison.baseline_name, reform=comparison.reform_id)
    )
    return fig


def _fund_cost_figure(result: Summary | Comparison) -> Figure:
    """Fund cost by layer in 10,000 yuan (万元): one run, or baseline vs reform side by side.

    A layer that pays nothing because its rate is assumed 0 (its ``note``) is labelled so.
    """
    if isinstance(result, Comparison):
        layers = list(result.layers.index)
        series = [
            (
                _("baseline ({name})").format(name=result.baseline_name),
                list(result.layers["baseline"]),
                _BASELINE,
            ),
            (
                _("reform ({name})").format(name=result.reform_id),
                list(result.layers["reform"]),
                _REFORM,
            ),
        ]
        title = _("Fund cost by layer: baseline vs reform")
        notes = list(result.layers["note"]) if "note" in result.layers else []
    else:
        layers = list(result.fund_cost["layer"])
        series = [(result.policy_id, list(result.fund_cost["amount"]), _BASELINE)]
        title = _("Fund cost by layer ({policy})").format(policy=result.policy_id)
        notes = list(result.fund_cost["note"]) if "note" in result.fund_cost else []
    fig = Figure(figsize=(9, 0.6 * len(layers) + 1.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(layers))
    height = 0.8 / len(series)
    for i, (label, amounts, color) in enumerate(series):
        values = np.array([float(a) / 10_000 for a in amounts])
        offset = (i - (len(series) - 1) / 2) * height
        bars = ax.barh(y + offset, values, height=height, label=label, color=color)
        labels = [f"{v:,.1f}" for v in values]
        for k, text in enumerate(notes):  # a layer that pays nothing says why
            if text and values[k] == 0:
                labels[k] += f"  ({note('zero_rate.short')})"
        ax.bar_label(bars, labels=labels, padding=3, fontsize="small")
    table = result.layers if isinstance(result, Comparison) else result.fund_cost
    if get_language() == "zh" and "name" in table:
        names = list(table["name"])
        layers = [
            str(n) if isinstance(n, str) and n else str(x)
            for n, x in zip(names, layers, strict=True)
        ]
    ax.set_yticks(y, labels=layers)
    ax.invert_yaxis()
    ax.set_xlabel(_("fund cost (10,000 yuan)"))
    ax.set_title(title)
    ax.margins(x=0.15)
    ax.grid(True, axis="x", alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small", loc="lower right")
    return fig


def save_figures(
    figures: Mapping[str, Figure], directory: str | Path, *, dpi: int = 110
) -> list[Path]:
    """Write each figure as ``<name>.png`` into ``directory`` (created if needed); the paths.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in save_figures({"curve": curve_figure(points=3)}, d)]
    ['curve.png']
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        path = out / f"{name}.png"
        fig.savefig(path, dpi=dpi)
        paths.append(path)
    return paths


@functools.wraps(_curve_figure)
def curve_figure(*args: Any, **kwargs: Any) -> Figure:
    with _labels():
        return _curve_figure(*args, **kwargs)


@functools.wraps(_out_of_pocket_figure)
def out_of_pocket_figure(*args: Any, **kwargs: Any) -> Figure:
    with _labels():
        return _out_of_pocket_figure(*args, **kwargs)


@functools.wraps(_fund_cost_figure)
def fund_cost_figure(*args: Any, **kwargs: Any) -> Figure:
    with _labels():
        return _fund_cost_figure(*args, **kwargs)
