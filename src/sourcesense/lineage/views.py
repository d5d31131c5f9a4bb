"""Edges of one view or materialized view, checked against the server's own pg_depend record.

Table-level edges come straight from pg_depend, so they exist even when the SQL can't be
parsed. Column-level edges come from parsing pg_get_viewdef output; any parsed source column
that pg_depend does not list is dropped (the parser never gets to invent a source), and a
column pg_depend lists that neither feeds a column edge nor is read to filter, join, group or
order rows gets a warning (the parser lost it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot.errors import ParseError, SqlglotError, TokenError

from sourcesense.lineage.edges import Edge, edge
from sourcesense.lineage.sql_lineage import IndirectColumn, SourceColumn, query_lineage

# (catalog, schema, relation)
RelationKey = tuple[str, str, str]
# source (schema, relation) -> the columns of it the view reads; None stands for a
# whole-relation dependency (a whole-row reference such as to_jsonb(t.*), or count(*) alone)
ViewSources = Mapping[tuple[str, str], set[str | None]]

_REASON_LENGTH = 120


def view_edges(
    view: RelationKey,
    definition: str | None,
    view_columns: Sequence[str],
    sources: ViewSources,
    columns_by_relation: Mapping[RelationKey, Sequence[str]],
    dialect: str = "postgres",
) -> tuple[list[Edge], list[str]]:
    """Table edges from every source relation to the view; column and indirect edges (columns
    read by joins, filters, group-by, sort, windows) where parseable. `dialect`: sqlglot's
    name of the definitions' SQL."""
    catalog, schema, name = view
    edges = [
        edge("view", catalog, (source_schema, source_table, None), (schema, name, None))
        for source_schema, source_table in sorted(sources)
    ]
    label = f"{catalog}.{schema}.{name}"
    parsed, reason = _parsed_lineage(
        view, definition, view_columns, sources, columns_by_relation, dialect
    )
    if parsed is None:
        return edges, [f"{label}: column lineage unavailable ({reason})"]
    lineage, indirect = parsed
    dropped: set[tuple[str, str, str]] = set()
    found_by_target = [(column, found) for column, found in zip(view_columns, lineage, strict=True)]
    for target_column, found in [*found_by_target, (None, indirect)]:
        for source_schema, source_table, source_column, transformation in sorted(found):
            read = sources.get((source_schema, source_table), set())
            if source_column not in read and None not in read:
                dropped.add((source_schema, source_table, source_column))
                continue
            edges.append(
                edge("view", catalog, (source_schema, source_table, source_column),
                     (schema, name, target_column), transformation,
                     level=None if target_column is not None else "indirect")
            )  # fmt: skip
    warnings = []
    if dropped:
        listed = ", ".join(".".join(column) for column in sorted(dropped))
        warnings.append(
            f"{label}: dropped {len(dropped)} parsed source column(s) that pg_depend does not "
            f"list: {listed}"
        )
    missed = _unaccounted(sources, lineage, indirect)
    if missed:
        listed = ", ".join(".".join(column) for column in sorted(missed))
        warnings.append(
            f"{label}: column lineage misses {len(missed)} source column(s) that pg_depend "
            f"records: {listed}"
        )
    return edges, warnings


def _unaccounted(
    sources: ViewSources, lineage: list[set[SourceColumn]], indirect: set[IndirectColumn]
) -> set[tuple[str, str, str]]:
    """Columns pg_depend records for the view that no column edge comes from and that the
    query does not read indirectly (to join, filter, group, sort or window rows): the parser
    lost them."""
    recorded = {
        (schema, table, column)
        for (schema, table), read in sources.items()
        for column in read
        if column is not None
    }
    return recorded - {source[:3] for found in [*lineage, indirect] for source in found}


def _parsed_lineage(
    view: RelationKey,
    definition: str | None,
    view_columns: Sequence[str],
    sources: ViewSources,
    columns_by_relation: Mapping[RelationKey, Sequence[str]],
    dialect: str = "postgres",
) -> tuple[tuple[list[set[SourceColumn]], set[IndirectColumn]] | None, str]:
    """Sources of each view column in order and the indirectly read columns, or None and why
    not."""
    if not definition:
        return None, "no definition"
    try:
        schema_columns = _schema_columns(view[0], sources, columns_by_relation)
        # MySQL resolves an unqualified name in the view's own database.
        default = view[1] if dialect == "mysql" else "public"
        outputs, indirect = query_lineage(definition, schema_columns, default, dialect)
    except (SqlglotError, ValueError, RecursionError) as exc:
        return None, _short_reason(exc)
    if len(outputs) != len(view_columns):
        return None, f"query has {len(outputs)} output columns, the view {len(view_columns)}"
    return ([found for _, found in outputs], indirect), ""


def _schema_columns(
    catalog: str, sources: ViewSources, columns_by_relation: Mapping[RelationKey, Sequence[str]]
) -> dict[str, dict[str, list[str]]]:
    """The columns of just the relations the view reads: all a view can resolve against.

    A source outside the extracted scope has no columns.parquet rows; the columns pg_depend
    lists are then enough, since pg_get_viewdef prints stars already expanded.
    """
    mapping: dict[str, dict[str, list[str]]] = {}
    for (schema, table), read in sources.items():
        known = columns_by_relation.get((catalog, schema, table))
        listed = sorted(column for column in read if column is not None)
        mapping.setdefault(schema, {})[table] = list(known) if known else listed
    return mapping


def _short_reason(exc: BaseException) -> str:
    if isinstance(exc, ParseError) and exc.errors:
        text = f"parse error: {exc.errors[0].get('description', '')}"
    elif isinstance(exc, ParseError | TokenError):
        text = f"parse error: {exc}"
    elif isinstance(exc, RecursionError):
        text = "query nested too deeply"
    else:
        text = str(exc)
    first_line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first_line[:_REASON_LENGTH]
