"""Build lineage/edges.parquet of a run from its raw files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sourcesense.lineage.edges import Edge, write_edges
from sourcesense.lineage.foreign_keys import foreign_key_edges
from sourcesense.lineage.views import RelationKey, view_edges

_VIEW_KINDS = {"view", "materialized_view"}
_NEEDED: dict[str, list[str]] = {
    "relations": ["catalog_name", "schema_name", "table_name", "kind", "definition"],
    "columns": ["catalog_name", "schema_name", "table_name", "column_name", "ordinal"],
    "view_dependencies": [
        "catalog_name", "schema_name", "table_name", "source_schema", "source_table",
        "source_column",
    ],
    "constraints": [
        "catalog_name", "schema_name", "table_name", "constraint_name", "constraint_type",
        "columns", "referenced_schema", "referenced_table", "referenced_columns",
    ],
}  # fmt: skip


def build_lineage(run_dir: Path) -> list[str]:
    """Write run_dir/lineage/edges.parquet (view and foreign-key edges); return warnings."""
    warnings: list[str] = []
    raw = {kind: _read_raw(run_dir, kind, warnings) for kind in _NEEDED}
    edges: list[Edge] = []
    found, view_warnings = _all_view_edges(
        raw["relations"], raw["columns"], raw["view_dependencies"]
    )
    edges += found
    warnings += view_warnings
    found, fk_warnings = foreign_key_edges(raw["constraints"])
    edges += found
    warnings += fk_warnings
    write_edges(run_dir, edges)
    return warnings


def _read_raw(run_dir: Path, kind: str, warnings: list[str]) -> list[dict[str, Any]]:
    path = run_dir / "raw" / f"{kind}.parquet"
    if not path.exists():
        # A partial run still gets the lineage its other files allow.
        warnings.append(f"lineage: raw/{kind}.parquet missing; its edges are left out")
        return []
    rows: list[dict[str, Any]] = pq.read_table(path, columns=_NEEDED[kind]).to_pylist()
    return rows


def _all_view_edges(
    relations: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    dependencies: list[dict[str, Any]],
) -> tuple[list[Edge], list[str]]:
    definitions: dict[RelationKey, str | None] = {
        _key(row): row["definition"] for row in relations if row["kind"] in _VIEW_KINDS
    }
    sources_by_view: dict[RelationKey, dict[tuple[str, str], set[str | None]]] = defaultdict(dict)
    for row in dependencies:
        source = (row["source_schema"], row["source_table"])
        sources_by_view[_key(row)].setdefault(source, set()).add(row["source_column"])
    columns_by_relation = _columns_by_relation(columns)
    edges: list[Edge] = []
    warnings: list[str] = []
    for view in sorted(definitions.keys() | sources_by_view.keys()):
        found, view_warnings = view_edges(
            view,
            definitions.get(view),
            columns_by_relation.get(view, []),
            sources_by_view.get(view, {}),
            columns_by_relation,
        )
        edges += found
        warnings += view_warnings
    return edges, warnings


def _columns_by_relation(columns: list[dict[str, Any]]) -> dict[RelationKey, list[str]]:
    """Each relation's column names in ordinal order."""
    ordered = sorted(columns, key=lambda row: (_key(row), row["ordinal"]))
    by_relation: dict[RelationKey, list[str]] = defaultdict(list)
    for row in ordered:
        by_relation[_key(row)].append(row["column_name"])
    return by_relation


def _key(row: dict[str, Any]) -> RelationKey:
    return (row["catalog_name"], row["schema_name"], row["table_name"])
