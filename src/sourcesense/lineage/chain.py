"""Following view column edges hop by hop, down to the base tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

# (schema, relation, column)
ColumnRef = tuple[str, str, str]


def upstream_columns(
    edges: Iterable[Mapping[str, Any]], catalog: str, schema: str, table: str, column: str
) -> set[ColumnRef]:
    """The columns a view column is ultimately computed from, following views over views.

    Returns base-relation columns. A view whose column lineage could not be parsed has no
    column edges; the chain stops at its column, which is returned so the caller sees where.
    A view column computed from no column at all (count(*)) contributes nothing. Foreign-key
    edges are not data flow and are not followed. Empty for a column with nothing upstream.
    """
    upstream, parsed_views = _column_index(edges, catalog)
    found: set[ColumnRef] = set()
    seen: set[ColumnRef] = {(schema, table, column)}
    pending = list(upstream.get((schema, table, column), ()))
    while pending:
        current = pending.pop()
        if current in seen:
            continue  # views can't form cycles, but a damaged edge file shouldn't hang us
        seen.add(current)
        sources = upstream.get(current)
        if sources:
            pending.extend(sources)
        elif (current[0], current[1]) not in parsed_views:
            found.add(current)
    return found


def _column_index(
    edges: Iterable[Mapping[str, Any]], catalog: str
) -> tuple[dict[ColumnRef, list[ColumnRef]], set[tuple[str, str]]]:
    """Sources of each view column, and the views whose column lineage is known."""
    upstream: dict[ColumnRef, list[ColumnRef]] = defaultdict(list)
    parsed_views: set[tuple[str, str]] = set()
    for row in edges:
        if row["edge_kind"] != "view" or row["level"] != "column":
            continue
        if row["catalog_name"] != catalog:
            continue
        target = (row["target_schema"], row["target_table"], row["target_column"])
        upstream[target].append((row["source_schema"], row["source_table"], row["source_column"]))
        parsed_views.add((row["target_schema"], row["target_table"]))
    return upstream, parsed_views
