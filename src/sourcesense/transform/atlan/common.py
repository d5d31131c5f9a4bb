"""What every Atlan asset family shares: the entity shape, references, the connection and
sync attributes, and the qualifiedName context of databases and schemas."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sourcesense.transform.atlan.columnar import Lines

Entity = dict[str, Any]
# (relation key or None, typeName, the entity, its lines already encoded, or None to copy the
# previous run's)
Item = tuple[str | None, str, Entity | Lines | None]

TABLE_TYPES = {
    "table": "Table",
    "partitioned_table": "Table",
    "foreign_table": "Table",
    "view": "View",
    "materialized_view": "MaterialisedView",
}
WORKFLOW_NAME = "sourcesense"
Relation = dict[str, Any]
RelationName = tuple[str, str, str]


@dataclass(frozen=True)
class Connection:
    """The Atlan connection the assets belong to, and the run that synced them."""

    qualified_name: str
    name: str
    run_id: str = ""
    run_at: int = 0  # epoch milliseconds of the run's start
    connector: str = "postgres"  # Atlan's connector type: postgres | mysql

    def base(self) -> dict[str, Any]:
        """Attributes every entity carries, in this order (see sync_fragment)."""
        return {
            "connectorName": self.connector,
            "connectionName": self.name,
            "connectionQualifiedName": self.qualified_name,
        } | self.sync()

    def sync(self) -> dict[str, Any]:
        return {
            "lastSyncRun": self.run_id,
            "lastSyncRunAt": self.run_at,
            "lastSyncWorkflowName": WORKFLOW_NAME,
        }

    def sync_fragment(self) -> bytes:
        """The sync attributes as json.dumps writes them inside an entity line: copied lines
        get the previous run's fragment replaced by this one (no parsing)."""
        return json.dumps(self.sync(), ensure_ascii=False)[1:-1].encode("utf-8")


def run_sync(manifest: dict[str, Any]) -> tuple[str, int]:
    """(run id, epoch milliseconds of its start) of a run's manifest."""
    started = datetime.fromisoformat(manifest["started_at"])
    return str(manifest["run_id"]), int(started.timestamp() * 1000)


def ref(type_name: str, qualified_name: str) -> dict[str, Any]:
    return {"typeName": type_name, "uniqueAttributes": {"qualifiedName": qualified_name}}


def entity(
    type_name: str, name: str, qualified_name: str, base: dict[str, Any], **attributes: Any
) -> Entity:
    values = {"name": name, "qualifiedName": qualified_name, **base, **attributes}
    return {"typeName": type_name, "attributes": {k: v for k, v in values.items() if v is not None}}


def context(connection: str, catalog: str, schema: str | None = None) -> dict[str, Any]:
    db_qn = f"{connection}/{catalog}"
    found = {"databaseName": catalog, "databaseQualifiedName": db_qn}
    if schema is not None:
        found |= {"schemaName": schema, "schemaQualifiedName": f"{db_qn}/{schema}"}
    return found


def row_count(estimate: int | None) -> int | None:
    """The planner's estimate, when it has one (reltuples is -1 before the first ANALYZE)."""
    return estimate if estimate is not None and estimate >= 0 else None


def root_table(rel: Relation, by_name: Mapping[RelationName, Relation]) -> RelationName:
    """The partitioned table a partition (or sub-partition) belongs to."""
    name = (rel["catalog_name"], rel["parent_schema"], rel["parent_table"])
    seen = {name}
    while (parent := by_name.get(name)) is not None and parent["is_partition"]:
        name = (parent["catalog_name"], parent["parent_schema"], parent["parent_table"])
        if name in seen:  # a cycle cannot happen in pg_inherits; never loop on bad input
            break
        seen.add(name)
    return name
