"""OpenLineage dataset events: one per table and view, built with openlineage-python's models.

Namespace `postgres://host:port`, name `database.schema.table`; facets schema, documentation,
ownership, dataSource and (views, when lineage ran) columnLineage.
"""

from __future__ import annotations

from collections import defaultdict
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
from sourcesense.store.readers import raw, read_rows
from sourcesense.transform.context import TransformContext, TransformOutput, write_json_lines

PRODUCER = f"https://github.com/sourcesense/sourcesense/tree/v{__version__}"
Key = tuple[str, str, str]


def namespace(manifest: dict[str, Any]) -> str:
    source = manifest["source"]
    return f"postgres://{source.get('host') or 'localhost'}:{source.get('port') or 5432}"


def transform_openlineage(ctx: TransformContext) -> TransformOutput:
    events = build_events(ctx.run_dir, ctx.manifest)
    write_json_lines(ctx.out_dir / "events.jsonl", [Serde.to_dict(event) for event in events])
    return TransformOutput(files=1, entities=len(events))


def build_events(run_dir: Path, manifest: dict[str, Any]) -> list[DatasetEvent]:
    ns = namespace(manifest)
    columns: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    fields = ["catalog_name", "schema_name", "table_name", "column_name", "data_type", "comment",
              "ordinal"]  # fmt: skip
    for col in raw(run_dir, "columns", fields):
        columns[(col["catalog_name"], col["schema_name"], col["table_name"])].append(col)
    lineage = _column_lineage(run_dir, ns)
    event_time = manifest.get("finished_at") or manifest["started_at"]
    events = []
    for rel in raw(run_dir, "relations"):
        if rel["is_partition"]:
            continue  # partitions roll up into their parent dataset
        key = (rel["catalog_name"], rel["schema_name"], rel["table_name"])
        facets = _facets(rel, columns[key], ns, lineage.get(key))
        dataset = StaticDataset(namespace=ns, name=".".join(key), facets=facets)
        events.append(DatasetEvent(eventTime=event_time, producer=PRODUCER, dataset=dataset))
    return events


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


def _column_lineage(run_dir: Path, ns: str) -> dict[Key, dict[str, column_lineage_dataset.Fields]]:
    """lineage/edges.parquet column edges of views, grouped by target dataset and column."""
    grouped: dict[Key, dict[str, list[column_lineage_dataset.InputField]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for edge in read_rows(run_dir, "lineage/edges.parquet"):
        if edge["edge_kind"] != "view" or edge["level"] != "column":
            continue
        target = (edge["catalog_name"], edge["target_schema"], edge["target_table"])
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
