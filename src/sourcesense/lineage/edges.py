"""The lineage/edges.parquet contract and its atomic writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.store.rundir import write_table

EDGES_FILE = Path("lineage") / "edges.parquet"

# One row per edge, data flowing from source to target.
Edge = dict[str, Any]

_FIELDS: list[tuple[str, str]] = [
    ("edge_kind", "view | foreign_key"),
    (
        "level",
        "table | column | indirect (view edges: a source column the view reads in a join, "
        "filter, group-by, sort or window; target_column null)",
    ),
    ("catalog_name", "database name"),
    ("source_schema", "schema of the source: the relation a view reads, or the FK's parent"),
    ("source_table", "source relation"),
    ("source_column", "source column; null for table-level edges"),
    ("target_schema", "schema of the target: the view, or the FK's referencing (child) table"),
    ("target_table", "target relation"),
    ("target_column", "target column; null for table-level edges"),
    (
        "transformation",
        "view column edges: direct (passed through, maybe renamed or cast) | expression "
        "(computed from the source) | aggregate (inside an aggregate); indirect edges: join | "
        "filter (WHERE, HAVING) | group_by | sort | window; null otherwise",
    ),
    ("constraint_name", "the foreign key, for foreign_key edges"),
]

EDGE_SCHEMA: pa.Schema = pa.schema(
    [pa.field(name, pa.string(), metadata={"description": doc}) for name, doc in _FIELDS]
)

_SORT_KEY = [name for name, _ in _FIELDS]


def edge(
    edge_kind: str,
    catalog_name: str,
    source: tuple[str, str, str | None],
    target: tuple[str, str, str | None],
    transformation: str | None = None,
    constraint_name: str | None = None,
    level: str | None = None,
) -> Edge:
    """An edge row; source and target are (schema, table, column or None for table level).
    The level is table or column from the target column unless given (indirect)."""
    return {
        "edge_kind": edge_kind,
        "level": level or ("table" if target[2] is None else "column"),
        "catalog_name": catalog_name,
        "source_schema": source[0],
        "source_table": source[1],
        "source_column": source[2],
        "target_schema": target[0],
        "target_table": target[1],
        "target_column": target[2],
        "transformation": transformation,
        "constraint_name": constraint_name,
    }


def write_edges(run_dir: Path, edges: list[Edge]) -> Path:
    """Write lineage/edges.parquet under a temporary name, then rename it into place."""
    path = run_dir / EDGES_FILE
    # Sorted so two builds over the same run give byte-comparable rows.
    ordered = sorted(edges, key=lambda row: tuple(row[name] or "" for name in _SORT_KEY))
    write_table(path, pa.Table.from_pylist(ordered, schema=EDGE_SCHEMA))
    return path


def read_edges(run_dir: Path) -> list[Edge]:
    """The rows of a run's lineage/edges.parquet."""
    rows: list[Edge] = pq.read_table(run_dir / EDGES_FILE).to_pylist()
    return rows
