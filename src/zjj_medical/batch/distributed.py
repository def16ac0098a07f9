"""Settling a province on a Dask cluster: a Parquet dataset partitioned by person.

A person's claims only ever meet that person's other claims, so a run splits into
partitions of persons that settle independently. :func:`partition_dataset` writes the
claims and people tables as such a dataset — ``claims/part-NNNNN.parquet`` and
``people/part-NNNNN.parquet``, each person (with all their claims, every person-year of
them) in the partition ``hash(person_id) mod k``. :func:`simulate_dask` settles every
partition as a task (:func:`~zjj_medical.batch.simulate` on the partition, the very
engine of one machine), writes each partition's result as Parquet, and combines the
partitions' :class:`~zjj_medical.analysis.metrics.SummaryPart` into the run's summary —
exactly: every figure is a sum of integer fen or a count, and the out-of-pocket
percentiles are read off the gathered per-person amounts (8 bytes a person on the
client: 480 MB for 60 million persons).

Several policies (a reform sweep) run in one pass: each task reads its partition once
and settles it under every policy.

The result files hold the columns of :func:`~zjj_medical.batch.simulate` with money as
exact ``decimal128(18, 2)`` yuan, plus ``row``: the claim's row in the input claims table
(the dataset keeps it), so ``pd.read_parquet(out).sort_values("row")`` is the input order.

Dask is an optional dependency: ``pip install "zjj-medical[dask]"``.

>>> import tempfile, pathlib
>>> from zjj_medical.analysis.population import synthetic_population
>>> people, claims = synthetic_population(300, seed=5)
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> partition_dataset(claims, people, d / "data", partitions=3)
3
>>> run = simulate_dask(d / "data", d / "out", address="local:1:threads", progress=False)
>>> from zjj_medical.batch import simulate
>>> from zjj_medical.analysis.metrics import summarize
>>> whole = summarize(simulate(claims, people, money="fen"), people, claims=claims)
>>> whole.totals.equals(run.summary.totals), whole.fund_cost.equals(run.summary.fund_cost)
(True, True)
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from zjj_medical.batch._output import ERROR_COLUMNS, money_from_fen
from zjj_medical.batch._run import simulate
from zjj_medical.batch.files import _batches, _kind, _partition_of, _write_partitions
from zjj_medical.errors import problem
from zjj_medical.policy.loader import builtin_for_dates
from zjj_medical.policy.model import Policy

__all__ = ["DaskRun", "partition_dataset", "read_dataset_partition", "simulate_dask"]

ROW = "row"  # the claim's row in the input claims table


def _part_name(p: int) -> str:
    return f"part-{p:05d}.parquet"


def partition_dataset(
    claims: pd.DataFrame | str | os.PathLike[str],
    people: pd.DataFrame | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    partitions: int | None = None,
    partition_claims: int = 1_000_000,
) -> int:
    """Write claims and people (tables, or CSV / Parquet files) as a dataset partitioned by
    a hash of the person id; returns the number of partitions.

    ``partitions`` defaults to one per ``partition_claims`` claims. Every partition file
    exists (perhaps with no rows). The claims files gain the column ``row`` (the claim's
    row in the input). CSV files are read as text (money stays exact).
    """
    out = Path(out_dir)
    if partitions is None:
        if isinstance(claims, pd.DataFrame):
            estimate = len(claims)
        elif _kind(Path(claims)) == "parquet":
            estimate = pq.ParquetFile(claims).metadata.num_rows
        else:
            estimate = os.path.getsize(claims) // 64
        partitions = max(1, math.ceil(estimate / partition_claims))
    k = int(partitions)
    if k < 1:
        raise problem(ValueError, "dask.partitions", value=k)
    for name, source in (("claims", claims), ("people", people)):
        (out / name).mkdir(parents=True, exist_ok=True)
        _write(name, source, out / name, k, numbered=name == "claims")
    return k


def _source_batches(source: pd.DataFrame | str | os.PathLike[str]) -> Any:
    if isinstance(source, pd.DataFrame):
        columns = {}
        for name in source.columns:
            try:
                columns[str(name)] = pa.array(source[name], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                columns[str(name)] = pa.array(_as_text(source[name]), type=pa.string())
        table = pa.table(columns)
        yield from table.to_batches(max_chunksize=1 << 20)
    else:
        yield from _batches(Path(source))


def _as_text(values: pd.Series) -> list[str | None]:
    """A column of mixed cells (text and ``Decimal`` money, dates and text …) as the text
    each cell reads as by the row rule: a date as ``YYYY-MM-DD``, a ``Decimal`` or a number as
    its digits, a flag as ``True``/``False``; a missing cell stays missing."""
    from zjj_medical.contract.rows import is_missing

    out: list[str | None] = []
    for v in values.to_numpy(dtype=object):
        if is_missing(v):
            out.append(None)
        elif isinstance(v, dt.datetime) and v.time() == dt.time(0):
            out.append(v.date().isoformat())
        else:
            out.append(v.isoformat() if isinstance(v, dt.date) else str(v))
    return out


def _write(
    name: str, source: pd.DataFrame | str | os.PathLike[str], into: Path, k: int, numbered: bool
) -> None:
    writers: list[pq.ParquetWriter | None] = [None] * k
    schema: pa.Schema | None = None
    rows = 0
    try:
        for batch in _source_batches(source):
            if "person_id" not in batch.schema.names:
                raise problem(ValueError, "table.column.missing", table=name, column="person_id")
            if numbered:
                index = pa.array(np.arange(rows, rows + batch.num_rows, dtype=np.int64))
                batch = pa.RecordBatch.from_arrays(
                    [*batch.columns, index], names=[*batch.schema.names, ROW]
                )
            schema = batch.schema
            part = _partition_of(batch.column("person_id"), k)
            _write_partitions(
                batch,
                part,
                writers,
                lambda p, schema: pq.ParquetWriter(into / _part_name(p), schema),
            )
            rows += batch.num_rows
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()
    for p in range(k):  # a partition without rows is an empty file of the same columns
        if writers[p] is None:
            empty = schema if schema is not None else pa.schema([("person_id", pa.string())])
            pq.write_table(empty.empty_table(), into / _part_name(p))


def read_dataset_partition(
    dataset: str | os.PathLike[str], p: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The claims and people of partition ``p`` of a dataset (:func:`partition_dataset`)."""
    d = Path(dataset)
    return pd.read_parquet(d / "claims" / _part_name(p)), pd.read_parquet(
        d / "people" / _part_name(p)
    )


def _partitions(dataset: Path) -> int:
    parts = sorted((dataset / "claims").glob("part-*.parquet"))
    if not parts or not (dataset / "people").is_dir():
        raise problem(ValueError, "dask.dataset", dataset=str(dataset))
    return len(parts)


def _dates_task(dataset: str, p: int) -> tuple[Any, Any]:
    """The earliest and latest readable claim date of a partition (``None`` for none)."""
    from zjj_medical.batch.columns import date_column

    column = pq.read_table(Path(dataset) / "claims" / _part_name(p), columns=["date"])["date"]
    days, bad = date_column(column.to_pandas())
    ok = days[~bad]
    if len(ok) == 0:
        return None, None
    return ok.min(), ok.max()


def _result_table(result: pd.DataFrame, rows: Any, policy: Policy) -> pa.Table:
    money = {layer.id for layer in policy.layers} | {"reimbursed", "patient_pay"}
    columns: dict[str, Any] = {}
    for col in result.columns:
        if col in money:
            columns[str(col)] = pa.array(money_from_fen(result[col].to_numpy(np.int64)).array)
        elif col in ERROR_COLUMNS or col in ("claim_id", "person_id"):
            columns[str(col)] = pa.array(result[col].to_numpy(dtype=object), type=pa.string())
        else:
            columns[str(col)] = pa.array(result[col].to_numpy())
    columns[ROW] = pa.array(np.asarray(rows, dtype=np.int64))
    return pa.table(columns)


def _settle_task(
    dataset: str,
    p: int,
    out_dir: str | None,
    policies: Mapping[str, Policy],
    on: dt.date | None,
) -> dict[str, Any]:
    """Settle partition ``p`` under each policy; write the results; return the parts."""
    from zjj_medical.analysis.metrics import summary_part

    claims, people = read_dataset_partition(dataset, p)
    rows = claims[ROW].to_numpy() if ROW in claims else np.arange(len(claims))
    claims = claims.drop(columns=[ROW], errors="ignore")
    parts = {}
    for name, policy in policies.items():
        result = simulate(claims, people, policy=policy, money="fen")
        parts[name] = summary_part(result, people, claims=claims, policy=policy, on=on, money="fen")
        if out_dir is not None:
            d = Path(out_dir) if len(policies) == 1 else Path(out_dir) / name
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(_result_table(result, rows, policy), d / _part_name(p))
    return parts


@attrs.frozen
class DaskRun:
    """What :func:`simulate_dask` returns.

    Attributes:
        summary: the run's :class:`~zjj_medical.analysis.metrics.Summary` (the first policy's
            when several ran).
        summaries: each policy's summary, by the names given (``"baseline"`` for one policy).
        parts: each policy's :class:`~zjj_medical.analysis.metrics.SummaryPart` per partition,
            in partition order (a person's place is the same in every policy's parts).
        partitions: the number of partitions.
        output: the directory of the result files (``None`` when none were written).
    """

    summary: Any
    summaries: dict[str, Any]
    parts: dict[str, list[Any]]
    partitions: int
    output: Path | None


def _client(address: Any) -> tuple[Any, Any]:
    """A Dask client for ``address`` (a ``Client``, ``local:N``, ``local:N:threads`` or a
    scheduler address ``tcp://host:port``), and what to close afterwards."""
    from dask.distributed import Client, LocalCluster

    if isinstance(address, Client):
        return address, None
    text = str(address)
    if text.startswith("local"):
        bits = text.split(":")
        try:
            n = int(bits[1]) if len(bits) > 1 and bits[1] else 1
        except ValueError:
            raise problem(ValueError, "dask.address", value=text) from None
        threads = len(bits) > 2 and bits[2] == "threads"
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=n, threads_per_worker=1, processes=not threads,
            dashboard_address=":0", silence_logs=40,
        )  # fmt: skip
        client = Client(cluster)  # type: ignore[no-untyped-call]
        return client, (client, cluster)
    client = Client(text)  # type: ignore[no-untyped-call]
    return client, (client,)


def simulate_dask(
    dataset: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    address: Any = "local:2",
    policy: Policy | None = None,
    policies: Mapping[str, Policy] | None = None,
    catastrophic_threshold: Any = None,
    progress: bool = True,
) -> DaskRun:
    """Settle a partitioned dataset (:func:`partition_dataset`) on a Dask cluster.

    Args:
        dataset: the dataset directory (every worker must be able to read it: a shared
            file system, or the same path on each machine).
        out_dir: where each partition's result goes, ``part-NNNNN.parquet`` (with several
            ``policies``, one directory per policy name); ``None`` writes nothing.
        address: a ``dask.distributed.Client``, ``"local:N"`` (a local cluster of N worker
            processes), ``"local:N:threads"`` (N threads in this process), or a scheduler
            address ``"tcp://host:8786"``.
        policy: the policy (default: the built-in policy in force over the claims' dates).
        policies: several policies by name, run in one pass (a reform sweep); overrides
            ``policy``.
        catastrophic_threshold: passed to the summaries (default: the summary's default).
        progress: show Dask's progress bar while the partitions settle.

    Returns:
        A :class:`DaskRun`: the summaries are equal to
        :func:`~zjj_medical.analysis.metrics.summarize` of the whole run on one machine.
    """
    from dask.distributed import progress as dask_progress

    from zjj_medical.analysis.metrics import DEFAULT_CATASTROPHIC_THRESHOLD, combine_parts

    d = Path(dataset).resolve()
    k = _partitions(d)
    client, close = _client(address)
    try:
        spans = client.gather(client.map(_dates_task, [str(d)] * k, range(k), pure=False))
        firsts = [a for a, _ in spans if a is not None]
        lasts = [b for _, b in spans if b is not None]
        on = max(lasts).astype(dt.date) if lasts else None
        if policies is None:
            if policy is None:
                policy = builtin_for_dates(np.array(firsts + lasts, dtype="datetime64[D]"))
            policies = {"baseline": policy}
        out = None if out_dir is None else Path(out_dir).resolve()
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
        # The policies go to each worker once: its tasks share them, and with them the
        # cache of their resolved numbers.
        shared = client.scatter(dict(policies), broadcast=True)
        futures = client.map(
            _settle_task, [str(d)] * k, range(k), [None if out is None else str(out)] * k,
            [shared] * k, [on] * k, pure=False,
        )  # fmt: skip
        if progress:
            dask_progress(futures)  # type: ignore[no-untyped-call]
        results = client.gather(futures)
    finally:
        if close is not None:
            for c in close:
                c.close()
    threshold = (
        DEFAULT_CATASTROPHIC_THRESHOLD if catastrophic_threshold is None else catastrophic_threshold
    )
    parts = {name: [r[name] for r in results] for name in policies}
    summaries = {
        name: combine_parts(parts[name], policy=pol, catastrophic_threshold=threshold)
        for name, pol in policies.items()
    }
    first = next(iter(policies))
    return DaskRun(summaries[first], summaries, parts, k, out)


def gather_out_of_pocket(parts: Sequence[Any]) -> np.ndarray[Any, Any]:
    """The per-person out-of-pocket (fen) of a run's parts, concatenated in partition order."""
    return np.concatenate([p.person_oop for p in parts]) if parts else np.zeros(0, np.int64)
