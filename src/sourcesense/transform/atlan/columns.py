"""Column entities, under their table, view, materialised view or partition, built by Arrow
a record batch at a time (columnar.py): the bulk of a catalog's entities, with no Python
work per column."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, key_column, relation_key
from sourcesense.transform.atlan.columnar import (
    Lines,
    boolean,
    escaped,
    join,
    number,
    optional,
    quoted,
    runs_of,
)  # fmt: skip
from sourcesense.transform.atlan.common import (
    TABLE_TYPES,
    Item,
    Relation,
    RelationName,
    context,
    ref,
    root_table,
)  # fmt: skip
from sourcesense.transform.atlan.profiles import profile_fragments

COLUMN_PARENT = {
    "Table": "table",
    "View": "view",
    "MaterialisedView": "materialisedView",
    "TablePartition": "tablePartition",
}
COLUMN_FIELDS = [
    "catalog_name", "schema_name", "table_name", "column_name", "ordinal", "data_type",
    "is_nullable", "max_length", "numeric_precision", "numeric_scale", "comment",
]  # fmt: skip
BATCH_ROWS = 10_000


@dataclass
class _Fragments:
    """Per relation (by index): its key, and the JSON text before and after a column's own
    attributes."""

    keys: list[str]
    head: Any  # `, "qualifiedName": "<parent qn>/` (the column name follows)
    middle: Any  # `", ` and the connection, sync, database and schema attributes
    tail: Any  # from `, "tableName": ...` to the parent reference

    @classmethod
    def of(
        cls, names: list[RelationName], parents: dict[RelationName, tuple[str, RelationName]],
        connection: str, base: dict[str, Any],
    ) -> _Fragments:  # fmt: skip
        keys, head, middle, tail = [], [], [], []
        for name in names:
            keys.append(relation_key(*name))
            parts = _relation_parts(name, parents[name], connection, base)
            head.append(parts[0])
            middle.append(parts[1])
            tail.append(parts[2])
        return cls(keys, *(pa.array(found, pa.string()) for found in (head, middle, tail)))


def _relation_parts(
    name: RelationName, parent: tuple[str, RelationName], connection: str, base: dict[str, Any]
) -> tuple[str, str, str]:
    """What json.dumps writes around a column's own attributes, for the columns of `name`."""
    type_name, (_, table_schema, table) = parent
    catalog, schema, own_table = name
    ctx = context(connection, catalog, schema)
    parent_qn = f"{ctx['schemaQualifiedName']}/{own_table}"
    qn_prefix = json.dumps(parent_qn + "/", ensure_ascii=False)[:-1]
    head = f', "qualifiedName": {qn_prefix}'
    shared = _shared(json.dumps(base, ensure_ascii=False), connection, catalog, schema)
    name_key = "viewName" if type_name in ("View", "MaterialisedView") else "tableName"
    after = {
        name_key: table if type_name == "TablePartition" else own_table,
        name_key.replace("Name", "QualifiedName"): (
            f"{ctx['databaseQualifiedName']}/{table_schema}/{table}"
        ),
        COLUMN_PARENT[type_name]: ref(type_name, parent_qn),
    }
    return head, '", ' + shared, ", " + json.dumps(after, ensure_ascii=False)[1:-1]


@functools.lru_cache(maxsize=1024)
def _shared(base: str, connection: str, catalog: str, schema: str) -> str:
    """The connection, sync, database and schema attributes: one text per schema."""
    ctx = context(connection, catalog, schema)
    return json.dumps(json.loads(base) | ctx, ensure_ascii=False)[1:-1]


def column_items(
    run_dir: Path, relations: list[Relation], connection: str, base: dict[str, Any],
    reused: frozenset[str], pii_tags: Mapping[str, str],
) -> Iterator[Item]:  # fmt: skip
    """Column entities in columns.parquet order, then the columns of partitions (which
    columns.parquet leaves out: they are their partitioned table's) in relations order. Each
    reused relation's columns are copied where that order puts them, so the file reads as if
    every column were built anew."""
    parents = _parents(relations)
    order = [key for key, (kind, _) in parents.items() if kind != "TablePartition"]
    partitions = [key for key, (kind, _) in parents.items() if kind == "TablePartition"]
    wanted = {relation_key(*key) for key in parents} - reused
    only = wanted if reused else None
    builder = _Builder(run_dir, only, pii_tags)
    fragments = _Fragments.of(order, parents, connection, base)
    position = {key: number_ for number_, key in enumerate(fragments.keys)}
    copied = 0  # relations before this position have had their reused columns copied
    for batch in _batches(run_dir / "raw" / "columns.parquet", only):
        index = pc.index_in(key_column(batch), value_set=pa.array(fragments.keys, pa.string()))
        for run in builder.runs(batch, index, fragments):
            here = position[run[0]]
            for earlier in fragments.keys[copied:here]:
                if earlier in reused:
                    yield earlier, "Column", None
            copied = max(copied, here + 1)
            yield run[0], "Column", Lines([run])
    for rest in fragments.keys[copied:]:
        if rest in reused:
            yield rest, "Column", None
    yield from _partition_columns(run_dir, partitions, parents, reused, builder, connection, base)


def _partition_columns(
    run_dir: Path, partitions: list[RelationName],
    parents: dict[RelationName, tuple[str, RelationName]], reused: frozenset[str],
    builder: _Builder, connection: str, base: dict[str, Any],
) -> Iterator[Item]:  # fmt: skip
    """Each partition's columns: its partitioned table's, under the partition."""
    built = [p for p in partitions if relation_key(*p) not in reused]
    roots = sorted({relation_key(*parents[p][1]) for p in built})
    lines: dict[str, tuple[str, int, bytes]] = {}
    if roots:
        table = pa.concat_tables(_batches(run_dir / "raw" / "columns.parquet", set(roots)))
        root_of = pc.index_in(key_column(table), value_set=pa.array(roots, pa.string()))
        root_rows = [
            pc.indices_nonzero(pc.equal(root_of, pa.scalar(n, pa.int32())))
            for n in range(len(roots))
        ]
        take, owner = [], []
        for number_, partition in enumerate(built):
            rows = root_rows[roots.index(relation_key(*parents[partition][1]))]
            take.append(rows)
            owner.append(pa.repeat(pa.scalar(number_, pa.int64()), len(rows)))
        fragments = _Fragments.of(built, parents, connection, base)
        if sum(len(rows) for rows in take):
            rows_taken = table.take(pa.concat_arrays(take))
            index = pa.concat_arrays(owner)
            lines = {run[0]: run for run in builder.runs(rows_taken, index, fragments)}
    for partition in partitions:
        key = relation_key(*partition)
        if key in reused:
            yield key, "Column", None
        elif key in lines:
            yield key, "Column", Lines([lines[key]])


class _Builder:
    """Column lines of record batches, with the key flags and profiles of the run."""

    def __init__(self, run_dir: Path, only: set[str] | None, pii_tags: Mapping[str, str]) -> None:
        self.primary, self.foreign = _key_columns(run_dir, only)
        self.profiles = profile_fragments(run_dir, only, pii_tags)

    def runs(
        self, batch: pa.Table, index: Any, fragments: _Fragments
    ) -> list[tuple[str, int, bytes]]:
        names = batch.column("column_name")
        full = join([pc.take(pa.array(fragments.keys, pa.string()), index), "\x1f", names])
        profile = self.profiles.parts(full)
        parts = [
            '{"typeName": "Column", "attributes": {"name": ', quoted(names),
            pc.take(fragments.head, index), escaped(names), pc.take(fragments.middle, index),
            optional("description", quoted(batch.column("comment"))),
            optional("dataType", quoted(batch.column("data_type"))),
            optional("order", number(batch.column("ordinal"))),
            optional("isNullable", boolean(batch.column("is_nullable"))),
            ', "isPrimary": ', boolean(pc.is_in(full, value_set=self.primary)),
            ', "isForeign": ', boolean(pc.is_in(full, value_set=self.foreign)),
            optional("maxLength", number(batch.column("max_length"))),
            optional("precision", number(batch.column("numeric_precision"))),
            optional("numericScale", number(batch.column("numeric_scale"))),
            pc.take(fragments.tail, index),
            profile[0], "}", profile[1], "}\n",
        ]  # fmt: skip
        return runs_of(join(parts), index, fragments.keys)


def _parents(relations: list[Relation]) -> dict[RelationName, tuple[str, RelationName]]:
    """Each relation's typeName, and the table its columns name in tableName: the relation
    itself, or for a partition the partitioned table it belongs to."""
    by_name = {(r["catalog_name"], r["schema_name"], r["table_name"]): r for r in relations}
    found = {}
    for name, rel in by_name.items():
        if rel["is_partition"]:
            found[name] = ("TablePartition", root_table(rel, by_name))
        else:
            found[name] = (TABLE_TYPES[rel["kind"]], name)
    return found


def _key_columns(run_dir: Path, only: set[str] | None) -> tuple[Any, Any]:
    """The columns of primary keys and of foreign keys, as `relation key\x1fcolumn`."""
    path = run_dir / "raw" / "constraints.parquet"
    if not path.exists():
        return pa.array([], pa.string()), pa.array([], pa.string())
    fields = ["catalog_name", "schema_name", "table_name", "constraint_type", "columns"]
    table = pq.read_table(path, columns=fields)
    if only is not None:
        table = keep_keys(table, only)
    found = []
    for kind in ("primary_key", "foreign_key"):
        these = table.filter(pc.equal(table.column("constraint_type"), pa.scalar(kind)))
        columns = these.column("columns").combine_chunks()
        keys = pc.take(key_column(these), pc.list_parent_indices(columns))
        found.append(pc.unique(join([keys, "\x1f", pc.list_flatten(columns)])))
    return found[0], found[1]


def _batches(path: Path, only: set[str] | None) -> Iterator[pa.Table]:
    """Record batches of a Parquet file (bounded memory on any catalog); with `only`, just
    the rows of those relations."""
    if not path.exists():
        return
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=COLUMN_FIELDS):
        table = pa.Table.from_batches([batch])
        yield table if only is None else keep_keys(table, only)
