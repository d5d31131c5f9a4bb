"""Foreign-key edges: from the referenced (parent) table to the referencing (child) table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sourcesense.lineage.edges import Edge, edge


def foreign_key_edges(constraints: Iterable[Mapping[str, Any]]) -> tuple[list[Edge], list[str]]:
    """One table edge per foreign key plus one column edge per column pair; and warnings."""
    edges: list[Edge] = []
    warnings: list[str] = []
    for fk in constraints:
        if fk["constraint_type"] != "foreign_key":
            continue
        catalog, name = fk["catalog_name"], fk["constraint_name"]
        parent = (fk["referenced_schema"], fk["referenced_table"])
        child = (fk["schema_name"], fk["table_name"])
        edges.append(
            edge("foreign_key", catalog, (*parent, None), (*child, None), constraint_name=name)
        )
        child_columns = list(fk["columns"] or [])
        parent_columns = list(fk["referenced_columns"] or [])
        if len(child_columns) != len(parent_columns):
            warnings.append(
                f"{catalog}.{child[0]}.{child[1]}: foreign key {name} has "
                f"{len(child_columns)} columns but references {len(parent_columns)}; "
                "column edges left out"
            )
            continue
        edges.extend(
            edge("foreign_key", catalog, (*parent, parent_column), (*child, child_column),
                 constraint_name=name)
            for child_column, parent_column in zip(child_columns, parent_columns, strict=True)
        )  # fmt: skip
    return edges, warnings
