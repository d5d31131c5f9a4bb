"""OpenLineage facets as plain JSON-ready dicts.

Built as dicts rather than openlineage-python's attrs models because their serialisation took
most of the step's time; the schema URLs still come from those models (so they follow the
library version, part of the step's reuse signature), and the tests parse every event back
into the models without loss.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import attr
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
from openlineage.client.generated.base import DatasetFacet

from sourcesense import __version__

OPENLINEAGE_VERSION = version("openlineage-python")
PRODUCER = f"https://github.com/sourcesense/sourcesense/tree/v{__version__}"
SECURITY_FACET = "sourcesense_security"  # custom facets are named after their producer


@attr.define
class SecurityDatasetFacet(DatasetFacet):
    """Row-level security and view options (docs/facets/SecurityDatasetFacet.json)."""

    rowLevelSecurity: str | None = attr.field(default=None)
    policies: list[dict[str, Any]] | None = attr.field(default=None)
    securityBarrier: bool | None = attr.field(default=None)
    securityInvoker: bool | None = attr.field(default=None)
    checkOption: str | None = attr.field(default=None)

    @staticmethod
    def _get_schema() -> str:
        return (
            f"https://github.com/sourcesense/sourcesense/blob/v{__version__}/docs/facets/"
            "SecurityDatasetFacet.json#/$defs/SecurityDatasetFacet"
        )


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
    SECURITY_FACET: SecurityDatasetFacet._get_schema(),
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


def security_facet(rel: dict[str, Any], policies: list[dict[str, Any]]) -> dict[str, Any] | None:
    """sourcesense_security, when the relation has row-level security, policies or view
    options; policies as pg_policies shows them."""
    rls = ("forced" if rel["force_row_security"] else "enabled") if rel["row_security"] else None
    entries = [
        {"name": p["policy_name"], "command": p["command"], "type": p["policy_type"],
         "roles": p["roles"], "using": p["using_expression"],
         "withCheck": p["with_check_expression"]}
        for p in policies
    ]  # fmt: skip
    fields = {
        "rowLevelSecurity": rls,
        "policies": [{k: v for k, v in e.items() if v is not None} for e in entries] or None,
        "securityBarrier": rel["security_barrier"] or None,
        "securityInvoker": rel["security_invoker"] or None,
        "checkOption": rel["check_option"],
    }
    if all(value is None for value in fields.values()):
        return None
    return facet(SECURITY_FACET, **fields)
