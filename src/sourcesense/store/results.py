"""Paged, searchable entities of a run, served from a read-optimised index.

A run's Parquet files are read once per kind into Arrow tables, with a lower-cased search
text (names, comments, data types) beside them; every page after that is Arrow compute on
memory: filters, sorting, facets and column projection, no file read. The index of a run is
rebuilt when a file changes (a run still being written) and the cache keeps the few most
recently browsed runs only, so the memory of `serve` stays bounded whatever is browsed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.errors import ConfigError

# What can be browsed, and the column each kind is searched by name on.
SEARCHABLE = {
    "relations": "table_name", "columns": "column_name", "constraints": "constraint_name",
    "indexes": "index_name", "sequences": "sequence_name", "routines": "routine_name",
    "triggers": "trigger_name", "policies": "policy_name", "types": "type_name",
    "schemas": "schema_name",
    "databases": "catalog_name", "extensions": "extension_name", "privileges": "table_name",
    "view_dependencies": "table_name", "column_stats": "column_name",
}  # fmt: skip
EXTRA = {
    "lineage": "lineage/edges.parquet",
    "column_profiles": "quality/column_profiles.parquet",
    "findings": "quality/findings.parquet",
}
MAX_PAGE = 500
# What `text` searches besides the names: descriptions and types, wherever a kind has them.
_TEXT_COLUMNS = (
    "catalog_name", "schema_name", "table_name", "column_name", "comment", "data_type",
    "base_type", "definition", "source_table", "target_table", "source_column", "target_column",
)  # fmt: skip
_FACETS = ("catalog_name", "schema_name", "kind")
_TEXT = "__text"


@dataclass(frozen=True)
class Query:
    """One page's request. `q`: a case-insensitive substring of the kind's name column;
    `text`: of its names, comments and types; `table` (with `schema`): for lineage, edges
    with the table on either side; `sort`: a column, `-column` for descending."""

    kind: str = "relations"
    q: str | None = None
    text: str | None = None
    database: str | None = None
    schema: str | None = None
    table: str | None = None
    level: str | None = None
    sort: str | None = None
    fields: tuple[str, ...] = ()
    facets: bool = False
    offset: int = 0
    limit: int = 50


def page_entities(
    run_dir: Path, kind: str, query: str | None = None, schema: str | None = None,
    table: str | None = None, offset: int = 0, limit: int = 50,
) -> dict[str, Any]:  # fmt: skip
    """{"kind", "total", "offset", "limit", "items"}, read without a cache."""
    return IndexCache(1).page(run_dir, Query(kind, query, None, None, schema, table,
                                             offset=offset, limit=limit))  # fmt: skip


class IndexCache:
    """The indexes of the `max_runs` most recently browsed runs (least recently used goes)."""

    def __init__(self, max_runs: int) -> None:
        self.max_runs = max_runs
        # Per run: (kind) -> its table, (kind, sort) -> its row order; each with its file stamp.
        self._runs: OrderedDict[Path, dict[tuple[str, str], tuple[tuple[int, int], Any]]]
        self._runs = OrderedDict()
        self._lock = threading.Lock()

    def page(self, run_dir: Path, query: Query) -> dict[str, Any]:
        """{"kind", "total", "offset", "limit", "items"} (and "facets" when asked). Only the
        page's rows are copied out: filters and sorting work on row numbers."""
        if not 0 < query.limit <= MAX_PAGE or query.offset < 0:
            raise ConfigError(f"limit must be 1..{MAX_PAGE} and offset 0 or more")
        data = self.table(run_dir, query.kind)
        mask = _mask(data, query) if _filtered(query) else None
        order: Any = None
        if query.sort:
            order = self.order(run_dir, query.kind, query.sort)
            order = order if mask is None else pc.filter(order, pc.take(mask, order))
        elif mask is not None:
            order = pc.indices_nonzero(mask)
        total = data.num_rows if order is None else len(order)
        body: dict[str, Any] = {"kind": query.kind, "total": total,
                                "offset": query.offset, "limit": query.limit}  # fmt: skip
        if query.facets:
            body["facets"] = _facets(data if mask is None else data.filter(mask))
        if order is None:
            rows = data.slice(query.offset, query.limit)
        else:
            rows = data.take(order.slice(query.offset, query.limit))
        body["items"] = _project(rows, query.fields).to_pylist()
        return body

    @property
    def runs_held(self) -> int:
        return len(self._runs)

    def table(self, run_dir: Path, kind: str) -> pa.Table:
        """The indexed rows of one kind: built on first use, again when its file changed."""
        table: pa.Table = self._cached(run_dir, (kind, ""), lambda path: _build(path, kind))
        return table

    def order(self, run_dir: Path, kind: str, sort: str) -> Any:
        """Row numbers of one kind in `sort` order, computed once per file version."""
        data = self.table(run_dir, kind)
        return self._cached(run_dir, (kind, sort), lambda _: _sort_indices(data, sort))

    def _cached(self, run_dir: Path, key: tuple[str, str], build: Any) -> Any:
        path = _path(run_dir, key[0])
        stamp = _stamp(path)
        with self._lock:
            run = self._runs.pop(run_dir, {})
            self._runs[run_dir] = run  # now the most recently used
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)
            cached = run.get(key)
            if cached is None or cached[0] != stamp:
                run[key] = cached = (stamp, build(path))
            return cached[1]


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _build(path: Path, kind: str) -> pa.Table:
    data = pq.read_table(path, memory_map=True) if path.exists() else pa.table({})
    parts: list[Any] = [data[name] for name in _TEXT_COLUMNS if name in data.column_names]
    name = SEARCHABLE.get(kind)
    if name and name in data.column_names and name not in _TEXT_COLUMNS:
        parts.append(data[name])
    if not parts:
        return data
    strings: list[Any] = [pc.fill_null(pc.cast(part, pa.string()), "") for part in parts]
    text = pc.binary_join_element_wise(*strings, "\x1f")
    return data.append_column(_TEXT, pc.utf8_lower(text))


def _filtered(query: Query) -> bool:
    return any((query.q, query.text, query.database, query.schema, query.table, query.level))


def _mask(data: pa.Table, query: Query) -> Any:
    names = data.column_names
    name_column = SEARCHABLE.get(query.kind) or ("table_name" if "table_name" in names else None)
    masks: list[Any] = []
    if query.q and name_column in names:
        masks.append(pc.match_substring(data[name_column], query.q, ignore_case=True))
    if query.text and _TEXT in names:
        masks.append(pc.match_substring(data[_TEXT], query.text.lower()))
    for column, value in (("catalog_name", query.database), ("level", query.level)):
        if value and column in names:
            masks.append(pc.equal(data[column], pa.scalar(value)))
    if "source_table" in names and "table_name" not in names:
        masks.extend(_either_side(data, query.schema, query.table))
    else:
        for column, value in (("schema_name", query.schema), ("table_name", query.table)):
            if value and column in names:
                masks.append(pc.equal(data[column], pa.scalar(value)))
    if not masks:
        return pa.chunked_array([pa.array([True] * data.num_rows, pa.bool_())])
    combined = masks[0]
    for mask in masks[1:]:
        combined = pc.and_(combined, mask)
    return pc.fill_null(combined, False)


def _either_side(data: pa.Table, schema: str | None, table: str | None) -> list[Any]:
    """Lineage edges whose source or target is the table (or lies in the schema)."""
    if not (schema or table):
        return []
    sides: list[Any] = []
    for side in ("source", "target"):
        checks = [pc.equal(data[f"{side}_{part}"], pa.scalar(value))
                  for part, value in (("schema", schema), ("table", table)) if value]  # fmt: skip
        sides.append(checks[0] if len(checks) == 1 else pc.and_(checks[0], checks[1]))
    return [pc.or_(pc.fill_null(sides[0], False), pc.fill_null(sides[1], False))]


def _facets(data: pa.Table) -> dict[str, dict[str, int]]:
    """Rows per database, schema and kind of what matched (before paging)."""
    found: dict[str, dict[str, int]] = {}
    for column in _FACETS:
        if column in data.column_names:
            values: Any = pc.value_counts(data[column])
            counts: list[dict[str, Any]] = values.to_pylist()
            found[column] = {str(c["values"]): int(c["counts"]) for c in counts}
    return found


def _sort_indices(data: pa.Table, sort: str) -> Any:
    column = sort.removeprefix("-")
    if column not in data.column_names or column == _TEXT:
        raise ConfigError(f"cannot sort by '{column[:40]}': not a column of these rows")
    order: Literal["ascending", "descending"] = (
        "descending" if sort.startswith("-") else "ascending"
    )
    try:
        return pc.sort_indices(data, [(column, order)])
    except pa.ArrowNotImplementedError:  # a list or struct column has no order
        raise ConfigError(f"cannot sort by '{column[:40]}': its values have no order") from None


def _project(rows: pa.Table, fields: tuple[str, ...]) -> pa.Table:
    if _TEXT in rows.column_names:
        rows = rows.drop_columns([_TEXT])
    if not fields:
        return rows
    unknown = [name for name in fields if name not in rows.column_names]
    if unknown and rows.num_columns:
        raise ConfigError(f"unknown field '{unknown[0][:40]}': not a column of these rows")
    return rows.select([name for name in fields if name in rows.column_names])


def _path(run_dir: Path, kind: str) -> Path:
    if kind in SEARCHABLE:
        return run_dir / "raw" / f"{kind}.parquet"
    if kind in EXTRA:
        return run_dir / EXTRA[kind]
    kinds = ", ".join([*SEARCHABLE, *EXTRA])
    raise ConfigError(f"unknown entity kind '{kind[:30]}': one of {kinds}")
