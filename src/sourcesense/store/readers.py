"""Reading a run directory back: rows of one kind, as plain dicts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import KEY_FIELDS, keep_keys, key_column


def read_rows(
    run_dir: Path,
    relative: str,
    columns: list[str] | None = None,
    only: set[str] | None = None,
    key_fields: list[str] = KEY_FIELDS,
) -> list[dict[str, Any]]:
    """Rows of run_dir/<relative> (e.g. 'raw/columns.parquet'); none when the file is absent.
    With `only` (relation keys, read from `key_fields`), just those relations' rows."""
    path = run_dir / relative
    if not path.exists():
        return []
    table = pq.read_table(path, columns=columns)
    rows: list[dict[str, Any]] = (
        table if only is None else keep_keys(table, only, key_fields)
    ).to_pylist()
    return rows


def raw(run_dir: Path, kind: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    return read_rows(run_dir, f"raw/{kind}.parquet", columns)


ROW_BATCH = 8_192


def rows_per_relation(
    run_dir: Path,
    relative: str,
    keys: list[str],
    columns: list[str] | None = None,
    only: set[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """For each relation key in `keys`, in that order, its rows of run_dir/<relative> in file
    order ([] for none): what grouping read_rows' rows by relation gives, but converted to
    Python a batch at a time, never the whole file at once (196,129 columns as dicts held
    about 150 MB)."""
    path = run_dir / relative
    read = None if columns is None else [*columns, *(k for k in KEY_FIELDS if k not in columns)]
    table = pq.read_table(path, columns=read) if path.exists() else None
    if table is not None and only is not None:
        table = keep_keys(table, only)
    if table is None or table.num_rows == 0:
        yield from ([] for _ in keys)
        return
    position: Any = pc.index_in(key_column(table), value_set=pa.array(keys, pa.string()))
    # A stable sort: each relation's rows keep their file order; unlisted relations go last.
    order = pc.sort_indices(position)
    kept = table if columns is None else table.select(columns)
    ordered = kept.append_column("_position", position).take(order)
    yield from _group_in_order(ordered, len(keys))


def _group_in_order(ordered: pa.Table, count: int) -> Iterator[list[dict[str, Any]]]:
    """Rows of `ordered` (sorted by `_position`, nulls last) grouped by position 0..count-1."""
    expected = 0
    group: list[dict[str, Any]] = []
    for batch in ordered.to_batches(max_chunksize=ROW_BATCH):
        positions = batch.column("_position").to_pylist()
        rows = batch.drop_columns(["_position"]).to_pylist()
        for position, row in zip(positions, rows, strict=True):
            if position is None:
                break  # rows of relations not asked for, sorted last
            while expected < position:
                yield group
                expected, group = expected + 1, []
            group.append(row)
    while expected < count:
        yield group
        expected, group = expected + 1, []
