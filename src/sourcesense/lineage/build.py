"""Build lineage/edges.parquet of a run from its raw files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys, relation_key
from sourcesense.incremental.reuse import commit, plan_reuse
from sourcesense.lineage.edges import EDGES_FILE, Edge, write_edges
from sourcesense.lineage.foreign_keys import foreign_key_edges
from sourcesense.lineage.views import RelationKey, view_edges
from sourcesense.store.readers import read_rows
from sourcesense.store.rundir import MANIFEST, read_json

_VIEW_KINDS = {"view", "materialized_view"}
# sqlglot's dialect of the view definitions, by the manifest's engine (none: PostgreSQL).
_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}
# Bumped when the edges of the same raw files change (2: indirect edges), so an earlier run's
# edges are not copied.
EDGES_VERSION = 2
_TARGET = ["catalog_name", "target_schema", "target_table"]
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


def build_lineage(run_dir: Path, incremental: bool = True) -> list[str]:
    """Write run_dir/lineage/edges.parquet (view and foreign-key edges); return warnings.

    Edges belong to their target (the view, or the FK's referencing table); those of
    relations unchanged since the previous run are copied from it (sourcesense.incremental).
    """
    reuse = plan_reuse(run_dir, "lineage", {"edges": EDGES_VERSION}, incremental)
    warnings: list[str] = []
    changed = set(reuse.recomputed) if reuse.keys else None
    raw = {
        kind: _read_raw(run_dir, kind, warnings, changed)
        for kind in ("relations", "view_dependencies", "constraints")
    }
    columns = _read_raw(run_dir, "columns", warnings, _needed_columns(raw, changed))
    dialect = _dialect(run_dir)
    edges, unclean = _all_view_edges(
        raw["relations"], columns, raw["view_dependencies"], warnings, dialect
    )
    for fk in raw["constraints"]:
        found, fk_warnings = foreign_key_edges([fk])
        edges += found
        warnings += fk_warnings
        unclean |= {relation_key(*_key(fk))} if fk_warnings else set()
    if reuse.keys:
        previous = pq.read_table(reuse.source(str(EDGES_FILE)))
        edges += keep_keys(previous, reuse.keys, _TARGET).to_pylist()
    write_edges(run_dir, edges)
    commit(run_dir, reuse, {str(EDGES_FILE): run_dir / EDGES_FILE}, unclean)
    return warnings


def _dialect(run_dir: Path) -> str:
    manifest = run_dir / MANIFEST
    engine = read_json(manifest).get("engine", "") if manifest.exists() else ""
    return _DIALECTS.get(engine, "postgres")


def _needed_columns(raw: dict[str, list[dict[str, Any]]], changed: set[str] | None) -> set[str]:
    """Keys of the relations whose columns view edges use: the views (or the changed
    relations) and what they read. Views resolve against their sources' columns only
    (views._schema_columns), so the rest of columns.parquet, most of it, is not read."""
    targets = changed
    if targets is None:
        targets = {relation_key(*_key(row)) for row in raw["relations"]
                   if row["kind"] in _VIEW_KINDS}  # fmt: skip
        targets |= {relation_key(*_key(row)) for row in raw["view_dependencies"]}
    return targets | {_source_key(row) for row in raw["view_dependencies"]}


def _read_raw(
    run_dir: Path, kind: str, warnings: list[str], only: set[str] | None
) -> list[dict[str, Any]]:
    path = run_dir / "raw" / f"{kind}.parquet"
    if not path.exists():
        # A partial run still gets the lineage its other files allow.
        warnings.append(f"lineage: raw/{kind}.parquet missing; its edges are left out")
        return []
    return read_rows(run_dir, f"raw/{kind}.parquet", _NEEDED[kind], only)


def _all_view_edges(
    relations: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    dependencies: list[dict[str, Any]],
    warnings: list[str],
    dialect: str = "postgres",
) -> tuple[list[Edge], set[str]]:
    """Edges of every view among `relations`, and the keys of those that gave a warning."""
    definitions: dict[RelationKey, str | None] = {
        _key(row): row["definition"] for row in relations if row["kind"] in _VIEW_KINDS
    }
    sources_by_view: dict[RelationKey, dict[tuple[str, str], set[str | None]]] = defaultdict(dict)
    for row in dependencies:
        source = (row["source_schema"], row["source_table"])
        sources_by_view[_key(row)].setdefault(source, set()).add(row["source_column"])
    columns_by_relation = _columns_by_relation(columns)
    edges: list[Edge] = []
    unclean: set[str] = set()
    for view in sorted(definitions.keys() | sources_by_view.keys()):
        found, view_warnings = view_edges(
            view,
            definitions.get(view),
            columns_by_relation.get(view, []),
            sources_by_view.get(view, {}),
            columns_by_relation,
            dialect,
        )
        edges += found
        warnings += view_warnings
        unclean |= {relation_key(*view)} if view_warnings else set()
    return edges, unclean


def _columns_by_relation(columns: list[dict[str, Any]]) -> dict[RelationKey, list[str]]:
    """Each relation's column names in ordinal order."""
    ordered = sorted(columns, key=lambda row: (_key(row), row["ordinal"]))
    by_relation: dict[RelationKey, list[str]] = defaultdict(list)
    for row in ordered:
        by_relation[_key(row)].append(row["column_name"])
    return by_relation


def _key(row: dict[str, Any]) -> RelationKey:
    return (row["catalog_name"], row["schema_name"], row["table_name"])


def _source_key(row: dict[str, Any]) -> str:
    return relation_key(row["catalog_name"], row["source_schema"], row["source_table"])
