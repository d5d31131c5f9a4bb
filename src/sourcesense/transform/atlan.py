"""Atlan entities: one JSON entity per line under transformed/atlan/<typeName>/entities.json.

Conventions: the connection is `default/postgres/<epoch seconds of the run>` (option
`atlan_connection`); every asset sits one path segment below its parent; partitions sit flat at
table level; columns under their table, view or materialised view; routines under
`<schema>/_procedures_/<name>` and `<schema>/_functions_/<name>` (an overloaded name gets its
argument types appended). Parents are referenced as {"typeName", "uniqueAttributes"}.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, relation_key
from sourcesense.incremental.lines import LineFiles, PreviousLines
from sourcesense.incremental.reuse import commit, plan_reuse
from sourcesense.quality.assess import QUALITY_STEP
from sourcesense.store.history import previous_run
from sourcesense.store.readers import raw, read_rows
from sourcesense.transform.context import TransformContext, TransformOutput, write_json_lines

Entity = dict[str, Any]
TABLE_TYPES = {
    "table": "Table",
    "partitioned_table": "Table",
    "foreign_table": "Table",
    "view": "View",
    "materialized_view": "MaterialisedView",
}
COLUMN_PARENT = {
    "Table": "table",
    "View": "view",
    "MaterialisedView": "materialisedView",
    "TablePartition": "tablePartition",
}


# Where each relation's entity lines are, for the next run to copy them.
_INDEX = Path("incremental") / "atlan.lines.parquet"


def default_connection(run_dir: Path, manifest: dict[str, Any]) -> str:
    """The connection of the first run of this scope, so that re-runs describe the same
    assets: `default/postgres/<epoch seconds of that run>`."""
    previous = previous_run(run_dir.parent.parent, manifest)
    if previous is not None:
        formats = previous.get("steps", {}).get("transformation", {}).get("formats", {})
        inherited = formats.get("atlan", {}).get("connection")
        if inherited:
            return str(inherited)
    epoch = int(datetime.fromisoformat(manifest["started_at"]).timestamp())
    return f"default/postgres/{epoch}"


def ref(type_name: str, qualified_name: str) -> dict[str, Any]:
    return {"typeName": type_name, "uniqueAttributes": {"qualifiedName": qualified_name}}


def transform_atlan(ctx: TransformContext) -> TransformOutput:
    connection = ctx.options.get("atlan_connection") or default_connection(
        ctx.run_dir, ctx.manifest
    )
    batch = int(ctx.options.get("atlan_bulk_batch_size", "0") or 0)
    reuse = plan_reuse(ctx.run_dir, "atlan", {"connection": connection}, ctx.incremental,
                       reads=[QUALITY_STEP])  # fmt: skip
    previous = PreviousLines(reuse, "transformed/atlan", _INDEX)
    remove_stale = ctx.options.get("atlan_remove_stale") == "true"
    writer = EntityWriter(ctx.out_dir, batch, previous, keep_names=remove_stale)
    try:
        for relation, type_name, entity in atlan_items(ctx.run_dir, connection, reuse.keys):
            ctx.check_stop()
            writer.add(relation, type_name, entity)
    finally:
        writer.close(ctx.run_dir / _INDEX)
        previous.close()
    files = {f"transformed/atlan/{name}": ctx.out_dir / name for name in writer.lines.files()}
    commit(ctx.run_dir, reuse, files | {str(_INDEX): ctx.run_dir / _INDEX})
    output = TransformOutput(files=writer.files, entities=writer.lines.lines,
                             details={"connection": connection})  # fmt: skip
    if writer.names is not None:
        deletions, output.warnings = stale_assets(
            ctx.run_dir, ctx.manifest, ctx.options, writer.names
        )
        if deletions is not None:
            write_json_lines(ctx.out_dir / "deletions.json", deletions)
            output.files += 1
    return output


class EntityWriter:
    """Streams entities into transformed/atlan/<typeName>/entities.json (and bulk batches):
    a catalog of 200,000 columns never sits in memory whole. An entity given as None is
    copied, as it was, from the previous run's file. Names are kept only when asked for."""

    def __init__(
        self, folder: Path, batch_size: int, previous: PreviousLines, keep_names: bool
    ) -> None:
        self.folder, self.batch_size, self.previous = folder, batch_size, previous
        self.lines = LineFiles(folder)
        self.names: set[tuple[str, str]] | None = set() if keep_names else None
        self.batch: list[str] = []
        self.batches = 0

    @property
    def files(self) -> int:
        return len(self.lines.files()) + self.batches

    def add(self, relation: str | None, type_name: str, entity: Entity | None) -> None:
        file = f"{type_name}/entities.json"
        if entity is None:
            assert relation is not None
            for count, data in self.previous.take(file, relation):
                self.lines.copy(file, relation, count, data)
                if self.batch_size > 0 or self.names is not None:
                    for line in data.decode("utf-8").splitlines():
                        self._remember(type_name, line, None)
            return
        line = json.dumps(entity, ensure_ascii=False)
        self.lines.write(file, relation, line)
        self._remember(type_name, line, entity)

    def _remember(self, type_name: str, line: str, entity: Entity | None) -> None:
        if self.names is not None:
            found = entity or json.loads(line)
            self.names.add((type_name, found["attributes"]["qualifiedName"]))
        self._to_batch(line)

    def _to_batch(self, line: str) -> None:
        if self.batch_size > 0:
            self.batch.append(line)
            if len(self.batch) >= self.batch_size:
                self._flush_batch()

    def _flush_batch(self) -> None:
        """Bulk-API payloads, parents before children so batches can be posted in order."""
        if not self.batch:
            return
        self.batches += 1
        folder = self.folder / "bulk"
        folder.mkdir(exist_ok=True)
        # What json.dumps({"entities": [...]}) writes, from the entities' own lines.
        payload = '{"entities": [' + ", ".join(self.batch) + "]}"
        (folder / f"batch-{self.batches:05d}.json").write_text(payload, encoding="utf-8")
        self.batch = []

    def close(self, index: Path) -> None:
        self._flush_batch()
        self.lines.close(index)


def stale_assets(
    run_dir: Path, manifest: dict[str, Any], options: dict[str, str], names: set[tuple[str, str]]
) -> tuple[list[Entity] | None, list[str]]:
    """Assets of the previous run of the same scope that this run no longer has.

    Only from a run without errors, against a previous successful run with the same source,
    filters and database selection, and under a connection name that does not change per run:
    anything less could delete assets that still exist.
    """
    if "atlan_connection" not in options:
        return None, ["atlan: stale-asset removal skipped: it needs a fixed --atlan-connection"]
    databases_ok = all(db["status"] == "completed" for db in manifest["databases"])
    if manifest["status"] == "failed" or manifest["errors"] or not databases_ok:
        return None, ["atlan: stale-asset removal skipped: this run did not complete cleanly"]
    previous = previous_run(run_dir.parent.parent, manifest)
    if previous is None:
        return None, ["atlan: stale-asset removal skipped: no earlier run of the same scope"]
    current = {qualified_name for _, qualified_name in names}
    gone = []
    for entity in iter_entities(run_dir.parent / previous["run_id"], options["atlan_connection"]):
        qualified_name = entity["attributes"]["qualifiedName"]
        if qualified_name not in current:
            gone.append(ref(entity["typeName"], qualified_name))
    return gone, []


# (relation key or None, typeName, the entity or None to copy the previous run's)
Item = tuple[str | None, str, Entity | None]


def iter_entities(run_dir: Path, connection: str) -> Iterator[Entity]:
    """Every entity, in parent-before-child order."""
    for _, _, entity in atlan_items(run_dir, connection):
        if entity is not None:
            yield entity


def atlan_items(
    run_dir: Path, connection: str, reused: frozenset[str] = frozenset()
) -> Iterator[Item]:
    """Every entity in parent-before-child order; those of the relations in `reused` (their
    own and their columns') as None, to be copied from the previous run."""
    base = {"connectorName": "postgres", "connectionQualifiedName": connection}
    relations = raw(run_dir, "relations")
    for db in raw(run_dir, "databases"):
        qualified_name = f"{connection}/{db['catalog_name']}"
        yield (
            None,
            "Database",
            _entity(
                "Database", db["catalog_name"], qualified_name, base, description=db["comment"]
            ),
        )
    for entity in _schema_entities(run_dir, relations, connection, base):
        yield None, "Schema", entity
    yield from _relation_items(relations, connection, base, reused)
    yield from _column_items(run_dir, relations, connection, base, reused)
    for entity in _routine_entities(raw(run_dir, "routines"), connection, base):
        yield None, entity["typeName"], entity


def _entity(
    type_name: str, name: str, qualified_name: str, base: dict[str, Any], **attributes: Any
) -> Entity:
    values = {"name": name, "qualifiedName": qualified_name, **base, **attributes}
    return {"typeName": type_name, "attributes": {k: v for k, v in values.items() if v is not None}}


def _context(connection: str, catalog: str, schema: str | None = None) -> dict[str, Any]:
    db_qn = f"{connection}/{catalog}"
    context = {"databaseName": catalog, "databaseQualifiedName": db_qn}
    if schema is not None:
        context |= {"schemaName": schema, "schemaQualifiedName": f"{db_qn}/{schema}"}
    return context


def _schema_entities(
    run_dir: Path, relations: list[dict[str, Any]], connection: str, base: dict[str, Any]
) -> list[Entity]:
    kinds: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for rel in relations:
        if not rel["is_partition"]:
            kinds[(rel["catalog_name"], rel["schema_name"])][TABLE_TYPES[rel["kind"]]] += 1
    out = []
    for schema in raw(run_dir, "schemas"):
        ctx = _context(connection, schema["catalog_name"])
        counts = kinds[(schema["catalog_name"], schema["schema_name"])]
        out.append(
            _entity(
                "Schema",
                schema["schema_name"],
                f"{ctx['databaseQualifiedName']}/{schema['schema_name']}",
                base | ctx,
                description=schema["comment"],
                tableCount=counts["Table"],
                viewsCount=counts["View"] + counts["MaterialisedView"],
                database=ref("Database", ctx["databaseQualifiedName"]),
            )
        )
    return out


def _relation_items(
    relations: list[dict[str, Any]], connection: str, base: dict[str, Any],
    reused: frozenset[str],
) -> Iterator[Item]:  # fmt: skip
    by_name = {(r["catalog_name"], r["schema_name"], r["table_name"]): r for r in relations}
    for rel in relations:
        key = relation_key(rel["catalog_name"], rel["schema_name"], rel["table_name"])
        type_name = "TablePartition" if rel["is_partition"] else TABLE_TYPES[rel["kind"]]
        if key in reused:
            yield key, type_name, None
            continue
        ctx = _context(connection, rel["catalog_name"], rel["schema_name"])
        qn = f"{ctx['schemaQualifiedName']}/{rel['table_name']}"
        attributes = ctx | {
            "description": rel["comment"], "columnCount": rel["column_count"],
            "rowCount": rel["row_estimate"], "sizeBytes": rel["size_bytes"],
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
        yield key, type_name, _entity(type_name, rel["table_name"], qn, base, **attributes)


def _partition_parent(
    rel: dict[str, Any], by_name: dict[tuple[str, str, str], dict[str, Any]], db_qn: str
) -> dict[str, Any]:
    """A partition hangs off its table, or off its parent partition when sub-partitioned."""
    parent = by_name.get((rel["catalog_name"], rel["parent_schema"], rel["parent_table"]))
    parent_qn = f"{db_qn}/{rel['parent_schema']}/{rel['parent_table']}"
    if parent is not None and parent["is_partition"]:
        link = {"parentTablePartition": ref("TablePartition", parent_qn)}
    else:
        link = {"parentTable": ref("Table", parent_qn)}
    return link | {"constraint": rel["partition_bound"]}


COLUMN_FIELDS = [
    "catalog_name", "schema_name", "table_name", "column_name", "ordinal", "data_type",
    "is_nullable", "max_length", "numeric_precision", "numeric_scale", "comment",
]  # fmt: skip


def _column_items(
    run_dir: Path, relations: list[dict[str, Any]], connection: str, base: dict[str, Any],
    reused: frozenset[str],
) -> Iterator[Item]:  # fmt: skip
    """Column entities in columns.parquet order; each reused relation's columns are copied
    where that order puts them, so the file reads as if every column were built anew."""
    parent_type = {
        (r["catalog_name"], r["schema_name"], r["table_name"]): TABLE_TYPES[r["kind"]]
        for r in relations
    }
    order = [relation_key(*key) for key in parent_type]
    only = set(order) - reused if reused else None
    position = {key: index for index, key in enumerate(order)}
    primary, foreign = _key_columns(run_dir, only)
    profiles = _profiles(run_dir, only)
    copied = 0  # relations before this position have had their reused columns copied
    for col in _batched_rows(run_dir / "raw" / "columns.parquet", COLUMN_FIELDS, only):
        key = (col["catalog_name"], col["schema_name"], col["table_name"])
        here = position[relation_key(*key)]
        for earlier in order[copied:here]:
            if earlier in reused:
                yield earlier, "Column", None
        copied = max(copied, here + 1)
        full = (*key, col["column_name"])
        yield relation_key(*key), "Column", _column_entity(
            col, connection, base, parent_type[key], full in primary, full in foreign,
            profiles.get(full, {}),
        )  # fmt: skip
    for rest in order[copied:]:
        if rest in reused:
            yield rest, "Column", None


def _column_entity(
    col: dict[str, Any], connection: str, base: dict[str, Any], type_name: str,
    primary: bool, foreign: bool, profile: dict[str, Any],
) -> Entity:  # fmt: skip
    ctx = _context(connection, col["catalog_name"], col["schema_name"])
    parent_qn = f"{ctx['schemaQualifiedName']}/{col['table_name']}"
    name_key = "tableName" if type_name == "Table" else "viewName"
    attributes = (
        ctx
        | {
            "description": col["comment"],
            "dataType": col["data_type"],
            "order": col["ordinal"],
            "isNullable": col["is_nullable"],
            "isPrimary": primary,
            "isForeign": foreign,
            "maxLength": col["max_length"],
            "precision": col["numeric_precision"],
            "numericScale": col["numeric_scale"],
            name_key: col["table_name"],
            name_key.replace("Name", "QualifiedName"): parent_qn,
            COLUMN_PARENT[type_name]: ref(type_name, parent_qn),
        }
        | profile
    )
    return _entity("Column", col["column_name"], f"{parent_qn}/{col['column_name']}", base,
                   **attributes)  # fmt: skip


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


# quality/column_profiles.parquet field -> Atlan Column attribute
QUALITY_ATTRIBUTES = {
    "n_distinct": "columnDistinctValuesCountLong",
    "null_count": "columnMissingValuesCountLong",
    "null_ratio": "columnMissingValuesPercentage",
    "min_value": "columnMin",
    "max_value": "columnMax",
    "mean": "columnMean",
    "stddev": "columnStandardDeviation",
    "avg_length": "columnAverageLength",
    "max_length": "columnMaximumStringLength",
    "min_length": "columnMinimumStringLength",
}


def _profiles(run_dir: Path, only: set[str] | None) -> dict[tuple[str, ...], dict[str, Any]]:
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    fields = ["catalog_name", "schema_name", "table_name", "column_name", "null_fraction",
              *QUALITY_ATTRIBUTES]  # fmt: skip
    for row in read_rows(run_dir, "quality/column_profiles.parquet", fields, only):
        key = (row["catalog_name"], row["schema_name"], row["table_name"], row["column_name"])
        attributes = {atlan: row.get(field) for field, atlan in QUALITY_ATTRIBUTES.items()}
        if attributes["columnDistinctValuesCountLong"] is not None:
            attributes["columnDistinctValuesCountLong"] = round(
                attributes["columnDistinctValuesCountLong"]
            )
        ratio = (
            row.get("null_ratio") if row.get("null_ratio") is not None else row.get("null_fraction")
        )
        if ratio is not None:
            attributes["columnMissingValuesPercentage"] = ratio * 100
        found[key] = {k: v for k, v in attributes.items() if v is not None}
    return found


def _routine_entities(
    routines: list[dict[str, Any]], connection: str, base: dict[str, Any]
) -> list[Entity]:
    names = Counter((r["catalog_name"], r["schema_name"], r["routine_name"]) for r in routines)
    out = []
    for routine in routines:
        ctx = _context(connection, routine["catalog_name"], routine["schema_name"])
        overloaded = (
            names[(routine["catalog_name"], routine["schema_name"], routine["routine_name"])] > 1
        )
        name = routine["routine_name"] + (
            f"({routine['identity_arguments']})" if overloaded else ""
        )
        schema_ref = ref("Schema", ctx["schemaQualifiedName"])
        if routine["kind"] == "procedure":
            out.append(
                _entity(
                    "Procedure",
                    name,
                    f"{ctx['schemaQualifiedName']}/_procedures_/{name}",
                    base,
                    **ctx,
                    description=routine["comment"],
                    definition=routine["definition"] or "",
                    subType="procedure",
                    atlanSchema=schema_ref,
                )
            )
            continue
        arguments = split_arguments(routine["arguments"] or "")
        out.append(
            _entity(
                "Function",
                name,
                f"{ctx['schemaQualifiedName']}/_functions_/{name}",
                base,
                **ctx,
                description=routine["comment"],
                functionDefinition=routine["definition"],
                functionReturnType=routine["return_type"],
                functionArguments=arguments,
                functionLanguage=routine["language"],
                functionType="Tabular"
                if (routine["return_type"] or "").startswith(("TABLE", "SETOF"))
                else "Scalar",
                functionSchema=schema_ref,
            )
        )
    return out


def split_arguments(text: str) -> list[str]:
    """'a numeric(10,2), b text' -> ['a numeric(10,2)', 'b text']: nested commas stay."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def _batched_rows(
    path: Path, columns: list[str], only: set[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet file, a record batch at a time: bounded memory on any catalog. With
    `only`, just the rows of those relations."""
    if not path.exists():
        return
    for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000, columns=columns):
        table = pa.Table.from_batches([batch])
        yield from (table if only is None else keep_keys(table, only)).to_pylist()
