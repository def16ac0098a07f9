"""``zjj-medical simulate``: a county's claims for a year under a policy, and under a reform.

The claims come from a synthetic population (``--synthetic N --seed S``) or from files
(``CLAIMS --people PEOPLE``, CSV or Parquet). The summary is printed as tables in English
and Chinese terms; ``--reform`` adds the comparison, ``-o`` writes one row per claim and
``--plots`` writes the figures as PNG files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zjj_medical.analysis.metrics import (
    DEFAULT_CATASTROPHIC_THRESHOLD,
    INDICATOR_NAMES,
    Summary,
    fen_column,
    summarize,
)
from zjj_medical.analysis.population import synthetic_population
from zjj_medical.analysis.reform import Comparison, compare
from zjj_medical.cli.jsonio import EXIT_REFUSED, error_text, refuse
from zjj_medical.errors import ReimbursementError
from zjj_medical.i18n import N_, get_language
from zjj_medical.i18n import gettext as _
from zjj_medical.policy.loader import load_policy
from zjj_medical.policy.model import Policy

__all__ = [
    "read_table",
    "simulate_command",
    "write_result",
    "yuan_decimal",
    "yuan_strings",
]

_NUMERIC = re.compile(r"^[-+0-9.,%—]*$")
GROUPS = {"all": N_("All 全体"), "poor": N_("Poor 贫困"), "not_poor": N_("Others 非贫困")}
_INDICATORS = {
    "in_county_actual_ratio": N_("In-county inpatient actual ratio"),
    "claims_reaching_target": N_("Admissions reaching it"),
    "persons_reaching_target": N_("Persons reaching it"),
    "in_county_treatment_rate": N_("In-county treatment rate"),
    "in_county_inpatient_rate": N_("In-county admission rate"),
    "catastrophic_share": N_("Catastrophic out-of-pocket"),
}


def _indicator(key: str) -> str:
    """An indicator's label: its English words and the policy's Chinese name in English,
    the Chinese name alone in Chinese."""
    chinese = INDICATOR_NAMES.get(key, "")
    if get_language() == "zh" and chinese:
        return chinese
    return f"{_(_INDICATORS.get(key, key))} {chinese}".strip()


def read_table(path: Path, what: str) -> pd.DataFrame:
    """A claims or people table from CSV (every column read as text) or Parquet.

    CSV columns are read as text so money stays exact (``12.10`` is not turned into a
    float) and ids keep their leading zeros; only empty cells are missing values (an id
    ``NA`` or ``null`` is that id). A Parquet column of lists or records is refused.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            # Only an empty cell is missing: "NA", "null", "None" or "nan" is a value (an id).
            return _read_csv_text(path)
        if suffix in (".parquet", ".pq"):
            nested = [f.name for f in pq.read_schema(path) if pa.types.is_nested(f.type)]
            if nested:
                raise click.ClickException(
                    _(
                        "{what} {path}: column {column} holds lists or records; every column "
                        "holds one value a row (text, number, boolean or date)"
                    ).format(what=what, path=path, column=nested[0])
                )
            return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise click.ClickException(
            _("{what} {path}: cannot be read: {detail}").format(what=what, path=path, detail=exc)
        ) from None
    raise click.ClickException(
        _("{what} {path}: unsupported file type {suffix!r} (use .csv or .parquet)").format(
            what=what, path=path, suffix=suffix or "(none)"
        )
    )


def _read_csv_text(path: Path) -> pd.DataFrame:
    """A CSV file with every column as text, read by Arrow's multi-threaded reader (no Python
    object per cell): only an empty cell is missing."""
    with pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)) as head:
        names = head.schema.names
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
        ),
    )  # fmt: skip
    frame: pd.DataFrame = table.to_pandas()
    return frame


_CLAIM_COLUMNS = ("claim_id", "person_id", "kind", "date", "facility_level", "total", "in_scope")
_PEOPLE_COLUMNS = ("person_id", "poor", "county")


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise click.ClickException(
            _("{what}: missing column(s) {missing} (needed: {needed}; found: {found})").format(
                what=what,
                missing=", ".join(missing),
                needed=", ".join(columns),
                found=", ".join(map(str, table.columns)) or _("none"),
            )
        )


def _money_columns(result: pd.DataFrame, policy: Policy) -> list[str]:
    layers = [layer.id for layer in policy.layers if layer.id in result]
    return [*layers, "reimbursed", "patient_pay"]


def yuan_decimal(fen: npt.NDArray[np.int64]) -> pa.Array:
    """Integer fen as an Arrow ``decimal128(18, 2)`` array: the same integers, scale 2, exact.

    >>> yuan_decimal(np.array([1530000, -5])).to_pylist()
    [Decimal('15300.00'), Decimal('-0.05')]
    """
    words = np.empty((len(fen), 2), dtype="<i8")  # 128-bit two's complement, little-endian
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), len(fen), [None, pa.py_buffer(words.tobytes())]
    )


def yuan_strings(fen: npt.NDArray[np.int64]) -> pa.Array:
    """Integer fen as an Arrow array of exact yuan text, the text of :func:`yuan_decimal`
    (cast by Arrow). In a column mostly of zeros — a safety-net layer pays on few claims —
    only the other amounts are cast, and the zeros read ``0.00`` from a one-word dictionary.

    >>> yuan_strings(np.array([0, 1530000, 0, -5, 0])).to_pylist()
    ['0.00', '15300.00', '0.00', '-0.05', '0.00']
    """
    paying = np.flatnonzero(fen)
    if 2 * len(paying) > len(fen):
        return pc.cast(yuan_decimal(fen), pa.string())
    words = pa.concat_arrays([pa.array(["0.00"]), pc.cast(yuan_decimal(fen[paying]), pa.string())])
    word_of = np.zeros(len(fen), dtype=np.int64)
    word_of[paying] = np.arange(1, len(paying) + 1, dtype=np.int64)
    return pc.take(words, pa.array(word_of))


def _as_yuan(result: pd.DataFrame, policy: Policy, parquet: bool) -> pa.Table:
    """The result as an Arrow table, money columns (fen) as exact yuan: ``decimal128(18, 2)``
    for Parquet, text with two decimals for CSV (the decimal's own text, cast by Arrow — no
    Python formatting per value); for CSV, flags as ``True``/``False`` text."""
    money = set(_money_columns(result, policy))
    columns: dict[str, pa.Array] = {}
    for col in result.columns:
        if col in money:
            fen = fen_column(result[col], "fen")
            columns[str(col)] = yuan_decimal(fen) if parquet else yuan_strings(fen)
            continue
        values = result[col]
        arr = pa.array(values.to_numpy(dtype=object) if values.dtype == object else values,
                       from_pandas=True)  # fmt: skip
        if not parquet and pa.types.is_boolean(arr.type):
            arr = pc.if_else(arr, "True", "False")
        elif not parquet and pa.types.is_floating(arr.type):  # 1.0 stays "1.0", not "1"
            text = pc.cast(arr, pa.string())
            arr = pc.if_else(pc.match_substring_regex(text, r"[.en]"), text,
                             pc.binary_join_element_wise(text, ".0", ""))  # fmt: skip
        columns[str(col)] = arr
    return pa.table(columns)


def write_result(
    path: Path,
    baseline: pd.DataFrame,
    policy: Policy,
    reform: pd.DataFrame | None = None,
    reform_policy: Policy | None = None,
) -> None:
    """Write one row per claim (CSV or Parquet by extension); money in yuan, exact.

    CSV money is text with two decimals; Parquet money is ``decimal128(18, 2)``. With a
    reform run, its columns follow prefixed ``reform_`` (``reform_reimbursed`` …).
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise click.ClickException(
            _("-o {path}: unsupported file type {suffix!r} (use .csv or .parquet)").format(
                path=path, suffix=suffix or "(none)"
            )
        )
    parquet = suffix != ".csv"
    table = _as_yuan(baseline, policy, parquet)
    if reform is not None and reform_policy is not None:
        extra = _as_yuan(reform, reform_policy, parquet).drop_columns(["claim_id", "person_id"])
        for name, column in zip(extra.column_names, extra.columns, strict=True):
            table = table.append_column("reform_" + name, column)
    if parquet:
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


# -- formatting -----------------------------------------------------------------------------
def _money(value: Any) -> str:
    return "—" if value is None or value is pd.NA else f"{value:,.2f}"


def _pct(value: Any) -> str:
    return "—" if value is None else f"{Decimal(str(value)) * 100:.2f}%"


def _count(value: Any) -> str:
    return f"{int(value):,}"


def _signed(value: Any) -> str:
    return f"{value:+,.2f}"


def _table(title: str, *columns: str, caption: str | None = None) -> Table:
    """A compact table: the first column left-aligned, the others right-aligned."""
    t = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, title_style="bold",
              caption_justify="left", pad_edge=False)  # fmt: skip
    for i, col in enumerate(columns):
        t.add_column(col, justify="left" if i == 0 else "right")
    return t


def _cells(table: pd.DataFrame, column: str, fmt: Callable[[Any], str]) -> list[str]:
    """One column of a table indexed by group, formatted, in the order of :data:`GROUPS`."""
    return [fmt(table.loc[g, column]) for g in GROUPS]


def _by_group(
    title: str, rows: Sequence[tuple[str, Sequence[str]]], caption: str | None = None
) -> Table:
    t = _table(title, "", *(_(g) for g in GROUPS.values()), caption=caption)
    for label, cells in rows:
        t.add_row(label, *cells)
    return t


def _summary_tables(s: Summary, policy: Policy) -> list[Table]:
    head = _table(_("Simulation 模拟 — policy 政策 {policy}").format(policy=policy.id), "", "")
    head.show_header = False
    for label, value in (
        (_("Claims 理赔 (rows)"), s.claims), (_("Settled 已结算"), s.settled),
        (_("Not settled 未结算 (errors)"), s.errors), (_("Persons 参保人数"), s.persons),
        (_("Registered poor 建档立卡贫困人口"), s.poor_persons),
    ):  # fmt: skip
        head.add_row(label, f"{value:,}")

    cost = _table(_("Fund cost by layer 各项基金支出 (yuan 元)"),
                  _("Layer"), _("名称"), _("Amount 金额"), _("Share 占比"), _("Paid 支付人次"))  # fmt: skip
    for row in s.fund_cost.itertuples():
        cost.add_row(str(row.layer), str(row.name), _money(row.amount), _pct(row.share),
                     f"{row.claims_paid:,}")  # fmt: skip
    cost.add_row("total", _("合计"), _money(s.totals.loc["all", "reimbursed"]),
                 _pct(1 if s.settled else None), "", style="bold")  # fmt: skip

    t = s.totals
    totals = _by_group(
        _("Totals 费用合计 (yuan 元)"),
        [
            (_("Persons 人数"), _cells(t, "persons", _count)),
            (_("Claims 人次"), _cells(t, "claims", _count)),
            (_("Total cost 医疗费总额"), _cells(t, "total_cost", _money)),
            (_("Reimbursed 报销"), _cells(t, "reimbursed", _money)),
            (_("Out-of-pocket 自付"), _cells(t, "out_of_pocket", _money)),
            (_("Actual ratio 实际报销比例"), _cells(t, "actual_ratio", _pct)),
        ],
        caption=_(
            "Poor = registered poor 建档立卡贫困人口; actual ratio = reimbursed ÷ total cost."
        ),
    )

    poor = _table(_("Registered poor: targets 建档立卡贫困人口目标"),
                  _("Indicator 指标"), _("Value 实际"), _("Target 目标"), _("Met 达标"))  # fmt: skip
    for key, ind in s.poor.iterrows():
        met = "—" if ind["met"] is None else (_("yes 是") if ind["met"] else _("NO 否"))
        poor.add_row(_indicator(str(key)),
                     _pct(ind["value"]), _pct(ind["target"]), met)  # fmt: skip

    oop = _by_group(
        _("Out-of-pocket per person-year 个人年度自付 (yuan 元)"),
        [
            (_("max 最高") if p == 100 else f"P{p}", [_money(row[g]) for g in GROUPS])
            for p, row in s.out_of_pocket.iterrows()
        ],
        caption=_("Percentiles 百分位 over every person, persons without claims at 0."),
    )
    c = s.catastrophic
    cat = _by_group(
        _("Catastrophic out-of-pocket 灾难性卫生支出"),
        [
            (_("Persons 人数"), _cells(c, "persons", _count)),
            (_("Catastrophic 灾难性"), _cells(c, "catastrophic", _count)),
            (_("Share 占比"), _cells(c, "share", _pct)),
        ],
        caption=_(
            "Out-of-pocket above {threshold} yuan a person-year (--catastrophic-threshold)."
        ).format(threshold=f"{s.catastrophic_threshold:,.2f}"),
    )
    return [head, cost, totals, poor, oop, cat]


def _error_table(s: Summary) -> Table:
    t = Table(title=_("Rows not settled 未结算: {n}").format(n=f"{s.errors:,}"), box=box.SIMPLE_HEAD,
              title_style="bold red", pad_edge=False)  # fmt: skip
    t.add_column(_("Error"))
    t.add_column(_("Field 字段"))
    t.add_column(_("Rows 行数"), justify="right")
    t.add_column(_("Example 示例"), ratio=1)
    for row in s.error_table.itertuples():
        t.add_row(str(row.type), str(row.field), f"{row.count:,}", str(row.example))
    return t


def _comparison_tables(c: Comparison) -> list[Table]:
    layers = _table(_("Reform 改革: {name}").format(name=c.reform_name), _("Layer"), _("名称"), _("Baseline 现行"),
                    _("Reform 改革"), _("Change 变化"),
                    caption=_("Fund cost by layer 各项基金支出 (yuan 元)."))  # fmt: skip
    for layer, row in c.layers.iterrows():
        layers.add_row(str(layer), str(row["name"]), _money(row["baseline"]),
                       _money(row["reform"]), _signed(row["change"]))  # fmt: skip
    t = c.totals
    totals = _by_group(
        _("Reform 改革: reimbursed and out-of-pocket 报销与自付 (yuan 元)"),
        [
            (_("Reimbursed 报销, baseline"), _cells(t, "reimbursed_baseline", _money)),
            (_("Reimbursed 报销, reform"), _cells(t, "reimbursed_reform", _money)),
            (_("Reimbursed 报销, change"), _cells(t, "reimbursed_change", _signed)),
            (_("Out-of-pocket 自付, baseline"), _cells(t, "out_of_pocket_baseline", _money)),
            (_("Out-of-pocket 自付, reform"), _cells(t, "out_of_pocket_reform", _money)),
            (_("Out-of-pocket 自付, change"), _cells(t, "out_of_pocket_change", _signed)),
        ],
    )
    p = c.persons
    persons = _by_group(
        _("Reform 改革: persons by out-of-pocket of the year 年度自付"),
        [
            (_("Better off 减少"), _cells(p, "better_off", _count)),
            (_("Worse off 增加"), _cells(p, "worse_off", _count)),
            (_("Unchanged 不变"), _cells(p, "unchanged", _count)),
        ],
        caption=_("Persons without claims are unchanged."),
    )
    change = _by_group(
        _("Reform 改革: change of out-of-pocket per person-year 个人年度自付变化 (yuan 元)"),
        [
            (f"P{q}", ["—" if row[g] is None else _signed(row[g]) for g in GROUPS])
            for q, row in c.out_of_pocket_change.iterrows()
        ],
        caption=_(
            "Reform − baseline, percentiles over the persons with claims; < 0 is better off."
        ),
    )
    return [layers, totals, persons, change]


@contextmanager
def _progress(console: Console, label: str) -> Iterator[Any]:
    """A progress bar on standard error when it is a terminal; yields the simulate callback."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _print(console: Console, tables: Sequence[Table]) -> None:
    for t in tables:
        # Numbers are never cut: each numeric column is as wide as its widest cell, and
        # only the text columns wrap when the console is narrow.
        for column in t.columns[1:]:
            cells = [str(c) for c in column.cells]
            if cells and all(_NUMERIC.match(c) for c in cells):
                column.min_width = max(len(c) for c in cells)
                column.no_wrap = True
        console.print(t)
        console.print()


@click.command("simulate")
@click.argument("claims_file", metavar="[CLAIMS]", required=False,
                type=click.Path(exists=True, dir_okay=True, path_type=Path))  # fmt: skip
@click.option("--people", "people_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="People table (CSV or Parquet) for CLAIMS: person_id, poor, county, categories.")  # fmt: skip
@click.option("--lines", "lines_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Fee lines (CSV or Parquet) of CLAIMS: claim_id, code, name, class, quantity, "
                   "price (amount, limit, self_pay_ratio optional); a claim with lines may leave "
                   "total and in_scope empty.")  # fmt: skip
@click.option("--synthetic", type=click.IntRange(min=1), default=None, metavar="N",
              help="Simulate a synthetic population of N persons instead of CLAIMS.")  # fmt: skip
@click.option("--seed", type=int, default=None, help="Seed of the synthetic population (required with --synthetic).")  # fmt: skip
@click.option("--year", type=int, default=2019, show_default=True, help="Year of the synthetic claims.")  # fmt: skip
@click.option("--policy", "policy_name", default=None,
              help="Built-in policy name or a policy file (default: zhangjiajie).")  # fmt: skip
@click.option("--reform", "reform_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Reform file (zjj-medical-reform/1) applied to the policy; prints the comparison.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one row per claim (CSV or Parquet by extension).")  # fmt: skip
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the figures as PNG files into this directory.")  # fmt: skip
@click.option("--catastrophic-threshold", default=str(DEFAULT_CATASTROPHIC_THRESHOLD), show_default=True,
              help="Out-of-pocket a person-year above which spending is catastrophic (yuan).")  # fmt: skip
@click.option("--dask", "dask_address", default=None, metavar="local:N|tcp://HOST:PORT",
              help="Settle on a Dask cluster, partition by partition of persons: local:N starts N "
                   "local workers; tcp://HOST:PORT is a scheduler (its workers must read CLAIMS). "
                   "CLAIMS may then be a partitioned dataset directory (--partition-to); -o is a "
                   "directory of Parquet partitions.")  # fmt: skip
@click.option("--partitions", type=click.IntRange(min=1), default=None,
              help="Partitions of persons for --dask or --partition-to (default: one per "
                   "million claims).")  # fmt: skip
@click.option("--partition-to", "partition_to", type=click.Path(file_okay=False, path_type=Path),
              default=None,
              help="Write CLAIMS and PEOPLE as a Parquet dataset partitioned by a hash of the "
                   "person id into this directory, and stop.")  # fmt: skip
@click.option("--sweep", "sweep_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sweep file (zjj-medical-sweep/1): run every scenario over the population and "
                   "print one comparison table; -o writes it (CSV or Parquet), --plots its figure.")  # fmt: skip
@click.option("--width", type=click.IntRange(min=60), default=None,
              help="Width of the tables in characters (default: the terminal's).")  # fmt: skip
def simulate_command(
    claims_file: Path | None,
    people_file: Path | None,
    lines_file: Path | None,
    synthetic: int | None,
    seed: int | None,
    year: int,
    policy_name: str | None,
    reform_file: Path | None,
    output: Path | None,
    plots_dir: Path | None,
    catastrophic_threshold: str,
    dask_address: str | None,
    partitions: int | None,
    partition_to: Path | None,
    sweep_file: Path | None,
    width: int | None,
) -> None:
    """Simulate a county's claims for a year: fund cost, out-of-pocket burden, targets.

    Either CLAIMS --people PEOPLE (CSV or Parquet), or --synthetic N --seed S for a
    synthetic Zhangjiajie population (see zjj_medical.analysis.population). Prints the summary
    as tables; with --reform FILE also the comparison with the reformed policy.

    \b
    Examples:
      zjj-medical simulate --synthetic 100000 --seed 1
      zjj-medical simulate --synthetic 20000 --seed 1 --reform REFORM.yaml --plots plots
      zjj-medical simulate claims.csv --people people.csv -o result.parquet
      zjj-medical simulate claims.csv --people people.csv --lines lines.csv
      zjj-medical simulate claims.parquet --people people.parquet --dask local:2 -o out/
      zjj-medical simulate claims.csv --people people.csv --sweep SWEEP.yaml
    """
    if claims_file is not None and claims_file.is_dir():
        if dask_address is None:
            raise click.UsageError("a CLAIMS directory (a partitioned dataset) needs --dask")
    elif claims_file is not None and people_file is None and partition_to is None:
        raise click.UsageError("CLAIMS needs --people PEOPLE")
    if dask_address is not None or partition_to is not None or sweep_file is not None:
        _scaled(
            claims_file, people_file, synthetic, seed, year, policy_name, reform_file, lines_file,
            output, plots_dir, catastrophic_threshold, dask_address, partitions, partition_to,
            sweep_file, width,
        )  # fmt: skip
        return
    if (claims_file is None) == (synthetic is None):
        raise click.UsageError(_("give either CLAIMS --people PEOPLE or --synthetic N --seed S"))
    if synthetic is not None and seed is None:
        raise click.UsageError(_("--synthetic needs --seed (the draw is deterministic per seed)"))
    if claims_file is not None and people_file is None:
        raise click.UsageError(_("CLAIMS needs --people PEOPLE"))
    if lines_file is not None and claims_file is None:
        raise click.UsageError(_("--lines needs CLAIMS --people PEOPLE"))
    threshold = _threshold(catastrophic_threshold)
    try:
        policy = load_policy(policy_name)
    except ReimbursementError as exc:
        refuse(exc, as_json=False)

    out = Console(width=width)
    err = Console(stderr=True)
    lines: pd.DataFrame | None = None
    if synthetic is not None:
        assert seed is not None
        people, claims = synthetic_population(synthetic, seed=seed, year=year)
        source = _("synthetic population: {n} persons, seed {seed}, year {year}").format(
            n=f"{synthetic:,}", seed=seed, year=year
        )
    else:
        assert claims_file is not None
        assert people_file is not None
        claims = read_table(claims_file, _("claims"))
        people = read_table(people_file, _("people"))
        if lines_file is not None:
            lines = read_table(lines_file, _("lines"))
        needed = _CLAIM_COLUMNS if lines is None else _CLAIM_COLUMNS[:-2]
        _require(claims, needed, _("claims {path}").format(path=claims_file))
        _require(people, _PEOPLE_COLUMNS, _("people {path}").format(path=people_file))
        source = _("claims {claims}, people {people}").format(
            claims=claims_file, people=people_file
        )
        if lines_file is not None:
            source += _(", lines {path}").format(path=lines_file)
    out.print(
        "[bold]"
        + escape(source)
        + "[/bold]: "
        + _("{claims} claims, {persons} persons").format(
            claims=f"{len(claims):,}", persons=f"{len(people):,}"
        )
    )

    try:
        with _progress(err, _("settling")) as progress:
            if reform_file is not None:
                comparison = compare(
                    claims, people, policy_name if policy_name is not None else policy.id,
                    reform_file, lines=lines, catastrophic_threshold=threshold,
                    progress=progress,
                )  # fmt: skip
                summary, result = comparison.baseline, comparison.baseline_result
            else:
                from zjj_medical.batch import simulate

                comparison = None
                result = simulate(
                    claims, people, lines=lines, policy=policy, money="fen", progress=progress
                )
                summary = summarize(
                    result, people, claims=claims, policy=policy,
                    catastrophic_threshold=threshold, money="fen",
                )  # fmt: skip
    except (ReimbursementError, ValueError, KeyError) as exc:
        refuse(exc, as_json=False)
    # The input tables are read no more: their memory goes back before the result is written.
    del claims, people, lines

    _print(out, _summary_tables(summary, policy))
    if summary.errors:
        _print(out, [_error_table(summary)])
    if comparison is not None:
        _print(out, _comparison_tables(comparison))
    if output is not None:
        if comparison is None:
            write_result(output, result, policy)
        else:
            write_result(output, result, policy, comparison.reform_result, comparison.reform_policy)
        out.print(_("Wrote {n} rows to {path}").format(n=f"{len(result):,}", path=output))
    if plots_dir is not None:
        from zjj_medical.analysis.plots import (
            curve_figure,
            fund_cost_figure,
            out_of_pocket_figure,
            save_figures,
        )

        figures = {
            "curve": curve_figure(policy),
            "fund_cost": fund_cost_figure(comparison or summary),
        }
        if comparison is not None:
            figures["out_of_pocket"] = out_of_pocket_figure(comparison)
        paths = save_figures(figures, plots_dir)
        out.print(_("Wrote {paths}").format(paths=", ".join(str(p) for p in paths)))
    if summary.errors:
        err.print(
            "[red]"
            + _("{errors} of {claims} rows were not settled").format(
                errors=f"{summary.errors:,}", claims=f"{summary.claims:,}"
            )
            + "[/red] "
            + _("(see the table 'Rows not settled'; the error column of -o has each message)")
        )
    if summary.claims and not summary.settled:
        # nothing could be settled: the run is refused as a whole
        raise SystemExit(EXIT_REFUSED)


def _threshold(text: str) -> Decimal:
    try:
        threshold = Decimal(text)
        if not threshold.is_finite() or threshold < 0:
            raise ArithmeticError
    except ArithmeticError:
        raise click.BadParameter(
            _("{value!r} is not an amount ≥ 0").format(value=text),
            param_hint="--catastrophic-threshold",
        ) from None
    return threshold


def _scaled(
    claims_file: Path | None,
    people_file: Path | None,
    synthetic: int | None,
    seed: int | None,
    year: int,
    policy_name: str | None,
    reform_file: Path | None,
    lines_file: Path | None,
    output: Path | None,
    plots_dir: Path | None,
    catastrophic_threshold: str,
    dask_address: str | None,
    partitions: int | None,
    partition_to: Path | None,
    sweep_file: Path | None,
    width: int | None,
) -> None:
    """--dask, --partition-to and --sweep: runs partitioned by person, and reform sweeps."""
    import tempfile

    from zjj_medical.batch.distributed import partition_dataset

    if lines_file is not None:
        raise click.UsageError(
            _("--lines cannot be combined with --dask, --partition-to or --sweep")
        )
    sweep: Any = sweep_file
    if reform_file is not None:
        if sweep_file is not None or partition_to is not None:
            raise click.UsageError(_("--reform cannot be combined with --sweep or --partition-to"))
        # On a cluster a reform is compared as a sweep of one scenario (the same table).
        from zjj_medical.analysis.reform import load_reform
        from zjj_medical.analysis.sweep import Sweep

        try:
            one = load_reform(reform_file)
        except ReimbursementError as exc:
            raise click.ClickException(error_text(exc)) from None
        sweep = Sweep(one.name, (one,), policy_name, reform_file.name)
    threshold = _threshold(catastrophic_threshold)
    out = Console(width=width)
    if synthetic is not None:
        if seed is None:
            raise click.UsageError(
                _("--synthetic needs --seed (the draw is deterministic per seed)")
            )
        people, claims = synthetic_population(synthetic, seed=seed, year=year)
        source: Any = None
    elif claims_file is None:
        raise click.UsageError(_("give either CLAIMS --people PEOPLE or --synthetic N --seed S"))
    else:
        source = claims_file
    if partition_to is not None:
        if source is not None and source.is_dir():
            raise click.UsageError(_("--partition-to needs CLAIMS as a file, with --people PEOPLE"))
        if source is not None and people_file is None:
            raise click.UsageError(_("CLAIMS needs --people PEOPLE"))
        try:
            k = partition_dataset(
                claims if source is None else source,
                people if source is None else people_file,  # type: ignore[arg-type]
                partition_to, partitions=partitions,
            )  # fmt: skip
        except (ReimbursementError, ValueError, pa.ArrowException, OSError) as exc:
            raise click.ClickException(error_text(exc)) from None
        out.print(
            _("Wrote {count} partitions to {path} (claims/, people/)").format(
                count=f"{k:,}", path=partition_to
            )
        )
        return
    try:
        policy = load_policy(policy_name)
    except ReimbursementError as exc:
        raise click.ClickException(error_text(exc)) from None
    with tempfile.TemporaryDirectory(prefix="zjj-dataset-") as tmp:
        dataset: Path | None = None
        if dask_address is not None:
            if source is not None and source.is_dir():
                dataset = source
            else:
                dataset = Path(tmp) / "dataset"
                if source is not None and people_file is None:
                    raise click.UsageError(_("CLAIMS needs --people PEOPLE"))
                try:
                    partition_dataset(
                        claims if source is None else source,
                        people if source is None else people_file,  # type: ignore[arg-type]
                        dataset, partitions=partitions,
                    )  # fmt: skip
                except (ReimbursementError, ValueError, pa.ArrowException, OSError) as exc:
                    raise click.ClickException(error_text(exc)) from None
        elif source is not None:
            assert people_file is not None
            claims = read_table(source, "claims")
            people = read_table(people_file, "people")
            _require(claims, _CLAIM_COLUMNS, f"claims {source}")
            _require(people, _PEOPLE_COLUMNS, f"people {people_file}")
        try:
            if sweep is not None:
                _sweep(out, sweep, dataset, dask_address, None if dataset else claims,
                       None if dataset else people, output, plots_dir, threshold)  # fmt: skip
                return
            from zjj_medical.batch.distributed import simulate_dask

            assert dataset is not None
            assert dask_address is not None
            run = simulate_dask(
                dataset, output, address=dask_address,
                policy=policy if policy_name is not None else None,
                catastrophic_threshold=threshold, progress=True,
            )  # fmt: skip
        except (ReimbursementError, ValueError, KeyError, OSError) as exc:
            raise click.ClickException(error_text(exc)) from None
        summary = run.summary
        used = load_policy(summary.policy_id) if policy_name is None else policy
        _print(out, _summary_tables(summary, used))
        if summary.errors:
            _print(out, [_error_table(summary)])
        if output is not None:
            out.print(
                _("Wrote {rows} rows in {partitions} partitions to {path}").format(
                    rows=f"{summary.claims:,}", partitions=f"{run.partitions:,}", path=output
                )
            )


def _sweep(
    out: Console,
    sweep_file: Any,
    dataset: Path | None,
    address: str | None,
    claims: pd.DataFrame | None,
    people: pd.DataFrame | None,
    output: Path | None,
    plots_dir: Path | None,
    threshold: Decimal,
) -> None:
    from zjj_medical.analysis.sweep import run_sweep, sweep_figure

    if output is not None and output.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise click.ClickException(
            _(
                "-o {output}: with --sweep, -o is the comparison table (use .csv or .parquet)"
            ).format(output=output)
        )
    run = run_sweep(
        claims, people, sweep_file, dataset=dataset, address=address,
        catastrophic_threshold=threshold, progress=address is not None,
    )  # fmt: skip
    table = run.table
    t = _table(escape(_("Sweep: {name}").format(name=run.sweep.name)), _("Scenario"),
               _("Reimbursed"), _("Change"), _("Out-of-pocket"), _("P90 out-of-pocket"),
               _("Better off"), _("Worse off"), _("Actual ratio"))  # fmt: skip
    for key, row in table.iterrows():
        t.add_row(
            escape(f"{key}: {row['name']}"), _money(row["reimbursed"]), _signed(row["reimbursed_change"]),
            _money(row["out_of_pocket"]), _money(row["oop_p90"]), f"{row['better_off']:,}",
            f"{row['worse_off']:,}", _pct(row.get("in_county_actual_ratio")),
        )  # fmt: skip
    _print(out, [t])
    if output is not None:
        if output.suffix.lower() == ".csv":
            pacsv.write_csv(pa.Table.from_pandas(table.reset_index(names="scenario")), output)
        else:
            table.reset_index(names="scenario").to_parquet(output, index=False)
        out.print(
            _("Wrote {count} scenarios to {path}").format(count=f"{len(table):,}", path=output)
        )
    if plots_dir is not None:
        plots_dir.mkdir(parents=True, exist_ok=True)
        path = plots_dir / "sweep.png"
        sweep_figure(table).savefig(path, dpi=120)
        out.print(_("Wrote {paths}").format(paths=path))
