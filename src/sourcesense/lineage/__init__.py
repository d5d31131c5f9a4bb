"""Lineage of an extraction run: view and foreign-key edges in lineage/edges.parquet.

build_lineage(run_dir) writes the edges and returns warnings for the run manifest;
upstream_columns follows view column edges down to base tables; column_lineage and
query_lineage are the pure SQL walk the view edges come from.
"""

from __future__ import annotations

from sourcesense.lineage.build import build_lineage
from sourcesense.lineage.chain import ColumnRef, upstream_columns
from sourcesense.lineage.edges import EDGE_SCHEMA, EDGES_FILE, Edge, read_edges
from sourcesense.lineage.sql_lineage import (
    IndirectColumn,
    SchemaColumns,
    SourceColumn,
    column_lineage,
    output_lineage,
    query_lineage,
)

__all__ = [
    "EDGES_FILE",
    "EDGE_SCHEMA",
    "ColumnRef",
    "Edge",
    "IndirectColumn",
    "SchemaColumns",
    "SourceColumn",
    "build_lineage",
    "column_lineage",
    "output_lineage",
    "query_lineage",
    "read_edges",
    "upstream_columns",
]
