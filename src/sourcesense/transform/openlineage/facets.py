"""OpenLineage facets as plain JSON-ready dicts.

Built as dicts rather than openlineage-python's attrs models because their serialisation took
most of the step's time; the schema URLs still come from those models (so they follow the
library version, part of the step's reuse signature), and the tests parse every event back
into the models without loss.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from openlineage.client.event_v2 import DatasetEvent, RunEvent
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    dataset_type_dataset,
    datasource_dataset,
    documentation_dataset,
    job_type_job,
    ownership_dataset,
    schema_dataset,
    sql_job,
    tags_dataset,
)

from sourcesense import __version__

OPENLINEAGE_VERSION = version("openlineage-python")
PRODUCER = f"https://github.com/sourcesense/sourcesense/tree/v{__version__}"
DATASET_EVENT_URL = DatasetEvent._get_schema()
RUN_EVENT_URL = RunEvent._get_schema()

_URLS: dict[str, str] = {
    "schema": schema_dataset.SchemaDatasetFacet._get_schema(),
    "dataSource": datasource_dataset.DatasourceDatasetFacet._get_schema(),
    "ownership": ownership_dataset.OwnershipDatasetFacet._get_schema(),
    "documentation": documentation_dataset.DocumentationDatasetFacet._get_schema(),
    "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet._get_schema(),
    "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet._get_schema(),
    "tags": tags_dataset.TagsDatasetFacet._get_schema(),
    "sql": sql_job.SQLJobFacet._get_schema(),
    "jobType": job_type_job.JobTypeJobFacet._get_schema(),
}

# lineage/edges.parquet transformation -> the spec's (type, subtype) (column lineage 1-2-0).
TRANSFORMATIONS: dict[str, tuple[str, str]] = {
    "direct": ("DIRECT", "IDENTITY"),
    "expression": ("DIRECT", "TRANSFORMATION"),
    "aggregate": ("DIRECT", "AGGREGATION"),
    "join": ("INDIRECT", "JOIN"),
    "filter": ("INDIRECT", "FILTER"),
    "group_by": ("INDIRECT", "GROUP_BY"),
    "sort": ("INDIRECT", "SORT"),
    "window": ("INDIRECT", "WINDOW"),
}

# raw relations kind -> (datasetType, subType)
DATASET_TYPES: dict[str, tuple[str, str | None]] = {
    "table": ("TABLE", None),
    "partitioned_table": ("TABLE", "PARTITIONED"),
    "foreign_table": ("TABLE", "FOREIGN"),
    "view": ("VIEW", None),
    "materialized_view": ("VIEW", "MATERIALIZED"),
}


def facet(kind: str, **fields: Any) -> dict[str, Any]:
    """A facet of `kind` (its key in the facets map): producer, schema URL, the non-null fields."""
    body = {"_producer": PRODUCER, "_schemaURL": _URLS[kind]}
    body.update((name, value) for name, value in fields.items() if value is not None)
    return body


def schema_facet(columns: list[dict[str, Any]]) -> dict[str, Any]:
    fields = []
    for col in columns:
        field = {"name": col["column_name"], "type": col["data_type"]}
        if col["comment"] is not None:
            field["description"] = col["comment"]
        field["ordinal_position"] = col["ordinal"]
        fields.append(field)
    return facet("schema", fields=fields)


def tags_facet(pii: list[tuple[str, str]]) -> dict[str, Any]:
    """Column-level tags (the spec's `field`) naming each column's PII class: never a value."""
    tags = [
        {"key": "pii", "value": pii_class, "source": "sourcesense", "field": column}
        for column, pii_class in pii
    ]
    return facet("tags", tags=tags)


def dataset_type_facet(kind: str) -> dict[str, Any]:
    dataset_type, sub_type = DATASET_TYPES.get(kind, ("TABLE", None))
    return facet("datasetType", datasetType=dataset_type, subType=sub_type)
