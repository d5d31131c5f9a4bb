"""Every entity of a run in parent-before-child order: databases, schemas, tables, views,
materialised views and partitions; then columns, lineage processes and routines."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sourcesense.incremental.fingerprints import relation_key
from sourcesense.store.readers import raw
from sourcesense.transform.atlan.columnar import Lines
from sourcesense.transform.atlan.columns import column_items
from sourcesense.transform.atlan.common import (
    TABLE_TYPES,
    Connection,
    Entity,
    Item,
    Relation,
    RelationName,
    context,
    entity,
    ref,
    root_table,
    row_count,
)  # fmt: skip
from sourcesense.transform.atlan.processes import process_items
from sourcesense.transform.atlan.routines import routine_entities
from sourcesense.transform.atlan.security import (
    SECURITY_FIELDS,
    custom_attributes,
    policies_by_relation,
)

# What the entities of relations, their columns and their processes read (the others, such as
# privileges, would only take memory: a Python object per field and relation).
RELATION_FIELDS = [
    "catalog_name", "schema_name", "table_name", "kind", "is_partition", "comment",
    "column_count", "row_estimate", "size_bytes", "owner", "partition_strategy",
    "partition_count", "parent_schema", "parent_table", "partition_bound", "definition",
    *SECURITY_FIELDS,
]  # fmt: skip


def iter_entities(run_dir: Path, connection: Connection) -> Iterator[Entity]:
    """Every entity, in parent-before-child order."""
    for _, _, found in atlan_items(run_dir, connection):
        if isinstance(found, Lines):
            yield from (json.loads(line) for line in found.split())
        elif found is not None:
            yield found


def atlan_items(
    run_dir: Path, connection: Connection, reused: frozenset[str] = frozenset(),
    pii_tags: Mapping[str, str] | None = None,
) -> Iterator[Item]:  # fmt: skip
    """Every entity in parent-before-child order; those of the relations in `reused` (their
    own, their columns' and their lineage processes') as None, to be copied from the
    previous run."""
    base = connection.base()
    qn = connection.qualified_name
    relations = raw(run_dir, "relations", RELATION_FIELDS)
    schemas = raw(run_dir, "schemas")
    schema_count = Counter(schema["catalog_name"] for schema in schemas)
    for db in raw(run_dir, "databases"):
        yield None, "Database", entity(
            "Database", db["catalog_name"], f"{qn}/{db['catalog_name']}", base,
            description=db["comment"], sourceCreatedBy=db["owner"],
            schemaCount=schema_count[db["catalog_name"]],
        )  # fmt: skip
    for found in _schema_entities(schemas, relations, qn, base):
        yield None, "Schema", found
    yield from _relation_items(relations, qn, base, reused, policies_by_relation(run_dir))
    yield from column_items(run_dir, relations, qn, base, reused, pii_tags or {})
    yield from process_items(run_dir, relations, qn, base, reused)
    for found in routine_entities(raw(run_dir, "routines"), qn, base):
        yield None, found["typeName"], found


def _schema_entities(
    schemas: list[dict[str, Any]], relations: list[Relation], connection: str,
    base: dict[str, Any],
) -> list[Entity]:  # fmt: skip
    kinds: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for rel in relations:
        if not rel["is_partition"]:
            kinds[(rel["catalog_name"], rel["schema_name"])][TABLE_TYPES[rel["kind"]]] += 1
    out = []
    for schema in schemas:
        ctx = context(connection, schema["catalog_name"])
        counts = kinds[(schema["catalog_name"], schema["schema_name"])]
        out.append(
            entity(
                "Schema", schema["schema_name"],
                f"{ctx['databaseQualifiedName']}/{schema['schema_name']}", base | ctx,
                description=schema["comment"], sourceCreatedBy=schema["owner"],
                tableCount=counts["Table"], viewsCount=counts["View"] + counts["MaterialisedView"],
                database=ref("Database", ctx["databaseQualifiedName"]),
            )
        )  # fmt: skip
    return out


def _relation_items(
    relations: list[Relation], connection: str, base: dict[str, Any], reused: frozenset[str],
    policies: Mapping[str, list[dict[str, Any]]],
) -> Iterator[Item]:  # fmt: skip
    by_name = {(r["catalog_name"], r["schema_name"], r["table_name"]): r for r in relations}
    for rel in relations:
        key = relation_key(rel["catalog_name"], rel["schema_name"], rel["table_name"])
        type_name = "TablePartition" if rel["is_partition"] else TABLE_TYPES[rel["kind"]]
        if key in reused:
            yield key, type_name, None
            continue
        ctx = context(connection, rel["catalog_name"], rel["schema_name"])
        qn = f"{ctx['schemaQualifiedName']}/{rel['table_name']}"
        attributes = ctx | {
            "description": rel["comment"], "columnCount": rel["column_count"],
            "rowCount": row_count(rel["row_estimate"]), "sizeBytes": rel["size_bytes"],
            "sourceCreatedBy": rel["owner"],
        }  # fmt: skip
        if rel["kind"] in ("table", "partitioned_table", "foreign_table"):
            attributes |= {
                "isPartitioned": rel["kind"] == "partitioned_table",
                "partitionStrategy": rel["partition_strategy"],
                "partitionCount": rel["partition_count"],
            }
        if rel["is_partition"]:
            attributes |= _partition_parent(rel, by_name, ctx["databaseQualifiedName"])
        else:
            if rel["kind"] in ("view", "materialized_view"):
                attributes["definition"] = rel["definition"]
            attributes["atlanSchema"] = ref("Schema", ctx["schemaQualifiedName"])
        found = entity(type_name, rel["table_name"], qn, base, **attributes)
        custom = custom_attributes(rel, policies.get(key, []))
        yield key, type_name, found | {"customAttributes": custom} if custom else found


def _partition_parent(
    rel: Relation, by_name: Mapping[RelationName, Relation], db_qn: str
) -> dict[str, Any]:
    """A partition hangs off its table, or off its parent partition when sub-partitioned;
    tableName names the partitioned table it belongs to."""
    parent = by_name.get((rel["catalog_name"], rel["parent_schema"], rel["parent_table"]))
    parent_qn = f"{db_qn}/{rel['parent_schema']}/{rel['parent_table']}"
    if parent is not None and parent["is_partition"]:
        link = {"parentTablePartition": ref("TablePartition", parent_qn)}
    else:
        link = {"parentTable": ref("Table", parent_qn)}
    _, schema, table = root_table(rel, by_name)
    return link | {
        "constraint": rel["partition_bound"],
        "tableName": table,
        "tableQualifiedName": f"{db_qn}/{schema}/{table}",
    }
