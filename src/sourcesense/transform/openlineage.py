"""OpenLineage dataset events: one per table and view, built with openlineage-python's models.

Namespace `postgres://host:port`, name `database.schema.table`; facets schema, documentation,
ownership, dataSource and (views, when lineage ran) columnLineage.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from openlineage.client.event_v2 import DatasetEvent, StaticDataset
from openlineage.client.facet_v2 import (
    DatasetFacet,
    column_lineage_dataset,
    datasource_dataset,
    documentation_dataset,
    ownership_dataset,
    schema_dataset,
)
from openlineage.client.serde import Serde

from sourcesense import __version__
from sourcesense.errors import TransformError
from sourcesense.incremental.fingerprints import relation_key
from sourcesense.incremental.lines import LineFiles, PreviousLines
from sourcesense.incremental.reuse import commit, plan_reuse
from sourcesense.store.readers import raw, read_rows
from sourcesense.transform.context import TransformContext, TransformOutput

OPENLINEAGE_VERSION = version("openlineage-python")
PRODUCER = f"https://github.com/sourcesense/sourcesense/tree/v{__version__}"


def namespace(manifest: dict[str, Any]) -> str:
    source = manifest["source"]
    return f"postgres://{source.get('host') or 'localhost'}:{source.get('port') or 5432}"


_EVENTS = "events.jsonl"
_INDEX = Path("incremental") / "openlineage.lines.parquet"
_TIME_PREFIX = b'{"eventTime": "'


def transform_openlineage(ctx: TransformContext) -> TransformOutput:
    """One event per table and view. Those unchanged since the previous run are copied from it
    with this run's eventTime (sourcesense.incremental)."""
    reuse = plan_reuse(ctx.run_dir, "openlineage", {"openlineage": OPENLINEAGE_VERSION},
                       ctx.incremental, reads=["lineage"])  # fmt: skip
    previous = PreviousLines(reuse, "transformed/openlineage", _INDEX)
    reused = frozenset(key for key in reuse.keys if previous.has(_EVENTS, key))
    lines = LineFiles(ctx.out_dir)
    event_time = ctx.manifest.get("finished_at") or ctx.manifest["started_at"]
    try:
        for key, event in _events(ctx.run_dir, ctx.manifest, reused, event_time):
            ctx.check_stop()
            if event is None:
                _copy(previous, lines, key, event_time)
            else:
                line = json.dumps(Serde.to_dict(event), ensure_ascii=False, default=str)
                lines.write(_EVENTS, key, line)
    finally:
        lines.close(ctx.run_dir / _INDEX)
        previous.close()
    files = {f"transformed/openlineage/{_EVENTS}": ctx.out_dir / _EVENTS}
    commit(ctx.run_dir, reuse, files | {str(_INDEX): ctx.run_dir / _INDEX})
    return TransformOutput(files=1, entities=lines.lines)


def _copy(previous: PreviousLines, lines: LineFiles, key: str, event_time: str) -> None:
    """Copy the relation's previous event with this run's eventTime."""
    for count, data in previous.take(_EVENTS, key):
        end = data.find(b'"', len(_TIME_PREFIX))
        if count != 1 or not data.startswith(_TIME_PREFIX) or end < 0:
            # Events are written by the same library version (part of the signature).
            name = key.replace("\x1f", ".")
            raise TransformError(f"the previous run's event of {name} cannot be copied")
        lines.copy(_EVENTS, key, 1, _TIME_PREFIX + event_time.encode() + data[end:])


def build_events(run_dir: Path, manifest: dict[str, Any]) -> list[DatasetEvent]:
    event_time = manifest.get("finished_at") or manifest["started_at"]
    return [event for _, event in _events(run_dir, manifest, frozenset(), event_time) if event]


def _events(
    run_dir: Path, manifest: dict[str, Any], reused: frozenset[str], event_time: str
) -> Iterator[tuple[str, DatasetEvent | None]]:
    """(relation key, its event) of every table and view in relations.parquet order; the
    event is None for the relations in `reused`."""
    relations = [rel for rel in raw(run_dir, "relations") if not rel["is_partition"]]
    keys = [relation_key(r["catalog_name"], r["schema_name"], r["table_name"]) for r in relations]
    only = set(keys) - reused if reused else None
    ns = namespace(manifest)
    columns: dict[str, list[dict[str, Any]]] = defaultdict(list)
    fields = ["catalog_name", "schema_name", "table_name", "column_name", "data_type", "comment",
              "ordinal"]  # fmt: skip
    for col in read_rows(run_dir, "raw/columns.parquet", fields, only):
        columns[relation_key(col["catalog_name"], col["schema_name"], col["table_name"])].append(
            col
        )
    lineage = _column_lineage(run_dir, ns, only)
    for rel, key in zip(relations, keys, strict=True):
        if key in reused:
            yield key, None
            continue
        name = f"{rel['catalog_name']}.{rel['schema_name']}.{rel['table_name']}"
        facets = _facets(rel, columns[key], ns, lineage.get(key))
        dataset = StaticDataset(namespace=ns, name=name, facets=facets)
        yield key, DatasetEvent(eventTime=event_time, producer=PRODUCER, dataset=dataset)


def _facets(
    rel: dict[str, Any],
    columns: list[dict[str, Any]],
    ns: str,
    lineage: dict[str, column_lineage_dataset.Fields] | None,
) -> dict[str, DatasetFacet]:
    fields = [
        schema_dataset.SchemaDatasetFacetFields(
            name=c["column_name"],
            type=c["data_type"],
            description=c["comment"],
            ordinal_position=c["ordinal"],
        )
        for c in columns
    ]
    facets: dict[str, DatasetFacet] = {
        "schema": schema_dataset.SchemaDatasetFacet(fields=fields, producer=PRODUCER),
        "dataSource": datasource_dataset.DatasourceDatasetFacet(
            name=ns, uri=f"{ns}/{rel['catalog_name']}", producer=PRODUCER
        ),
    }
    if rel["owner"]:
        owner = ownership_dataset.Owner(name=f"role:{rel['owner']}", type="OWNER")
        facets["ownership"] = ownership_dataset.OwnershipDatasetFacet(
            owners=[owner], producer=PRODUCER
        )
    if rel["comment"]:
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=rel["comment"], producer=PRODUCER
        )
    if lineage:
        facets["columnLineage"] = column_lineage_dataset.ColumnLineageDatasetFacet(
            fields=lineage, producer=PRODUCER
        )
    return facets


def _column_lineage(
    run_dir: Path, ns: str, only: set[str] | None
) -> dict[str, dict[str, column_lineage_dataset.Fields]]:
    """lineage/edges.parquet column edges of views, grouped by target dataset and column."""
    grouped: dict[str, dict[str, list[column_lineage_dataset.InputField]]] = defaultdict(
        lambda: defaultdict(list)
    )
    target_fields = ["catalog_name", "target_schema", "target_table"]
    for edge in read_rows(run_dir, "lineage/edges.parquet", None, only, target_fields):
        if edge["edge_kind"] != "view" or edge["level"] != "column":
            continue
        target = relation_key(edge["catalog_name"], edge["target_schema"], edge["target_table"])
        source = f"{edge['catalog_name']}.{edge['source_schema']}.{edge['source_table']}"
        transformation = column_lineage_dataset.Transformation(
            type="DIRECT" if edge["transformation"] != "aggregate" else "INDIRECT",
            subtype={
                "direct": "IDENTITY",
                "expression": "TRANSFORMATION",
                "aggregate": "AGGREGATION",
            }.get(edge["transformation"] or ""),
        )
        grouped[target][edge["target_column"]].append(
            column_lineage_dataset.InputField(
                namespace=ns,
                name=source,
                field=edge["source_column"],
                transformations=[transformation],
            )
        )
    return {
        target: {
            column: column_lineage_dataset.Fields(inputFields=inputs)
            for column, inputs in by_column.items()
        }
        for target, by_column in grouped.items()
    }
