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
_TEXT = "__text:"  # prefix of the lower-cased, dictionary-encoded copy of a text column
# Derived columns, searched and counted but never served: a column's PII class (from the run's
# column profiles) and whether a row has a comment.
_PII = "__pii_class"
_HAS_COMMENT = "__has_comment"
_HIDDEN = "__"  # the prefix of every derived column
# Facet name -> the column it counts.
_FACETS = {
    "catalog_name": "catalog_name", "schema_name": "schema_name", "kind": "kind",
    "pii_class": _PII, "has_comment": _HAS_COMMENT,
}  # fmt: skip
_KEY = ["catalog_name", "schema_name", "table_name", "column_name"]
NO_PII = "none"  # the pii filter's value for columns with no PII class
ANY_PII = "any"


@dataclass(frozen=True)
class Query:
    """One page's request. `q`: a case-insensitive substring of the kind's name column;
    `text`: of its names, comments and types; `table` (with `schema`): for lineage, edges
    with the table on either side; `sort`: a column, `-column` for descending; `pii`: a PII
    class of columns ("any": some class, "none": none); `has_comment`: rows with (or
    without) a comment."""

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
    pii: str | None = None
    has_comment: bool | None = None


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
        if _one_table(data, query):  # a table page: its rows by lookup, no scan of the kind
            return _body(data, query, self.rows_of(run_dir, query), None)
        mask = _mask(data, query) if _filtered(query) else None
        order: Any = None
        if query.sort:
            order = self.order(run_dir, query.kind, query.sort)
            order = order if mask is None else pc.filter(order, pc.take(mask, order))
        elif mask is not None:
            order = pc.indices_nonzero(mask)
        return _body(data, query, order, mask)

    def rows_of(self, run_dir: Path, query: Query) -> Any:
        """Row numbers of one table's rows, from a lookup built once per file version."""
        data = self.table(run_dir, query.kind)
        lookup: TableLookup = self._cached(
            run_dir, (query.kind, "@table"), lambda _: TableLookup(data)
        )
        return lookup.rows((str(query.database), str(query.schema), str(query.table)))

    @property
    def runs_held(self) -> int:
        return len(self._runs)

    def table(self, run_dir: Path, kind: str) -> pa.Table:
        """The indexed rows of one kind: built on first use, again when its file changed."""
        table: pa.Table = self._cached(
            run_dir, (kind, ""), lambda path: _build(path, kind, run_dir)
        )
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


def _body(data: pa.Table, query: Query, order: Any, mask: Any) -> dict[str, Any]:
    """The page of `order` (all rows when None), with facets of what `mask` kept."""
    total = data.num_rows if order is None else len(order)
    body: dict[str, Any] = {"kind": query.kind, "total": total,
                            "offset": query.offset, "limit": query.limit}  # fmt: skip
    if query.facets:
        kept = mask
        if kept is None and order is not None:
            kept = pc.is_in(pa.array(range(data.num_rows)), value_set=order)
        body["facets"] = _facets(data, kept)
    if order is None:
        rows = data.slice(query.offset, query.limit)
    else:
        rows = data.take(order.slice(query.offset, query.limit))
    body["items"] = _project(rows, query.fields).to_pylist()
    return body


_TABLE_KEY = ("catalog_name", "schema_name", "table_name")


def _one_table(data: pa.Table, query: Query) -> bool:
    """The query asks for one table's rows and nothing else (what a table page asks)."""
    whole = query.database and query.schema and query.table
    others = (query.q, query.text, query.level, query.sort, query.pii,
              query.has_comment is not None)  # fmt: skip
    names = data.column_names
    return bool(whole) and not any(others) and all(name in names for name in _TABLE_KEY)


class TableLookup:
    """(database, schema, table) -> that table's row numbers, in file order: the row numbers
    grouped by table in one array, and where each table's run starts (a few MB per kind)."""

    def __init__(self, data: pa.Table) -> None:
        columns: list[Any] = [data[name] for name in _TABLE_KEY]
        parts = [pc.fill_null(column, "") for column in columns]
        joined: Any = pc.binary_join_element_wise(*parts, "\x1f")
        encoded: Any = pc.dictionary_encode(joined.combine_chunks())
        self._order: Any = pc.sort_indices(encoded.indices)  # stable: file order kept
        names: list[str] = encoded.dictionary.to_pylist()
        counts = [0] * len(names)
        for found in pc.value_counts(encoded.indices).to_pylist():
            counts[found["values"]] = found["counts"]
        self._bounds = [0]
        for count in counts:
            self._bounds.append(self._bounds[-1] + count)
        self._keys = {name: number for number, name in enumerate(names)}

    def rows(self, key: tuple[str, str, str]) -> Any:
        number = self._keys.get("\x1f".join(key))
        if number is None:
            return pa.array([], pa.int64())
        start, end = self._bounds[number], self._bounds[number + 1]
        return self._order.slice(start, end - start)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _build(path: Path, kind: str, run_dir: Path) -> pa.Table:
    data = pq.read_table(path, memory_map=True) if path.exists() else pa.table({})
    if kind == "columns" and data.num_rows:
        data = _with_pii(data, run_dir / EXTRA["column_profiles"])
    if "comment" in data.column_names:
        comment: Any = data["comment"]
        lengths: Any = pc.utf8_length(pc.fill_null(comment, ""))
        has = pc.greater(lengths, pa.scalar(0, pa.int32()))
        data = data.append_column(_HAS_COMMENT, has)
    # One chunk per column: taking a page's rows from many chunks costs a copy of them all.
    data = data.combine_chunks()
    name = SEARCHABLE.get(kind)
    for part in (*_TEXT_COLUMNS, name):
        if part and part in data.column_names and _TEXT + part not in data.column_names:
            data = data.append_column(_TEXT + part, _lowered_dictionary(data[part]))
    return data


def _lowered_dictionary(column: Any) -> Any:
    """A text column as distinct lower-cased values and row indices into them: names repeat
    on every column of a table, so a search scans the few distinct values, not every row."""
    chunks: list[Any] = []
    for chunk in column.chunks:
        encoded: Any = pc.dictionary_encode(pc.cast(chunk, pa.string()))
        lowered = pc.utf8_lower(encoded.dictionary)
        chunks.append(pa.DictionaryArray.from_arrays(encoded.indices, lowered))
    kind: Any = pa.dictionary(pa.int32(), pa.string())
    return pa.chunked_array(chunks, kind)


def _contains(column: Any, needle: str) -> Any:
    """Rows whose lowered text contains the lower-cased needle (null where the text is)."""
    found = [pc.take(pc.match_substring(chunk.dictionary, needle), chunk.indices)
             for chunk in column.chunks]  # fmt: skip
    return pa.chunked_array(found, pa.bool_())


def _with_pii(columns: pa.Table, profiles: Path) -> pa.Table:
    """The columns with their PII class from the run's profiles (null: none found or no
    profiling), in the columns' own order."""
    if not profiles.exists():
        return columns.append_column(_PII, pa.nulls(columns.num_rows, pa.string()))
    found = pq.read_table(profiles, columns=[*_KEY, "pii_class"])
    found = found.filter(pc.is_valid(found["pii_class"]))
    keyed = columns.select(_KEY).append_column("__row", pa.array(range(columns.num_rows)))
    joined = keyed.join(found, _KEY, join_type="left outer").sort_by("__row")
    return columns.append_column(_PII, pc.cast(joined["pii_class"], pa.string()))


def _filtered(query: Query) -> bool:
    return any((query.q, query.text, query.database, query.schema, query.table, query.level,
                query.pii, query.has_comment is not None))  # fmt: skip


def _mask(data: pa.Table, query: Query) -> Any:
    names = data.column_names
    name_column = SEARCHABLE.get(query.kind) or ("table_name" if "table_name" in names else None)
    masks: list[Any] = []
    if query.q and _TEXT + str(name_column) in names:
        masks.append(
            pc.fill_null(_contains(data[_TEXT + str(name_column)], query.q.lower()), False)
        )
    if query.text:
        masks.append(_text_mask(data, query.text.lower()))
    for column, value in (("catalog_name", query.database), ("level", query.level)):
        if value and column in names:
            masks.append(pc.equal(data[column], pa.scalar(value)))
    if query.pii and _PII in names:
        masks.append(_pii_mask(data[_PII], query.pii))
    if query.has_comment is not None and _HAS_COMMENT in names:
        wanted = data[_HAS_COMMENT]
        masks.append(wanted if query.has_comment else pc.invert(wanted))
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


def _text_mask(data: pa.Table, needle: str) -> Any:
    """Rows with the needle in any of their names, comments, types or definitions."""
    found: Any = None
    for name in data.column_names:
        if name.startswith(_TEXT):
            hits = pc.fill_null(_contains(data[name], needle), False)
            found = hits if found is None else pc.or_(found, hits)
    return found if found is not None else pa.chunked_array([pa.nulls(data.num_rows, pa.bool_())])


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


def _pii_mask(classes: Any, wanted: str) -> Any:
    if wanted == ANY_PII:
        return pc.is_valid(classes)
    if wanted == NO_PII:
        return pc.is_null(classes)
    return pc.equal(classes, pa.scalar(wanted))


def _facets(data: pa.Table, mask: Any) -> dict[str, dict[str, int]]:
    """Rows per database, schema, kind, PII class and has-comment of what matched (before
    paging); only the counted columns are filtered, never the whole rows."""
    found: dict[str, dict[str, int]] = {}
    for name, column in _FACETS.items():
        if column not in data.column_names:
            continue
        values: Any = data[column] if mask is None else pc.filter(data[column], mask)
        if column == _PII:
            values = pc.fill_null(values, NO_PII)
        counted: Any = pc.value_counts(values)
        counts: list[dict[str, Any]] = counted.to_pylist()
        found[name] = {_facet_key(c["values"]): int(c["counts"]) for c in counts}
    return found


def _facet_key(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _sort_indices(data: pa.Table, sort: str) -> Any:
    column = sort.removeprefix("-")
    if column not in data.column_names or column.startswith(_HIDDEN):
        raise ConfigError(f"cannot sort by '{column[:40]}': not a column of these rows")
    order: Literal["ascending", "descending"] = (
        "descending" if sort.startswith("-") else "ascending"
    )
    try:
        return pc.sort_indices(data, [(column, order)])
    except pa.ArrowNotImplementedError:  # a list or struct column has no order
        raise ConfigError(f"cannot sort by '{column[:40]}': its values have no order") from None


def _project(rows: pa.Table, fields: tuple[str, ...]) -> pa.Table:
    hidden = [name for name in rows.column_names if name.startswith(_HIDDEN)]
    if hidden:
        rows = rows.drop_columns(hidden)
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
