"""Column entities, under their table, view, materialised view or partition."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, relation_key
from sourcesense.store.readers import read_rows
from sourcesense.transform.atlan.common import (
    TABLE_TYPES,
    Entity,
    Item,
    Relation,
    RelationName,
    context,
    entity,
    ref,
    root_table,
)  # fmt: skip
from sourcesense.transform.atlan.profiles import Profile, profiles

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


def column_items(
    run_dir: Path, relations: list[Relation], connection: str, base: dict[str, Any],
    reused: frozenset[str], pii_tags: Mapping[str, str],
) -> Iterator[Item]:  # fmt: skip
    """Column entities in columns.parquet order, then the columns of partitions (which
    columns.parquet leaves out: they are their partitioned table's) in relations order. Each
    reused relation's columns are copied where that order puts them, so the file reads as if
    every column were built anew."""
    parents = _parents(relations)
    order = [relation_key(*key) for key, (kind, _) in parents.items() if kind != "TablePartition"]
    partitions = [key for key, (kind, _) in parents.items() if kind == "TablePartition"]
    wanted = {relation_key(*key) for key in parents} - reused
    only = wanted if reused else None
    position = {key: index for index, key in enumerate(order)}
    primary, foreign = _key_columns(run_dir, only)
    found = profiles(run_dir, only, pii_tags)

    def build(col: dict[str, Any], key: RelationName) -> Entity:
        full = (*key, col["column_name"])
        keys = (full in primary, full in foreign)
        return _column_entity(col, connection, base, parents[key], keys, found.get(full, Profile()))

    copied = 0  # relations before this position have had their reused columns copied
    for col in batched_rows(run_dir / "raw" / "columns.parquet", COLUMN_FIELDS, only):
        key = (col["catalog_name"], col["schema_name"], col["table_name"])
        here = position[relation_key(*key)]
        for earlier in order[copied:here]:
            if earlier in reused:
                yield earlier, "Column", None
        copied = max(copied, here + 1)
        yield relation_key(*key), "Column", build(col, key)
    for rest in order[copied:]:
        if rest in reused:
            yield rest, "Column", None
    yield from _partition_columns(run_dir, partitions, parents, reused, build)


def _partition_columns(
    run_dir: Path, partitions: list[RelationName],
    parents: dict[RelationName, tuple[str, RelationName]], reused: frozenset[str],
    build: Callable[[dict[str, Any], RelationName], Entity],
) -> Iterator[Item]:  # fmt: skip
    """Each partition's columns: its partitioned table's, under the partition."""
    keys = {partition: relation_key(*partition) for partition in partitions}
    roots = {relation_key(*parents[p][1]) for p in partitions if keys[p] not in reused}
    by_root: dict[RelationName, list[dict[str, Any]]] = {}
    if roots:
        for col in batched_rows(run_dir / "raw" / "columns.parquet", COLUMN_FIELDS, roots):
            key = (col["catalog_name"], col["schema_name"], col["table_name"])
            by_root.setdefault(key, []).append(col)
    for partition in partitions:
        if keys[partition] in reused:
            yield keys[partition], "Column", None
            continue
        for col in by_root.get(parents[partition][1], []):
            mine = col | {"schema_name": partition[1], "table_name": partition[2]}
            yield keys[partition], "Column", build(mine, partition)


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


def _column_entity(
    col: dict[str, Any], connection: str, base: dict[str, Any],
    parent: tuple[str, RelationName], keys: tuple[bool, bool], profile: Profile,
) -> Entity:  # fmt: skip
    type_name, (_, table_schema, table) = parent
    ctx = context(connection, col["catalog_name"], col["schema_name"])
    parent_qn = f"{ctx['schemaQualifiedName']}/{col['table_name']}"
    name_key = "viewName" if type_name in ("View", "MaterialisedView") else "tableName"
    attributes = (
        ctx
        | {
            "description": col["comment"],
            "dataType": col["data_type"],
            "order": col["ordinal"],
            "isNullable": col["is_nullable"],
            "isPrimary": keys[0],
            "isForeign": keys[1],
            "maxLength": col["max_length"],
            "precision": col["numeric_precision"],
            "numericScale": col["numeric_scale"],
            name_key: table if type_name == "TablePartition" else col["table_name"],
            name_key.replace("Name", "QualifiedName"): (
                f"{ctx['databaseQualifiedName']}/{table_schema}/{table}"
            ),
            COLUMN_PARENT[type_name]: ref(type_name, parent_qn),
        }
        | profile.attributes
    )
    found = entity("Column", col["column_name"], f"{parent_qn}/{col['column_name']}", base,
                   **attributes)  # fmt: skip
    if profile.tags:
        found["classifications"] = [{"typeName": tag} for tag in profile.tags]
    return found


def _key_columns(
    run_dir: Path, only: set[str] | None
) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    primary: set[tuple[str, ...]] = set()
    foreign: set[tuple[str, ...]] = set()
    fields = ["catalog_name", "schema_name", "table_name", "constraint_type", "columns"]
    for con in read_rows(run_dir, "raw/constraints.parquet", fields, only):
        target = primary if con["constraint_type"] == "primary_key" else foreign
        if con["constraint_type"] in ("primary_key", "foreign_key"):
            for column in con["columns"]:
                target.add((con["catalog_name"], con["schema_name"], con["table_name"], column))
    return primary, foreign


def batched_rows(
    path: Path, columns: list[str], only: set[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet file, a record batch at a time: bounded memory on any catalog. With
    `only`, just the rows of those relations."""
    if not path.exists():
        return
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000, columns=columns):
        table = pa.Table.from_batches([batch])
        yield from (table if only is None else keep_keys(table, only)).to_pylist()
