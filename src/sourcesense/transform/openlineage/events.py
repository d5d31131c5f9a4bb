"""The OpenLineage events of a run, relation by relation.

Every table and view (partitions roll up into their parent) gets a DatasetEvent: schema,
dataSource, datasetType, ownership, documentation, tags (PII classes), sourcesense_security
(row-level security, policies, view options) and, for views, columnLineage. Every view and
materialized view also gets a job (namespace `postgres://host:port`, name
`database.schema.view`) with a COMPLETE RunEvent: inputs its sources, output the view with its
columnLineage facet, the view definition as the sql facet.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, relation_key
from sourcesense.store.readers import raw, read_rows, rows_per_relation
from sourcesense.transform.openlineage.facets import (
    DATASET_EVENT_URL,
    PRODUCER,
    RUN_EVENT_URL,
    SECURITY_FACET,
    TRANSFORMATIONS,
    dataset_type_facet,
    facet,
    schema_facet,
    security_facet,
    tags_facet,
)

VIEW_KINDS = {"view": "VIEW", "materialized_view": "MATERIALIZED_VIEW"}
Event = dict[str, Any]

_RELATION_FIELDS = ["catalog_name", "schema_name", "table_name", "kind", "owner", "comment",
                    "definition", "is_partition", "row_security", "force_row_security",
                    "security_barrier", "security_invoker", "check_option"]  # fmt: skip
_COLUMN_FIELDS = ["catalog_name", "schema_name", "table_name", "column_name", "data_type",
                  "comment", "ordinal"]  # fmt: skip
_PII_FIELDS = ["catalog_name", "schema_name", "table_name", "column_name", "pii_class"]
_TARGET = ["catalog_name", "target_schema", "target_table"]


# Per the OpenLineage naming spec: PostgreSQL datasets are database.schema.table in
# postgres://host:port; MySQL's (MariaDB's too) database.table in mysql://host:port, a MySQL
# database being our schema (its catalog 'def' is no part of the name).
_SCHEMES = {"postgresql": ("postgres", 5432), "mysql": ("mysql", 3306), "mariadb": ("mysql", 3306)}


def namespace(manifest: dict[str, Any]) -> str:
    source = manifest["source"]
    scheme, port = _SCHEMES[manifest.get("engine", "postgresql")]
    return f"{scheme}://{source.get('host') or 'localhost'}:{source.get('port') or port}"


def dataset_name(ns: str, catalog: str, schema: str, table: str) -> str:
    """A dataset's name in namespace `ns` (namespace's scheme: the naming spec's)."""
    return f"{schema}.{table}" if ns.startswith("mysql:") else f"{catalog}.{schema}.{table}"


def run_uuid(run_id: str, ns: str, job: str) -> str:
    """The runId of a view's job in a run: the same whether computed or copied."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ns}/{job}#{run_id}"))


@dataclass
class ViewLineage:
    """One view's edges: its source datasets, and column lineage entries by (dataset, column)."""

    inputs: list[str] = field(default_factory=list)
    fields: dict[str, dict[tuple[str, str], list[str]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    dataset: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def facet(self, ns: str) -> dict[str, Any] | None:
        if not self.fields and not self.dataset:
            return None
        return facet(
            "columnLineage",
            fields={
                column: {"inputFields": _input_fields(ns, found)}
                for column, found in self.fields.items()
            },
            dataset=_input_fields(ns, self.dataset),
        )


def _input_fields(ns: str, found: dict[tuple[str, str], list[str]]) -> list[dict[str, Any]]:
    return [
        {
            "namespace": ns,
            "name": dataset,
            "field": column,
            "transformations": [
                {"type": TRANSFORMATIONS[kind][0], "subtype": TRANSFORMATIONS[kind][1]}
                for kind in kinds
            ],
        }
        for (dataset, column), kinds in found.items()
    ]


def relation_events(
    run_dir: Path, manifest: dict[str, Any], reused: frozenset[str], event_time: str
) -> Iterator[tuple[str, list[Event] | None]]:
    """(relation key, its events) of every table and view in relations.parquet order; None
    for the relations in `reused`."""
    relations = [rel for rel in raw(run_dir, "relations", _RELATION_FIELDS)
                 if not rel["is_partition"]]  # fmt: skip
    keys = [relation_key(r["catalog_name"], r["schema_name"], r["table_name"]) for r in relations]
    only = set(keys) - reused if reused else None
    ns = namespace(manifest)
    columns = rows_per_relation(run_dir, "raw/columns.parquet", keys, _COLUMN_FIELDS, only)
    pii = _by_relation(_pii_rows(run_dir, only))
    policies = _by_relation(raw(run_dir, "policies"))
    lineage = _lineage(run_dir, only, ns)
    for rel, key, rel_columns in zip(relations, keys, columns, strict=True):
        if key in reused:
            yield key, None
            continue
        name = dataset_name(ns, rel["catalog_name"], rel["schema_name"], rel["table_name"])
        found = lineage.get(key, ViewLineage())
        facets = _facets(rel, rel_columns, pii.get(key, []), ns, found)
        security = security_facet(rel, policies.get(key, []))
        if security is not None:
            facets[SECURITY_FACET] = security
        events = [{
            "eventTime": event_time, "producer": PRODUCER, "schemaURL": DATASET_EVENT_URL,
            "dataset": {"namespace": ns, "name": name, "facets": facets},
        }]  # fmt: skip
        if rel["kind"] in VIEW_KINDS:
            run_id = manifest["run_id"]
            events.append(_run_event(rel, name, ns, run_id, event_time, facets, found.inputs))
        yield key, events


def _pii_rows(run_dir: Path, only: set[str] | None) -> list[dict[str, Any]]:
    """quality/column_profiles.parquet rows of PII columns (filtered in Arrow: few are)."""
    path = run_dir / "quality" / "column_profiles.parquet"
    if not path.exists():
        return []
    table = pq.read_table(path, columns=_PII_FIELDS)
    table = table.filter(pc.is_valid(table["pii_class"]))
    rows: list[dict[str, Any]] = (table if only is None else keep_keys(table, only)).to_pylist()
    return rows


def _by_relation(rows: Any) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[relation_key(row["catalog_name"], row["schema_name"], row["table_name"])].append(
            row
        )
    return grouped


def _facets(
    rel: dict[str, Any],
    columns: list[dict[str, Any]],
    pii: list[dict[str, Any]],
    ns: str,
    lineage: ViewLineage,
) -> dict[str, Any]:
    facets: dict[str, Any] = {
        "schema": schema_facet(sorted(columns, key=lambda col: col["ordinal"])),
        "dataSource": facet("dataSource", name=ns, uri=_source_uri(ns, rel["catalog_name"])),
        "datasetType": dataset_type_facet(rel["kind"]),
    }
    if rel["owner"]:
        facets["ownership"] = facet(
            "ownership", owners=[{"name": f"role:{rel['owner']}", "type": "OWNER"}]
        )
    if rel["comment"]:
        facets["documentation"] = facet("documentation", description=rel["comment"])
    if pii:
        facets["tags"] = tags_facet([(row["column_name"], row["pii_class"]) for row in pii])
    column_lineage = lineage.facet(ns)
    if column_lineage:
        facets["columnLineage"] = column_lineage
    return facets


def _source_uri(ns: str, catalog: str) -> str:
    return ns if ns.startswith("mysql:") else f"{ns}/{catalog}"


def _run_event(
    rel: dict[str, Any],
    name: str,
    ns: str,
    run_id: str,
    event_time: str,
    facets: dict[str, Any],
    inputs: list[str],
) -> Event:
    """The COMPLETE run of the view's job: the view's sources in, the view out."""
    scheme = ns.split(":", 1)[0]  # postgres | mysql: also the integration and SQL dialect
    job_facets = {
        "jobType": facet("jobType", processingType="BATCH", integration=scheme.upper(),
                         jobType=VIEW_KINDS[rel["kind"]]),
    }  # fmt: skip
    if rel["definition"]:
        job_facets["sql"] = facet("sql", query=rel["definition"], dialect=scheme)
    output_facets = {kind: facets[kind] for kind in ("schema", "columnLineage") if kind in facets}
    return {
        "eventTime": event_time, "producer": PRODUCER, "schemaURL": RUN_EVENT_URL,
        "eventType": "COMPLETE",
        "run": {"runId": run_uuid(run_id, ns, name), "facets": {}},
        "job": {"namespace": ns, "name": name, "facets": job_facets},
        "inputs": [{"namespace": ns, "name": source, "facets": {}, "inputFacets": {}}
                   for source in inputs],
        "outputs": [{"namespace": ns, "name": name, "facets": output_facets,
                     "outputFacets": {}}],
    }  # fmt: skip


def _lineage(run_dir: Path, only: set[str] | None, ns: str) -> dict[str, ViewLineage]:
    """lineage/edges.parquet view edges, by target view (rows come sorted, so the order of
    every list is stable)."""
    found: dict[str, ViewLineage] = defaultdict(ViewLineage)
    for edge in read_rows(run_dir, "lineage/edges.parquet", None, only, _TARGET):
        if edge["edge_kind"] != "view":
            continue
        target = relation_key(edge["catalog_name"], edge["target_schema"], edge["target_table"])
        view = found[target]
        source = dataset_name(ns, edge["catalog_name"], edge["source_schema"], edge["source_table"])
        if edge["level"] == "table":
            view.inputs.append(source)
        elif edge["level"] == "column" and edge["transformation"] in TRANSFORMATIONS:
            by_source = view.fields[edge["target_column"]]
            by_source.setdefault((source, edge["source_column"]), []).append(edge["transformation"])
        elif edge["level"] == "indirect" and edge["transformation"] in TRANSFORMATIONS:
            kinds = view.dataset.setdefault((source, edge["source_column"]), [])
            kinds.append(edge["transformation"])
    return found
