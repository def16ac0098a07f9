"""Settling claim files larger than memory: :func:`simulate_file` streams by person.

A person's claims only ever meet that person's other claims, so the file is cut
into partitions by a hash of ``person_id`` (claims and people alike), each
partition is settled with :func:`~zjj_medical.batch.simulate` on its own, and the
results are merged back into input order. The result is the one
:func:`~zjj_medical.batch.simulate` gives on the whole tables; peak memory is that
of one partition (about a million claims by default) plus a block of output.

Files are CSV (``.csv``) or Parquet (``.parquet``), chosen by suffix, for input and
output independently. CSV input is read as text, so money is read exactly as
written (no float on the way). CSV output writes money in yuan as the shortest
decimal that reads back to the same number (``15300``, ``12.34``), or integer fen
with ``money="fen"``.

>>> import tempfile, pathlib, pandas as pd
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"person_id": ["P1"], "poor": [True], "county": ["sangzhi"]}).to_csv(
...     d / "people.csv", index=False)
>>> pd.DataFrame({"claim_id": ["C1"], "person_id": ["P1"], "kind": ["inpatient"],
...     "date": ["2019-11-03"], "facility_id": [None], "facility_level": ["county"],
...     "facility_county": ["sangzhi"], "total": ["20000.00"], "in_scope": ["18000.00"]}
...     ).to_csv(d / "claims.csv", index=False)
>>> simulate_file(d / "claims.csv", d / "people.csv", d / "out.csv")
1
>>> print((d / "out.csv").read_text().splitlines()[1])
"C1","P1",true,true,15300,0,0,0,0,1700,0,17000,3000,0.85,,,,
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from zjj_medical.batch._output import ERROR_COLUMNS, Money, Order
from zjj_medical.batch._run import simulate
from zjj_medical.batch.columns import date_column, id_text
from zjj_medical.errors import problem
from zjj_medical.policy.loader import builtin_for_dates
from zjj_medical.policy.model import Policy

__all__ = ["simulate_file"]

_ROW = "__row"
_BATCH = 1 << 16


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise problem(ValueError, "table.file.kind", file=str(path))
    return suffix[1:]


def _batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Record batches of a file; CSV columns are all read as text (empty → missing)."""
    if _kind(path) == "parquet":
        file = pq.ParquetFile(path)
        nested = [f.name for f in file.schema_arrow if pa.types.is_nested(f.type)]
        if nested:
            raise problem(ValueError, "table.column.nested", path=str(path), column=nested[0])
        yield from file.iter_batches(batch_size=_BATCH)
        return
    header = pv.open_csv(path).schema.names
    reader = pv.open_csv(
        path,
        read_options=pv.ReadOptions(block_size=1 << 24),
        convert_options=pv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            null_values=[""],  # only an empty cell is missing: "NA" or "null" is a value
            strings_can_be_null=True,
        ),
    )
    yield from reader


def _dates(path: Path) -> npt.NDArray[np.datetime64]:
    """The readable claim dates of a file (its ``date`` column alone; none if it has none)."""
    if _kind(path) == "parquet":
        if "date" not in pq.ParquetFile(path).schema_arrow.names:
            return np.array([], dtype="datetime64[D]")
        column = pq.read_table(path, columns=["date"])["date"]
    else:
        if "date" not in pv.open_csv(path).schema.names:
            return np.array([], dtype="datetime64[D]")
        column = pv.read_csv(
            path,
            convert_options=pv.ConvertOptions(
                include_columns=["date"], column_types={"date": pa.string()},
                null_values=[""], strings_can_be_null=True,
            ),
        )["date"]  # fmt: skip
    dates, bad = date_column(pd.Series(column.to_pandas(), dtype=object))
    out: npt.NDArray[np.datetime64] = dates[~bad]
    return out


def _partition_of(ids: pa.Array | pa.ChunkedArray, k: int) -> npt.NDArray[np.int64]:
    text = id_text(pd.Series(ids.to_pandas(), dtype=object))
    return (pd.util.hash_array(text) % np.uint64(k)).astype(np.int64)


def _split(
    path: Path,
    k: int,
    into: Path,
    name: str,
    numbered: bool,
    keys: list[tuple[npt.NDArray[Any], npt.NDArray[np.int64]]] | None = None,
) -> tuple[int, list[str]]:
    """Write the file's rows into ``k`` Arrow partitions by person; returns rows, columns.

    With ``keys``, each batch's claim ids (as text) and partitions are appended to it.
    """
    writers: list[pa.ipc.RecordBatchStreamWriter | None] = [None] * k
    rows = 0
    columns: list[str] = []
    try:
        for batch in _batches(path):
            columns = batch.schema.names
            if "person_id" not in columns:
                raise problem(ValueError, "table.file.person_id", file=str(path))
            if numbered:
                index = pa.array(np.arange(rows, rows + batch.num_rows, dtype=np.int64))
                batch = pa.RecordBatch.from_arrays([*batch.columns, index], names=[*columns, _ROW])
            part = _partition_of(batch.column("person_id"), k)
            if keys is not None and "claim_id" in columns:
                ids = batch.column("claim_id").to_pandas()
                keys.append((id_text(pd.Series(ids, dtype=object)), part))
            _write_partitions(batch, part, writers, _stream(into, name))
            rows += batch.num_rows
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()
    return rows, columns


def _stream(into: Path, name: str) -> Callable[[int, pa.Schema], Any]:
    """Opens partition ``p``'s Arrow stream ``<into>/<name>-<p>.arrow``."""
    return lambda p, schema: pa.ipc.new_stream(into / f"{name}-{p}.arrow", schema)


def _write_partitions(
    batch: pa.RecordBatch,
    part: npt.NDArray[np.int64],
    writers: list[Any],
    open_writer: Callable[[int, pa.Schema], Any],
) -> None:
    """Append each row of ``batch`` to the writer of its partition ``part[row]`` (one of
    ``len(writers)``), opening a partition's writer with ``open_writer(p, schema)`` on first
    use; a partition with no row of the batch is not opened."""
    for p in range(len(writers)):
        chosen = batch.filter(pa.array(part == p))
        if chosen.num_rows == 0:
            continue
        writer = writers[p]
        if writer is None:
            writer = writers[p] = open_writer(p, batch.schema)
        writer.write_batch(chosen)


def _split_lines(
    path: Path, keys: list[tuple[npt.NDArray[Any], npt.NDArray[np.int64]]], k: int, into: Path
) -> list[str]:
    """Write the lines file's rows into the partitions of their claims; returns its columns.

    Refuses (``ValueError``) what :func:`~zjj_medical.batch.simulate` refuses of a lines
    table over the whole claims file: a line without a claim id or with one not in the
    claims file, a claim id with lines on two claims rows.
    """
    ids = pd.Index(np.concatenate([i for i, _ in keys]) if keys else [], dtype=object)
    parts = np.concatenate([p for _, p in keys]) if keys else np.zeros(0, dtype=np.int64)
    twice = ids[ids.duplicated()] if not ids.is_unique else ids[:0]
    first = ~ids.duplicated()
    lookup = pd.Index(ids[first], dtype=object)
    part_of = parts[first]
    writers: list[pa.ipc.RecordBatchStreamWriter | None] = [None] * k
    columns: list[str] = []
    rows = 0
    try:
        for batch in _batches(path):
            columns = batch.schema.names
            if "claim_id" not in columns:
                raise problem(ValueError, "table.column.missing", table="lines", column="claim_id")
            raw = batch.column("claim_id").to_pandas()
            if raw.isna().any():
                row = rows + int(np.flatnonzero(raw.isna().to_numpy())[0])
                raise problem(ValueError, "lines.claim_id.missing", row=int(row) + 1)
            text = pd.Index(id_text(pd.Series(raw, dtype=object)), dtype=object)
            if len(twice):
                again = text[text.isin(twice)]
                if len(again):
                    raise problem(ValueError, "lines.claim_id.twice", claim_id=str(again[0]))
            at = lookup.get_indexer(text)
            if (at < 0).any():
                j = int(np.flatnonzero(at < 0)[0])
                raise problem(
                    ValueError,
                    "lines.claim_id.unknown",
                    row=int(rows + j) + 1,
                    claim_id=str(text[j]),
                )
            _write_partitions(batch, part_of[at], writers, _stream(into, "lines"))
            rows += batch.num_rows
    finally:
        for writer in writers:
            if writer is not None:
                writer.close()
    return columns


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if path.exists():
        with pa.ipc.open_stream(path) as reader:
            frame: pd.DataFrame = reader.read_all().to_pandas()
        return frame
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _schema(policy: Policy, money: Money) -> pa.Schema:
    amount = {"fen": pa.int64(), "decimal": pa.decimal128(18, 2)}.get(money, pa.float64())
    fields = [("claim_id", pa.string()), ("person_id", pa.string()), ("in_county", pa.bool_()),
              ("pay_later", pa.bool_())]  # fmt: skip
    fields += [(layer.id, amount) for layer in policy.layers]
    fields += [("reimbursed", amount), ("patient_pay", amount), ("actual_ratio", pa.float64()),
               *((c, pa.string()) for c in ERROR_COLUMNS)]  # fmt: skip
    return pa.schema(fields)


def _merged(parts: list[Path], total: int, block: int) -> Iterator[pa.Table]:
    """The partitions' rows in input order, a block at a time (each partition is in order)."""
    readers = [iter(pa.ipc.open_stream(p)) if p.exists() else iter(()) for p in parts]
    buffers: list[pa.Table | None] = [None] * len(parts)
    done = [False] * len(parts)
    for low in range(0, total, block):
        high = low + block
        pieces = []
        for p, reader in enumerate(readers):
            buf = buffers[p]
            while not done[p] and (
                buf is None or buf.num_rows == 0 or buf[_ROW][-1].as_py() < high
            ):
                batch = next(reader, None)
                if batch is None:
                    done[p] = True
                    break
                more = pa.Table.from_batches([batch])
                buf = more if buf is None else pa.concat_tables([buf, more])
            if buf is None:
                continue
            cut = int(np.searchsorted(buf[_ROW].to_numpy(), high))
            pieces.append(buf.slice(0, cut))
            buffers[p] = buf.slice(cut)
        table = pa.concat_tables(pieces)
        order = np.argsort(table[_ROW].to_numpy(), kind="stable")
        yield table.take(pa.array(order)).drop_columns([_ROW])


def simulate_file(
    claims: str | os.PathLike[str],
    people: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    lines: str | os.PathLike[str] | None = None,
    policy: Policy | None = None,
    money: Money = "yuan",
    order: Order = "date",
    partition_claims: int = 1_000_000,
    progress: Callable[[int, int], None] | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> int:
    """Settle a claims file for a people file into ``out``; returns the number of rows.

    Same columns, rows, order and money as :func:`~zjj_medical.batch.simulate` on the
    whole tables (with ``lines``, a CSV or Parquet file of the claims' fee lines, the
    ``lines=`` table of :func:`~zjj_medical.batch.simulate`: each line goes to its
    claim's partition; the claims file's ids are held in memory meanwhile, to route the
    lines). ``partition_claims`` is about how many claims are settled at once
    (memory grows with it); temporary Arrow partitions go to ``workdir`` (default:
    the system's temporary directory) and are removed afterwards.
    """
    claims_path, people_path, out_path = Path(claims), Path(people), Path(out)
    if policy is None:
        policy = builtin_for_dates(_dates(claims_path))
    out_kind = _kind(out_path)
    if _kind(claims_path) == "parquet":
        estimate = pq.ParquetFile(claims_path).metadata.num_rows
    else:
        estimate = os.path.getsize(claims_path) // 64  # a claim line is well over 64 bytes
    k = max(1, math.ceil(estimate / partition_claims))
    schema = _schema(policy, money)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="zjj-simulate-") as tmp:
        d = Path(tmp)
        keys: list[tuple[npt.NDArray[Any], npt.NDArray[np.int64]]] | None = (
            None if lines is None else []
        )
        total, claim_columns = _split(claims_path, k, d, "claims", numbered=True, keys=keys)
        _, people_columns = _split(people_path, k, d, "people", numbered=False)
        line_columns: list[str] = []
        if lines is not None:
            assert keys is not None
            line_columns = _split_lines(Path(lines), keys, k, d)
            keys.clear()
        settled = 0
        for p in range(k):
            part = _read(d / f"claims-{p}.arrow", [*claim_columns, _ROW])
            if part.empty:
                continue
            result = simulate(
                part.drop(columns=[_ROW]), _read(d / f"people-{p}.arrow", people_columns),
                lines=None if lines is None else _read(d / f"lines-{p}.arrow", line_columns),
                policy=policy, money=money, order=order,
            )  # fmt: skip
            table = pa.Table.from_pandas(result, schema=schema, preserve_index=False)
            table = table.append_column(_ROW, pa.array(part[_ROW].to_numpy(dtype=np.int64)))
            with pa.ipc.new_stream(d / f"out-{p}.arrow", table.schema) as sink:
                sink.write_table(table, max_chunksize=_BATCH)
            settled += len(part)
            if progress is not None:
                progress(settled, total)
        parts = [d / f"out-{p}.arrow" for p in range(k)]
        writer: pq.ParquetWriter | pv.CSVWriter
        if out_kind == "parquet":
            writer = pq.ParquetWriter(out_path, schema)
        else:
            writer = pv.CSVWriter(out_path, schema)
        with writer:
            if total == 0:
                writer.write_table(schema.empty_table())
            for table in _merged(parts, total, max(_BATCH, partition_claims // 4)):
                writer.write_table(table.cast(schema))
    return total
